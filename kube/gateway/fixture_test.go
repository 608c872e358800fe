package gateway

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net/netip"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// fixture is the objects of a testdata file: the Gateway API objects for
// the Snapshot, and the Services and Secrets the fake resolver answers
// from.
type fixture struct {
	snap       Snapshot
	services   map[types.NamespacedName]*corev1.Service
	secrets    map[types.NamespacedName]*corev1.Secret
	configMaps map[types.NamespacedName]*corev1.ConfigMap
}

// loadFixture reads a multi-document YAML file of Kubernetes objects, as
// the conformance suite's manifests are written ("{GATEWAY_CLASS_NAME}" is
// "firsthop"). Kinds the translator does not read (Deployments) are
// skipped.
func loadFixture(t testing.TB, paths ...string) *fixture {
	t.Helper()
	f := &fixture{services: map[types.NamespacedName]*corev1.Service{}, secrets: map[types.NamespacedName]*corev1.Secret{},
		configMaps: map[types.NamespacedName]*corev1.ConfigMap{}}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		data = bytes.ReplaceAll(data, []byte("{GATEWAY_CLASS_NAME}"), []byte("firsthop"))
		f.load(t, path, data)
	}
	if len(f.snap.GatewayClasses) == 0 {
		f.snap.GatewayClasses = []*gatewayv1.GatewayClass{{
			ObjectMeta: metav1.ObjectMeta{Name: "firsthop", Generation: 1},
			Spec:       gatewayv1.GatewayClassSpec{ControllerName: DefaultControllerName},
		}}
	}
	return f
}

// load adds the objects of one file.
func (f *fixture) load(t testing.TB, path string, data []byte) {
	t.Helper()
	for i, doc := range strings.Split(string(data), "\n---") {
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("%s: document %d: %v", path, i, err)
		}
		decode := func(into any) {
			if err := yaml.UnmarshalStrict([]byte(doc), into); err != nil {
				t.Fatalf("%s: document %d (%s): %v", path, i, meta.Kind, err)
			}
		}
		switch meta.Kind {
		case "GatewayClass":
			o := &gatewayv1.GatewayClass{}
			decode(o)
			f.snap.GatewayClasses = append(f.snap.GatewayClasses, o)
		case "Gateway":
			o := &gatewayv1.Gateway{}
			decode(o)
			f.snap.Gateways = append(f.snap.Gateways, o)
		case "HTTPRoute":
			o := &gatewayv1.HTTPRoute{}
			decode(o)
			f.snap.HTTPRoutes = append(f.snap.HTTPRoutes, o)
		case "GRPCRoute":
			o := &gatewayv1.GRPCRoute{}
			decode(o)
			f.snap.GRPCRoutes = append(f.snap.GRPCRoutes, o)
		case "ReferenceGrant":
			o := &gatewayv1.ReferenceGrant{}
			decode(o)
			f.snap.ReferenceGrants = append(f.snap.ReferenceGrants, o)
		case "Namespace":
			o := &corev1.Namespace{}
			decode(o)
			if o.Labels == nil {
				o.Labels = map[string]string{}
			}
			o.Labels["kubernetes.io/metadata.name"] = o.Name // as the API server adds it
			f.snap.Namespaces = append(f.snap.Namespaces, o)
		case "Service":
			o := &corev1.Service{}
			decode(o)
			f.services[types.NamespacedName{Namespace: o.Namespace, Name: o.Name}] = o
		case "Secret":
			o := &corev1.Secret{}
			decode(o)
			f.secrets[types.NamespacedName{Namespace: o.Namespace, Name: o.Name}] = o
		case "ConfigMap":
			o := &corev1.ConfigMap{}
			decode(o)
			f.configMaps[types.NamespacedName{Namespace: o.Namespace, Name: o.Name}] = o
		}
	}
}

// Service answers from the fixture's Services: one endpoint per port at
// 10.0.<n>.1 where n counts the Services by name, the protocol from the
// port's appProtocol.
func (f *fixture) Service(namespace, name string, port int32) (model.Backend, error) {
	svc := f.services[types.NamespacedName{Namespace: namespace, Name: name}]
	if svc == nil {
		return model.Backend{}, fmt.Errorf("Service %s/%s: %w", namespace, name, ErrNotFound)
	}
	for _, p := range svc.Spec.Ports {
		if p.Port != port {
			continue
		}
		b := model.Backend{Endpoints: []model.Endpoint{{Addr: netip.AddrPortFrom(netip.MustParseAddr("10.1.0.1"), uint16(p.TargetPort.IntValue()))}}}
		switch ap := ptrValue(p.AppProtocol); ap {
		case "", "http", "kubernetes.io/ws":
		case "kubernetes.io/h2c":
			b.Protocol = model.ProtocolH2C
		default:
			return model.Backend{}, fmt.Errorf("appProtocol %q: %w", ap, ErrUnsupportedProtocol)
		}
		return b, nil
	}
	return model.Backend{}, fmt.Errorf("port %d: %w", port, ErrNotFound)
}

