// Command coredns is CoreDNS, built from its pinned Go module with the
// plugins that the Gateway API conformance suite's Corefile names
// (gateway-conformance-infra/coredns in the suite's base manifests:
// forward, log, errors, whoami), standing for the image
// registry.k8s.io/coredns/coredns in the e2e pod runner. It is CoreDNS's
// own main (coremain.Run) with fewer plugins compiled in, as CoreDNS
// documents for custom builds; a Corefile naming another plugin fails at
// startup with "unknown directive".
package main

import (
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/whoami"
)

func main() { coremain.Run() }
