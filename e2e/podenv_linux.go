package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podPath is the PATH of a pod's processes.
const podPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// mount is one volumeMount as the runner provides it: files under dir
// stand for files under path.
type mount struct{ path, dir string }

// prepare resolves what starting container c takes: its volumes written
// out, its environment and its command line. A missing Secret or
// ConfigMap (not optional) or anything the runner does not support is an
// error, which the pod's status shows while the runner retries.
func (p *podState) prepare(ctx context.Context, c *containerRun) (argv, env []string, err error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	mounts, err := p.writeVolumes(ctx, c.spec)
	if err != nil {
		return nil, nil, err
	}
	vars := &envList{index: map[string]int{}}
	apiHost, apiPort := p.r.apiServerAddr()
	vars.set("PATH", podPath)
	vars.set("HOSTNAME", p.pod.Name)
	vars.set("KUBERNETES_SERVICE_HOST", apiHost)
	vars.set("KUBERNETES_SERVICE_PORT", apiPort)
	vars.set("KUBERNETES_SERVICE_PORT_HTTPS", apiPort)
	for _, from := range c.spec.EnvFrom {
		var data map[string]string
		switch {
		case from.ConfigMapRef != nil:
			data, err = p.configMapData(ctx, from.ConfigMapRef.Name, from.ConfigMapRef.Optional)
		case from.SecretRef != nil:
			data, err = p.secretData(ctx, from.SecretRef.Name, from.SecretRef.Optional)
		}
		if err != nil {
			return nil, nil, err
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range data {
				if !yield(k) {
					return
				}
			}
		})
		for _, k := range keys {
			vars.set(from.Prefix+k, data[k])
		}
	}
	for _, e := range c.spec.Env {
		v, err := p.envValue(ctx, e, vars)
		if err != nil {
			return nil, nil, fmt.Errorf("env %s: %w", e.Name, err)
		}
		vars.set(e.Name, rewritePaths(v, mounts))
	}
	argv = []string{c.image.Program}
	rest := c.image.Args
	if len(c.spec.Command) > 0 {
		if filepath.Base(c.spec.Command[0]) != filepath.Base(c.image.Program) {
			return nil, nil, fmt.Errorf("command %q: image %s runs only %s in the e2e pod runner", c.spec.Command[0], ImageName(c.spec.Image), filepath.Base(c.image.Program))
		}
		argv = append(argv, c.spec.Command[1:]...)
		rest = nil
	}
	if len(c.spec.Args) > 0 {
		rest = c.spec.Args
	}
	argv = append(argv, rest...)
	for i := 1; i < len(argv); i++ {
		argv[i] = rewritePaths(expandVars(argv[i], vars.lookup), mounts)
	}
	return argv, vars.environ(), nil
}

// envValue resolves one env entry of the pod.
func (p *podState) envValue(ctx context.Context, e corev1.EnvVar, vars *envList) (string, error) {
	from := e.ValueFrom
	switch {
	case from == nil:
		return expandVars(e.Value, vars.lookup), nil
	case from.FieldRef != nil:
		return p.fieldValue(from.FieldRef.FieldPath)
	case from.SecretKeyRef != nil:
		ref := from.SecretKeyRef
		data, err := p.secretData(ctx, ref.Name, ref.Optional)
		return keyOf(data, err, ref.Key, "Secret", ref.Name, ref.Optional)
	case from.ConfigMapKeyRef != nil:
		ref := from.ConfigMapKeyRef
		data, err := p.configMapData(ctx, ref.Name, ref.Optional)
		return keyOf(data, err, ref.Key, "ConfigMap", ref.Name, ref.Optional)
	default:
		return "", fmt.Errorf("only value, fieldRef, secretKeyRef and configMapKeyRef are supported by the e2e pod runner")
	}
}

// keyOf picks key out of a Secret's or ConfigMap's data.
func keyOf(data map[string]string, err error, key, kind, name string, optional *bool) (string, error) {
	if err != nil {
		return "", err
	}
	v, ok := data[key]
	if !ok && (optional == nil || !*optional) {
		return "", fmt.Errorf("couldn't find key %s in %s %s", key, kind, name)
	}
	return v, nil
}

