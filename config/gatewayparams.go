package config

import (
	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/clientip"
	"github.com/firsthop/firsthop/proxy/listen"
)

// GatewayParametersKey is the key of a GatewayClass's parameters ConfigMap
// whose value [ParseGatewayParameters] reads.
const GatewayParametersKey = "firsthop.yaml"

// GatewayParameters are the client-IP settings a GatewayClass gives its
// Gateways through spec.parametersRef (a ConfigMap holding this part of
// the configuration file's YAML under [GatewayParametersKey]):
//
//	clientIP:            # as in the file; whose forwarding headers are believed
//	  trustedProxies: [10.0.0.0/8]
//	  sources: [x-forwarded-for]
//	forwardedHeaders:    # as in the file; which headers backends get
//	  xRealIP: false
//	proxyProtocol:       # as a file listener's, for every listener of the Gateways
//	  mode: required
//	  trustedCIDRs: [10.0.0.0/8]
//
// A setting the document leaves out is the controller's: its
// configuration file's clientIP and forwardedHeaders, and no PROXY
// protocol. Within a mapping that is given, keys not set take the file's
// defaults, as in the file.
type GatewayParameters struct {
	// ClientIP is nil when the document has no clientIP.
	ClientIP *clientip.Policy
	// Headers is nil when the document has no forwardedHeaders.
	Headers *model.ForwardedHeaders
	// ProxyProtocol is the PROXY protocol policy of every listener of
	// the class's Gateways; the zero value (off) when not given.
	ProxyProtocol listen.Policy
	// Warnings are the lint findings (see [Config.Warnings]).
	Warnings []Diagnostic
}

// ParseGatewayParameters decodes and checks the client-IP settings of a
// GatewayClass. name is used in diagnostics (for example
// "ConfigMap firsthop/params, key firsthop.yaml"). On failure the error is
// [Errors], every problem with its line and column, as [Parse] gives
// them.
func ParseGatewayParameters(name string, data []byte) (*GatewayParameters, error) {
	d := &decoder{file: name}
	root := d.document(data)
	if root == nil {
		return nil, d.errors()
	}
	f, ok := d.mapping(root, "", "client-IP settings (clientIP, forwardedHeaders, proxyProtocol)",
		"clientIP", "forwardedHeaders", "proxyProtocol")
	if !ok {
		return nil, d.errors()
	}
	p := &parsed{clientIP: clientip.Policy{Headers: defaultSources()}, headers: defaultHeaders()}
	var l listenerAt // path "": its settings are at the top
	if n := f.value("clientIP"); n != nil {
		d.clientIP(n, "clientIP", p)
	}
	if n := f.value("forwardedHeaders"); n != nil {
		d.forwardedHeaders(n, "forwardedHeaders", p)
	}
	if n := f.value("proxyProtocol"); n != nil {
		d.proxyProtocol(n, "proxyProtocol", &l)
		d.checkProxyProtocol(l)
	}
	if len(d.errs) > 0 {
		return nil, d.errors()
	}
	d.lintClientIP(p)
	if f.value("proxyProtocol") != nil {
		d.lintListener(l)
	}
	sortDiagnostics(d.warns)
	out := &GatewayParameters{ProxyProtocol: l.ProxyProtocol, Warnings: d.warns}
	if f.value("clientIP") != nil {
		out.ClientIP = &p.clientIP
	}
	if f.value("forwardedHeaders") != nil {
		out.Headers = &p.headers
	}
	return out, nil
}
