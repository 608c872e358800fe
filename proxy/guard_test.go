package proxy

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/clientip"
)

// Hashes of "secret" (apr1, {SHA}) and the crypt_blowfish vector "U*U"
// (bcrypt $2y$), as htpasswd and openssl write them.
const (
	apr1OfSecret = "$apr1$Wt2XYkmR$25uITsssciv7R1ItHxYZN1"
	sha1OfSecret = "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="
	bcryptOfUU   = "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"
)

// authService is a test authentication service speaking HTTP/1.1 and
// h2c: X-Test-Auth on the request it gets decides its answer ("ok",
// "deny", "login", "boom", "slow"); it records the requests it saw.
type authService struct {
	addr netip.AddrPort
	mu   sync.Mutex
	seen []*http.Request
}

func startAuthService(t *testing.T) *authService {
	t.Helper()
	a := &authService{}
	a.addr = serveHTTPBackend(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.seen = append(a.seen, r.Clone(r.Context()))
		a.mu.Unlock()
		switch r.Header.Get("X-Test-Auth") {
		case "ok":
			w.Header().Set("X-Auth-User", "alice")
			w.Header().Add("Set-Cookie", "session=fresh")
			w.WriteHeader(http.StatusAccepted)
		case "ok-anonymous":
			w.WriteHeader(http.StatusOK)
		case "deny":
			w.WriteHeader(http.StatusForbidden)
		case "login":
			w.Header().Set("WWW-Authenticate", `Bearer realm="svc"`)
			w.WriteHeader(http.StatusUnauthorized)
		case "slow":
			<-r.Context().Done()
		default:
			w.WriteHeader(http.StatusBadGateway)
		}
	}), h1AndH2C)
	return a
}

// last returns the last request the service saw.
func (a *authService) last(t *testing.T) *http.Request {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.seen) == 0 {
		t.Fatal("the auth service saw no request")
	}
	return a.seen[len(a.seen)-1]
}

func (a *authService) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.seen)
}

// guardSpec is the routes the guard tests serve on app.test, to the echo
// backend "app", with the auth service as backend "auth".
func guardSpec(t *testing.T, auth *authService) model.TableSpec {
	backends := echoBackends(t, "app")
	backends = append(backends, model.Backend{Name: "auth", Endpoints: []model.Endpoint{{Addr: auth.addr}}})
	route := func(path string, edit func(r *model.Route)) model.Route {
		r := model.Route{Host: "app.test", Path: path, Backend: "app"}
		edit(&r)
		return r
	}
	cors := &model.CORSPolicy{AllowOrigins: []string{"https://www.foo.com", "https://*.bar.com"}, OriginWildcards: model.WildcardSuffix,
		AllowMethods: []string{"GET", "OPTIONS"}, AllowHeaders: []string{"x-header-1", "x-header-2"}, ExposeHeaders: []string{"x-header-3"},
		AllowCredentials: true, MaxAge: time.Hour}
	return model.TableSpec{
		Headers:  model.ForwardedHeaders{XRealIP: true},
		Backends: backends,
		Routes: []model.Route{
			route("/limited", func(r *model.Route) { r.MaxRequestBodyBytes = 10 }),
			route("/secure", func(r *model.Route) { r.HTTPSRedirect = &model.HTTPSRedirect{} }),
			route("/secure-301", func(r *model.Route) { r.HTTPSRedirect = &model.HTTPSRedirect{Status: 301, Port: 8443} }),
			route("/cors", func(r *model.Route) { r.CORS = cors }),
			route("/cors-any", func(r *model.Route) {
				r.CORS = &model.CORSPolicy{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"}, AllowHeaders: []string{"*"}, AllowCredentials: true}
			}),
			route("/basic", func(r *model.Route) {
				r.CORS = cors
				r.BasicAuth = &model.BasicAuth{Realm: "Staff", Users: []model.BasicAuthUser{
					{Name: "alice", Hash: apr1OfSecret}, {Name: "bob", Hash: sha1OfSecret}, {Name: "carol", Hash: bcryptOfUU}}}
			}),
			// A generous timeout, which a slow -race run never reaches;
			// /ext-slow has the short one its case waits out.
			route("/ext", func(r *model.Route) {
				r.ExternalAuth = &model.ExternalAuth{Backend: "auth", Path: "/check?u=$escaped_request_uri", Host: "auth.internal",
					ResponseHeaders: []string{"X-Auth-User"}, Timeout: 30 * time.Second}
			}),
			route("/ext-slow", func(r *model.Route) {
				r.ExternalAuth = &model.ExternalAuth{Backend: "auth", Path: "/check", Timeout: 100 * time.Millisecond}
			}),
			route("/ext-signin", func(r *model.Route) {
				r.ExternalAuth = &model.ExternalAuth{Backend: "auth", Path: "/check", SignIn: "https://login.test/start?from=$host"}
			}),
		},
	}
}

// guardGet sends one HTTP/1.1 request for app.test with the extra header
// lines (each ending in CRLF) and body.
func guardGet(t *testing.T, addr, method, target, extra, body string) rawResult {
	t.Helper()
	framing := ""
	if body != "" {
		framing = fmt.Sprintf("Content-Length: %d\r\n", len(body))
	}
	return exchangeRaw(t, addr, method+" "+target+" HTTP/1.1\r\nHost: app.test\r\n"+extra+framing+"\r\n"+body, method)
}

func basicHeader(user, password string) string {
	return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password)) + "\r\n"
}

