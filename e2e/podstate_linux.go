package e2e

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Pacing of the pod runner: fast, since tests wait on it.
const (
	// podRetry is how often a pod waiting for a Secret or ConfigMap looks
	// again.
	podRetry = 250 * time.Millisecond
	// probeEvery is how often readiness is checked until it passes.
	probeEvery = 100 * time.Millisecond
	// firstBackoff and maxBackoff bound the wait before restarting a
	// container that exited (a kubelet's start at 10 s and end at 5 min).
	firstBackoff = 200 * time.Millisecond
	maxBackoff   = 5 * time.Second
)

// podState is one pod the runner runs: its namespace, its containers and
// the status it reports.
type podState struct {
	r    *PodRunner
	pod  *corev1.Pod // as first seen
	node *Host
	host *Host // the pod's own namespace, once created
	dir  string

	writeMu sync.Mutex // serializes status writes, so the last one wins

	mu         sync.Mutex
	containers []*containerRun
	reason     string // pod-level, while Pending
	message    string
	readyMsg   string // why the pod is not ready
	start      metav1.Time
	conds      map[corev1.PodConditionType]corev1.PodCondition
}

// containerRun is one container of a podState.
type containerRun struct {
	spec   corev1.Container
	image  PodImage
	proc   *Proc
	status corev1.ContainerStatus
}

func newPodState(r *PodRunner, pod *corev1.Pod, node *Host) *podState {
	p := &podState{r: r, pod: pod, node: node, start: metav1.Now(), conds: map[corev1.PodConditionType]corev1.PodCondition{}}
	for _, c := range pod.Spec.Containers {
		p.containers = append(p.containers, &containerRun{spec: c, status: corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: "",
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}},
		}})
	}
	return p
}

// run starts the pod's containers and supervises them until ctx ends.
// Failures before a container starts (an unknown image, a missing Secret)
// are reported in the pod's status, which stays Pending.
func (p *podState) run(ctx context.Context) {
	p.write(ctx)
	var unknown []string
	for _, c := range p.containers {
		img, ok := p.r.images[ImageName(c.spec.Image)]
		if !ok {
			msg := fmt.Sprintf("image %q (name %q) is not in the e2e pod runner's image table (known: %v); see e2e/README.md, \"Adding an image\"",
				c.spec.Image, ImageName(c.spec.Image), p.r.Images())
			p.setWaiting(c, "ErrImagePull", msg)
			unknown = append(unknown, msg)
		}
		c.image = img
	}
	if len(unknown) > 0 {
		p.setPod("ErrImagePull", unknown[0])
		p.r.logf("pod %s/%s: %s", p.pod.Namespace, p.pod.Name, unknown[0])
		p.write(ctx)
		<-ctx.Done()
		return
	}
	host, err := p.r.fabric.addHost(HostSpec{Name: p.r.podHostName(p.pod), Role: Pod})
	if err == nil {
		p.mu.Lock()
		p.host = host
		p.mu.Unlock()
		p.dir, err = p.r.podDir(p.pod)
	}
	if err != nil {
		p.setPod("CreatePodSandboxError", err.Error())
		p.write(ctx)
		<-ctx.Done()
		return
	}
	p.write(ctx)
	var wg sync.WaitGroup
	for _, c := range p.containers {
		wg.Go(func() { p.runContainer(ctx, c) })
	}
	wg.Wait()
	<-ctx.Done()
}

