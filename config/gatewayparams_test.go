package config

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/clientip"
	"github.com/firsthop/firsthop/proxy/listen"
)

const paramsName = "ConfigMap gw/params, key firsthop.yaml"

func TestParseGatewayParameters(t *testing.T) {
	t.Parallel()
	doc := `clientIP:
  trustedProxies: [10.0.0.0/8, 192.0.2.0/24]
  sources: [forwarded, x-forwarded-for]
forwardedHeaders:
  forwarded: off
  xRealIP: false
proxyProtocol:
  mode: required
  trustedCIDRs: [10.1.0.0/16]
  headerTimeout: 3s
`
	got, err := ParseGatewayParameters(paramsName, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	wantIP := clientip.Policy{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.0/24")},
		Headers: []clientip.Header{clientip.HeaderForwarded, clientip.HeaderXForwardedFor}}
	if got.ClientIP == nil || !slices.Equal(got.ClientIP.TrustedProxies, wantIP.TrustedProxies) || !slices.Equal(got.ClientIP.Headers, wantIP.Headers) {
		t.Errorf("ClientIP = %+v, want %+v", got.ClientIP, wantIP)
	}
	wantHeaders := model.ForwardedHeaders{XForwardedFor: model.HeaderAppend, Forwarded: model.HeaderOff, XRealIP: false}
	if got.Headers == nil || *got.Headers != wantHeaders {
		t.Errorf("Headers = %+v, want %+v (keys not set keep the defaults)", got.Headers, wantHeaders)
	}
	pp := got.ProxyProtocol
	if pp.Mode != listen.ModeRequired || !slices.Equal(pp.TrustedCIDRs, []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}) || pp.HeaderTimeout != 3*time.Second {
		t.Errorf("ProxyProtocol = %+v", pp)
	}
	if len(got.Warnings) != 0 {
		t.Errorf("warnings: %v", got.Warnings)
	}
}

// TestParseGatewayParametersPartial: what the document leaves out is nil
// (the controller's settings) or off.
func TestParseGatewayParametersPartial(t *testing.T) {
	t.Parallel()
	got, err := ParseGatewayParameters(paramsName, []byte("clientIP:\n  trustedProxies: [10.0.0.0/8]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got.ClientIP == nil || !slices.Equal(got.ClientIP.Headers, defaultSources()) {
		t.Errorf("ClientIP = %+v, want the trusted proxies with the default sources", got.ClientIP)
	}
	if got.Headers != nil || got.ProxyProtocol.Mode != listen.ModeOff {
		t.Errorf("Headers = %+v, ProxyProtocol = %+v; want nil and off", got.Headers, got.ProxyProtocol)
	}
}

func TestParseGatewayParametersErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc string
		want      []string // each a whole diagnostic line
	}{
		{"unknown top-level key", "clientIP: {}\nlisteners: []\n",
			[]string{paramsName + `:2:1: the file: unknown key "listeners" (want clientIP, forwardedHeaders, proxyProtocol)`}},
		{"bad CIDR", "clientIP:\n  trustedProxies:\n    - 10.0.0.0/33\n",
			[]string{paramsName + ":3:7: clientIP.trustedProxies[0]:"}},
		{"required without trusted peers", "proxyProtocol:\n  mode: required\n",
			[]string{paramsName + ":2:9: proxyProtocol.mode: required, but trustedCIDRs is empty"}},
		{"bad header mode", "forwardedHeaders:\n  forwarded: sometimes\n",
			[]string{paramsName + ":2:14: forwardedHeaders.forwarded:"}},
		{"not a mapping", "- clientIP\n", []string{paramsName + ":1:1: the file: want client-IP settings"}},
		{"empty", "", []string{paramsName + ": the file is empty"}},
		{"syntax error", "clientIP: [\n", []string{paramsName + ":"}},
		{"two problems, both reported", "clientIP:\n  sources: [x-real-ip]\nproxyProtocol:\n  mode: sometimes\n",
			[]string{paramsName + ":2:13: clientIP.sources[0]:", paramsName + ":4:9: proxyProtocol.mode:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseGatewayParameters(paramsName, []byte(tc.doc))
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("err = %v, want Errors", err)
			}
			if len(errs) != len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(errs), len(tc.want), err)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(errs[i].String(), w) {
					t.Errorf("problem %d = %q, want it to start %q", i, errs[i].String(), w)
				}
			}
		})
	}
}

func TestParseGatewayParametersWarnings(t *testing.T) {
	t.Parallel()
	got, err := ParseGatewayParameters(paramsName, []byte("clientIP:\n  trustedProxies: [0.0.0.0/0]\nproxyProtocol:\n  mode: optional\n"))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, w := range got.Warnings {
		msgs = append(msgs, w.String())
	}
	want := []string{
		paramsName + ":2:20: clientIP.trustedProxies[0]: 0.0.0.0/0 trusts every address: any client can forge its IP",
		paramsName + ":4:9: proxyProtocol.mode: optional, but trustedCIDRs is empty: no peer may send a PROXY header: optional acts as off",
	}
	if !slices.Equal(msgs, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}

// FuzzParseGatewayParameters: any bytes give settings or Errors, never a
// panic, and accepted settings are a valid scope's.
func FuzzParseGatewayParameters(f *testing.F) {
	f.Add([]byte("clientIP:\n  trustedProxies: [10.0.0.0/8]\nforwardedHeaders:\n  xRealIP: true\nproxyProtocol:\n  mode: optional\n  trustedCIDRs: [::1/128]\n"))
	f.Add([]byte("proxyProtocol: {mode: required}\n"))
	f.Add([]byte("clientIP: &a {}\nforwardedHeaders: *a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseGatewayParameters(paramsName, data)
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %v is not Errors", err)
			}
			return
		}
		spec := model.TableSpec{Scopes: []model.ScopeSpec{{Name: "gw", ClientIP: got.ClientIP, Headers: got.Headers}}}
		if err := spec.Validate(); err != nil {
			t.Fatalf("accepted parameters make an invalid scope: %v", err)
		}
		if got.ProxyProtocol.Mode == listen.ModeRequired && len(got.ProxyProtocol.TrustedCIDRs) == 0 {
			t.Fatal("accepted required PROXY headers from nobody")
		}
	})
}
