package ingress

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/firsthop/firsthop/kube/internal/kubetest"
	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy"
)

// Class 7 of the hostile catalogue: the control plane. Whoever may write
// Ingresses, Services or EndpointSlices in one namespace may try to make
// the proxy interpret a value (a host, a path, an annotation) or connect
// somewhere it must not: loopback, link-local metadata services, the API
// server, the proxy's own admin port, another namespace's Services. Every
// such value is refused or taken literally, and the table still compiles.

// hostileNS is the namespace an attacker controls.
const hostileNS = "attacker"

// hostileIngress is an Ingress of our class in ns with one rule: host,
// path (Prefix unless typ says otherwise) to Service svc port 80.
func hostileIngress(ns, name, host, path string, typ networkingv1.PathType, svc string, annotations map[string]string) *networkingv1.Ingress {
	return kubetest.Ingress(ns, name, host, path, svc, kubetest.PathType(typ), kubetest.PortNumber(80), kubetest.Annotations(annotations))
}

// translateHostile runs Translate and fails t unless the result compiles.
func translateHostile(t *testing.T, s Snapshot, o resolve.Options) (model.TableSpec, []resolve.Problem) {
	t.Helper()
	s.IngressClasses = append(s.IngressClasses, kubetest.Class(kubetest.ClassName, false))
	spec, problems := Translate(s, model.TableSpec{}, Options{}, o)
	if _, err := proxy.NewTable(spec); err != nil {
		t.Fatalf("Translate made a table proxy.NewTable refuses: %v\n%s", err, kubetest.Render(spec))
	}
	for _, p := range problems {
		if strings.ContainsAny(p.Message, "\n\r\x00") {
			t.Errorf("a problem message carries a raw control character from the object, which would forge a log line or an Event: %q", p.Message)
		}
	}
	return spec, problems
}

func hasReason(problems []resolve.Problem, reason string) bool {
	for _, p := range problems {
		if p.Reason == reason {
			return true
		}
	}
	return false
}

// TestHostileIngressHosts: hostile rule hosts are refused (the Ingress is
// skipped and reported), or taken literally in canonical form; a host is
// never read as something other than a host.
func TestHostileIngressHosts(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 10<<10) + ".example.com"
	refused := []struct{ name, host string }{
		{"a newline splitting two hosts", "shop.example.com\nadmin.example.com"},
		{"a CRLF and a header", "shop.example.com\r\nX-Forwarded-For: 6.6.6.6"},
		{"a double quote", `shop.example.com"`},
		{"a NUL", "shop.example.com\x00.admin"},
		{"10 kB", long},
		{"a port", "shop.example.com:8080"},
		{"a path", "shop.example.com/admin"},
		{"userinfo", "admin@shop.example.com"},
		{"a space", "shop example.com"},
		{"percent-encoding", "shop%2eexample.com"},
		{"a bare star", "*"},
		{"a star in a later label", "shop.*.example.com"},
		{"two stars", "*.*.example.com"},
		{"a star inside a label", "sh*p.example.com"},
		{"an IPv6 literal", "[::1]"},
		{"a non-ASCII letter", "shöp.example.com"},
		{"an empty label", "shop..example.com"},
		{"a label starting with a hyphen", "-shop.example.com"},
		{"a 64-character label", strings.Repeat("a", 64) + ".example.com"},
		{"only a dot", "."},
	}
	for _, c := range refused {
		t.Run("a host with "+c.name+" is refused", func(t *testing.T) {
			t.Parallel()
			spec, problems := translateHostile(t, Snapshot{
				Ingresses: []*networkingv1.Ingress{hostileIngress(hostileNS, "evil", c.host, "/", "", "web", nil)},
				Services:  []*corev1.Service{kubetest.Service(hostileNS, "web")},
			}, resolve.Options{})
			if len(spec.Routes) != 0 || !hasReason(problems, ReasonInvalidHost) {
				t.Errorf("got routes %v and problems %v, want none and %s", spec.Routes, problems, ReasonInvalidHost)
			}
		})
	}
	t.Run("an IPv4 literal host is refused", func(t *testing.T) {
		t.Parallel()
		// The API server refuses it too ("must be a DNS name, not an IP
		// address"), so only an object that skipped validation has one.
		spec, _ := translateHostile(t, Snapshot{
			Ingresses: []*networkingv1.Ingress{hostileIngress(hostileNS, "evil", "10.0.0.5", "/", "", "web", nil)},
			Services:  []*corev1.Service{kubetest.Service(hostileNS, "web")},
		}, resolve.Options{})
		if len(spec.Routes) != 0 {
			t.Errorf("host 10.0.0.5 is routed: %v", spec.Routes)
		}
	})
	literal := []struct{ name, host, want string }{
		{"upper case is lower-cased", "SHOP.Example.COM", "shop.example.com"},
		{"a trailing dot is dropped", "shop.example.com.", "shop.example.com"},
		{"a wildcard is one label", "*.example.com", "*.example.com"},
		{"an underscore is kept", "_dmarc.example.com", "_dmarc.example.com"},
	}
	for _, c := range literal {
		t.Run("a host with "+c.name, func(t *testing.T) {
			t.Parallel()
			spec, _ := translateHostile(t, Snapshot{
				Ingresses: []*networkingv1.Ingress{hostileIngress(hostileNS, "ok", c.host, "/", "", "web", nil)},
				Services:  []*corev1.Service{kubetest.Service(hostileNS, "web")},
			}, resolve.Options{})
			if len(spec.Routes) != 1 || spec.Routes[0].Host != c.want {
				t.Errorf("got routes %v, want one for host %q", spec.Routes, c.want)
			}
		})
	}
}

