package proxy

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/firsthop/firsthop/model"
)

func TestBasicCredentials(t *testing.T) {
	t.Parallel()
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name, value    string
		user, password string
		ok             bool
	}{
		{"plain", "Basic " + b64("alice:secret"), "alice", "secret", true},
		{"scheme in any case", "bAsIc " + b64("alice:secret"), "alice", "secret", true},
		{"colon in password", "Basic " + b64("alice:a:b"), "alice", "a:b", true},
		{"empty password", "Basic " + b64("alice:"), "alice", "", true},
		{"no colon", "Basic " + b64("alice"), "", "", false},
		{"no space", "Basic" + b64("alice:x"), "", "", false},
		{"bad base64", "Basic YWxpY2U6c2VjcmV0!!", "", "", false},
		{"unpadded", "Basic YWxpY2U6cw", "", "", false},
		{"bearer", "Bearer " + b64("alice:x"), "", "", false},
		{"too long", "Basic " + strings.Repeat("QUFB", maxAuthorizationBytes/4), "", "", false},
	}
	for _, tc := range tests {
		user, password, ok := basicCredentials([]string{tc.value})
		if user != tc.user || password != tc.password || ok != tc.ok {
			t.Errorf("%s: basicCredentials = %q, %q, %v; want %q, %q, %v", tc.name, user, password, ok, tc.user, tc.password, tc.ok)
		}
	}
	if _, _, ok := basicCredentials([]string{"Basic " + b64("a:b"), "Basic " + b64("a:b")}); ok {
		t.Error("two Authorization values were read")
	}
}

// TestBasicAuthVerify checks each hash scheme, and that the cache of good
// credentials never lets a wrong password in.
func TestBasicAuthVerify(t *testing.T) {
	t.Parallel()
	a := newBasicAuth(&model.BasicAuth{Users: []model.BasicAuthUser{
		{Name: "alice", Hash: apr1OfSecret}, {Name: "bob", Hash: sha1OfSecret}, {Name: "carol", Hash: bcryptOfUU},
		{Name: "dave", Hash: "$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1"}}})
	for range 2 { // the second round is served from the cache
		for _, c := range []struct {
			user, password string
			want           bool
		}{
			{"alice", "secret", true}, {"bob", "secret", true}, {"carol", "U*U", true}, {"dave", "secret", true},
			{"alice", "secreT", false}, {"bob", "", false}, {"carol", "U*U\x00", false}, {"dave", "secret ", false}, {"eve", "secret", false},
		} {
			if got := a.verify(c.user, c.password); got != c.want {
				t.Errorf("verify(%q, %q) = %v, want %v", c.user, c.password, got, c.want)
			}
		}
	}
}

// FuzzBasicCredentials: any Authorization value is read or refused,
// never a panic, and what is read round-trips.
func FuzzBasicCredentials(f *testing.F) {
	f.Add("Basic YWxpY2U6c2VjcmV0")
	f.Add("basic ")
	f.Add("Basic    YTpi")
	f.Add("Basic =")
	f.Fuzz(func(t *testing.T, v string) {
		user, password, ok := basicCredentials([]string{v})
		if !ok {
			return
		}
		if strings.Contains(user, ":") || len(v) > maxAuthorizationBytes {
			t.Fatalf("%q read as %q, %q", v, user, password)
		}
	})
}
