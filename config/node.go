package config

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// decoder walks one YAML document and collects every problem it finds, so
// that a file is reported whole rather than first error only.
type decoder struct {
	file  string
	errs  []Diagnostic
	warns []Diagnostic
	// files are the files routes and backends name (htpasswd files, CA
	// bundles, client certificates), read or not, in file order.
	files []string
}

// errorf records an error at n's position.
func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	d.errs = append(d.errs, d.at(n, fmt.Sprintf(format, args...)))
}

// warnf records a lint warning at n's position.
func (d *decoder) warnf(n *yaml.Node, format string, args ...any) {
	d.warns = append(d.warns, d.at(n, fmt.Sprintf(format, args...)))
}

func (d *decoder) at(n *yaml.Node, msg string) Diagnostic {
	return Diagnostic{File: d.file, Line: n.Line, Column: n.Column, Message: msg}
}

// isNull reports whether n is an explicit or implicit YAML null ("key:",
// "key: ~", "key: null"). A null value is treated as if the key were absent.
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names the kind of n for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

// join appends key to a dotted setting path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index appends a list index to a setting path.
func index(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

// fields is a decoded YAML mapping.
type fields struct {
	node *yaml.Node            // the mapping, for "X is required"
	path string                // the setting path of the mapping
	keys map[string]*yaml.Node // key nodes by name
	vals map[string]*yaml.Node // value nodes by name, null included
}

// value returns the value of key, or nil when the key is absent or null.
func (f fields) value(key string) *yaml.Node {
	v := f.vals[key]
	if v == nil || isNull(v) {
		return nil
	}
	return v
}

// complete reports whether every key of the mapping was known and given
// once: no unknown or repeated key was reported. A check that a mapping
// says something ("give X or Y") runs only then, so that a misspelt key
// is reported once.
func (f fields) complete() bool {
	return 2*len(f.keys) == len(f.node.Content)
}

// key returns the key node of key, or nil when it is absent.
func (f fields) key(key string) *yaml.Node {
	return f.keys[key]
}

// path of the setting key in this mapping.
func (f fields) sub(key string) string {
	return join(f.path, key)
}

// mapping checks that n is a mapping whose keys are all in known, each at
// most once, and returns its fields. Unknown and repeated keys are
// recorded and skipped. ok is false when n is not a mapping at all.
func (d *decoder) mapping(n *yaml.Node, path, what string, known ...string) (f fields, ok bool) {
	if !d.notAlias(n, path) {
		return fields{}, false
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s: want %s (a mapping), got %s", nameOr(path, "the file"), what, describe(n))
		return fields{}, false
	}
	f = fields{node: n, path: path, keys: map[string]*yaml.Node{}, vals: map[string]*yaml.Node{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, "%s: a key must be a plain name, got %s", nameOr(path, "the file"), describe(k))
			continue
		}
		name := k.Value
		switch {
		case k.ShortTag() == "!!merge":
			d.errorf(k, "%s: YAML merge keys (<<) are not supported", nameOr(path, "the file"))
			continue
		case !contains(known, name):
			d.errorf(k, "%s: unknown key %q%s (want %s)", nameOr(path, "the file"), name, didYouMean(name, path, known), strings.Join(known, ", "))
			continue
		case f.keys[name] != nil:
			d.errorf(k, "%s: %s is set twice (first at line %d)", nameOr(path, "the file"), name, f.keys[name].Line)
			continue
		}
		f.keys[name], f.vals[name] = k, v
	}
	return f, true
}

