package nginx

import (
	"testing"

	"github.com/firsthop/firsthop/model"
)

// TestCanaryRoutes checks the routes a canary makes: ingress-nginx's
// order (header, cookie, weight) and routes the model accepts.
func TestCanaryRoutes(t *testing.T) {
	t.Parallel()
	main := model.Route{Host: "app.example.com", Path: "/", PathType: model.PathPrefix, Backend: "main"}
	tests := []struct {
		name   string
		canary Canary
		want   []string // per route: its last header match, Order and action
	}{
		{"weight", Canary{Weight: 10, WeightTotal: 100}, []string{" #0 -> main:90 canary:10"}},
		{"weight above the total", Canary{Weight: 200, WeightTotal: 100}, []string{" #0 -> canary"}},
		{"weight zero", Canary{WeightTotal: 100}, []string{" #0 -> main"}},
		{"header", Canary{Header: "X-Canary", WeightTotal: 100}, []string{
			"X-Canary Exact always #0 -> canary", "X-Canary Exact never #0 -> main", " #0 -> main"}},
		{"header value", Canary{Header: "X-Region", HeaderValue: "eu", WeightTotal: 100}, []string{"X-Region Exact eu #0 -> canary", " #0 -> main"}},
		{"header pattern", Canary{Header: "X-Region", HeaderPattern: "eu|us", WeightTotal: 100}, []string{"X-Region RegularExpression (?s).*(?:eu|us).* #0 -> canary", " #0 -> main"}},
		{"cookie and weight", Canary{Cookie: "canary", Weight: 1, WeightTotal: 4}, []string{
			`Cookie RegularExpression (?:.*[;,])?\s*canary=always\s*(?:[;,].*)? #1 -> canary`,
			`Cookie RegularExpression (?:.*[;,])?\s*canary=never\s*(?:[;,].*)? #1 -> main`,
			" #0 -> main:3 canary:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			routes := tt.canary.Routes(main, "main", "canary")
			if len(routes) != len(tt.want) {
				t.Fatalf("got %d routes, want %d: %+v", len(routes), len(tt.want), routes)
			}
			for i, r := range routes {
				if got := describe(r); got != tt.want[i] {
					t.Errorf("route %d: %q, want %q", i, got, tt.want[i])
				}
			}
			// model.TableSpec.Validate does not know Split yet (the
			// model's actions have no consumer): the routes that forward
			// to one backend are validated, the split ones checked here.
			var single []model.Route
			for _, r := range routes {
				if r.Split == nil {
					single = append(single, r)
					continue
				}
				for _, w := range r.Split {
					if w.Backend != "main" && w.Backend != "canary" || w.Weight == 0 {
						t.Errorf("split share %+v", w)
					}
				}
			}
			spec := model.TableSpec{Routes: single, Backends: []model.Backend{{Name: "main"}, {Name: "canary"}}}
			if err := spec.Validate(); err != nil {
				t.Errorf("the model refuses the routes: %v", err)
			}
		})
	}
}

// describe is a route's last header match and its action.
func describe(r model.Route) string {
	s := ""
	if n := len(r.Headers); n > 0 {
		h := r.Headers[n-1]
		s = h.Name + " " + h.Type.String() + " " + h.Value
	}
	s += " #" + itoa(uint32(r.Order)) + " ->"
	if r.Backend != "" {
		return s + " " + r.Backend
	}
	for _, w := range r.Split {
		s += " " + w.Backend + ":" + itoa(w.Weight)
	}
	return s
}

func itoa(n uint32) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestCanaryCookieMatch checks the Cookie expression against real
// Cookie headers, the cookies in one header or in several joined by ",".
func TestCanaryCookieMatch(t *testing.T) {
	t.Parallel()
	re, err := CompileRegex("^(?:" + cookieMatch("canary", "always").Value + ")$")
	if err != nil {
		t.Fatal(err)
	}
	for cookie, want := range map[string]bool{
		"canary=always":              true,
		"a=1; canary=always":         true,
		"canary=always; b=2":         true,
		"a=1,canary=always":          true,
		"xcanary=always":             false,
		"canary=alwaysx":             false,
		"canary=never":               false,
		"a=canary=always":            false,
		"a=1; canary=always ; b=2":   true,
		"a=1;canary=always;b=2":      true,
		"canary=always,canary=never": true,
	} {
		if got := re.MatchString(cookie); got != want {
			t.Errorf("Cookie %q: match %v, want %v", cookie, got, want)
		}
	}
}
