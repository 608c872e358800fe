package kube

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"

	"github.com/firsthop/firsthop/kube/resolve"
)

// TestReporterNormalProblems checks that a problem marked Normal is
// recorded as a Normal Event and logged at info level, a fault as a
// Warning, and each once while it lasts.
func TestReporterNormalProblems(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	rec := record.NewFakeRecorder(10)
	r := &reporter{log: slog.New(slog.NewTextHandler(&logs, nil)), rec: rec, leader: true}
	ref := corev1.ObjectReference{Kind: "Ingress", Namespace: "shop", Name: "web"}
	note := resolve.Problem{Object: ref, Reason: "Differs", Message: "a difference", Normal: true}
	fault := resolve.Problem{Object: ref, Reason: "Broken", Message: "a fault"}
	r.update([]resolve.Problem{note, fault})
	r.update([]resolve.Problem{note, fault})
	close(rec.Events)
	var got []string
	for e := range rec.Events {
		got = append(got, e)
	}
	want := []string{"Normal Differs a difference", "Warning Broken a fault"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("events %q, want %q", got, want)
	}
	out := logs.String()
	if !strings.Contains(out, `level=INFO msg="ingress note"`) || !strings.Contains(out, `level=WARN msg="ingress problem"`) {
		t.Errorf("log:\n%s\nwant the note at INFO and the fault at WARN", out)
	}
	if n := strings.Count(out, "\n"); n != 2 {
		t.Errorf("%d log lines, want 2 (each problem once)", n)
	}
}
