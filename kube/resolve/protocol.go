package resolve

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/firsthop/firsthop/model"
)

// AnnotationBackendProtocol, on the object naming backends (an Ingress),
// sets the protocol firsthop speaks to the endpoints of every backend it
// names: http (HTTP/1.1), h2c or grpc (HTTP/2 without TLS), https or
// grpcs (TLS, with HTTP/2 or HTTP/1.1 by ALPN). See
// [model.ParseBackendProtocol].
const AnnotationBackendProtocol = "firsthop.io/backend-protocol"

// backendProtocol returns the protocol of a backend made from port of svc
// for from, and the problems met on the way. The first of these that is
// set wins:
//
//  1. from's firsthop.io/backend-protocol annotation;
//  2. the Service port's appProtocol: kubernetes.io/h2c, h2c or grpc mean
//     h2c; https and grpcs mean https;
//  3. HTTP/1.1.
//
// An annotation with an unknown value is a problem on from and is passed
// over; an appProtocol firsthop does not know is HTTP/1.1. svc may be nil.
func backendProtocol(svc *corev1.Service, port Port, from Referrer) (model.BackendProtocol, []Problem) {
	var problems []Problem
	if v, ok := from.Annotations[AnnotationBackendProtocol]; ok {
		p, err := model.ParseBackendProtocol(v)
		if err == nil {
			return p, nil
		}
		problems = append(problems, Problem{
			Object:  from.Object,
			Reason:  ReasonInvalidProtocol,
			Message: fmt.Sprintf("annotation %s: %v; ignored", AnnotationBackendProtocol, err),
		})
	}
	if svc != nil {
		if sp, ok := servicePort(svc, port); ok && sp.AppProtocol != nil {
			switch *sp.AppProtocol {
			case "kubernetes.io/h2c", "h2c", "grpc":
				return model.ProtocolH2C, problems
			case "https", "grpcs":
				return model.ProtocolHTTPS, problems
			}
		}
	}
	return model.ProtocolHTTP1, problems
}
