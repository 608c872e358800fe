package model

import (
	"crypto/tls"
	"net/netip"
	"strings"
	"testing"
)

func TestValidateAccepts(t *testing.T) {
	t.Parallel()
	ep := []Endpoint{{Addr: netip.MustParseAddrPort("127.0.0.1:1")}}
	spec := TableSpec{
		Backends: []Backend{{Name: "a", Endpoints: ep}, {Name: "b"}},
		Routes: []Route{
			{Path: "/", Backend: "a"},
			{Host: "h.test", Path: "/p", Backend: "a"},
			{Host: "h.test", Path: "/p", PathType: PathExact, Backend: "b"},
			{Host: "*.h.test", Path: "/p/", Backend: "b"},
		},
		DefaultBackend: "b",
	}
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (&TableSpec{}).Validate(); err != nil {
		t.Errorf("the empty spec: %v", err)
	}
}

func TestValidateRejects(t *testing.T) {
	t.Parallel()
	a := []Backend{{Name: "a"}}
	tests := []struct {
		name string
		spec TableSpec
		want string
	}{
		{"route to undefined backend", TableSpec{Routes: []Route{{Path: "/", Backend: "nope"}}},
			`route / names undefined backend "nope"`},
		{"duplicate route", TableSpec{Backends: a, Routes: []Route{{Host: "h", Path: "/p", Backend: "a"}, {Host: "h", Path: "/p/", Backend: "a"}}},
			"route h/p/ (Prefix) is defined twice"},
		{"undefined default backend", TableSpec{DefaultBackend: "nope"}, `default backend "nope" is not defined`},
		{"duplicate backend", TableSpec{Backends: []Backend{{Name: "a"}, {Name: "a"}}}, `backend "a" is defined twice`},
		{"backend without name", TableSpec{Backends: []Backend{{}}}, "backend 0 has no name"},
		{"relative path", TableSpec{Backends: a, Routes: []Route{{Path: "p", Backend: "a"}}}, "route p: path must start with /"},
		{"unknown path type", TableSpec{Backends: a, Routes: []Route{{Path: "/", PathType: 7, Backend: "a"}}}, "route /: unknown path type 7"},
		{"host not canonical", TableSpec{Backends: a, Routes: []Route{{Host: "A.test", Path: "/", Backend: "a"}}},
			`route host "A.test" is not canonical`},
		{"certificate without leaf", TableSpec{Certificates: []Certificate{{Cert: &tls.Certificate{}}}}, "certificate without a parsed leaf"},
		{"certificate missing", TableSpec{Certificates: []Certificate{{}}}, "certificate without a parsed leaf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.spec.Validate()
			if err == nil || !strings.HasPrefix(err.Error(), "invalid routing table: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want an invalid routing table error containing %q", err, tc.want)
			}
		})
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	t.Parallel()
	spec := TableSpec{
		Backends:       []Backend{{Name: "a"}, {Name: "a"}},
		Routes:         []Route{{Path: "/", Backend: "x"}},
		DefaultBackend: "y",
	}
	want := `invalid routing table: backend "a" is defined twice; route / names undefined backend "x"; default backend "y" is not defined`
	if err := spec.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate() = %v\nwant %s", err, want)
	}
}

// TestValidateKnownRoutes shows what ValidateKnownRoutes leaves out: the
// routes' own rules (they passed before), not the backends they name.
func TestValidateKnownRoutes(t *testing.T) {
	t.Parallel()
	dup := TableSpec{Backends: []Backend{{Name: "a"}}, Routes: []Route{{Path: "/p", Backend: "a"}, {Path: "/p", Backend: "a"}}}
	if err := dup.ValidateKnownRoutes(); err != nil {
		t.Errorf("known routes were checked again: %v", err)
	}
	if err := dup.Validate(); err == nil {
		t.Error("Validate accepted a duplicate route")
	}
	gone := TableSpec{Backends: []Backend{{Name: "b"}}, Routes: dup.Routes[:1]}
	if err := gone.ValidateKnownRoutes(); err == nil || !strings.Contains(err.Error(), `names undefined backend "a"`) {
		t.Errorf("ValidateKnownRoutes() = %v, want the undefined backend", err)
	}
	noDefault := TableSpec{DefaultBackend: "z"}
	if err := noDefault.ValidateKnownRoutes(); err == nil {
		t.Error("ValidateKnownRoutes accepted an undefined default backend")
	}
}

