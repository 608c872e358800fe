package nginx

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// The ingress-nginx ConfigMap keys that decide the client IP.
var clientIPKeys = []string{"use-forwarded-headers", "compute-full-forwarded-for", "proxy-real-ip-cidr", "use-proxy-protocol", "enable-real-ip", "forwarded-for-header"}

// ClientIP is firsthop's client-IP configuration for what an
// ingress-nginx ConfigMap said (see [TranslateConfigMap]).
type ClientIP struct {
	// TrustedProxies is clientIP.trustedProxies: whose X-Forwarded-For is
	// believed. Never a prefix of length 0: see TrustedEveryone.
	TrustedProxies []netip.Prefix
	// Sources is clientIP.sources; empty when no header is read.
	Sources []string
	// ProxyProtocol puts proxyProtocol on the listener, mode required
	// with ProxyProtocolCIDRs, or optional with none when those would
	// have been everyone.
	ProxyProtocol      bool
	ProxyProtocolCIDRs []netip.Prefix
	// XForwardedFor is forwardedHeaders.xForwardedFor: "replace" (the
	// client IP only, as ingress-nginx writes it) or "append"
	// (compute-full-forwarded-for).
	XForwardedFor string
	// TrustedEveryone says that ingress-nginx trusted every address
	// (proxy-real-ip-cidr 0.0.0.0/0, its default) where it read the client
	// IP from a header or a PROXY header: any client could choose its IP.
	// The translation trusts nobody there instead.
	TrustedEveryone bool
}

// TranslateConfigMap translates the client-IP keys of ingress-nginx's
// ConfigMap (use-forwarded-headers, compute-full-forwarded-for,
// proxy-real-ip-cidr, use-proxy-protocol, enable-real-ip,
// forwarded-for-header) into firsthop's configuration, with a finding per
// key. Other keys get one Info finding naming them: migrate does not
// translate them.
//
// ingress-nginx's proxy-real-ip-cidr defaults to 0.0.0.0/0: with
// use-forwarded-headers, enable-real-ip or use-proxy-protocol on, every
// address was trusted. That is never carried over: the result trusts no
// one there, and a Warning finding says to list the load balancer's
// addresses.
func TranslateConfigMap(data map[string]string) (ClientIP, []Finding) {
	var out ClientIP
	var findings []Finding
	add := func(key string, s Severity, msg string) {
		findings = append(findings, Finding{Annotation: key, Severity: s, Message: msg})
	}
	flag := func(key string) bool {
		v, ok := data[key]
		if !ok || strings.TrimSpace(v) == "" {
			return false
		}
		b, err := parseBool(v)
		if err != nil {
			add(key, Error, err.Error()+"; read as false, as ingress-nginx reads it")
		}
		return b
	}
	headers := flag("use-forwarded-headers")
	realIP := flag("enable-real-ip")
	pp := flag("use-proxy-protocol")
	full := flag("compute-full-forwarded-for")

	cidrs := []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	if v, ok := data["proxy-real-ip-cidr"]; ok && strings.TrimSpace(v) != "" {
		list, err := ParseSourceRanges(v)
		if err != nil {
			add("proxy-real-ip-cidr", Error, err.Error()+"; nothing is trusted until it is fixed")
			list = nil
		}
		cidrs = list
	}
	everyone := slices.ContainsFunc(cidrs, func(p netip.Prefix) bool { return p.Bits() == 0 })
	trusted := cidrs
	if everyone {
		trusted = nil
	}
	_, cidrSet := data["proxy-real-ip-cidr"]
	everyoneMsg := func(what string) string {
		where := "proxy-real-ip-cidr is not set, and ingress-nginx's default is 0.0.0.0/0"
		if cidrSet {
			where = "proxy-real-ip-cidr holds a prefix of length 0"
		}
		return fmt.Sprintf("WARNING: ingress-nginx believed %s from every address (%s): any client could choose its IP, past allowlists and rate limits. firsthop trusts no one here; list your load balancer's addresses", what, where)
	}

	if headers || realIP {
		out.Sources = []string{"x-forwarded-for"}
		switch h := strings.TrimSpace(data["forwarded-for-header"]); {
		case h == "" || strings.EqualFold(h, "X-Forwarded-For"):
		case strings.EqualFold(h, "Forwarded"):
			add("forwarded-for-header", Difference, "firsthop reads RFC 7239 Forwarded (clientIP.sources: [forwarded]); list it only if your load balancer writes or strips it")
			out.Sources = []string{"forwarded"}
		default:
			add("forwarded-for-header", Warning, fmt.Sprintf("not served: firsthop reads the client IP from X-Forwarded-For or Forwarded only, not %s. Have the load balancer write X-Forwarded-For (most do), or send the PROXY protocol", h))
		}
		if everyone {
			out.TrustedEveryone = true
			add("proxy-real-ip-cidr", Warning, everyoneMsg("X-Forwarded-For")+" under clientIP.trustedProxies")
		} else if len(trusted) > 0 {
			add("proxy-real-ip-cidr", Info, "clientIP.trustedProxies: X-Forwarded-For is walked right to left, skipping these, as nginx's real_ip_recursive on does")
		}
		out.TrustedProxies = trusted
		key := "use-forwarded-headers"
		if !headers {
			key = "enable-real-ip"
		}
		add(key, Info, "the client IP is read from X-Forwarded-For sent by the trusted proxies (clientIP.trustedProxies)")
	} else {
		if _, ok := data["forwarded-for-header"]; ok {
			add("forwarded-for-header", Info, "has no effect without use-forwarded-headers or enable-real-ip, as in ingress-nginx")
		}
		if cidrSet && !pp {
			add("proxy-real-ip-cidr", Info, "has no effect without use-forwarded-headers, enable-real-ip or use-proxy-protocol, as in ingress-nginx")
		}
	}
	if pp {
		out.ProxyProtocol = true
		out.ProxyProtocolCIDRs = trusted
		if everyone {
			out.TrustedEveryone = true
			add("use-proxy-protocol", Warning, everyoneMsg("the PROXY protocol")+" under the listener's proxyProtocol.trustedCIDRs, then set mode: required")
		} else {
			add("use-proxy-protocol", Difference, "the listener requires the PROXY protocol from the proxy-real-ip-cidr peers and refuses other peers; ingress-nginx required it from every peer and believed only those")
		}
	}
	out.XForwardedFor = "replace"
	if full {
		if headers {
			out.XForwardedFor = "append"
			add("compute-full-forwarded-for", Difference, "forwardedHeaders.xForwardedFor: append writes the trusted chain and this hop; what untrusted clients wrote is removed, where ingress-nginx passed it on")
		} else {
			add("compute-full-forwarded-for", Info, "has no effect without use-forwarded-headers, as in ingress-nginx")
		}
	}
	var other []string
	for k := range data {
		if !slices.Contains(clientIPKeys, k) {
			other = append(other, k)
		}
	}
	if len(other) > 0 {
		slices.Sort(other)
		add("(other keys)", Info, "not translated by migrate: "+strings.Join(other, ", ")+"; set their firsthop equivalents in the config file or on the Ingresses")
	}
	slices.SortStableFunc(findings, func(a, b Finding) int { return strings.Compare(a.Annotation, b.Annotation) })
	return out, findings
}

