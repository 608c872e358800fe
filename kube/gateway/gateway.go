package gateway

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"

	"k8s.io/apimachinery/pkg/types"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/firsthop/firsthop/config"
	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// gatewayState is one Gateway of ours being translated.
type gatewayState struct {
	gw    *gatewayv1.Gateway
	nn    types.NamespacedName
	conds conditions

	// accepted: routes may attach to its accepted listeners.
	accepted bool
	// addrs are the addresses it is served on; addrOK is false when it
	// has none usable (Programmed False).
	addrs  []netip.Addr
	addrOK bool

	listeners []*listenerState
	// scopes by listener port, in first-listener order.
	scopes []*scopeState

	// params are its class's client-IP parameters; nil for none.
	params *config.GatewayParameters
}

// listenerState is one listener of a Gateway.
type listenerState struct {
	spec     *gatewayv1.Listener
	hostname string
	bind     uint16
	kinds    []gatewayv1.RouteGroupKind
	conds    conditions
	// accepted: routes may attach; programmed: it is served.
	accepted   bool
	programmed bool
	attached   int32
	certs      []model.Certificate
	scope      *scopeState
}

// scopeState is a Scope being built, with the route keys it holds.
type scopeState struct {
	Scope
	keys  map[model.RouteKey]bool
	hosts map[string]bool
}

// Route kinds a listener can serve, in the order supportedKinds lists them.
const (
	kindHTTPRoute = "HTTPRoute"
	kindGRPCRoute = "GRPCRoute"
)

// scopeName returns the model scope name of a Gateway port:
// "gateway/<namespace>/<name>:<port>", after the kube package's rule on
// names (the processor's name, then "/"); its listeners' names start
// with it.
func scopeName(nn types.NamespacedName, port int32) string {
	return "gateway/" + nn.Namespace + "/" + nn.Name + ":" + strconv.Itoa(int(port))
}

// gateways decides, for the Gateways of served classes of ours (see
// [translator.classes]), their addresses, their listeners' state and the
// scopes they are served in, with their class's parameters.
func (t *translator) gateways(all []*gatewayv1.Gateway, classes map[string]*config.GatewayParameters) {
	t.byName = make(map[types.NamespacedName]*gatewayState)
	var mine []*gatewayv1.Gateway
	for _, gw := range all {
		if _, ok := classes[string(gw.Spec.GatewayClassName)]; ok {
			mine = append(mine, gw)
		}
	}
	slices.SortFunc(mine, func(a, b *gatewayv1.Gateway) int { return olderFirst(a, b) })
	// taken is which Gateway binds each address and port first.
	taken := make(map[netip.AddrPort]types.NamespacedName)
	for _, gw := range mine {
		gs := &gatewayState{gw: gw, nn: types.NamespacedName{Namespace: gw.Namespace, Name: gw.Name}, conds: conditions{generation: gw.Generation},
			params: classes[string(gw.Spec.GatewayClassName)]}
		t.gws = append(t.gws, gs)
		t.byName[gs.nn] = gs
		t.gateway(gs, taken)
	}
}