// TestHostileIngressPaths: hostile paths are refused, or taken literally:
// the route path is exactly the decoded path, never cleaned into another.
func TestHostileIngressPaths(t *testing.T) {
	t.Parallel()
	long := "/" + strings.Repeat("a", 10<<10)
	refused := []struct {
		name, path string
		typ        networkingv1.PathType
	}{
		{"a newline", "/shop\n/admin", ""},
		{"a CRLF", "/shop\r\nX-A: 1", ""},
		{"a NUL", "/shop\x00", ""},
		{"an encoded NUL", "/shop%00", ""},
		{"an encoded newline", "/shop%0a", ""},
		{"a dot-dot segment", "/shop/../admin", ""},
		{"an encoded dot-dot segment", "/shop/%2e%2e/admin", ""},
		{"an encoded slash", "/shop%2F..%2Fadmin", ""},
		{"a double slash", "//admin", ""},
		{"a query", "/shop?admin=1", ""},
		{"a fragment", "/shop#admin", ""},
		{"no leading slash", "admin", ""},
		{"bad percent-encoding", "/shop%zz", ""},
		{"an unknown path type", "/shop", "Regex"},
		{"an Exact dot segment", "/shop/.", networkingv1.PathTypeExact},
		// Unreachable: the proxy refuses request paths with ";" or "\"
		// that backends could read as another route's.
		{"an nginx snippet", "/shop;}location /admin{", networkingv1.PathTypeImplementationSpecific},
		{"path parameters", "/api/..;/admin", networkingv1.PathTypePrefix},
		{"a backslash", `/shop\admin`, networkingv1.PathTypeImplementationSpecific},
	}
	for _, c := range refused {
		t.Run("a path with "+c.name+" is refused", func(t *testing.T) {
			t.Parallel()
			spec, problems := translateHostile(t, Snapshot{
				Ingresses: []*networkingv1.Ingress{hostileIngress(hostileNS, "evil", "shop.example.com", c.path, c.typ, "web", nil)},
				Services:  []*corev1.Service{kubetest.Service(hostileNS, "web")},
			}, resolve.Options{})
			if len(spec.Routes) != 0 || !hasReason(problems, ReasonInvalidPath) {
				t.Errorf("got routes %v and problems %v, want none and %s", spec.Routes, problems, ReasonInvalidPath)
			}
		})
	}
	literal := []struct {
		name, path, want string
		typ              networkingv1.PathType
	}{
		{"a double quote", `/shop"admin`, `/shop"admin`, ""},
		{"10 kB", long, long, ""},
		{"an encoded letter is decoded", "/sh%6Fp", "/shop", ""},
		{"a regular expression is a literal prefix", "/shop/(.*)", "/shop/(.*)", networkingv1.PathTypeImplementationSpecific},
	}
	for _, c := range literal {
		t.Run("a path with "+c.name+" is taken literally", func(t *testing.T) {
			t.Parallel()
			spec, _ := translateHostile(t, Snapshot{
				Ingresses: []*networkingv1.Ingress{hostileIngress(hostileNS, "ok", "shop.example.com", c.path, c.typ, "web", nil)},
				Services:  []*corev1.Service{kubetest.Service(hostileNS, "web")},
			}, resolve.Options{})
			if len(spec.Routes) != 1 || spec.Routes[0].Path != c.want {
				t.Errorf("got routes %v, want one with path %q", spec.Routes, c.want)
			}
		})
	}
}