// ParseSourceRanges reads a comma-separated list of CIDRs or addresses
// as ingress-nginx reads proxy-real-ip-cidr and its source-range
// annotations: blanks around items and empty items are ignored, an
// address is its /32 or /128, host bits past the prefix length are
// cleared, IPv4-mapped IPv6 is read as IPv4, zones are refused, and a
// prefix listed twice is kept once. (kube/ingress's policy annotations
// read the same lists with a copy of this; it can call this instead.)
func ParseSourceRanges(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, e := range strings.Split(v, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		var p netip.Prefix
		if strings.Contains(e, "/") {
			var err error
			if p, err = netip.ParsePrefix(e); err != nil {
				return nil, fmt.Errorf("%q is not a CIDR", e)
			}
		} else {
			a, err := netip.ParseAddr(e)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR or an address", e)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Addr().Zone() != "" {
			return nil, fmt.Errorf("%q: a zone is not allowed", e)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		p = p.Masked()
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// YAML returns c as a firsthop configuration file for `firsthop ingress
// --config`: one listener (firsthop's default, 0.0.0.0:8080), clientIP
// and forwardedHeaders. Warnings are written as comments.
func (c ClientIP) YAML() string {
	var b strings.Builder
	list := func(ps []netip.Prefix) string {
		s := make([]string, len(ps))
		for i, p := range ps {
			s[i] = p.String()
		}
		return "[" + strings.Join(s, ", ") + "]"
	}
	b.WriteString("# firsthop ingress --config FILE: the client-IP settings translated from ingress-nginx's ConfigMap\n")
	b.WriteString("listeners:\n  - name: http\n    address: 0.0.0.0:8080\n")
	if c.ProxyProtocol {
		b.WriteString("    proxyProtocol:\n")
		if len(c.ProxyProtocolCIDRs) == 0 {
			b.WriteString("      # WARNING: ingress-nginx believed PROXY headers from every address. List your\n")
			b.WriteString("      # load balancer's addresses here, then set mode: required.\n")
			b.WriteString("      mode: optional\n      trustedCIDRs: []\n")
		} else {
			fmt.Fprintf(&b, "      mode: required\n      trustedCIDRs: %s\n", list(c.ProxyProtocolCIDRs))
		}
	}
	b.WriteString("clientIP:\n")
	if c.TrustedEveryone && len(c.Sources) > 0 {
		b.WriteString("  # WARNING: ingress-nginx believed X-Forwarded-For from every address (0.0.0.0/0).\n")
		b.WriteString("  # List your load balancer's addresses here: until then no header is believed.\n")
	}
	fmt.Fprintf(&b, "  trustedProxies: %s\n", list(c.TrustedProxies))
	fmt.Fprintf(&b, "  sources: [%s]\n", strings.Join(c.Sources, ", "))
	b.WriteString("forwardedHeaders:\n")
	fmt.Fprintf(&b, "  xForwardedFor: %s\n", c.XForwardedFor)
	b.WriteString("  xRealIP: true\n")
	return b.String()
}