func TestBodyLimit(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
		addr, _ := actionProxy(t, guardSpec(t, startAuthService(t)), path)
		if res := guardGet(t, addr, "POST", "/limited", "", "0123456789"); res.Status != http.StatusOK {
			t.Errorf("a body at the limit: %d %s, want 200", res.Status, res.Body)
		}
		if res := guardGet(t, addr, "POST", "/limited", "", "0123456789x"); res.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("a Content-Length above the limit: %d %s, want 413", res.Status, res.Body)
		}
		chunked := "POST /limited HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n01234567\r\n8\r\n89abcdef\r\n0\r\n\r\n"
		if res := exchangeRaw(t, addr, chunked, "POST"); res.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("a chunked body crossing the limit: %d %s, want 413", res.Status, res.Body)
		}
		small := "POST /limited HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n0123\r\n6\r\n456789\r\n0\r\n\r\n"
		if res := exchangeRaw(t, addr, small, "POST"); res.Status != http.StatusOK {
			t.Errorf("a chunked body at the limit: %d %s, want 200", res.Status, res.Body)
		}
		if res := guardGet(t, addr, "POST", "/cors", "", strings.Repeat("x", 100)); res.Status != http.StatusOK {
			t.Errorf("a route without a limit: %d, want 200", res.Status)
		}
	})
}

// TestBodyLimitOverHTTP2 sends a body of unknown length over h2c: the
// stream is cut where it crosses the limit and the client gets 413.
func TestBodyLimitOverHTTP2(t *testing.T) {
	t.Parallel()
	addr, _ := actionProxy(t, guardSpec(t, startAuthService(t)), actionPath{"h2c", "std", model.ProtocolH2C})
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	client := &http.Client{Transport: &http.Transport{Protocols: &protocols}, Timeout: 10 * time.Second}
	for _, tc := range []struct {
		body string
		want int
	}{{"0123456789", 200}, {"0123456789abcdef", 413}} {
		pr, pw := io.Pipe()
		go func() { _, _ = io.WriteString(pw, tc.body); pw.Close() }()
		req, _ := http.NewRequest("POST", "http://"+addr+"/limited", pr)
		req.Host = "app.test"
		req.ContentLength = -1
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.ProtoMajor != 2 || resp.StatusCode != tc.want {
			t.Errorf("body %q: %s %d, want HTTP/2 %d", tc.body, resp.Proto, resp.StatusCode, tc.want)
		}
	}
}