// TestHostileIngressAnnotations: annotations are configuration only where
// firsthop documents one (firsthop.io/locality); a bad value there is
// reported and ignored, and every other annotation, however hostile
// (ingress-nginx's configuration snippets among them, the way into
// CVE-2021-25742 and CVE-2025-1974), changes nothing.
func TestHostileIngressAnnotations(t *testing.T) {
	t.Parallel()
	base := func(annotations map[string]string) Snapshot {
		return Snapshot{
			Ingresses: []*networkingv1.Ingress{hostileIngress(hostileNS, "web", "shop.example.com", "/", "", "web", annotations)},
			Services:  []*corev1.Service{kubetest.Service(hostileNS, "web")},
			EndpointSlices: []*discoveryv1.EndpointSlice{
				kubetest.Slice(hostileNS, "web-1", "web", discoveryv1.AddressTypeIPv4, "10.1.0.5"),
			},
		}
	}
	plain, _ := translateHostile(t, base(nil), resolve.Options{})
	ignored := map[string]map[string]string{
		"an nginx configuration snippet": {
			"nginx.ingress.kubernetes.io/configuration-snippet": "location /admin { proxy_pass http://127.0.0.1:9901; }",
			"nginx.ingress.kubernetes.io/server-snippet":        "}\nserver { listen 9901; }",
		},
		"an nginx auth-url pointing at loopback": {"nginx.ingress.kubernetes.io/auth-url": "http://127.0.0.1:9901/debug"},
		"a rewrite target":                       {"nginx.ingress.kubernetes.io/rewrite-target": "/../admin"},
		"a backend protocol":                     {"nginx.ingress.kubernetes.io/backend-protocol": "FCGI"},
		"unknown firsthop annotations":           {"firsthop.io/upstream": "127.0.0.1:9901", "firsthop.io/trusted-proxies": "0.0.0.0/0"},
		"10 kB of value":                         {"example.com/big": strings.Repeat("x", 10<<10)},
		"a NUL and newlines":                     {"example.com/evil": "a\x00b\nc\r\n"},
	}
	for name, annotations := range ignored {
		t.Run(name+" changes nothing", func(t *testing.T) {
			t.Parallel()
			spec, problems := translateHostile(t, base(annotations), resolve.Options{})
			// Without the opt-in, ingress-nginx's annotations that guard
			// access are only named, in one warning.
			if len(problems) == 1 && problems[0].Reason == ReasonNginxAnnotationsIgnored {
				problems = nil
			}
			if !reflect.DeepEqual(spec, plain) || len(problems) != 0 {
				t.Errorf("got\n%s%v\nwant\n%s", kubetest.Render(spec), problems, kubetest.Render(plain))
			}
		})
	}
	// Read with ingress-nginx's meaning, a snippet or an auth-url closes
	// the Ingress: every route refuses every client.
	for _, name := range []string{"an nginx configuration snippet", "an nginx auth-url pointing at loopback"} {
		t.Run(name+" read with the opt-in closes the Ingress", func(t *testing.T) {
			t.Parallel()
			snap := base(ignored[name])
			snap.IngressClasses = []*networkingv1.IngressClass{kubetest.Class(kubetest.ClassName, false)}
			spec, _ := Translate(snap, model.TableSpec{}, Options{IngressNginxAnnotations: true}, resolve.Options{})
			deny := model.DenyAll(PolicyName(hostileNS, "web"))
			if len(spec.Routes) != 1 || !slices.Equal(spec.Routes[0].Policies, []string{deny.Name}) ||
				!reflect.DeepEqual(spec.Policies, []model.Policy{deny}) {
				t.Errorf("got routes %v, policies %v; want the one route denying all", spec.Routes, spec.Policies)
			}
		})
	}
	badLocality := map[string]string{
		"a newline":      "Local\nPreferLocal",
		"a double quote": `"Cluster"`,
		"a NUL":          "Cluster\x00",
		"10 kB":          strings.Repeat("Local", 2<<10),
		"another case":   "cluster",
	}
	for name, v := range badLocality {
		t.Run("a locality annotation with "+name+" is reported and ignored", func(t *testing.T) {
			t.Parallel()
			for _, on := range []string{"Ingress", "Service"} {
				s := base(nil)
				a := map[string]string{resolve.AnnotationLocality: v}
				if on == "Ingress" {
					s.Ingresses[0].Annotations = a
				} else {
					s.Services[0].Annotations = a
				}
				spec, problems := translateHostile(t, s, resolve.Options{})
				if !hasReason(problems, resolve.ReasonInvalidLocality) {
					t.Errorf("on the %s: problems %v, want %s", on, problems, resolve.ReasonInvalidLocality)
				}
				if spec.Backends[0].Locality != plain.Backends[0].Locality {
					t.Errorf("on the %s: locality %s, want the default %s", on, spec.Backends[0].Locality, plain.Backends[0].Locality)
				}
			}
		})
	}
	t.Run("a hostile ingress.class annotation does not make an Ingress ours", func(t *testing.T) {
		t.Parallel()
		ing := hostileIngress(hostileNS, "web", "shop.example.com", "/", "", "web", map[string]string{
			"kubernetes.io/ingress.class": "firsthop\nfirsthop",
		})
		ing.Spec.IngressClassName = nil
		spec, _ := translateHostile(t, Snapshot{Ingresses: []*networkingv1.Ingress{ing}}, resolve.Options{})
		if len(spec.Routes) != 0 {
			t.Errorf("got routes %v, want none", spec.Routes)
		}
	})
}

