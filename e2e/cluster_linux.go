package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ClusterReadyTimeout bounds the wait for etcd and kube-apiserver to be
// ready (about two seconds here).
const ClusterReadyTimeout = 90 * time.Second

// ClusterSpec says where to run a [Cluster].
type ClusterSpec struct {
	// Host runs etcd and kube-apiserver inside a fabric host: etcd on the
	// host's loopback, kube-apiserver on every address of the host, port
	// 6443, so other hosts (firsthop ingress on a node) reach it at
	// Host.IPv4. nil runs both on 127.0.0.1 in the test process's own
	// namespace, on free ports; that needs no root.
	Host *Host
	// Workloads also starts kube-controller-manager with the controllers
	// that turn Deployments into Pods and Services into EndpointSlices
	// ([WorkloadControllers]); see [Cluster.StartControllerManager]. Pods
	// then need a [PodRunner] to run.
	Workloads bool
}

// Cluster is a running etcd and kube-apiserver with token authentication
// (one token, in group system:masters), RBAC authorization and a generated
// service-account key. It is torn down by a t.Cleanup.
type Cluster struct {
	// URL is the API server's base URL, "https://IP:port".
	URL string
	// Token is a bearer token for a cluster admin.
	Token string
	// CACert is the PEM CA that signed the serving certificate.
	CACert []byte
	// Kubeconfig is the path of a kubeconfig for URL, CACert and Token.
	Kubeconfig string
	// Netns is where the control plane runs; dial the API server through it.
	Netns Netns

	Etcd              *Proc
	APIServer         *Proc
	ControllerManager *Proc // nil unless started

	client  *http.Client
	apiSpec ProcSpec   // to start kube-apiserver again
	owner   testing.TB // the test whose cleanup stops the control plane
	dir     string     // PKI, kubeconfig, etcd data
	bins    ControlPlane
}

