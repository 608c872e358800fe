package model

import "testing"

func TestCORSOriginAllows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, origin string
		rule            WildcardRule
		want            bool
	}{
		{"https://www.foo.com", "https://www.foo.com", 0, true},
		{"https://www.foo.com", "https://WWW.Foo.com", 0, true},
		{"https://www.foo.com", "https://www.foo.com:443", 0, true},
		{"https://www.foo.com:443", "https://www.foo.com", 0, true},
		{"https://www.foo.com", "http://www.foo.com", 0, false},
		{"https://www.foo.com", "https://www.foo.com:8443", 0, false},
		{"https://www.foo.com", "https://www.foo.com.evil.test", 0, false},
		{"https://www.foo.com", "https://www.foo.com/", 0, false},
		{"https://www.foo.com", "null", 0, false},
		{"https://*.bar.com", "https://www.bar.com", WildcardOneLabel, true},
		{"https://*.bar.com", "https://xpto.www.bar.com", WildcardOneLabel, false},
		{"https://*.bar.com", "https://xpto.www.bar.com", WildcardSuffix, true},
		{"https://*.bar.com", "https://bar.com", WildcardSuffix, false},
		{"https://*.bar.com", "https://evilbar.com", WildcardSuffix, false},
		{"https://*.bar.com", "https://.bar.com", WildcardSuffix, false},
		{"https://*", "https://anything.test:443", 0, true},
		{"https://*", "http://anything.test", 0, false},
		{"http://*:8080", "http://a.test:8080", 0, true},
		{"http://[::1]:8080", "http://[::1]:8080", 0, true},
		{"http://[::1]:8080", "http://[0:0::1]:8080", 0, true},
		{"http://127.0.0.1", "http://127.0.0.1:80", 0, true},
		{"https://a.test", "https://a.test:0443", 0, false},
		{"https://a.test", "https://a.test:", 0, false},
		{"https://a.test", "https://a.test\r\nX: y", 0, false},
		{"https://a.test", "https://*.test", 0, false},
	}
	for _, tc := range tests {
		p, err := ParseCORSOrigin(tc.pattern)
		if err != nil {
			t.Fatalf("ParseCORSOrigin(%q): %v", tc.pattern, err)
		}
		req, ok := ParseRequestOrigin(tc.origin)
		if got := ok && p.Allows(req, tc.rule); got != tc.want {
			t.Errorf("%q allows %q (rule %d) = %v, want %v", tc.pattern, tc.origin, tc.rule, got, tc.want)
		}
	}
	for _, bad := range []string{"*", "null", "ftp://a.test", "https://A.test", "https://a.test/", "https://a.test:99999",
		"https://a.*.test", "https://*a.test", "https://a..test", "https://[::1", "https://[fe80::1%eth0]", "https://a.test:+1", "https://"} {
		if _, err := ParseCORSOrigin(bad); err == nil {
			t.Errorf("ParseCORSOrigin(%q) accepted", bad)
		}
	}
}

func FuzzParseRequestOrigin(f *testing.F) {
	for _, s := range []string{"https://a.test", "http://[::1]:80", "null", "https://A.TEST:443", "https://"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, ok := ParseRequestOrigin(s)
		if !ok {
			return
		}
		if o.Wildcard || o.Host == "" || (o.Scheme != "http" && o.Scheme != "https") || o.Port == 0 {
			t.Fatalf("ParseRequestOrigin(%q) = %+v", s, o)
		}
		if !validFieldValue(o.Host) {
			t.Fatalf("host %q holds a control character", o.Host)
		}
	})
}
