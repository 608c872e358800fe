package config

import (
	"fmt"
	"net/netip"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/firsthop/firsthop/model"
)

// policyAt is a decoded policy with the nodes it came from.
type policyAt struct {
	model.Policy
	path   string // "policies[i]"
	nameAt *yaml.Node
}

// policyRef is one policy name a listener or route gives, where it is
// written.
type policyRef struct {
	name string
	path string
	at   *yaml.Node
}

// policies decodes the top-level policies list.
func (d *decoder) policies(n *yaml.Node, path string, p *parsed) {
	items, ok := d.list(n, path, "policies")
	if !ok {
		return
	}
	for i, item := range items {
		if pol, ok := d.policy(item, index(path, i)); ok {
			p.policies = append(p.policies, pol)
		}
	}
}

// policy decodes one policy. ok is false when it has no usable name.
func (d *decoder) policy(n *yaml.Node, path string) (pol policyAt, ok bool) {
	f, ok := d.mapping(n, path, "a policy", "name", "allow", "deny", "rateLimit", "maxConcurrentRequests")
	if !ok {
		return pol, false
	}
	pol.path = path
	var denyAt []*yaml.Node
	if v := f.value("deny"); v != nil {
		pol.Deny, denyAt = d.policyPrefixes(v, f.sub("deny"))
	}
	if v := f.value("allow"); v != nil {
		var allowAt []*yaml.Node
		pol.Allow, allowAt = d.policyPrefixes(v, f.sub("allow"))
		for i, a := range pol.Allow {
			for j, dn := range pol.Deny {
				if a == dn {
					d.errorf(allowAt[i], "%s: %s is also denied (line %d): a prefix is either allowed or denied",
						index(f.sub("allow"), i), a, denyAt[j].Line)
				}
			}
		}
	}
	if v := f.value("rateLimit"); v != nil {
		d.rateLimit(v, f.sub("rateLimit"), &pol.Policy)
	}
	if v := f.value("maxConcurrentRequests"); v != nil {
		pol.MaxConcurrent, _ = d.integer(v, f.sub("maxConcurrentRequests"), 1, 1<<20)
	}
	v := f.value("name")
	if v == nil {
		d.errorf(n, "%s: name is required", path)
		return pol, false
	}
	pol.Name, ok = d.name(v, f.sub("name"))
	pol.nameAt = v
	if ok && len(pol.Allow) == 0 && len(pol.Deny) == 0 && pol.RateLimit == nil && pol.MaxConcurrent == 0 &&
		f.value("allow") == nil && f.value("deny") == nil && f.value("rateLimit") == nil && f.value("maxConcurrentRequests") == nil {
		d.errorf(n, "%s: policy %q has no rule: give allow, deny, rateLimit or maxConcurrentRequests", path, pol.Name)
	}
	return pol, ok
}

// policyPrefixes decodes an allow, deny or exempt list: CIDRs, at least
// one (an empty list would read as "nobody" or "everybody").
func (d *decoder) policyPrefixes(n *yaml.Node, path string) ([]netip.Prefix, []*yaml.Node) {
	out, at := d.prefixes(n, path)
	if n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		d.errorf(n, "%s: empty list: give at least one CIDR, or leave the key out", path)
	}
	return out, at
}

// rateLimit decodes a policy's rateLimit mapping into pol.
func (d *decoder) rateLimit(n *yaml.Node, path string, pol *model.Policy) {
	f, ok := d.mapping(n, path, "rate limit settings", "requestsPerSecond", "requestsPerMinute", "burst", "ipv6Prefix", "exempt", "status")
	if !ok {
		return
	}
	rl := &model.RateLimit{}
	perSecond, perMinute := f.value("requestsPerSecond"), f.value("requestsPerMinute")
	switch {
	case perSecond != nil && perMinute != nil:
		d.errorf(perMinute, "%s: give requestsPerSecond or requestsPerMinute, not both", f.sub("requestsPerMinute"))
	case perSecond != nil:
		rl.Requests, ok = d.integer(perSecond, f.sub("requestsPerSecond"), 1, 1<<30)
		rl.Per = time.Second
	case perMinute != nil:
		rl.Requests, ok = d.integer(perMinute, f.sub("requestsPerMinute"), 1, 1<<30)
		rl.Per = time.Minute
	default:
		d.errorf(n, "%s: requestsPerSecond or requestsPerMinute is required", path)
		ok = false
	}
	if v := f.value("burst"); v != nil {
		rl.Burst, _ = d.integer(v, f.sub("burst"), 1, 1<<30)
	}
	if v := f.value("ipv6Prefix"); v != nil {
		pol.IPv6Prefix, _ = d.integer(v, f.sub("ipv6Prefix"), 1, 128)
	}
	if v := f.value("exempt"); v != nil {
		pol.LimitExempt, _ = d.policyPrefixes(v, f.sub("exempt"))
	}
	if v := f.value("status"); v != nil {
		if s, sOK := d.integer(v, f.sub("status"), 100, 599); sOK {
			if s != 429 && s != 503 {
				d.errorf(v, "%s: %d: want 429 (the default) or 503 (what ingress-nginx answers)", f.sub("status"), s)
			}
			pol.LimitStatus = s
		}
	}
	if ok {
		pol.RateLimit = rl
	}
}

