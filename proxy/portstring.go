package proxy

import (
	"strconv"
	"sync/atomic"
)

// isPortNumber reports whether s is a port number as a URL writes it:
// 1 to 65535 in decimal, without sign or leading zero.
func isPortNumber(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= 65535 && strconv.Itoa(n) == s
}

// portStrings remembers the decimal form of the last few ports it was
// asked for, so that a listener's X-Forwarded-Port costs no allocation per
// request: a listener's requests name few ports (its public or local
// port, and the destination ports of its load balancer's PROXY headers,
// which may alternate, as for an NLB sending 80 and 443 to one port). It
// is safe for concurrent use; the zero value is ready.
type portStrings struct {
	slots [4]atomic.Pointer[portString]
	next  atomic.Uint32 // the slot a new port replaces, round robin
}

type portString struct {
	port uint16
	s    string
}

// String returns port in decimal.
func (p *portStrings) String(port uint16) string {
	for i := range p.slots {
		if v := p.slots[i].Load(); v != nil && v.port == port {
			return v.s
		}
	}
	v := &portString{port: port, s: strconv.Itoa(int(port))}
	p.slots[p.next.Add(1)%uint32(len(p.slots))].Store(v)
	return v.s
}
