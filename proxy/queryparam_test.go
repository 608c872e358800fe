package proxy

import (
	"net/url"
	"strings"
	"testing"
)

func TestQueryParam(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, query, param string
		want               string // the value decoded
		found              bool
	}{
		{"empty query", "", "a", "", false},
		{"one pair", "a=1", "a", "1", true},
		{"no =", "a", "a", "", true},
		{"empty value", "a=", "a", "", true},
		{"value with =", "a=1=2", "a", "1=2", true},
		{"first of several", "a=1&a=2", "a", "1", true},
		{"after others", "b=1&a=2", "a", "2", true},
		{"empty pairs", "&&a=1&", "a", "1", true},
		{"plus is a space", "a=x+y", "a", "x y", true},
		{"percent-encoded value", "a=%2F%20%2b", "a", "/ +", true},
		{"percent-encoded name", "%61=1", "a", "1", true},
		{"plus in a name", "a+b=1", "a b", "1", true},
		{"names are case-sensitive", "A=1", "a", "", false},
		{"a prefix of a name is not it", "ab=1&ba=2", "a", "", false},
		{"a bad escape in the value skips the pair", "a=%zz&a=2", "a", "2", true},
		{"a cut escape in the value skips the pair", "a=%2&a=2", "a", "2", true},
		{"a bad escape in the name skips the pair", "a%=1&a=2", "a", "2", true},
		{"a semicolon skips the pair", "a=1;b=2&a=3", "a", "3", true},
		{"a semicolon is not a separator", "b=1;a=2", "a", "", false},
		{"a fragment is not there", "a=1#x", "a", "1#x", true},
		{"NUL in a value", "a=%00", "a", "\x00", true},
		{"non-ASCII", "a=%C3%A9", "a", "é", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw, found := queryParam(tc.query, tc.param)
			if found != tc.found {
				t.Fatalf("queryParam(%q, %q) found %v, want %v", tc.query, tc.param, found, tc.found)
			}
			if !found {
				return
			}
			if !queryUnescapedEqual(raw, tc.want) {
				t.Errorf("queryParam(%q, %q) = %q, which does not decode to %q", tc.query, tc.param, raw, tc.want)
			}
			// url.ParseQuery is the reference reading.
			if got := url.Values(mustParseQuery(tc.query))[tc.param]; len(got) == 0 || got[0] != tc.want {
				t.Errorf("url.ParseQuery disagrees: %q", got)
			}
		})
	}
}

func mustParseQuery(q string) url.Values {
	v, _ := url.ParseQuery(q) // keeps what it can read, as the router does
	return v
}

func TestQueryUnescapedEqual(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s, want string
		equal   bool
	}{
		{"", "", true},
		{"abc", "abc", true},
		{"abc", "ab", false},
		{"ab", "abc", false},
		{"a+b", "a b", true},
		{"a%2Bb", "a+b", true},
		{"a%2bb", "a+b", true},
		{"%", "%", false},
		{"%4", "%4", false},
		{"%4g", "%4g", false},
		{"%41", "A", true},
		{"%41", "%41", false},
	}
	for _, tc := range tests {
		if got := queryUnescapedEqual(tc.s, tc.want); got != tc.equal {
			t.Errorf("queryUnescapedEqual(%q, %q) = %v, want %v", tc.s, tc.want, got, tc.equal)
		}
	}
}

// FuzzQueryParam checks the router's query scanner against url.ParseQuery
// on untrusted queries: the first value it finds is ParseQuery's first
// value of the name, decoded alike, and it finds one exactly when
// ParseQuery does.
func FuzzQueryParam(f *testing.F) {
	for _, s := range []string{"", "a=1", "a", "a=1&a=2", "a=%zz&a=2", "a=1;b&a=3", "%61=x+y", "a=%", "a=%2", "&&=&a", "a=%C3%A9"} {
		f.Add(s, "a")
	}
	f.Add("a b=1", "a b")
	f.Fuzz(func(t *testing.T, query, name string) {
		if name == "" || strings.Count(query, "&") > 1000 {
			return // names are never empty (Validate); ParseQuery caps the pairs
		}
		want := mustParseQuery(query)[name]
		raw, found := queryParam(query, name)
		if found != (len(want) > 0) {
			t.Fatalf("queryParam(%q, %q) found %v; url.ParseQuery has %q", query, name, found, want)
		}
		if !found {
			return
		}
		if !queryUnescapedEqual(raw, want[0]) {
			t.Fatalf("queryParam(%q, %q) = %q; url.ParseQuery's first value is %q", query, name, raw, want[0])
		}
		if dec, err := url.QueryUnescape(raw); err != nil || dec != want[0] {
			t.Fatalf("queryParam(%q, %q) = %q, decoding to %q (%v); want %q", query, name, raw, dec, err, want[0])
		}
	})
}