// gateway decides one Gateway's state.
func (t *translator) gateway(gs *gatewayState, taken map[netip.AddrPort]types.NamespacedName) {
	gw := gs.gw
	acceptReason, acceptMsg := t.gatewayAddresses(gs)
	switch {
	case acceptReason != "":
	case gw.Spec.Infrastructure != nil && gw.Spec.Infrastructure.ParametersRef != nil:
		acceptReason, acceptMsg = string(gatewayv1.GatewayReasonInvalidParameters), "infrastructure.parametersRef is not supported"
	case gw.Spec.TLS != nil && (gw.Spec.TLS.Frontend != nil || gw.Spec.TLS.Backend != nil):
		acceptReason, acceptMsg = "UnsupportedValue", "spec.tls (client certificate validation, backend client certificates) is not supported"
	}

	for i := range gw.Spec.Listeners {
		gs.listeners = append(gs.listeners, t.listener(gs, &gw.Spec.Listeners[i]))
	}
	markConflicts(gs.listeners)
	if acceptReason == "" && gs.addrOK {
		t.claimPorts(gs, taken)
	}

	valid := 0
	for _, ls := range gs.listeners {
		if ls.conds.isTrue(string(gatewayv1.ListenerConditionAccepted)) && ls.conds.isTrue(string(gatewayv1.ListenerConditionResolvedRefs)) {
			valid++
		}
	}
	anyAccepted := slices.ContainsFunc(gs.listeners, func(ls *listenerState) bool {
		return ls.conds.isTrue(string(gatewayv1.ListenerConditionAccepted))
	})
	accepted := string(gatewayv1.GatewayConditionAccepted)
	switch {
	case acceptReason != "":
		gs.conds.set(accepted, false, acceptReason, acceptMsg)
	case !anyAccepted:
		gs.conds.set(accepted, false, string(gatewayv1.GatewayReasonListenersNotValid), "no listener is valid")
	case valid < len(gs.listeners):
		gs.conds.set(accepted, true, string(gatewayv1.GatewayReasonListenersNotValid), "some listeners are not valid; see their conditions")
		gs.accepted = true
	default:
		gs.conds.set(accepted, true, string(gatewayv1.GatewayReasonAccepted), "")
		gs.accepted = true
	}

	anyProgrammed := false
	for _, ls := range gs.listeners {
		ls.accepted = gs.accepted && ls.conds.isTrue(string(gatewayv1.ListenerConditionAccepted))
		// A listener whose allowedRoutes.kinds name an unknown kind
		// besides known ones is served for the known ones; one whose
		// certificates do not resolve is not served at all.
		certsOK := ls.spec.Protocol == gatewayv1.HTTPProtocolType || ls.certs != nil
		ls.programmed = ls.accepted && gs.addrOK && len(ls.kinds) > 0 && certsOK
		t.programListener(gs, ls)
		anyProgrammed = anyProgrammed || ls.programmed
	}

	programmed := string(gatewayv1.GatewayConditionProgrammed)
	switch {
	case !gs.accepted:
		gs.conds.set(programmed, false, string(gatewayv1.GatewayReasonInvalid), "the Gateway is not accepted")
	case !gs.addrOK:
		// set by gatewayAddresses
	case !anyProgrammed:
		gs.conds.set(programmed, false, string(gatewayv1.GatewayReasonInvalid), "no listener is programmed")
	default:
		gs.conds.set(programmed, true, string(gatewayv1.GatewayReasonProgrammed), "")
	}
}

// gatewayAddresses decides the addresses of gs. It returns the reason
// (UnsupportedAddress) and message when the Gateway cannot be accepted,
// and sets Programmed False when no address can be served.
func (t *translator) gatewayAddresses(gs *gatewayState) (reason, msg string) {
	programmed := string(gatewayv1.GatewayConditionProgrammed)
	assign := len(gs.gw.Spec.Addresses) == 0
	for _, a := range gs.gw.Spec.Addresses {
		if a.Type != nil && *a.Type != gatewayv1.IPAddressType {
			return string(gatewayv1.GatewayReasonUnsupportedAddress), fmt.Sprintf("address type %q is not supported (only IPAddress)", *a.Type)
		}
		if a.Value == "" {
			assign = true
			continue
		}
		ip, err := netip.ParseAddr(a.Value)
		if err != nil || ip.Zone() != "" {
			return string(gatewayv1.GatewayReasonUnsupportedAddress), fmt.Sprintf("address %q is not an IP address", a.Value)
		}
		ip = ip.Unmap()
		if t.opts.Usable != nil && !t.opts.Usable(ip) {
			gs.conds.set(programmed, false, string(gatewayv1.GatewayReasonAddressNotUsable), fmt.Sprintf("address %s cannot be served here", ip))
			return "", ""
		}
		if !slices.Contains(gs.addrs, ip) {
			gs.addrs = append(gs.addrs, ip)
		}
	}
	if assign {
		var ip netip.Addr
		ok := false
		if t.opts.Address != nil {
			ip, ok = t.opts.Address(gs.nn)
		}
		if !ok || !ip.IsValid() {
			gs.addrs = nil
			gs.conds.set(programmed, false, string(gatewayv1.GatewayReasonAddressNotAssigned), "no address is assigned to the Gateway yet")
			return "", ""
		}
		if ip = ip.Unmap(); !slices.Contains(gs.addrs, ip) {
			gs.addrs = append(gs.addrs, ip)
		}
	}
	gs.addrOK = true
	return "", ""
}