// refusedTarget is an address an attacker's backend must never get the
// proxy to connect to: loopback (the proxy's own listeners and admin
// port), link-local (cloud metadata), unspecified, multicast.
var refusedTargets = []struct{ name, addr string }{
	{"IPv4 loopback", "127.0.0.1"},
	{"another IPv4 loopback address", "127.10.20.30"},
	{"IPv6 loopback", "::1"},
	{"IPv4-mapped loopback", "::ffff:127.0.0.1"},
	{"the IPv4 unspecified address", "0.0.0.0"},
	{"the IPv6 unspecified address", "::"},
	{"the cloud metadata address", "169.254.169.254"},
	{"IPv6 link-local", "fe80::1"},
	{"a zoned IPv6 link-local", "fe80::1%eth0"},
	{"IPv4 multicast", "224.0.0.1"},
	{"IPv6 multicast", "ff02::1"},
}

// metadataGaps are cloud metadata services outside the link-local range,
// refused by address.
var metadataGaps = []struct{ name, addr string }{
	{"AWS's IPv6 instance metadata address", "fd00:ec2::254"},
	{"Alibaba Cloud's metadata address", "100.100.100.200"},
}

// hostileEndpoints returns the endpoint addresses of every backend.
func hostileEndpoints(spec model.TableSpec) []netip.AddrPort {
	var out []netip.AddrPort
	for _, b := range spec.Backends {
		for _, e := range b.Endpoints {
			out = append(out, e.Addr)
		}
	}
	return out
}

