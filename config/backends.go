package config

import (
	"time"

	"gopkg.in/yaml.v3"

	"github.com/firsthop/firsthop/model"
)

// backendAt is a decoded backend with the nodes it came from.
type backendAt struct {
	model.Backend
	path       string     // "backends[i]"
	at         *yaml.Node // the list item
	nameAt     *yaml.Node
	localityAt *yaml.Node // nil when locality is not set
	affinityAt *yaml.Node // the affinity key; nil when not set
}

// backends decodes the backends list.
func (d *decoder) backends(n *yaml.Node, path string, p *parsed) {
	items, ok := d.list(n, path, "backends")
	if !ok {
		return
	}
	for i, item := range items {
		if b, ok := d.backend(item, index(path, i)); ok {
			p.backends = append(p.backends, b)
		}
	}
}

// backend decodes one backend. ok is false when it has no usable name.
func (d *decoder) backend(n *yaml.Node, path string) (b backendAt, ok bool) {
	f, ok := d.mapping(n, path, "a backend", "name", "locality", "endpoints", "echo", "timeouts", "protocol", "tls",
		"maxInflightPerEndpoint", "passiveHealth", "resolve", "affinity")
	if !ok {
		return b, false
	}
	b.at, b.path, b.Locality = n, path, model.LocalityPreferLocal
	if v := f.value("locality"); v != nil {
		if s, ok := d.text(v, f.sub("locality"), "Local, PreferLocal, PreferZone or Cluster"); ok {
			if l, err := model.ParseLocality(s); err != nil {
				d.errorf(v, "%s: %v", f.sub("locality"), err)
			} else {
				b.Locality, b.localityAt = l, v
			}
		}
	}
	if v := f.value("echo"); v != nil {
		b.Echo, _ = d.boolean(v, f.sub("echo"))
	}
	var namedAt []*yaml.Node
	if v := f.value("endpoints"); v != nil {
		b.Endpoints, b.Named, namedAt = d.endpoints(v, f.sub("endpoints"))
		if b.Echo && len(v.Content) > 0 {
			d.errorf(v, "%s: an echo backend takes no endpoints (the proxy serves it itself)", f.sub("endpoints"))
		}
	}
	if v := f.value("resolve"); v != nil {
		d.resolve(v, f.sub("resolve"), &b.Resolve)
		if len(b.Named) == 0 {
			d.errorf(f.key("resolve"), "%s: resolve settings need an endpoint given by DNS name (such as api.internal:9001)", f.sub("resolve"))
		}
	}
	for i, ne := range b.Named {
		if ne.Host == "localhost" && !b.Resolve.AllowLoopback {
			d.errorf(namedAt[i], "%s: localhost resolves to loopback addresses, which a name may reach only with resolve: {allowLoopback: true}; or write 127.0.0.1:%d", path, ne.Port)
		}
	}
	if v := f.value("timeouts"); v != nil {
		d.timeouts(v, f.sub("timeouts"), &b.Backend)
	}
	if v := f.value("protocol"); v != nil {
		if s, ok := d.text(v, f.sub("protocol"), "http, h2c or https"); ok {
			if proto, err := model.ParseBackendProtocol(s); err != nil {
				d.errorf(v, "%s: %v", f.sub("protocol"), err)
			} else {
				b.Protocol = proto
			}
		}
	}
	if v := f.value("maxInflightPerEndpoint"); v != nil {
		b.MaxInflightPerEndpoint, _ = d.integer(v, f.sub("maxInflightPerEndpoint"), 0, 1<<20)
	}
	if v := f.value("passiveHealth"); v != nil {
		d.passiveHealth(v, f.sub("passiveHealth"), &b.PassiveHealth)
	}
	if v := f.value("tls"); v != nil {
		d.backendTLS(v, f.sub("tls"), &b.Backend)
		if b.Protocol != model.ProtocolHTTPS {
			d.errorf(v, "%s: TLS settings need protocol: https", f.sub("tls"))
		}
	}
	if v := f.value("affinity"); v != nil {
		b.Affinity, b.affinityAt = d.affinity(v, f.sub("affinity")), f.key("affinity")
		if b.Echo {
			d.errorf(f.key("affinity"), "%s: an echo backend has one endpoint, so there is nothing to keep a client on", f.sub("affinity"))
		}
	}
	if b.Protocol == model.ProtocolHTTPS && b.TLSServerName == "" {
		b.TLSServerName = soleName(b.Endpoints, b.Named)
	}
	v := f.value("name")
	if v == nil {
		d.errorf(n, "%s: name is required", path)
		return b, false
	}
	b.Name, ok = d.name(v, f.sub("name"))
	b.nameAt = v
	return b, ok
}