// fieldValue is the downward API's value of path for this pod.
func (p *podState) fieldValue(path string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pod := p.pod
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.hostIP":
		return p.node.IPv4.String(), nil
	case "status.hostIPs":
		return p.node.IPv4.String() + "," + p.node.IPv6.String(), nil
	case "status.podIP":
		return p.host.IPv4.String(), nil
	case "status.podIPs":
		return p.host.IPv4.String() + "," + p.host.IPv6.String(), nil
	}
	for prefix, m := range map[string]map[string]string{"metadata.labels": pod.Labels, "metadata.annotations": pod.Annotations} {
		if k, ok := strings.CutPrefix(path, prefix+"['"); ok && strings.HasSuffix(k, "']") {
			return m[strings.TrimSuffix(k, "']")], nil
		}
	}
	return "", fmt.Errorf("fieldRef %q is not supported by the e2e pod runner", path)
}

// secretData returns Secret name's data (as strings); a missing Secret is
// an error unless optional (then it is empty).
func (p *podState) secretData(ctx context.Context, name string, optional *bool) (map[string]string, error) {
	s, err := p.r.cs.CoreV1().Secrets(p.pod.Namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) && optional != nil && *optional {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, notFound(err, "secret", name)
	}
	data := map[string]string{}
	for k, v := range s.Data {
		data[k] = string(v)
	}
	for k, v := range s.StringData {
		data[k] = v
	}
	return data, nil
}

// configMapData is secretData for a ConfigMap (data and binaryData).
func (p *podState) configMapData(ctx context.Context, name string, optional *bool) (map[string]string, error) {
	cm, err := p.r.cs.CoreV1().ConfigMaps(p.pod.Namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) && optional != nil && *optional {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, notFound(err, "configmap", name)
	}
	data := map[string]string{}
	for k, v := range cm.Data {
		data[k] = v
	}
	for k, v := range cm.BinaryData {
		data[k] = string(v)
	}
	return data, nil
}

// notFound words a NotFound error as a kubelet does: `secret "x" not found`.
func notFound(err error, kind, name string) error {
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("%s %q not found", kind, name)
	}
	return err
}

// writeVolumes writes the files of every volume c mounts under the pod's
// directory and returns the mounts, longest path first.
func (p *podState) writeVolumes(ctx context.Context, c corev1.Container) ([]mount, error) {
	var mounts []mount
	for _, vm := range c.VolumeMounts {
		i := slices.IndexFunc(p.pod.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == vm.Name })
		if i < 0 {
			return nil, fmt.Errorf("volumeMount %s: no such volume", vm.Name)
		}
		v := p.pod.Spec.Volumes[i]
		dir := filepath.Join(p.dir, "volumes", v.Name)
		files, err := p.volumeFiles(ctx, v)
		if err != nil {
			return nil, fmt.Errorf("volume %s: %w", v.Name, err)
		}
		if err := writeFiles(dir, files); err != nil {
			return nil, err
		}
		mounts = append(mounts, mount{path: filepath.Clean(vm.MountPath), dir: filepath.Join(dir, vm.SubPath)})
	}
	slices.SortFunc(mounts, func(a, b mount) int { return len(b.path) - len(a.path) })
	return mounts, nil
}

// volumeFiles returns the files of volume v by their path inside it.
func (p *podState) volumeFiles(ctx context.Context, v corev1.Volume) (map[string]string, error) {
	switch {
	case v.Secret != nil:
		data, err := p.secretData(ctx, v.Secret.SecretName, v.Secret.Optional)
		return pickItems(data, err, v.Secret.Items)
	case v.ConfigMap != nil:
		data, err := p.configMapData(ctx, v.ConfigMap.Name, v.ConfigMap.Optional)
		return pickItems(data, err, v.ConfigMap.Items)
	case v.EmptyDir != nil:
		return map[string]string{}, nil
	case v.Projected != nil:
		files := map[string]string{}
		for _, src := range v.Projected.Sources {
			var part map[string]string
			var err error
			switch {
			case src.Secret != nil:
				data, derr := p.secretData(ctx, src.Secret.Name, src.Secret.Optional)
				part, err = pickItems(data, derr, src.Secret.Items)
			case src.ConfigMap != nil:
				data, derr := p.configMapData(ctx, src.ConfigMap.Name, src.ConfigMap.Optional)
				part, err = pickItems(data, derr, src.ConfigMap.Items)
			case src.DownwardAPI != nil:
				part = map[string]string{}
				for _, it := range src.DownwardAPI.Items {
					if it.FieldRef == nil {
						return nil, fmt.Errorf("downwardAPI %s: only fieldRef is supported by the e2e pod runner", it.Path)
					}
					if part[it.Path], err = p.fieldValue(it.FieldRef.FieldPath); err != nil {
						return nil, err
					}
				}
			case src.ServiceAccountToken != nil:
				part, err = p.serviceAccountToken(ctx, src.ServiceAccountToken)
			default:
				err = fmt.Errorf("projected source not supported by the e2e pod runner")
			}
			if err != nil {
				return nil, err
			}
			for k, v := range part {
				files[k] = v
			}
		}
		return files, nil
	default:
		return nil, fmt.Errorf("only secret, configMap, emptyDir and projected volumes are supported by the e2e pod runner")
	}
}

