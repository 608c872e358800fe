package kube

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/client-go/tools/record"
)

// campaign takes part in the election for the Lease ElectionID until ctx
// is done. Losing the lease (the API server unreachable past
// RenewDeadline, say) only stops status writes and Events; it campaigns
// again at once. Traffic is served by every replica all along.
func (c *Controller) campaign(ctx context.Context) {
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: c.cfg.ElectionNamespace, Name: c.cfg.ElectionID},
		Client:     c.client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: c.identity},
	}
	c.log.Info("campaigning for leadership", "lease", c.cfg.ElectionNamespace+"/"+c.cfg.ElectionID, "identity", c.identity)
	for ctx.Err() == nil {
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock:            lock,
			Name:            c.cfg.ElectionID,
			LeaseDuration:   c.cfg.LeaseDuration,
			RenewDeadline:   c.cfg.RenewDeadline,
			RetryPeriod:     c.cfg.RetryPeriod,
			ReleaseOnCancel: true,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(context.Context) { c.setLeader(true) },
				OnStoppedLeading: func() { c.setLeader(false) },
			},
		})
		if err != nil {
			// Only a bad configuration fails here, and NewController
			// checked it.
			c.log.Error("leader election cannot start; this replica never writes status", "error", err.Error())
			return
		}
		le.Run(ctx)
	}
}

// eventRecorder returns the recorder for problem Events: Config.Recorder,
// or one writing to the API server. stop flushes and stops the latter.
func (c *Controller) eventRecorder(ctx context.Context) (rec EventRecorder, stop func()) {
	if c.cfg.Recorder != nil {
		return c.cfg.Recorder, func() {}
	}
	b := record.NewBroadcaster(record.WithContext(ctx))
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: c.client.CoreV1().Events("")})
	r := b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "firsthop-ingress", Host: c.cfg.Base.Node})
	return r, b.Shutdown
}
