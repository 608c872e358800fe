package e2e

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseForwarded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []string
		want   []map[string]string
	}{
		{"none", nil, nil},
		{"one element", []string{"for=203.0.113.7"}, []map[string]string{{"for": "203.0.113.7"}}},
		{"parameters", []string{`for=203.0.113.7;host=app.example.com;proto=http`},
			[]map[string]string{{"for": "203.0.113.7", "host": "app.example.com", "proto": "http"}}},
		{"ipv6 quoted", []string{`for="[fd00::203:0:113:7]"`}, []map[string]string{{"for": `"[fd00::203:0:113:7]"`}}},
		{"chain in one value", []string{`for=203.0.113.7, for=192.0.2.20;proto=http`},
			[]map[string]string{{"for": "203.0.113.7"}, {"for": "192.0.2.20", "proto": "http"}}},
		{"chain across lines", []string{"for=203.0.113.7", "for=192.0.2.20"},
			[]map[string]string{{"for": "203.0.113.7"}, {"for": "192.0.2.20"}}},
		{"separators inside quotes", []string{`for="a,b;c";by="x\"y,z"`}, []map[string]string{{"for": `"a,b;c"`, "by": `"x\"y,z"`}}},
		{"case and spaces", []string{` For = 203.0.113.7 ; PROTO=https `}, []map[string]string{{"for": "203.0.113.7", "proto": "https"}}},
		{"empty elements skipped", []string{",,for=1.2.3.4,"}, []map[string]string{{"for": "1.2.3.4"}}},
		{"pair without value", []string{"for"}, []map[string]string{{"for": ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ParseForwarded(tt.values); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseForwarded(%q) = %q, want %q", tt.values, got, tt.want)
			}
		})
	}
}

func TestSplitList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []string
		want   []string
	}{
		{"none", nil, nil},
		{"one", []string{"203.0.113.7"}, []string{"203.0.113.7"}},
		{"chain", []string{"203.0.113.7, 192.0.2.20"}, []string{"203.0.113.7", "192.0.2.20"}},
		{"lines and blanks", []string{"a,,b", " c "}, []string{"a", "b", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := SplitList(tt.values); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SplitList(%q) = %q, want %q", tt.values, got, tt.want)
			}
		})
	}
}

func TestParseEchoReply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		wantErr bool
	}{
		{"reply", `{"method":"GET","path":"/x","query":"a=1","proto":"HTTP/1.1","host":"app.example.com","remote_addr":"10.1.2.3:4567","headers":{"X-Real-Ip":["203.0.113.7"]}}`, false},
		{"not json", `<html>`, true},
		{"other json", `{"kind":"Status"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := ParseEchoReply([]byte(tt.body))
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseEchoReply: err %v, want error %v", err, tt.wantErr)
			}
			if err == nil && (e.Header("X-Real-IP") != "203.0.113.7" || e.Host != "app.example.com" || e.Query != "a=1") {
				t.Errorf("ParseEchoReply = %+v", e)
			}
		})
	}
}

// FuzzParseForwarded checks that the lenient parser never panics and that
// every value it returns was in the input.
func FuzzParseForwarded(f *testing.F) {
	for _, s := range []string{`for=203.0.113.7;proto=http, for="[fd00::7]"`, `"`, `\`, `for="a\"`, `;;,,=`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, el := range ParseForwarded([]string{s}) {
			for k, v := range el {
				if !strings.Contains(strings.ToLower(s), k) || !strings.Contains(s, v) {
					t.Errorf("ParseForwarded(%q) invented %q=%q", s, k, v)
				}
			}
		}
	})
}
