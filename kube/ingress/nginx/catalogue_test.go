package nginx

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/firsthop/firsthop/kube/internal/kubetest"
)

// TestCatalogueComplete checks the catalogue against the list of
// annotations ingress-nginx documents (testdata, taken from its docs):
// every one has an entry and no entry is invented.
func TestCatalogueComplete(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/ingress-nginx-annotations.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	upstream := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			upstream[line] = true
		}
	}
	for name := range upstream {
		if _, ok := Lookup(name); !ok {
			t.Errorf("ingress-nginx documents %s; the catalogue has no entry", name)
		}
		if _, ok := Lookup(Prefix + name); !ok {
			t.Errorf("Lookup(%q) with the prefix finds nothing", Prefix+name)
		}
	}
	for _, a := range Catalogue() {
		if !upstream[a.Name] {
			t.Errorf("catalogue entry %s is not an annotation ingress-nginx documents", a.Name)
		}
	}
	if len(Catalogue()) != len(upstream) {
		t.Errorf("catalogue has %d entries, ingress-nginx documents %d", len(Catalogue()), len(upstream))
	}
}

// TestCatalogueEntries checks each entry: sorted and unique (Lookup
// searches it), a status, a note, a family, and aliases that exist.
func TestCatalogueEntries(t *testing.T) {
	t.Parallel()
	for i, a := range catalogue {
		if i > 0 && catalogue[i-1].Name >= a.Name {
			t.Errorf("catalogue not sorted or not unique at %s after %s", a.Name, catalogue[i-1].Name)
		}
		if a.Status < Served || a.Status > Refused {
			t.Errorf("%s: no status", a.Name)
		}
		if a.Note == "" || a.Family == "" {
			t.Errorf("%s: note or family missing", a.Name)
		}
		if a.AliasOf != "" {
			if _, ok := Lookup(a.AliasOf); !ok {
				t.Errorf("%s: alias of unknown %s", a.Name, a.AliasOf)
			}
		}
		if a.Status == Refused && a.Needs != "" {
			t.Errorf("%s: refused, yet needs %q", a.Name, a.Needs)
		}
		if got, ok := Lookup(a.Name); !ok || got.Name != a.Name {
			t.Errorf("Lookup(%q) = %v, %v", a.Name, got.Name, ok)
		}
	}
	if _, ok := Lookup("no-such-annotation"); ok {
		t.Error("Lookup found an unknown name")
	}
}

// TestMigrationGuideUpToDate checks that docs/ingress-nginx-migration.md
// is MigrationGuide(); -update rewrites it.
func TestMigrationGuideUpToDate(t *testing.T) {
	const path = "../../../docs/ingress-nginx-migration.md"
	want := MigrationGuide()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./kube/ingress/nginx -run TestMigrationGuideUpToDate -update writes it)", err)
	}
	if string(got) != want {
		t.Errorf("%s differs from the catalogue (go test ./kube/ingress/nginx -run TestMigrationGuideUpToDate -update rewrites it):\n%s", path, kubetest.LineDiff(string(got), want))
	}
	for _, a := range catalogue {
		if !strings.Contains(want, "| `"+a.Name+"` |") {
			t.Errorf("the guide has no row for %s", a.Name)
		}
	}
}

// TestParseIgnoresOtherPrefixes checks that only ingress-nginx's
// annotations are read.
func TestParseIgnoresOtherPrefixes(t *testing.T) {
	t.Parallel()
	f, findings := Parse(map[string]string{
		"firsthop.io/backend-protocol":                  "h2c",
		"kubernetes.io/ingress.class":                   "nginx",
		"nginx.ingress.kubernetes.io-x/proxy-body-size": "1m",
		"proxy-body-size":                               "1m",
	})
	if len(findings) != 0 || f.Protocol != nil || f.MaxRequestBodyBytes != nil {
		t.Errorf("Parse read other prefixes: %+v %v", f, findings)
	}
}
