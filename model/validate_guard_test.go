package model

import (
	"strings"
	"testing"
	"time"
)

// TestValidateGuards has one case per rule of a route's guards.
func TestValidateGuards(t *testing.T) {
	t.Parallel()
	a := []Backend{{Name: "a"}, {Name: "auth"}}
	route := func(edit func(r *Route)) TableSpec {
		r := Route{Host: "h.test", Path: "/p", Backend: "a"}
		edit(&r)
		return TableSpec{Backends: a, Routes: []Route{r}}
	}
	tests := []struct {
		name string
		spec TableSpec
		want string // "" for a spec that is valid
	}{
		{"body limit", route(func(r *Route) { r.MaxRequestBodyBytes = 1 << 20 }), ""},
		{"body limit negative", route(func(r *Route) { r.MaxRequestBodyBytes = -1 }), "route h.test/p: max request body bytes must not be negative"},

		{"https redirect", route(func(r *Route) { r.HTTPSRedirect = &HTTPSRedirect{} }), ""},
		{"https redirect 301 port", route(func(r *Route) { r.HTTPSRedirect = &HTTPSRedirect{Status: 301, Port: 8443} }), ""},
		{"https redirect status", route(func(r *Route) { r.HTTPSRedirect = &HTTPSRedirect{Status: 200} }), "https redirect status 200 is not 301"},
		{"https redirect on a redirect route", TableSpec{Routes: []Route{{Path: "/", Redirect: &Redirect{Host: "x.test"}, HTTPSRedirect: &HTTPSRedirect{}}}}, ""},

		{"cors gateway", route(func(r *Route) {
			r.CORS = &CORSPolicy{AllowOrigins: []string{"https://www.foo.com", "https://*.bar.com", "null"}, OriginWildcards: WildcardSuffix,
				AllowMethods: []string{"GET", "OPTIONS"}, AllowHeaders: []string{"x-header-1"}, ExposeHeaders: []string{"x-header-3"},
				AllowCredentials: true, MaxAge: time.Hour}
		}), ""},
		{"cors wildcards", route(func(r *Route) {
			r.CORS = &CORSPolicy{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"}, AllowHeaders: []string{"*"}, ExposeHeaders: []string{"*"}}
		}), ""},
		{"cors star with others", route(func(r *Route) { r.CORS = &CORSPolicy{AllowOrigins: []string{"*", "https://a.test"}} }),
			`cors: "*" allows every origin and is not listed with others`},
		{"cors bad origin", route(func(r *Route) { r.CORS = &CORSPolicy{AllowOrigins: []string{"https://a.test/path"}} }),
			`cors: "https://a.test/path" is not an origin`},
		{"cors upper-case origin", route(func(r *Route) { r.CORS = &CORSPolicy{AllowOrigins: []string{"https://A.test"}} }), "is not an origin"},
		{"cors wildcard rule", route(func(r *Route) { r.CORS = &CORSPolicy{OriginWildcards: 7} }), "cors: unknown origin wildcard rule 7"},
		{"cors method", route(func(r *Route) { r.CORS = &CORSPolicy{AllowMethods: []string{"GET POST"}} }), `cors: allowed method "GET POST" is not a token`},
		{"cors method star with others", route(func(r *Route) { r.CORS = &CORSPolicy{AllowMethods: []string{"*", "GET"}} }), `allowed method "*" is not listed with others`},
		{"cors header injection", route(func(r *Route) { r.CORS = &CORSPolicy{AllowHeaders: []string{"X-A\r\nSet-Cookie: a=b"}} }), "is not a token"},
		{"cors expose star with credentials", route(func(r *Route) {
			r.CORS = &CORSPolicy{ExposeHeaders: []string{"*"}, AllowCredentials: true}
		}), `exposed headers "*" with credentials`},
		{"cors max age", route(func(r *Route) { r.CORS = &CORSPolicy{MaxAge: 1500 * time.Millisecond} }), "max age 1.5s is not a whole number of seconds"},

		{"basic auth", route(func(r *Route) {
			r.BasicAuth = &BasicAuth{Realm: "Staff only", Users: []BasicAuthUser{{"alice", apr1Secret}, {"bob", bcryptUStarUy}}}
		}), ""},
		{"basic auth nobody", route(func(r *Route) { r.BasicAuth = &BasicAuth{} }), ""},
		{"basic auth realm quote", route(func(r *Route) { r.BasicAuth = &BasicAuth{Realm: `a"b`} }), `basic auth realm "a\"b" holds a quote`},
		{"basic auth realm newline", route(func(r *Route) { r.BasicAuth = &BasicAuth{Realm: "a\nb"} }), "holds a quote, a backslash or a control character"},
		{"basic auth user twice", route(func(r *Route) {
			r.BasicAuth = &BasicAuth{Users: []BasicAuthUser{{"a", sha1Secret}, {"a", apr1Secret}}}
		}), `basic auth: user "a" is listed twice`},
		{"basic auth user colon", route(func(r *Route) { r.BasicAuth = &BasicAuth{Users: []BasicAuthUser{{"a:b", sha1Secret}}} }), "holds a colon"},
		{"basic auth DES", route(func(r *Route) { r.BasicAuth = &BasicAuth{Users: []BasicAuthUser{{"a", "rl5FWAm.cFmXo"}}} }),
			`basic auth user "a": crypt(3) DES hashes are refused`},

		{"external auth", route(func(r *Route) {
			r.ExternalAuth = &ExternalAuth{Backend: "auth", Path: "/oauth2/auth?rd=$escaped_request_uri", Host: "auth.ns.svc.cluster.local",
				ResponseHeaders: []string{"X-Auth-Request-User"}, SignIn: "https://$host/oauth2/start", Timeout: time.Second}
		}), ""},
		{"external auth undefined backend", route(func(r *Route) { r.ExternalAuth = &ExternalAuth{Backend: "nope", Path: "/"} }),
			`route h.test/p: external auth names undefined backend "nope"`},
		{"external auth no backend", route(func(r *Route) { r.ExternalAuth = &ExternalAuth{Path: "/"} }), "external auth names no backend"},
		{"external auth path", route(func(r *Route) { r.ExternalAuth = &ExternalAuth{Backend: "auth", Path: "auth"} }), `external auth path "auth" must start with /`},
		{"external auth path space", route(func(r *Route) { r.ExternalAuth = &ExternalAuth{Backend: "auth", Path: "/a b"} }), "must start with /"},
		{"external auth host", route(func(r *Route) { r.ExternalAuth = &ExternalAuth{Backend: "auth", Path: "/", Host: "A.test"} }), "external auth host"},
		{"external auth forwarding header", route(func(r *Route) {
			r.ExternalAuth = &ExternalAuth{Backend: "auth", Path: "/", ResponseHeaders: []string{"X-Forwarded-For"}}
		}), `external auth response headers: "X-Forwarded-For" is a forwarding header`},
		{"external auth header not canonical", route(func(r *Route) {
			r.ExternalAuth = &ExternalAuth{Backend: "auth", Path: "/", ResponseHeaders: []string{"x-user"}}
		}), "is not canonical"},
		{"external auth sign-in relative", route(func(r *Route) { r.ExternalAuth = &ExternalAuth{Backend: "auth", Path: "/", SignIn: "/start"} }),
			`external auth sign-in "/start" is not an absolute http(s) URL`},
		{"external auth sign-in scheme-relative", route(func(r *Route) {
			r.ExternalAuth = &ExternalAuth{Backend: "auth", Path: "/", SignIn: "https:///x"}
		}), "is not an absolute"},
		{"external auth timeout", route(func(r *Route) { r.ExternalAuth = &ExternalAuth{Backend: "auth", Path: "/", Timeout: -1} }),
			"external auth timeout must not be negative"},
		{"external auth method", route(func(r *Route) { r.ExternalAuth = &ExternalAuth{Backend: "auth", Path: "/", Method: "G T"} }), "is not an HTTP token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.spec.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Validate() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
	known := route(func(r *Route) { r.ExternalAuth = &ExternalAuth{Backend: "gone", Path: "/"} })
	if err := known.ValidateKnownRoutes(); err == nil || !strings.Contains(err.Error(), `external auth names undefined backend "gone"`) {
		t.Errorf("ValidateKnownRoutes() = %v, want the undefined auth backend", err)
	}
}

// TestCORSPolicyValidate checks that a policy alone is refused for what a
// table refuses it, every broken rule listed.
func TestCORSPolicyValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c    CORSPolicy
		want []string // nil for a valid policy
	}{
		{"valid", CORSPolicy{AllowOrigins: []string{"https://*.bar.com"}, OriginWildcards: WildcardSuffix, AllowMethods: []string{"*"}, MaxAge: 5 * time.Second}, nil},
		{"zero", CORSPolicy{}, nil},
		{"two broken rules", CORSPolicy{AllowOrigins: []string{"https://a.test:0"}, AllowHeaders: []string{"a b"}},
			[]string{`cors: "https://a.test:0" is not an origin`, `; cors: allowed header "a b" is not a token`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.c.Validate()
			spec := TableSpec{Backends: []Backend{{Name: "a"}}, Routes: []Route{{Path: "/", Backend: "a", CORS: &tt.c}}}
			if tableErr := spec.Validate(); (err == nil) != (tableErr == nil) {
				t.Fatalf("Validate() = %v, but the table's Validate() = %v", err, tableErr)
			}
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to hold %q", err, w)
				}
			}
		})
	}
}
