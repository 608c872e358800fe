package gateway

import (
	"reflect"
	"strings"
	"testing"
	"time"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/firsthop/firsthop/model"
)

// TestCORSPolicy checks the translation of CORS filters: what the model
// is given, and the filters it cannot serve, refused UnsupportedValue.
func TestCORSPolicy(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	tests := []struct {
		name string
		f    gatewayv1.HTTPCORSFilter
		want *model.CORSPolicy // nil when refused
		msg  string            // part of the refusal's message
	}{
		{"conformance cors-1", gatewayv1.HTTPCORSFilter{
			AllowOrigins:     []gatewayv1.CORSOrigin{"https://www.foo.com", "https://*.bar.com"},
			AllowMethods:     []gatewayv1.HTTPMethodWithWildcard{"GET", "OPTIONS"},
			AllowHeaders:     []gatewayv1.HTTPHeaderName{"x-header-1", "x-header-2"},
			ExposeHeaders:    []gatewayv1.HTTPHeaderName{"x-header-3", "x-header-4"},
			AllowCredentials: &yes, MaxAge: 3600,
		}, &model.CORSPolicy{
			AllowOrigins: []string{"https://www.foo.com", "https://*.bar.com"}, OriginWildcards: model.WildcardSuffix,
			AllowMethods: []string{"GET", "OPTIONS"}, AllowHeaders: []string{"x-header-1", "x-header-2"},
			ExposeHeaders: []string{"x-header-3", "x-header-4"}, AllowCredentials: true, MaxAge: time.Hour,
		}, ""},
		{"max age default, credentials false", gatewayv1.HTTPCORSFilter{AllowOrigins: []gatewayv1.CORSOrigin{"*"}, AllowCredentials: &no},
			&model.CORSPolicy{AllowOrigins: []string{"*"}, OriginWildcards: model.WildcardSuffix, MaxAge: DefaultCORSMaxAge}, ""},
		{"no origin", gatewayv1.HTTPCORSFilter{MaxAge: 1},
			&model.CORSPolicy{OriginWildcards: model.WildcardSuffix, MaxAge: time.Second}, ""},
		{"origin case folded", gatewayv1.HTTPCORSFilter{AllowOrigins: []gatewayv1.CORSOrigin{"HTTPS://*.Example.COM:8443", "http://*"}},
			&model.CORSPolicy{AllowOrigins: []string{"https://*.example.com:8443", "http://*"}, OriginWildcards: model.WildcardSuffix, MaxAge: DefaultCORSMaxAge}, ""},
		{"expose any without credentials", gatewayv1.HTTPCORSFilter{ExposeHeaders: []gatewayv1.HTTPHeaderName{"*"}},
			&model.CORSPolicy{OriginWildcards: model.WildcardSuffix, ExposeHeaders: []string{"*"}, MaxAge: DefaultCORSMaxAge}, ""},

		{"expose any with credentials", gatewayv1.HTTPCORSFilter{ExposeHeaders: []gatewayv1.HTTPHeaderName{"*"}, AllowCredentials: &yes},
			nil, `exposeHeaders "*" cannot be served with allowCredentials`},
		{"port out of range", gatewayv1.HTTPCORSFilter{AllowOrigins: []gatewayv1.CORSOrigin{"https://a.test:99999"}},
			nil, `cors: allowOrigins: "https://a.test:99999" is not an origin`},
		{"port zero", gatewayv1.HTTPCORSFilter{AllowOrigins: []gatewayv1.CORSOrigin{"https://a.test:0"}}, nil, "is not an origin"},
		{"path", gatewayv1.HTTPCORSFilter{AllowOrigins: []gatewayv1.CORSOrigin{"https://a.test/"}}, nil, "is not an origin"},
		{"null", gatewayv1.HTTPCORSFilter{AllowOrigins: []gatewayv1.CORSOrigin{"null"}}, nil, `"null" is not an origin`},
		{"wildcard inside a label", gatewayv1.HTTPCORSFilter{AllowOrigins: []gatewayv1.CORSOrigin{"https://a*.test"}}, nil, "is not an origin"},
		{"star with others", gatewayv1.HTTPCORSFilter{AllowOrigins: []gatewayv1.CORSOrigin{"*", "https://a.test"}}, nil, "is not listed with others"},
		{"method star with others", gatewayv1.HTTPCORSFilter{AllowMethods: []gatewayv1.HTTPMethodWithWildcard{"*", "GET"}}, nil, "is not listed with others"},
		{"header not a token", gatewayv1.HTTPCORSFilter{AllowHeaders: []gatewayv1.HTTPHeaderName{"x-a\r\nx-b"}}, nil, "is not a token"},
		{"negative max age", gatewayv1.HTTPCORSFilter{MaxAge: -1}, nil, "maxAge -1 is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, p := corsPolicy(&tt.f)
			if tt.want == nil {
				if p == nil {
					t.Fatalf("corsPolicy = %+v, want it refused (%q)", got, tt.msg)
				}
				if p.reason != string(gatewayv1.RouteReasonUnsupportedValue) || !strings.Contains(p.message, tt.msg) {
					t.Fatalf("corsPolicy refused %s: %q, want UnsupportedValue: %q", p.reason, p.message, tt.msg)
				}
				return
			}
			if p != nil {
				t.Fatalf("corsPolicy refused %s: %q, want %+v", p.reason, p.message, tt.want)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("corsPolicy = %+v, want %+v", got, tt.want)
			}
			if err := got.Validate(); err != nil {
				t.Fatalf("the policy is not valid: %v", err)
			}
		})
	}
}
