package proxy

import (
	"strconv"
	"sync/atomic"
)

// portStrings remembers the decimal form of the last port it was asked
// for, so that a listener's X-Forwarded-Port costs no allocation per
// request (a listener's connections all share its local port). It is safe
// for concurrent use; the zero value is ready.
type portStrings struct{ last atomic.Pointer[portString] }

type portString struct {
	port uint16
	s    string
}

// String returns port in decimal.
func (p *portStrings) String(port uint16) string {
	if v := p.last.Load(); v != nil && v.port == port {
		return v.s
	}
	v := &portString{port: port, s: strconv.Itoa(int(port))}
	p.last.Store(v)
	return v.s
}
