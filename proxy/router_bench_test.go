package proxy

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/firsthop/firsthop/model"
)

// BenchmarkRouterMatch measures Table.route on a table of 100 hosts whose
// routes match by path only, by header, by query and by method, the
// request matching the last route tried. Only a regular expression on a
// percent-encoded query value or on a header of several lines may
// allocate.
func BenchmarkRouterMatch(b *testing.B) {
	var routes []model.Route
	for i := range 100 {
		host := fmt.Sprintf("h%d.test", i)
		routes = append(routes,
			model.Route{Host: host, Path: "/", Backend: "b"},
			model.Route{Host: host, Path: "/api", Backend: "b"},
			model.Route{Host: host, Path: "/api", Headers: []model.HeaderMatch{{Name: "X-Env", Value: "canary"}}, Backend: "b"},
			model.Route{Host: host, Path: "/api", Headers: []model.HeaderMatch{{Name: "X-Version", Type: model.MatchRegex, Value: "v[0-9]+"}}, Backend: "b"},
			model.Route{Host: host, Path: "/api", Query: []model.QueryMatch{{Name: "v", Value: "2 x"}}, Backend: "b"},
			model.Route{Host: host, Path: "/api", Query: []model.QueryMatch{{Name: "r", Type: model.MatchRegex, Value: "[a-z ]+"}}, Backend: "b"},
			model.Route{Host: host, Path: "/api", Method: "DELETE", Backend: "b"},
		)
	}
	tbl := matchTable(b, model.TableSpec{Routes: routes})
	header := func(kv ...string) http.Header {
		h := http.Header{"User-Agent": {"bench"}, "Accept": {"*/*"}}
		for i := 0; i < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	cases := []struct {
		name string
		q    routeRequest
		want string // the rule's path and matches, to check the benchmark's answer
	}{
		{"path only", routeRequest{host: "h50.test", path: "/x", method: "GET", header: header()}, "/"},
		{"past every match to the plain route", routeRequest{host: "h50.test", path: "/api/x", method: "GET", header: header(), rawQuery: "a=1&b=2"}, "/api"},
		{"method", routeRequest{host: "h50.test", path: "/api", method: "DELETE", header: header()}, "/api DELETE"},
		{"header exact", routeRequest{host: "h50.test", path: "/api", method: "GET", header: header("X-Env", "canary")}, "/api X-Env"},
		{"header regex", routeRequest{host: "h50.test", path: "/api", method: "GET", header: header("X-Version", "v12")}, "/api X-Version"},
		{"header regex, two lines", routeRequest{host: "h50.test", path: "/api", method: "GET", header: header("X-Version", "v1", "X-Version", "2")}, "/api"},
		{"query exact, encoded", routeRequest{host: "h50.test", path: "/api", method: "GET", header: header(), rawQuery: "a=1&v=2+%78"}, "/api ?v"},
		{"query regex", routeRequest{host: "h50.test", path: "/api", method: "GET", header: header(), rawQuery: "a=1&r=abc"}, "/api ?r"},
		{"query regex, encoded", routeRequest{host: "h50.test", path: "/api", method: "GET", header: header(), rawQuery: "a=1&r=ab%20c"}, "/api ?r"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if got := describeRule(tbl.route(&c.q)); got != c.want {
				b.Fatalf("matched %q, want %q", got, c.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				tbl.route(&c.q)
			}
		})
	}
}

// describeRule names r by its path and what it matches beyond.
func describeRule(r *pathRule) string {
	if r == nil {
		return ""
	}
	s := r.path
	if m := r.match; m != nil {
		if m.method != "" {
			s += " " + m.method
		}
		for _, h := range m.headers {
			s += " " + h.name
		}
		for _, q := range m.query {
			s += " ?" + q.name
		}
	}
	return s
}
