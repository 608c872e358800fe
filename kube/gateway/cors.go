package gateway

import (
	"strings"
	"time"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/firsthop/firsthop/model"
)

// DefaultCORSMaxAge is the Access-Control-Max-Age of a CORS filter whose
// maxAge is not set: Gateway API's default (the API server writes it
// too; a filter read before defaulting gets the same).
const DefaultCORSMaxAge = 5 * time.Second

// corsPolicy converts an HTTPRoute's CORS filter (Gateway API's
// HTTPCORSFilter) into the model's policy, which serves it as the API
// describes (see [model.CORSPolicy]):
//
//   - an origin "*" alone allows every origin; a host "*.example.com"
//     matches one or more labels before ".example.com"
//     ([model.WildcardSuffix]); scheme and host are not case-sensitive,
//     so they are folded to lower case; a port left out is the scheme's
//     default;
//   - "*" with allowCredentials echoes the request's Origin, and for
//     allowMethods and allowHeaders the requested method and headers,
//     never "*";
//   - allowMethods, allowHeaders and exposeHeaders are written as listed,
//     in that order and spelling;
//   - maxAge 0 (not set) is [DefaultCORSMaxAge].
//
// What the model cannot serve as the API means it is an UnsupportedValue
// problem, which leaves the rule out: an origin that is not
// scheme://host[:port] with a port from 1 to 65535, and exposeHeaders "*"
// with allowCredentials (the API forbids writing "*" then, and browsers
// would read it as a header named "*").
func corsPolicy(f *gatewayv1.HTTPCORSFilter) (*model.CORSPolicy, *problem) {
	c := &model.CORSPolicy{
		OriginWildcards:  model.WildcardSuffix,
		AllowCredentials: f.AllowCredentials != nil && *f.AllowCredentials,
		MaxAge:           time.Duration(f.MaxAge) * time.Second,
	}
	for _, o := range f.AllowOrigins {
		s := string(o)
		if s != "*" {
			s = strings.ToLower(s)
			if _, err := model.ParseCORSOrigin(s); err != nil {
				return nil, unsupported("cors: allowOrigins: %v", err)
			}
		}
		c.AllowOrigins = append(c.AllowOrigins, s)
	}
	for _, m := range f.AllowMethods {
		c.AllowMethods = append(c.AllowMethods, string(m))
	}
	for _, h := range f.AllowHeaders {
		c.AllowHeaders = append(c.AllowHeaders, string(h))
	}
	for _, h := range f.ExposeHeaders {
		c.ExposeHeaders = append(c.ExposeHeaders, string(h))
	}
	switch {
	case f.MaxAge < 0:
		return nil, unsupported("cors: maxAge %d is negative", f.MaxAge)
	case f.MaxAge == 0:
		c.MaxAge = DefaultCORSMaxAge
	}
	if c.AllowCredentials && len(c.ExposeHeaders) == 1 && c.ExposeHeaders[0] == "*" {
		return nil, unsupported(`cors: exposeHeaders "*" cannot be served with allowCredentials (Gateway API forbids writing "*" then, and browsers read it as a header named "*"); list the headers to expose`)
	}
	if err := c.Validate(); err != nil {
		return nil, unsupported("%v", err)
	}
	return c, nil
}
