package e2e

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/firsthop/firsthop/kube/ingress"
	"github.com/firsthop/firsthop/kube/ingress/nginx"
)

// createNginxIngress creates Ingress name routing host's path to svc,
// with the ingress-nginx annotations given without nginx.Prefix.
func createNginxIngress(t *testing.T, k *kube, name, host, path, svc string, annotations map[string]string) {
	t.Helper()
	ing := IngressObject(kubeNS, name, kubeClass, IngressRoute{Host: host, Path: path, Service: svc})
	ing.Annotations = map[string]string{}
	for k, v := range annotations {
		ing.Annotations[nginx.Prefix+k] = v
	}
	Must[any](t, "creating Ingress "+name)(k.cs.NetworkingV1().Ingresses(kubeNS).Create(Ctx(t), ing, metav1.CreateOptions{}))
}

// waitEvent polls the Events of Ingress name until one of type typ and
// reason names what in its message.
func waitEvent(t *testing.T, k *kube, name, typ, reason, what string) {
	t.Helper()
	Eventually(t, 30*time.Second, fmt.Sprintf("a %s Event %s on %s/%s naming %s", typ, reason, kubeNS, name, what), func() error {
		evs := Must[*corev1.EventList](t, "listing Events")(k.cs.CoreV1().Events(kubeNS).List(Ctx(t), metav1.ListOptions{
			FieldSelector: "involvedObject.kind=Ingress,involvedObject.name=" + name,
		}))
		var seen []string
		for _, e := range evs.Items {
			if e.Type == typ && e.Reason == reason && strings.Contains(e.Message, what) {
				return nil
			}
			seen = append(seen, e.Type+" "+e.Reason)
		}
		return fmt.Errorf("events: %q", seen)
	})
}

