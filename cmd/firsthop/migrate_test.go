package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firsthop/firsthop/config"
)

const migrateIngresses = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: web
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "120"
    nginx.ingress.kubernetes.io/proxy-connect-timeout: 10
    nginx.ingress.kubernetes.io/whitelist-source-range: 10.0.0.0/8
spec:
  ingressClassName: nginx
  rules: [{host: shop.example.com}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: admin
  namespace: web
  annotations:
    kubernetes.io/ingress.class: nginx
    nginx.ingress.kubernetes.io/configuration-snippet: |
      deny all;
    nginx.ingress.kubernetes.io/proxy-body-size: 8mb
`

const migrateConfigMapYAML = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
    data:
      use-forwarded-headers: "true"
      compute-full-forwarded-for: "true"
      use-proxy-protocol: "true"
      ssl-redirect: "false"
`

// TestMigrate runs migrate on Ingresses and the ConfigMap: every
// annotation gets its verdict, a snippet fails the Ingress closed, the
// trust-everyone default is a WARNING and is not carried, the printed
// configuration loads, and the exit status says something is not served.
func TestMigrate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ing := filepath.Join(dir, "ingresses.yaml")
	cm := filepath.Join(dir, "configmap.yaml")
	for p, body := range map[string]string{ing: migrateIngresses, cm: migrateConfigMapYAML} {
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"migrate", "-f", ing, "-f", cm}, &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit code %d, want 1 (a snippet and a malformed size are not served)\nstderr: %s", code, &stderr)
	}
	out := stdout.String()
	for _, want := range []string{
		"Ingress web/shop (" + ing + ")",
		"served      proxy-connect-timeout: seconds",
		"differs     proxy-read-timeout: seconds",
		"served      whitelist-source-range: the old spelling",
		"Ingress web/admin",
		"NOT SERVED  configuration-snippet: not served: raw nginx configuration",
		"MALFORMED   proxy-body-size: \"8mb\" is not a size",
		"=> FAILS CLOSED",
		"ConfigMap ingress-nginx/ingress-nginx-controller",
		"NOT SERVED  proxy-real-ip-cidr: WARNING: ingress-nginx believed X-Forwarded-For from every address",
		"NOT SERVED  use-proxy-protocol: WARNING",
		"served      (other keys): not translated by migrate: ssl-redirect",
		"    trustedProxies: []",
		"summary: configMaps=1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "0.0.0.0/0\n") || strings.Contains(out, "[0.0.0.0/0") {
		t.Errorf("the trust-everyone default was carried:\n%s", out)
	}

	// -o json: the same report for a pipeline; its config loads.
	stdout.Reset()
	code = run(context.Background(), []string{"migrate", "-o", "json", "-f", ing, "-f", cm}, &stdout, &stderr)
	if code != 1 {
		t.Errorf("json: exit code %d, want 1", code)
	}
	var rep migrateReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("json output: %v\n%s", err, &stdout)
	}
	if len(rep.Ingresses) != 2 || len(rep.ConfigMaps) != 1 || !rep.Ingresses[1].FailClosed || rep.Ingresses[0].FailClosed {
		t.Fatalf("json report %+v", rep)
	}
	cfg, err := config.Parse("migrated.yaml", []byte(rep.ConfigMaps[0].Config), config.Options{Ingress: true})
	if err != nil {
		t.Fatalf("the printed configuration does not load: %v\n%s", err, rep.ConfigMaps[0].Config)
	}
	if n := len(cfg.Table.ClientIP.TrustedProxies); n != 0 {
		t.Errorf("the printed configuration trusts %d prefixes, want none", n)
	}
}

// TestMigrateConfigLoads checks that the configuration printed for each
// client-IP setup loads with firsthop's own parser and says what the
// ConfigMap said.
func TestMigrateConfigLoads(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		want []string
	}{
		{"nothing believed", `{}`, []string{"trustedProxies: []", "sources: []", "xForwardedFor: replace"}},
		{"forwarded headers from the LB", `{use-forwarded-headers: "true", proxy-real-ip-cidr: "10.0.0.0/8,2001:db8::/32"}`, []string{"trustedProxies: [10.0.0.0/8, 2001:db8::/32]", "sources: [x-forwarded-for]"}},
		{"proxy protocol from the LB", `{use-proxy-protocol: "true", proxy-real-ip-cidr: "192.168.0.0/16"}`, []string{"mode: required", "trustedCIDRs: [192.168.0.0/16]"}},
		{"proxy protocol from everyone", `{use-proxy-protocol: "true"}`, []string{"mode: optional", "trustedCIDRs: []", "# WARNING"}},
		{"both, full chain", `{use-forwarded-headers: "true", use-proxy-protocol: "true", compute-full-forwarded-for: "true", proxy-real-ip-cidr: "10.0.0.1"}`, []string{"trustedProxies: [10.0.0.1/32]", "trustedCIDRs: [10.0.0.1/32]", "xForwardedFor: append"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(t.TempDir(), "cm.yaml")
			body := "kind: ConfigMap\nmetadata: {name: c, namespace: n}\ndata: " + tt.data + "\n"
			if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			run(context.Background(), []string{"migrate", "-o", "json", "-f", p}, &stdout, &stderr)
			var rep migrateReport
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || len(rep.ConfigMaps) != 1 {
				t.Fatalf("report: %v\n%s%s", err, &stdout, &stderr)
			}
			yml := rep.ConfigMaps[0].Config
			if _, err := config.Parse("migrated.yaml", []byte(yml), config.Options{Ingress: true}); err != nil {
				t.Errorf("does not load: %v\n%s", err, yml)
			}
			for _, w := range tt.want {
				if !strings.Contains(yml, w) {
					t.Errorf("config lacks %q:\n%s", w, yml)
				}
			}
		})
	}
}

// TestMigrateExitStatus checks the exit status: 0 when everything is
// served, 2 for a missing -f, an unreadable file or no objects.
func TestMigrateExitStatus(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	served := filepath.Join(dir, "served.yaml")
	empty := filepath.Join(dir, "empty.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(served, []byte("kind: Ingress\nmetadata:\n  name: a\n  namespace: b\n  annotations:\n    nginx.ingress.kubernetes.io/proxy-connect-timeout: \"5\"\nspec: {ingressClassName: nginx}\n"), 0o600)
	os.WriteFile(empty, []byte("kind: Service\nmetadata: {name: s}\n"), 0o600)
	os.WriteFile(bad, []byte("kind: [\n"), 0o600)
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"-f", served}, 0},
		{[]string{}, 2},
		{[]string{"-f", filepath.Join(dir, "missing.yaml")}, 2},
		{[]string{"-f", empty}, 2},
		{[]string{"-f", bad}, 2},
		{[]string{"-f", served, "-o", "xml"}, 2},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), append([]string{"migrate"}, tt.args...), &stdout, &stderr); code != tt.code {
			t.Errorf("migrate %v: exit %d, want %d\nstdout: %s\nstderr: %s", tt.args, code, tt.code, &stdout, &stderr)
		}
	}
}