// nameOr returns path, or alt when path is empty (the top level).
func nameOr(path, alt string) string {
	if path == "" {
		return alt
	}
	return path
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// didYouMean suggests, for the unknown key name in the mapping at path,
// the known key that differs from it in case only, or else the place
// where name belongs when it is a key of another mapping (see keyHomes).
func didYouMean(name, path string, known []string) string {
	for _, k := range known {
		if strings.EqualFold(k, name) {
			return fmt.Sprintf(" (did you mean %s? keys are case-sensitive)", k)
		}
	}
	if syn, ok := keySynonyms[name]; ok && contains(known, syn) {
		return fmt.Sprintf(" (did you mean %s?)", syn)
	}
	if home, ok := keyHomes[name]; ok && home != join(wildcardIndexes(path), name) {
		return fmt.Sprintf(" (did you mean %s?)", home)
	}
	return ""
}

// keyHomes maps a key that belongs to exactly one mapping of the file to
// its setting path ("[]" standing for any list index), for the hint given
// when it is written at another level. Keys used in several mappings
// (name, address, tls, timeouts, node, zone, backends, headers, host,
// scope, requestHeaders, status, path, ...) are left out.
var keyHomes = map[string]string{
	"listeners":              "listeners",
	"clientIP":               "clientIP",
	"forwardedHeaders":       "forwardedHeaders",
	"routes":                 "routes",
	"defaultBackend":         "defaultBackend",
	"admin":                  "admin",
	"trustedProxies":         "clientIP.trustedProxies",
	"sources":                "clientIP.sources",
	"xForwardedFor":          "forwardedHeaders.xForwardedFor",
	"forwarded":              "forwardedHeaders.forwarded",
	"xRealIP":                "forwardedHeaders.xRealIP",
	"publicPort":             "listeners[].publicPort",
	"proxyProtocol":          "listeners[].proxyProtocol",
	"trustedCIDRs":           "listeners[].proxyProtocol.trustedCIDRs",
	"headerTimeout":          "listeners[].proxyProtocol.headerTimeout",
	"accessLog":              "listeners[].accessLog",
	"h2c":                    "listeners[].h2c",
	"maxHeaderBytes":         "listeners[].maxHeaderBytes",
	"maxConcurrentStreams":   "listeners[].http2.maxConcurrentStreams",
	"certificates":           "tls.certificates",
	"certFile":               "tls.certificates[].certFile",
	"keyFile":                "tls.certificates[].keyFile",
	"paths":                  "routes[].paths",
	"pathType":               "routes[].paths[].pathType",
	"endpoints":              "backends[].endpoints",
	"locality":               "backends[].locality",
	"echo":                   "backends[].echo",
	"passiveHealth":          "backends[].passiveHealth",
	"maxInflightPerEndpoint": "backends[].maxInflightPerEndpoint",
	"allowTrace":             "routes[].paths[].allowTrace",
	"keepEncodedSlashes":     "routes[].paths[].keepEncodedSlashes",
	"method":                 "routes[].paths[].method",
	"query":                  "routes[].paths[].query",
	"redirect":               "routes[].paths[].redirect",
	"respond":                "routes[].paths[].respond",
	"rewrite":                "routes[].paths[].rewrite",
	"mirror":                 "routes[].paths[].mirror",
	"weight":                 "routes[].paths[].backends[].weight",
	"scheme":                 "routes[].paths[].redirect.scheme",
	"contentType":            "routes[].paths[].respond.contentType",
	"body":                   "routes[].paths[].respond.body",
	"percent":                "routes[].paths[].mirror[].percent",
	"backendRequest":         "routes[].paths[].timeouts.backendRequest",
	"maxRequestBodySize":     "routes[].paths[].maxRequestBodySize",
	"httpsRedirect":          "routes[].paths[].httpsRedirect",
	"cors":                   "routes[].paths[].cors",
	"allowOrigins":           "routes[].paths[].cors.allowOrigins",
	"allowMethods":           "routes[].paths[].cors.allowMethods",
	"allowHeaders":           "routes[].paths[].cors.allowHeaders",
	"exposeHeaders":          "routes[].paths[].cors.exposeHeaders",
	"allowCredentials":       "routes[].paths[].cors.allowCredentials",
	"basicAuth":              "routes[].paths[].basicAuth",
	"htpasswdFile":           "routes[].paths[].basicAuth.htpasswdFile",
	"realm":                  "routes[].paths[].basicAuth.realm",
	"externalAuth":           "routes[].paths[].externalAuth",
	"signIn":                 "routes[].paths[].externalAuth.signIn",
	"pathTemplate":           "routes[].paths[].rewrite.pathTemplate",
	"affinity":               "backends[].affinity",
	"sameSite":               "backends[].affinity.cookie.sameSite",
	"rootCAsFile":            "backends[].tls.rootCAsFile",
	"clientCertFile":         "backends[].tls.clientCertFile",
	"clientKeyFile":          "backends[].tls.clientKeyFile",
	"insecureSkipVerify":     "backends[].tls.insecureSkipVerify",
}

// keySynonyms maps a key people write for a setting, from other proxies'
// spellings, to the key firsthop reads it under, for the hint given when
// it is written where that key belongs.
var keySynonyms = map[string]string{
	"maxRequestBodyBytes": "maxRequestBodySize",
	"maxBodySize":         "maxRequestBodySize",
	"bodySize":            "maxRequestBodySize",
	"sslRedirect":         "httpsRedirect",
	"forceSSLRedirect":    "httpsRedirect",
	"htpasswd":            "htpasswdFile",
	"authFile":            "htpasswdFile",
	"usersFile":           "htpasswdFile",
	"url":                 "path",
	"signin":              "signIn",
	"authSignin":          "signIn",
	"rewriteTarget":       "pathTemplate",
	"pathRegex":           "pathTemplate",
	"regex":               "pathTemplate",
	"caFile":              "rootCAsFile",
	"rootCAs":             "rootCAsFile",
	"certFile":            "clientCertFile",
	"keyFile":             "clientKeyFile",
	"expose":              "exposeHeaders",
	"origins":             "allowOrigins",
}

// wildcardIndexes replaces the list indexes of a setting path with "[]":
// "listeners[0].proxyProtocol" becomes "listeners[].proxyProtocol".
func wildcardIndexes(path string) string {
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		b.WriteByte(path[i])
		if path[i] == '[' {
			for i+1 < len(path) && path[i+1] != ']' {
				i++
			}
		}
	}
	return b.String()
}