// listener decides a listener's own conditions (all but Conflicted and
// port ownership).
func (t *translator) listener(gs *gatewayState, l *gatewayv1.Listener) *listenerState {
	ls := &listenerState{spec: l, conds: conditions{generation: gs.gw.Generation}}
	accepted := string(gatewayv1.ListenerConditionAccepted)
	resolved := string(gatewayv1.ListenerConditionResolvedRefs)
	ls.conds.set(accepted, true, string(gatewayv1.ListenerReasonAccepted), "")
	ls.conds.set(resolved, true, string(gatewayv1.ListenerReasonResolvedRefs), "")

	if l.Protocol != gatewayv1.HTTPProtocolType && l.Protocol != gatewayv1.HTTPSProtocolType {
		ls.conds.set(accepted, false, string(gatewayv1.ListenerReasonUnsupportedProtocol),
			fmt.Sprintf("protocol %q is not supported (HTTP and HTTPS are)", l.Protocol))
		return ls
	}
	if l.Hostname != nil {
		h, err := model.RouteHost(string(*l.Hostname))
		if err != nil {
			ls.conds.set(accepted, false, string(gatewayv1.ListenerReasonUnsupportedValue), err.Error())
			return ls
		}
		ls.hostname = h
	}
	bind, ok := uint16(l.Port), l.Port > 0 && l.Port < 65536
	if ok && t.opts.Port != nil {
		bind, ok = t.opts.Port(int32(l.Port))
	}
	if !ok {
		ls.conds.set(accepted, false, string(gatewayv1.ListenerReasonPortUnavailable), fmt.Sprintf("port %d cannot be served", l.Port))
		return ls
	}
	ls.bind = bind

	ls.kinds, ok = routeKinds(l)
	if !ok {
		ls.conds.set(resolved, false, string(gatewayv1.ListenerReasonInvalidRouteKinds), "allowedRoutes.kinds names kinds other than HTTPRoute and GRPCRoute")
	}
	if l.Protocol == gatewayv1.HTTPSProtocolType {
		t.listenerCertificates(gs, ls)
	}
	return ls
}

// routeKinds returns the route kinds l accepts, and false when its
// allowedRoutes.kinds names others.
func routeKinds(l *gatewayv1.Listener) ([]gatewayv1.RouteGroupKind, bool) {
	group := gatewayv1.Group(gatewayv1.GroupName)
	if l.AllowedRoutes == nil || len(l.AllowedRoutes.Kinds) == 0 {
		return []gatewayv1.RouteGroupKind{{Group: &group, Kind: kindHTTPRoute}, {Group: &group, Kind: kindGRPCRoute}}, true
	}
	kinds := []gatewayv1.RouteGroupKind{}
	ok := true
	for _, k := range l.AllowedRoutes.Kinds {
		if (k.Group != nil && *k.Group != gatewayv1.GroupName) || (k.Kind != kindHTTPRoute && k.Kind != kindGRPCRoute) {
			ok = false
			continue
		}
		if !slices.ContainsFunc(kinds, func(x gatewayv1.RouteGroupKind) bool { return x.Kind == k.Kind }) {
			kinds = append(kinds, gatewayv1.RouteGroupKind{Group: &group, Kind: k.Kind})
		}
	}
	return kinds, ok
}

