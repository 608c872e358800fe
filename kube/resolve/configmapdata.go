package resolve

import (
	"errors"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ConfigMapSource looks up a ConfigMap a processor reads with
// [Resolver.ConfigMapData], as [SecretSource] does Secrets: known is false
// while its data is not known yet; else cm is the ConfigMap, nil when
// there is none. It must not modify the ConfigMap it returns.
type ConfigMapSource func(configMap types.NamespacedName) (cm *corev1.ConfigMap, known bool)

// ConfigMapsOf returns a [ConfigMapSource] over configMaps whose every
// answer is known: what a translation from objects at hand reads.
func ConfigMapsOf(configMaps []*corev1.ConfigMap) ConfigMapSource {
	m := make(map[types.NamespacedName]*corev1.ConfigMap, len(configMaps))
	for _, c := range configMaps {
		m[types.NamespacedName{Namespace: c.Namespace, Name: c.Name}] = c
	}
	return func(n types.NamespacedName) (*corev1.ConfigMap, bool) { return m[n], true }
}

// ErrConfigMapPending is the error of [Resolver.ConfigMapData] for a
// ConfigMap whose data is not known yet: the controller starts watching it
// after the build that first asks for it, and builds again.
var ErrConfigMapPending = errors.New("ConfigMap not read yet (its watch is starting)")

// ErrNoConfigMap is the error of [Resolver.ConfigMapData] for a ConfigMap
// that does not exist.
var ErrNoConfigMap = errors.New("ConfigMap not found")

// ConfigMapData returns the ConfigMap named configMap: [ErrNoConfigMap]
// when there is none, [ErrConfigMapPending] when it is not known yet.
// Either way it is remembered (see [Resolver.ConfigMapRefs]): the
// controller watches exactly those, as it does the Secrets of
// [Resolver.SecretData]. The ConfigMap must not be modified.
func (r *Resolver) ConfigMapData(configMap types.NamespacedName) (*corev1.ConfigMap, error) {
	r.configMapRefs[configMap] = true
	if r.configMaps == nil {
		return nil, ErrConfigMapPending
	}
	cm, known := r.configMaps(configMap)
	switch {
	case !known:
		r.pending = true
		return nil, ErrConfigMapPending
	case cm == nil:
		return nil, ErrNoConfigMap
	}
	return cm, nil
}

// ConfigMapRefs returns the ConfigMaps [Resolver.ConfigMapData] was asked
// for, found or not. The map must not be modified.
func (r *Resolver) ConfigMapRefs() map[types.NamespacedName]bool { return r.configMapRefs }
