package ingress

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/firsthop/firsthop/kube/internal/kubetest"
	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy"
)

func TestParsePolicyAnnotations(t *testing.T) {
	t.Parallel()
	pfx := func(ss ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, s := range ss {
			out = append(out, netip.MustParsePrefix(s))
		}
		return out
	}
	const name = "Ingress ns/web"
	tests := []struct {
		name      string
		ann       map[string]string
		want      *model.Policy
		conflicts int
		err       string
	}{
		{"none", map[string]string{"other": "x"}, nil, 0, ""},
		{"firsthop allow and deny", map[string]string{AnnotationAllowSourceRange: " 10.0.0.0/8, 2001:db8::/32 ,", AnnotationDenySourceRange: "10.6.6.0/24"},
			&model.Policy{Name: name, Allow: pfx("10.0.0.0/8", "2001:db8::/32"), Deny: pfx("10.6.6.0/24")}, 0, ""},
		{"nginx whitelist, addresses and host bits", map[string]string{NginxWhitelistSourceRange: "192.0.2.7,10.1.2.3/8,::ffff:172.16.0.0/108"},
			&model.Policy{Name: name, Allow: pfx("192.0.2.7/32", "10.0.0.0/8", "172.16.0.0/12")}, 0, ""},
		{"nginx allowlist", map[string]string{NginxAllowlistSourceRange: "10.0.0.0/8"}, &model.Policy{Name: name, Allow: pfx("10.0.0.0/8")}, 0, ""},
		{"nginx denylist", map[string]string{NginxDenylistSourceRange: "10.0.0.0/8"}, &model.Policy{Name: name, Deny: pfx("10.0.0.0/8")}, 0, ""},
		{"both spellings: ours wins", map[string]string{AnnotationAllowSourceRange: "10.0.0.0/8", NginxWhitelistSourceRange: "0.0.0.0/0"},
			&model.Policy{Name: name, Allow: pfx("10.0.0.0/8")}, 1, ""},
		{"nginx rps: burst x5, 503", map[string]string{NginxLimitRPS: "10"},
			&model.Policy{Name: name, RateLimit: &model.RateLimit{Requests: 10, Per: time.Second, Burst: 50}, LimitStatus: 503}, 0, ""},
		{"nginx rpm with multiplier", map[string]string{NginxLimitRPM: "60", NginxLimitBurstMultiplier: "2"},
			&model.Policy{Name: name, RateLimit: &model.RateLimit{Requests: 60, Per: time.Minute, Burst: 120}, LimitStatus: 503}, 0, ""},
		{"nginx connections and exempt", map[string]string{NginxLimitConnections: "3", NginxLimitWhitelist: "10.1.0.0/16"},
			&model.Policy{Name: name, MaxConcurrent: 3, LimitExempt: pfx("10.1.0.0/16"), LimitStatus: 503}, 0, ""},
		{"nginx limit-allowlist", map[string]string{NginxLimitConnections: "3", NginxLimitAllowlist: "10.1.0.0/16"},
			&model.Policy{Name: name, MaxConcurrent: 3, LimitExempt: pfx("10.1.0.0/16"), LimitStatus: 503}, 0, ""},
		{"nginx zero is not set", map[string]string{NginxLimitRPS: "0", NginxWhitelistSourceRange: ""}, nil, 0, ""},
		{"firsthop limits: 429, own burst", map[string]string{AnnotationLimitRPS: "5", AnnotationLimitBurst: "7", AnnotationLimitConcurrent: "2", AnnotationLimitExemptSourceRange: "10.0.0.0/8"},
			&model.Policy{Name: name, RateLimit: &model.RateLimit{Requests: 5, Per: time.Second, Burst: 7}, MaxConcurrent: 2, LimitExempt: pfx("10.0.0.0/8")}, 0, ""},
		{"firsthop rps wins over nginx rps", map[string]string{AnnotationLimitRPS: "5", NginxLimitRPS: "100"},
			&model.Policy{Name: name, RateLimit: &model.RateLimit{Requests: 5, Per: time.Second}}, 1, ""},
		{"rps and rpm: the stricter", map[string]string{AnnotationLimitRPS: "5", AnnotationLimitRPM: "60"},
			&model.Policy{Name: name, RateLimit: &model.RateLimit{Requests: 60, Per: time.Minute}}, 1, ""},
		{"exempt alone makes nothing", map[string]string{NginxLimitWhitelist: "10.0.0.0/8"}, nil, 0, ""},
		{"bad CIDR", map[string]string{NginxWhitelistSourceRange: "10.0.0.0/8, 10.0.0.300/32"}, nil, 0, `annotation nginx.ingress.kubernetes.io/whitelist-source-range: "10.0.0.300/32" is not a CIDR`},
		{"zone", map[string]string{AnnotationDenySourceRange: "fe80::1%eth0"}, nil, 0, "is not a CIDR"},
		{"empty firsthop list", map[string]string{AnnotationAllowSourceRange: " , "}, nil, 0, "no CIDR given"},
		{"not a number", map[string]string{NginxLimitRPS: "ten"}, nil, 0, `annotation nginx.ingress.kubernetes.io/limit-rps: "ten" is not a whole number`},
		{"negative", map[string]string{NginxLimitConnections: "-1"}, nil, 0, "is not a whole number"},
		{"firsthop zero", map[string]string{AnnotationLimitRPS: "0"}, nil, 0, "is not a whole number from 1"},
		{"bad multiplier", map[string]string{NginxLimitRPS: "1", NginxLimitBurstMultiplier: "x"}, nil, 0, "limit-burst-multiplier"},
		{"burst without limit", map[string]string{AnnotationLimitBurst: "3"}, nil, 0, "given without"},
		{"allowed and denied", map[string]string{AnnotationAllowSourceRange: "10.0.0.0/8", AnnotationDenySourceRange: "10.0.0.0/8"}, nil, 0, "both allowed and denied"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, conflicts, err := parsePolicyAnnotations(name, tc.ann)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("policy = %+v\nwant %+v", got, tc.want)
			}
			if len(conflicts) != tc.conflicts {
				t.Errorf("conflicts = %q, want %d", conflicts, tc.conflicts)
			}
		})
	}
}

