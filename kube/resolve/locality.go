package resolve

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/firsthop/firsthop/model"
)

// AnnotationLocality, on a Service or on the object naming it as a
// backend (an Ingress), sets the endpoint preference of the backends made
// from that Service (or of every backend that object names): Local,
// PreferLocal, PreferZone or Cluster (see [model.Locality]).
const AnnotationLocality = "firsthop.io/locality"

// serviceLocality returns the locality of a backend made from svc for
// from, and the problems met on the way. The first of these that is set
// wins:
//
//  1. the Service's firsthop.io/locality annotation;
//  2. from's firsthop.io/locality annotation;
//  3. the Service's spec.trafficDistribution: PreferSameNode means
//     PreferLocal, PreferSameZone and PreferClose mean PreferZone;
//  4. def.
//
// An annotation with an unknown value is a problem on its object and is
// passed over. svc may be nil (no Service): then only 2 and 4 apply.
func serviceLocality(svc *corev1.Service, from Referrer, def model.Locality) (model.Locality, []Problem) {
	var problems []Problem
	if svc != nil {
		if v, ok := svc.Annotations[AnnotationLocality]; ok {
			l, err := model.ParseLocality(v)
			if err == nil {
				return l, nil
			}
			problems = append(problems, Problem{
				Object:  serviceRef(svc),
				Reason:  ReasonInvalidLocality,
				Message: fmt.Sprintf("annotation %s: %v; ignored", AnnotationLocality, err),
			})
		}
	}
	if v, ok := from.Annotations[AnnotationLocality]; ok {
		l, err := model.ParseLocality(v)
		if err == nil {
			return l, problems
		}
		problems = append(problems, Problem{
			Object:  from.Object,
			Reason:  ReasonInvalidLocality,
			Message: fmt.Sprintf("annotation %s: %v; ignored", AnnotationLocality, err),
		})
	}
	if svc != nil && svc.Spec.TrafficDistribution != nil {
		switch *svc.Spec.TrafficDistribution {
		case corev1.ServiceTrafficDistributionPreferSameNode:
			return model.LocalityPreferLocal, problems
		case corev1.ServiceTrafficDistributionPreferSameZone, corev1.ServiceTrafficDistributionPreferClose:
			return model.LocalityPreferZone, problems
		}
	}
	return def, problems
}