// StartCluster starts etcd and kube-apiserver (building them first if the
// cache is cold, see [ControlPlaneBinaries]), waits until /readyz answers
// 200, and registers their teardown on t.
func StartCluster(t testing.TB, spec ClusterSpec) *Cluster {
	t.Helper()
	RequireE2E(t)
	bins := ControlPlaneBinaries(t)
	dir := t.TempDir()
	start := time.Now()

	var ns Netns
	var apiAddr netip.Addr
	var etcdClient, etcdPeer, apiPort int
	ips := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1"), firstServiceIP()}
	if spec.Host != nil {
		ns, apiAddr = spec.Host.Netns, spec.Host.IPv4
		etcdClient, etcdPeer, apiPort = 2379, 2380, 6443
		ips = append(ips, spec.Host.IPv4, spec.Host.IPv6)
	} else {
		apiAddr = netip.MustParseAddr("127.0.0.1")
		ports, err := freeLoopbackPorts(3)
		if err != nil {
			t.Fatal(err)
		}
		etcdClient, etcdPeer, apiPort = ports[0], ports[1], ports[2]
	}

	pki, err := newClusterPKI(ips, []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"})
	if err != nil {
		t.Fatal(err)
	}
	token := randomHex(16)
	c := &Cluster{
		URL:        "https://" + netip.AddrPortFrom(apiAddr, uint16(apiPort)).String(),
		Token:      token,
		CACert:     pki.CACert,
		Kubeconfig: filepath.Join(dir, "kubeconfig"),
		Netns:      ns,
		dir:        dir,
		bins:       bins,
	}
	files := map[string][]byte{
		"ca.crt":     pki.CACert,
		"server.crt": append(append([]byte(nil), pki.ServerCert...), pki.CACert...),
		"server.key": pki.ServerKey,
		"sa.key":     pki.ServiceAccountKey,
		// token,user,uid,"group1,group2"
		"tokens.csv": fmt.Appendf(nil, "%s,e2e-admin,e2e-admin,system:masters\n", token),
		"kubeconfig": kubeconfig(c.URL, pki.CACert, token),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c.client = c.newHTTPClient(10 * time.Second)

	etcdURL := func(port int) string { return "http://127.0.0.1:" + strconv.Itoa(port) }
	c.Etcd = StartProc(t, ns, ProcSpec{
		Name: "etcd",
		Args: []string{bins.Etcd,
			"--name", "e2e",
			"--data-dir", filepath.Join(dir, "etcd"),
			"--listen-client-urls", etcdURL(etcdClient),
			"--advertise-client-urls", etcdURL(etcdClient),
			"--listen-peer-urls", etcdURL(etcdPeer),
			"--initial-advertise-peer-urls", etcdURL(etcdPeer),
			"--initial-cluster", "e2e=" + etcdURL(etcdPeer),
			"--unsafe-no-fsync",
			"--log-level", "warn",
		},
		StopTimeout: -1, // throwaway data: no need to shut down cleanly
	})
	etcdHTTP := ns.HTTPClient(2 * time.Second)
	Eventually(t, ClusterReadyTimeout, "etcd healthy", func() error {
		if c.Etcd.Exited() {
			return fmt.Errorf("etcd exited: %v", c.Etcd.ExitError())
		}
		return expectGet(etcdHTTP, etcdURL(etcdClient)+"/health", 200, `"health":"true"`)
	})

	bind := "0.0.0.0"
	reconciler := "lease"
	if spec.Host == nil {
		bind = "127.0.0.1"
		// The kubernetes Service's endpoints would be 127.0.0.1, which
		// EndpointSlice validation refuses.
		reconciler = "none"
	}
	c.apiSpec = ProcSpec{
		Name: "kube-apiserver",
		Args: []string{bins.KubeAPIServer,
			"--etcd-servers", etcdURL(etcdClient),
			"--bind-address", bind,
			"--advertise-address", apiAddr.String(),
			"--secure-port", strconv.Itoa(apiPort),
			"--cert-dir", filepath.Join(dir, "certs"),
			"--tls-cert-file", filepath.Join(dir, "server.crt"),
			"--tls-private-key-file", filepath.Join(dir, "server.key"),
			"--token-auth-file", filepath.Join(dir, "tokens.csv"),
			"--authorization-mode", "RBAC",
			"--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
			"--service-account-key-file", filepath.Join(dir, "sa.key"),
			"--service-account-signing-key-file", filepath.Join(dir, "sa.key"),
			"--service-cluster-ip-range", ServiceCIDR.String(),
			"--endpoint-reconciler-type", reconciler,
			// Pod logs: the pod runner's kubelet log endpoint is on the
			// node's InternalIP (its Hostname resolves nowhere).
			"--kubelet-preferred-address-types", "InternalIP",
			"--v", "1",
		},
		StopTimeout: -1,
	}
	c.owner = t
	c.StartAPIServer(t)
	if spec.Workloads {
		c.StartControllerManager(t)
	}
	t.Logf("cluster ready at %s (netns %s) in %v", c.URL, ns, time.Since(start).Round(time.Millisecond))
	t.Cleanup(c.client.CloseIdleConnections)
	return c
}

// StopAPIServer kills kube-apiserver (etcd keeps running) and waits until
// it is gone, so that clients lose the API server as in an outage.
func (c *Cluster) StopAPIServer(t testing.TB) {
	t.Helper()
	if err := c.APIServer.Stop(); err != nil && !isSignalled(err) {
		t.Logf("kube-apiserver: %v", err)
	}
	c.client.CloseIdleConnections()
}

// StartAPIServer starts kube-apiserver (again, after [Cluster.StopAPIServer])
// on the same address and data, and waits until /readyz answers 200. It
// runs until the test that started the cluster ends.
func (c *Cluster) StartAPIServer(t testing.TB) {
	t.Helper()
	c.APIServer = StartProc(c.owner, c.Netns, c.apiSpec)
	Eventually(t, ClusterReadyTimeout, "kube-apiserver /readyz", func() error {
		if c.APIServer.Exited() {
			return fmt.Errorf("kube-apiserver exited: %v", c.APIServer.ExitError())
		}
		status, body, err := c.Do(context.Background(), http.MethodGet, "/readyz", nil)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return fmt.Errorf("/readyz: %d %s", status, lastLines(body, 5))
		}
		return nil
	})
}

// HTTPClient returns a client that trusts the cluster's CA and dials in the
// cluster's namespace. It sends no credentials; see [Cluster.Do].
func (c *Cluster) HTTPClient() *http.Client { return c.newHTTPClient(10 * time.Second) }

func (c *Cluster) newHTTPClient(timeout time.Duration) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.CACert)
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext:     c.Netns.DialContext,
			TLSClientConfig: &tls.Config{RootCAs: pool},
		},
	}
}

// Do sends one request to the API server with the admin token, body (JSON)
// if non-nil, and returns the status and response body.
func (c *Cluster) Do(ctx context.Context, method, path string, body []byte) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL+path, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	return resp.StatusCode, b, err
}

// firstServiceIP is the address kube-apiserver gives the kubernetes Service.
func firstServiceIP() netip.Addr { return ServiceCIDR.Addr().Next() }

// freeLoopbackPorts returns n distinct TCP ports that were free on
// 127.0.0.1 a moment ago.
func freeLoopbackPorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// expectGet GETs url and checks the status and that the body contains want.
func expectGet(c *http.Client, url string, status int, want string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != status || !strings.Contains(string(b), want) {
		return fmt.Errorf("GET %s: %d %q, want %d with %q", url, resp.StatusCode, lastLines(b, 5), status, want)
	}
	return nil
}

// lastLines returns at most the last n lines of b.
func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(errors.New("crypto/rand failed"))
	}
	return hex.EncodeToString(b)
}
