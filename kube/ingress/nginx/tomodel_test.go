package nginx

import (
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

func TestHTTPSRedirectRoute(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		r      HTTPSRedirect
		hasTLS bool
		want   bool
	}{{RedirectIfTLS, true, true}, {RedirectIfTLS, false, false}, {RedirectAlways, false, true}, {RedirectNever, true, false}} {
		got := tc.r.Route(tc.hasTLS)
		if (got != nil) != tc.want || got != nil && got.Status != 308 {
			t.Errorf("%v.Route(%v) = %+v, want redirect %v with 308", tc.r, tc.hasTLS, got, tc.want)
		}
	}
}

func TestBasicAuthRoute(t *testing.T) {
	t.Parallel()
	const apr1 = "$apr1$Wt2XYkmR$25uITsssciv7R1ItHxYZN1"
	file := &BasicAuth{Secret: "ns/users", SecretType: "auth-file", Realm: "Staff"}
	ba, err := file.Route(map[string][]byte{"auth": []byte("alice:" + apr1 + "\n")})
	if err != nil || ba.Realm != "Staff" || len(ba.Users) != 1 || ba.Users[0] != (model.BasicAuthUser{Name: "alice", Hash: apr1}) {
		t.Errorf("auth-file: %+v, %v", ba, err)
	}
	m := &BasicAuth{Secret: "ns/users", SecretType: "auth-map"}
	ba, err = m.Route(map[string][]byte{"bob": []byte(apr1 + "\n"), "alice": []byte(apr1)})
	if err != nil || len(ba.Users) != 2 || ba.Users[0].Name != "alice" || ba.Users[1].Hash != apr1 {
		t.Errorf("auth-map: %+v, %v", ba, err)
	}
	for name, tc := range map[string]struct {
		a    *BasicAuth
		data map[string][]byte
		want string
	}{
		"no auth key":   {file, map[string][]byte{"users": nil}, `has no key "auth"`},
		"DES hash":      {file, map[string][]byte{"auth": []byte("a:rl5FWAm.cFmXo")}, "crypt(3) DES"},
		"plain in map":  {m, map[string][]byte{"a": []byte("secret")}, "plain-text"},
		"colon in user": {m, map[string][]byte{"a:b": []byte(apr1)}, "colon"},
	} {
		if ba, err := tc.a.Route(tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %+v, %v; want an error containing %q", name, ba, err, tc.want)
		}
	}
}

func TestExternalAuthRoute(t *testing.T) {
	t.Parallel()
	e := &ExternalAuth{URL: "http://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth?x=$escaped_request_uri", SignIn: "https://$host/oauth2/start",
		ResponseHeaders: []string{"X-Auth-Request-User"}}
	tg, err := e.Target()
	if err != nil || tg != (AuthTarget{Host: "oauth2-proxy.auth.svc.cluster.local", Port: 4180, PathQuery: "/oauth2/auth?x=$escaped_request_uri"}) {
		t.Errorf("Target() = %+v, %v", tg, err)
	}
	ea, err := e.Route("auth-backend", 2*time.Second)
	if err != nil || ea.Host != "oauth2-proxy.auth.svc.cluster.local:4180" || ea.Path != tg.PathQuery || ea.Backend != "auth-backend" {
		t.Fatalf("Route() = %+v, %v", ea, err)
	}
	spec := model.TableSpec{Backends: []model.Backend{{Name: "b"}, {Name: "auth-backend"}}, Routes: []model.Route{{Path: "/", Backend: "b", ExternalAuth: ea}}}
	if err := spec.Validate(); err != nil {
		t.Errorf("the model refuses what Route made: %v", err)
	}
	if tg, _ := (&ExternalAuth{URL: "https://auth.test"}).Target(); tg.Port != 443 || !tg.HTTPS || tg.PathQuery != "/" {
		t.Errorf("https default: %+v", tg)
	}
	if _, err := (&ExternalAuth{URL: "ftp://auth.test/"}).Target(); err == nil {
		t.Error("ftp URL accepted")
	}
}

// TestParsedCORSIsValid: whatever CORS annotations say, the policy Parse
// makes is one the model accepts.
func TestParsedCORSIsValid(t *testing.T) {
	t.Parallel()
	for _, ann := range []map[string]string{
		{"enable-cors": "true"},
		{"enable-cors": "true", "cors-allow-origin": "https://A.example.com, https://*.example.org:8443, null", "cors-expose-headers": "*, X-Total"},
		{"enable-cors": "true", "cors-allow-credentials": "false", "cors-expose-headers": "*, X-Total", "cors-max-age": "5"},
	} {
		in := map[string]string{}
		for k, v := range ann {
			in[Prefix+k] = v
		}
		f, _ := Parse(in)
		spec := model.TableSpec{Backends: []model.Backend{{Name: "b"}}, Routes: []model.Route{{Path: "/", Backend: "b", CORS: f.CORS}}}
		if f.CORS == nil {
			t.Fatalf("%v: no CORS", ann)
		}
		if err := spec.Validate(); err != nil {
			t.Errorf("%v: %v", ann, err)
		}
	}
}