func TestHTTPSRedirect(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
		addr, _ := actionProxy(t, guardSpec(t, startAuthService(t)), path)
		res := guardGet(t, addr, "GET", "/secure/a?q=1", "X-Forwarded-Proto: https\r\n", "")
		if res.Status != http.StatusPermanentRedirect || res.Header.Get("Location") != "https://app.test/secure/a?q=1" {
			t.Errorf("plain HTTP (with a forged X-Forwarded-Proto): %d %q, want 308 to https://app.test/secure/a?q=1", res.Status, res.Header.Get("Location"))
		}
		res = guardGet(t, addr, "GET", "/secure-301", "", "")
		if res.Status != http.StatusMovedPermanently || res.Header.Get("Location") != "https://app.test:8443/secure-301" {
			t.Errorf("status and port: %d %q", res.Status, res.Header.Get("Location"))
		}
	})
}

// TestHTTPSRedirectBelievesTrustedProxies: behind a trusted proxy that
// ended TLS (X-Forwarded-Proto: https) the route serves; the same proxy
// saying http is redirected.
func TestHTTPSRedirectBelievesTrustedProxies(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
		spec := guardSpec(t, startAuthService(t))
		spec.ClientIP = clientip.Policy{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
			Headers: []clientip.Header{clientip.HeaderXForwardedFor}}
		addr, _ := actionProxy(t, spec, path)
		if res := guardGet(t, addr, "GET", "/secure", "X-Forwarded-Proto: https\r\n", ""); res.Status != http.StatusOK {
			t.Errorf("a trusted proxy's https: %d, want 200", res.Status)
		}
		if res := guardGet(t, addr, "GET", "/secure", "X-Forwarded-Proto: https, http\r\n", ""); res.Status != http.StatusPermanentRedirect {
			t.Errorf("a trusted proxy's right-most http: %d, want 308", res.Status)
		}
	})
}

func TestCORS(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
		addr, _ := actionProxy(t, guardSpec(t, startAuthService(t)), path)
		pre := func(target, origin, extra string) rawResult {
			return guardGet(t, addr, "OPTIONS", target, "Origin: "+origin+"\r\nAccess-Control-Request-Method: GET\r\n"+extra, "")
		}
		res := pre("/cors", "https://xpto.www.bar.com", "Access-Control-Request-Headers: x-header-1, x-header-2\r\n")
		want := map[string]string{
			"Access-Control-Allow-Origin": "https://xpto.www.bar.com", "Access-Control-Allow-Methods": "GET, OPTIONS",
			"Access-Control-Allow-Headers": "x-header-1, x-header-2", "Access-Control-Expose-Headers": "x-header-3",
			"Access-Control-Max-Age": "3600", "Access-Control-Allow-Credentials": "true", "Vary": "Origin",
		}
		if res.Status != http.StatusNoContent || res.Body != "" {
			t.Errorf("allowed preflight: %d %q, want 204 from firsthop", res.Status, res.Body)
		}
		for k, v := range want {
			if got := res.Header.Get(k); got != v {
				t.Errorf("allowed preflight %s = %q, want %q", k, got, v)
			}
		}
		for _, origin := range []string{"https://foobar.com", "null", "https://www.foo.com.evil.test", "https://www.foo.com/", "https://www.foo.com:8443"} {
			res = pre("/cors", origin, "")
			if res.Status != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "" || res.Header.Get("Access-Control-Allow-Methods") != "" {
				t.Errorf("preflight from %q: %d %v, want 204 without CORS headers", origin, res.Status, res.Header)
			}
		}
		// An actual request: the backend answers, firsthop adds the headers.
		res = guardGet(t, addr, "GET", "/cors", "Origin: https://www.foo.com\r\n", "")
		if got := echoOf(t, res); got.Method != "GET" {
			t.Errorf("backend saw %q", got.Method)
		}
		if res.Header.Get("Access-Control-Allow-Origin") != "https://www.foo.com" || res.Header.Get("Access-Control-Allow-Credentials") != "true" ||
			res.Header.Get("Access-Control-Expose-Headers") != "x-header-3" || !strings.Contains(res.Header.Get("Vary"), "Origin") ||
			res.Header.Get("Access-Control-Allow-Methods") != "" {
			t.Errorf("actual request headers: %v", res.Header)
		}
		res = guardGet(t, addr, "GET", "/cors", "Origin: https://foobar.com\r\n", "")
		if res.Status != http.StatusOK || res.Header.Get("Access-Control-Allow-Origin") != "" || res.Header.Get("Vary") != "Origin" {
			t.Errorf("request from a foreign origin: %d %v", res.Status, res.Header)
		}
		// OPTIONS without Access-Control-Request-Method is no preflight.
		if res := guardGet(t, addr, "OPTIONS", "/cors", "Origin: https://www.foo.com\r\n", ""); echoOf(t, res).Method != "OPTIONS" {
			t.Error("a plain OPTIONS did not reach the backend")
		}
		// "*" with credentials echoes the origin and the requested method
		// and headers, and nothing that is not a token list.
		res = pre("/cors-any", "https://any.test:8443", "Access-Control-Request-Headers: x-a, x-b\r\n")
		if res.Header.Get("Access-Control-Allow-Origin") != "https://any.test:8443" || res.Header.Get("Access-Control-Allow-Methods") != "GET" ||
			res.Header.Get("Access-Control-Allow-Headers") != "x-a, x-b" {
			t.Errorf("wildcard preflight with credentials: %v", res.Header)
		}
		res = pre("/cors-any", "https://any.test", "Access-Control-Request-Headers: x-a, <script>\r\n")
		if v, ok := res.Header["Access-Control-Allow-Headers"]; ok {
			t.Errorf("requested headers that are no token list were echoed: %q", v)
		}
		if res := pre("/cors-any", "null", ""); res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf(`"*" with credentials allowed origin "null"`)
		}
	})
}

