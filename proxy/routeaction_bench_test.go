package proxy

import (
	"testing"

	"github.com/firsthop/firsthop/model"
)

// BenchmarkHandlerAction is BenchmarkHandler on routes with an action:
// a split of two backends (both the fixed backend), and one backend with
// request and response header modifiers (a Set and an Add each).
func BenchmarkHandlerAction(b *testing.B) {
	cases := map[string]model.Route{
		"split": {Path: "/", Split: []model.WeightedBackend{{Backend: "b", Weight: 3}, {Backend: "c", Weight: 1}}},
		"headers": {Path: "/", Backend: "b",
			RequestHeaders: &model.HeaderModifier{Set: []model.Header{{Name: "X-Env", Value: "prod"}},
				Add: []model.Header{{Name: "X-Via", Value: "firsthop"}}},
			ResponseHeaders: &model.HeaderModifier{Set: []model.Header{{Name: "Cache-Control", Value: "no-store"}},
				Add: []model.Header{{Name: "X-Served-By", Value: "firsthop"}}}},
	}
	for name, route := range cases {
		b.Run(name, func(b *testing.B) {
			spec := benchSpec(fixedBackend(b))
			spec.Backends = append(spec.Backends, spec.Backends[0])
			spec.Backends[1].Name = "c"
			spec.Routes = nil
			srv := NewServer(Options{})
			if err := srv.Apply(spec); err != nil {
				b.Fatal(err)
			}
			publishRoutes(srv, []model.Route{route})
			benchmarkServerHandler(b, nil, srv)
		})
	}
}
