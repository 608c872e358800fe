package ingress

import (
	"maps"
	"reflect"
	"sync/atomic"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	networkinglisters "k8s.io/client-go/listers/networking/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/firsthop/firsthop/kube"
	"github.com/firsthop/firsthop/kube/resolve"
)

// Name is the Ingress processor's [kube.Processor] name.
const Name = "ingress"

// Processor is the Ingress processor: a [kube.Processor] that serves the
// Ingresses of its IngressClasses (see the package documentation). Make
// one with [New].
type Processor struct {
	o Options

	w         *kube.Watch
	ingresses networkinglisters.IngressLister
	classes   networkinglisters.IngressClassLister

	// accepted is the Ingresses the last Build served, sorted; nil
	// before the first.
	accepted atomic.Pointer[[]types.NamespacedName]
}

var _ kube.Processor = (*Processor)(nil)

// New returns the Ingress processor for o.
func New(o Options) *Processor { return &Processor{o: o} }

// Name returns [Name].
func (p *Processor) Name() string { return Name }

// Register watches Ingresses and IngressClasses. An Ingress change
// rebuilds the routes when its spec, annotations or age change (status
// writes, ours among them, do not), and has status written when its
// status changes; an IngressClass change rebuilds when its spec or
// annotations change.
func (p *Processor) Register(w *kube.Watch) error {
	p.w = w
	ing := w.Factory().Networking().V1().Ingresses()
	class := w.Factory().Networking().V1().IngressClasses()
	p.ingresses, p.classes = ing.Lister(), class.Lister()
	err := w.Add("ingresses", ing.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { w.Rebuild() },
		UpdateFunc: func(o, n any) {
			old, cur := o.(*networkingv1.Ingress), n.(*networkingv1.Ingress)
			if ingressChanged(old, cur) {
				w.Rebuild()
			}
			if !equality.Semantic.DeepEqual(old.Status, cur.Status) {
				w.StatusChanged()
			}
		},
		DeleteFunc: func(any) { w.Rebuild() },
	})
	if err != nil {
		return err
	}
	return w.Add("ingressclasses", class.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { w.Rebuild() },
		UpdateFunc: func(o, n any) {
			old, cur := o.(*networkingv1.IngressClass), n.(*networkingv1.IngressClass)
			if !equality.Semantic.DeepEqual(old.Spec, cur.Spec) || !maps.Equal(old.Annotations, cur.Annotations) {
				w.Rebuild()
			}
		},
		DeleteFunc: func(any) { w.Rebuild() },
	})
}

// ingressChanged reports whether an Ingress update matters for routing:
// its spec, annotations (class, locality) or age (conflicts) changed.
// Status-only updates, such as our own status writes, do not.
func ingressChanged(old, cur *networkingv1.Ingress) bool {
	return old.UID != cur.UID ||
		!old.CreationTimestamp.Equal(&cur.CreationTimestamp) ||
		!maps.Equal(old.Annotations, cur.Annotations) ||
		!equality.Semantic.DeepEqual(old.Spec, cur.Spec)
}

// Build translates the Ingresses and IngressClasses of the caches (see
// [Translate]); when the set of Ingresses served changes, it has their
// status written.
func (p *Processor) Build(r *resolve.Resolver) kube.Part {
	ingresses, _ := p.ingresses.List(labels.Everything())
	classes, _ := p.classes.List(labels.Everything())
	part, accepted := translate(ingresses, classes, &p.o, r)
	if prev := p.accepted.Load(); prev == nil || !reflect.DeepEqual(*prev, accepted) {
		p.accepted.Store(&accepted)
		p.w.StatusChanged()
	}
	return part
}
