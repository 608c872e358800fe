package ingress

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
)

// Policy annotations: on an Ingress, each applies to every path of it.
// firsthop's own names, and ingress-nginx's with ingress-nginx's meaning,
// so that a migrated Ingress keeps its protection. Where both spellings of
// one setting are set, firsthop's wins (and a PolicyAnnotationConflict
// problem says so).
const (
	AnnotationAllowSourceRange       = "firsthop.io/allow-source-range"        // comma-separated CIDRs
	AnnotationDenySourceRange        = "firsthop.io/deny-source-range"         // comma-separated CIDRs
	AnnotationLimitRPS               = "firsthop.io/limit-rps"                 // requests per second per client
	AnnotationLimitRPM               = "firsthop.io/limit-rpm"                 // requests per minute per client
	AnnotationLimitBurst             = "firsthop.io/limit-burst"               // requests at once; default one second's worth
	AnnotationLimitConcurrent        = "firsthop.io/limit-concurrent"          // requests in flight per client
	AnnotationLimitExemptSourceRange = "firsthop.io/limit-exempt-source-range" // comma-separated CIDRs never limited

	NginxWhitelistSourceRange = "nginx.ingress.kubernetes.io/whitelist-source-range"
	NginxAllowlistSourceRange = "nginx.ingress.kubernetes.io/allowlist-source-range"
	NginxDenylistSourceRange  = "nginx.ingress.kubernetes.io/denylist-source-range"
	NginxLimitRPS             = "nginx.ingress.kubernetes.io/limit-rps"
	NginxLimitRPM             = "nginx.ingress.kubernetes.io/limit-rpm"
	NginxLimitBurstMultiplier = "nginx.ingress.kubernetes.io/limit-burst-multiplier" // burst = limit x this, default 5
	NginxLimitConnections     = "nginx.ingress.kubernetes.io/limit-connections"      // taken as requests in flight per client
	NginxLimitWhitelist       = "nginx.ingress.kubernetes.io/limit-whitelist"
	NginxLimitAllowlist       = "nginx.ingress.kubernetes.io/limit-allowlist"
)

const (
	nginxDefaultBurstMultiplier  = 5
	maxAnnotationLimit           = 1 << 30
	maxAnnotationBurstMultiplier = 1 << 10
)

// bothSet is the note on a setting given in both spellings.
func bothSet(ours, nginx string) string {
	return fmt.Sprintf("both %s and %s are set; %s is used", ours, nginx, ours)
}

// badNumber is the error of annotation key holding v, not a whole number
// from lo to hi.
func badNumber(key, v string, lo, hi int) error {
	return fmt.Errorf("annotation %s: %q is not a whole number from %d to %d", key, v, lo, hi)
}

// PolicyName is the name of the policy an Ingress's annotations make: it
// has a space, which no name in the config file may, so it never clashes
// with one there.
func PolicyName(namespace, name string) string {
	return "Ingress " + namespace + "/" + name
}

// ingressPolicy returns the policy ing's annotations make, nil when they
// make none, and the problems met. A malformed annotation (a bad CIDR, a
// value that is not a number) makes a policy refusing every client
// ([model.DenyAll]): the Ingress fails closed, never open because a list
// did not parse.
func ingressPolicy(ing *networkingv1.Ingress) (*model.Policy, []resolve.Problem) {
	pol, problems, err := parsePolicyAnnotations(PolicyName(ing.Namespace, ing.Name), ing.Annotations)
	out := make([]resolve.Problem, 0, len(problems)+1)
	for _, msg := range problems {
		out = append(out, resolve.Problem{Object: ingressRef(ing), Reason: ReasonPolicyAnnotationConflict, Message: msg})
	}
	if err != nil {
		out = append(out, resolve.Problem{Object: ingressRef(ing), Reason: ReasonInvalidPolicy, Message: err.Error() + "; every route of this Ingress answers 403 until it is fixed"})
		deny := model.DenyAll(PolicyName(ing.Namespace, ing.Name))
		return &deny, out
	}
	return pol, out
}

