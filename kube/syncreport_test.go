package kube_test

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/firsthop/firsthop/internal/testlog"
	"github.com/firsthop/firsthop/kube"
	"github.com/firsthop/firsthop/kube/internal/kubetest"
)

// TestSyncWaitSaysWhatAndWhy: while a cache cannot sync, Run logs at warn
// level, again and again, which caches it waits for and the error that
// keeps them from syncing.
func TestSyncWaitSaysWhatAndWhy(t *testing.T) {
	t.Parallel()
	logs := &testlog.Buffer{}
	h := start(t, func(c *kube.Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
		c.SyncReportInterval = 20 * time.Millisecond
		c.Client.(*fake.Clientset).PrependReactor("list", "ingresses", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, errors.New(`ingresses.networking.k8s.io is forbidden: User "system:serviceaccount:firsthop:firsthop" cannot list resource "ingresses"`)
		})
	})
	kubetest.Eventually(t, "two reports of the wait", func() (bool, string) {
		n := 0
		for l := range strings.Lines(logs.String()) {
			if strings.Contains(l, "level=WARN") && strings.Contains(l, `msg="waiting for the informer caches to sync"`) {
				n++
				for _, want := range []string{"waiting_for=ingresses ", "cannot list resource", "waited="} {
					if !strings.Contains(l, want) {
						return false, "line " + l + " does not contain " + want
					}
				}
			}
		}
		return n >= 2, logs.String()
	})
	if _, n := h.pub.last(); n != 0 {
		t.Errorf("%d tables published before the caches synced", n)
	}
}
