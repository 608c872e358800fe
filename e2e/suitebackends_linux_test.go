package e2e

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// suiteImageRefs returns every image reference in the Gateway API suite's
// manifests under dir/sub (base, tests, mesh), each with the files naming
// it.
func suiteImageRefs(t testing.TB, dir string, subs ...string) map[string][]string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^\s*(?:-\s*)?image:\s*["']?([^\s"']+)`)
	refs := map[string][]string{}
	for _, sub := range subs {
		paths, err := filepath.Glob(filepath.Join(dir, sub, "*.yaml"))
		if err != nil || len(paths) == 0 {
			t.Fatalf("no manifests in %s: %v", filepath.Join(dir, sub), err)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				rel := filepath.Join(sub, filepath.Base(p))
				if !slices.Contains(refs[m[1]], rel) {
					refs[m[1]] = append(refs[m[1]], rel)
				}
			}
		}
	}
	return refs
}

// podEnv returns the value of the container's literal env var name.
func podEnv(c corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

// checkSuiteBackend checks, from node (as a kubelet or a proxy on it
// would), that the running pod p answers as the suite expects its image
// to: echo-basic's HTTP echo naming the pod on 3000, its gRPC echo
// (GRPC_ECHO_SERVER) on 3000, its TCP server (TCP_ECHO_SERVER) on 3000,
// CoreDNS's whoami plugin on 53/udp for foo.bar.com.
func checkSuiteBackend(ctx context.Context, node *Host, p *corev1.Pod) error {
	c := p.Spec.Containers[0]
	ip, err := netip.ParseAddr(p.Status.PodIP)
	if err != nil {
		return fmt.Errorf("pod %s/%s: podIP %q: %v", p.Namespace, p.Name, p.Status.PodIP, err)
	}
	_, grpc := podEnv(c, "GRPC_ECHO_SERVER")
	_, tcp := podEnv(c, "TCP_ECHO_SERVER")
	switch name := ImageName(c.Image); {
	case name == "coredns":
		return checkWhoami(ctx, node, netip.AddrPortFrom(ip, 53))
	case name != "echo-basic":
		return fmt.Errorf("image %s: no check for it", c.Image)
	case grpc:
		return checkGRPCEcho(ctx, node, netip.AddrPortFrom(ip, 3000), p.Name)
	case tcp:
		conn, err := node.DialContext(ctx, "tcp", netip.AddrPortFrom(ip, 3000).String())
		if err != nil {
			return err
		}
		return conn.Close()
	default:
		return checkHTTPEcho(ctx, node, netip.AddrPortFrom(ip, 3000), p.Name)
	}
}

// checkHTTPEcho GETs / and wants echo-basic's JSON naming pod.
func checkHTTPEcho(ctx context.Context, node *Host, addr netip.AddrPort, pod string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr.String()+"/", nil)
	if err != nil {
		return err
	}
	resp, err := node.HTTPClient(5 * time.Second).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var echo struct {
		Pod string `json:"pod"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &echo) != nil || echo.Pod != pod {
		return fmt.Errorf("GET %s: %s %q, want 200 and echo-basic's JSON naming pod %s", addr, resp.Status, body, pod)
	}
	return nil
}

// checkGRPCEcho calls GrpcEcho/Echo with an empty request over h2c and
// wants grpc-status 0 and a response naming pod. An empty protobuf
// message is zero bytes, so the request needs no generated code.
func checkGRPCEcho(ctx context.Context, node *Host, addr netip.AddrPort, pod string) error {
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &protos, DialContext: node.DialContext}
	defer tr.CloseIdleConnections()
	url := "http://" + addr.String() + "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("\x00\x00\x00\x00\x00"))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("TE", "trailers")
	resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	status := resp.Trailer.Get("Grpc-Status")
	if status == "" {
		status = resp.Header.Get("Grpc-Status") // a trailers-only answer
	}
	if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusOK || status != "0" || !strings.Contains(string(body), pod) {
		return fmt.Errorf("gRPC Echo at %s: %s %s, grpc-status %q, body %q; want HTTP/2 200, grpc-status 0, naming pod %s",
			addr, resp.Proto, resp.Status, status, body, pod)
	}
	return nil
}

// checkWhoami asks addr over UDP for foo.bar.com A, which the suite's
// Corefile serves with the whoami plugin: the answer must be a response
// to the query, without error, carrying the asker's (node's) address.
func checkWhoami(ctx context.Context, node *Host, addr netip.AddrPort) error {
	q := []byte{0x4e, 0x21, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0} // id, RD, one question
	for _, label := range []string{"foo", "bar", "com"} {
		q = append(append(q, byte(len(label))), label...)
	}
	q = append(q, 0, 0, 1, 0, 1) // root, type A, class IN
	conn, err := node.DialContext(ctx, "udp", addr.String())
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write(q); err != nil {
		return err
	}
	b := make([]byte, 1500)
	n, err := conn.Read(b)
	if err != nil {
		return fmt.Errorf("DNS query to %s: %w", addr, err)
	}
	b = b[:n]
	switch {
	case n < 12 || binary.BigEndian.Uint16(b) != 0x4e21 || b[2]&0x80 == 0:
		return fmt.Errorf("DNS answer from %s is not a response to the query: %x", addr, b)
	case b[3]&0x0f != 0:
		return fmt.Errorf("DNS answer from %s: rcode %d", addr, b[3]&0x0f)
	}
	me := node.IPv4.As4()
	if !strings.Contains(string(b), string(me[:])) {
		return errors.New("DNS answer from " + addr.String() + " does not carry the asker's address " + node.IPv4.String())
	}
	return nil
}
