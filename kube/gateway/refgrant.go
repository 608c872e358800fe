package gateway

import (
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// grantKey is what a ReferenceGrant permits: objects of kind from.Kind in
// namespace from.Namespace may refer to objects of kind to.Kind in the
// grant's namespace, named name ("" for any name).
type grantKey struct {
	fromGroup, fromKind, fromNamespace string
	toGroup, toKind, toNamespace       string
	name                               string
}

// grants is an index of ReferenceGrants.
type grants map[grantKey]bool

func indexGrants(all []*gatewayv1.ReferenceGrant) grants {
	g := make(grants)
	for _, rg := range all {
		for _, from := range rg.Spec.From {
			for _, to := range rg.Spec.To {
				k := grantKey{
					fromGroup: string(from.Group), fromKind: string(from.Kind), fromNamespace: string(from.Namespace),
					toGroup: string(to.Group), toKind: string(to.Kind), toNamespace: rg.Namespace,
				}
				if to.Name != nil {
					k.name = string(*to.Name)
				}
				g[k] = true
			}
		}
	}
	return g
}

// permits reports whether an object of fromKind (Gateway API group) in
// fromNamespace may refer to the object toNamespace/name of group toGroup
// and kind toKind. References within a namespace need no grant.
func (g grants) permits(fromKind, fromNamespace, toGroup, toKind, toNamespace, name string) bool {
	if fromNamespace == toNamespace {
		return true
	}
	k := grantKey{
		fromGroup: gatewayv1.GroupName, fromKind: fromKind, fromNamespace: fromNamespace,
		toGroup: toGroup, toKind: toKind, toNamespace: toNamespace,
	}
	if g[k] {
		return true
	}
	k.name = name
	return g[k]
}
