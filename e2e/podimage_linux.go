package e2e

import (
	"strings"
	"testing"
)

// PodImage is what the [PodRunner] runs for a container image: a program
// the harness built, standing for the image's ENTRYPOINT, and the
// arguments standing for its CMD.
type PodImage struct {
	// Program is the binary's absolute path.
	Program string
	// Args are used when the container sets neither command nor args.
	Args []string
}

// ImageName is the part of an image reference the runner's table is
// keyed by: the last path element, without tag or digest
// ("registry.k8s.io/gateway-api/echo-basic:v1.5.1" -> "echo-basic").
func ImageName(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	ref = ref[strings.LastIndex(ref, "/")+1:]
	ref, _, _ = strings.Cut(ref, ":")
	return ref
}

// DefaultPodImages is the runner's image table: the Gateway API suite's
// echo-basic (built from the e2e/conformance module, cached like the
// control plane), CoreDNS (built from e2e/tools/coredns with the plugins
// the suite's Corefile uses; the image's ENTRYPOINT is /coredns and it
// has no CMD) and firsthop itself (the image's CMD is the Dockerfile's).
func DefaultPodImages(t testing.TB) map[string]PodImage {
	t.Helper()
	gw := GatewayAPIBinaries(t)
	return map[string]PodImage{
		"echo-basic": {Program: gw.EchoBasic},
		"coredns":    {Program: gw.CoreDNS},
		"firsthop":   {Program: FirsthopBinary(t), Args: []string{"serve", "--config", "/etc/firsthop/firsthop.yaml"}},
	}
}
