package proxy

import (
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

func TestRankEndpoints(t *testing.T) {
	t.Parallel()
	ep := func(last byte, node, zone string, state model.EndpointState) model.Endpoint {
		return model.Endpoint{Addr: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, last}), 80), Node: node, Zone: zone, State: state}
	}
	hinted := func(e model.Endpoint, nodes, zones []string) model.Endpoint {
		e.ForNodes, e.ForZones = nodes, zones
		return e
	}
	var (
		localA   = ep(1, "node-a", "zone-1", model.EndpointReady)
		zoneB    = ep(2, "node-b", "zone-1", model.EndpointReady)
		farC     = ep(3, "node-c", "zone-2", model.EndpointReady)
		termA    = ep(4, "node-a", "zone-1", model.EndpointTerminating)
		termC    = ep(5, "node-c", "zone-2", model.EndpointTerminating)
		deadA    = ep(6, "node-a", "zone-1", model.EndpointNotServing)
		unlabels = ep(7, "", "", model.EndpointReady)
	)
	type want struct {
		groups [][]model.Endpoint
		tiers  []Tier
	}
	tests := []struct {
		name       string
		eps        []model.Endpoint
		policy     model.Locality
		node, zone string
		want       want
	}{
		{"PreferLocal: node, then zone, then the rest", []model.Endpoint{farC, zoneB, localA}, model.LocalityPreferLocal, "node-a", "zone-1",
			want{[][]model.Endpoint{{localA}, {zoneB}, {farC}}, []Tier{TierNode, TierZone, TierCluster}}},
		{"PreferLocal with no local endpoint starts at the zone", []model.Endpoint{farC, zoneB}, model.LocalityPreferLocal, "node-a", "zone-1",
			want{[][]model.Endpoint{{zoneB}, {farC}}, []Tier{TierZone, TierCluster}}},
		{"PreferZone groups node and zone together", []model.Endpoint{farC, zoneB, localA}, model.LocalityPreferZone, "node-a", "zone-1",
			want{[][]model.Endpoint{{localA, zoneB}, {farC}}, []Tier{TierZone, TierCluster}}},
		{"Local uses this node only", []model.Endpoint{farC, zoneB, localA}, model.LocalityLocal, "node-a", "zone-1",
			want{[][]model.Endpoint{{localA}}, []Tier{TierNode}}},
		{"Local with no local endpoint has nothing", []model.Endpoint{farC, zoneB}, model.LocalityLocal, "node-a", "zone-1",
			want{}},
		{"Cluster uses everything alike", []model.Endpoint{farC, localA}, model.LocalityCluster, "node-a", "zone-1",
			want{[][]model.Endpoint{{localA, farC}}, []Tier{TierCluster}}},
		{"unknown proxy node and zone: every endpoint is remote", []model.Endpoint{localA, unlabels}, model.LocalityPreferLocal, "", "",
			want{[][]model.Endpoint{{localA, unlabels}}, []Tier{TierCluster}}},
		{"endpoints without labels never count as local", []model.Endpoint{unlabels}, model.LocalityPreferLocal, "node-a", "zone-1",
			want{[][]model.Endpoint{{unlabels}}, []Tier{TierCluster}}},
		{"all local endpoints terminating: a ready remote one wins", []model.Endpoint{termA, farC}, model.LocalityPreferLocal, "node-a", "zone-1",
			want{[][]model.Endpoint{{farC}}, []Tier{TierCluster}}},
		{"nothing ready anywhere: terminating endpoints are used, still ranked", []model.Endpoint{termC, termA}, model.LocalityPreferLocal, "node-a", "zone-1",
			want{[][]model.Endpoint{{termA}, {termC}}, []Tier{TierNode, TierCluster}}},
		{"not-serving endpoints are never used", []model.Endpoint{deadA}, model.LocalityPreferLocal, "node-a", "zone-1",
			want{}},
		{"hints.forNodes names another node: not local", []model.Endpoint{hinted(localA, []string{"node-b"}, nil)}, model.LocalityPreferLocal, "node-a", "zone-1",
			want{[][]model.Endpoint{{hinted(localA, []string{"node-b"}, nil)}}, []Tier{TierZone}}},
		{"hints.forNodes names this node: local wherever it runs", []model.Endpoint{hinted(farC, []string{"node-a"}, nil)}, model.LocalityPreferLocal, "node-a", "zone-1",
			want{[][]model.Endpoint{{hinted(farC, []string{"node-a"}, nil)}}, []Tier{TierNode}}},
		{"hints.forZones names this zone: same zone wherever it runs", []model.Endpoint{hinted(farC, nil, []string{"zone-1"})}, model.LocalityPreferLocal, "node-a", "zone-1",
			want{[][]model.Endpoint{{hinted(farC, nil, []string{"zone-1"})}}, []Tier{TierZone}}},
		{"hints.forZones names another zone: not same zone", []model.Endpoint{hinted(zoneB, nil, []string{"zone-2"})}, model.LocalityPreferLocal, "node-a", "zone-1",
			want{[][]model.Endpoint{{hinted(zoneB, nil, []string{"zone-2"})}}, []Tier{TierCluster}}},
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

// testBackend compiles a backend for a proxy on node-a / zone-1.
func testBackend(b model.Backend) *backend {
	return newBackend(&b, "node-a", "zone-1", &endpointStates{}, &transportPool{})
}

func ep4(last byte, node string) model.Endpoint {
	return model.Endpoint{Addr: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, last}), 80), Node: node, Zone: "zone-1"}
}

