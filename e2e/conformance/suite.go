// Package conformance pins the Gateway API conformance suite and its echo
// backend for the e2e harness. It holds no code of its own: the harness
// builds the suite's test binary (go test -c sigs.k8s.io/gateway-api/conformance)
// and echo-basic from this module's build list; this file keeps the suite's
// package, and so its dependencies, in that list.
package conformance

import _ "sigs.k8s.io/gateway-api/conformance"
