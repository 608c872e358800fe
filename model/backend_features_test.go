package model

import (
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/internal/testcert"
)

func TestValidateAffinity(t *testing.T) {
	t.Parallel()
	good := &Affinity{CookieName: "INGRESSCOOKIE", Path: "/app", Domain: "example.com", MaxAge: time.Hour, Expires: time.Hour, SameSite: "Lax", Secure: true}
	if err := (&TableSpec{Backends: []Backend{{Name: "a", Affinity: good}, {Name: "b", Affinity: &Affinity{CookieName: "c"}}}}).Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
	tests := []struct {
		name string
		a    Affinity
		want string
	}{
		{"no name", Affinity{}, `cookie name "" is not a token`},
		{"name with =", Affinity{CookieName: "a=b"}, "is not a token"},
		{"relative path", Affinity{CookieName: "c", Path: "app"}, `cookie path "app"`},
		{"path with ;", Affinity{CookieName: "c", Path: "/a;Domain=evil.test"}, "holds ;"},
		{"wildcard domain", Affinity{CookieName: "c", Domain: "*.example.com"}, "is a wildcard"},
		{"domain not canonical", Affinity{CookieName: "c", Domain: "Example.com"}, "not canonical"},
		{"negative max-age", Affinity{CookieName: "c", MaxAge: -time.Second}, "must not be negative"},
		{"unknown SameSite", Affinity{CookieName: "c", SameSite: "lax"}, `SameSite "lax"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spec := TableSpec{Backends: []Backend{{Name: "a", Affinity: &tc.a}}}
			if err := spec.Validate(); err == nil || !strings.Contains(err.Error(), `backend "a": affinity: `) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want a backend \"a\" affinity error containing %q", err, tc.want)
			}
		})
	}
}

func TestValidateBackendTLS(t *testing.T) {
	t.Parallel()
	_, certPEM, keyPEM, err := testcert.Generate(time.Hour, "backend.test")
	if err != nil {
		t.Fatal(err)
	}
	_, otherCert, _, err := testcert.Generate(time.Hour, "other.test")
	if err != nil {
		t.Fatal(err)
	}
	ok := Backend{Name: "a", Protocol: ProtocolHTTPS, TLSRootCAs: append(append([]byte("# a comment\n"), certPEM...), otherCert...),
		TLSClientCert: certPEM, TLSClientKey: keyPEM}
	if err := (&TableSpec{Backends: []Backend{ok}}).Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
	tests := []struct {
		name string
		b    Backend
		want string
	}{
		{"no certificate in the bundle", Backend{TLSRootCAs: []byte("not PEM")}, "TLS root CAs: no PEM certificate found"},
		{"a key in the bundle", Backend{TLSRootCAs: keyPEM}, `TLS root CAs: PEM block 1 is a "EC PRIVATE KEY", not a CERTIFICATE`},
		{"a broken certificate", Backend{TLSRootCAs: []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")}, "TLS root CAs: PEM block 1"},
		{"a certificate without key", Backend{TLSClientCert: certPEM}, "TLS client certificate and key go together"},
		{"a key without certificate", Backend{TLSClientKey: keyPEM}, "TLS client certificate and key go together"},
		{"a key of another certificate", Backend{TLSClientCert: otherCert, TLSClientKey: keyPEM}, "TLS client certificate: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.b.Name = "a"
			err := (&TableSpec{Backends: []Backend{tc.b}}).Validate()
			if err == nil || !strings.Contains(err.Error(), `backend "a": `+tc.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, `backend "a": `+tc.want)
			}
		})
	}
}