// listenerCertificates resolves the certificateRefs of an HTTPS listener.
func (t *translator) listenerCertificates(gs *gatewayState, ls *listenerState) {
	l := ls.spec
	accepted := string(gatewayv1.ListenerConditionAccepted)
	resolved := string(gatewayv1.ListenerConditionResolvedRefs)
	if l.TLS != nil && l.TLS.Mode != nil && *l.TLS.Mode != gatewayv1.TLSModeTerminate {
		ls.conds.set(accepted, false, string(gatewayv1.ListenerReasonUnsupportedValue), fmt.Sprintf("tls.mode %q is not supported on HTTPS listeners", *l.TLS.Mode))
		return
	}
	if l.TLS == nil || len(l.TLS.CertificateRefs) == 0 {
		ls.conds.set(resolved, false, string(gatewayv1.ListenerReasonInvalidCertificateRef), "an HTTPS listener needs tls.certificateRefs")
		return
	}
	if len(l.TLS.Options) > 0 {
		ls.conds.set(accepted, false, string(gatewayv1.ListenerReasonUnsupportedValue), "tls.options are not supported")
		return
	}
	var certs []model.Certificate
	for _, ref := range l.TLS.CertificateRefs {
		ns := gs.gw.Namespace
		if ref.Namespace != nil {
			ns = string(*ref.Namespace)
		}
		switch {
		case (ref.Group != nil && *ref.Group != "") || (ref.Kind != nil && *ref.Kind != "Secret"):
			ls.conds.set(resolved, false, string(gatewayv1.ListenerReasonInvalidCertificateRef),
				fmt.Sprintf("certificateRef %s is not a core Secret", ref.Name))
			return
		case !t.grants.permits("Gateway", gs.gw.Namespace, "", "Secret", ns, string(ref.Name)):
			ls.conds.set(resolved, false, string(gatewayv1.ListenerReasonRefNotPermitted),
				fmt.Sprintf("no ReferenceGrant in %s lets Gateways of %s use Secret %s", ns, gs.gw.Namespace, ref.Name))
			return
		}
		c, err := t.resolver.Certificate(ns, string(ref.Name))
		if err == nil && (c.Cert == nil || c.Cert.Leaf == nil) {
			err = errors.New("no parsed certificate")
		}
		if err != nil {
			ls.conds.set(resolved, false, string(gatewayv1.ListenerReasonInvalidCertificateRef),
				fmt.Sprintf("Secret %s/%s: %v", ns, ref.Name, err))
			return
		}
		// The listener's hostname, not the certificate's own names,
		// says which handshakes it serves; one without a hostname
		// serves every name no other listener of its port has.
		c.Names = []string{"*"}
		if ls.hostname != "" {
			c.Names = []string{ls.hostname}
		}
		certs = append(certs, c)
	}
	ls.certs = certs
}

// markConflicts sets every listener's Conflicted condition: all listeners
// on a port whose listeners disagree on the protocol, and those on one port
// sharing a hostname, are conflicted and not accepted.
func markConflicts(ls []*listenerState) {
	conflicted := string(gatewayv1.ListenerConditionConflicted)
	accepted := string(gatewayv1.ListenerConditionAccepted)
	for _, a := range ls {
		reason := ""
		for _, b := range ls {
			if a == b || a.spec.Port != b.spec.Port {
				continue
			}
			if a.spec.Protocol != b.spec.Protocol {
				reason = string(gatewayv1.ListenerReasonProtocolConflict)
				break
			}
			if a.hostname == b.hostname && reason == "" {
				reason = string(gatewayv1.ListenerReasonHostnameConflict)
			}
		}
		if reason == "" || !a.conds.isTrue(accepted) {
			a.conds.set(conflicted, false, string(gatewayv1.ListenerReasonNoConflicts), "")
			continue
		}
		a.conds.set(conflicted, true, reason, "another listener on this port conflicts with this one")
		a.conds.set(accepted, false, reason, "the listener conflicts with another on the same port")
	}
}

