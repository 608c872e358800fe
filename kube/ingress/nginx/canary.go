package nginx

import (
	"net/textproto"
	"regexp"

	"github.com/firsthop/firsthop/model"
)

// Canary is a canary Ingress's rules (canary: "true"). ingress-nginx
// checks them per request in this order: the header, then the cookie,
// then the weight; the first that decides wins.
type Canary struct {
	// Header, when set, is the request header that decides: "always"
	// sends the request to the canary and "never" to the main backend;
	// with HeaderValue, that value sends it to the canary; with
	// HeaderPattern, a match does. Any other value decides nothing.
	Header string
	// HeaderValue is compared exactly. It wins over HeaderPattern.
	HeaderValue string
	// HeaderPattern is an RE2 expression matched anywhere in the value,
	// as nginx's ngx.re.match does.
	HeaderPattern string
	// Cookie, when set, is the cookie that decides: "always" or "never".
	Cookie string
	// Weight of WeightTotal requests go to the canary; a Weight above the
	// total sends them all.
	Weight      uint32
	WeightTotal uint32
}

// Routes returns the routes that serve main's path (main being the route
// the main Ingress makes, forwarding to mainBackend) with canaryBackend
// beside it, in ingress-nginx's order: routes matching the header, then
// the cookie (model precedence: more header matches first, then lower
// Order), then main itself forwarding by weight. Each route is a copy of
// main with its action replaced.
func (c *Canary) Routes(main model.Route, mainBackend, canaryBackend string) []model.Route {
	var out []model.Route
	add := func(order int, m model.HeaderMatch, backend string) {
		r := main
		r.Headers = append(append([]model.HeaderMatch(nil), main.Headers...), m)
		r.Order = main.Order + order
		r.Backend, r.Split = backend, nil
		out = append(out, r)
	}
	if c.Header != "" {
		name := textproto.CanonicalMIMEHeaderKey(c.Header)
		switch {
		case c.HeaderValue != "":
			add(0, model.HeaderMatch{Name: name, Type: model.MatchExact, Value: c.HeaderValue}, canaryBackend)
		case c.HeaderPattern != "":
			add(0, model.HeaderMatch{Name: name, Type: model.MatchRegex, Value: `(?s).*(?:` + c.HeaderPattern + `).*`}, canaryBackend)
		default:
			add(0, model.HeaderMatch{Name: name, Type: model.MatchExact, Value: "always"}, canaryBackend)
			add(0, model.HeaderMatch{Name: name, Type: model.MatchExact, Value: "never"}, mainBackend)
		}
	}
	if c.Cookie != "" {
		add(1, cookieMatch(c.Cookie, "always"), canaryBackend)
		add(1, cookieMatch(c.Cookie, "never"), mainBackend)
	}
	last := main
	last.Backend, last.Split = "", nil
	switch w, total := min(c.Weight, c.WeightTotal), c.WeightTotal; {
	case w == 0 || total == 0:
		last.Backend = mainBackend
	case w == total:
		last.Backend = canaryBackend
	default:
		last.Split = []model.WeightedBackend{{Backend: mainBackend, Weight: total - w}, {Backend: canaryBackend, Weight: w}}
	}
	return append(out, last)
}

// cookieMatch matches a Cookie header holding the cookie name=value,
// whether the cookies come in one header or several (joined by ",").
func cookieMatch(name, value string) model.HeaderMatch {
	return model.HeaderMatch{
		Name:  "Cookie",
		Type:  model.MatchRegex,
		Value: `(?:.*[;,])?\s*` + regexp.QuoteMeta(name) + `=` + regexp.QuoteMeta(value) + `\s*(?:[;,].*)?`,
	}
}
