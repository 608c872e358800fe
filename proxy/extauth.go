package proxy

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/firsthop/firsthop/model"
)

// maxAuthAnswerBody bounds what is read of an auth service's answer body
// (read only to keep the connection for another request).
const maxAuthAnswerBody = 64 << 10

// extAuth is a [model.ExternalAuth] compiled against the table's
// backends.
type extAuth struct {
	spec model.ExternalAuth
	// backend is the table's backend of spec.Backend (nil when missing,
	// which Validate prevents): requests then get 500.
	backend *backend
	timeout time.Duration
	param   string // the sign-in redirect parameter
}

func newExtAuth(e *model.ExternalAuth, backends map[string]*backend) *extAuth {
	a := &extAuth{spec: *e, backend: backends[e.Backend], timeout: e.Timeout, param: e.SignInRedirectParam}
	if a.timeout <= 0 {
		a.timeout = model.DefaultExternalAuthTimeout
	}
	if a.param == "" {
		a.param = "rd"
	}
	return a
}

// externalAuth asks a's service about r (see [model.ExternalAuth]) and
// reports whether r goes on; when not, it has answered. On a 2xx answer
// it copies the service's response headers onto r and keeps its cookies
// in st for the response.
func (h *handler) externalAuth(w http.ResponseWriter, r *http.Request, st *requestState, a *extAuth) bool {
	resp, err := h.askAuth(r, st, a)
	if err != nil {
		h.log.Warn("external auth failed", "listener", h.listener, "route", st.route, "backend", a.spec.Backend, "error", err.Error())
		st.refuse(w, http.StatusInternalServerError, "the authentication service did not answer")
		return false
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAuthAnswerBody))
		resp.Body.Close()
	}()
	cookies := resp.Header["Set-Cookie"]
	switch status := resp.StatusCode; {
	case status >= 200 && status < 300:
		for _, name := range a.spec.ResponseHeaders {
			if vv := resp.Header[name]; len(vv) > 0 {
				r.Header[name] = vv
			} else {
				delete(r.Header, name)
			}
		}
		st.authCookies = cookies
		return true
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		if a.spec.AlwaysSetCookie {
			st.authCookies = cookies
		}
		if status == http.StatusForbidden {
			st.refuse(w, status, "access denied by the authentication service")
			return false
		}
		if a.spec.SignIn != "" {
			loc, ok := a.signInLocation(r, st)
			if ok {
				hdr := w.Header()
				st.guardHeaders(hdr)
				hdr.Set("Location", loc)
				hdr.Set("Content-Length", "0")
				w.WriteHeader(http.StatusFound)
				return false
			}
		}
		if c := resp.Header["Www-Authenticate"]; len(c) > 0 {
			w.Header()["Www-Authenticate"] = c
		}
		st.refuse(w, status, "authentication required")
		return false
	default:
		h.log.Warn("external auth answered an unexpected status", "listener", h.listener, "route", st.route,
			"backend", a.spec.Backend, "status", status)
		st.refuse(w, http.StatusInternalServerError, "the authentication service failed")
		return false
	}
}