func TestBasicAuth(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
		addr, _ := actionProxy(t, guardSpec(t, startAuthService(t)), path)
		for _, ok := range []struct{ user, password string }{{"alice", "secret"}, {"bob", "secret"}, {"carol", "U*U"}, {"carol", "U*U"}} {
			res := guardGet(t, addr, "GET", "/basic", basicHeader(ok.user, ok.password), "")
			got := echoOf(t, res)
			if got.Headers.Get("Authorization") == "" {
				t.Errorf("%s: the Authorization header was not forwarded", ok.user)
			}
		}
		refused := map[string]string{
			"no credentials":          "",
			"wrong password":          basicHeader("alice", "Secret"),
			"unknown user":            basicHeader("mallory", "secret"),
			"no colon":                "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("alicesecret")) + "\r\n",
			"malformed base64":        "Authorization: Basic YWxpY2U6c2VjcmV0!!\r\n",
			"another scheme":          "Authorization: Bearer YWxpY2U6c2VjcmV0\r\n",
			"two values":              basicHeader("alice", "secret") + basicHeader("alice", "secret"),
			"huge":                    "Authorization: Basic " + strings.Repeat("QUFB", 4000) + "\r\n",
			"NUL in password":         basicHeader("alice", "secret\x00"),
			"password prefix":         basicHeader("alice", "secre"),
			"user with header inject": basicHeader("alice\r\nX-A: b", "secret"),
		}
		for name, extra := range refused {
			res := guardGet(t, addr, "GET", "/basic", extra+"Origin: https://www.foo.com\r\n", "")
			if res.Status != http.StatusUnauthorized || res.Header.Get("Www-Authenticate") != `Basic realm="Staff"` {
				t.Errorf("%s: %d %q, want 401 with the challenge", name, res.Status, res.Header.Get("Www-Authenticate"))
			}
			if res.Header.Get("Access-Control-Allow-Origin") != "https://www.foo.com" {
				t.Errorf("%s: the 401 lacks the route's CORS headers", name)
			}
		}
		// A preflight is answered before authentication.
		res := guardGet(t, addr, "OPTIONS", "/basic", "Origin: https://www.foo.com\r\nAccess-Control-Request-Method: GET\r\n", "")
		if res.Status != http.StatusNoContent {
			t.Errorf("preflight on an authenticated route: %d, want 204", res.Status)
		}
	})
}

