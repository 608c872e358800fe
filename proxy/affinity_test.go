package proxy

import (
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

func TestCookieValue(t *testing.T) {
	cases := []struct {
		name   string
		lines  []string
		want   string
		wantOK bool
	}{
		{"none", nil, "", false},
		{"alone", []string{"S=abc"}, "abc", true},
		{"among others", []string{"a=1; S=abc; b=2"}, "abc", true},
		{"the first of two", []string{"S=first; S=second"}, "first", true},
		{"on a later line", []string{"a=1", "S=abc"}, "abc", true},
		{"spaces and tabs around", []string{"a=1;\t S=abc \t;b"}, "abc", true},
		{"quoted", []string{`S="abc"`}, "abc", true},
		{"a lone quote: not a value", []string{`S="; S=b`}, "b", true},
		{"a control character: the next one", []string{"S=\x01; S=abc"}, "abc", true},
		{"spaces around the name", []string{" S =abc"}, "abc", true},
		{"empty value", []string{"S="}, "", true},
		{"a longer name", []string{"SS=abc; S2=x"}, "", false},
		{"a prefix of the name", []string{"=abc; Sx=abc"}, "", false},
		{"no =: an empty value", []string{"S; S=x"}, "", true},
		{"case matters", []string{"s=abc"}, "", false},
		{"empty line", []string{""}, "", false},
		{"only separators", []string{";;; ;"}, "", false},
	}
	for _, c := range cases {
		got, ok := cookieValue(c.lines, "S")
		if got != c.want || ok != c.wantOK {
			t.Errorf("%s: cookieValue(%q) = %q, %v; want %q, %v", c.name, c.lines, got, ok, c.want, c.wantOK)
		}
	}
	if n := testing.AllocsPerRun(100, func() { cookieValue([]string{"a=1; S=abc; b=2"}, "S") }); n != 0 {
		t.Errorf("cookieValue allocates %v times, want 0", n)
	}
}

// FuzzCookieValue: cookieValue never panics, returns a value without ";",
// and finds every cookie net/http finds, with the same value.
func FuzzCookieValue(f *testing.F) {
	f.Add("a=1; S=abc; b=2", "S")
	f.Add(`S="x"`, "S")
	f.Add("S=;S=2", "S")
	f.Add(" \tS = 1", "S")
	f.Fuzz(func(t *testing.T, line, name string) {
		if name == "" || strings.ContainsAny(name, "=; \t") {
			return // names are tokens (Validate)
		}
		got, ok := cookieValue([]string{line}, name)
		if strings.Contains(got, ";") {
			t.Fatalf("cookieValue(%q, %q) = %q holds ;", line, name, got)
		}
		r := &http.Request{Header: http.Header{"Cookie": {line}}}
		if c, err := r.Cookie(name); err == nil && (!ok || got != c.Value) {
			t.Errorf("cookieValue(%q, %q) = %q, %v; net/http reads %q", line, name, got, ok, c.Value)
		}
	})
}

// stickyAnswer is what an answer says about affinity: the endpoint that
// answered and the cookie it set ("" for none).
type stickyAnswer struct{ endpoint, setCookie string }

func getSticky(t *testing.T, addr, path, cookie string) stickyAnswer {
	t.Helper()
	raw := "GET " + path + " HTTP/1.1\r\nHost: app.test\r\n"
	if cookie != "" {
		raw += "Cookie: other=1; " + cookie + "\r\n"
	}
	res := exchangeRaw(t, addr, raw+"\r\n", "GET")
	if res.Status != http.StatusOK {
		t.Fatalf("GET %s: status %d %s", path, res.Status, res.Err)
	}
	if n := len(res.Header.Values("Set-Cookie")); n > 1 {
		t.Fatalf("GET %s: %d Set-Cookie fields", path, n)
	}
	return stickyAnswer{res.Header.Get("X-Test-Backend"), res.Header.Get("Set-Cookie")}
}

// cookieOf returns the "name=value" part of a Set-Cookie value.
func cookieOf(setCookie string) string {
	v, _, _ := strings.Cut(setCookie, ";")
	return v
}

var stickyCookieRE = regexp.MustCompile(`^SID=[0-9a-f]{32}; Path=/app; Max-Age=3600; HttpOnly; SameSite=Lax$`)

// TestAffinityThroughListeners: on every serving path, a client without
// the cookie gets one naming the endpoint that answered (its address not
// in it) and stays there; a forged, unknown or removed endpoint's cookie
// gets a new one; endpoints added leave existing cookies where they are;
// an ejected endpoint's clients move and get a new cookie.
func TestAffinityThroughListeners(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
		eps := map[string]netip.AddrPort{}
		for _, n := range []string{"e1", "e2", "e3", "e4"} {
			eps[n] = namedEchoBackend(t, n)
		}
		endpoints := func(names ...string) []model.Endpoint {
			var out []model.Endpoint
			for _, n := range names {
				out = append(out, model.Endpoint{Addr: eps[n]})
			}
			return out
		}
		spec := func(names ...string) model.TableSpec {
			return model.TableSpec{
				Routes: []model.Route{{Path: "/app/", Backend: "b"}},
				Backends: []model.Backend{{Name: "b", Protocol: path.protocol, Endpoints: endpoints(names...),
					Affinity: &model.Affinity{CookieName: "SID", MaxAge: time.Hour, SameSite: "Lax"}}},
			}
		}
		addr, p := actionProxy(t, spec("e1", "e2", "e3"), path)
		apply := func(s model.TableSpec) {
			t.Helper()
			if err := p.srv.Apply(s); err != nil {
				t.Fatal(err)
			}
		}
		apply(spec("e1", "e2", "e3"))

		first := getSticky(t, addr, "/app/x", "")
		if !stickyCookieRE.MatchString(first.setCookie) {
			t.Fatalf("Set-Cookie %q, want one like %s", first.setCookie, stickyCookieRE)
		}
		for _, ap := range eps {
			if strings.Contains(first.setCookie, ap.Addr().String()) {
				t.Fatalf("Set-Cookie %q shows an endpoint address", first.setCookie)
			}
		}
		cookie := cookieOf(first.setCookie)
		for range 30 {
			if got := getSticky(t, addr, "/app/y", cookie); got != (stickyAnswer{first.endpoint, ""}) {
				t.Fatalf("with the cookie: %+v, want %s without a new cookie", got, first.endpoint)
			}
		}
		for _, forged := range []string{"SID=" + strings.Repeat("0", 32), "SID=" + eps[first.endpoint].String(), "SID=", "SID=\"\""} {
			if got := getSticky(t, addr, "/app/", forged); !stickyCookieRE.MatchString(got.setCookie) {
				t.Errorf("cookie %q: Set-Cookie %q, want a new cookie", forged, got.setCookie)
			}
		}

		// Endpoints added: the cookie keeps its endpoint.
		apply(spec("e1", "e2", "e3", "e4"))
		for range 10 {
			if got := getSticky(t, addr, "/app/", cookie); got != (stickyAnswer{first.endpoint, ""}) {
				t.Fatalf("after adding e4: %+v, want %s without a new cookie", got, first.endpoint)
			}
		}

		// Ejected: the client moves and is told.
		b := p.srv.Table().backends["b"]
		var sticky *upstream
		for _, g := range b.groups {
			for _, u := range g {
				if u.Addr == eps[first.endpoint] {
					sticky = u
				}
			}
		}
		sticky.state.ejectedUntil.Store(time.Now().Add(time.Hour).UnixNano())
		moved := getSticky(t, addr, "/app/", cookie)
		if moved.endpoint == first.endpoint || !stickyCookieRE.MatchString(moved.setCookie) || cookieOf(moved.setCookie) == cookie {
			t.Errorf("endpoint ejected: %+v, want another endpoint and a new cookie", moved)
		}
		sticky.state.ejectedUntil.Store(0)
		if got := getSticky(t, addr, "/app/", cookie); got != (stickyAnswer{first.endpoint, ""}) {
			t.Errorf("ejection over: %+v, want %s again", got, first.endpoint)
		}

		// Removed: the client moves and is told; the new cookie sticks.
		var rest []string
		for _, n := range []string{"e1", "e2", "e3", "e4"} {
			if n != first.endpoint {
				rest = append(rest, n)
			}
		}
		apply(spec(rest...))
		moved = getSticky(t, addr, "/app/", cookie)
		if moved.endpoint == first.endpoint || !stickyCookieRE.MatchString(moved.setCookie) {
			t.Fatalf("endpoint removed: %+v, want another endpoint and a new cookie", moved)
		}
		for range 10 {
			if got := getSticky(t, addr, "/app/", cookieOf(moved.setCookie)); got != (stickyAnswer{moved.endpoint, ""}) {
				t.Fatalf("with the new cookie: %+v, want %s", got, moved.endpoint)
			}
		}
	})
}

