package e2e

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"sync"
	"testing"
)

// fabricNetns is the suffix of the namespace that holds the bridge.
const fabricNetns = "fabric"

// bridgeName is the bridge inside the fabric namespace.
const bridgeName = "br0"

// hostNamePattern is what [HostSpec.Name] may look like.
var hostNamePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)

// Fabric is one run's network: a namespace "<ID>-fabric" holding a bridge,
// and one namespace per host, "<ID>-<host name>", joined to the bridge by a
// veth pair whose inner end is "eth0". Nothing is created in the test
// process's own namespace, and the fabric has no way out: every address is
// on the bridge (see [FabricIPv4], [FabricIPv6]).
//
// A Fabric is safe for concurrent use by subtests.
type Fabric struct {
	// ID is this run's unique prefix, "fh" and six hex digits.
	ID string

	bridge Netns

	mu    sync.Mutex
	hosts map[string]*Host
	used  map[netip.Addr]bool
	links int
}

// Host is one namespace on a [Fabric], with one IPv4 and one IPv6 address
// on its eth0. Its embedded [Netns] starts processes and dials from
// inside it.
type Host struct {
	Netns
	// Name is the host's name on its fabric ("client", "node-a", ...).
	Name string
	Role Role
	IPv4 netip.Addr
	IPv6 netip.Addr

	fabric *Fabric
}

// HostSpec says what host to add to a [Fabric].
type HostSpec struct {
	// Name is unique on the fabric: lower case letters, digits and dashes,
	// starting with a letter, at most 31 characters.
	Name string
	Role Role
	// IPv4 is the host's address; the zero value means the next free one in
	// the role's range. The IPv6 address is always [IPv6For] IPv4.
	IPv4 netip.Addr
}

// NewFabric creates a fabric (a bridge in a namespace of its own) and
// registers a cleanup on t that kills every process in the fabric's
// namespaces and deletes them. It ends t through [Unavailable] when the
// machine cannot make network namespaces.
func NewFabric(t testing.TB) *Fabric {
	t.Helper()
	RequireRoot(t)
	RequireCommands(t, "ip")
	id, err := newRunID()
	if err != nil {
		Unavailable(t, "cannot record a run owner in %s: %v", ownerDir, err)
	}
	f := &Fabric{
		ID:     id,
		bridge: Netns{Name: id + "-" + fabricNetns},
		hosts:  map[string]*Host{},
		used:   map[netip.Addr]bool{},
	}
	t.Cleanup(func() {
		if err := removeRun(f.ID); err != nil {
			t.Errorf("fabric %s cleanup: %v", f.ID, err)
		}
	})
	if err := runIP("netns", "add", f.bridge.Name); err != nil {
		Unavailable(t, "cannot create a network namespace: %v", err)
	}
	err = errors.Join(
		runIP("-n", f.bridge.Name, "link", "add", bridgeName, "type", "bridge", "mcast_snooping", "0"),
		runIP("-n", f.bridge.Name, "link", "set", bridgeName, "up"),
	)
	if err != nil {
		t.Fatalf("fabric %s: %v", f.ID, err)
	}
	t.Logf("fabric %s: bridge in netns %s", f.ID, f.bridge.Name)
	return f
}

// Client adds a host with role [Client] and the next free address.
func (f *Fabric) Client(t testing.TB, name string) *Host {
	t.Helper()
	return f.AddHost(t, HostSpec{Name: name, Role: Client})
}

// Node adds a host with role [Node] and the next free address.
func (f *Fabric) Node(t testing.TB, name string) *Host {
	t.Helper()
	return f.AddHost(t, HostSpec{Name: name, Role: Node})
}

// Pod adds a host with role [Pod] and the next free address.
func (f *Fabric) Pod(t testing.TB, name string) *Host {
	t.Helper()
	return f.AddHost(t, HostSpec{Name: name, Role: Pod})
}

// Infra adds a host with role [Infra] and the next free address.
func (f *Fabric) Infra(t testing.TB, name string) *Host {
	t.Helper()
	return f.AddHost(t, HostSpec{Name: name, Role: Infra})
}

// Host returns the host called name, or nil.
func (f *Fabric) Host(name string) *Host {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hosts[name]
}

