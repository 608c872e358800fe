package resolve

import (
	"errors"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// SecretSource looks up a Secret whose data a processor reads with
// [Resolver.SecretData]: known is false while the Secret's data is not
// known yet (the controller has not watched it yet, or its watch has not
// synced); else sec is the Secret, nil when there is none. It must not
// modify the Secret it returns.
type SecretSource func(secret types.NamespacedName) (sec *corev1.Secret, known bool)

// SecretsOf returns a [SecretSource] over secrets, of any type, whose
// every answer is known: what a translation from objects at hand reads.
func SecretsOf(secrets []*corev1.Secret) SecretSource {
	m := make(map[types.NamespacedName]*corev1.Secret, len(secrets))
	for _, s := range secrets {
		m[types.NamespacedName{Namespace: s.Namespace, Name: s.Name}] = s
	}
	return func(n types.NamespacedName) (*corev1.Secret, bool) { return m[n], true }
}

// ErrSecretPending is the error of [Resolver.SecretData] for a Secret
// whose data is not known yet: the controller starts watching it after
// the build that first asks for it, and builds again.
var ErrSecretPending = errors.New("secret not read yet (its watch is starting)")

// ErrNoSecret is the error of [Resolver.SecretData] for a Secret that does
// not exist.
var ErrNoSecret = errors.New("secret not found")

// SecretData returns the data of the Secret named secret, of any type:
// [ErrNoSecret] when there is none, [ErrSecretPending] when it is not
// known yet. Either way the Secret is remembered (see
// [Resolver.DataSecretRefs]): the controller watches exactly those, so
// that only the Secrets processors name are read, and a change to one
// needs a new build. The map must not be modified.
func (r *Resolver) SecretData(secret types.NamespacedName) (map[string][]byte, error) {
	r.dataSecretRefs[secret] = true
	if r.secretSource == nil {
		return nil, ErrSecretPending
	}
	sec, known := r.secretSource(secret)
	switch {
	case !known:
		r.pending = true
		return nil, ErrSecretPending
	case sec == nil:
		return nil, ErrNoSecret
	}
	return sec.Data, nil
}

// DataSecretRefs returns the Secrets [Resolver.SecretData] was asked for,
// found or not. The map must not be modified.
func (r *Resolver) DataSecretRefs() map[types.NamespacedName]bool { return r.dataSecretRefs }

// SecretsPending reports whether [Resolver.SecretData] answered
// [ErrSecretPending] or [Resolver.ConfigMapData] [ErrConfigMapPending]:
// the build is worth making again once the watches of
// [Resolver.DataSecretRefs] and [Resolver.ConfigMapRefs] have synced.
func (r *Resolver) SecretsPending() bool { return r.pending }
