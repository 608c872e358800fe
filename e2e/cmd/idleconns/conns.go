package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/net/http2"

	"github.com/firsthop/firsthop/internal/testcert"
)

// idleConn is one client connection of a kind (-mode): roundTrip sends a
// keep-alive request for / on it and reads the whole answer, which must be
// 200.
type idleConn interface {
	roundTrip() error
	Close() error
}

// dialer makes an idleConn of one kind over a connected TCP socket; it
// does no request yet.
type dialer func(net.Conn) (idleConn, error)

var dialers = map[string]dialer{
	"http": func(c net.Conn) (idleConn, error) { return h1Conn{c}, nil },
	"tls": func(c net.Conn) (idleConn, error) {
		tc, err := handshake(c, "http/1.1")
		if err != nil {
			return nil, err
		}
		return h1Conn{tc}, nil
	},
	"h2": func(c net.Conn) (idleConn, error) {
		tc, err := handshake(c, "h2")
		if err != nil {
			return nil, err
		}
		cc, err := (&http2.Transport{}).NewClientConn(tc)
		if err != nil {
			return nil, err
		}
		return h2Conn{cc}, nil
	},
}

// handshake runs a TLS handshake on c offering only proto by ALPN, and
// checks that the server chose it. The certificate is not verified: the
// tool measures memory, against a self-signed bench certificate.
func handshake(c net.Conn, proto string) (*tls.Conn, error) {
	tc := tls.Client(c, &tls.Config{ServerName: "bench.local", NextProtos: []string{proto}, InsecureSkipVerify: true})
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	defer c.SetDeadline(time.Time{})
	if err := tc.Handshake(); err != nil {
		return nil, err
	}
	if got := tc.ConnectionState().NegotiatedProtocol; got != proto {
		return nil, fmt.Errorf("ALPN: the server chose %q, want %q", got, proto)
	}
	return tc, nil
}

// h1Conn speaks HTTP/1.1 on a connection, cleartext or TLS.
type h1Conn struct{ net.Conn }

func (c h1Conn) roundTrip() error {
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: bench.local\r\n\r\n"); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return err
	}
	return drain(resp)
}

// h2Conn is one HTTP/2 connection, used one stream at a time.
type h2Conn struct{ cc *http2.ClientConn }

func (c h2Conn) roundTrip() error {
	req, err := http.NewRequest(http.MethodGet, "https://bench.local/", nil)
	if err != nil {
		return err
	}
	resp, err := c.cc.RoundTrip(req)
	if err != nil {
		return err
	}
	return drain(resp)
}

func (c h2Conn) Close() error { return c.cc.Close() }

// drain reads and closes resp's body and checks its status.
func drain(resp *http.Response) error {
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// writeCert writes a self-signed certificate for bench.local and localhost
// (names ../shared/bench/peers also gives its own) to dir/cert.pem and dir/key.pem,
// valid for a day.
func writeCert(dir string) {
	_, certPEM, keyPEM, err := testcert.Generate(24*time.Hour, "bench.local", "localhost")
	if err != nil {
		fail("certificate: %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fail("certificate: %v", err)
	}
	for name, data := range map[string][]byte{"cert.pem": certPEM, "key.pem": keyPEM} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			fail("certificate: %v", err)
		}
	}
}
