package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GatewayAPI holds the binaries built from the e2e/conformance module.
type GatewayAPI struct {
	// EchoBasic is the suite's echo backend (sigs.k8s.io/gateway-api/conformance/echo-basic).
	EchoBasic string
	// Suite is the suite's test binary (go test -c sigs.k8s.io/gateway-api/conformance).
	Suite string
	// CRDs is the directory of the release's standard-channel CRDs
	// (config/crd/standard in the sigs.k8s.io/gateway-api module).
	CRDs string
	// Manifests is the suite module's directory, whose base/ and tests/
	// hold the manifests the suite applies (embedded in Suite).
	Manifests string
	// CoreDNS is CoreDNS built from the tools/coredns module with the
	// plugins the suite's Corefile uses: the base manifests run it in
	// gateway-conformance-infra, and the suite's setup waits for every
	// pod there to be ready.
	CoreDNS string
}

var gatewayAPI buildOnce[GatewayAPI]

// GatewayAPIBinaries returns echo-basic and the conformance suite's test
// binary, built from the conformance module (conformance/go.mod) into the
// cache ([CacheDir]) under a key over that module's go.mod and go.sum, as
// [ControlPlaneBinaries] does, CoreDNS built likewise from tools/coredns
// (key over its go.mod, go.sum and main.go), and the CRD and manifest
// directories in the module cache.
func GatewayAPIBinaries(t testing.TB) GatewayAPI {
	t.Helper()
	return gatewayAPI.get(t, "gateway API suite", buildGatewayAPI)
}

