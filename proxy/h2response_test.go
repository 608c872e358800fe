package proxy

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

// handlerFunc is an h2Handler calling a plain handler.
type handlerFunc func(w http.ResponseWriter, r *http.Request)

func (f handlerFunc) handle(w http.ResponseWriter, r *http.Request, _ clientConn) bool {
	f(w, r)
	return true
}

// serveH2C serves h over h2c (and HTTP/1.1) on 127.0.0.1, by the lean
// server when lean, else by net/http's, until the test ends; it returns
// a client that speaks h2c to it and its address.
func serveH2C(t *testing.T, h http.HandlerFunc, lean bool) (*http.Client, string) {
	t.Helper()
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: h, Protocols: &protocols, ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)}
	if lean {
		newH2Server(handlerFunc(h), slog.New(slog.DiscardHandler), model.ListenerSpec{}.WithDefaults()).install(srv)
	}
	l := listenLoopback(t)
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	var cp http.Protocols
	cp.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &cp}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: hostileDeadline}, l.Addr().String()
}

// h2Answer is what a client saw of one response.
type h2Answer struct {
	status  int
	header  http.Header // without Date
	body    string
	trailer http.Header
	failed  bool // reading the body failed (the stream was reset)
}

// TestH2ResponseAnswersAsNetHTTP: for the same handler, the lean server's
// response writer gives the client what net/http's HTTP/2 server gives:
// status, fields it adds (Content-Length, a sniffed Content-Type),
// body, trailers, and a reset where the body cannot be whole.
func TestH2ResponseAnswersAsNetHTTP(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("0123456789", 30000) // past the client's windows
	cases := []struct {
		name    string
		method  string
		handler http.HandlerFunc
	}{
		{"a short body gets its length and a sniffed type", "GET", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "<html><body>hello</body></html>")
		}},
		{"the handler's own length and type", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Length", "5")
			w.Header().Set("X-A", "1")
			w.Header().Add("X-A", "2")
			io.WriteString(w, "hello")
		}},
		{"an empty 200", "GET", func(w http.ResponseWriter, r *http.Request) {}},
		{"204 without body", "GET", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }},
		{"HEAD gets no body", "HEAD", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "not sent")
		}},
		{"a large body", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, big)
		}},
		{"flushed pieces and declared trailers", "POST", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Trailer", "Grpc-Status, Grpc-Message")
			w.Header().Set("Content-Type", "application/grpc")
			io.WriteString(w, "one")
			w.(http.Flusher).Flush()
			io.WriteString(w, "two")
			w.Header().Set("Grpc-Status", "0")
			w.Header().Set("Grpc-Message", "fine")
		}},
		{"trailers set with TrailerPrefix", "GET", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "body")
			w.Header().Set(http.TrailerPrefix+"X-Late", "yes")
		}},
		{"connection-specific fields are left out", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Keep-Alive", "timeout=5")
			w.Header().Set("Transfer-Encoding", "chunked")
			w.Header().Set("Upgrade", "h2c")
			io.WriteString(w, "x")
		}},
		{"an informational 103 before the answer", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</a.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			io.WriteString(w, "after hints")
		}},
		{"a body shorter than its Content-Length is not taken for whole", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10")
			io.WriteString(w, "short")
		}},
		{"the request body, read back", "POST", func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "text/plain")
			w.Write(bytes.ToUpper(b))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var got [2]h2Answer
			for i, lean := range []bool{false, true} {
				client, addr := serveH2C(t, c.handler, lean)
				var body io.Reader
				if c.method == "POST" {
					body = strings.NewReader("request body " + big[:5000])
				}
				req, _ := http.NewRequestWithContext(context.Background(), c.method, "http://"+addr+"/", body)
				res, err := client.Do(req)
				if err != nil {
					got[i] = h2Answer{failed: true}
					continue
				}
				b, err := io.ReadAll(res.Body)
				res.Body.Close()
				if res.ProtoMajor != 2 {
					t.Fatalf("lean %v: %s", lean, res.Proto)
				}
				h := res.Header.Clone()
				h.Del("Date")
				got[i] = h2Answer{status: res.StatusCode, header: h, body: string(b), trailer: res.Trailer, failed: err != nil}
			}
			std, lean := got[0], got[1]
			for _, k := range []string{"Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade"} {
				// net/http passes these on, which RFC 9113 section 8.2.2
				// forbids; the lean server leaves them out.
				std.header.Del(k)
				if lean.header[k] != nil {
					t.Errorf("the lean server sent %s", k)
				}
			}
			if cl := lean.header.Get("Content-Length"); std.header.Get("Content-Length") == "" && cl == strconv.Itoa(len(lean.body)) {
				// The lean server holds 16 KiB of body before its header
				// goes, net/http 4 KiB: a body between gets a length
				// from the lean server only.
				lean.header.Del("Content-Length")
			}
			if std.status != lean.status || std.body != lean.body || std.failed != lean.failed {
				t.Errorf("lean: %d, %d bytes, failed %v; net/http: %d, %d bytes, failed %v",
					lean.status, len(lean.body), lean.failed, std.status, len(std.body), std.failed)
			}
			if !equalHeader(std.header, lean.header) {
				t.Errorf("lean header %v\nnet/http's %v", lean.header, std.header)
			}
			if !equalHeader(std.trailer, lean.trailer) {
				t.Errorf("lean trailer %v\nnet/http's %v", lean.trailer, std.trailer)
			}
		})
	}
}

func equalHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		vb := b[k]
		if strings.Join(va, "\x00") != strings.Join(vb, "\x00") {
			return false
		}
	}
	return true
}

// TestH2ResponseReadDeadline: a handler's read deadline on the request
// body (http.ResponseController) ends a read that waits for DATA that
// does not come.
func TestH2ResponseReadDeadline(t *testing.T) {
	t.Parallel()
	errc := make(chan error, 1)
	_, addr := serveH2C(t, func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		_, err := io.ReadAll(r.Body)
		errc <- err
	}, true)
	c := dialH2(t, addr)
	c.headers(1, false, h2Request("POST", "/")...)
	select {
	case err := <-errc:
		if err == nil {
			t.Error("the body read ended without error")
		}
	case <-time.After(hostileDeadline):
		t.Error("the body read outlived its deadline")
	}
}