// TestAffinityAndLocality: a cookie naming a usable endpoint of another
// tier wins over the locality preference; with LocalityLocal only this
// node's endpoints can be named, so such a cookie is replaced.
func TestAffinityAndLocality(t *testing.T) {
	t.Parallel()
	local, remote := namedEchoBackend(t, "local"), namedEchoBackend(t, "remote")
	spec := func(l model.Locality) model.TableSpec {
		return model.TableSpec{
			Node:   "n1",
			Routes: []model.Route{{Path: "/", Backend: "b"}},
			Backends: []model.Backend{{Name: "b", Locality: l, Endpoints: []model.Endpoint{
				{Addr: local, Node: "n1"}, {Addr: remote, Node: "n2"},
			}, Affinity: &model.Affinity{CookieName: "SID", Path: "/", Secure: true}}},
		}
	}
	p := startProxy(t, spec(model.LocalityPreferLocal), listen.Policy{})
	remoteCookie := "SID=" + stickyKey("b", remote.String())
	if got := getSticky(t, p.addr, "/", ""); got.endpoint != "local" || got.setCookie != "SID="+stickyKey("b", local.String())+"; Path=/; HttpOnly; Secure" {
		t.Errorf("no cookie: %+v, want the local endpoint and its cookie", got)
	}
	for range 10 {
		if got := getSticky(t, p.addr, "/", remoteCookie); got != (stickyAnswer{"remote", ""}) {
			t.Fatalf("PreferLocal, a cookie naming the remote endpoint: %+v, want remote", got)
		}
	}
	if err := p.srv.Apply(spec(model.LocalityLocal)); err != nil {
		t.Fatal(err)
	}
	if got := getSticky(t, p.addr, "/", remoteCookie); got.endpoint != "local" || !strings.HasPrefix(got.setCookie, "SID="+stickyKey("b", local.String())+";") {
		t.Errorf("Local, a cookie naming the remote endpoint: %+v, want local and a new cookie", got)
	}
}