// ConfigMap answers from the fixture's ConfigMaps.
func (f *fixture) ConfigMap(namespace, name string) (*corev1.ConfigMap, error) {
	cm := f.configMaps[types.NamespacedName{Namespace: namespace, Name: name}]
	if cm == nil {
		return nil, fmt.Errorf("ConfigMap %s/%s: %w", namespace, name, ErrNotFound)
	}
	return cm, nil
}

// Certificate answers from the fixture's Secrets: one whose tls.crt starts
// with a PEM header is the test certificate, any other is malformed.
func (f *fixture) Certificate(namespace, name string) (model.Certificate, error) {
	s := f.secrets[types.NamespacedName{Namespace: namespace, Name: name}]
	if s == nil {
		return model.Certificate{}, fmt.Errorf("Secret %s/%s: %w", namespace, name, ErrNotFound)
	}
	crt := s.StringData["tls.crt"]
	if crt == "" {
		crt = string(s.Data["tls.crt"])
	}
	if !strings.HasPrefix(crt, "-----BEGIN CERTIFICATE-----") {
		return model.Certificate{}, fmt.Errorf("tls.crt is not a PEM certificate")
	}
	return model.Certificate{Cert: testCert(), Names: []string{"ignored"}}, nil
}

func ptrValue[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

var testCert = sync.OnceValue(func() *tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"}, DNSNames: []string{"test.example"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<33, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
})

// testOptions gives each Gateway the address 192.0.2.<n>, n counting
// Gateways by namespace/name from 1, and treats 198.51.100.0/24 as not
// usable here.
func testOptions(snap Snapshot) Options {
	var names []types.NamespacedName
	for _, gw := range snap.Gateways {
		names = append(names, types.NamespacedName{Namespace: gw.Namespace, Name: gw.Name})
	}
	slices.SortFunc(names, func(a, b types.NamespacedName) int { return strings.Compare(a.String(), b.String()) })
	return Options{
		Address: func(nn types.NamespacedName) (netip.Addr, bool) {
			i := slices.Index(names, nn)
			if i < 0 || i > 250 {
				return netip.Addr{}, false
			}
			return netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)}), true
		},
		Usable: func(a netip.Addr) bool { return !netip.MustParsePrefix("198.51.100.0/24").Contains(a) },
	}
}

// render writes a Result as the text the golden files hold.
func render(res Result) string {
	var b strings.Builder
	for _, sc := range res.Scopes {
		fmt.Fprintf(&b, "scope %s\n", sc.Spec.Name)
		if p := sc.Spec.ClientIP; p != nil {
			fmt.Fprintf(&b, "  clientIP trustedProxies=%v sources=%v\n", p.TrustedProxies, p.Headers)
		}
		if h := sc.Spec.Headers; h != nil {
			fmt.Fprintf(&b, "  forwardedHeaders xForwardedFor=%s forwarded=%s xRealIP=%v\n", h.XForwardedFor, h.Forwarded, h.XRealIP)
		}
		for _, l := range sc.Listeners {
			fmt.Fprintf(&b, "  listener %s tls=%v h2c=%v publicPort=%d", l.Address, l.TLS, l.H2C, l.PublicPort)
			if pp := l.ProxyProtocol; pp.Mode != listen.ModeOff || len(pp.TrustedCIDRs) > 0 {
				fmt.Fprintf(&b, " proxyProtocol=%s trustedCIDRs=%v", pp.Mode, pp.TrustedCIDRs)
			}
			b.WriteString("\n")
		}
		for _, c := range sc.Certificates {
			fmt.Fprintf(&b, "  certificate names=%v", c.Names)
			if c.Scope != sc.Spec.Name {
				fmt.Fprintf(&b, " scope=%q (not its scope's)", c.Scope)
			}
			b.WriteString("\n")
		}
		for _, r := range sc.Routes {
			fmt.Fprintf(&b, "  route %s\n", renderRoute(r))
		}
	}
	for _, be := range res.Backends {
		fmt.Fprintf(&b, "backend %s protocol=%s endpoints=%d\n", be.Name, be.Protocol, len(be.Endpoints))
	}
	st := res.Status
	for _, name := range sortedKeys(st.GatewayClasses) {
		fmt.Fprintf(&b, "gatewayclass %s features=%d\n", name, len(st.GatewayClasses[name].SupportedFeatures))
		renderConds(&b, "  ", st.GatewayClasses[name].Conditions)
	}
	for _, nn := range sortedKeys(st.Gateways) {
		gs := st.Gateways[nn]
		var addrs []string
		for _, a := range gs.Addresses {
			addrs = append(addrs, a.Value)
		}
		fmt.Fprintf(&b, "gateway %s addresses=%v\n", nn, addrs)
		renderConds(&b, "  ", gs.Conditions)
		for _, l := range gs.Listeners {
			var kinds []string
			for _, k := range l.SupportedKinds {
				kinds = append(kinds, string(k.Kind))
			}
			fmt.Fprintf(&b, "  listener %s attached=%d kinds=%v\n", l.Name, l.AttachedRoutes, kinds)
			renderConds(&b, "    ", l.Conditions)
		}
	}
	for _, kind := range []struct {
		name string
		m    map[types.NamespacedName][]gatewayv1.RouteParentStatus
	}{{"httproute", st.HTTPRoutes}, {"grpcroute", st.GRPCRoutes}} {
		for _, nn := range sortedKeys(kind.m) {
			fmt.Fprintf(&b, "%s %s\n", kind.name, nn)
			for _, p := range kind.m[nn] {
				ref := p.ParentRef
				fmt.Fprintf(&b, "  parent %s/%s section=%s port=%d controller=%s\n", ptrValue(ref.Namespace), ref.Name,
					ptrValue(ref.SectionName), ptrValue(ref.Port), p.ControllerName)
				renderConds(&b, "    ", p.Conditions)
			}
		}
	}
	return b.String()
}

