package ingress

import (
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/firsthop/firsthop/model"
)

func pathType(t networkingv1.PathType) *networkingv1.PathType { return &t }

func TestRoutePath(t *testing.T) {
	t.Parallel()
	var (
		exact  = pathType(networkingv1.PathTypeExact)
		prefix = pathType(networkingv1.PathTypePrefix)
		impl   = pathType(networkingv1.PathTypeImplementationSpecific)
	)
	tests := []struct {
		name      string
		path      string
		typ       *networkingv1.PathType
		want      string
		wantType  model.PathType
		wantRegex bool
		wantErr   string
	}{
		{name: "prefix root", path: "/", typ: prefix, want: "/", wantType: model.PathPrefix},
		{name: "prefix with trailing slash kept", path: "/foo/", typ: prefix, want: "/foo/", wantType: model.PathPrefix},
		{name: "exact", path: "/foo", typ: exact, want: "/foo", wantType: model.PathExact},
		{name: "implementation specific is prefix", path: "/api", typ: impl, want: "/api", wantType: model.PathPrefix},
		{name: "implementation specific empty is root", path: "", typ: impl, want: "/", wantType: model.PathPrefix},
		{name: "regex-looking implementation specific", path: "/api/(.*)", typ: impl, want: "/api/(.*)", wantType: model.PathPrefix, wantRegex: true},
		{name: "regex characters in a Prefix path are just characters", path: "/a(b)", typ: prefix, want: "/a(b)", wantType: model.PathPrefix},
		{name: "percent-encoding decoded", path: "/caf%C3%A9/%20x", typ: exact, want: "/café/ x", wantType: model.PathExact},
		{name: "no pathType", path: "/", wantErr: "no pathType"},
		{name: "unknown pathType", path: "/", typ: pathType("Regex"), wantErr: "unknown pathType"},
		{name: "empty prefix", path: "", typ: prefix, wantErr: "must start with"},
		{name: "relative", path: "foo", typ: exact, wantErr: "must start with"},
		{name: "double slash", path: "/a//b", typ: prefix, wantErr: "not clean"},
		{name: "dot segment", path: "/a/./b", typ: prefix, wantErr: "not clean"},
		{name: "dot-dot segment", path: "/a/../b", typ: prefix, wantErr: "not clean"},
		{name: "trailing dot-dot", path: "/a/..", typ: exact, wantErr: "not clean"},
		{name: "encoded dot-dot", path: "/a/%2e%2e/b", typ: prefix, wantErr: "not clean"},
		{name: "encoded slash", path: "/a%2Fb", typ: prefix, wantErr: "encoded"},
		{name: "query", path: "/a?b=c", typ: prefix, wantErr: "query"},
		{name: "fragment", path: "/a#b", typ: prefix, wantErr: "fragment"},
		{name: "bad percent-encoding", path: "/a%zz", typ: prefix, wantErr: "percent-encoding"},
		{name: "encoded control character", path: "/a%00", typ: prefix, wantErr: "control character"},
		{name: "raw control character", path: "/a\nb", typ: prefix, wantErr: "control character"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, typ, regex, err := routePath(tc.path, tc.typ)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("routePath(%q) = %q, %v; want error containing %q", tc.path, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want || typ != tc.wantType || regex != tc.wantRegex {
				t.Fatalf("routePath(%q) = %q, %v, regex %v, %v; want %q, %v, regex %v", tc.path, got, typ, regex, err, tc.want, tc.wantType, tc.wantRegex)
			}
		})
	}
}
