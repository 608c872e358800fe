package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

// TestRoutePathOptions: allowTrace and keepEncodedSlashes reach the
// route of their path entry only, and anything but a boolean is an error
// at its place.
func TestRoutePathOptions(t *testing.T) {
	t.Parallel()
	const file = listener + echoBackend + `routes:
  - paths:
      - {path: /, backend: b}
      - {path: /diag, backend: b, allowTrace: true}
      - {path: /v2, backend: b, keepEncodedSlashes: true}
`
	cfg := mustParse(t, "options.yaml", []byte(file), Options{})
	got := map[string][2]bool{}
	for _, r := range cfg.Table.Routes {
		got[r.Path] = [2]bool{r.AllowTrace, r.KeepEncodedSlashes}
	}
	want := map[string][2]bool{"/": {false, false}, "/diag": {true, false}, "/v2": {false, true}}
	for path, w := range want {
		if got[path] != w {
			t.Errorf("route %s: allowTrace, keepEncodedSlashes = %v, want %v", path, got[path], w)
		}
	}
	for _, key := range []string{"allowTrace", "keepEncodedSlashes"} {
		bad := listener + echoBackend + "routes: [{paths: [{path: /, backend: b, " + key + ": yes please}]}]\n"
		_, err := Parse("bad.yaml", []byte(bad), Options{})
		if want := "bad.yaml:5:"; err == nil || !strings.Contains(err.Error(), want) ||
			!strings.Contains(err.Error(), "routes[0].paths[0]."+key+": want true or false") {
			t.Errorf("%s: yes please: error %v, want one at %s... saying want true or false", key, err, want)
		}
	}
}