// policyIngress is an Ingress routing name.example.com/ to Service web,
// port 80, with annotations ann.
func policyIngress(name string, ann map[string]string) *networkingv1.Ingress {
	return kubetest.Ingress("shop", name, name+".example.com", "/", "web", kubetest.PortNumber(80), kubetest.Annotations(ann))
}

// TestTranslatePolicies: annotations make one policy per Ingress named by
// its routes, after the config file's; a malformed one fails closed.
func TestTranslatePolicies(t *testing.T) {
	t.Parallel()
	floor := model.Policy{Name: "edge-denylist", Deny: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}
	snap := Snapshot{IngressClasses: []*networkingv1.IngressClass{kubetest.Class(kubetest.ClassName, false)}, Ingresses: []*networkingv1.Ingress{
		policyIngress("open", nil),
		policyIngress("office", map[string]string{NginxWhitelistSourceRange: "10.0.0.0/8", NginxLimitRPS: "2",
			AnnotationAllowSourceRange: "10.0.0.0/16"}),
		policyIngress("broken", map[string]string{AnnotationAllowSourceRange: "10.0.0.0/8,not-a-cidr"}),
	}}
	spec, problems := Translate(snap, model.TableSpec{Policies: []model.Policy{floor}}, Options{WatchWithoutClass: true}, resolve.Options{})
	if _, err := proxy.NewTable(spec); err != nil {
		t.Fatal(err)
	}
	byHost := map[string][]string{}
	for _, r := range spec.Routes {
		byHost[r.Host] = r.Policies
	}
	if got := byHost["open.example.com"]; got != nil {
		t.Errorf("open: policies %v, want none", got)
	}
	if got := byHost["office.example.com"]; !reflect.DeepEqual(got, []string{"Ingress shop/office"}) {
		t.Errorf("office: policies %v", got)
	}
	if got := byHost["broken.example.com"]; !reflect.DeepEqual(got, []string{"Ingress shop/broken"}) {
		t.Errorf("broken: policies %v", got)
	}
	if len(spec.Policies) != 3 || spec.Policies[0].Name != "edge-denylist" {
		t.Fatalf("policies = %+v, want the file's first, then two", spec.Policies)
	}
	for _, p := range spec.Policies[1:] {
		switch p.Name {
		case "Ingress shop/broken":
			if !p.Equal(kubetest.Ptr(model.DenyAll(p.Name))) {
				t.Errorf("broken Ingress policy = %+v, want deny-all", p)
			}
		case "Ingress shop/office":
			if p.LimitStatus != 503 || p.RateLimit == nil || p.RateLimit.Burst != 10 || len(p.Allow) != 1 || p.Allow[0].Bits() != 16 {
				t.Errorf("office policy = %+v", p)
			}
		}
	}
	var reasons []string
	for _, p := range problems {
		if p.Reason == ReasonInvalidPolicy || p.Reason == ReasonPolicyAnnotationConflict {
			reasons = append(reasons, p.Object.Name+" "+p.Reason)
			if p.Reason == ReasonInvalidPolicy && !strings.Contains(p.Message, "answers 403") {
				t.Errorf("message %q does not say the routes answer 403", p.Message)
			}
		}
	}
	want := []string{"broken InvalidPolicyAnnotation", "office PolicyAnnotationConflict"} // Ingresses of one age by name
	if !reflect.DeepEqual(reasons, want) {
		t.Errorf("problems = %v, want %v", reasons, want)
	}
}

