package config

import (
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy"
)

// testUsers are the users of testdata/users.htpasswd.
var testUsers = []model.BasicAuthUser{
	{Name: "demo", Hash: "$2a$10$70cwfR9oHkbxKAXKqqnjbuOO2ku8VqPcT2MSujhcAJA50hb0R5BrS"},
	{Name: "alice", Hash: "$apr1$abcdefgh$h9FWgUz3n9YxylKLlR5SQ/"},
}

// TestRouteGuards: each guard key of a paths item (maxRequestBodySize,
// httpsRedirect, cors, basicAuth, externalAuth), and a RegularExpression
// path with a pathTemplate rewrite, reach the model route as written,
// defaults applied; the table passes Validate and the proxy's NewTable.
// The file is named as if in testdata, so that file keys resolve there.
func TestRouteGuards(t *testing.T) {
	t.Parallel()
	const backends = "backends:\n  - {name: b, echo: true}\n  - {name: auth, echo: true}\n"
	base := func(r model.Route) model.Route {
		if r.Path == "" {
			r.Path, r.PathType = "/shop", model.PathPrefix
		}
		if r.Respond == nil {
			r.Backend = "b"
		}
		return r
	}
	cases := []struct {
		name string
		item string // the paths item
		want model.Route
	}{
		{"body limit in MiB", "path: /shop, backend: b, maxRequestBodySize: 10MiB",
			base(model.Route{MaxRequestBodyBytes: 10 << 20})},
		{"body limit in bytes", "path: /shop, backend: b, maxRequestBodySize: 1000",
			base(model.Route{MaxRequestBodyBytes: 1000})},
		{"body limit with a space", `path: /shop, backend: b, maxRequestBodySize: "512 KiB"`,
			base(model.Route{MaxRequestBodyBytes: 512 << 10})},
		{"https redirect true", "path: /shop, backend: b, httpsRedirect: true",
			base(model.Route{HTTPSRedirect: &model.HTTPSRedirect{}})},
		{"https redirect false", "path: /shop, backend: b, httpsRedirect: false",
			base(model.Route{})},
		{"https redirect status and port", "path: /shop, backend: b, httpsRedirect: {status: 301, port: 8443}",
			base(model.Route{HTTPSRedirect: &model.HTTPSRedirect{Status: 301, Port: 8443}})},
		{"https redirect on a direct response", "path: /shop, respond: {status: 200}, httpsRedirect: {}",
			base(model.Route{Respond: &model.DirectResponse{Status: 200}, HTTPSRedirect: &model.HTTPSRedirect{}})},
		{"cors", `path: /shop, backend: b, cors: {allowOrigins: ["https://app.example.com", "https://*.example.com:8443", "null"], allowMethods: [GET, PUT], allowHeaders: [content-type, x-csrf-token], exposeHeaders: [x-request-id], allowCredentials: true, maxAge: 24h}`,
			base(model.Route{CORS: &model.CORSPolicy{
				AllowOrigins:     []string{"https://app.example.com", "https://*.example.com:8443", "null"},
				AllowMethods:     []string{"GET", "PUT"},
				AllowHeaders:     []string{"Content-Type", "X-Csrf-Token"},
				ExposeHeaders:    []string{"X-Request-Id"},
				AllowCredentials: true,
				MaxAge:           24 * time.Hour,
			}})},
		{"cors stars", `path: /shop, backend: b, cors: {allowOrigins: ["*"], allowMethods: ["*"], allowHeaders: ["*"], exposeHeaders: ["*"]}`,
			base(model.Route{CORS: &model.CORSPolicy{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"},
				AllowHeaders: []string{"*"}, ExposeHeaders: []string{"*"}}})},
		{"basic auth", `path: /shop, backend: b, basicAuth: {realm: "Staff only", htpasswdFile: users.htpasswd}`,
			base(model.Route{BasicAuth: &model.BasicAuth{Realm: "Staff only", Users: testUsers}})},
		{"basic auth without realm", "path: /shop, backend: b, basicAuth: {htpasswdFile: users.htpasswd}",
			base(model.Route{BasicAuth: &model.BasicAuth{Users: testUsers}})},
		{"external auth", `path: /shop, backend: b, externalAuth: {backend: auth, path: "/oauth2/auth?rd=$escaped_request_uri", host: Auth.Internal, method: GET, timeout: 2s, responseHeaders: [x-auth-request-user, x-auth-request-email], signIn: "https://$host/oauth2/start", signInRedirectParam: next, requestRedirect: "https://app.example.com/", alwaysSetCookie: true}`,
			base(model.Route{ExternalAuth: &model.ExternalAuth{
				Backend: "auth", Path: "/oauth2/auth?rd=$escaped_request_uri", Host: "auth.internal", Method: "GET",
				Timeout: 2 * time.Second, ResponseHeaders: []string{"X-Auth-Request-User", "X-Auth-Request-Email"},
				SignIn: "https://$host/oauth2/start", SignInRedirectParam: "next",
				RequestRedirect: "https://app.example.com/", AlwaysSetCookie: true,
			}})},
		{"external auth, the least", "path: /shop, backend: b, externalAuth: {backend: auth, path: /auth}",
			base(model.Route{ExternalAuth: &model.ExternalAuth{Backend: "auth", Path: "/auth"}})},
		{"regex path", `path: "/users/[0-9]+", pathType: RegularExpression, backend: b`,
			model.Route{Path: "/users/[0-9]+", PathType: model.PathRegex, Backend: "b"}},
		{"regex path with a template", `path: "/something(/|$)(.*)", pathType: RegularExpression, backend: b, rewrite: {pathTemplate: "/$2", host: api.internal}`,
			model.Route{Path: "/something(/|$)(.*)", PathType: model.PathRegex, Backend: "b", Rewrite: &model.Rewrite{
				Host: "api.internal", Path: &model.PathRewrite{Type: model.RewriteRegex, Value: "/$2"}}}},
		{"regex path with a full path rewrite", `path: "/a|/b", pathType: RegularExpression, backend: b, rewrite: {path: /c}`,
			model.Route{Path: "/a|/b", PathType: model.PathRegex, Backend: "b", Rewrite: &model.Rewrite{
				Path: &model.PathRewrite{Type: model.RewriteFullPath, Value: "/c"}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := listener + backends + "routes: [{paths: [{" + tc.item + "}]}]\n"
			cfg := mustParse(t, filepath.Join("testdata", "guards.yaml"), []byte(file), Options{})
			if len(cfg.Table.Routes) != 1 {
				t.Fatalf("%d routes, want 1", len(cfg.Table.Routes))
			}
			if got := cfg.Table.Routes[0]; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("route\n got %+v\nwant %+v", got, tc.want)
			}
			if _, err := proxy.NewTable(cfg.Table); err != nil {
				t.Errorf("proxy.NewTable: %v", err)
			}
		})
	}
}