// runContainer starts c, waits for it to be ready, and restarts it as the
// pod's restartPolicy says when it exits, until ctx ends (the process is
// then left to [podState.stop]).
func (p *podState) runContainer(ctx context.Context, c *containerRun) {
	backoff := firstBackoff
	for ctx.Err() == nil {
		argv, env, err := p.prepare(ctx, c)
		if err != nil {
			if p.setWaiting(c, "CreateContainerConfigError", err.Error()) {
				p.r.logf("pod %s/%s container %s: %v (waiting)", p.pod.Namespace, p.pod.Name, c.spec.Name, err)
				p.write(ctx)
			}
			sleepCtx(ctx, podRetry)
			continue
		}
		grace := time.Duration(30) * time.Second
		if g := p.pod.Spec.TerminationGracePeriodSeconds; g != nil {
			grace = time.Duration(*g) * time.Second
		}
		if grace == 0 {
			grace = -1
		}
		proc, err := startProc(p.host.Netns, ProcSpec{
			Name: p.pod.Namespace + "/" + p.pod.Name + "/" + c.spec.Name, Args: argv, Env: env, ExactEnv: true,
			Dir: p.dir, StopTimeout: grace, Log: p.r.containerLog(p.pod, c.spec.Name),
		})
		if err != nil {
			p.setWaiting(c, "StartError", err.Error())
			p.write(ctx)
			sleepCtx(ctx, backoff)
			continue
		}
		p.mu.Lock()
		c.proc = proc
		now := metav1.Now()
		started := true
		c.status.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}
		c.status.Started = &started
		c.status.ContainerID = "e2e://" + strconv.Itoa(proc.PID())
		c.status.Ready = false
		p.mu.Unlock()
		p.write(ctx)

		if p.waitReady(ctx, c, proc) {
			p.mu.Lock()
			c.status.Ready = true
			p.mu.Unlock()
			p.write(ctx)
			backoff = firstBackoff
		}
		select {
		case <-ctx.Done():
			return
		case <-proc.Done():
		}
		code, reason := exitCode(proc.ExitError())
		p.r.logf("pod %s/%s container %s exited: %s (%d)\n%s", p.pod.Namespace, p.pod.Name, c.spec.Name, reason, code, lastLines([]byte(proc.Output()), 5))
		p.mu.Lock()
		term := &corev1.ContainerStateTerminated{
			ExitCode: int32(code), Reason: reason, Message: lastLines([]byte(proc.Output()), 5),
			StartedAt: c.status.State.Running.StartedAt, FinishedAt: metav1.Now(), ContainerID: c.status.ContainerID,
		}
		c.status.State = corev1.ContainerState{Terminated: term}
		c.status.Ready = false
		c.proc = nil
		restart := p.pod.Spec.RestartPolicy == corev1.RestartPolicyAlways ||
			p.pod.Spec.RestartPolicy == "" ||
			p.pod.Spec.RestartPolicy == corev1.RestartPolicyOnFailure && code != 0
		if restart {
			c.status.LastTerminationState = corev1.ContainerState{Terminated: term}
			c.status.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
				Reason: "CrashLoopBackOff", Message: fmt.Sprintf("back-off %v restarting failed container %s", backoff, c.spec.Name),
			}}
			c.status.RestartCount++
		}
		p.mu.Unlock()
		p.write(ctx)
		if !restart {
			return
		}
		sleepCtx(ctx, backoff)
		backoff = min(2*backoff, maxBackoff)
	}
}

// waitReady polls c's readiness (its readiness probe, or else a TCP
// connection to its first declared TCP port, or else nothing) until it
// passes, the process exits or ctx ends; it reports whether it passed.
// Readiness is not probed again once it passed.
func (p *podState) waitReady(ctx context.Context, c *containerRun, proc *Proc) bool {
	if pr := c.spec.ReadinessProbe; pr != nil && pr.InitialDelaySeconds > 0 {
		sleepCtx(ctx, time.Duration(pr.InitialDelaySeconds)*time.Second)
	}
	var last string
	for {
		err := p.probe(ctx, c)
		if err == nil {
			return true
		}
		if msg := "container " + c.spec.Name + " not ready: " + err.Error(); msg != last {
			last = msg
			p.mu.Lock()
			p.readyMsg = msg
			p.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return false
		case <-proc.Done():
			return false
		case <-time.After(probeEvery):
		}
	}
}