func TestExternalAuth(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
		auth := startAuthService(t)
		addr, _ := actionProxy(t, guardSpec(t, auth), path)
		res := guardGet(t, addr, "GET", "/ext/a?b=c", "X-Test-Auth: ok\r\nX-Forwarded-For: 203.0.113.9\r\nX-Real-IP: 203.0.113.9\r\n"+
			"X-Auth-User: mallory\r\nCookie: s=1\r\nX-Original-URL: http://evil.test/\r\n", "")
		got := echoOf(t, res)
		if u := got.Headers.Values("X-Auth-User"); len(u) != 1 || u[0] != "alice" {
			t.Errorf("backend saw X-Auth-User %q, want the auth service's alice", u)
		}
		if c := res.Header.Values("Set-Cookie"); len(c) != 1 || c[0] != "session=fresh" {
			t.Errorf("client got Set-Cookie %q, want the auth service's", c)
		}
		seen := auth.last(t)
		if seen.Host != "auth.internal" || seen.URL.Path != "/check" || seen.URL.Query().Get("u") != "/ext/a?b=c" || seen.Method != "GET" {
			t.Errorf("auth request: %s %s host %q", seen.Method, seen.URL, seen.Host)
		}
		want := map[string]string{"X-Original-Url": "http://app.test/ext/a?b=c", "X-Original-Method": "GET",
			"X-Auth-Request-Redirect": "/ext/a?b=c", "X-Real-Ip": "127.0.0.1", "X-Forwarded-For": "127.0.0.1", "Cookie": "s=1"}
		for k, v := range want {
			if got := seen.Header.Get(k); got != v {
				t.Errorf("auth request %s = %q, want %q", k, got, v)
			}
		}
		// An answer without a header the route copies removes the client's.
		res = guardGet(t, addr, "GET", "/ext", "X-Test-Auth: ok-anonymous\r\nX-Auth-User: mallory\r\n", "")
		if u := echoOf(t, res).Headers.Values("X-Auth-User"); len(u) != 0 {
			t.Errorf("X-Auth-User %q reached the backend though the auth service sent none", u)
		}
		for _, tc := range []struct {
			answer, target string
			status         int
		}{{"deny", "/ext", 403}, {"login", "/ext", 401}, {"boom", "/ext", 500}, {"slow", "/ext-slow", 500}} {
			n := auth.count()
			res := guardGet(t, addr, "POST", tc.target, "X-Test-Auth: "+tc.answer+"\r\n", "body")
			if res.Status != tc.status || strings.Contains(res.Body, `"method"`) {
				t.Errorf("auth answering %s: %d %s, want %d from firsthop", tc.answer, res.Status, res.Body, tc.status)
			}
			if auth.count() != n+1 {
				t.Errorf("auth answering %s: the service was asked %d times", tc.answer, auth.count()-n)
			}
			if tc.answer == "login" && res.Header.Get("Www-Authenticate") != `Bearer realm="svc"` {
				t.Errorf("401 without the service's challenge: %v", res.Header)
			}
		}
		res = guardGet(t, addr, "GET", "/ext-signin/x?y=1", "X-Test-Auth: login\r\n", "")
		if res.Status != http.StatusFound || res.Header.Get("Location") != "https://login.test/start?from=app.test&rd=http%3A%2F%2Fapp.test%2Fext-signin%2Fx%3Fy%3D1" {
			t.Errorf("sign-in: %d %q", res.Status, res.Header.Get("Location"))
		}
	})
}

// TestExternalAuthHeadersSurviveConnection: a client naming in Connection
// a header the auth service sets cannot keep it from the backend, on a
// route without request header modifiers and on one with them.
func TestExternalAuthHeadersSurviveConnection(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
		spec := guardSpec(t, startAuthService(t))
		ext := &model.ExternalAuth{Backend: "auth", Path: "/check", ResponseHeaders: []string{"X-Auth-User"}, Timeout: 10 * time.Second}
		spec.Routes = append(spec.Routes, model.Route{Host: "app.test", Path: "/ext-mod", Backend: "app", ExternalAuth: ext,
			RequestHeaders: &model.HeaderModifier{Set: []model.Header{{Name: "X-Tenant", Value: "a"}}}})
		addr, _ := actionProxy(t, spec, path)
		for _, target := range []string{"/ext", "/ext-mod"} {
			res := guardGet(t, addr, "GET", target, "X-Test-Auth: ok\r\nConnection: X-Auth-User, X-Tenant\r\nX-Auth-User: mallory\r\n", "")
			got := echoOf(t, res)
			if u := got.Headers.Values("X-Auth-User"); len(u) != 1 || u[0] != "alice" {
				t.Errorf("%s with Connection: X-Auth-User: backend saw X-Auth-User %q, want the auth service's alice", target, u)
			}
			if want := map[string][]string{"/ext": nil, "/ext-mod": {"a"}}[target]; !reflect.DeepEqual(got.Headers["X-Tenant"], want) {
				t.Errorf("%s with Connection: X-Tenant: backend saw X-Tenant %q, want %q", target, got.Headers["X-Tenant"], want)
			}
		}
	})
}