// parsePolicyAnnotations reads the policy annotations of annotations into
// a policy named name: nil when none is set. conflicts are notes on
// settings given in both spellings; err is the first malformed value.
func parsePolicyAnnotations(name string, annotations map[string]string) (pol *model.Policy, conflicts []string, err error) {
	// pick returns the value of ours, else of the first of nginx's names
	// that is set, and whether the value is ingress-nginx's.
	pick := func(ours string, nginx ...string) (key, value string, fromNginx, ok bool) {
		v, set := annotations[ours]
		for _, n := range nginx {
			nv, nset := annotations[n]
			if !nset {
				continue
			}
			if set {
				conflicts = append(conflicts, bothSet(ours, n))
				continue
			}
			if key == "" {
				key, value, fromNginx, ok = n, nv, true, true
			}
		}
		if set {
			return ours, v, false, true
		}
		return key, value, fromNginx, ok
	}
	p := model.Policy{Name: name}
	set := false
	ranges := func(dst *[]netip.Prefix, ours string, nginx ...string) error {
		key, v, fromNginx, ok := pick(ours, nginx...)
		if !ok {
			return nil
		}
		list, err := parseSourceRanges(v)
		if err != nil {
			return fmt.Errorf("annotation %s: %v", key, err)
		}
		if len(list) == 0 {
			if fromNginx {
				return nil // ingress-nginx reads an empty list as not set
			}
			return fmt.Errorf("annotation %s: no CIDR given", key)
		}
		*dst, set = list, true
		return nil
	}
	if err := ranges(&p.Allow, AnnotationAllowSourceRange, NginxWhitelistSourceRange, NginxAllowlistSourceRange); err != nil {
		return nil, conflicts, err
	}
	if err := ranges(&p.Deny, AnnotationDenySourceRange, NginxDenylistSourceRange); err != nil {
		return nil, conflicts, err
	}
	for _, a := range p.Allow {
		for _, d := range p.Deny {
			if a == d {
				return nil, conflicts, fmt.Errorf("annotations: %s is both allowed and denied", a)
			}
		}
	}
	rules := set // an exempt list alone is no rule
	if err := ranges(&p.LimitExempt, AnnotationLimitExemptSourceRange, NginxLimitWhitelist, NginxLimitAllowlist); err != nil {
		return nil, conflicts, err
	}
	set = rules
	// number reads a limit: from ingress-nginx's names "0" means not set,
	// as it does there; from ours a limit is at least 1.
	nginxLimits, ourLimits := 0, 0
	number := func(ours, nginx string) (int, error) {
		key, v, fromNginx, ok := pick(ours, nginx)
		if !ok {
			return 0, nil
		}
		min := 1
		if fromNginx {
			min = 0
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < min || n > maxAnnotationLimit {
			return 0, badNumber(key, v, min, maxAnnotationLimit)
		}
		if n > 0 {
			if fromNginx {
				nginxLimits++
			} else {
				ourLimits++
			}
		}
		return n, nil
	}
	rps, err := number(AnnotationLimitRPS, NginxLimitRPS)
	if err != nil {
		return nil, conflicts, err
	}
	rpm, err := number(AnnotationLimitRPM, NginxLimitRPM)
	if err != nil {
		return nil, conflicts, err
	}
	if p.MaxConcurrent, err = number(AnnotationLimitConcurrent, NginxLimitConnections); err != nil {
		return nil, conflicts, err
	}
	var rl *model.RateLimit
	switch {
	case rps > 0 && rpm > 0:
		// ingress-nginx enforces both; one bucket enforces the stricter.
		rl = &model.RateLimit{Requests: rps, Per: time.Second}
		if rpm < rps*60 {
			rl = &model.RateLimit{Requests: rpm, Per: time.Minute}
		}
		conflicts = append(conflicts, fmt.Sprintf("both a per-second and a per-minute limit are set; the stricter, %d per %s, is used", rl.Requests, rl.Per))
	case rps > 0:
		rl = &model.RateLimit{Requests: rps, Per: time.Second}
	case rpm > 0:
		rl = &model.RateLimit{Requests: rpm, Per: time.Minute}
	}
	if rl != nil {
		// ingress-nginx: burst = limit x multiplier (default 5); ours: an
		// absolute burst, default one second's worth.
		if v, ok := annotations[AnnotationLimitBurst]; ok {
			if _, nok := annotations[NginxLimitBurstMultiplier]; nok {
				conflicts = append(conflicts, bothSet(AnnotationLimitBurst, NginxLimitBurstMultiplier))
			}
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 || n > maxAnnotationLimit {
				return nil, conflicts, badNumber(AnnotationLimitBurst, v, 1, maxAnnotationLimit)
			}
			rl.Burst = n
		} else if nginxLimits > 0 && ourLimits == 0 || annotations[NginxLimitBurstMultiplier] != "" {
			mult := nginxDefaultBurstMultiplier
			if v, ok := annotations[NginxLimitBurstMultiplier]; ok {
				n, err := strconv.Atoi(strings.TrimSpace(v))
				if err != nil || n < 1 || n > maxAnnotationBurstMultiplier {
					return nil, conflicts, badNumber(NginxLimitBurstMultiplier, v, 1, maxAnnotationBurstMultiplier)
				}
				mult = n
			}
			rl.Burst = rl.Requests * mult
		}
		p.RateLimit, set = rl, true
	} else if v, ok := annotations[AnnotationLimitBurst]; ok {
		return nil, conflicts, fmt.Errorf("annotation %s: %q given without firsthop.io/limit-rps or limit-rpm", AnnotationLimitBurst, v)
	}
	if p.MaxConcurrent > 0 {
		set = true
	}
	if p.RateLimit == nil && p.MaxConcurrent == 0 {
		p.LimitExempt = nil // nothing to be exempt from
	}
	if !set {
		return nil, conflicts, nil
	}
	// Limits set by ingress-nginx's names answer 503, as ingress-nginx
	// did; firsthop's answer 429.
	if nginxLimits > 0 && ourLimits == 0 {
		p.LimitStatus = 503
	}
	return &p, conflicts, nil
}

// parseSourceRanges parses a comma-separated list of CIDRs or addresses,
// as ingress-nginx reads its source-range annotations: blanks around
// items and empty items are ignored, an address is its /32 or /128, and
// host bits past the prefix length are cleared. IPv4-mapped IPv6 is taken
// as IPv4; zones are refused.
func parseSourceRanges(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		var p netip.Prefix
		if strings.Contains(item, "/") {
			var err error
			if p, err = netip.ParsePrefix(item); err != nil {
				return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", item)
			}
		} else {
			a, err := netip.ParseAddr(item)
			if err != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", item)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
