package e2e

import (
	"maps"
	"strings"
	"testing"
)

func TestParseAPIRequestCounts(t *testing.T) {
	t.Parallel()
	const metrics = `# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",component="apiserver",dry_run="",group="gateway.networking.k8s.io",resource="httproutes",scope="resource",subresource="status",verb="PUT",version="v1"} 5000
apiserver_request_total{code="409",component="apiserver",dry_run="",group="gateway.networking.k8s.io",resource="httproutes",scope="resource",subresource="status",verb="PUT",version="v1"} 3
apiserver_request_total{code="200",component="apiserver",dry_run="",group="gateway.networking.k8s.io",resource="httproutes",scope="resource",subresource="",verb="GET",version="v1"} 2
apiserver_request_total{code="200",component="apiserver",dry_run="",group="gateway.networking.k8s.io",resource="httproutes",scope="cluster",subresource="",verb="LIST",version="v1"} 1
apiserver_request_total{code="200",component="apiserver",dry_run="",group="gateway.networking.k8s.io",resource="httproutes",scope="namespace",subresource="",verb="LIST",version="v1"} 4
apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="services",scope="resource",subresource="",verb="POST",version="v1"} 5000
# HELP apiserver_request_duration_seconds [STABLE] Response latency distribution.
# TYPE apiserver_request_duration_seconds histogram
apiserver_request_duration_seconds_bucket{resource="httproutes",verb="PUT",le="0.005"} 4000
apiserver_request_duration_seconds_bucket{resource="httproutes",verb="PUT",le="+Inf"} 5003
apiserver_request_duration_seconds_sum{resource="httproutes",verb="PUT"} 12.5
apiserver_request_duration_seconds_count{resource="httproutes",verb="PUT"} 5003
`
	for _, tc := range []struct {
		name, text, resource string
		want                 APIRequestCounts
		wantErr              bool
	}{
		{name: "one resource, scopes summed", text: metrics, resource: "httproutes", want: APIRequestCounts{
			{"PUT", "status", "200"}: 5000, {"PUT", "status", "409"}: 3, {"GET", "", "200"}: 2, {"LIST", "", "200"}: 5,
		}},
		{name: "another resource", text: metrics, resource: "services", want: APIRequestCounts{{"POST", "", "201"}: 5000}},
		{name: "a resource never requested", text: metrics, resource: "grpcroutes", want: APIRequestCounts{}},
		{name: "no such metric", text: "# TYPE up gauge\nup 1\n", resource: "httproutes", want: APIRequestCounts{}},
		{name: "empty", text: "", resource: "httproutes", want: APIRequestCounts{}},
		{name: "not the text format", text: "<html>nope</html>\n", resource: "httproutes", wantErr: true},
		{name: "a bad value", text: `apiserver_request_total{resource="httproutes"} many` + "\n", resource: "httproutes", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseAPIRequestCounts(strings.NewReader(tc.text), tc.resource)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("no error; counts %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAPIRequestCountsSub(t *testing.T) {
	t.Parallel()
	before := APIRequestCounts{{"PUT", "status", "200"}: 10, {"GET", "", "200"}: 4}
	after := APIRequestCounts{{"PUT", "status", "200"}: 5010, {"GET", "", "200"}: 4, {"PUT", "status", "409"}: 2}
	got := after.Sub(before)
	want := APIRequestCounts{{"PUT", "status", "200"}: 5000, {"PUT", "status", "409"}: 2}
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	puts := got.Sum(func(r APIRequest) bool { return r.Verb == "PUT" })
	if puts != 5002 {
		t.Errorf("PUTs %d, want 5002", puts)
	}
	if s := got.String(); s != "PUT/status 200: 5000, PUT/status 409: 2" {
		t.Errorf("String() = %q", s)
	}
}

// FuzzParseAPIRequestCounts: any input gives counts or an error, never a
// panic.
func FuzzParseAPIRequestCounts(f *testing.F) {
	f.Add(`apiserver_request_total{code="200",resource="httproutes",subresource="status",verb="PUT"} 5` + "\n")
	f.Add("# TYPE apiserver_request_total counter\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		counts, err := parseAPIRequestCounts(strings.NewReader(text), "httproutes")
		if err == nil && counts == nil {
			t.Error("nil counts without an error")
		}
	})
}