// TestAffinityCookieAttributes: the cookie carries Expires that far from
// now, the Domain, Secure for a request over TLS, and, without a path of
// its own, "/" for a regex route.
func TestAffinityCookieAttributes(t *testing.T) {
	t.Parallel()
	ep := netip.MustParseAddrPort("127.0.0.1:1")
	tbl, err := NewTable(model.TableSpec{Backends: []model.Backend{{Name: "b", Endpoints: []model.Endpoint{{Addr: ep}},
		Affinity: &model.Affinity{CookieName: "SID", Domain: "example.com", Expires: 48 * time.Hour, SameSite: "None"}}}})
	if err != nil {
		t.Fatal(err)
	}
	b := tbl.backends["b"]
	st := &requestState{backend: b, up: b.groups[0][0], stickyRule: &pathRule{path: "/x(.*)", typ: model.PathRegex}}
	st.fwd.proto = "https"
	h := http.Header{}
	st.setAffinityCookie(h)
	c, err := http.ParseSetCookie(h.Get("Set-Cookie"))
	if err != nil {
		t.Fatalf("Set-Cookie %q: %v", h.Get("Set-Cookie"), err)
	}
	if until := time.Until(c.Expires); until < 47*time.Hour || until > 49*time.Hour {
		t.Errorf("Expires %v is %v from now, want 48h", c.Expires, until)
	}
	if c.Name != "SID" || c.Value != stickyKey("b", ep.String()) || c.Path != "/" || c.Domain != "example.com" ||
		!c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteNoneMode || c.MaxAge != 0 {
		t.Errorf("Set-Cookie %q: want SID, the endpoint's key, Path=/, Domain=example.com, Secure, HttpOnly, SameSite=None, no Max-Age", h.Get("Set-Cookie"))
	}
	// Over plain HTTP, Secure only when a trusted proxy says the request
	// came over https.
	st.fwd.proto, st.fwd.in = "http", http.Header{"X-Forwarded-Proto": {"https"}}
	for _, trusted := range []bool{false, true} {
		st.fwd.res.PeerTrusted = trusted
		h = http.Header{}
		st.setAffinityCookie(h)
		if c, err := http.ParseSetCookie(h.Get("Set-Cookie")); err != nil || c.Secure != trusted {
			t.Errorf("X-Forwarded-Proto: https from a peer trusted %v: Set-Cookie %q, want Secure %v", trusted, h.Get("Set-Cookie"), trusted)
		}
	}
	st.stickyFrom = st.up
	h = http.Header{}
	if st.setAffinityCookie(h); len(h) != 0 {
		t.Errorf("the cookie already names the endpoint: Set-Cookie %q, want none", h.Get("Set-Cookie"))
	}
}