// TestHostileExternalName: an attacker's ExternalName Service is refused
// unless allowed; when allowed, no name or literal can make the proxy
// connect to a refused address, whatever the resolver answers.
func TestHostileExternalName(t *testing.T) {
	t.Parallel()
	route := func(svc *corev1.Service) Snapshot {
		return Snapshot{
			Ingresses: []*networkingv1.Ingress{hostileIngress(hostileNS, "evil", "shop.example.com", "/", "", svc.Name, nil)},
			Services:  []*corev1.Service{svc},
		}
	}
	t.Run("an ExternalName Service is refused by default", func(t *testing.T) {
		t.Parallel()
		spec, problems := translateHostile(t, route(kubetest.ExternalName(hostileNS, "ext", "192.0.2.10")), resolve.Options{})
		if eps := hostileEndpoints(spec); len(eps) != 0 || !hasReason(problems, resolve.ReasonExternalNameRefused) {
			t.Errorf("got endpoints %v and problems %v, want none and %s", eps, problems, resolve.ReasonExternalNameRefused)
		}
	})
	for _, c := range metadataGaps {
		t.Run("an allowed ExternalName of "+c.name+" is refused", func(t *testing.T) {
			t.Parallel()
			spec, _ := translateHostile(t, route(kubetest.ExternalName(hostileNS, "ext", c.addr)),
				resolve.Options{AllowExternalName: true, DNS: kubetest.DNS{}})
			if eps := hostileEndpoints(spec); len(eps) != 0 {
				t.Errorf("ExternalName %s reaches %v", c.addr, eps)
			}
		})
	}
	for _, c := range refusedTargets {
		t.Run("an allowed ExternalName of "+c.name+" is refused", func(t *testing.T) {
			t.Parallel()
			spec, problems := translateHostile(t, route(kubetest.ExternalName(hostileNS, "ext", c.addr)),
				resolve.Options{AllowExternalName: true, DNS: kubetest.DNS{}})
			if eps := hostileEndpoints(spec); len(eps) != 0 || !hasReason(problems, resolve.ReasonExternalNameUnresolved) {
				t.Errorf("got endpoints %v and problems %v, want none", eps, problems)
			}
		})
		t.Run("an allowed ExternalName name resolving to "+c.name+" is refused", func(t *testing.T) {
			t.Parallel()
			a, err := netip.ParseAddr(c.addr)
			if err != nil {
				t.Fatal(err)
			}
			r := kubetest.DNS{"evil.example.net": {a}}
			spec, _ := translateHostile(t, route(kubetest.ExternalName(hostileNS, "ext", "evil.example.net")),
				resolve.Options{AllowExternalName: true, DNS: r})
			if eps := hostileEndpoints(spec); len(eps) != 0 {
				t.Errorf("got endpoints %v, want none", eps)
			}
		})
	}
	t.Run("numeric spellings of loopback that a resolver maps to 127.0.0.1 are refused", func(t *testing.T) {
		t.Parallel()
		for _, name := range []string{"2130706433", "0x7f000001", "0177.0.0.1", "127.1", "localhost", "localhost."} {
			r := kubetest.DNS{name: {netip.MustParseAddr("127.0.0.1")}}
			spec, _ := translateHostile(t, route(kubetest.ExternalName(hostileNS, "ext", name)),
				resolve.Options{AllowExternalName: true, DNS: r})
			if eps := hostileEndpoints(spec); len(eps) != 0 {
				t.Errorf("%s: got endpoints %v, want none", name, eps)
			}
		}
	})
	t.Run("a name resolving to a mix keeps only the usable addresses", func(t *testing.T) {
		t.Parallel()
		r := kubetest.DNS{"mixed.example.net": {netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("169.254.169.254")}}
		spec, _ := translateHostile(t, route(kubetest.ExternalName(hostileNS, "ext", "mixed.example.net")),
			resolve.Options{AllowExternalName: true, DNS: r})
		if eps := hostileEndpoints(spec); len(eps) != 1 || eps[0] != netip.MustParseAddrPort("192.0.2.10:80") {
			t.Errorf("got endpoints %v, want only 192.0.2.10:80", eps)
		}
	})
	t.Run("an ExternalName with a port or a path is not taken for an address", func(t *testing.T) {
		t.Parallel()
		for _, name := range []string{"127.0.0.1:9901", "[::1]", "127.0.0.1/admin", "192.0.2.10\n127.0.0.1"} {
			spec, _ := translateHostile(t, route(kubetest.ExternalName(hostileNS, "ext", name)),
				resolve.Options{AllowExternalName: true, DNS: kubetest.DNS{}})
			if eps := hostileEndpoints(spec); len(eps) != 0 {
				t.Errorf("%q: got endpoints %v, want none", name, eps)
			}
		}
	})
	t.Run("an ExternalName naming the API server's Service is refused", func(t *testing.T) {
		t.Parallel()
		// What a cluster resolver answers for the API server's Service.
		apiServer := netip.MustParseAddr("10.96.0.1")
		kubernetes := kubetest.Service("default", "kubernetes")
		kubernetes.Spec.ClusterIP = apiServer.String()
		r := kubetest.DNS{"kubernetes.default.svc.cluster.local": {apiServer}, "kubernetes.default": {apiServer}}
		for _, name := range []string{"kubernetes.default.svc.cluster.local", "kubernetes.default", apiServer.String()} {
			s := route(kubetest.ExternalName(hostileNS, "ext", name))
			s.Services = append(s.Services, kubernetes)
			spec, _ := translateHostile(t, s, resolve.Options{AllowExternalName: true, DNS: r})
			if eps := hostileEndpoints(spec); len(eps) != 0 {
				t.Errorf("ExternalName %q reaches the API server at %v", name, eps)
			}
		}
	})
}

