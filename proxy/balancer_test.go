package proxy

import (
	"net/netip"
	"reflect"
	"testing"
)

func TestRankEndpoints(t *testing.T) {
	t.Parallel()
	ep := func(last byte, node, zone string, state EndpointState) Endpoint {
		return Endpoint{Addr: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, last}), 80), Node: node, Zone: zone, State: state}
	}
	hinted := func(e Endpoint, nodes, zones []string) Endpoint { e.ForNodes, e.ForZones = nodes, zones; return e }
	var (
		localA   = ep(1, "node-a", "zone-1", EndpointReady)
		zoneB    = ep(2, "node-b", "zone-1", EndpointReady)
		farC     = ep(3, "node-c", "zone-2", EndpointReady)
		termA    = ep(4, "node-a", "zone-1", EndpointTerminating)
		termC    = ep(5, "node-c", "zone-2", EndpointTerminating)
		deadA    = ep(6, "node-a", "zone-1", EndpointNotServing)
		unlabels = ep(7, "", "", EndpointReady)
	)
	type want struct {
		groups [][]Endpoint
		tiers  []Tier
	}
	tests := []struct {
		name       string
		eps        []Endpoint
		policy     Locality
		node, zone string
		want       want
	}{
		{"PreferLocal: node, then zone, then the rest", []Endpoint{farC, zoneB, localA}, LocalityPreferLocal, "node-a", "zone-1",
			want{[][]Endpoint{{localA}, {zoneB}, {farC}}, []Tier{TierNode, TierZone, TierCluster}}},
		{"PreferLocal with no local endpoint starts at the zone", []Endpoint{farC, zoneB}, LocalityPreferLocal, "node-a", "zone-1",
			want{[][]Endpoint{{zoneB}, {farC}}, []Tier{TierZone, TierCluster}}},
		{"PreferZone groups node and zone together", []Endpoint{farC, zoneB, localA}, LocalityPreferZone, "node-a", "zone-1",
			want{[][]Endpoint{{localA, zoneB}, {farC}}, []Tier{TierZone, TierCluster}}},
		{"Local uses this node only", []Endpoint{farC, zoneB, localA}, LocalityLocal, "node-a", "zone-1",
			want{[][]Endpoint{{localA}}, []Tier{TierNode}}},
		{"Local with no local endpoint has nothing", []Endpoint{farC, zoneB}, LocalityLocal, "node-a", "zone-1",
			want{}},
		{"Cluster uses everything alike", []Endpoint{farC, localA}, LocalityCluster, "node-a", "zone-1",
			want{[][]Endpoint{{localA, farC}}, []Tier{TierCluster}}},
		{"unknown proxy node and zone: every endpoint is remote", []Endpoint{localA, unlabels}, LocalityPreferLocal, "", "",
			want{[][]Endpoint{{localA, unlabels}}, []Tier{TierCluster}}},
		{"endpoints without labels never count as local", []Endpoint{unlabels}, LocalityPreferLocal, "node-a", "zone-1",
			want{[][]Endpoint{{unlabels}}, []Tier{TierCluster}}},
		{"all local endpoints terminating: a ready remote one wins", []Endpoint{termA, farC}, LocalityPreferLocal, "node-a", "zone-1",
			want{[][]Endpoint{{farC}}, []Tier{TierCluster}}},
		{"nothing ready anywhere: terminating endpoints are used, still ranked", []Endpoint{termC, termA}, LocalityPreferLocal, "node-a", "zone-1",
			want{[][]Endpoint{{termA}, {termC}}, []Tier{TierNode, TierCluster}}},
		{"not-serving endpoints are never used", []Endpoint{deadA}, LocalityPreferLocal, "node-a", "zone-1",
			want{}},
		{"hints.forNodes names another node: not local", []Endpoint{hinted(localA, []string{"node-b"}, nil)}, LocalityPreferLocal, "node-a", "zone-1",
			want{[][]Endpoint{{hinted(localA, []string{"node-b"}, nil)}}, []Tier{TierZone}}},
		{"hints.forNodes names this node: local wherever it runs", []Endpoint{hinted(farC, []string{"node-a"}, nil)}, LocalityPreferLocal, "node-a", "zone-1",
			want{[][]Endpoint{{hinted(farC, []string{"node-a"}, nil)}}, []Tier{TierNode}}},
		{"hints.forZones names this zone: same zone wherever it runs", []Endpoint{hinted(farC, nil, []string{"zone-1"})}, LocalityPreferLocal, "node-a", "zone-1",
			want{[][]Endpoint{{hinted(farC, nil, []string{"zone-1"})}}, []Tier{TierZone}}},
		{"hints.forZones names another zone: not same zone", []Endpoint{hinted(zoneB, nil, []string{"zone-2"})}, LocalityPreferLocal, "node-a", "zone-1",
			want{[][]Endpoint{{hinted(zoneB, nil, []string{"zone-2"})}}, []Tier{TierCluster}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			groups, tiers := rankEndpoints(tc.eps, tc.policy, tc.node, tc.zone)
			if !reflect.DeepEqual(groups, tc.want.groups) || !reflect.DeepEqual(tiers, tc.want.tiers) {
				t.Errorf("got %v %v\nwant %v %v", groups, tiers, tc.want.groups, tc.want.tiers)
			}
		})
	}
}

func TestPickRoundRobinsInsideTheFirstGroup(t *testing.T) {
	t.Parallel()
	a := Endpoint{Addr: netip.MustParseAddrPort("10.0.0.1:80"), Node: "n"}
	b := Endpoint{Addr: netip.MustParseAddrPort("10.0.0.2:80"), Node: "n"}
	far := Endpoint{Addr: netip.MustParseAddrPort("10.0.0.3:80"), Node: "m"}
	be := newBackend(&Backend{Name: "x", Endpoints: []Endpoint{a, far, b}}, "n", "")
	counts := map[netip.AddrPort]int{}
	for range 100 {
		ep, tier, ok := be.pick()
		if !ok || tier != TierNode {
			t.Fatalf("pick = %v %v %v, want a node-tier endpoint", ep, tier, ok)
		}
		counts[ep.Addr]++
	}
	if counts[a.Addr] != 50 || counts[b.Addr] != 50 || counts[far.Addr] != 0 {
		t.Errorf("picks %v, want 50/50 over the two local endpoints", counts)
	}
}