// policyNames decodes a listener's or route's policies: a list of names,
// at least one.
func (d *decoder) policyNames(n *yaml.Node, path string) []policyRef {
	items, ok := d.list(n, path, "policy names")
	if !ok {
		return nil
	}
	if len(items) == 0 {
		d.errorf(n, "%s: empty list: name at least one policy, or leave the key out", path)
	}
	var out []policyRef
	for i, item := range items {
		if name, ok := d.name(item, index(path, i)); ok {
			out = append(out, policyRef{name: name, path: index(path, i), at: item})
		}
	}
	return out
}

// names returns the names of refs.
func names(refs []policyRef) []string {
	if len(refs) == 0 {
		return nil
	}
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.name
	}
	return out
}

// checkPolicies checks that policy names are unique and that every name a
// listener or route gives is defined.
func (d *decoder) checkPolicies(p *parsed) {
	defined := firstByName(d, p.policies, func(pol policyAt) (string, string, *yaml.Node) { return pol.Name, pol.path, pol.nameAt })
	check := func(refs []policyRef) {
		for _, r := range refs {
			if _, ok := defined[r.name]; !ok {
				d.errorf(r.at, "%s: no policy is named %q%s", r.path, r.name, definedPolicies(p.policies))
			}
		}
	}
	for _, l := range p.listeners {
		check(l.policyRefs)
	}
	for _, r := range p.routes {
		check(r.policyRefs)
	}
}

func definedPolicies(ps []policyAt) string {
	if len(ps) == 0 {
		return " (the file defines no policies)"
	}
	s := " (defined:"
	for i, p := range ps {
		if i == 10 {
			return s + " ...)"
		}
		if i > 0 {
			s += ","
		}
		s += " " + p.Name
	}
	return s + ")"
}

// lintPolicies warns about a listener whose client addresses anyone can
// choose while an allowlist applies to its requests: a trusted prefix of
// length 0 (in its PROXY trustedCIDRs or in clientIP.trustedProxies)
// believes any client's claim, so the allowlist admits whoever asks.
func (d *decoder) lintPolicies(p *parsed) {
	allows := map[string]bool{}
	for _, pol := range p.policies {
		allows[pol.Name] = len(pol.Allow) > 0
	}
	routeAllow := ""
	for _, r := range p.routes {
		for _, ref := range r.policyRefs {
			if allows[ref.name] && routeAllow == "" {
				routeAllow = fmt.Sprintf("%s (policy %q)", ref.path, ref.name)
			}
		}
	}
	trustsAll := ""
	for i, pfx := range p.clientIP.TrustedProxies {
		if pfx.Bits() == 0 {
			trustsAll = index("clientIP.trustedProxies", i)
		}
	}
	for _, l := range p.listeners {
		trust := trustsAll
		for i, pfx := range l.ProxyProtocol.TrustedCIDRs {
			if pfx.Bits() == 0 {
				trust = index(l.path+".proxyProtocol.trustedCIDRs", i)
			}
		}
		if trust == "" {
			continue
		}
		allow := routeAllow
		for _, ref := range l.policyRefs {
			if allows[ref.name] {
				allow = fmt.Sprintf("%s (policy %q)", ref.path, ref.name)
			}
		}
		if allow != "" {
			d.warnf(l.nameAt, "%s: an allowlist applies (%s) but %s trusts every address: any client can claim an allowed IP",
				l.path, allow, trust)
		}
	}
}
