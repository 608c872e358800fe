package kube

import (
	"context"
	"log/slog"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/firsthop/firsthop/kube/resolve"
)

// EventRecorder records Kubernetes Events. client-go's record.EventRecorder
// and record.FakeRecorder satisfy it.
type EventRecorder interface {
	Eventf(regarding runtime.Object, eventtype, reason, messageFmt string, args ...any)
}

// reporter logs problems and records them as Events (Warning, or Normal
// for a [resolve.Problem] marked Normal), each once
// while it lasts: a problem that is still there at the next build is not
// repeated; one that goes away and comes back is. Every replica logs;
// only the leader records Events, so that N replicas do not write N
// copies. Safe for concurrent use.
type reporter struct {
	log *slog.Logger
	rec EventRecorder // nil: no Events

	mu      sync.Mutex
	leader  bool
	current []resolve.Problem
	logged  map[resolve.Problem]bool
	emitted map[resolve.Problem]bool
}

// update replaces the current problems with problems.
func (r *reporter) update(problems []resolve.Problem) {
	r.mu.Lock()
	defer r.mu.Unlock()
	logged := make(map[resolve.Problem]bool, len(problems))
	for _, p := range problems {
		if !r.logged[p] {
			level, what := slog.LevelWarn, "ingress problem"
			if p.Normal {
				level, what = slog.LevelInfo, "ingress note"
			}
			r.log.Log(context.Background(), level, what,
				"kind", p.Object.Kind, "namespace", p.Object.Namespace, "name", p.Object.Name,
				"reason", p.Reason, "message", p.Message, "skipped", p.Skipped)
		}
		logged[p] = true
	}
	r.logged = logged
	r.current = problems
	r.emitLocked()
}

// setLeader says whether this replica records Events. A new leader records
// the problems that are current, once.
func (r *reporter) setLeader(leader bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.leader = leader
	if !leader {
		r.emitted = nil
		return
	}
	r.emitLocked()
}

func (r *reporter) emitLocked() {
	if !r.leader || r.rec == nil {
		return
	}
	emitted := make(map[resolve.Problem]bool, len(r.current))
	for _, p := range r.current {
		if !r.emitted[p] && !emitted[p] {
			ref := p.Object
			typ := corev1.EventTypeWarning
			if p.Normal {
				typ = corev1.EventTypeNormal
			}
			r.rec.Eventf(&ref, typ, p.Reason, "%s", p.Message)
		}
		emitted[p] = true
	}
	r.emitted = emitted
}