// notAlias records an error and returns false when n is a YAML alias.
// Aliases are refused rather than expanded, so that a small file cannot
// expand into a huge configuration.
func (d *decoder) notAlias(n *yaml.Node, path string) bool {
	if n.Kind == yaml.AliasNode {
		d.errorf(n, "%s: YAML aliases (*%s) are not supported: write the value out", nameOr(path, "the file"), n.Value)
		return false
	}
	return true
}

// text returns the text of the scalar n. Any scalar is accepted, so that
// "mode: off" (a boolean in YAML 1.1) reads as the word off.
func (d *decoder) text(n *yaml.Node, path, what string) (string, bool) {
	if !d.notAlias(n, path) {
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "%s: want %s, got %s", path, what, describe(n))
		return "", false
	}
	return n.Value, true
}

// boolean returns the value of n, which must be true or false.
func (d *decoder) boolean(n *yaml.Node, path string) (bool, bool) {
	if !d.notAlias(n, path) {
		return false, false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		d.errorf(n, "%s: want true or false, got %s", path, describe(n))
		return false, false
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		d.errorf(n, "%s: want true or false, got %s", path, describe(n))
		return false, false
	}
	return b, true
}

// duration returns the positive Go duration ("5s", "1m30s") written in n.
func (d *decoder) duration(n *yaml.Node, path string) (time.Duration, bool) {
	s, ok := d.text(n, path, `a duration such as "5s"`)
	if !ok {
		return 0, false
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		d.errorf(n, "%s: invalid duration %q (want a Go duration such as 5s, 250ms or 1m30s)", path, s)
		return 0, false
	}
	if v <= 0 {
		d.errorf(n, "%s: duration %q must be positive", path, s)
		return 0, false
	}
	return v, true
}

// integer returns the whole number written in n, which must lie in
// [min, max].
func (d *decoder) integer(n *yaml.Node, path string, min, max int) (int, bool) {
	if !d.notAlias(n, path) {
		return 0, false
	}
	var v int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&v) != nil {
		d.errorf(n, "%s: want a whole number, got %s", path, describe(n))
		return 0, false
	}
	if v < min || v > max {
		d.errorf(n, "%s: %d is out of range (%d to %d)", path, v, min, max)
		return 0, false
	}
	return v, true
}

// list returns the items of the sequence n.
func (d *decoder) list(n *yaml.Node, path, what string) ([]*yaml.Node, bool) {
	if !d.notAlias(n, path) {
		return nil, false
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "%s: want a list of %s, got %s", path, what, describe(n))
		return nil, false
	}
	return n.Content, true
}
