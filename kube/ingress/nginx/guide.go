package nginx

import (
	"fmt"
	"strings"
)

// MigrationGuide returns docs/ingress-nginx-migration.md: every
// catalogue entry with its status, generated so that the page and the
// catalogue cannot drift (TestMigrationGuideUpToDate).
func MigrationGuide() string {
	var b strings.Builder
	counts := map[Status]int{}
	needs := 0
	for _, a := range catalogue {
		counts[a.Status]++
		if a.Needs != "" && a.Status != Refused {
			needs++
		}
	}
	b.WriteString(`# Migrating from ingress-nginx: every annotation

<!-- Generated from kube/ingress/nginx/catalogue.go by
     go test ./kube/ingress/nginx -run TestMigrationGuideUpToDate -update
     Do not edit by hand. -->

firsthop reads ingress-nginx's ` + "`nginx.ingress.kubernetes.io/*`" + ` annotations with
ingress-nginx's meaning, so that an Ingress written for ingress-nginx can be
served unchanged. ` + "`firsthop migrate -f FILE`" + `, or ` + "`firsthop migrate --kubeconfig FILE`" + ` to
read the cluster itself, prints what it makes of the Ingresses ingress-nginx
served and of the ingress-nginx ConfigMap's client-IP keys (see the README).

## Opting in

` + "`firsthop ingress`" + ` reads these annotations only where you opt in, so that an
Ingress written for firsthop never changes meaning:

- per IngressClass: annotate the class
  ` + "`firsthop.io/ingress-nginx-annotations: \"true\"`" + ` (its Ingresses, and those
  naming no class when it is the default class, are read with them); or
- for every Ingress of firsthop's classes: run ` + "`firsthop ingress --ingress-nginx-annotations`" + `.

` + "```yaml" + `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx        # the class your Ingresses already name
  annotations:
    firsthop.io/ingress-nginx-annotations: "true"
spec:
  controller: firsthop.io/ingress-controller
` + "```" + `

Without it, firsthop reads only the client-address policies below
(allowlists, deny lists, rate and concurrency limits) from these
annotations; an Ingress that sets one that guards access (authentication,
snippets), which is then not applied, gets a Warning Event saying so. With it, each annotation an Ingress sets that is not served as
ingress-nginx documents gets an Event on the Ingress: Normal for a
difference, Warning for one refused, not served yet or malformed.

## Every annotation

Each annotation below is one of:

- **served**: firsthop does what ingress-nginx documents;
- **differs**: served, with the difference written beside it;
- **refused**: not served; the note says what to do instead. An Ingress that
  sets it gets a Warning Event.

`)
	fmt.Fprintf(&b, "Of the %d annotations ingress-nginx documents (controller v1.15.1), %d are served, %d differ and %d are refused. ", len(catalogue), counts[Served], counts[Differs], counts[Refused])
	fmt.Fprintf(&b, "%d of the served and differing ones are **not served yet**: their *needs* column names the routing-model or processor change they wait for, and until it lands `firsthop migrate` reports them as not served.\n\n", needs)
	b.WriteString(`**Fails closed** marks the annotations that guard access: when one is
malformed, refused or not served yet, every route of the Ingress answers 403
rather than serve without it. The client-address policies (allowlists, rate
limits) are read by the Ingress processor itself and fail closed the same way.

Malformed values of other annotations are reported and not used; the setting
falls back to what ingress-nginx falls back to, except where that would open
access (a malformed ` + "`cors-allow-origin`" + ` allows no origin, where ingress-nginx
allowed every one).

Regular expressions (` + "`use-regex`" + ` paths, ` + "`canary-by-header-pattern`" + `) are Go's RE2,
not PCRE: lookahead and lookbehind, backreferences (` + "`\\1`, `\\k<name>`" + `),
possessive quantifiers (` + "`a*+`" + `), atomic groups (` + "`(?>...)`" + `), recursion,
conditionals, branch reset, ` + "`(?#...)`" + ` comments, the ` + "`x`" + ` flag and the escapes
` + "`\\K`, `\\G`, `\\Z`, `\\h`, `\\R`" + ` are refused with the construct named. ` + "`\\Q...\\E`" + `,
named groups and POSIX classes work in both.

`)
	b.WriteString("| annotation | status | fails closed | what firsthop does | needs |\n| --- | --- | --- | --- | --- |\n")
	for _, a := range catalogue {
		closed := ""
		if a.FailClosed {
			closed = "yes"
		}
		note := a.Note
		if a.Processor {
			note += " (read by the Ingress processor)"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", a.Name, a.Status, closed, cell(note), cell(a.Needs))
	}
	b.WriteString(`
## The ConfigMap's client-IP keys

` + "`firsthop migrate`" + ` translates ` + "`use-forwarded-headers`, `enable-real-ip`, `proxy-real-ip-cidr`, `use-proxy-protocol`, `compute-full-forwarded-for` and `forwarded-for-header`" + `
into firsthop's ` + "`clientIP`, `forwardedHeaders`" + ` and listener ` + "`proxyProtocol`" + ` settings; the
controller never reads them live. ingress-nginx's ` + "`proxy-real-ip-cidr`" + ` defaults to
` + "`0.0.0.0/0`" + `: with forwarded headers or the PROXY protocol on, it believed every
address. firsthop never carries that over: the printed configuration trusts no
one there, with a WARNING saying to list the load balancer's addresses.
`)
	return b.String()
}

// cell escapes s for a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}