// AddHost creates the host's namespace, joins it to the bridge and
// configures its addresses: the IPv4 address as a /24 plus an on-link
// default route, and the IPv6 address as a /64 (without duplicate address
// detection, so it is usable at once). It fails t on any error. The host
// lives as long as the fabric.
func (f *Fabric) AddHost(t testing.TB, spec HostSpec) *Host {
	t.Helper()
	h, err := f.addHost(spec)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// addHost is [Fabric.AddHost] returning its error, for goroutines that
// cannot fail a test (the [PodRunner]).
func (f *Fabric) addHost(spec HostSpec) (*Host, error) {
	h, link, err := f.reserve(spec)
	if err != nil {
		return nil, fmt.Errorf("fabric %s: add host %q: %w", f.ID, spec.Name, err)
	}
	steps := [][]string{
		{"netns", "add", h.Netns.Name},
		{"-n", h.Netns.Name, "link", "set", "lo", "up"},
		{"-n", f.bridge.Name, "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", h.Netns.Name},
		{"-n", f.bridge.Name, "link", "set", link, "master", bridgeName, "up"},
		{"-n", h.Netns.Name, "addr", "add", h.IPv4.String() + "/24", "dev", "eth0"},
		{"-n", h.Netns.Name, "-6", "addr", "add", h.IPv6.String() + "/64", "dev", "eth0", "nodad"},
		{"-n", h.Netns.Name, "link", "set", "eth0", "up"},
		{"-n", h.Netns.Name, "route", "add", "default", "dev", "eth0"},
	}
	for _, args := range steps {
		if err := runIP(args...); err != nil {
			return nil, fmt.Errorf("fabric %s: add host %q: %w", f.ID, spec.Name, err)
		}
	}
	return h, nil
}

// RemoveHost kills every process left in the host called name and deletes
// its namespace (and with it its veth). The name becomes free again; the
// address stays taken for the rest of the run, so that no later host
// inherits a stale neighbour entry or a connection meant for this one.
func (f *Fabric) RemoveHost(name string) error {
	f.mu.Lock()
	h := f.hosts[name]
	delete(f.hosts, name)
	f.mu.Unlock()
	if h == nil {
		return fmt.Errorf("fabric %s: no host %q", f.ID, name)
	}
	return deleteNetns(h.Netns.Name)
}

// reserve validates spec, picks the addresses and the bridge-side link
// name, and records the host.
func (f *Fabric) reserve(spec HostSpec) (*Host, string, error) {
	if !hostNamePattern.MatchString(spec.Name) || spec.Name == fabricNetns {
		return nil, "", fmt.Errorf("bad host name (want %s, not %q)", hostNamePattern, fabricNetns)
	}
	r, ok := roleRanges[spec.Role]
	if !ok {
		return nil, "", fmt.Errorf("unknown role %v", spec.Role)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hosts[spec.Name] != nil {
		return nil, "", errors.New("name already used on this fabric")
	}
	v4 := spec.IPv4
	switch {
	case v4.IsValid():
		if !explicitRanges[spec.Role].contains(v4) {
			return nil, "", fmt.Errorf("%s is outside the %s range %s-%s", v4, spec.Role, explicitRanges[spec.Role].first, explicitRanges[spec.Role].last)
		}
		if f.used[v4] {
			return nil, "", fmt.Errorf("%s already used on this fabric", v4)
		}
	default:
		for a := r.first; r.contains(a); a = a.Next() {
			if !f.used[a] {
				v4 = a
				break
			}
		}
		if !v4.IsValid() {
			return nil, "", fmt.Errorf("no free %s address", spec.Role)
		}
	}
	f.used[v4] = true
	f.links++
	h := &Host{
		Netns:  Netns{Name: f.ID + "-" + spec.Name},
		Name:   spec.Name,
		Role:   spec.Role,
		IPv4:   v4,
		IPv6:   IPv6For(v4),
		fabric: f,
	}
	f.hosts[spec.Name] = h
	return h, fmt.Sprintf("h%d", f.links), nil
}

// hostNames returns the names of the fabric's hosts, sorted.
func (f *Fabric) hostNames() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(maps.Keys(f.hosts))
}

// Addr4 returns the host's IPv4 address with port.
func (h *Host) Addr4(port uint16) netip.AddrPort { return netip.AddrPortFrom(h.IPv4, port) }

// Addr6 returns the host's IPv6 address with port.
func (h *Host) Addr6(port uint16) netip.AddrPort { return netip.AddrPortFrom(h.IPv6, port) }

// Fabric returns the fabric h is on.
func (h *Host) Fabric() *Fabric { return h.fabric }

// Start starts argv inside h; see [StartProc].
func (h *Host) Start(t testing.TB, name string, argv ...string) *Proc {
	t.Helper()
	return StartProc(t, h.Netns, ProcSpec{Name: name + "@" + h.Name, Args: argv})
}

// String returns "name (IPv4, IPv6)".
func (h *Host) String() string { return fmt.Sprintf("%s (%s, %s)", h.Name, h.IPv4, h.IPv6) }
