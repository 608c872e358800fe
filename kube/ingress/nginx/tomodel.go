package nginx

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firsthop/firsthop/model"
)

// This file turns the Features that need the Ingress processor's help (a
// Secret to read, a Service to resolve, the Ingress's TLS hosts) into the
// routing model's values.

// Route returns the model.Route.HTTPSRedirect of a route whose host has
// a TLS section on the Ingress (hasTLS) or not: RedirectIfTLS redirects
// only the former, RedirectAlways both, RedirectNever neither (nil).
func (r HTTPSRedirect) Route(hasTLS bool) *model.HTTPSRedirect {
	if r == RedirectAlways || r == RedirectIfTLS && hasTLS {
		return &model.HTTPSRedirect{Status: HTTPSRedirectStatus}
	}
	return nil
}

// Route returns the model.Route.BasicAuth of a, its users read from data,
// the Secret's data: the htpasswd file under key "auth" (auth-file), or
// one key per user whose value is the hash (auth-map). An error (no such
// key, a bad line, a hash firsthop refuses such as crypt(3) DES) means
// the Ingress must fail closed: serving it without authentication would
// open what ingress-nginx kept closed.
func (a *BasicAuth) Route(data map[string][]byte) (*model.BasicAuth, error) {
	ba := &model.BasicAuth{Realm: a.Realm}
	if a.SecretType == "auth-map" {
		users := make([]string, 0, len(data))
		for u := range data {
			users = append(users, u)
		}
		slices.Sort(users)
		for _, u := range users {
			hash := strings.TrimSpace(string(data[u]))
			if _, err := model.ParsePasswordHash(hash); err != nil {
				return nil, fmt.Errorf("secret %s, user %q: %v", a.Secret, u, err)
			}
			ba.Users = append(ba.Users, model.BasicAuthUser{Name: u, Hash: hash})
		}
	} else {
		file, ok := data["auth"]
		if !ok {
			return nil, fmt.Errorf("secret %s has no key \"auth\" (an htpasswd file)", a.Secret)
		}
		users, err := model.ParseHtpasswd(file)
		if err != nil {
			return nil, fmt.Errorf("secret %s: %v", a.Secret, err)
		}
		ba.Users = users
	}
	// Names and hashes again, as the model checks them (auth-map keys).
	spec := model.TableSpec{Backends: []model.Backend{{Name: "b"}}, Routes: []model.Route{{Path: "/", Backend: "b", BasicAuth: ba}}}
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("secret %s: %v", a.Secret, err)
	}
	return ba, nil
}

// AuthTarget is where an auth-url points: the processor resolves Host
// (usually svc.ns.svc.cluster.local, or svc.ns) and Port to a Service
// port and its backend.
type AuthTarget struct {
	// HTTPS says the URL's scheme is https: the backend speaks TLS.
	HTTPS bool
	Host  string
	Port  uint16
	// PathQuery is the URL's path and query, "/" when it has none.
	PathQuery string
}

// Target parses e.URL into where the auth requests go.
func (e *ExternalAuth) Target() (AuthTarget, error) {
	u, err := url.Parse(e.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return AuthTarget{}, fmt.Errorf("auth-url %q is not an http(s) URL", e.URL)
	}
	t := AuthTarget{HTTPS: u.Scheme == "https", Host: strings.ToLower(u.Hostname()), Port: 80, PathQuery: u.EscapedPath()}
	if t.HTTPS {
		t.Port = 443
	}
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			return AuthTarget{}, fmt.Errorf("auth-url %q: port %q is not 1 to 65535", e.URL, p)
		}
		t.Port = uint16(n)
	}
	if t.PathQuery == "" {
		t.PathQuery = "/"
	}
	if u.RawQuery != "" {
		t.PathQuery += "?" + u.RawQuery
	}
	return t, nil
}

// Route returns the model.Route.ExternalAuth of e, its requests going to
// backend (the processor's backend for e's Target) with the Host header
// the URL names, within timeout (zero: the model's default).
func (e *ExternalAuth) Route(backend string, timeout time.Duration) (*model.ExternalAuth, error) {
	t, err := e.Target()
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(e.URL)
	host := t.Host
	if u.Port() != "" {
		host = net.JoinHostPort(t.Host, u.Port())
	}
	return &model.ExternalAuth{
		Backend: backend, Path: t.PathQuery, Host: strings.Trim(host, "[]"), Method: e.Method,
		ResponseHeaders: e.ResponseHeaders, SignIn: e.SignIn, SignInRedirectParam: e.SignInRedirectParam,
		RequestRedirect: e.RequestRedirect, AlwaysSetCookie: e.AlwaysSetCookie, Timeout: timeout,
	}, nil
}
