package e2e

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// APIRequest is one kind of request kube-apiserver counts in
// apiserver_request_total: its verb ("GET", "PUT", "LIST", "WATCH", ...),
// subresource ("" or "status", ...) and response code ("200", "409", ...).
type APIRequest struct {
	Verb, Subresource, Code string
}

// String returns "VERB[/subresource] code".
func (r APIRequest) String() string {
	s := r.Verb
	if r.Subresource != "" {
		s += "/" + r.Subresource
	}
	return s + " " + r.Code
}

// APIRequestCounts are request counts by kind.
type APIRequestCounts map[APIRequest]int

// Sub returns the counts of c less those of before (the requests made in
// between, since the counters only grow), leaving out kinds with none.
func (c APIRequestCounts) Sub(before APIRequestCounts) APIRequestCounts {
	out := make(APIRequestCounts)
	for k, v := range c {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// Sum returns the total of the kinds for which keep is true.
func (c APIRequestCounts) Sum(keep func(APIRequest) bool) int {
	n := 0
	for k, v := range c {
		if keep(k) {
			n += v
		}
	}
	return n
}

// String lists the counts, sorted by kind: "GET 200: 3, PUT/status 200: 5000".
func (c APIRequestCounts) String() string {
	keys := slices.SortedFunc(maps.Keys(c), func(a, b APIRequest) int { return strings.Compare(a.String(), b.String()) })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, c[k])
	}
	return strings.Join(parts, ", ")
}

// parseAPIRequestCounts reads kube-apiserver's /metrics (the Prometheus
// text format) from r and returns its apiserver_request_total counters
// for resource (in any API group), by verb, subresource and code, summed
// over the other labels. Input that is not the text format is an error.
func parseAPIRequestCounts(r io.Reader, resource string) (APIRequestCounts, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver metrics: %w", err)
	}
	out := make(APIRequestCounts)
	f, ok := families["apiserver_request_total"]
	if !ok {
		return out, nil
	}
	for _, m := range f.GetMetric() {
		var req APIRequest
		res := ""
		for _, l := range m.GetLabel() {
			switch l.GetName() {
			case "resource":
				res = l.GetValue()
			case "verb":
				req.Verb = l.GetValue()
			case "subresource":
				req.Subresource = l.GetValue()
			case "code":
				req.Code = l.GetValue()
			}
		}
		if res != resource || m.GetCounter() == nil {
			continue
		}
		out[req] += int(m.GetCounter().GetValue())
	}
	return out, nil
}
