package ingress

import (
	"os"
	"testing"

	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
)

// TestNginxOptIn checks which Ingresses are read with their ingress-nginx
// annotations (testdata/nginx/optin.in.yaml: a rewrite-target on each):
// those of an IngressClass annotated firsthop.io/ingress-nginx-annotations
// "true"; with no class, those of a default class so annotated; every one
// with Options.IngressNginxAnnotations.
func TestNginxOptIn(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/nginx/optin.in.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rewritten := func(s Snapshot, o Options) map[string]bool {
		spec, _ := Translate(s, model.TableSpec{}, o, resolve.Options{})
		out := map[string]bool{}
		for _, r := range spec.Routes {
			out[r.Host] = r.Rewrite != nil
		}
		return out
	}
	tests := []struct {
		name         string
		opts         Options
		defaultNginx bool // the default class opts in too
		want         map[string]bool
	}{
		{
			name: "by class",
			want: map[string]bool{"read.example.com": true, "notread.example.com": false, "auth.example.com": false, "noclass.example.com": false, "policy.example.com": false},
		},
		{
			name:         "no class: the default class's opt-in",
			defaultNginx: true,
			want:         map[string]bool{"read.example.com": true, "notread.example.com": true, "auth.example.com": true, "noclass.example.com": true, "policy.example.com": false},
		},
		{
			name: "the flag: every Ingress",
			opts: Options{IngressNginxAnnotations: true},
			want: map[string]bool{"read.example.com": true, "notread.example.com": true, "auth.example.com": true, "noclass.example.com": true, "policy.example.com": false},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := decodeObjects(data)
			if err != nil {
				t.Fatal(err)
			}
			if tc.defaultNginx {
				for _, c := range s.IngressClasses {
					if c.Name == "firsthop" {
						c.Annotations[AnnotationIngressNginx] = "true"
					}
				}
			}
			got := rewritten(s, tc.opts)
			for host, want := range tc.want {
				if got[host] != want {
					t.Errorf("%s rewritten: %v, want %v", host, got[host], want)
				}
			}
		})
	}
}