// TestHostileEndpointSlices: an attacker who may write EndpointSlices in
// its namespace (a Service without a selector and a hand-made slice) can
// point its own backend at any address; refused addresses are dropped,
// and no slice can add endpoints to another namespace's Service.
func TestHostileEndpointSlices(t *testing.T) {
	t.Parallel()
	route := func(slices ...*discoveryv1.EndpointSlice) Snapshot {
		return Snapshot{
			Ingresses:      []*networkingv1.Ingress{hostileIngress(hostileNS, "evil", "shop.example.com", "/", "", "web", nil)},
			Services:       []*corev1.Service{kubetest.Service(hostileNS, "web")},
			EndpointSlices: slices,
		}
	}
	for _, c := range refusedTargets {
		t.Run("a slice endpoint at "+c.name+" is dropped", func(t *testing.T) {
			t.Parallel()
			typ, good := discoveryv1.AddressTypeIPv4, "10.1.0.5"
			if strings.Contains(c.addr, ":") {
				typ, good = discoveryv1.AddressTypeIPv6, "2001:db8::5"
			}
			spec, _ := translateHostile(t, route(kubetest.Slice(hostileNS, "web-1", "web", typ, c.addr, good)), resolve.Options{})
			want := netip.AddrPortFrom(netip.MustParseAddr(good), 8080)
			if eps := hostileEndpoints(spec); len(eps) != 1 || eps[0] != want {
				t.Errorf("got endpoints %v, want only %v", eps, want)
			}
		})
	}
	t.Run("addresses that do not parse, or not as the slice's family, are dropped", func(t *testing.T) {
		t.Parallel()
		spec, _ := translateHostile(t, route(
			kubetest.Slice(hostileNS, "web-1", "web", discoveryv1.AddressTypeIPv4, "10.1.0.5 ", "010.1.0.6", "10.1.0.7/32", "2001:db8::7", "::ffff:10.1.0.8", "10.1.0.9\n127.0.0.1"),
			kubetest.Slice(hostileNS, "web-2", "web", discoveryv1.AddressTypeFQDN, "localhost"),
			kubetest.Slice(hostileNS, "web-3", "web", discoveryv1.AddressTypeIPv6, "10.1.0.10", "::ffff:127.0.0.1"),
		), resolve.Options{})
		if eps := hostileEndpoints(spec); len(eps) != 0 {
			t.Errorf("got endpoints %v, want none", eps)
		}
	})
	t.Run("a slice in the attacker's namespace cannot add endpoints to another namespace's Service", func(t *testing.T) {
		t.Parallel()
		s := route()
		s.Ingresses = append(s.Ingresses, hostileIngress("shop", "web", "victim.example.com", "/", "", "web", nil))
		s.Services = append(s.Services, kubetest.Service("shop", "web"))
		s.EndpointSlices = []*discoveryv1.EndpointSlice{
			kubetest.Slice("shop", "web-1", "web", discoveryv1.AddressTypeIPv4, "10.2.0.5"),
			// Labelled with the victim's Service name, in the attacker's
			// namespace.
			kubetest.Slice(hostileNS, "web-evil", "web", discoveryv1.AddressTypeIPv4, "192.0.2.66"),
		}
		spec, _ := translateHostile(t, s, resolve.Options{})
		for _, b := range spec.Backends {
			if strings.HasPrefix(b.Name, "shop/") {
				if len(b.Endpoints) != 1 || b.Endpoints[0].Addr != netip.MustParseAddrPort("10.2.0.5:8080") {
					t.Errorf("the victim's backend %s has endpoints %v, want only its own", b.Name, b.Endpoints)
				}
			}
		}
	})
	t.Run("an Ingress cannot name a Service in another namespace", func(t *testing.T) {
		t.Parallel()
		for _, svc := range []string{"kubernetes", "default/kubernetes", "../default/kubernetes", "kubernetes.default", "kubernetes.default.svc"} {
			s := Snapshot{
				Ingresses: []*networkingv1.Ingress{hostileIngress(hostileNS, "evil", "shop.example.com", "/", "", svc, nil)},
				Services:  []*corev1.Service{kubetest.Service("default", "kubernetes")},
				EndpointSlices: []*discoveryv1.EndpointSlice{
					kubetest.Slice("default", "kubernetes", "kubernetes", discoveryv1.AddressTypeIPv4, "10.0.0.1"),
				},
			}
			spec, problems := translateHostile(t, s, resolve.Options{})
			if eps := hostileEndpoints(spec); len(eps) != 0 {
				t.Errorf("backend service %q: got endpoints %v, want none (problems %v)", svc, eps, problems)
			}
		}
	})
	t.Run("a slice pointing at the proxy's own pod address is refused", func(t *testing.T) {
		t.Parallel()
		self := netip.MustParseAddr("10.1.0.9")
		s := route(kubetest.Slice(hostileNS, "web-1", "web", discoveryv1.AddressTypeIPv4, "10.1.0.9", "10.1.0.5"))
		spec, _ := translateHostile(t, s, resolve.Options{RefusedAddrs: []netip.Addr{self}})
		if eps := hostileEndpoints(spec); len(eps) != 1 || eps[0].Addr() != netip.MustParseAddr("10.1.0.5") {
			t.Errorf("got endpoints %v, want only 10.1.0.5:8080", eps)
		}
	})
	t.Run("a slice pointing at another Service's cluster IP is refused", func(t *testing.T) {
		t.Parallel()
		s := route(kubetest.Slice(hostileNS, "web-1", "web", discoveryv1.AddressTypeIPv4, "10.96.0.10"))
		dns := kubetest.Service("kube-system", "kube-dns")
		dns.Spec.ClusterIP, dns.Spec.ClusterIPs = "10.96.0.10", []string{"10.96.0.10"}
		s.Services = append(s.Services, dns)
		spec, _ := translateHostile(t, s, resolve.Options{})
		if eps := hostileEndpoints(spec); len(eps) != 0 {
			t.Errorf("got endpoints %v, want none", eps)
		}
	})
	t.Run("a slice pointing at the API server's endpoints is refused", func(t *testing.T) {
		t.Parallel()
		// The API server's own endpoints, as default/kubernetes lists them.
		s := route(kubetest.Slice(hostileNS, "web-1", "web", discoveryv1.AddressTypeIPv4, "10.0.0.1"))
		s.Services = append(s.Services, kubetest.Service("default", "kubernetes"))
		s.EndpointSlices = append(s.EndpointSlices, kubetest.Slice("default", "kubernetes", "kubernetes", discoveryv1.AddressTypeIPv4, "10.0.0.1"))
		spec, _ := translateHostile(t, s, resolve.Options{})
		if eps := hostileEndpoints(spec); len(eps) != 0 {
			t.Errorf("an attacker's slice reaches the API server at %v", eps)
		}
	})
}
