package resolve

import (
	"testing"

	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/kube/internal/kubetest"
)

func TestCertCacheParsesEachVersionOnce(t *testing.T) {
	t.Parallel()
	crt, key := kubetest.SelfSigned(t, "a", "a.example.com")
	s := kubetest.TLSSecret("shop", "a", crt, key)
	var c CertCache
	first, err := c.Load(s)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.Load(s.DeepCopy()); again != first {
		t.Error("the same Secret version was parsed again")
	}
	s2 := s.DeepCopy()
	s2.ResourceVersion = "2"
	if next, _ := c.Load(s2); next == first || next == nil {
		t.Error("a new Secret version was not parsed")
	}
	c.KeepOnly(map[types.NamespacedName]bool{})
	if len(c.m) != 0 {
		t.Errorf("KeepOnly(none) left %d entries", len(c.m))
	}
}
