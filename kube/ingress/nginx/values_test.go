package nginx

import (
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		err  string
	}{
		{in: "0", want: 0},
		{in: "1000", want: 1000},
		{in: "8m", want: 8 << 20},
		{in: "8M", want: 8 << 20},
		{in: "512k", want: 512 << 10},
		{in: "1g", want: 1 << 30},
		{in: "10b", want: 10},
		{in: " 2 m ", want: 2 << 20},
		{in: "1024g", want: 1 << 40},
		{in: "1025g", err: "larger than 1 TiB"},
		{in: "99999999999999999999", err: "larger than 1 TiB"},
		{in: "8mb", err: "not a size"},
		{in: "-1", err: "not a size"},
		{in: "m", err: "not a size"},
		{in: "", err: "not a size"},
		{in: "1.5m", err: "not a size"},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseSize(%q) = %d, %v; want error containing %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseSeconds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "60", want: time.Minute},
		{in: " 5 ", want: 5 * time.Second},
		{in: "86400", want: 24 * time.Hour},
		{in: "86401", err: "from 1 to 86400"},
		{in: "0", err: "from 1 to 86400"},
		{in: "60s", err: "without a unit"},
		{in: "1m", err: "without a unit"},
		{in: "sixty", err: "not a whole number"},
	}
	for _, tt := range tests {
		got, err := parseSeconds(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseSeconds(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseSeconds(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseRedirectURL(t *testing.T) {
	t.Parallel()
	full := func(p string) *model.PathRewrite { return &model.PathRewrite{Type: model.RewriteFullPath, Value: p} }
	tests := []struct {
		in   string
		want model.Redirect
		err  string
	}{
		{in: "https://example.com", want: model.Redirect{Scheme: "https", Host: "example.com", Path: full("/"), Status: 301}},
		{in: "http://Example.COM:8080/a%20b", want: model.Redirect{Scheme: "http", Host: "example.com", Port: 8080, Path: full("/a%20b"), Status: 301}},
		{in: "https://example.com$request_uri", want: model.Redirect{Scheme: "https", Host: "example.com", Status: 301}},
		{in: "https://[2001:db8::1]/x", want: model.Redirect{Scheme: "https", Host: "2001:db8::1", Path: full("/x"), Status: 301}},
		{in: "https://example.com/x$request_uri", err: "must follow the host"},
		{in: "https://$host/", err: "nginx variables"},
		{in: "ftp://example.com", err: "only http and https"},
		{in: "/relative", err: "only http and https"},
		{in: "https://user@example.com/", err: "want scheme://host"},
		{in: "https://example.com:0/", err: "port"},
		{in: "https://example.com/?a=b", err: "query"},
		{in: "https://example.com/\r\nX: y", err: "control character"},
	}
	for _, tt := range tests {
		got, err := parseRedirectURL(tt.in, 301)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseRedirectURL(%q) = %+v, %v; want error containing %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseRedirectURL(%q): %v", tt.in, err)
			continue
		}
		if got.Scheme != tt.want.Scheme || got.Host != tt.want.Host || got.Port != tt.want.Port || got.Status != tt.want.Status ||
			(got.Path == nil) != (tt.want.Path == nil) || (got.Path != nil && *got.Path != *tt.want.Path) {
			t.Errorf("parseRedirectURL(%q) = %+v (path %v); want %+v (path %v)", tt.in, got, got.Path, tt.want, tt.want.Path)
		}
	}
}

func TestParseCORSOrigins(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
		err  bool
	}{
		{in: "https://a.example.com", want: "https://a.example.com"},
		{in: "https://a.example.com:8443, http://*.example.org", want: "https://a.example.com:8443|http://*.example.org"},
		{in: "https://a.example.com, *", want: "*"},
		{in: "null", want: "null"},
		{in: ",,", err: true},
		{in: "https://a.example.com/path", err: true},
		{in: "https://*.*.example.com", err: true},
		{in: "a.example.com", err: true},
		{in: "https://a.example.com:99999999", err: true},
	}
	for _, tt := range tests {
		got, err := parseCORSOrigins(tt.in)
		if (err != nil) != tt.err || (!tt.err && strings.Join(got, "|") != tt.want) {
			t.Errorf("parseCORSOrigins(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParseSecretRef(t *testing.T) {
	t.Parallel()
	for in, ok := range map[string]bool{
		"basic-auth": true, "auth/basic-auth": true, "a.b": true,
		"Basic": false, "a/b/c": false, "/x": false, "x/": false, "ns_1/x": false, "": false,
	} {
		if _, err := parseSecretRef(in); (err == nil) != ok {
			t.Errorf("parseSecretRef(%q) error %v; want ok %v", in, err, ok)
		}
	}
}
