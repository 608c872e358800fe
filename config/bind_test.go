package config

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy"
)

// TestAddressClashesMatchBinding checks, for pairs of listener addresses
// on one port, that the config accepts exactly the files the proxy can
// bind: validate must not pass a file that serve cannot start (issue 20:
// 0.0.0.0:P beside [::1]:P validated, then failed, while Go listened
// dual-stack on 0.0.0.0).
func TestAddressClashesMatchBinding(t *testing.T) {
	if l, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Skip("no IPv6 loopback")
	} else {
		l.Close()
	}
	hosts := []string{"0.0.0.0", "[::]", "127.0.0.1", "127.0.0.2", "[::1]"}
	for i, a := range hosts {
		for _, b := range hosts[i:] {
			t.Run(a+"+"+b, func(t *testing.T) {
				// A free port may be taken by another process between
				// choosing it and binding: then try another.
				for attempt := 0; ; attempt++ {
					port := freePort(t)
					yaml := fmt.Sprintf("admin: {address: 127.0.0.1:0}\nlisteners:\n  - {name: a, address: %q}\n  - {name: b, address: %q}\n",
						a+":"+port, b+":"+port)
					_, parseErr := Parse("f.yaml", []byte(yaml), Options{})
					bindErr := bindBoth(a+":"+port, b+":"+port)
					if bindErr != nil && parseErr == nil && attempt < 3 && !bindsAlone(a+":"+port, b+":"+port) {
						continue
					}
					if (parseErr == nil) != (bindErr == nil) {
						t.Fatalf("config says %v, binding says %v", parseErr, bindErr)
					}
					if parseErr != nil && !strings.Contains(parseErr.Error(), "clashes with") {
						t.Fatalf("config error %v, want a clash", parseErr)
					}
					return
				}
			})
		}
	}
}

// freePort returns a port that was free on both 0.0.0.0 and [::].
func freePort(t *testing.T) string {
	t.Helper()
	for range 10 {
		l6, err := net.Listen("tcp6", "[::]:0")
		if err != nil {
			t.Fatal(err)
		}
		port := strconv.Itoa(l6.Addr().(*net.TCPAddr).Port)
		l4, err := net.Listen("tcp4", "0.0.0.0:"+port)
		l6.Close()
		if err == nil {
			l4.Close()
			return port
		}
	}
	t.Fatal("no port free on both families")
	return ""
}

// bindBoth binds listeners on a and b with the proxy, as serve does.
func bindBoth(a, b string) error {
	srv := proxy.NewServer(proxy.Options{
		Listeners:   []model.ListenerSpec{{Name: "a", Address: a}, {Name: "b", Address: b}},
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		GracePeriod: time.Millisecond,
	})
	if err := srv.Listen(); err != nil {
		return err
	}
	// Serving with a done context closes the sockets again.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return srv.Serve(ctx)
}

// bindsAlone reports whether a and b can each be bound alone.
func bindsAlone(a, b string) bool {
	for _, x := range []string{a, b} {
		if bindBoth(x, "127.0.0.1:0") != nil {
			return false
		}
	}
	return true
}