// askAuth sends the auth request for r to an endpoint of a's backend and
// returns the answer's head, within a's timeout (which also bounds the
// body's reading by the caller).
func (h *handler) askAuth(r *http.Request, st *requestState, a *extAuth) (*http.Response, error) {
	b := a.backend
	if b == nil {
		return nil, errNoAuthBackend
	}
	up, _, ok := b.pick(nil)
	if !ok {
		return nil, errNoAuthEndpoint
	}
	up.state.inflight.Add(1)
	defer up.state.inflight.Add(-1)
	ctx, cancel := context.WithTimeout(r.Context(), a.timeout)
	u, err := url.Parse(b.scheme + "://" + up.Addr.String() + expandAuthVariables(a.spec.Path, r, st, url.QueryEscape))
	if err != nil {
		cancel()
		return nil, err
	}
	method := a.spec.Method
	if method == "" {
		method = r.Method
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Host = r.Host
	if a.spec.Host != "" {
		req.Host = a.spec.Host
	}
	conn := r.Header["Connection"]
	for k, vv := range r.Header {
		if !skipOutbound(k, conn, st.fwd.res.PeerTrusted) && k != "Transfer-Encoding" && k != "Expect" {
			req.Header[k] = vv
		}
	}
	setForwardingHeaders(req.Header, st.headers, &st.fwd)
	scheme := requestScheme(st)
	req.Header.Set("X-Original-Url", scheme+"://"+r.Host+r.URL.RequestURI())
	req.Header.Set("X-Original-Method", r.Method)
	redirect := a.spec.RequestRedirect
	if redirect == "" {
		redirect = r.URL.RequestURI()
	}
	req.Header.Set("X-Auth-Request-Redirect", redirect)
	resp, err := b.transport.RoundTrip(req)
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = cancelOnClose{resp.Body, cancel}
	return resp, nil
}

// cancelOnClose is a response body that cancels its request's context
// once closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// signInLocation returns where a client the auth service answered 401 is
// sent: SignIn with its variables expanded and, unless it has one
// already, the redirect parameter holding the request's URL. ok is false
// when the request's host cannot be written in a URL (see
// redirectableHost).
func (a *extAuth) signInLocation(r *http.Request, st *requestState) (string, bool) {
	host := model.CanonicalHost(r.Host)
	if !redirectableHost(host) {
		return "", false
	}
	loc := expandAuthVariables(a.spec.SignIn, r, st, url.QueryEscape)
	if u, err := url.Parse(loc); err != nil || u.Query().Has(a.param) {
		return loc, err == nil
	}
	sep := "?"
	if strings.Contains(loc, "?") {
		sep = "&"
	}
	return loc + sep + a.param + "=" + url.QueryEscape(requestScheme(st)+"://"+r.Host+r.URL.RequestURI()), true
}

// requestScheme returns the scheme st's request arrived with, as firsthop
// believes it: https over TLS or from a trusted proxy saying so (see
// arrivedOverHTTPS), else http.
func requestScheme(st *requestState) string {
	if arrivedOverHTTPS(st) {
		return "https"
	}
	return "http"
}

// expandAuthVariables replaces in s the variables [model.ExternalAuth]
// lists: $scheme, $host (the canonical request host) and $http_host (that
// host with the request's port when it has one, see authHTTPHost) — both
// "" when the host is not one a URL may hold — $request_uri and
// $escaped_request_uri (escaped by escape). $request_uri is the client's,
// raw but for "#", written %23 so that no part of it becomes a fragment,
// and, where s has a query, "&", written %26 so that it stays one
// parameter's value.
func expandAuthVariables(s string, r *http.Request, st *requestState, escape func(string) string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	host := model.CanonicalHost(r.Host)
	httpHost := authHTTPHost(r.Host, host)
	if !redirectableHost(host) {
		host, httpHost = "", ""
	}
	uri := r.URL.RequestURI()
	escaped := escape(uri)
	expand := func(s, uri string) string {
		return strings.NewReplacer(
			"$escaped_request_uri", escaped,
			"$request_uri", uri,
			"$scheme", requestScheme(st),
			"$http_host", httpHost,
			"$host", host,
		).Replace(s)
	}
	uri = strings.ReplaceAll(uri, "#", "%23")
	before, query, hasQuery := strings.Cut(s, "?")
	if !hasQuery {
		return expand(s, uri)
	}
	return expand(before, uri) + "?" + expand(query, strings.ReplaceAll(uri, "&", "%26"))
}

// authHTTPHost returns $http_host for the request Host raw, whose
// canonical host is host: host, bracketed when an IPv6 address, with
// raw's port when raw has one; "" when that port is not a number from 1
// to 65535.
func authHTTPHost(raw, host string) string {
	if strings.IndexByte(host, ':') >= 0 {
		host = "[" + host + "]"
	}
	var port string
	switch i := strings.LastIndexByte(raw, ':'); {
	case strings.HasPrefix(raw, "["):
		end := strings.IndexByte(raw, ']')
		if end < 0 {
			return ""
		}
		port = raw[end+1:]
		if port != "" && port[0] != ':' {
			return ""
		}
		port = strings.TrimPrefix(port, ":")
	case i >= 0 && strings.IndexByte(raw, ':') == i:
		port = raw[i+1:]
	}
	if port == "" {
		return host
	}
	if !isPortNumber(port) {
		return ""
	}
	return host + ":" + port
}

type authError string

func (e authError) Error() string { return string(e) }

const (
	errNoAuthBackend  = authError("proxy: the external auth backend is not in the table")
	errNoAuthEndpoint = authError("proxy: the external auth backend has no available endpoint")
)