// TestHtpasswdFileIsWatched: the htpasswd file a route names is in
// Config.Files, resolved against the config file's directory, so that a
// reload follows its changes.
func TestHtpasswdFileIsWatched(t *testing.T) {
	t.Parallel()
	file := listener + echoBackend + "routes: [{paths: [{path: /, backend: b, basicAuth: {htpasswdFile: users.htpasswd}}]}]\n"
	name := filepath.Join("testdata", "watched.yaml")
	cfg := mustParse(t, name, []byte(file), Options{})
	if want := filepath.Join("testdata", "users.htpasswd"); !slices.Contains(cfg.Files, want) {
		t.Errorf("Files %q, want %s among them", cfg.Files, want)
	}
}

// TestRegexTemplateMissingGroup: a pathTemplate naming a group the path
// lacks is a warning at the template, naming the group; one naming only
// groups the path has is none.
func TestRegexTemplateMissingGroup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		template string
		group    int // 0: no warning
	}{
		{"/$1", 0},
		{"/$0/$1/${1}", 0},
		{"/$$2", 0}, // "$$" is a dollar
		{"/$2", 2},
		{"/x/${12}/$3", 3},
		{"/${9998}", 9998},
	} {
		file := listener + echoBackend + `routes: [{paths: [{path: "/a/(.*)", pathType: RegularExpression, backend: b, rewrite: {pathTemplate: "` + tc.template + `"}}]}]` + "\n"
		cfg := mustParse(t, "template.yaml", []byte(file), Options{})
		switch {
		case tc.group == 0 && len(cfg.Warnings) != 0:
			t.Errorf("%s: warnings %v, want none", tc.template, cfg.Warnings)
		case tc.group != 0 && (len(cfg.Warnings) != 1 || cfg.Warnings[0].Line != 5 || cfg.Warnings[0].Column != 102 ||
			!contains([]string{cfg.Warnings[0].Message}, `routes[0].paths[0].rewrite.pathTemplate: "`+tc.template+`" refers to group `+strconv.Itoa(tc.group)+`, and the path "/a/(.*)" has 1: it stands for nothing`)):
			t.Errorf("%s: warnings %v, want one at 5:102 naming group %d", tc.template, cfg.Warnings, tc.group)
		}
	}
}

// TestEveryGuardKeySeed: FuzzParse's seed that writes every guard key is
// valid and warning-free, so that the fuzzer starts from a file that
// parses.
func TestEveryGuardKeySeed(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, "fuzz.yaml", []byte(everyGuardKey), Options{})
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings %v", cfg.Warnings)
	}
	if err := cfg.Table.Validate(); err != nil {
		t.Error(err)
	}
}
