package proxy

import (
	"net/http"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/clientip"
)

func TestStripIdentityHeaders(t *testing.T) {
	t.Parallel()
	in := func() http.Header {
		return http.Header{
			"X-Forwarded-For":    {"6.6.6.6"},
			"X_forwarded_for":    {"6.6.6.6"},
			"X-Forwarded-Prefix": {"/admin"},
			"X-Forwarded-Host":   {"evil.test"},
			"Forwarded":          {"for=6.6.6.6"},
			"X-Real-Ip":          {"6.6.6.6"},
			"X_real_ip":          {"6.6.6.6"},
			"True-Client-Ip":     {"6.6.6.6"},
			"Cf-Connecting-Ip":   {"6.6.6.6"},
			"Accept":             {"*/*"},
			"X-Request-Id":       {"abc"},
			"X_custom_thing":     {"kept"},
		}
	}
	untrusted := in()
	if n := stripIdentityHeaders(untrusted, false); n != 9 {
		t.Errorf("untrusted peer: removed %d headers, want 9", n)
	}
	wantUntrusted := http.Header{"Accept": {"*/*"}, "X-Request-Id": {"abc"}, "X_custom_thing": {"kept"}}
	if !reflect.DeepEqual(untrusted, wantUntrusted) {
		t.Errorf("untrusted peer: left %v, want %v", untrusted, wantUntrusted)
	}

	trusted := in()
	if n := stripIdentityHeaders(trusted, true); n != 2 {
		t.Errorf("trusted peer: removed %d headers, want the 2 underscore spellings", n)
	}
	for _, k := range []string{"X_forwarded_for", "X_real_ip"} {
		if _, ok := trusted[k]; ok {
			t.Errorf("trusted peer: underscore spelling %s kept", k)
		}
	}
	if trusted.Get("Cf-Connecting-Ip") == "" || trusted.Get("X-Forwarded-Host") == "" {
		t.Error("trusted peer: a header its proxy set was removed")
	}
}

func TestSetForwardingHeaders(t *testing.T) {
	t.Parallel()
	client := netip.MustParseAddr("203.0.113.7")
	lb := netip.MustParseAddr("10.0.0.5")
	v6 := netip.MustParseAddr("fd00::7")
	all := model.ForwardedHeaders{XForwardedFor: model.HeaderAppend, Forwarded: model.HeaderAppend, XRealIP: true}
	tests := []struct {
		name    string
		headers model.ForwardedHeaders
		ctx     forwardContext
		want    http.Header
	}{
		{
			name:    "untrusted peer: the peer is the client",
			headers: all,
			ctx: forwardContext{
				res:   clientip.Result{Client: client, Source: clientip.SourcePeer},
				start: client, host: "app.test", proto: "http", port: "8080",
				in: http.Header{"X-Forwarded-Proto": {"https"}},
			},
			want: http.Header{
				"X-Forwarded-For":   {"203.0.113.7"},
				"Forwarded":         {"for=203.0.113.7;host=app.test;proto=http"},
				"X-Real-Ip":         {"203.0.113.7"},
				"X-Forwarded-Proto": {"http"},
				"X-Forwarded-Host":  {"app.test"},
				"X-Forwarded-Port":  {"8080"},
			},
		},
		{
			name:    "trusted L7 proxy: chain kept, its forwarded proto believed",
			headers: all,
			ctx: forwardContext{
				res: clientip.Result{Client: client, Source: clientip.SourceXForwardedFor, PeerTrusted: true,
					Chain: []clientip.Hop{{Addr: client}}},
				start: lb, host: "app.test:8080", proto: "http", port: "8080",
				in: http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Port": {"443"}},
			},
			want: http.Header{
				"X-Forwarded-For":   {"203.0.113.7, 10.0.0.5"},
				"Forwarded":         {`for=203.0.113.7, for=10.0.0.5;host="app.test:8080";proto=http`},
				"X-Real-Ip":         {"203.0.113.7"},
				"X-Forwarded-Proto": {"https"},
				"X-Forwarded-Host":  {"app.test:8080"},
				"X-Forwarded-Port":  {"443"},
			},
		},
		{
			name:    "Forwarded elements from a trusted proxy are passed on as received",
			headers: all,
			ctx: forwardContext{
				res: clientip.Result{Client: v6, Source: clientip.SourceForwarded, PeerTrusted: true,
					Chain: []clientip.Hop{{Addr: v6, Element: `for="[fd00::7]:4711";proto=https`}}},
				start: lb, host: "app.test", proto: "http",
			},
			want: http.Header{
				"X-Forwarded-For":   {"fd00::7, 10.0.0.5"},
				"Forwarded":         {`for="[fd00::7]:4711";proto=https, for=10.0.0.5;host=app.test;proto=http`},
				"X-Real-Ip":         {"fd00::7"},
				"X-Forwarded-Proto": {"http"},
				"X-Forwarded-Host":  {"app.test"},
			},
		},
		{
			name:    "replace mode writes the client only; IPv6 quoted and bracketed",
			headers: model.ForwardedHeaders{XForwardedFor: model.HeaderReplace, Forwarded: model.HeaderReplace},
			ctx: forwardContext{
				res: clientip.Result{Client: v6, Source: clientip.SourceXForwardedFor, PeerTrusted: true,
					Chain: []clientip.Hop{{Addr: v6}}},
				start: lb, host: "app.test", proto: "https", port: "443",
			},
			want: http.Header{
				"X-Forwarded-For":   {"fd00::7"},
				"Forwarded":         {`for="[fd00::7]";host=app.test;proto=https`},
				"X-Forwarded-Proto": {"https"},
				"X-Forwarded-Host":  {"app.test"},
				"X-Forwarded-Port":  {"443"},
			},
		},
		{
			name:    "off writes nothing",
			headers: model.ForwardedHeaders{XForwardedFor: model.HeaderOff, Forwarded: model.HeaderOff},
			ctx: forwardContext{
				res:   clientip.Result{Client: client},
				start: client, host: "app.test", proto: "http",
			},
			want: http.Header{"X-Forwarded-Proto": {"http"}, "X-Forwarded-Host": {"app.test"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := http.Header{"Forwarded": {"stale"}, "X-Real-Ip": {"stale"}}
			setForwardingHeaders(out, tc.headers, &tc.ctx)
			if !reflect.DeepEqual(out, tc.want) {
				t.Errorf("got\n%v\nwant\n%v", out, tc.want)
			}
		})
	}
}

func TestWriteForwardedValue(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"app.test":      "app.test",
		"app.test:8080": `"app.test:8080"`,
		`a"b\c`:         `"a\"b\\c"`,
		"a\x00b":        `"ab"`,
		"":              `""`,
	}
	for in, want := range tests {
		var b strings.Builder
		writeForwardedValue(&b, in)
		if got := b.String(); got != want {
			t.Errorf("writeForwardedValue(%q) = %s, want %s", in, got, want)
		}
	}
}