// FuzzPolicyAnnotations: whatever the annotations hold, the policy made is
// one the model accepts, a malformed value fails closed, and an allowlist
// parsed never admits more than its own prefixes.
func FuzzPolicyAnnotations(f *testing.F) {
	f.Add("10.0.0.0/8, 2001:db8::/32", "10.6.6.0/24", "10", "", "5", "3", "10.1.0.0/16")
	f.Add("", "", "0", "60", "", "", "")
	f.Add("1.2.3.4/33", "x", "-1", "1e3", "0", "99999999999", ",")
	f.Add("::ffff:1.2.3.4/120", "fe80::1%1", " 7 ", "+8", "0x10", "", "0.0.0.0/0")
	f.Fuzz(func(t *testing.T, allow, deny, rps, rpm, mult, conns, exempt string) {
		ann := map[string]string{}
		for k, v := range map[string]string{NginxWhitelistSourceRange: allow, AnnotationDenySourceRange: deny, NginxLimitRPS: rps,
			AnnotationLimitRPM: rpm, NginxLimitBurstMultiplier: mult, NginxLimitConnections: conns, NginxLimitWhitelist: exempt} {
			if v != "" {
				ann[k] = v
			}
		}
		ing := policyIngress("f", ann)
		pol, problems := ingressPolicy(ing)
		_, _, err := parsePolicyAnnotations(pol0Name, ann)
		if err != nil {
			if pol == nil || !pol.Equal(kubetest.Ptr(model.DenyAll(pol.Name))) {
				t.Fatalf("malformed annotations %v made %+v, want deny-all", ann, pol)
			}
			if len(problems) == 0 || problems[len(problems)-1].Reason != ReasonInvalidPolicy {
				t.Fatalf("malformed annotations %v: no InvalidPolicyAnnotation problem", ann)
			}
		}
		if pol == nil {
			return
		}
		spec := model.TableSpec{Policies: []model.Policy{*pol}}
		if err := spec.Validate(); err != nil {
			t.Fatalf("annotations %v made a policy the model refuses: %v", ann, err)
		}
		if err == nil && len(pol.Allow) > 0 {
			ranges, perr := parseSourceRanges(allow)
			if perr != nil || len(ranges) != len(pol.Allow) {
				t.Fatalf("allowlist %q: %v vs %v", allow, pol.Allow, ranges)
			}
		}
	})
}

const pol0Name = "Ingress shop/f"

// TestPolicyIngressDefaultBackendRefused: an Ingress with a client-address
// policy (an allowlist, or the deny-all its malformed annotations fail
// closed on) does not give the table its default backend, which takes no
// policies and would serve every client; the refusal is reported and its
// rules keep the policy.
func TestPolicyIngressDefaultBackendRefused(t *testing.T) {
	t.Parallel()
	for _, ann := range []map[string]string{
		{AnnotationAllowSourceRange: "10.0.0.0/8"},
		{AnnotationAllowSourceRange: "10.0.0.0/8,not-a-cidr"},
	} {
		ing := policyIngress("guarded", ann)
		ing.Spec.DefaultBackend = &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
			Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}
		snap := Snapshot{IngressClasses: []*networkingv1.IngressClass{kubetest.Class(kubetest.ClassName, false)},
			Ingresses: []*networkingv1.Ingress{ing}}
		spec, problems := Translate(snap, model.TableSpec{}, Options{WatchWithoutClass: true}, resolve.Options{})
		if spec.DefaultBackend != "" {
			t.Errorf("%v: default backend %q served, want none", ann, spec.DefaultBackend)
		}
		if len(spec.Routes) != 1 || !reflect.DeepEqual(spec.Routes[0].Policies, []string{"Ingress shop/guarded"}) {
			t.Errorf("%v: routes %+v, want the rule with the Ingress's policy (problems %+v)", ann, spec.Routes, problems)
		}
		refused := false
		for _, p := range problems {
			refused = refused || (p.Reason == ReasonInvalidBackend && strings.Contains(p.Message, "defaultBackend is not served"))
		}
		if !refused {
			t.Errorf("%v: no problem says the default backend is not served: %+v", ann, problems)
		}
	}
}
