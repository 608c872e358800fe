package config

import (
	"fmt"
	"net/textproto"
	"strings"

	"golang.org/x/net/http/httpguts"
	"gopkg.in/yaml.v3"

	"github.com/firsthop/firsthop/model"
)

// headerName decodes a header field name: a token (RFC 9110), returned in
// canonical form (textproto.CanonicalMIMEHeaderKey), the form the model
// stores names in.
func (d *decoder) headerName(n *yaml.Node, path string) (string, bool) {
	s, ok := d.text(n, path, "a header name")
	if !ok {
		return "", false
	}
	if err := checkHeaderName(s); err != nil {
		d.errorf(n, "%s: %v", path, err)
		return "", false
	}
	return textproto.CanonicalMIMEHeaderKey(s), true
}

// checkHeaderName reports why s is not a header field name, or nil.
func checkHeaderName(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("a header name must not be empty")
	case strings.HasSuffix(s, ":"):
		return fmt.Errorf("header name %q: write the name without the colon", s)
	case !httpguts.ValidHeaderFieldName(s):
		return fmt.Errorf("%q is not a header name (letters, digits and !#$%%&'*+-.^_`|~ only)", s)
	}
	return nil
}

// headerValue decodes a header field value: any text without line breaks
// or NUL, which could not be sent.
func (d *decoder) headerValue(n *yaml.Node, path string) (string, bool) {
	if isNull(n) {
		d.errorf(n, `%s: want a value (write "" for an empty one)`, path)
		return "", false
	}
	s, ok := d.text(n, path, "a header value")
	if !ok {
		return "", false
	}
	if !httpguts.ValidHeaderFieldValue(s) {
		d.errorf(n, "%s: %q is not a valid header value (no line breaks or control characters)", path, s)
		return "", false
	}
	return s, true
}

// reservedHeader says why a header modifier may not set, add or remove the
// canonical header name: "" when it may (see model.UnmodifiableHeader).
func reservedHeader(name string) string {
	why := model.UnmodifiableHeader(name)
	if name == "Host" {
		why += ": use rewrite.host"
	}
	return why
}

// clientForgeable reports whether the canonical header name is one through
// which a client can claim an address or an origin: the forwarding headers
// (Forwarded, X-Forwarded-*, X-Real-Ip) and the other client-IP headers
// proxies and CDNs write. A client can send any of them itself.
func clientForgeable(name string) bool {
	if strings.HasPrefix(name, "X-Forwarded-") {
		return true
	}
	switch name {
	case "Forwarded", "X-Real-Ip", "X-Client-Ip", "True-Client-Ip", "X-Cluster-Client-Ip",
		"Cf-Connecting-Ip", "Fastly-Client-Ip", "X-Original-Forwarded-For", "Client-Ip":
		return true
	}
	return false
}
