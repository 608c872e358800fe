package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// LBReadyTimeout bounds the wait for a load balancer to accept
// connections.
const LBReadyTimeout = 20 * time.Second

// LB is a load balancer (HAProxy or nginx) running on a fabric host and
// listening on Port at both of the host's addresses.
type LB struct {
	*Proc
	Host *Host
	Port uint16
}

// URL4 returns "http://IPv4:port" + path.
func (lb *LB) URL4(path string) string { return "http://" + lb.Host.Addr4(lb.Port).String() + path }

// URL6 returns "http://[IPv6]:port" + path.
func (lb *LB) URL6(path string) string { return "http://" + lb.Host.Addr6(lb.Port).String() + path }

// HAProxySpec configures [Host.HAProxy].
type HAProxySpec struct {
	// Port is where HAProxy listens, on both of the host's addresses; zero
	// means 80.
	Port uint16
	// Servers are the backends, balanced round robin.
	Servers []netip.AddrPort
	// SendProxyV2 makes HAProxy open each server connection with a PROXY
	// protocol v2 header naming the client, as a cloud Layer 4 load
	// balancer does.
	SendProxyV2 bool
	// CheckPath, when set, makes HAProxy health-check each server with
	// HTTP GET CheckPath on CheckPort (firsthop's /readyz on its admin
	// port, say) every 100ms: one failure takes a server out, two
	// successes put it back. A connection to a server that refuses it is
	// redispatched to another.
	CheckPath string
	CheckPort uint16
}

// HAProxy runs HAProxy (the Debian package) inside h in `mode tcp`: a
// Layer 4 load balancer. It waits until HAProxy accepts connections and
// stops it in a cleanup on t.
func (h *Host) HAProxy(t testing.TB, spec HAProxySpec) *LB {
	t.Helper()
	RequireCommands(t, "haproxy")
	if spec.Port == 0 {
		spec.Port = 80
	}
	if len(spec.Servers) == 0 {
		t.Fatal("HAProxy: no servers")
	}
	var servers strings.Builder
	if spec.CheckPath != "" {
		fmt.Fprintf(&servers, "    option httpchk GET %s\n    http-check expect status 200\n    option redispatch\n    retries 3\n", spec.CheckPath)
	}
	for i, s := range spec.Servers {
		fmt.Fprintf(&servers, "    server s%d %s", i, s)
		if spec.SendProxyV2 {
			servers.WriteString(" send-proxy-v2")
		}
		if spec.CheckPath != "" {
			fmt.Fprintf(&servers, " check port %d inter 100ms fall 1 rise 2", spec.CheckPort)
		}
		servers.WriteString("\n")
	}
	cfg := fmt.Sprintf(`global
    log stderr format raw local0 info
    maxconn 1024
    nbthread 1

defaults
    mode tcp
    log global
    option tcplog
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend l4
    bind %s
    bind %s v6only
    default_backend servers

backend servers
    balance roundrobin
%s`, h.Addr4(spec.Port), h.Addr6(spec.Port), servers.String())
	dir := t.TempDir()
	path := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	p := StartProc(t, h.Netns, ProcSpec{Name: "haproxy@" + h.Name, Args: []string{"haproxy", "-db", "-f", path}, Dir: dir})
	lb := &LB{Proc: p, Host: h, Port: spec.Port}
	lb.waitListening(t, cfg)
	return lb
}

// NginxSpec configures [Host.Nginx].
type NginxSpec struct {
	// Port is where nginx listens, on both of the host's addresses; zero
	// means 80.
	Port uint16
	// Upstreams are the backends, balanced round robin.
	Upstreams []netip.AddrPort
}

// Nginx runs nginx (the Debian package) inside h as a Layer 7 load
// balancer that appends the client to X-Forwarded-For
// ($proxy_add_x_forwarded_for) and passes Host through. It runs in the
// foreground as one process with a private prefix, pid file and temp
// paths, waits until nginx accepts connections, and stops it in a cleanup
// on t.
func (h *Host) Nginx(t testing.TB, spec NginxSpec) *LB {
	t.Helper()
	RequireCommands(t, "nginx")
	if spec.Port == 0 {
		spec.Port = 80
	}
	if len(spec.Upstreams) == 0 {
		t.Fatal("Nginx: no upstreams")
	}
	dir := t.TempDir()
	var upstreams strings.Builder
	for _, u := range spec.Upstreams {
		fmt.Fprintf(&upstreams, "        server %s;\n", u)
	}
	cfg := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log stderr notice;

events {
    worker_connections 256;
}

http {
    access_log /dev/stderr;
    client_body_temp_path %[1]s/client_body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;

    upstream backends {
%[2]s    }

    server {
        listen %[3]s;
        listen %[4]s;
        location / {
            proxy_pass http://backends;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }
    }
}
`, dir, upstreams.String(), h.Addr4(spec.Port), h.Addr6(spec.Port))
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	p := StartProc(t, h.Netns, ProcSpec{Name: "nginx@" + h.Name, Args: []string{"nginx", "-p", dir + "/", "-c", path, "-e", "stderr"}, Dir: dir})
	lb := &LB{Proc: p, Host: h, Port: spec.Port}
	lb.waitListening(t, cfg)
	return lb
}

// waitListening polls until lb accepts TCP connections on both addresses.
func (lb *LB) waitListening(t testing.TB, cfg string) {
	t.Helper()
	for _, a := range []netip.AddrPort{lb.Host.Addr4(lb.Port), lb.Host.Addr6(lb.Port)} {
		Eventually(t, LBReadyTimeout, lb.Name+" listening on "+a.String(), func() error {
			if lb.Exited() {
				return fmt.Errorf("exited: %v\n%s\nconfig:\n%s", lb.ExitError(), lb.Output(), numbered(cfg))
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			c, err := lb.Host.DialContext(ctx, "tcp", a.String())
			if err != nil {
				return err
			}
			return c.Close()
		})
	}
}
