package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/kube/ingress"
	"github.com/firsthop/firsthop/model"
)

func TestIngressFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		flags   ingressFlags
		wantErr string
	}{
		{
			name:  "publish service and addresses",
			flags: ingressFlags{publishService: "firsthop/lb", publishAddress: "192.0.2.1,lb.example.com", defaultLocality: "PreferZone"},
		},
		{name: "publish service without a namespace", flags: ingressFlags{publishService: "lb", defaultLocality: "PreferLocal"}, wantErr: "NAMESPACE/NAME"},
		{name: "publish service with too many parts", flags: ingressFlags{publishService: "a/b/c", defaultLocality: "PreferLocal"}, wantErr: "NAMESPACE/NAME"},
		{name: "unknown locality", flags: ingressFlags{defaultLocality: "Nearby"}, wantErr: "--default-locality"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := tc.flags.ingressOptions(model.TableSpec{Node: "node-a"})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.PublishService != (types.NamespacedName{Namespace: "firsthop", Name: "lb"}) {
				t.Errorf("PublishService %v", cfg.PublishService)
			}
			if len(cfg.PublishAddresses) != 2 || cfg.Resolve.DefaultLocality != model.LocalityPreferZone || cfg.Base.Node != "node-a" {
				t.Errorf("config %+v", cfg)
			}
			if len(cfg.Processors) != 1 || cfg.Processors[0].Name() != ingress.Name {
				t.Errorf("processors %v, want the Ingress processor", cfg.Processors)
			}
		})
	}
}

func TestPodAddrs(t *testing.T) {
	t.Parallel()
	got, err := podAddrs(" 10.1.2.3, fd00::3 ,")
	if err != nil || len(got) != 2 || got[0].String() != "10.1.2.3" || got[1].String() != "fd00::3" {
		t.Errorf("podAddrs = %v, %v", got, err)
	}
	if _, err := podAddrs("10.1.2.300"); err == nil {
		t.Error("a bad address is accepted")
	}
}

func TestIngressRefusesBadSetups(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	withRoutes := filepath.Join(dir, "routes.yaml")
	if err := os.WriteFile(withRoutes, []byte("listeners:\n  - {name: http, address: 127.0.0.1:0}\nroutes: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"routes in the file", []string{"--config", withRoutes}, 1, "routes: not allowed in Kubernetes ingress mode"},
		{"a bad flag value", []string{"--publish-service", "nope", "--kubeconfig", filepath.Join(dir, "none")}, 2, "NAMESPACE/NAME"},
		{"no API server configuration", []string{"--kubeconfig", filepath.Join(dir, "none")}, 1, "connecting to the API server"},
		{"stray arguments", []string{"extra"}, 2, "unexpected arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			code := run(context.Background(), append([]string{"ingress", "--log-format", "text"}, tc.args...), &bytes.Buffer{}, &stderr)
			if code != tc.wantCode || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, &stderr, tc.wantCode, tc.want)
			}
		})
	}
}