// TestGuardHeadersOnSelfAnsweredRoutes: a redirect or direct-answer route
// behind external auth and CORS answers with the auth service's cookies
// and the CORS headers, as a forwarding route does.
func TestGuardHeadersOnSelfAnsweredRoutes(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
		spec := guardSpec(t, startAuthService(t))
		guard := func(r model.Route) model.Route {
			r.Host = "app.test"
			r.ExternalAuth = &model.ExternalAuth{Backend: "auth", Path: "/check", Timeout: 10 * time.Second}
			r.CORS = &model.CORSPolicy{AllowOrigins: []string{"https://www.foo.com"}, AllowMethods: []string{"GET"}}
			return r
		}
		spec.Routes = append(spec.Routes,
			guard(model.Route{Path: "/ext-redirect", Redirect: &model.Redirect{Host: "other.test"}}),
			guard(model.Route{Path: "/ext-respond", Respond: &model.DirectResponse{Status: 200, Body: "hi"}}))
		addr, _ := actionProxy(t, spec, path)
		for target, status := range map[string]int{"/ext-redirect": http.StatusFound, "/ext-respond": http.StatusOK} {
			res := guardGet(t, addr, "GET", target, "X-Test-Auth: ok\r\nOrigin: https://www.foo.com\r\n", "")
			if res.Status != status {
				t.Errorf("%s: status %d, want %d", target, res.Status, status)
			}
			if c := res.Header.Values("Set-Cookie"); len(c) != 1 || c[0] != "session=fresh" {
				t.Errorf("%s: Set-Cookie %q, want the auth service's session=fresh", target, c)
			}
			if o := res.Header.Values("Access-Control-Allow-Origin"); len(o) != 1 || o[0] != "https://www.foo.com" {
				t.Errorf("%s: Access-Control-Allow-Origin %q, want https://www.foo.com", target, o)
			}
		}
	})
}

// TestExternalAuthFailsClosedWithoutEndpoints: an auth backend with no
// endpoint refuses every request.
func TestExternalAuthFailsClosedWithoutEndpoints(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
		spec := guardSpec(t, startAuthService(t))
		for i := range spec.Backends {
			if spec.Backends[i].Name == "auth" {
				spec.Backends[i].Endpoints = nil
			}
		}
		addr, _ := actionProxy(t, spec, path)
		if res := guardGet(t, addr, "GET", "/ext", "X-Test-Auth: ok\r\n", ""); res.Status != http.StatusInternalServerError {
			t.Errorf("%d, want 500", res.Status)
		}
	})
}

// TestRebindRepointsAuthBackend: a table whose auth backend was
// recompiled points the guard at the new one.
func TestRebindRepointsAuthBackend(t *testing.T) {
	t.Parallel()
	old := map[string]*backend{"auth": {name: "auth"}, "app": {name: "app"}}
	r := model.Route{Path: "/", Backend: "app", ExternalAuth: &model.ExternalAuth{Backend: "auth", Path: "/"}}
	g := newRouteGuard(r, old)
	if g.rebind(old) != g {
		t.Error("rebind copied a guard whose backend did not change")
	}
	nb := map[string]*backend{"auth": {name: "auth"}, "app": old["app"]}
	if n := g.rebind(nb); n.ext.backend != nb["auth"] || g.ext.backend != old["auth"] {
		t.Error("rebind did not repoint the auth backend, or changed the old guard")
	}
	if newRouteGuard(model.Route{Path: "/", Backend: "app"}, old) != nil {
		t.Error("a route without guards has one")
	}
	var none *routeGuard
	if none.rebind(nb) != nil || none.pointsElsewhere(nb) {
		t.Error("a nil guard")
	}
}
