package proxy

import (
	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/clientip"
)

// clientSettings are the client-IP policy and forwarding headers that
// requests of one scope are served with.
type clientSettings struct {
	clientIP *clientip.Policy
	headers  model.ForwardedHeaders
}

// newScopeClients returns the settings of the scopes that have client-IP
// settings of their own, each falling back to the table's (clientIP,
// headers) for the part it does not set; nil when no scope has any.
func newScopeClients(scopes []model.ScopeSpec, clientIP *clientip.Policy, headers model.ForwardedHeaders) map[string]*clientSettings {
	var out map[string]*clientSettings
	for _, sc := range scopes {
		if sc.ClientIP == nil && sc.Headers == nil {
			continue
		}
		cs := &clientSettings{clientIP: clientIP, headers: headers}
		if sc.ClientIP != nil {
			p := *sc.ClientIP
			cs.clientIP = &p
		}
		if sc.Headers != nil {
			cs.headers = *sc.Headers
		}
		if out == nil {
			out = make(map[string]*clientSettings)
		}
		out[sc.Name] = cs
	}
	return out
}

// clientOf returns the client-IP policy and forwarding headers of requests
// served on a listener of scope.
func (t *Table) clientOf(scope string) (*clientip.Policy, model.ForwardedHeaders) {
	if cs, ok := t.scopeClients[scope]; ok {
		return cs.clientIP, cs.headers
	}
	return &t.clientIP, t.headers
}