// TestIngressNginxAnnotations checks issue 19's ingress-nginx annotations
// served by `firsthop ingress --ingress-nginx-annotations` on the real API
// server, one subtest per annotation family that the data plane serves
// today: the answers are those ingress-nginx documents. Clients connect
// to the direct listener (nothing trusted); Service web is pod-a's
// echo, web-canary pod-b's.
func TestIngressNginxAnnotations(t *testing.T) {
	k := newKube(t)
	k.setSlice(t, endpointsOn(k.podA, "node-a")...)
	const canarySvc = "web-canary"
	Must[*corev1.Service](t, "creating the canary Service")(
		k.cs.CoreV1().Services(kubeNS).Create(Ctx(t), ServiceObject(kubeNS, canarySvc), metav1.CreateOptions{}))
	Must[any](t, "creating the canary EndpointSlice")(k.cs.DiscoveryV1().EndpointSlices(kubeNS).Create(Ctx(t),
		EndpointSliceObject(kubeNS, canarySvc+"-1", canarySvc, endpointsOn(k.podB, "node-b")...), metav1.CreateOptions{}))
	k.nodeA.FirsthopIngress(t, k.cluster, IngressSpec{
		Config: k.ingressConfig(),
		Args:   []string{"--ingress-nginx-annotations", "--election-id", ""},
	})
	direct := "http://" + k.nodeA.Addr4(l7Port).String()
	c := k.client.HTTPClient(5 * time.Second)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	podA, podB := k.podA.Addr4(echoPort).String(), k.podB.Addr4(echoPort).String()

	// poll sends GET path to host until check accepts the answer.
	poll := func(t *testing.T, what, host, path string, check func(reply) error, header ...string) reply {
		t.Helper()
		var last reply
		Eventually(t, 30*time.Second, what, func() error {
			a, err := get(c, direct+path, host, header...)
			if err != nil {
				return err
			}
			last = a
			return check(a)
		})
		return last
	}

	t.Run("permanent-redirect answers its code and Location", func(t *testing.T) {
		const host = "moved.example.com"
		createNginxIngress(t, k, "moved", host, "/", kubeSvc, map[string]string{
			"permanent-redirect":      "https://new.example.com/landing",
			"permanent-redirect-code": "308",
		})
		a := poll(t, "a 308 for "+host, host, "/old/page", status(http.StatusPermanentRedirect))
		if got, want := a.header.Get("Location"), "https://new.example.com/landing"; got != want {
			t.Errorf("Location %q, want %q", got, want)
		}
		// The difference (the query kept) is a Normal Event.
		waitEvent(t, k, "moved", corev1.EventTypeNormal, ingress.ReasonNginxAnnotationDiffers, "permanent-redirect")
	})

	t.Run("rewrite-target is the path the backend sees", func(t *testing.T) {
		const host = "rewrite.example.com"
		createNginxIngress(t, k, "rewrite", host, "/api", kubeSvc, map[string]string{"rewrite-target": "/"})
		a := poll(t, host+" served", host, "/api/users?page=2", servedBy(k.podA))
		if a.echo.Path != "/" || a.echo.Query != "page=2" {
			t.Errorf("backend got path %q query %q, want / and page=2 (the whole path rewritten, the query kept)\n%s", a.echo.Path, a.echo.Query, a.echo)
		}
	})

	t.Run("upstream-vhost is the Host the backend sees", func(t *testing.T) {
		const host = "vhost.example.com"
		createNginxIngress(t, k, "vhost", host, "/", kubeSvc, map[string]string{"upstream-vhost": "internal.shop.svc"})
		a := poll(t, host+" served", host, "/", servedBy(k.podA))
		if a.echo.Host != "internal.shop.svc" {
			t.Errorf("backend got Host %q, want internal.shop.svc\n%s", a.echo.Host, a.echo)
		}
		a.echo.WantHeader(t, "X-Forwarded-Host", host)
	})

	t.Run("canary-weight splits 1,000 requests within statistical bounds", func(t *testing.T) {
		const host, weight, n = "split.example.com", 30, 1000
		createNginxIngress(t, k, "split", host, "/", kubeSvc, nil)
		createNginxIngress(t, k, "split-canary", host, "/", canarySvc, map[string]string{
			"canary":        "true",
			"canary-weight": fmt.Sprint(weight),
		})
		poll(t, "the canary joined", host, "/", servedBy(k.podB))
		canary := 0
		for i := range n {
			a, err := get(c, direct+"/", host)
			if err != nil || a.status != http.StatusOK {
				t.Fatalf("request %d: %v %d %.200s", i, err, a.status, a.body)
			}
			switch a.echo.LocalAddr {
			case podB:
				canary++
			case podA:
			default:
				t.Fatalf("request %d answered by %q, neither pod", i, a.echo.LocalAddr)
			}
		}
		// Binomial(1000, 0.3): mean 300, standard deviation 14.5; six of
		// them either side fail a fair split about once in 10^9 runs.
		if lo, hi := 213, 387; canary < lo || canary > hi {
			t.Errorf("%d of %d requests went to the canary, want %d%% (%d to %d)", canary, n, weight, lo, hi)
		}
		t.Logf("%d of %d requests to the canary (weight %d%%)", canary, n, weight)
	})

	t.Run("canary-by-header always, never and absent", func(t *testing.T) {
		const host = "header.example.com"
		createNginxIngress(t, k, "header", host, "/", kubeSvc, nil)
		createNginxIngress(t, k, "header-canary", host, "/", canarySvc, map[string]string{
			"canary":           "true",
			"canary-by-header": "X-Canary",
		})
		poll(t, "X-Canary: always to the canary", host, "/", servedBy(k.podB), "X-Canary", "always")
		for _, tc := range []struct {
			header []string
			want   *Host
		}{
			{[]string{"X-Canary", "always"}, k.podB},
			{[]string{"X-Canary", "never"}, k.podA},
			{[]string{"X-Canary", "sometimes"}, k.podA},
			{nil, k.podA},
		} {
			for range 5 {
				a, err := get(c, direct+"/", host, tc.header...)
				if err == nil {
					err = servedBy(tc.want)(a)
				}
				if err != nil {
					t.Errorf("header %q: %v", tc.header, err)
					break
				}
			}
		}
	})

	t.Run("x-forwarded-prefix reaches the backend on a listener that trusts nothing", func(t *testing.T) {
		const host = "prefix.example.com"
		createNginxIngress(t, k, "prefix", host, "/api", kubeSvc, map[string]string{"rewrite-target": "/", "x-forwarded-prefix": "/api"})
		a := poll(t, host+" served", host, "/api/users", servedBy(k.podA), "X-Forwarded-Prefix", "/evil")
		a.echo.WantHeader(t, "X-Forwarded-Prefix", "/api")
	})

	t.Run("proxy-body-size answers 413 above it", func(t *testing.T) {
		const host = "body.example.com"
		createNginxIngress(t, k, "body", host, "/", kubeSvc, map[string]string{"proxy-body-size": "1k"})
		poll(t, host+" served", host, "/", servedBy(k.podA))
		for _, tc := range []struct{ size, want int }{{1024, http.StatusOK}, {4096, http.StatusRequestEntityTooLarge}} {
			req := Must[*http.Request](t, "a request")(http.NewRequest(http.MethodPost, direct+"/", strings.NewReader(strings.Repeat("x", tc.size))))
			req.Host = host
			resp, err := c.Do(req)
			if err != nil {
				t.Fatalf("%d bytes: %v", tc.size, err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("a body of %d bytes: %d, want %d", tc.size, resp.StatusCode, tc.want)
			}
		}
	})

	t.Run("force-ssl-redirect answers 308 to https", func(t *testing.T) {
		const host = "secure.example.com"
		createNginxIngress(t, k, "secure", host, "/", kubeSvc, map[string]string{"force-ssl-redirect": "true"})
		a := poll(t, "a 308 for "+host, host, "/a/b?c=d", status(http.StatusPermanentRedirect))
		if got, want := a.header.Get("Location"), "https://"+host+"/a/b?c=d"; got != want {
			t.Errorf("Location %q, want %q", got, want)
		}
	})

	t.Run("enable-cors answers preflights", func(t *testing.T) {
		const host, origin = "cors.example.com", "https://app.example.com"
		createNginxIngress(t, k, "cors", host, "/", kubeSvc, map[string]string{"enable-cors": "true", "cors-allow-origin": origin, "cors-max-age": "600"})
		poll(t, host+" served", host, "/", servedBy(k.podA))
		Eventually(t, 30*time.Second, "a CORS preflight answer", func() error {
			req := Must[*http.Request](t, "a request")(http.NewRequest(http.MethodOptions, direct+"/", nil))
			req.Host = host
			req.Header.Set("Origin", origin)
			req.Header.Set("Access-Control-Request-Method", "PUT")
			resp, err := c.Do(req)
			if err != nil {
				return err
			}
			resp.Body.Close()
			h := resp.Header
			if resp.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != origin ||
				!strings.Contains(h.Get("Access-Control-Allow-Methods"), "PUT") || h.Get("Access-Control-Max-Age") != "600" ||
				h.Get("Access-Control-Allow-Credentials") != "true" {
				return fmt.Errorf("status %d, headers %v", resp.StatusCode, h)
			}
			return nil
		})
	})

	t.Run("affinity cookie keeps a client on one of two endpoints", func(t *testing.T) {
		const host, svc = "sticky.example.com", "web-both"
		Must[*corev1.Service](t, "creating the Service")(
			k.cs.CoreV1().Services(kubeNS).Create(Ctx(t), ServiceObject(kubeNS, svc), metav1.CreateOptions{}))
		Must[any](t, "creating its EndpointSlice")(k.cs.DiscoveryV1().EndpointSlices(kubeNS).Create(Ctx(t),
			EndpointSliceObject(kubeNS, svc+"-1", svc, append(endpointsOn(k.podA, "node-a"), endpointsOn(k.podB, "node-b")...)...), metav1.CreateOptions{}))
		createNginxIngress(t, k, "sticky", host, "/", svc, map[string]string{"affinity": "cookie", "session-cookie-name": "route"})
		a := poll(t, host+" setting its cookie", host, "/", func(r reply) error {
			if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Set-Cookie"), "route=") {
				return fmt.Errorf("status %d, Set-Cookie %q", r.status, r.header.Get("Set-Cookie"))
			}
			return nil
		})
		cookie := strings.SplitN(a.header.Get("Set-Cookie"), ";", 2)[0]
		first := a.echo.LocalAddr
		for i := range 20 {
			b, err := get(c, direct+"/", host, "Cookie", cookie)
			if err != nil || b.status != http.StatusOK || b.echo.LocalAddr != first {
				t.Fatalf("request %d with %s: %v, status %d from %q, want %s", i, cookie, err, b.status, b.echo.LocalAddr, first)
			}
		}
	})

	t.Run("basic auth: 403 until the Secret exists, then 401 and 200", func(t *testing.T) {
		const host = "basic.example.com"
		createNginxIngress(t, k, "basic", host, "/", kubeSvc, map[string]string{"auth-type": "basic", "auth-secret": "basic-users", "auth-realm": "Shop"})
		poll(t, host+" closed without its Secret", host, "/", status(http.StatusForbidden))
		waitEvent(t, k, "basic", corev1.EventTypeWarning, "SecretNotFound", "auth-secret")
		// alice:secret, SHA-1 ({SHA}, as htpasswd -s writes it).
		Must[*corev1.Secret](t, "creating the htpasswd Secret")(k.cs.CoreV1().Secrets(kubeNS).Create(Ctx(t), &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "basic-users", Namespace: kubeNS},
			Type:       corev1.SecretTypeOpaque,
			Data:       map[string][]byte{"auth": []byte("alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n")},
		}, metav1.CreateOptions{}))
		a := poll(t, host+" asking for a password", host, "/", status(http.StatusUnauthorized))
		if got := a.header.Get("WWW-Authenticate"); !strings.Contains(got, `realm="Shop"`) {
			t.Errorf("WWW-Authenticate %q, want the realm Shop", got)
		}
		wrong := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:wrong"))
		if b, err := get(c, direct+"/", host, "Authorization", wrong); err != nil || b.status != http.StatusUnauthorized {
			t.Errorf("a wrong password: %v, status %d, want 401", err, b.status)
		}
		right := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:secret"))
		poll(t, host+" letting alice in", host, "/", servedBy(k.podA), "Authorization", right)
	})

	t.Run("external auth: a 2xx lets the request through, an auth service without endpoints keeps it out", func(t *testing.T) {
		const host, deny = "ext.example.com", "ext-closed.example.com"
		createNginxIngress(t, k, "ext", host, "/", kubeSvc, map[string]string{
			"auth-url": fmt.Sprintf("http://%s.%s.svc.cluster.local:%d/auth", kubeSvc, kubeNS, 80)})
		poll(t, host+" served after auth", host, "/", servedBy(k.podA))
		const empty = "no-endpoints"
		Must[*corev1.Service](t, "creating the Service")(
			k.cs.CoreV1().Services(kubeNS).Create(Ctx(t), ServiceObject(kubeNS, empty), metav1.CreateOptions{}))
		createNginxIngress(t, k, "ext-closed", deny, "/", kubeSvc, map[string]string{
			"auth-url": fmt.Sprintf("http://%s.%s:%d/auth", empty, kubeNS, 80)})
		poll(t, deny+" closed", deny, "/", func(r reply) error {
			if r.status < 500 {
				return fmt.Errorf("status %d, want 5xx (the auth service did not answer): %.200s", r.status, r.body)
			}
			return nil
		})
	})

	t.Run("external auth: 401 and 403 keep the request from the backend, auth-signin turns 401 into its redirect", func(t *testing.T) {
		// echo-basic is both the auth service (its /status/NNN answers
		// NNN) and every Ingress's backend: it logs each request it
		// echoes, so a denied request that reached it would show.
		const svc = "echo-basic"
		pod := k.fabric.Pod(t, "auth-basic")
		eb := startEchoBasic(t, pod)
		createServiceOn(t, k, svc, pod)
		authURL := func(code int) string {
			return fmt.Sprintf("http://%s.%s.svc.cluster.local:80/status/%d", svc, kubeNS, code)
		}
		const signIn = "https://login.example.com/oauth2/start"
		createNginxIngress(t, k, "ext-401", "ext401.example.com", "/", svc, map[string]string{"auth-url": authURL(401)})
		createNginxIngress(t, k, "ext-403", "ext403.example.com", "/", svc, map[string]string{"auth-url": authURL(403)})
		createNginxIngress(t, k, "ext-signin", "extsignin.example.com", "/", svc, map[string]string{"auth-url": authURL(401), "auth-signin": signIn})
		createNginxIngress(t, k, "ext-200", "ext200.example.com", "/", svc, map[string]string{"auth-url": authURL(200)})

		poll(t, "a 401 for ext401.example.com", "ext401.example.com", "/denied/401", status(http.StatusUnauthorized))
		poll(t, "a 403 for ext403.example.com", "ext403.example.com", "/denied/403", status(http.StatusForbidden))
		a := poll(t, "a 302 to the sign-in URL", "extsignin.example.com", "/denied/signin?page=2", status(http.StatusFound))
		if got, want := a.header.Get("Location"), signIn+"?rd="+url.QueryEscape("http://extsignin.example.com/denied/signin?page=2"); got != want {
			t.Errorf("Location %q, want %q", got, want)
		}

		// The control: allowed, the same backend is reached and logs it.
		// The denied requests were answered before this one was sent, so
		// had any reached echo-basic, its line would be logged already.
		poll(t, "ext200.example.com served", "ext200.example.com", "/allowed", func(r reply) error {
			if r.status != http.StatusOK || r.echo.Path != "/allowed" {
				return fmt.Errorf("status %d, path %q, want 200 from echo-basic for /allowed: %.200s", r.status, r.echo.Path, r.body)
			}
			return nil
		})
		Eventually(t, 10*time.Second, "echo-basic logging the allowed request", func() error {
			if !eb.OutputContains("request made to /allowed ") {
				return fmt.Errorf("not in its output:\n%s", eb.Output())
			}
			return nil
		})
		if eb.OutputContains("request made to /denied") {
			t.Errorf("a denied request reached the backend:\n%s", eb.Output())
		}
	})

	t.Run("external auth: the service gets firsthop's client-IP headers, never the client's", func(t *testing.T) {
		const host, svc = "extheaders.example.com", "auth-recorder"
		pod := k.fabric.Pod(t, "auth-rec")
		rec := startAuthRecorder(t, pod, echoPort)
		createServiceOn(t, k, svc, pod)
		createNginxIngress(t, k, "ext-headers", host, "/", kubeSvc, map[string]string{
			"auth-url": fmt.Sprintf("http://%s.%s.svc.cluster.local:80/check", svc, kubeNS)})
		// The direct listener trusts nothing: the forged values are the
		// client's, and must reach neither the auth service nor the backend.
		b := poll(t, host+" served after auth", host, "/app/page?x=1", servedBy(k.podA),
			"X-Forwarded-For", "6.6.6.6", "X-Real-IP", "6.6.6.6")
		client := k.client.IPv4.String()
		seen := rec.last(t, host)
		if seen.Method != http.MethodGet || seen.Path != "/check" {
			t.Errorf("the auth request was %s %s, want GET /check", seen.Method, seen.Path)
		}
		seen.WantXFF(t, client)
		seen.WantHeader(t, "X-Real-IP", client)
		seen.WantNowhere(t, "6.6.6.6")
		seen.WantHeader(t, "X-Original-URL", "http://"+host+"/app/page?x=1")
		seen.WantHeader(t, "X-Original-Method", http.MethodGet)
		b.echo.WantXFF(t, client)
		b.echo.WantNowhere(t, "6.6.6.6")
	})

	t.Run("a configuration-snippet is refused: 403 and a Warning Event", func(t *testing.T) {
		const host = "snippet.example.com"
		createNginxIngress(t, k, "snippet", host, "/", kubeSvc, map[string]string{
			"configuration-snippet": `more_set_headers "X-Admin: yes";`,
		})
		a := poll(t, host+" refusing", host, "/", status(http.StatusForbidden))
		if want := "refused by policy \"" + ingress.PolicyName(kubeNS, "snippet") + "\""; !strings.Contains(a.body, want) {
			t.Errorf("403 body %q, want it to say %s", a.body, want)
		}
		waitEvent(t, k, "snippet", corev1.EventTypeWarning, ingress.ReasonNginxAnnotationNotServed, "configuration-snippet")
	})
}