// probe checks c's readiness once, from the pod's node, as a kubelet does.
func (p *podState) probe(ctx context.Context, c *containerRun) error {
	pr := c.spec.ReadinessProbe
	timeout := time.Second
	if pr != nil && pr.TimeoutSeconds > 0 {
		timeout = time.Duration(pr.TimeoutSeconds) * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dialTCP := func(port intstr.IntOrString) error {
		n, err := containerPort(c.spec, port)
		if err != nil {
			return err
		}
		conn, err := p.node.DialContext(ctx, "tcp", net.JoinHostPort(p.host.IPv4.String(), strconv.Itoa(n)))
		if err != nil {
			return err
		}
		return conn.Close()
	}
	switch {
	case pr == nil:
		for _, port := range c.spec.Ports {
			if port.Protocol == "" || port.Protocol == corev1.ProtocolTCP {
				return dialTCP(intstr.FromInt32(port.ContainerPort))
			}
		}
		return nil
	case pr.HTTPGet != nil:
		return p.probeHTTP(ctx, c, pr.HTTPGet)
	case pr.TCPSocket != nil:
		return dialTCP(pr.TCPSocket.Port)
	case pr.GRPC != nil:
		// A connection, not the gRPC health protocol.
		return dialTCP(intstr.FromInt32(pr.GRPC.Port))
	default:
		return errors.New("only httpGet, tcpSocket and grpc readiness probes are supported by the e2e pod runner")
	}
}

// probeHTTP is an httpGet probe: a status from 200 to 399 passes.
func (p *podState) probeHTTP(ctx context.Context, c *containerRun, g *corev1.HTTPGetAction) error {
	port, err := containerPort(c.spec, g.Port)
	if err != nil {
		return err
	}
	host := g.Host
	if host == "" {
		host = p.host.IPv4.String()
	}
	scheme := "http"
	if g.Scheme == corev1.URISchemeHTTPS {
		scheme = "https"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+net.JoinHostPort(host, strconv.Itoa(port))+g.Path, nil)
	if err != nil {
		return err
	}
	for _, h := range g.HTTPHeaders {
		if http.CanonicalHeaderKey(h.Name) == "Host" {
			req.Host = h.Value
		} else {
			req.Header.Add(h.Name, h.Value)
		}
	}
	req.Header.Set("User-Agent", "kube-probe/e2e")
	tr := &http.Transport{DialContext: p.node.DialContext, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("GET %s: status %d", req.URL, resp.StatusCode)
	}
	return nil
}

// containerPort resolves a probe's port: a number, or the name of one of
// c's ports.
func containerPort(c corev1.Container, port intstr.IntOrString) (int, error) {
	if port.Type == intstr.Int {
		return port.IntValue(), nil
	}
	for _, cp := range c.Ports {
		if cp.Name == port.StrVal {
			return int(cp.ContainerPort), nil
		}
	}
	return 0, fmt.Errorf("no port named %q in container %s", port.StrVal, c.Name)
}

// stop ends the pod's processes: gracefully (preStop sleep, SIGTERM, the
// grace period, SIGKILL) or at once.
func (p *podState) stop(graceful bool) {
	p.mu.Lock()
	var running []*containerRun
	for _, c := range p.containers {
		if c.proc != nil {
			running = append(running, c)
		}
	}
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range running {
		wg.Go(func() {
			if graceful {
				if l := c.spec.Lifecycle; l != nil && l.PreStop != nil && l.PreStop.Sleep != nil {
					time.Sleep(time.Duration(l.PreStop.Sleep.Seconds) * time.Second)
				}
			} else {
				_ = c.proc.Signal(syscall.SIGKILL)
			}
			err := c.proc.Stop()
			if p.r.t.Failed() || err != nil && !isSignalled(err) {
				p.r.t.Logf("--- pod %s/%s container %s (netns %s) output, stop: %v ---\n%s--- end ---",
					p.pod.Namespace, p.pod.Name, c.spec.Name, c.proc.Netns, err, c.proc.Output())
			}
		})
	}
	wg.Wait()
}

// setWaiting puts c in state Waiting with reason and message; it reports
// whether that changed anything.
func (p *podState) setWaiting(c *containerRun, reason, message string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if w := c.status.State.Waiting; w != nil && w.Reason == reason && w.Message == message {
		return false
	}
	c.status.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}}
	return true
}