func renderConds(b *strings.Builder, indent string, cs []metav1.Condition) {
	for _, c := range cs {
		fmt.Fprintf(b, "%s%s=%s %s gen=%d", indent, c.Type, c.Status, c.Reason, c.ObservedGeneration)
		if c.Message != "" && c.Status != metav1.ConditionTrue || c.Reason == "ListenersNotValid" ||
			strings.HasPrefix(c.Message, "accepted with warnings") {
			fmt.Fprintf(b, " %q", c.Message)
		}
		b.WriteString("\n")
	}
}

func renderRoute(r model.Route) string {
	var b strings.Builder
	host := r.Host
	if host == "" {
		host = "*"
	}
	fmt.Fprintf(&b, "%s %s:%s", host, r.PathType, r.Path)
	if r.Method != "" {
		fmt.Fprintf(&b, " method=%s", r.Method)
	}
	for _, h := range r.Headers {
		fmt.Fprintf(&b, " header[%s %s %q]", h.Name, h.Type, h.Value)
	}
	for _, q := range r.Query {
		fmt.Fprintf(&b, " query[%s %s %q]", q.Name, q.Type, q.Value)
	}
	fmt.Fprintf(&b, " order=%d ->", r.Order)
	switch {
	case r.Backend != "":
		fmt.Fprintf(&b, " backend %s", r.Backend)
	case r.Split != nil:
		b.WriteString(" split[")
		for i, s := range r.Split {
			if i > 0 {
				b.WriteString(", ")
			}
			name := s.Backend
			if name == "" {
				name = "(500)"
			}
			fmt.Fprintf(&b, "%s=%d", name, s.Weight)
			if s.RequestHeaders != nil {
				fmt.Fprintf(&b, " req%s", renderMod(s.RequestHeaders))
			}
			if s.ResponseHeaders != nil {
				fmt.Fprintf(&b, " resp%s", renderMod(s.ResponseHeaders))
			}
		}
		b.WriteString("]")
	case r.Redirect != nil:
		rd := r.Redirect
		fmt.Fprintf(&b, " redirect %d scheme=%q host=%q port=%d", rd.Status, rd.Scheme, rd.Host, rd.Port)
		if rd.Path != nil {
			fmt.Fprintf(&b, " path=%v:%s", rd.Path.Type, rd.Path.Value)
		}
	case r.Respond != nil:
		fmt.Fprintf(&b, " respond %d", r.Respond.Status)
	}
	if r.RequestHeaders != nil {
		fmt.Fprintf(&b, " reqHeaders%s", renderMod(r.RequestHeaders))
	}
	if r.ResponseHeaders != nil {
		fmt.Fprintf(&b, " respHeaders%s", renderMod(r.ResponseHeaders))
	}
	if rw := r.Rewrite; rw != nil {
		fmt.Fprintf(&b, " rewrite host=%q", rw.Host)
		if rw.Path != nil {
			fmt.Fprintf(&b, " path=%v:%s", rw.Path.Type, rw.Path.Value)
		}
	}
	for _, m := range r.Mirror {
		fmt.Fprintf(&b, " mirror[%s %d%%]", m.Backend, m.Percent)
	}
	if r.Timeout != 0 || r.BackendTimeout != 0 {
		fmt.Fprintf(&b, " timeout=%s backendTimeout=%s", r.Timeout, r.BackendTimeout)
	}
	if c := r.CORS; c != nil {
		fmt.Fprintf(&b, " cors[origins=%q wildcards=%d methods=%q headers=%q expose=%q credentials=%t maxAge=%s]",
			c.AllowOrigins, c.OriginWildcards, c.AllowMethods, c.AllowHeaders, c.ExposeHeaders, c.AllowCredentials, c.MaxAge)
	}
	return b.String()
}

func renderMod(m *model.HeaderModifier) string {
	return fmt.Sprintf("{set=%v add=%v remove=%v}", m.Set, m.Add, m.Remove)
}

func sortedKeys[K comparable, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
	return keys
}