// claimPorts makes the listeners of gs PortUnavailable on the addresses
// and ports an older Gateway binds, and claims the others.
func (t *translator) claimPorts(gs *gatewayState, taken map[netip.AddrPort]types.NamespacedName) {
	accepted := string(gatewayv1.ListenerConditionAccepted)
	mine := make(map[netip.AddrPort]bool)
	for _, ls := range gs.listeners {
		if !ls.conds.isTrue(accepted) {
			continue
		}
		for _, a := range gs.addrs {
			ap := netip.AddrPortFrom(a, ls.bind)
			if owner, ok := taken[ap]; ok && !mine[ap] {
				ls.conds.set(accepted, false, string(gatewayv1.ListenerReasonPortUnavailable),
					fmt.Sprintf("%s is served by Gateway %s", ap, owner))
				break
			}
		}
	}
	for _, ls := range gs.listeners {
		if !ls.conds.isTrue(accepted) {
			continue
		}
		for _, a := range gs.addrs {
			ap := netip.AddrPortFrom(a, ls.bind)
			taken[ap] = gs.nn
			mine[ap] = true
		}
	}
}

// programListener sets a listener's Programmed condition and, when it is
// programmed, adds it to its port's scope.
func (t *translator) programListener(gs *gatewayState, ls *listenerState) {
	programmed := string(gatewayv1.ListenerConditionProgrammed)
	if !ls.programmed {
		ls.conds.set(programmed, false, string(gatewayv1.ListenerReasonInvalid), "the listener is not served; see its other conditions and the Gateway's")
		return
	}
	ls.conds.set(programmed, true, string(gatewayv1.ListenerReasonProgrammed), "")
	port := int32(ls.spec.Port)
	var sc *scopeState
	for _, s := range gs.scopes {
		if s.Port == port {
			sc = s
		}
	}
	if sc == nil {
		name := scopeName(gs.nn, port)
		spec := model.ScopeSpec{Name: name, Wildcards: model.WildcardSuffix}
		var proxyProtocol listen.Policy
		if p := gs.params; p != nil {
			spec.ClientIP, spec.Headers, proxyProtocol = p.ClientIP, p.Headers, p.ProxyProtocol
		}
		sc = &scopeState{
			Scope: Scope{Gateway: gs.nn, Port: port, Spec: spec},
			keys:  make(map[model.RouteKey]bool),
			hosts: make(map[string]bool),
		}
		for _, a := range gs.addrs {
			l := model.ListenerSpec{
				Name:    name + "@" + a.String(),
				Address: netip.AddrPortFrom(a, ls.bind).String(),
				TLS:     ls.spec.Protocol == gatewayv1.HTTPSProtocolType,
				H2C:     ls.spec.Protocol == gatewayv1.HTTPProtocolType,
				Scope:   name,

				ProxyProtocol: proxyProtocol,
			}
			if uint16(port) != ls.bind {
				l.PublicPort = uint16(port)
			}
			sc.Listeners = append(sc.Listeners, l)
		}
		gs.scopes = append(gs.scopes, sc)
	}
	ls.scope = sc
	for _, c := range ls.certs {
		c.Scope = sc.Spec.Name
		sc.Certificates = append(sc.Certificates, c)
	}
}

// statusValue returns the Gateway's status.
func (gs *gatewayState) statusValue() gatewayv1.GatewayStatus {
	st := gatewayv1.GatewayStatus{Conditions: gs.conds.list}
	if gs.addrOK {
		ip := gatewayv1.IPAddressType
		for _, a := range gs.addrs {
			st.Addresses = append(st.Addresses, gatewayv1.GatewayStatusAddress{Type: &ip, Value: a.String()})
		}
	}
	for _, ls := range gs.listeners {
		kinds := ls.kinds
		if kinds == nil {
			kinds = []gatewayv1.RouteGroupKind{}
		}
		st.Listeners = append(st.Listeners, gatewayv1.ListenerStatus{
			Name:           ls.spec.Name,
			SupportedKinds: kinds,
			AttachedRoutes: ls.attached,
			Conditions:     ls.conds.list,
		})
	}
	return st
}
