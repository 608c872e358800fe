package model

import (
	"fmt"
	"strings"
)

// Validate reports whether s keeps the model's rules, and is the one place
// they are written:
//
//   - every backend has a name, and no two backends the same one;
//   - every route's path starts with "/", its path type is PathPrefix or
//     PathExact, and its host is "", canonical (see [CanonicalHost]) or a
//     wildcard starting with "*.";
//   - every route names a defined backend;
//   - no two routes have the same [RouteKey];
//   - the default backend, when named, is defined;
//   - every certificate has a parsed leaf;
//   - every policy has a name, no two the same one, and at least one rule;
//     no prefix is both allowed and denied; limits are at least 1 request,
//     per second or per minute, their status 429 or 503; every policy a
//     route names is defined.
//
// The error, prefixed "invalid routing table: ", lists every broken rule,
// joined by "; ". Endpoints are not checked: any address is one.
func (s *TableSpec) Validate() error {
	return s.validate(false)
}

// ValidateKnownRoutes is [TableSpec.Validate] for a spec whose Routes have
// passed Validate before, in another spec (as when a new table keeps the
// last table's routes slice): the routes' own rules and their uniqueness are
// not checked again, only that the backends they name are defined, so that
// a large table whose routes did not change costs little to validate.
func (s *TableSpec) ValidateKnownRoutes() error {
	return s.validate(true)
}

func (s *TableSpec) validate(knownRoutes bool) error {
	var errs []string
	backends := make(map[string]bool, len(s.Backends))
	for i := range s.Backends {
		b := &s.Backends[i]
		if b.Name == "" {
			errs = append(errs, fmt.Sprintf("backend %d has no name", i))
			continue
		}
		if backends[b.Name] {
			errs = append(errs, fmt.Sprintf("backend %q is defined twice", b.Name))
			continue
		}
		backends[b.Name] = true
	}
	var seen map[RouteKey]bool
	if !knownRoutes {
		seen = make(map[RouteKey]bool, len(s.Routes))
	}
	for _, r := range s.Routes {
		if knownRoutes {
			if !backends[r.Backend] {
				errs = append(errs, fmt.Sprintf("route %s%s names undefined backend %q", r.Host, r.Path, r.Backend))
			}
			continue
		}
		if err := checkRoute(r); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if !backends[r.Backend] {
			errs = append(errs, fmt.Sprintf("route %s%s names undefined backend %q", r.Host, r.Path, r.Backend))
		}
		k := r.Key()
		if seen[k] {
			errs = append(errs, fmt.Sprintf("route %s%s (%s) is defined twice", r.Host, r.Path, r.PathType))
		}
		seen[k] = true
	}
	if s.DefaultBackend != "" && !backends[s.DefaultBackend] {
		errs = append(errs, fmt.Sprintf("default backend %q is not defined", s.DefaultBackend))
	}
	for _, c := range s.Certificates {
		if c.Cert == nil || c.Cert.Leaf == nil {
			errs = append(errs, "certificate without a parsed leaf")
			break
		}
	}
	errs = s.checkPolicies(errs)
	if len(errs) > 0 {
		return fmt.Errorf("invalid routing table: %s", strings.Join(errs, "; "))
	}
	return nil
}

// checkRoute checks the rules of one route on its own.
func checkRoute(r Route) error {
	if !strings.HasPrefix(r.Path, "/") {
		return fmt.Errorf("route %s%s: path must start with /", r.Host, r.Path)
	}
	if r.PathType != PathPrefix && r.PathType != PathExact {
		return fmt.Errorf("route %s%s: unknown path type %d", r.Host, r.Path, r.PathType)
	}
	if r.Host != "" && CanonicalHost(r.Host) != r.Host && !strings.HasPrefix(r.Host, "*.") {
		return fmt.Errorf("route host %q is not canonical (lower case, no port, no trailing dot)", r.Host)
	}
	return nil
}
