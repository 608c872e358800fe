package config

import "github.com/firsthop/firsthop/model"

// ModelJudges reports whether model.TableSpec.Validate can judge routes:
// whether every route forwards to one Backend, or Validate accepts a route
// whose action is another (a split, a redirect, a direct response). The
// model's rules for those are written on another branch; until it is
// merged, Validate refuses such a route as naming backend "", and the
// tests that hand one to Validate or proxy.NewTable skip that step (and
// say so). Once Validate accepts them on main, remove this and the skips.
func ModelJudges(routes []model.Route) bool {
	for _, r := range routes {
		if r.Backend == "" {
			spec := model.TableSpec{Routes: []model.Route{{Path: "/", Respond: &model.DirectResponse{Status: 404}}}}
			return spec.Validate() == nil
		}
	}
	return true
}
