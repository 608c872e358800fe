// Package nginx reads ingress-nginx's annotations
// (nginx.ingress.kubernetes.io/*) with ingress-nginx's meaning, so that an
// Ingress written for ingress-nginx can be served by firsthop unchanged.
//
// It holds three things:
//
//   - [Catalogue]: every annotation ingress-nginx documents, each with its
//     status for firsthop (served as is, served with a documented
//     difference, or refused, and what to do instead) and whether a
//     malformed value makes the Ingress fail closed. The migration guide,
//     docs/ingress-nginx-migration.md, is generated from it
//     ([MigrationGuide]).
//   - [Parse]: one Ingress's annotations turned into [Features], the
//     routing-model values ([model.Redirect], [model.Rewrite], timeouts,
//     backend protocol and TLS, ...) the Ingress processor applies to the
//     Ingress's routes and backends, and [Finding]s, one or more per
//     annotation, that the processor reports as Events.
//   - [TranslateConfigMap]: the client-IP keys of ingress-nginx's ConfigMap
//     turned into firsthop configuration, for `firsthop migrate`; they are
//     never read live, so that ingress-nginx's default of trusting every
//     address (proxy-real-ip-cidr 0.0.0.0/0) never comes along silently.
//
// The package imports the routing model and the standard library only: it
// knows nothing of informers or of the Ingress processor, which decides
// which Ingresses are read with these meanings (opt-in) and applies
// Features to the routes it builds.
//
// Some annotations mean something the routing model cannot express yet,
// or something it can but the Ingress processor does not apply yet
// (request body limits, https redirects, CORS, basic and external
// authentication, regex paths across a host, backend TLS Secrets:
// [Features.CORS] is the model's type, and [BasicAuth.Route],
// [ExternalAuth.Route] and [HTTPSRedirect.Route] make the model's values
// from the Secret, the resolved Service and the Ingress's TLS hosts).
// Their catalogue entries name what they need ([Annotation.Needs]); Parse
// still reads them into Features, and an Ingress that sets one with a
// security meaning (authentication) fails closed until it is served.
package nginx
