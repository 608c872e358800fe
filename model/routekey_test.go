package model

import "testing"

func TestRouteKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b Route
		same bool
	}{
		{"prefix trailing slash ignored", Route{Path: "/foo", PathType: PathPrefix}, Route{Path: "/foo/", PathType: PathPrefix}, true},
		{"prefix every trailing slash ignored", Route{Path: "/foo", PathType: PathPrefix}, Route{Path: "/foo//", PathType: PathPrefix}, true},
		{"prefix root kept", Route{Path: "/", PathType: PathPrefix}, Route{Path: "/", PathType: PathPrefix}, true},
		{"exact trailing slash matters", Route{Path: "/foo", PathType: PathExact}, Route{Path: "/foo/", PathType: PathExact}, false},
		{"path types differ", Route{Path: "/foo", PathType: PathExact}, Route{Path: "/foo", PathType: PathPrefix}, false},
		{"hosts differ", Route{Host: "a.example", Path: "/", PathType: PathPrefix}, Route{Host: "b.example", Path: "/", PathType: PathPrefix}, false},
		{"backend and options do not count", Route{Path: "/", PathType: PathPrefix, Backend: "a"}, Route{Path: "/", PathType: PathPrefix, Backend: "b", AllowTrace: true}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.a.Key() == tc.b.Key(); got != tc.same {
				t.Errorf("%+v.Key() == %+v.Key() is %v, want %v", tc.a, tc.b, got, tc.same)
			}
		})
	}
	if k := (Route{Path: "/", PathType: PathPrefix}).Key(); k.Path != "/" {
		t.Errorf("the root prefix's key path is %q, want \"/\"", k.Path)
	}
}
