package ingress

import (
	"fmt"
	"net/netip"

	"github.com/firsthop/firsthop/model"
)

// canonicalHost checks an Ingress rule's or TLS entry's host and returns it
// in the form model.Route wants (see [model.RouteHost], where the rules of
// a route host are written). The Ingress API also refuses IP addresses as
// hosts, so an IPv4 literal, which a config file may route on, is refused
// here too.
func canonicalHost(h string) (string, error) {
	c, err := model.RouteHost(h)
	if err != nil {
		return "", err
	}
	if _, err := netip.ParseAddr(c); err == nil {
		return "", fmt.Errorf("host %q is an IP address, not a DNS name (the Ingress API refuses IP addresses as hosts)", h)
	}
	return c, nil
}