func buildGatewayAPI(logf func(string, ...any)) (GatewayAPI, error) {
	mod, err := filepath.Abs("conformance")
	if err != nil {
		return GatewayAPI{}, err
	}
	key, err := cacheKey(filepath.Join(mod, "go.mod"), filepath.Join(mod, "go.sum"))
	if err != nil {
		return GatewayAPI{}, fmt.Errorf("cache key (run the tests from the e2e directory, as go test does): %w", err)
	}
	dir, err := CacheDir()
	if err != nil {
		return GatewayAPI{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	entry, err := ensureCached(ctx, dir, key, []cachedBinary{
		{Name: "echo-basic", Build: func(ctx context.Context, out string) error {
			return goBuild(ctx, mod, out, "-s -w", "sigs.k8s.io/gateway-api/conformance/echo-basic")
		}},
		{Name: "gateway-api-conformance.test", Build: func(ctx context.Context, out string) error {
			_, err := goOutput(ctx, mod, "test", "-c", "-o", out, "-ldflags", "-s -w", "sigs.k8s.io/gateway-api/conformance")
			return err
		}},
	}, logf)
	if err != nil {
		return GatewayAPI{}, err
	}
	coredns, err := buildCoreDNS(ctx, dir, logf)
	if err != nil {
		return GatewayAPI{}, err
	}
	moddir, err := moduleDir(ctx, mod, "sigs.k8s.io/gateway-api")
	if err != nil {
		return GatewayAPI{}, err
	}
	suitedir, err := moduleDir(ctx, mod, "sigs.k8s.io/gateway-api/conformance")
	if err != nil {
		return GatewayAPI{}, err
	}
	return GatewayAPI{
		EchoBasic: filepath.Join(entry, "echo-basic"),
		Suite:     filepath.Join(entry, "gateway-api-conformance.test"),
		CRDs:      filepath.Join(moddir, "config", "crd", "standard"),
		Manifests: suitedir,
		CoreDNS:   coredns,
	}, nil
}

// moduleDir returns the module cache directory of module path, as
// required by the module in dir. It uses go mod download (not list -m):
// that fetches the module into the module cache when only its go.mod is
// there yet.
func moduleDir(ctx context.Context, dir, path string) (string, error) {
	out, err := goOutput(ctx, dir, "mod", "download", "-json", path)
	if err != nil {
		return "", err
	}
	d, ok := jsonField(out, "Dir")
	if !ok {
		return "", fmt.Errorf("no module directory for %s in %q", path, out)
	}
	return d, nil
}

// buildCoreDNS builds tools/coredns into the cache entry
// coredns-<key>, the key over that module's go.mod, go.sum and main.go.
func buildCoreDNS(ctx context.Context, cache string, logf func(string, ...any)) (string, error) {
	mod, err := filepath.Abs(filepath.Join("tools", "coredns"))
	if err != nil {
		return "", err
	}
	key, err := cacheKey(filepath.Join(mod, "go.mod"), filepath.Join(mod, "go.sum"), filepath.Join(mod, "main.go"))
	if err != nil {
		return "", fmt.Errorf("cache key (run the tests from the e2e directory, as go test does): %w", err)
	}
	entry, err := ensureCached(ctx, cache, "coredns-"+key, []cachedBinary{{
		Name: "coredns",
		Build: func(ctx context.Context, out string) error {
			return goBuild(ctx, mod, out, "-s -w", ".")
		},
	}}, logf)
	if err != nil {
		return "", err
	}
	return filepath.Join(entry, "coredns"), nil
}

// jsonField finds "name": "value" in go's -json output.
func jsonField(out, name string) (string, bool) {
	_, rest, ok := strings.Cut(out, `"`+name+`": "`)
	if !ok {
		return "", false
	}
	v, _, ok := strings.Cut(rest, `"`)
	return v, ok
}

// InstallGatewayAPICRDs applies the Gateway API release's standard-channel
// CRDs (every CustomResourceDefinition in [GatewayAPI.CRDs]) to c and
// waits until each is Established.
func InstallGatewayAPICRDs(t testing.TB, c *Cluster) {
	t.Helper()
	dir := GatewayAPIBinaries(t).CRDs
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no CRDs in %s: %v", dir, err)
	}
	sort.Strings(paths)
	a := c.NewApplier(t)
	var crds []string
	for _, p := range paths {
		objs, err := ReadManifest(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if o.GetKind() != "CustomResourceDefinition" {
				continue // the release also ships a ValidatingAdmissionPolicy
			}
			if _, err := a.Apply(t, o, false); err != nil {
				t.Fatalf("applying %s: %v", describeObject(o), err)
			}
			crds = append(crds, o.GetName())
		}
	}
	dyn := a.dyn.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"})
	for _, name := range crds {
		Eventually(t, 60*time.Second, "CRD "+name+" established", func() error {
			u, err := dyn.Get(Ctx(t), name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			return crdEstablished(u)
		})
	}
	t.Logf("Gateway API CRDs installed: %d from %s", len(crds), dir)
}

// crdEstablished reports whether the CRD u has condition Established.
func crdEstablished(u *unstructured.Unstructured) error {
	conds, _, err := unstructured.NestedSlice(u.Object, "status", "conditions")
	if err != nil {
		return err
	}
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Established" && m["status"] == "True" {
			return nil
		}
	}
	return fmt.Errorf("CRD %s not established yet", u.GetName())
}

// StartGatewayAPISuite starts the conformance suite's test binary inside
// host h (a fabric client, so that every connection it opens crosses the
// fabric) against c, with KUBECONFIG set to the cluster admin's; args are
// the suite's flags (-gateway-class, -supported-features, -test.run, ...).
// Wait on the returned process for its result.
func StartGatewayAPISuite(t testing.TB, h *Host, c *Cluster, args ...string) *Proc {
	t.Helper()
	return startGatewayAPISuite(t, h, c, t.TempDir(), "", args...)
}

// startGatewayAPISuite is [StartGatewayAPISuite] in working directory
// dir, writing the whole output to outputFile if that is not empty.
func startGatewayAPISuite(t testing.TB, h *Host, c *Cluster, dir, outputFile string, args ...string) *Proc {
	t.Helper()
	suite := GatewayAPIBinaries(t).Suite
	return StartProc(t, h.Netns, ProcSpec{
		Name:       "gateway-api-conformance@" + h.Name,
		Args:       append([]string{suite}, args...),
		Env:        []string{"KUBECONFIG=" + c.Kubeconfig},
		Dir:        dir,
		OutputFile: outputFile,
	})
}
