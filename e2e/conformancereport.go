package e2e

import (
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// ConformanceReport is the part of the Gateway API suite's report
// (ConformanceReport of sigs.k8s.io/gateway-api/conformance/apis/v1, the
// YAML the suite writes to -report-output) that the harness reads. Fields
// the harness does not read are ignored, so a newer suite's report still
// parses.
type ConformanceReport struct {
	APIVersion        string `json:"apiVersion"`
	Kind              string `json:"kind"`
	Date              string `json:"date"`
	Mode              string `json:"mode"`
	GatewayAPIVersion string `json:"gatewayAPIVersion"`
	GatewayAPIChannel string `json:"gatewayAPIChannel"`
	Implementation    struct {
		Organization string   `json:"organization"`
		Project      string   `json:"project"`
		URL          string   `json:"url"`
		Version      string   `json:"version"`
		Contact      []string `json:"contact"`
	} `json:"implementation"`
	// Profiles holds one entry per conformance profile of which at least
	// one test ran (passed, failed or was skipped); a profile whose tests
	// were all unsupported, or that never got to run, is absent.
	Profiles                  []ProfileReport `json:"profiles"`
	SucceededProvisionalTests []string        `json:"succeededProvisionalTests"`
}

// ProfileReport is one profile's results.
type ProfileReport struct {
	Name     string                 `json:"name"`
	Summary  string                 `json:"summary"`
	Core     ProfileStatus          `json:"core"`
	Extended *ExtendedProfileStatus `json:"extended"`
}

// ProfileStatus is the result of a profile's core or extended tests.
type ProfileStatus struct {
	// Result is "success" (none failed or skipped), "partial" (some
	// skipped, none failed) or "failure".
	Result     string `json:"result"`
	Statistics struct {
		Passed  uint32 `json:"Passed"`
		Failed  uint32 `json:"Failed"`
		Skipped uint32 `json:"Skipped"`
	} `json:"statistics"`
	FailedTests  []string `json:"failedTests"`
	SkippedTests []string `json:"skippedTests"`
}

// ExtendedProfileStatus is the extended tests' result plus the profile's
// extended features the implementation claims and does not claim.
type ExtendedProfileStatus struct {
	ProfileStatus
	SupportedFeatures   []string `json:"supportedFeatures"`
	UnsupportedFeatures []string `json:"unsupportedFeatures"`
}

// ParseConformanceReport parses the suite's report YAML. It fails on
// anything that is not a ConformanceReport, and on a profile without a
// name.
func ParseConformanceReport(b []byte) (*ConformanceReport, error) {
	var r ConformanceReport
	if err := yaml.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("conformance report: %w", err)
	}
	if r.Kind != "ConformanceReport" {
		return nil, fmt.Errorf("conformance report: kind %q, want ConformanceReport", r.Kind)
	}
	for i, p := range r.Profiles {
		if p.Name == "" {
			return nil, fmt.Errorf("conformance report: profile %d has no name", i)
		}
	}
	return &r, nil
}

// Profile returns the profile called name, or nil.
func (r *ConformanceReport) Profile(name string) *ProfileReport {
	for i := range r.Profiles {
		if r.Profiles[i].Name == name {
			return &r.Profiles[i]
		}
	}
	return nil
}

// Summary is one line per profile in want (the profiles the run asked
// for), in that order: core and extended results with passed, failed and
// skipped counts, and the number of extended features claimed; a profile
// missing from the report says so.
func (r *ConformanceReport) Summary(want []string) string {
	var b strings.Builder
	for _, name := range want {
		p := r.Profile(name)
		if p == nil {
			fmt.Fprintf(&b, "%s: not in the report (none of its tests ran)\n", name)
			continue
		}
		fmt.Fprintf(&b, "%s: core %s", name, p.Core.counts())
		if e := p.Extended; e != nil {
			fmt.Fprintf(&b, "; extended %s, %d features claimed, %d not", e.counts(), len(e.SupportedFeatures), len(e.UnsupportedFeatures))
		} else {
			b.WriteString("; no extended test ran")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func (s ProfileStatus) counts() string {
	return fmt.Sprintf("%s (%d passed, %d failed, %d skipped)", s.Result, s.Statistics.Passed, s.Statistics.Failed, s.Statistics.Skipped)
}

// Problems returns why the report does not show a clean run of the
// profiles in want: a profile missing, or a core or extended result other
// than "success", with the failed and skipped tests' names. Skipped tests
// count: the issue asks that nothing be skipped. Nil means every test of
// every wanted profile that ran passed.
func (r *ConformanceReport) Problems(want []string) []error {
	var errs []error
	for _, name := range want {
		p := r.Profile(name)
		if p == nil {
			errs = append(errs, fmt.Errorf("%s: not in the report: none of its tests ran", name))
			continue
		}
		if err := p.Core.problem(name + " core"); err != nil {
			errs = append(errs, err)
		}
		if p.Extended == nil {
			continue
		}
		if err := p.Extended.problem(name + " extended"); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func (s ProfileStatus) problem(what string) error {
	if s.Result == "success" && s.Statistics.Failed == 0 && s.Statistics.Skipped == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s; failed %v; skipped %v", what, s.counts(), s.FailedTests, s.SkippedTests)
}
