package proxy

import (
	"context"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/policy"
)

// compilePolicies compiles specs through reg, by name; nil when there are
// none.
func compilePolicies(specs []model.Policy, reg *policy.Registry) map[string]*policy.Policy {
	if len(specs) == 0 {
		return nil
	}
	m := make(map[string]*policy.Policy, len(specs))
	for _, p := range specs {
		m[p.Name] = reg.Compile(p)
	}
	return m
}

// samePolicies reports whether a and b are the same policies, in order.
func samePolicies(a, b []model.Policy) bool {
	return slices.EqualFunc(a, b, func(p, q model.Policy) bool { return p.Equal(&q) })
}

// lookupPolicies returns the compiled policies of names, in order; nil for
// none. A name missing from compiled (which Validate rules out for routes)
// gets a policy refusing everyone, so that a gap fails closed.
func lookupPolicies(names []string, compiled map[string]*policy.Policy) []*policy.Policy {
	if len(names) == 0 {
		return nil
	}
	out := make([]*policy.Policy, len(names))
	for i, n := range names {
		if out[i] = compiled[n]; out[i] == nil {
			out[i] = policy.Compile(model.DenyAll(n))
		}
	}
	return out
}

// policyList returns t's compiled policies.
func (t *Table) policyList() []*policy.Policy {
	out := make([]*policy.Policy, 0, len(t.policies))
	for _, p := range t.policies {
		out = append(out, p)
	}
	return out
}

// listenerPolicies is a listener's policies compiled for one table.
type listenerPolicies struct {
	table *Table
	list  []*policy.Policy
}

// policiesOf returns the listener's policies as compiled in t (see
// lookupPolicies: a name t lacks refuses everyone), nil when the listener
// names none. It is looked up once per table.
func (h *handler) policiesOf(t *Table) []*policy.Policy {
	if len(h.policyNames) == 0 {
		return nil
	}
	if c := h.policyCache.Load(); c != nil && c.table == t {
		return c.list
	}
	c := &listenerPolicies{table: t, list: lookupPolicies(h.policyNames, t.policies)}
	h.policyCache.Store(c)
	return c.list
}

// policyCache is the handler's last listenerPolicies.
type policyCache = atomic.Pointer[listenerPolicies]

// policyClient is the address policies judge st's request by: the
// resolver's client, normalised, else where the resolver started.
func (st *requestState) policyClient() netip.Addr {
	if st.fwd.res.Client.IsValid() {
		return st.fwd.res.Client
	}
	return st.fwd.start
}

// applyPolicies checks the listener's policies, then the route's, for
// st's request, and answers a refused request. It reports whether the
// request may go on. Either way, places in flight it took are recorded in
// st for releasePolicies, which the caller must defer.
func (h *handler) applyPolicies(w http.ResponseWriter, st *requestState, lists ...[]*policy.Policy) bool {
	a := st.policyClient()
	st.held = st.heldBuf[:0]
	for _, list := range lists {
		for _, p := range list {
			v := p.Check(a, st.began)
			if v.Held {
				st.held = append(st.held, p)
			}
			if v.Reason != policy.Passed {
				h.refuse(w, st, p, v)
				return false
			}
		}
	}
	return true
}

// releasePolicies gives back the places in flight st's request holds.
func (st *requestState) releasePolicies() {
	if len(st.held) == 0 {
		return
	}
	a := st.policyClient()
	for _, p := range st.held {
		p.Release(a)
	}
	st.held = nil
}

// refuse answers a request policy p refused with verdict v: 403, or the
// limit's status with Retry-After, and a body naming the policy.
func (h *handler) refuse(w http.ResponseWriter, st *requestState, p *policy.Policy, v policy.Verdict) {
	st.refusedBy, st.refusal = p.Name, v.Reason
	h.metrics.policyRefusal(h.listener, st.route, p.Name, v.Reason)
	if v.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(v.RetryAfter))
	}
	plainError(w, v.Status, "refused by policy "+strconv.Quote(p.Name)+": "+v.Why)
}

// policyRefusal counts a request policy refused for reason.
func (m *Metrics) policyRefusal(listener, route, policyName string, reason policy.Reason) {
	if m == nil {
		return
	}
	m.policyRefusals.Add(context.Background(), 1, metric.WithAttributes(
		attribute.String("listener", listener), attribute.String("route", route),
		attribute.String("policy", policyName), attribute.String("reason", reason.String())))
}
