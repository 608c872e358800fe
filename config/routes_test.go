package config

import (
	"strings"
	"testing"
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
