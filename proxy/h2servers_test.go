package proxy

import (
	"testing"

	"github.com/firsthop/firsthop/model"
)

// h2Servers are the servers an HTTP/2 listener may use; every HTTP/2 test
// of the client side runs against each.
var h2Servers = []struct {
	name   string
	server model.HTTP2Server
}{
	{"net-http", model.HTTP2ServerNetHTTP},
	{"lean", model.HTTP2ServerLean},
}

// forH2Servers runs f as a parallel subtest per HTTP/2 server.
func forH2Servers(t *testing.T, f func(t *testing.T, server model.HTTP2Server)) {
	t.Helper()
	for _, s := range h2Servers {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			f(t, s.server)
		})
	}
}