// serviceAccountToken asks for a token of the pod's ServiceAccount bound
// to the pod, as a kubelet does for a projected volume.
func (p *podState) serviceAccountToken(ctx context.Context, src *corev1.ServiceAccountTokenProjection) (map[string]string, error) {
	sa := p.pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	spec := authenticationv1.TokenRequestSpec{
		ExpirationSeconds: src.ExpirationSeconds,
		BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: p.pod.Name, UID: p.pod.UID},
	}
	if src.Audience != "" {
		spec.Audiences = []string{src.Audience}
	}
	tr, err := p.r.cs.CoreV1().ServiceAccounts(p.pod.Namespace).CreateToken(ctx, sa, &authenticationv1.TokenRequest{Spec: spec}, metav1.CreateOptions{})
	if err != nil {
		return nil, notFound(err, "serviceaccount", sa)
	}
	return map[string]string{src.Path: tr.Status.Token}, nil
}

// pickItems returns data's keys as files, or only items (key to path)
// when given.
func pickItems(data map[string]string, err error, items []corev1.KeyToPath) (map[string]string, error) {
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return data, nil
	}
	files := map[string]string{}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			return nil, fmt.Errorf("no key %s", it.Key)
		}
		files[it.Path] = v
	}
	return files, nil
}

// writeFiles writes files (relative paths, no "..") under dir.
func writeFiles(dir string, files map[string]string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, content := range files {
		if !filepath.IsLocal(name) {
			return fmt.Errorf("file %q leaves its volume", name)
		}
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// rewritePaths replaces a mount path at the start of s, or right after the
// first "=" (as in --flag=/path), with the directory standing for it.
// Programs run without a mount namespace, so only the paths they are given
// in their environment and arguments can be redirected.
func rewritePaths(s string, mounts []mount) string {
	for _, m := range mounts {
		if r, ok := rewritePrefix(s, m); ok {
			return r
		}
		if k, v, ok := strings.Cut(s, "="); ok {
			if r, ok := rewritePrefix(v, m); ok {
				return k + "=" + r
			}
		}
	}
	return s
}

func rewritePrefix(s string, m mount) (string, bool) {
	rest, ok := strings.CutPrefix(s, m.path)
	if !ok || rest != "" && rest[0] != '/' {
		return s, false
	}
	return m.dir + rest, true
}

// expandVars expands $(NAME) in s with lookup, as Kubernetes does in env
// values, command and args: an undefined name stays as written, and $$
// is a literal $.
func expandVars(s string, lookup func(string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
			continue
		case '(':
			if end := strings.IndexByte(s[i+2:], ')'); end >= 0 {
				name := s[i+2 : i+2+end]
				if v, ok := lookup(name); ok {
					b.WriteString(v)
				} else {
					b.WriteString(s[i : i+3+end])
				}
				i += 2 + end
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// envList is an ordered environment where a later set of a name replaces
// the earlier value in place.
type envList struct {
	names  []string
	values []string
	index  map[string]int
}

func (e *envList) set(name, value string) {
	if i, ok := e.index[name]; ok {
		e.values[i] = value
		return
	}
	e.index[name] = len(e.names)
	e.names = append(e.names, name)
	e.values = append(e.values, value)
}

func (e *envList) lookup(name string) (string, bool) {
	i, ok := e.index[name]
	if !ok {
		return "", false
	}
	return e.values[i], true
}

func (e *envList) environ() []string {
	out := make([]string, len(e.names))
	for i, n := range e.names {
		out[i] = n + "=" + e.values[i]
	}
	return out
}
