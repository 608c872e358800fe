package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// EchoReply is the JSON body `firsthop echo` (or echo-basic, whose reply
// shares method, path, proto, host and headers) answers with: the request
// as the backend received it. Headers has canonical keys; the Host header is
// in Host, not in Headers.
type EchoReply struct {
	Method     string      `json:"method"`
	Path       string      `json:"path"`
	Query      string      `json:"query"`
	Proto      string      `json:"proto"`
	Host       string      `json:"host"`
	RemoteAddr string      `json:"remote_addr"`
	LocalAddr  string      `json:"local_addr"` // which backend answered
	Headers    http.Header `json:"headers"`
	// Pod is the answering pod's name, from the Gateway API suite's
	// echo-basic (its POD_NAME); `firsthop echo` leaves it empty.
	Pod string `json:"pod"`
}

// ParseEchoReply decodes an echo backend's body.
func ParseEchoReply(body []byte) (EchoReply, error) {
	var e EchoReply
	if err := json.Unmarshal(body, &e); err != nil {
		return EchoReply{}, fmt.Errorf("not an echo reply: %w", err)
	}
	if e.Method == "" || e.Headers == nil {
		return EchoReply{}, fmt.Errorf("not an echo reply: no method or headers")
	}
	return e, nil
}

// Header returns every value of the named header joined with ", ", the
// way a proxy may fold them; "" if absent.
func (e EchoReply) Header(name string) string {
	return strings.Join(e.Headers.Values(name), ", ")
}

// WantHeader fails t unless the backend received exactly want in the
// named header (values of repeated lines joined with ", ").
func (e EchoReply) WantHeader(t testing.TB, name, want string) {
	t.Helper()
	if got := e.Header(name); got != want {
		t.Errorf("backend got %s: %q, want %q\n%s", name, got, want, e)
	}
}

// WantNoHeader fails t if the backend received the named header.
func (e EchoReply) WantNoHeader(t testing.TB, name string) {
	t.Helper()
	if v := e.Headers.Values(name); len(v) > 0 {
		t.Errorf("backend got %s: %q, want none\n%s", name, v, e)
	}
}

// WantXFF fails t unless X-Forwarded-For, split on commas, is exactly
// chain (client first).
func (e EchoReply) WantXFF(t testing.TB, chain ...string) {
	t.Helper()
	if got := SplitList(e.Headers.Values("X-Forwarded-For")); !slices.Equal(got, chain) {
		t.Errorf("backend got X-Forwarded-For %q, want %q\n%s", got, chain, e)
	}
}

// WantForwardedFor fails t unless the for= parameters of the Forwarded
// elements, in order, are exactly forValues, written as on the wire
// (`203.0.113.7`, `"[fd00::7]"`).
func (e EchoReply) WantForwardedFor(t testing.TB, forValues ...string) {
	t.Helper()
	var got []string
	for _, el := range ParseForwarded(e.Headers.Values("Forwarded")) {
		got = append(got, el["for"])
	}
	if !slices.Equal(got, forValues) {
		t.Errorf("backend got Forwarded for= %q, want %q\n%s", got, forValues, e)
	}
}

// WantNowhere fails t if s appears in any header the backend received:
// for forged values that must not survive.
func (e EchoReply) WantNowhere(t testing.TB, s string) {
	t.Helper()
	for k, vs := range e.Headers {
		for _, v := range vs {
			if strings.Contains(v, s) {
				t.Errorf("backend got %s: %q, which contains %q", k, v, s)
			}
		}
	}
}

// String renders the reply's forwarding-related headers for messages.
func (e EchoReply) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "  (backend saw remote_addr %s, host %q", e.RemoteAddr, e.Host)
	for _, k := range []string{"Forwarded", "X-Forwarded-For", "X-Real-Ip", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port"} {
		if v, ok := e.Headers[k]; ok {
			fmt.Fprintf(&b, ", %s %q", k, v)
		}
	}
	b.WriteString(")")
	return b.String()
}

// SplitList splits comma-separated header values (such as
// X-Forwarded-For) into trimmed, non-empty items.
func SplitList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// ParseForwarded splits RFC 7239 Forwarded header values into elements,
// each a map from lower-case parameter name to the value exactly as
// written (quotes kept). Commas and semicolons inside quoted strings do
// not split. It is lenient: it never fails, and a malformed pair is kept
// under its whole text with an empty value.
func ParseForwarded(values []string) []map[string]string {
	var out []map[string]string
	for _, v := range values {
		for _, el := range splitQuoted(v, ',') {
			m := map[string]string{}
			for _, pair := range splitQuoted(el, ';') {
				pair = strings.TrimSpace(pair)
				if pair == "" {
					continue
				}
				k, val, _ := strings.Cut(pair, "=")
				m[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(val)
			}
			if len(m) > 0 {
				out = append(out, m)
			}
		}
	}
	return out
}

// splitQuoted splits s at sep outside double-quoted strings (which may
// hold backslash escapes).
func splitQuoted(s string, sep byte) []string {
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}