// TestValidateMatchesActionsFilters has one case per rule of a route's
// matches, action and filters (see Validate's list).
func TestValidateMatchesActionsFilters(t *testing.T) {
	t.Parallel()
	a := []Backend{{Name: "a"}, {Name: "m"}}
	route := func(edit func(r *Route)) TableSpec {
		r := Route{Host: "h.test", Path: "/p", Backend: "a"}
		edit(&r)
		return TableSpec{Backends: a, Routes: []Route{r}}
	}
	mod := func(m HeaderModifier) *HeaderModifier { return &m }
	tests := []struct {
		name string
		spec TableSpec
		want string // "" for a spec that is valid
	}{
		// Scopes.
		{"scopes of any name", TableSpec{Backends: a, Scopes: []ScopeSpec{{Name: "gw/a:80"}, {Name: "", Wildcards: WildcardSuffix}},
			Routes: []Route{{Scope: "gw/a:80", Path: "/", Backend: "a"}, {Scope: "x y", Path: "/", Backend: "a"}}}, ""},
		{"scope twice", TableSpec{Scopes: []ScopeSpec{{Name: "s"}, {Name: "s", Wildcards: WildcardSuffix}}}, `scope "s" is defined twice`},
		{"unknown wildcard rule", TableSpec{Scopes: []ScopeSpec{{Name: "s", Wildcards: 9}}}, `scope "s": unknown wildcard rule 9`},
		{"client-IP settings on the default scope", TableSpec{Scopes: []ScopeSpec{{Name: "", Headers: &ForwardedHeaders{}}}},
			"the default scope takes its client-IP policy and forwarding headers from the table"},
		{"unknown header mode of a scope", TableSpec{Scopes: []ScopeSpec{{Name: "s", Headers: &ForwardedHeaders{Forwarded: 7}}}},
			`scope "s": unknown header mode 7`},

		// Method.
		{"method", route(func(r *Route) { r.Method = "PATCH" }), ""},
		{"extension method", route(func(r *Route) { r.Method = "PROPFIND" }), ""},
		{"method lower case", route(func(r *Route) { r.Method = "get" }), `route h.test/p: method "get" is not an upper-case HTTP token`},
		{"method not a token", route(func(r *Route) { r.Method = "GET /" }), `method "GET /" is not an upper-case HTTP token`},

		// Header matches.
		{"header matches", route(func(r *Route) {
			r.Headers = []HeaderMatch{{Name: "X-A", Value: "1"}, {Name: "X-B", Type: MatchRegex, Value: "v[0-9]+"}, {Name: "X-C", Type: MatchPresent}}
		}), ""},
		{"header name not canonical", route(func(r *Route) { r.Headers = []HeaderMatch{{Name: "x-a"}} }),
			`route h.test/p: header match: header name "x-a" is not canonical (want "X-A")`},
		{"header name not a token", route(func(r *Route) { r.Headers = []HeaderMatch{{Name: "X A"}} }), `header match: "X A" is not a valid header name`},
		{"header name empty", route(func(r *Route) { r.Headers = []HeaderMatch{{}} }), `header match: "" is not a valid header name`},
		{"header twice", route(func(r *Route) { r.Headers = []HeaderMatch{{Name: "X-A", Value: "1"}, {Name: "X-A", Value: "2"}} }),
			`header "X-A" is matched twice`},
		{"header regex invalid", route(func(r *Route) { r.Headers = []HeaderMatch{{Name: "X-A", Type: MatchRegex, Value: "a(b"}} }),
			`header "X-A": invalid regular expression: error parsing regexp: missing closing ): ` + "`a(b`"},
		{"header regex not RE2", route(func(r *Route) { r.Headers = []HeaderMatch{{Name: "X-A", Type: MatchRegex, Value: `(a)\1`}} }),
			`header "X-A": invalid regular expression`},
		{"header present with value", route(func(r *Route) { r.Headers = []HeaderMatch{{Name: "X-A", Type: MatchPresent, Value: "1"}} }),
			`header "X-A": a Present match has no value, not "1"`},
		{"header unknown match", route(func(r *Route) { r.Headers = []HeaderMatch{{Name: "X-A", Type: 7}} }), `header "X-A": unknown match type 7`},

		// Query matches.
		{"query matches", route(func(r *Route) {
			r.Query = []QueryMatch{{Name: "a", Value: "1"}, {Name: "A", Value: "2"}, {Name: "b", Type: MatchRegex, Value: "x|y"}, {Name: "c", Type: MatchPresent}}
		}), ""},
		{"query name empty", route(func(r *Route) { r.Query = []QueryMatch{{Value: "1"}} }), "query match without a parameter name"},
		{"query twice", route(func(r *Route) { r.Query = []QueryMatch{{Name: "a"}, {Name: "a", Type: MatchPresent}} }), `query parameter "a" is matched twice`},
		{"query regex invalid", route(func(r *Route) { r.Query = []QueryMatch{{Name: "a", Type: MatchRegex, Value: "["}} }),
			`query parameter "a": invalid regular expression: error parsing regexp: missing closing ]`},
		{"query present with value", route(func(r *Route) { r.Query = []QueryMatch{{Name: "a", Type: MatchPresent, Value: "x"}} }),
			`query parameter "a": a Present match has no value`},
		{"query unknown match", route(func(r *Route) { r.Query = []QueryMatch{{Name: "a", Type: 3}} }), `query parameter "a": unknown match type 3`},

		// Actions.
		{"no action", route(func(r *Route) { r.Backend = "" }), "route h.test/p: has no action (backend, split, redirect or direct response)"},
		{"two actions", route(func(r *Route) { r.Respond = &DirectResponse{Status: 200} }), "route h.test/p: has more than one action"},
		{"split and redirect", route(func(r *Route) {
			r.Backend, r.Split, r.Redirect = "", []WeightedBackend{{Backend: "a", Weight: 1}}, &Redirect{}
		}), "has more than one action"},
		{"split", route(func(r *Route) {
			r.Backend, r.Split = "", []WeightedBackend{{Backend: "a", Weight: 1}, {Backend: "", Weight: 1}, {Backend: "m"}}
		}), ""},
		{"split to undefined backend", route(func(r *Route) { r.Backend, r.Split = "", []WeightedBackend{{Backend: "nope", Weight: 1}} }),
			`route h.test/p: split names undefined backend "nope"`},
		{"redirect", route(func(r *Route) {
			r.Backend, r.Redirect = "", &Redirect{Scheme: "https", Host: "x.test", Port: 8443, Status: 301, Path: &PathRewrite{Type: RewritePrefix, Value: "/v2"}}
		}), ""},
		{"redirect scheme", route(func(r *Route) { r.Backend, r.Redirect = "", &Redirect{Scheme: "ftp"} }), `redirect scheme "ftp" is not http or https`},
		{"redirect status", route(func(r *Route) { r.Backend, r.Redirect = "", &Redirect{Status: 200} }), "redirect status 200 is not 301, 302, 303, 307 or 308"},
		{"redirect host", route(func(r *Route) { r.Backend, r.Redirect = "", &Redirect{Host: "X.test"} }), `redirect host "X.test" is not canonical`},
		{"redirect host with CRLF", route(func(r *Route) { r.Backend, r.Redirect = "", &Redirect{Host: "x.test\r\nSet-Cookie: a"} }),
			"redirect host \"x.test\\r\\nSet-Cookie: a\" contains control character"},
		{"redirect host wildcard", route(func(r *Route) { r.Backend, r.Redirect = "", &Redirect{Host: "*.x.test"} }), `redirect host "*.x.test" is a wildcard`},
		{"redirect path relative", route(func(r *Route) { r.Backend, r.Redirect = "", &Redirect{Path: &PathRewrite{Value: "v2"}} }),
			`redirect path "v2" must start with /`},
		{"redirect prefix on exact route", route(func(r *Route) {
			r.Backend, r.PathType, r.Redirect = "", PathExact, &Redirect{Path: &PathRewrite{Type: RewritePrefix, Value: "/v2"}}
		}), "redirect replaces the path prefix of a route whose path type is not Prefix"},
		{"redirect full path on exact route", route(func(r *Route) {
			r.Backend, r.PathType, r.Redirect = "", PathExact, &Redirect{Path: &PathRewrite{Value: "/v2"}}
		}), ""},
		{"respond", route(func(r *Route) { r.Backend, r.Respond = "", &DirectResponse{Status: 503, Body: "down"} }), ""},
		{"respond status low", route(func(r *Route) { r.Backend, r.Respond = "", &DirectResponse{Status: 199} }), "direct response status 199 is not 200 to 599"},
		{"respond status high", route(func(r *Route) { r.Backend, r.Respond = "", &DirectResponse{Status: 600} }), "direct response status 600 is not 200 to 599"},
		{"respond content type", route(func(r *Route) { r.Backend, r.Respond = "", &DirectResponse{Status: 200, ContentType: "a\nb"} }),
			`direct response content type "a\nb" holds a control character`},

		// Filters.
		{"rewrite", route(func(r *Route) {
			r.Rewrite = &Rewrite{Host: "b.test", Path: &PathRewrite{Type: RewritePrefix, Value: "/"}}
		}), ""},
		{"rewrite path relative", route(func(r *Route) { r.Rewrite = &Rewrite{Path: &PathRewrite{Value: ""}} }), `rewrite path "" must start with /`},
		{"rewrite prefix on exact route", route(func(r *Route) {
			r.PathType, r.Rewrite = PathExact, &Rewrite{Path: &PathRewrite{Type: RewritePrefix, Value: "/"}}
		}), "rewrite replaces the path prefix"},
		{"rewrite unknown type", route(func(r *Route) { r.Rewrite = &Rewrite{Path: &PathRewrite{Type: 5, Value: "/"}} }), "rewrite path rewrite has unknown type 5"},
		{"rewrite host with port", route(func(r *Route) { r.Rewrite = &Rewrite{Host: "b.test:80"} }), ""},
		{"rewrite host with port 0", route(func(r *Route) { r.Rewrite = &Rewrite{Host: "b.test:0"} }), `rewrite host "b.test:0": port "0" is not a number from 1 to 65535`},
		{"rewrite host with empty port", route(func(r *Route) { r.Rewrite = &Rewrite{Host: "b.test:"} }), `rewrite host "b.test:": port "" is not a number`},
		{"header modifiers", route(func(r *Route) {
			r.RequestHeaders = mod(HeaderModifier{Set: []Header{{"X-A", "1"}}, Add: []Header{{"X-B", "1"}, {"X-B", "2"}}, Remove: []string{"Cookie"}})
			r.ResponseHeaders = mod(HeaderModifier{Set: []Header{{"Cache-Control", "no-store"}}})
		}), ""},
		{"modifier name not canonical", route(func(r *Route) { r.RequestHeaders = mod(HeaderModifier{Set: []Header{{"x-a", "1"}}}) }),
			`route h.test/p: request headers set: header name "x-a" is not canonical (want "X-A")`},
		{"modifier name not a token", route(func(r *Route) { r.ResponseHeaders = mod(HeaderModifier{Add: []Header{{"X:A", "1"}}}) }),
			`response headers add: "X:A" is not a valid header name`},
		{"modifier hop-by-hop", route(func(r *Route) { r.RequestHeaders = mod(HeaderModifier{Remove: []string{"Te"}}) }),
			`request headers remove: "Te" is a hop-by-hop header`},
		{"modifier connection", route(func(r *Route) { r.ResponseHeaders = mod(HeaderModifier{Set: []Header{{"Connection", "close"}}}) }),
			`response headers set: "Connection" is a hop-by-hop header`},
		{"modifier host", route(func(r *Route) { r.RequestHeaders = mod(HeaderModifier{Set: []Header{{"Host", "x"}}}) }),
			`request headers set: "Host" is set by a rewrite`},
		{"modifier forwarding header", route(func(r *Route) { r.RequestHeaders = mod(HeaderModifier{Add: []Header{{"X-Forwarded-For", "1.2.3.4"}}}) }),
			`request headers add: "X-Forwarded-For" is a forwarding header firsthop writes itself`},
		{"modifier x-real-ip", route(func(r *Route) { r.RequestHeaders = mod(HeaderModifier{Remove: []string{"X-Real-Ip"}}) }),
			`"X-Real-Ip" is a forwarding header`},
		{"modifier set and remove", route(func(r *Route) {
			r.RequestHeaders = mod(HeaderModifier{Set: []Header{{"X-A", "1"}}, Remove: []string{"X-A"}})
		}), `request headers both set and remove "X-A"`},
		{"modifier set twice", route(func(r *Route) { r.RequestHeaders = mod(HeaderModifier{Set: []Header{{"X-A", "1"}, {"X-A", "2"}}}) }),
			`request headers set "X-A" twice`},
		{"modifier remove twice", route(func(r *Route) { r.RequestHeaders = mod(HeaderModifier{Remove: []string{"X-A", "X-A"}}) }),
			`request headers remove "X-A" twice`},
		{"modifier value CRLF", route(func(r *Route) { r.ResponseHeaders = mod(HeaderModifier{Add: []Header{{"X-A", "1\r\nX-B: 2"}}}) }),
			`response headers add "X-A": value holds a control character`},
		{"split backend modifier", route(func(r *Route) {
			r.Backend, r.Split = "", []WeightedBackend{{Backend: "a", Weight: 1, RequestHeaders: mod(HeaderModifier{Remove: []string{"Upgrade"}})}}
		}), `split backend "a" request headers remove: "Upgrade" is a hop-by-hop header`},
		{"mirror", route(func(r *Route) { r.Mirror = []Mirror{{Backend: "m"}, {Backend: "a", Percent: 100}} }), ""},
		{"mirror undefined", route(func(r *Route) { r.Mirror = []Mirror{{Backend: "nope"}} }), `route h.test/p: mirror names undefined backend "nope"`},
		{"mirror percent", route(func(r *Route) { r.Mirror = []Mirror{{Backend: "m", Percent: 101}} }), "mirror percent 101 is not 0 to 100"},
		{"mirror percent negative", route(func(r *Route) { r.Mirror = []Mirror{{Backend: "m", Percent: -1}} }), "mirror percent -1 is not 0 to 100"},
		{"timeout negative", route(func(r *Route) { r.Timeout = -1 }), "route h.test/p: timeout must not be negative"},
		{"backend timeout negative", route(func(r *Route) { r.BackendTimeout = -1 }), "route h.test/p: backend timeout must not be negative"},
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
}

// TestValidateDuplicateMatches shows that the key of a route holds its
// scope and its other matches: routes that differ in those only are
// distinct, and routes whose matches are the same in another order are
// defined twice.
func TestValidateDuplicateMatches(t *testing.T) {
	t.Parallel()
	b := []Backend{{Name: "a"}}
	hx := HeaderMatch{Name: "X-A", Value: "1"}
	hy := HeaderMatch{Name: "X-B", Type: MatchPresent}
	tests := []struct {
		name   string
		routes []Route
		want   string // "" for distinct routes
	}{
		{"headers differ", []Route{{Path: "/", Backend: "a"}, {Path: "/", Backend: "a", Headers: []HeaderMatch{hx}}}, ""},
		{"header values differ", []Route{{Path: "/", Backend: "a", Headers: []HeaderMatch{hx}},
			{Path: "/", Backend: "a", Headers: []HeaderMatch{{Name: "X-A", Value: "2"}}}}, ""},
		{"method differs", []Route{{Path: "/", Backend: "a", Method: "GET"}, {Path: "/", Backend: "a", Method: "POST"}}, ""},
		{"query differs", []Route{{Path: "/", Backend: "a"}, {Path: "/", Backend: "a", Query: []QueryMatch{{Name: "q"}}}}, ""},
		{"scope differs", []Route{{Path: "/", Backend: "a"}, {Scope: "gw", Path: "/", Backend: "a"}}, ""},
		{"same headers in another order", []Route{{Path: "/", Backend: "a", Headers: []HeaderMatch{hx, hy}},
			{Path: "/", Backend: "a", Headers: []HeaderMatch{hy, hx}}}, "route / (Prefix) is defined twice"},
		{"same scope", []Route{{Scope: "gw", Path: "/p", Backend: "a"}, {Scope: "gw", Path: "/p/", Backend: "a"}},
			`route /p/ (Prefix) in scope "gw" is defined twice`},
		{"order does not count", []Route{{Path: "/", Backend: "a", Method: "GET"}, {Path: "/", Backend: "a", Method: "GET", Order: 1}},
			"route / (Prefix) is defined twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := (&TableSpec{Backends: b, Routes: tc.routes}).Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Validate() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestValidateKnownRoutesBackends shows that ValidateKnownRoutes still
// checks every backend a kept route names: its split's and its mirrors'.
func TestValidateKnownRoutesBackends(t *testing.T) {
	t.Parallel()
	routes := []Route{
		{Path: "/s", Split: []WeightedBackend{{Backend: "a", Weight: 1}, {Backend: ""}}},
		{Path: "/m", Backend: "a", Mirror: []Mirror{{Backend: "m"}}},
		{Path: "/r", Redirect: &Redirect{}},
	}
	full := TableSpec{Backends: []Backend{{Name: "a"}, {Name: "m"}}, Routes: routes}
	if err := full.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := full.ValidateKnownRoutes(); err != nil {
		t.Errorf("ValidateKnownRoutes() = %v", err)
	}
	gone := TableSpec{Backends: []Backend{{Name: "x"}}, Routes: routes}
	err := gone.ValidateKnownRoutes()
	for _, want := range []string{`route /s: split names undefined backend "a"`, `route /m names undefined backend "a"`, `route /m: mirror names undefined backend "m"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateKnownRoutes() = %v, want %q", err, want)
		}
	}
}