// createServiceOn creates Service name whose one EndpointSlice holds
// pod's address (port 8080, on node-a).
func createServiceOn(t *testing.T, k *kube, name string, pod *Host) {
	t.Helper()
	Must[*corev1.Service](t, "creating Service "+name)(
		k.cs.CoreV1().Services(kubeNS).Create(Ctx(t), ServiceObject(kubeNS, name), metav1.CreateOptions{}))
	Must[any](t, "creating the EndpointSlice of "+name)(k.cs.DiscoveryV1().EndpointSlices(kubeNS).Create(Ctx(t),
		EndpointSliceObject(kubeNS, name+"-1", name, endpointsOn(pod, "node-a")...), metav1.CreateOptions{}))
}

// startEchoBasic starts the Gateway API suite's echo-basic inside h on
// echoPort and waits until it answers. It answers /status/NNN with NNN
// and echoes other requests, logging "request made to URI " for each.
func startEchoBasic(t *testing.T, h *Host) *Proc {
	t.Helper()
	p := StartProc(t, h.Netns, ProcSpec{
		Name: "echo-basic@" + h.Name,
		Args: []string{GatewayAPIBinaries(t).EchoBasic},
		Env:  []string{fmt.Sprintf("HTTP_PORT=%d", echoPort), "POD_NAME=" + h.Name},
	})
	c := h.HTTPClient(2 * time.Second)
	Eventually(t, FirsthopReadyTimeout, "echo-basic@"+h.Name, func() error {
		if p.Exited() {
			return fmt.Errorf("echo-basic exited: %v\n%s", p.ExitError(), p.Output())
		}
		return expectGet(c, "http://"+h.Addr4(echoPort).String()+"/health", http.StatusOK, "OK")
	})
	return p
}

// authRecorder is an external auth service that answers 200 to every
// request and keeps what each one carried, as an echo backend would
// echo it.
type authRecorder struct {
	mu   sync.Mutex
	seen []EchoReply
}

// startAuthRecorder serves an authRecorder on port of every address of
// h, until t ends.
func startAuthRecorder(t *testing.T, h *Host, port uint16) *authRecorder {
	t.Helper()
	ln := Must[net.Listener](t, "listening in "+h.Name)(h.Listen("tcp", fmt.Sprintf(":%d", port)))
	rec := &authRecorder{}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.seen = append(rec.seen, EchoReply{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Host: r.Host,
			RemoteAddr: r.RemoteAddr, Headers: r.Header.Clone(),
		})
		rec.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return rec
}

// last returns the last auth request the recorder got for a request to
// host (by its X-Original-URL), failing t if there is none.
func (a *authRecorder) last(t *testing.T, host string) EchoReply {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := len(a.seen) - 1; i >= 0; i-- {
		if u, err := url.Parse(a.seen[i].Header("X-Original-URL")); err == nil && u.Host == host {
			return a.seen[i]
		}
	}
	t.Fatalf("the auth service got no request for %s (%d in all)", host, len(a.seen))
	return EchoReply{}
}
