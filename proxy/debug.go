package proxy

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/clientip"
)

// debugTable is the JSON shape of /debug/table.
type debugTable struct {
	Generation     uint64         `json:"generation"`
	Node           string         `json:"node"`
	Zone           string         `json:"zone"`
	TrustedProxies []string       `json:"trustedProxies"`
	Sources        []string       `json:"sources"`
	Routes         []debugRoute   `json:"routes"`
	DefaultBackend string         `json:"defaultBackend,omitempty"`
	Backends       []debugBackend `json:"backends"`
	// Policies are the table's policies; routes name theirs.
	Policies []debugPolicy `json:"policies"`
	// Scopes are the table's named scopes and their settings; omitted
	// when there are none.
	Scopes []debugScope `json:"scopes,omitempty"`
}

// debugScope is one scope of the table (see [model.ScopeSpec]).
type debugScope struct {
	Name string `json:"name"`
	// Wildcards is "OneLabel" or "Suffix".
	Wildcards string `json:"wildcards"`
	// TrustedProxies and Sources are the scope's own client-IP policy,
	// and Headers its forwarding headers (X-Forwarded-For, Forwarded,
	// X-Real-IP); each omitted when the scope uses the table's.
	TrustedProxies []string `json:"trustedProxies,omitempty"`
	Sources        []string `json:"sources,omitempty"`
	Headers        []string `json:"headers,omitempty"`
}

type debugRoute struct {
	// Scope is the route's scope; omitted for the default scope.
	Scope    string `json:"scope,omitempty"`
	Host     string `json:"host"`
	Path     string `json:"path"`
	PathType string `json:"pathType"`
	// Method, Headers and Query are what the route matches beyond host
	// and path, and Order its tie-breaker (see the model's match.go);
	// omitted when none.
	Method  string       `json:"method,omitempty"`
	Headers []debugMatch `json:"headers,omitempty"`
	Query   []debugMatch `json:"query,omitempty"`
	Order   int          `json:"order,omitempty"`
	Backend string       `json:"backend"`
	// Policies are the route's, in the order they are checked (after
	// the listener's).
	Policies []string `json:"policies,omitempty"`
	// Action and Filters say briefly what the route does with a request
	// beyond forwarding it to Backend (see describeAction); empty for a
	// route that only forwards.
	Action  string   `json:"action,omitempty"`
	Filters []string `json:"filters,omitempty"`
}

// debugMatch is one header or query match of a route.
type debugMatch struct {
	Name string `json:"name"`
	// Type is "Exact", "RegularExpression" or "Present".
	Type  string `json:"type"`
	Value string `json:"value,omitempty"`
}

type debugBackend struct {
	Name     string `json:"name"`
	Locality string `json:"locality"`
	// Tiers lists the endpoint groups requests use, most preferred first.
	Tiers []debugTier `json:"tiers"`
}

type debugTier struct {
	Tier      string          `json:"tier"`
	Endpoints []debugEndpoint `json:"endpoints"`
}

type debugEndpoint struct {
	Address string `json:"address"`
	Node    string `json:"node,omitempty"`
	Zone    string `json:"zone,omitempty"`
	// State is the endpoint's readiness ("ready", "terminating"), or
	// "ejected" while passive health keeps requests away from it, until
	// EjectedUntil (RFC 3339).
	State        string `json:"state"`
	EjectedUntil string `json:"ejectedUntil,omitempty"`
	// ResolvedFrom is the DNS name the address came from, if any.
	ResolvedFrom string `json:"resolvedFrom,omitempty"`
}

// debugTable answers the current routing table as JSON.
func (s *Server) debugTable(w http.ResponseWriter, _ *http.Request) {
	t := s.table.Load()
	if t == nil {
		writeText(w, http.StatusServiceUnavailable, "no routing table yet\n")
		return
	}
	out := debugTable{
		Generation: t.generation, Node: t.node, Zone: t.zone,
		TrustedProxies: []string{}, Sources: []string{}, Routes: []debugRoute{}, Backends: []debugBackend{},
		DefaultBackend: t.spec.DefaultBackend,
	}
	for _, p := range t.clientIP.TrustedProxies {
		out.TrustedProxies = append(out.TrustedProxies, p.String())
	}
	for _, h := range t.clientIP.Headers {
		out.Sources = append(out.Sources, h.String())
	}
	for _, r := range t.spec.Routes {
		dr := debugRoute{Scope: r.Scope, Host: r.Host, Path: r.Path, PathType: r.PathType.String(), Method: r.Method, Order: r.Order,
			Backend: r.Backend, Policies: r.Policies}
		for _, h := range r.Headers {
			dr.Headers = append(dr.Headers, debugMatch{Name: h.Name, Type: h.Type.String(), Value: h.Value})
		}
		for _, q := range r.Query {
			dr.Query = append(dr.Query, debugMatch{Name: q.Name, Type: q.Type.String(), Value: q.Value})
		}
		dr.Action, dr.Filters = describeAction(&r)
		out.Routes = append(out.Routes, dr)
	}
	now := time.Now()
	for _, b := range t.backends {
		db := debugBackend{Name: b.name, Locality: b.policy.String(), Tiers: []debugTier{}}
		for i, g := range b.groups {
			dt := debugTier{Tier: b.tiers[i].String()}
			for _, ep := range g {
				de := debugEndpoint{Address: ep.Addr.String(), Node: ep.Node, Zone: ep.Zone, State: ep.State.String(),
					ResolvedFrom: ep.ResolvedFrom}
				if until, ejected := ep.state.ejectionEnd(now); ejected {
					de.State, de.EjectedUntil = "ejected", until.UTC().Format(time.RFC3339)
				}
				dt.Endpoints = append(dt.Endpoints, de)
			}
			db.Tiers = append(db.Tiers, dt)
		}
		out.Backends = append(out.Backends, db)
	}
	slices.SortFunc(out.Backends, func(a, b debugBackend) int { return strings.Compare(a.Name, b.Name) })
	out.Policies = debugPolicies(t)
	out.Scopes = debugScopes(t.spec.Scopes)
	writeJSON(w, out)
}