// soleName returns the DNS name every endpoint is given by, or "" when
// some endpoint is an IP address or the names differ. An https backend
// whose endpoints all come from one name verifies their certificates
// against that name unless tls.serverName says otherwise, as a client
// connecting to the name would.
func soleName(endpoints []model.Endpoint, named []model.NamedEndpoint) string {
	if len(endpoints) > 0 || len(named) == 0 {
		return ""
	}
	for _, ne := range named[1:] {
		if ne.Host != named[0].Host {
			return ""
		}
	}
	return named[0].Host
}

// endpoints decodes a backend's endpoints list into the endpoints given
// by IP address and those given by DNS name, with the YAML node of each of
// the latter. An address listed twice is an error.
func (d *decoder) endpoints(n *yaml.Node, path string) ([]model.Endpoint, []model.NamedEndpoint, []*yaml.Node) {
	items, ok := d.list(n, path, "endpoints")
	if !ok {
		return nil, nil, nil
	}
	var out []model.Endpoint
	var named []model.NamedEndpoint
	var namedAt []*yaml.Node
	seen := map[endpointAddr]*yaml.Node{}
	for i, item := range items {
		ipath := index(path, i)
		f, ok := d.mapping(item, ipath, "an endpoint {address, node, zone}", "address", "node", "zone")
		if !ok {
			continue
		}
		var e model.Endpoint
		if v := f.value("node"); v != nil {
			e.Node, _ = d.name(v, f.sub("node"))
		}
		if v := f.value("zone"); v != nil {
			e.Zone, _ = d.name(v, f.sub("zone"))
		}
		v := f.value("address")
		if v == nil {
			d.errorf(item, "%s: address is required (IP:port or name:port)", ipath)
			continue
		}
		s, ok := d.text(v, f.sub("address"), "an IP:port or name:port address")
		if !ok {
			continue
		}
		ea, err := parseEndpointAddr(s)
		if err != nil {
			d.errorf(v, "%s: %v", f.sub("address"), err)
			continue
		}
		if ea.Host == "" && ea.Addr.Addr().IsUnspecified() {
			d.errorf(v, "%s: %s is the unspecified address, which names no host", f.sub("address"), ea.Addr)
			continue
		}
		if first := seen[ea]; first != nil {
			d.errorf(v, "%s: %s is listed twice (first at line %d)", f.sub("address"), ea, first.Line)
			continue
		}
		seen[ea] = v
		if ea.Host != "" {
			named = append(named, model.NamedEndpoint{Host: ea.Host, Port: ea.Port, Node: e.Node, Zone: e.Zone})
			namedAt = append(namedAt, v)
			continue
		}
		e.Addr = ea.Addr
		out = append(out, e)
	}
	return out, named, namedAt
}

// resolve decodes a backend's resolve mapping into p. The lookup timeout
// may not exceed the interval.
func (d *decoder) resolve(n *yaml.Node, path string, p *model.ResolvePolicy) {
	f, ok := d.mapping(n, path, "DNS resolution settings", "interval", "timeout", "allowLoopback")
	if !ok {
		return
	}
	if v := f.value("interval"); v != nil {
		if p.Interval, ok = d.duration(v, f.sub("interval")); ok && p.Interval < time.Second {
			d.errorf(v, "%s: %s is too short: at least 1s", f.sub("interval"), p.Interval)
			return
		}
	}
	if v := f.value("timeout"); v != nil {
		p.Timeout, _ = d.duration(v, f.sub("timeout"))
	}
	if v := f.value("allowLoopback"); v != nil {
		p.AllowLoopback, _ = d.boolean(v, f.sub("allowLoopback"))
	}
	if w := p.WithDefaults(); w.Timeout > w.Interval {
		d.errorf(n, "%s: timeout %s is longer than interval %s", path, w.Timeout, w.Interval)
	}
}

