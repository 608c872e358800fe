package proxy

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/h1"
)

// endpointState is what firsthop knows about one endpoint address across
// tables: requests in flight and passive health. It lives outside the table
// (see [endpointStates]) so that publishing a new table resets neither.
type endpointState struct {
	inflight     atomic.Int64
	failures     atomic.Int32 // consecutive
	ejections    atomic.Int32 // in a row, for the backoff
	ejectedUntil atomic.Int64 // unix nanoseconds; 0 when not ejected
	// conns are the idle HTTP/1.1 connections of the lean path to this
	// address, shared by every backend and table that uses it.
	conns h1.Pool
}

// ejected reports whether the endpoint is ejected at now.
func (s *endpointState) ejected(now int64) bool {
	until := s.ejectedUntil.Load()
	return until != 0 && now < until
}

// ejectionEnd returns when the endpoint's ejection ends, and false when it
// is not ejected at now.
func (s *endpointState) ejectionEnd(now time.Time) (time.Time, bool) {
	if !s.ejected(now.UnixNano()) {
		return time.Time{}, false
	}
	return time.Unix(0, s.ejectedUntil.Load()), true
}

// usableCount returns how many of g are not ejected at now.
func usableCount(g []*upstream, now time.Time) int {
	n := 0
	for _, u := range g {
		if !u.state.ejected(now.UnixNano()) {
			n++
		}
	}
	return n
}

// succeeded records a request that got a non-5xx answer.
func (s *endpointState) succeeded() {
	if s.failures.Load() != 0 {
		s.failures.Store(0)
	}
	if s.ejectedUntil.Load() != 0 && !s.ejected(time.Now().UnixNano()) {
		s.ejectedUntil.Store(0)
		s.ejections.Store(0)
	}
}

// failed records a connection failure or 5xx answer and reports whether it
// ejected the endpoint.
func (s *endpointState) failed(h model.PassiveHealth, now time.Time) bool {
	if int(s.failures.Add(1)) < h.Failures {
		return false
	}
	s.failures.Store(0)
	n := s.ejections.Add(1)
	d := h.Ejection << min(n-1, 20)
	if d > h.MaxEjection || d <= 0 {
		d = h.MaxEjection
	}
	s.ejectedUntil.Store(now.Add(d).UnixNano())
	return true
}

// endpointStates maps endpoint addresses to their state. Entries for
// addresses no table uses any more are dropped when a table is published.
type endpointStates struct {
	mu     sync.Mutex
	states map[netip.AddrPort]*endpointState
}

// get returns the state of addr, creating it on first use.
func (e *endpointStates) get(addr netip.AddrPort) *endpointState {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.states == nil {
		e.states = map[netip.AddrPort]*endpointState{}
	}
	s := e.states[addr]
	if s == nil {
		s = &endpointState{}
		e.states[addr] = s
	}
	return s
}

// len returns the number of addresses with a state.
func (e *endpointStates) len() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.states)
}

// keepOnly drops the states of addresses not in live, closing their idle
// connections.
func (e *endpointStates) keepOnly(live map[netip.AddrPort]bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for addr, s := range e.states {
		if !live[addr] {
			s.conns.Close()
			delete(e.states, addr)
		}
	}
}

// close closes the idle connections of every endpoint, and those that
// exchanges still running (such as an HTTP/2 stream net/http's shutdown
// did not wait for) give back later: for the end of serving.
func (e *endpointStates) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.states {
		s.conns.Close()
	}
}