// debugDecision is the JSON shape of /debug/client-ip.
type debugDecision struct {
	Start       string     `json:"start"`
	StartSource string     `json:"startSource"`
	PeerTrusted bool       `json:"peerTrusted"`
	Header      string     `json:"header,omitempty"`
	Received    []string   `json:"received,omitempty"`
	Hops        []debugHop `json:"hops"`
	Client      string     `json:"client"`
	Source      string     `json:"source"`
	Stopped     string     `json:"stopped"`
	Explanation string     `json:"explanation"`
	// Policies are the verdicts of every policy that applies to the
	// request the query describes (listener, host, path), on Client.
	Policies []debugVerdict `json:"policies"`
}

type debugHop struct {
	Address string `json:"address"`
	Trusted bool   `json:"trusted"`
	Element string `json:"element,omitempty"`
}

// debugClientIP answers what the current table's client-IP policy decides
// for this request, and why. The walk starts at the query parameter
// "peer" (an IP address, as if the request had come from there) or else at
// the caller's own address; "proxy" names a PROXY header source instead.
// The request's own Forwarded and X-Forwarded-For headers are walked.
// The walk uses the client-IP policy of the listener "listener"'s scope
// (the table's when it is not given or has none of its own), and the
// policies that apply to a request on that listener for "host" and "path"
// (default "/") are explained for the client found.
func (s *Server) debugClientIP(w http.ResponseWriter, r *http.Request) {
	t := s.table.Load()
	if t == nil {
		writeText(w, http.StatusServiceUnavailable, "no routing table yet\n")
		return
	}
	start, source := netip.Addr{}, clientip.SourcePeer
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		start = ap.Addr()
	}
	q := r.URL.Query()
	for param, src := range map[string]clientip.Source{"peer": clientip.SourcePeer, "proxy": clientip.SourceProxyProtocol} {
		if v := q.Get(param); v != "" {
			a, err := netip.ParseAddr(v)
			if err != nil {
				writeText(w, http.StatusBadRequest, param+": not an IP address\n")
				return
			}
			start, source = a, src
		}
	}
	_, scope := s.listenerPolicies(q.Get("listener"))
	clientIP, _ := t.clientOf(scope)
	res := clientIP.Resolve(start, source, r.Header, nil)
	out := debugDecision{
		Start: clientip.Normalize(start).String(), StartSource: source.String(), PeerTrusted: res.PeerTrusted,
		Hops: []debugHop{}, Client: res.Client.String(), Source: res.Source.String(), Stopped: res.Stopped.String(),
	}
	if res.PeerTrusted {
		for _, h := range clientIP.Headers {
			if vals := r.Header.Values(headerName(h)); len(vals) > 0 {
				out.Header, out.Received = h.String(), vals
				break
			}
		}
	}
	// The walk believed Chain right to left; show it in that order.
	for i := len(res.Chain) - 1; i >= 0; i-- {
		hop := res.Chain[i]
		out.Hops = append(out.Hops, debugHop{Address: hop.Addr.String(), Trusted: clientIP.Trusted(hop.Addr), Element: hop.Element})
	}
	out.Explanation = explain(res, out)
	path := q.Get("path")
	if path == "" {
		path = "/"
	}
	out.Policies = s.debugPolicyVerdicts(t, res.Client, q.Get("listener"), q.Get("host"), path)
	writeJSON(w, out)
}

// debugScopes describes scopes for /debug/table.
func debugScopes(scopes []model.ScopeSpec) []debugScope {
	var out []debugScope
	for _, sc := range scopes {
		ds := debugScope{Name: sc.Name, Wildcards: "OneLabel"}
		if sc.Wildcards == model.WildcardSuffix {
			ds.Wildcards = "Suffix"
		}
		if p := sc.ClientIP; p != nil {
			ds.TrustedProxies, ds.Sources = []string{}, []string{}
			for _, pfx := range p.TrustedProxies {
				ds.TrustedProxies = append(ds.TrustedProxies, pfx.String())
			}
			for _, h := range p.Headers {
				ds.Sources = append(ds.Sources, h.String())
			}
		}
		if h := sc.Headers; h != nil {
			ds.Headers = []string{"X-Forwarded-For: " + h.XForwardedFor.String(), "Forwarded: " + h.Forwarded.String(),
				"X-Real-IP: " + strconv.FormatBool(h.XRealIP)}
		}
		out = append(out, ds)
	}
	return out
}

func headerName(h clientip.Header) string {
	if h == clientip.HeaderForwarded {
		return "Forwarded"
	}
	return "X-Forwarded-For"
}

// explain says in one sentence why the walk ended where it did.
func explain(res clientip.Result, d debugDecision) string {
	switch res.Stopped {
	case clientip.StopStartUntrusted:
		return d.Start + " is not in clientIP.trustedProxies, so it is the client and no header is read"
	case clientip.StopNoHeader:
		return d.Start + " is trusted but sent none of clientIP.sources, so it is the client"
	case clientip.StopUntrustedHop:
		return d.Client + " is the first address from the right that is not trusted"
	case clientip.StopExhausted:
		return "every address is trusted; the left-most one, " + d.Client + ", is the client"
	case clientip.StopHopLimit:
		return "the walk stopped after the hop limit; the last address reached is the client"
	}
	return "the walk stopped at an unusable entry (" + res.Stopped.String() + "); the last address reached, " + d.Client + ", is the client"
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
