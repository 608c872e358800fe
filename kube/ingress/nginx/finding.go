package nginx

import "fmt"

// Severity is how much a [Finding] matters.
type Severity uint8

const (
	// Info: the annotation is served as ingress-nginx documents (a Normal
	// Event, or none).
	Info Severity = iota
	// Difference: served, with a difference a person should know.
	Difference
	// Warning: not served (refused, or not served yet); a Warning Event.
	Warning
	// Error: the value is malformed and not used; a Warning Event. Where
	// the annotation guards access, [Features.FailClosed] is set too.
	Error
)

var severityNames = [...]string{Info: "info", Difference: "difference", Warning: "warning", Error: "error"}

// String returns "info", "difference", "warning" or "error".
func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("Severity(%d)", uint8(s))
}

// EventType is the Kubernetes Event type of a finding of severity s:
// "Normal" for Info and Difference, "Warning" for the others.
func (s Severity) EventType() string {
	if s >= Warning {
		return "Warning"
	}
	return "Normal"
}

// Finding is what firsthop makes of one annotation (or ConfigMap key).
type Finding struct {
	// Annotation is the annotation's name without [Prefix], or the
	// ConfigMap key.
	Annotation string
	Severity   Severity
	// Message says what firsthop does, and for Warning and Error what to
	// do about it. It does not repeat the annotation's name.
	Message string
}

// String returns "severity: annotation: message".
func (f Finding) String() string {
	return fmt.Sprintf("%s: %s: %s", f.Severity, f.Annotation, f.Message)
}
