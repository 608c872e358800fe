package proxy

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// upstreamTimeouts are the settings that need a transport of their own.
type upstreamTimeouts struct {
	connect        time.Duration
	responseHeader time.Duration
}

func (u upstreamTimeouts) withDefaults() upstreamTimeouts {
	if u.connect <= 0 {
		u.connect = DefaultConnectTimeout
	}
	if u.responseHeader <= 0 {
		u.responseHeader = DefaultResponseHeaderTimeout
	}
	return u
}

// transportPool hands out one pooled HTTP/1.1 transport per distinct
// timeout setting. It lives in the Server, outside any table, so that
// publishing a new table keeps the upstream connections already open.
type transportPool struct {
	mu         sync.Mutex
	transports map[upstreamTimeouts]*http.Transport
}

// get returns the transport for u, creating it on first use.
func (p *transportPool) get(u upstreamTimeouts) *http.Transport {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.transports[u]; ok {
		return t
	}
	if p.transports == nil {
		p.transports = make(map[upstreamTimeouts]*http.Transport)
	}
	t := newTransport(u)
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

// newTransport returns an upstream transport for u. It never consults
// proxy environment variables, never asks for compression on the client's
// behalf, and keeps enough idle connections per endpoint for a busy backend.
func newTransport(u upstreamTimeouts) *http.Transport {
	d := &net.Dialer{Timeout: u.connect, KeepAlive: 30 * time.Second}
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