// timeouts decodes a backend's timeouts mapping into b.
func (d *decoder) timeouts(n *yaml.Node, path string, b *model.Backend) {
	f, ok := d.mapping(n, path, "backend timeouts", "connect", "responseHeader")
	if !ok {
		return
	}
	if v := f.value("connect"); v != nil {
		b.ConnectTimeout, _ = d.duration(v, f.sub("connect"))
	}
	if v := f.value("responseHeader"); v != nil {
		b.ResponseHeaderTimeout, _ = d.duration(v, f.sub("responseHeader"))
	}
}

// backendTLS decodes a backend's tls mapping into b, reading the CA
// bundle and the client certificate and key it names (PEM, relative to
// the configuration file) and checking them with the model's parsers.
func (d *decoder) backendTLS(n *yaml.Node, path string, b *model.Backend) {
	f, ok := d.mapping(n, path, "backend TLS settings", "serverName", "insecureSkipVerify", "rootCAsFile", "clientCertFile", "clientKeyFile")
	if !ok {
		return
	}
	if v := f.value("serverName"); v != nil {
		b.TLSServerName, _ = d.text(v, f.sub("serverName"), "a server name")
	}
	if v := f.value("insecureSkipVerify"); v != nil {
		b.TLSInsecureSkipVerify, _ = d.boolean(v, f.sub("insecureSkipVerify"))
	}
	if v := f.value("rootCAsFile"); v != nil {
		if b.TLSInsecureSkipVerify {
			d.errorf(f.key("rootCAsFile"), "%s: insecureSkipVerify accepts any certificate, so these roots would verify nothing: give one of them", f.sub("rootCAsFile"))
		} else if data, name, ok := d.readFile(v, f.sub("rootCAsFile"), "the CA bundle", maxPEMBytes); ok {
			if _, err := model.ParseRootCAs(data); err != nil {
				d.errorf(v, "%s: %s: %v", f.sub("rootCAsFile"), name, err)
			} else {
				b.TLSRootCAs = data
			}
		}
	}
	certAt, keyAt := f.value("clientCertFile"), f.value("clientKeyFile")
	switch {
	case certAt == nil && keyAt == nil:
	case certAt == nil:
		d.errorf(f.key("clientKeyFile"), "%s: clientKeyFile needs clientCertFile (the certificate chain presented with the key)", path)
	case keyAt == nil:
		d.errorf(f.key("clientCertFile"), "%s: clientCertFile needs clientKeyFile (the certificate's private key)", path)
	default:
		cert, certName, certOK := d.readFile(certAt, f.sub("clientCertFile"), "the client certificate", maxPEMBytes)
		key, keyName, keyOK := d.readFile(keyAt, f.sub("clientKeyFile"), "the client key", maxPEMBytes)
		if !certOK || !keyOK {
			return
		}
		if _, err := model.ParseClientCert(cert, key); err != nil {
			d.errorf(certAt, "%s: loading %s and %s: %v", f.sub("clientCertFile"), certName, keyName, err)
			return
		}
		b.TLSClientCert, b.TLSClientKey = cert, key
	}
}

// maxPEMBytes bounds a PEM file a backend names: a large CA bundle is a
// few hundred KiB.
const maxPEMBytes = 4 << 20

// passiveHealth decodes a backend's passiveHealth mapping into h.
func (d *decoder) passiveHealth(n *yaml.Node, path string, h *model.PassiveHealth) {
	f, ok := d.mapping(n, path, "passive health settings", "failures", "ejection", "maxEjection")
	if !ok {
		return
	}
	if v := f.value("failures"); v != nil {
		h.Failures, _ = d.integer(v, f.sub("failures"), 1, 1000)
	}
	if v := f.value("ejection"); v != nil {
		h.Ejection, _ = d.duration(v, f.sub("ejection"))
	}
	if v := f.value("maxEjection"); v != nil {
		h.MaxEjection, _ = d.duration(v, f.sub("maxEjection"))
	}
}