func TestPick(t *testing.T) {
	t.Parallel()
	local1, local2, remote := ep4(1, "node-a"), ep4(2, "node-a"), ep4(3, "node-b")

	t.Run("stays in the local tier and uses both local endpoints", func(t *testing.T) {
		be := testBackend(model.Backend{Name: "x", Endpoints: []model.Endpoint{local1, remote, local2}})
		counts := map[netip.AddrPort]int{}
		for range 200 {
			u, tier, ok := be.pick(nil)
			if !ok || tier != TierNode {
				t.Fatalf("pick = %v %v %v, want a node-tier endpoint", u, tier, ok)
			}
			counts[u.Addr]++
		}
		if counts[local1.Addr] == 0 || counts[local2.Addr] == 0 || counts[remote.Addr] != 0 {
			t.Errorf("picks %v, want both local endpoints and never the remote one", counts)
		}
	})
	t.Run("power of two choices prefers fewer requests in flight", func(t *testing.T) {
		be := testBackend(model.Backend{Name: "x", Endpoints: []model.Endpoint{local1, local2}})
		be.groups[0][0].state.inflight.Store(10)
		for range 50 {
			if u, _, _ := be.pick(nil); u.Addr != local2.Addr {
				t.Fatalf("picked the busier %v", u.Addr)
			}
		}
	})
	t.Run("spills to the next tier when every local endpoint is at its cap", func(t *testing.T) {
		be := testBackend(model.Backend{Name: "x", MaxInflightPerEndpoint: 2, Endpoints: []model.Endpoint{local1, remote}})
		be.groups[0][0].state.inflight.Store(2)
		if u, tier, _ := be.pick(nil); u.Addr != remote.Addr || tier != TierZone {
			t.Errorf("picked %v (%v), want the other node's endpoint in the zone tier", u.Addr, tier)
		}
		be.groups[0][0].state.inflight.Store(1)
		if u, tier, _ := be.pick(nil); u.Addr != local1.Addr || tier != TierNode {
			t.Errorf("under the cap picked %v (%v), want the local endpoint again", u.Addr, tier)
		}
	})
	t.Run("skips ejected endpoints, per request", func(t *testing.T) {
		be := testBackend(model.Backend{Name: "x", Endpoints: []model.Endpoint{local1, remote}})
		be.groups[0][0].state.ejectedUntil.Store(time.Now().Add(time.Minute).UnixNano())
		if u, _, _ := be.pick(nil); u.Addr != remote.Addr {
			t.Errorf("picked ejected %v", u.Addr)
		}
	})
	t.Run("all ejected: the most preferred tier is used rather than failing", func(t *testing.T) {
		be := testBackend(model.Backend{Name: "x", Endpoints: []model.Endpoint{local1, remote}})
		for _, g := range be.groups {
			g[0].state.ejectedUntil.Store(time.Now().Add(time.Minute).UnixNano())
		}
		if u, tier, ok := be.pick(nil); !ok || u.Addr != local1.Addr || tier != TierNode {
			t.Errorf("pick = %v %v %v, want the local endpoint despite ejection", u, tier, ok)
		}
	})
	t.Run("endpoints already tried are skipped", func(t *testing.T) {
		be := testBackend(model.Backend{Name: "x", Endpoints: []model.Endpoint{local1, local2}})
		failed := be.groups[0][0].state
		for range 50 {
			if u, _, _ := be.pick([]*endpointState{failed}); u.state == failed {
				t.Fatal("picked the endpoint already tried")
			}
		}
		if _, _, ok := be.pick([]*endpointState{failed, be.groups[0][1].state}); ok {
			t.Error("picked something with every endpoint tried")
		}
	})
	t.Run("no endpoint: not ok", func(t *testing.T) {
		be := testBackend(model.Backend{Name: "x", Locality: model.LocalityLocal, Endpoints: []model.Endpoint{remote}})
		if _, _, ok := be.pick(nil); ok {
			t.Error("Local with no local endpoint picked something")
		}
	})
}

func TestPassiveHealthBackoff(t *testing.T) {
	t.Parallel()
	h := model.PassiveHealth{Failures: 3, Ejection: time.Second, MaxEjection: 3 * time.Second}.WithDefaults()
	var s endpointState
	now := time.Unix(1000, 0)
	for i := 1; i <= 2; i++ {
		if s.failed(h, now) {
			t.Fatalf("ejected after %d failures, want 3", i)
		}
	}
	s.succeeded()
	for i := 1; i <= 2; i++ {
		s.failed(h, now)
	}
	if s.ejected(now.UnixNano()) {
		t.Fatal("a success in between did not reset the count")
	}
	s.succeeded()
	want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}
	for i, d := range want {
		for range 2 {
			s.failed(h, now)
		}
		if !s.failed(h, now) {
			t.Fatalf("ejection %d: not ejected after 3 failures", i+1)
		}
		until := time.Unix(0, s.ejectedUntil.Load())
		if got := until.Sub(now); got != d {
			t.Errorf("ejection %d lasts %v, want %v", i+1, got, d)
		}
	}
}
