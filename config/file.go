package config

import (
	"net/netip"

	"gopkg.in/yaml.v3"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/clientip"
)

// parsed is a decoded file: the typed values, with the YAML nodes they came
// from so that cross-checks and lint can point at them.
type parsed struct {
	root       *yaml.Node
	isMapping  bool // the top level is a mapping; false stops cross-checks
	node, zone string

	admin     Admin
	adminAt   *yaml.Node // the address value; nil when defaulted
	adminAddr netip.AddrPort

	listeners   []listenerAt
	listenersAt *yaml.Node // nil when absent or null

	clientIP  clientip.Policy
	trustAt   []*yaml.Node // one per clientIP.TrustedProxies entry
	sourcesAt *yaml.Node   // nil when sources is not set

	headers model.ForwardedHeaders

	routes   []routeAt
	backends []backendAt
	policies []policyAt

	defaultBackend string
	defaultAt      *yaml.Node

	certs      []model.Certificate
	certsAt    *yaml.Node  // nil when tls.certificates is not set
	certScopes []certScope // one per entry of tls.certificates, loaded or not
	files      []string    // certificate and key files read
}

// topKeys are the keys of the file's top-level mapping.
var topKeys = []string{"node", "zone", "admin", "listeners", "clientIP", "forwardedHeaders", "tls", "routes", "backends", "defaultBackend", "policies"}

// ingressOnlyFromAPI are the top-level keys that Kubernetes mode takes from
// Ingress resources instead of the file.
var ingressOnlyFromAPI = []string{"routes", "backends", "defaultBackend"}

// top decodes the top-level mapping, applying defaults for what is not set.
func (d *decoder) top(root *yaml.Node, opts Options) *parsed {
	p := &parsed{
		root:     root,
		admin:    Admin{Address: DefaultAdminAddress},
		clientIP: clientip.Policy{Headers: defaultSources()},
		headers:  defaultHeaders(),
	}
	p.adminAddr = netip.MustParseAddrPort(DefaultAdminAddress)
	f, ok := d.mapping(root, "", "a configuration", topKeys...)
	if !ok {
		return p
	}
	p.isMapping = true
	if n := f.value("node"); n != nil {
		p.node, _ = d.name(n, "node")
	}
	if n := f.value("zone"); n != nil {
		p.zone, _ = d.name(n, "zone")
	}
	if n := f.value("admin"); n != nil {
		d.admin(n, p)
	}
	if n := f.value("listeners"); n != nil {
		p.listenersAt = n
		d.listeners(n, "listeners", p)
	}
	if n := f.value("clientIP"); n != nil {
		d.clientIP(n, "clientIP", p)
	}
	if n := f.value("forwardedHeaders"); n != nil {
		d.forwardedHeaders(n, "forwardedHeaders", p)
	}
	if n := f.value("tls"); n != nil {
		d.tlsSettings(n, p)
	}
	if n := f.value("policies"); n != nil {
		d.policies(n, "policies", p)
	}
	if opts.Ingress {
		for _, k := range ingressOnlyFromAPI {
			if f.value(k) != nil {
				d.errorf(f.key(k), "%s: not allowed in Kubernetes ingress mode: routes, backends and the default backend come from Ingress resources", k)
			}
		}
		return p
	}
	if n := f.value("routes"); n != nil {
		d.routes(n, "routes", p)
	}
	if n := f.value("backends"); n != nil {
		d.backends(n, "backends", p)
	}
	if n := f.value("defaultBackend"); n != nil {
		if name, ok := d.name(n, "defaultBackend"); ok {
			p.defaultBackend, p.defaultAt = name, n
		}
	}
	return p
}

// name decodes a name (of a node, zone, listener or backend), see
// [checkName].
func (d *decoder) name(n *yaml.Node, path string) (string, bool) {
	s, ok := d.text(n, path, "a name")
	if !ok {
		return "", false
	}
	if err := checkName(s); err != nil {
		d.errorf(n, "%s: %v", path, err)
		return "", false
	}
	return s, true
}

// admin decodes the admin mapping.
func (d *decoder) admin(n *yaml.Node, p *parsed) {
	f, ok := d.mapping(n, "admin", "the admin server settings", "address")
	if !ok {
		return
	}
	v := f.value("address")
	if v == nil {
		return
	}
	s, ok := d.text(v, "admin.address", "an IP:port address")
	if !ok {
		return
	}
	if s == "" {
		d.errorf(v, `admin.address: must not be empty (omit it for the default %s)`, DefaultAdminAddress)
		return
	}
	ap, err := parseAddrPort(s, anyPort)
	if err != nil {
		d.errorf(v, "admin.address: %v", err)
		return
	}
	p.admin.Address, p.adminAt, p.adminAddr = ap.String(), v, ap
}

// build assembles the Config from a parsed file without errors.
func (p *parsed) build() *Config {
	cfg := &Config{
		Node:  p.node,
		Zone:  p.zone,
		Admin: p.admin,
		Table: model.TableSpec{
			Node:           p.node,
			Zone:           p.zone,
			ClientIP:       p.clientIP,
			Headers:        p.headers,
			DefaultBackend: p.defaultBackend,
			Certificates:   p.certs,
		},
		Files: p.files,
	}
	for _, l := range p.listeners {
		cfg.Listeners = append(cfg.Listeners, l.Listener)
	}
	for _, r := range p.routes {
		cfg.Table.Routes = append(cfg.Table.Routes, r.Route)
	}
	for _, b := range p.backends {
		cfg.Table.Backends = append(cfg.Table.Backends, b.Backend)
	}
	for _, pol := range p.policies {
		cfg.Table.Policies = append(cfg.Table.Policies, pol.Policy)
	}
	return cfg
}
