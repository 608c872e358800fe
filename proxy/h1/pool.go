package h1

import (
	"sync"
	"time"
)

// Pool defaults, for the zero values of [Pool] fields.
const (
	DefaultMaxIdle     = 512
	DefaultIdleTimeout = 90 * time.Second
)

// Pool keeps the idle connections to one endpoint and hands out the most
// recently used first. The zero value is ready to use. Its methods are safe
// for concurrent use.
type Pool struct {
	// MaxIdle caps the idle connections kept; zero means DefaultMaxIdle.
	MaxIdle int
	// IdleTimeout is how long a connection may stay idle before it is
	// closed; zero means DefaultIdleTimeout.
	IdleTimeout time.Duration

	mu     sync.Mutex
	idle   []*Conn // oldest first
	sweep  *time.Timer
	closed bool
}

func (p *Pool) timeout() time.Duration {
	if p.IdleTimeout > 0 {
		return p.IdleTimeout
	}
	return DefaultIdleTimeout
}

// Get returns an idle connection ready for an exchange at now (the
// caller's clock reading, to spare reading it again), or nil when there is
// none. A connection idle for too long, closed by the backend, or that
// received bytes while idle, is closed and skipped.
func (p *Pool) Get(now time.Time) *Conn { return p.get(now, false) }

// GetUnchecked is Get without the check of the connection's socket, for a
// request sent with [Conn.FlushAwait], which checks it itself where no
// byte or close can slip in unseen between the check and the request's
// write, and fails with [ErrIdleUnfit], having written nothing, for a
// connection the backend closed or wrote to while it was idle: the caller
// closes that one and takes the next. Where FlushAwait cannot check, it is
// Get.
func (p *Pool) GetUnchecked(now time.Time) *Conn { return p.get(now, rawWrites) }

// get pops idle connections until one is fit at now; with deferCheck, the
// check of one with a descriptor is left to FlushAwait.
func (p *Pool) get(now time.Time, deferCheck bool) *Conn {
	for {
		p.mu.Lock()
		n := len(p.idle)
		if n == 0 {
			p.mu.Unlock()
			return nil
		}
		c := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		if now.Sub(c.idleSince) < p.timeout() {
			if deferCheck && c.raw != nil {
				c.unchecked = true
				return c
			}
			if c.alive(now) {
				return c
			}
		}
		c.Close()
	}
}

// Put ends c's exchange and keeps c for reuse when it may carry another
// (see [Conn]) and there is room; otherwise it closes c.
func (p *Pool) Put(c *Conn) {
	if !c.finish() {
		c.Close()
		return
	}
	max := p.MaxIdle
	if max <= 0 {
		max = DefaultMaxIdle
	}
	c.idleSince = time.Now()
	p.mu.Lock()
	if p.closed || len(p.idle) >= max {
		p.mu.Unlock()
		c.Close()
		return
	}
	p.idle = append(p.idle, c)
	if p.sweep == nil {
		p.sweep = time.AfterFunc(p.timeout(), p.expire)
	}
	p.mu.Unlock()
}

// expire closes the connections idle for longer than the timeout and
// schedules itself again while any connection is left.
func (p *Pool) expire() {
	p.mu.Lock()
	defer p.mu.Unlock()
	timeout := p.timeout()
	k := 0
	for k < len(p.idle) && time.Since(p.idle[k].idleSince) >= timeout {
		p.idle[k].Close()
		k++
	}
	p.idle = append(p.idle[:0], p.idle[k:]...)
	clear(p.idle[len(p.idle):cap(p.idle)])
	if len(p.idle) == 0 || p.closed {
		p.sweep = nil
		return
	}
	p.sweep.Reset(timeout - time.Since(p.idle[0].idleSince) + time.Second)
}

// Len returns the number of idle connections.
func (p *Pool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
}

// CloseIdle closes every idle connection.
func (p *Pool) CloseIdle() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, c := range idle {
		c.Close()
	}
}

// Close closes every idle connection and makes Put close the connections
// it is given from now on.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.CloseIdle()
}