// setPod sets the pod-level reason and message shown while it is Pending.
func (p *podState) setPod(reason, message string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reason, p.message = reason, message
}

// write sends the current status to the API server.
func (p *podState) write(ctx context.Context) {
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	if ctx.Err() != nil {
		return
	}
	st := p.status()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := updatePodStatus(wctx, p.r.cs, p.pod.Namespace, p.pod.Name, p.pod.UID, st); err != nil && ctx.Err() == nil {
		p.r.logf("pod %s/%s: writing status: %v", p.pod.Namespace, p.pod.Name, err)
	}
}

// status is the pod's status as a kubelet would write it now.
func (p *podState) status() corev1.PodStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := corev1.PodStatus{
		HostIP:    p.node.IPv4.String(),
		HostIPs:   []corev1.HostIP{{IP: p.node.IPv4.String()}, {IP: p.node.IPv6.String()}},
		StartTime: &p.start,
	}
	if p.host != nil {
		st.PodIP = p.host.IPv4.String()
		st.PodIPs = []corev1.PodIP{{IP: p.host.IPv4.String()}, {IP: p.host.IPv6.String()}}
	}
	allReady, allStarted, allDone, allZero := len(p.containers) > 0, true, true, true
	for _, c := range p.containers {
		st.ContainerStatuses = append(st.ContainerStatuses, *c.status.DeepCopy())
		allReady = allReady && c.status.Ready
		allStarted = allStarted && c.status.Started != nil
		done := c.status.State.Terminated != nil
		allDone = allDone && done
		allZero = allZero && done && c.status.State.Terminated.ExitCode == 0
	}
	switch {
	case !allStarted:
		st.Phase = corev1.PodPending
		st.Reason, st.Message = p.reason, p.message
	case allDone && allZero:
		st.Phase = corev1.PodSucceeded
	case allDone:
		st.Phase = corev1.PodFailed
	default:
		st.Phase = corev1.PodRunning
	}
	notReady := p.readyMsg
	if notReady == "" {
		notReady = "containers not ready"
	}
	p.cond(corev1.PodReadyToStartContainers, p.host != nil, "")
	p.cond(corev1.PodInitialized, true, "")
	p.cond(corev1.ContainersReady, allReady, notReady)
	p.cond(corev1.PodReady, allReady, notReady)
	for _, t := range []corev1.PodConditionType{corev1.PodReadyToStartContainers, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady} {
		st.Conditions = append(st.Conditions, p.conds[t])
	}
	return st
}

// cond records condition t's state, moving its transition time only when
// the state changes. The caller holds p.mu.
func (p *podState) cond(t corev1.PodConditionType, ok bool, whyNot string) {
	s, msg, reason := corev1.ConditionTrue, "", ""
	if !ok {
		s, msg, reason = corev1.ConditionFalse, whyNot, "NotReady"
		if whyNot == "" {
			reason = ""
		}
	}
	cur, seen := p.conds[t]
	if !seen || cur.Status != s {
		cur = corev1.PodCondition{Type: t, Status: s, LastTransitionTime: metav1.Now()}
	}
	cur.Reason, cur.Message = reason, msg
	p.conds[t] = cur
}

// exitCode turns a process's exit error into a container's exit code and
// reason: 0 "Completed", n "Error", 128+signal for a signal.
func exitCode(err error) (int, string) {
	if err == nil {
		return 0, "Completed"
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), "Error"
		}
		return ee.ExitCode(), "Error"
	}
	return 128, "Error"
}

// sleepCtx sleeps d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