// TestRouteFeatures: each key of a paths item reaches the model route as
// written, names canonical and defaults applied.
func TestRouteFeatures(t *testing.T) {
	t.Parallel()
	const backends = "backends:\n  - {name: b, echo: true}\n  - {name: c, echo: true}\n  - {name: shadow, echo: true}\n"
	base := func(r model.Route) model.Route {
		r.Path, r.PathType = "/shop", model.PathPrefix
		return r
	}
	cases := []struct {
		name string
		item string // the paths item after "path: /shop, "
		want model.Route
	}{
		{"backend", "backend: b", base(model.Route{Backend: "b"})},
		{"method", "backend: b, method: POST", base(model.Route{Backend: "b", Method: "POST"})},
		{"header matches", `backend: b, headers: [{name: x-canary, value: "1"}, {name: user-agent, regex: ".*Mobile.*"}, {name: X-DEBUG, present: true}]`,
			base(model.Route{Backend: "b", Headers: []model.HeaderMatch{
				{Name: "X-Canary", Type: model.MatchExact, Value: "1"},
				{Name: "User-Agent", Type: model.MatchRegex, Value: ".*Mobile.*"},
				{Name: "X-Debug", Type: model.MatchPresent},
			}})},
		{"query matches", `backend: b, query: [{name: Version, value: "2"}, {name: debug, present: true}, {name: id, regex: "[0-9]+"}]`,
			base(model.Route{Backend: "b", Query: []model.QueryMatch{
				{Name: "Version", Type: model.MatchExact, Value: "2"},
				{Name: "debug", Type: model.MatchPresent},
				{Name: "id", Type: model.MatchRegex, Value: "[0-9]+"},
			}})},
		{"split", "backends: [{name: b, weight: 90}, {name: c, weight: 10}]",
			base(model.Route{Split: []model.WeightedBackend{{Backend: "b", Weight: 90}, {Backend: "c", Weight: 10}}})},
		{"split default weight and a zero", "backends: [{name: b}, {name: c, weight: 0}]",
			base(model.Route{Split: []model.WeightedBackend{{Backend: "b", Weight: 1}, {Backend: "c", Weight: 0}}})},
		{"split backend headers", "backends: [{name: b, requestHeaders: {set: {x-version: v1}}, responseHeaders: {remove: [server]}}]",
			base(model.Route{Split: []model.WeightedBackend{{Backend: "b", Weight: 1,
				RequestHeaders:  &model.HeaderModifier{Set: []model.Header{{Name: "X-Version", Value: "v1"}}},
				ResponseHeaders: &model.HeaderModifier{Remove: []string{"Server"}},
			}}})},
		{"redirect scheme", "redirect: {scheme: https, status: 301}",
			base(model.Route{Redirect: &model.Redirect{Scheme: "https", Status: 301}})},
		{"redirect everything", "redirect: {scheme: http, host: WWW.Example.com., port: 8080, path: /new, status: 308}",
			base(model.Route{Redirect: &model.Redirect{Scheme: "http", Host: "www.example.com", Port: 8080,
				Path: &model.PathRewrite{Type: model.RewriteFullPath, Value: "/new"}, Status: 308}})},
		{"redirect prefix, status defaulted", "redirect: {pathPrefix: /store}",
			base(model.Route{Redirect: &model.Redirect{Path: &model.PathRewrite{Type: model.RewritePrefix, Value: "/store"}}})},
		{"respond", `respond: {status: 404, body: "not here\n", contentType: "text/plain; charset=utf-8"}`,
			base(model.Route{Respond: &model.DirectResponse{Status: 404, Body: "not here\n", ContentType: "text/plain; charset=utf-8"}})},
		{"respond status only", "respond: {status: 204}",
			base(model.Route{Respond: &model.DirectResponse{Status: 204}})},
		{"respond with response headers", "respond: {status: 410}, responseHeaders: {set: {cache-control: max-age=60}}",
			base(model.Route{Respond: &model.DirectResponse{Status: 410},
				ResponseHeaders: &model.HeaderModifier{Set: []model.Header{{Name: "Cache-Control", Value: "max-age=60"}}}})},
		{"request headers", `backend: b, requestHeaders: {set: {x-env: prod, X-Empty: ""}, add: {x-env: extra, Via: "1.1 firsthop"}, remove: [cookie, x-debug]}`,
			base(model.Route{Backend: "b", RequestHeaders: &model.HeaderModifier{
				Set:    []model.Header{{Name: "X-Env", Value: "prod"}, {Name: "X-Empty", Value: ""}},
				Add:    []model.Header{{Name: "X-Env", Value: "extra"}, {Name: "Via", Value: "1.1 firsthop"}},
				Remove: []string{"Cookie", "X-Debug"},
			}})},
		{"header values that YAML reads as numbers and booleans", "backend: b, responseHeaders: {set: {X-Num: 1, X-Bool: true}}",
			base(model.Route{Backend: "b", ResponseHeaders: &model.HeaderModifier{
				Set: []model.Header{{Name: "X-Num", Value: "1"}, {Name: "X-Bool", Value: "true"}},
			}})},
		{"rewrite prefix", "backend: b, rewrite: {pathPrefix: /}",
			base(model.Route{Backend: "b", Rewrite: &model.Rewrite{Path: &model.PathRewrite{Type: model.RewritePrefix, Value: "/"}}})},
		{"rewrite host and path", "backend: b, rewrite: {host: Api.Internal:8080, path: /v2/index}",
			base(model.Route{Backend: "b", Rewrite: &model.Rewrite{Host: "api.internal:8080",
				Path: &model.PathRewrite{Type: model.RewriteFullPath, Value: "/v2/index"}}})},
		{"mirror", "backend: b, mirror: [{backend: shadow, percent: 5}, {backend: c}]",
			base(model.Route{Backend: "b", Mirror: []model.Mirror{{Backend: "shadow", Percent: 5}, {Backend: "c", Percent: 100}}})},
		{"timeout is the request timeout", "backend: b, timeout: 30s",
			base(model.Route{Backend: "b", Timeout: 30 * time.Second})},
		{"timeouts", "backend: b, timeouts: {request: 30s, backendRequest: 5s}",
			base(model.Route{Backend: "b", Timeout: 30 * time.Second, BackendTimeout: 5 * time.Second})},
		{"timeout with backendRequest", "backend: b, timeout: 30s, timeouts: {backendRequest: 30s}",
			base(model.Route{Backend: "b", Timeout: 30 * time.Second, BackendTimeout: 30 * time.Second})},
		{"backendRequest alone", "backend: b, timeouts: {backendRequest: 5s}",
			base(model.Route{Backend: "b", BackendTimeout: 5 * time.Second})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := listener + backends + "routes: [{paths: [{path: /shop, " + tc.item + "}]}]\n"
			cfg := mustParse(t, "features.yaml", []byte(file), Options{})
			if len(cfg.Table.Routes) != 1 {
				t.Fatalf("%d routes, want 1", len(cfg.Table.Routes))
			}
			if got := cfg.Table.Routes[0]; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("route\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestRouteKeyDistinct: paths items with one path but other methods,
// headers or query are distinct routes, in file order, and reach the model.
func TestRouteKeyDistinct(t *testing.T) {
	t.Parallel()
	const file = listener + echoBackend + `routes:
  - host: a.example.com
    paths:
      - {path: /api, backend: b}
      - {path: /api, backend: b, method: GET}
      - {path: /api, backend: b, method: POST}
      - {path: /api, backend: b, headers: [{name: X-A, value: a}]}
      - {path: /api, backend: b, headers: [{name: X-A, value: b}]}
      - {path: /api, backend: b, headers: [{name: X-A, regex: a}]}
      - {path: /api, backend: b, query: [{name: X-A, value: a}]}
      - {path: /api, backend: b, pathType: Exact}
`
	cfg := mustParse(t, "distinct.yaml", []byte(file), Options{})
	if got := len(cfg.Table.Routes); got != 8 {
		t.Fatalf("%d routes, want 8", got)
	}
	keys := map[model.RouteKey]bool{}
	for _, r := range cfg.Table.Routes {
		keys[r.Key()] = true
	}
	if len(keys) != 8 {
		t.Errorf("%d distinct route keys, want 8", len(keys))
	}
}

// TestRouteScopes: a listener's scope and a route host's scope reach the
// model, and routes without scope stay in the default scope.
func TestRouteScopes(t *testing.T) {
	t.Parallel()
	const file = `listeners:
  - {name: public, address: 127.0.0.1:8080}
  - {name: plain, address: 127.0.0.1:8081, scope: plain-http}
` + echoBackend + `routes:
  - scope: plain-http
    paths: [{path: /, redirect: {scheme: https}}]
  - paths: [{path: /, backend: b}]
`
	cfg := mustParse(t, "scopes.yaml", []byte(file), Options{})
	if got := []string{cfg.Listeners[0].Scope, cfg.Listeners[1].Scope}; got[0] != "" || got[1] != "plain-http" {
		t.Errorf("listener scopes %q, want \"\" and plain-http", got)
	}
	if got := []string{cfg.Table.Routes[0].Scope, cfg.Table.Routes[1].Scope}; got[0] != "plain-http" || got[1] != "" {
		t.Errorf("route scopes %q, want plain-http and \"\"", got)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings %v, want none", cfg.Warnings)
	}
}
