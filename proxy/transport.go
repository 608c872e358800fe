package proxy

import (
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/firsthop/firsthop/model"
)

// upstreamKey holds the settings that need a transport of their own.
type upstreamKey struct {
	connect        time.Duration
	responseHeader time.Duration
	protocol       model.BackendProtocol
	serverName     string
	insecure       bool
	// tlsID tells apart backends of different TLS root CAs and client
	// certificates (see newBackendTLS); "" for none.
	tlsID string
}

func (u upstreamKey) withDefaults() upstreamKey {
	if u.connect <= 0 {
		u.connect = model.DefaultConnectTimeout
	}
	if u.responseHeader <= 0 {
		u.responseHeader = model.DefaultResponseHeaderTimeout
	}
	return u
}

// transportPool hands out one pooled HTTP/1.1 transport per distinct
// timeout setting. It lives in the Server, outside any table, so that
// publishing a new table keeps the upstream connections already open.
type transportPool struct {
	mu         sync.Mutex
	transports map[upstreamKey]*http.Transport
}

// get returns the transport for u, creating it on first use with bt,
// the TLS material u.tlsID names.
func (p *transportPool) get(u upstreamKey, bt *backendTLS) *http.Transport {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.transports[u]; ok {
		return t
	}
	if p.transports == nil {
		p.transports = make(map[upstreamKey]*http.Transport)
	}
	t := newTransport(u, bt)
	p.transports[u] = t
	return t
}

// closeIdle closes the idle upstream connections of every transport.
func (p *transportPool) closeIdle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range p.transports {
		t.CloseIdleConnections()
	}
}

// newTransport returns an upstream transport for u, with the TLS roots
// and client certificate of bt (nil: the system's roots, none). It never consults
// proxy environment variables, never asks for compression on the client's
// behalf, and keeps enough idle connections per endpoint for a busy backend.
func newTransport(u upstreamKey, bt *backendTLS) *http.Transport {
	d := &net.Dialer{Timeout: u.connect, KeepAlive: 30 * time.Second}
	t := newHTTPTransport(u, d)
	var protocols http.Protocols
	switch u.protocol {
	case model.ProtocolH2C:
		protocols.SetUnencryptedHTTP2(true)
	case model.ProtocolHTTPS:
		protocols.SetHTTP1(true)
		protocols.SetHTTP2(true)
		t.TLSClientConfig = &tls.Config{
			ServerName:         u.serverName,
			InsecureSkipVerify: u.insecure, //nolint:gosec // explicit per-backend opt-in
			MinVersion:         tls.VersionTLS12,
		}
		bt.apply(t.TLSClientConfig)
	default:
		protocols.SetHTTP1(true)
	}
	t.Protocols = &protocols
	return t
}

func newHTTPTransport(u upstreamKey, d *net.Dialer) *http.Transport {
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            d.DialContext,
		MaxIdleConns:           0,
		MaxIdleConnsPerHost:    512,
		IdleConnTimeout:        90 * time.Second,
		ResponseHeaderTimeout:  u.responseHeader,
		ExpectContinueTimeout:  time.Second,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 1 << 20,
	}
}
