package gateway

import (
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/firsthop/firsthop/config"
)

// maxConditionMessage bounds a condition message: the API allows 32,768
// bytes; a ConfigMap with many problems is cut there.
const maxConditionMessage = 32768

// classParameters reads the client-IP settings the GatewayClass gc names
// in spec.parametersRef: a ConfigMap (core group) with a namespace, whose
// key [config.GatewayParametersKey] holds the YAML [config.ParseGatewayParameters]
// reads. It returns them, with the lint findings (each "file:line:col:
// message") for the Accepted message, or why they cannot be used: the
// message of an InvalidParameters condition, with the line and column of
// every problem in the YAML.
func (t *translator) classParameters(ref *gatewayv1.ParametersReference) (*config.GatewayParameters, string) {
	if ref.Group != "" || ref.Kind != "ConfigMap" {
		return nil, fmt.Sprintf("parametersRef names %s %q: %s reads a ConfigMap (group \"\", kind ConfigMap) holding client-IP settings under the key %s",
			groupKind(ref.Group, ref.Kind), ref.Name, t.opts.ControllerName, config.GatewayParametersKey)
	}
	if ref.Namespace == nil || *ref.Namespace == "" {
		return nil, fmt.Sprintf("parametersRef names ConfigMap %q without a namespace: a ConfigMap is namespaced, so parametersRef.namespace is required", ref.Name)
	}
	ns := string(*ref.Namespace)
	cm, err := t.resolver.ConfigMap(ns, ref.Name)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Sprintf("ConfigMap %s/%s (parametersRef) does not exist", ns, ref.Name)
	}
	if err != nil {
		return nil, fmt.Sprintf("ConfigMap %s/%s (parametersRef): %v", ns, ref.Name, err)
	}
	data, ok := configMapValue(cm, config.GatewayParametersKey)
	if !ok {
		return nil, fmt.Sprintf("ConfigMap %s/%s (parametersRef) has no key %s holding client-IP settings", ns, ref.Name, config.GatewayParametersKey)
	}
	name := fmt.Sprintf("ConfigMap %s/%s, key %s", ns, ref.Name, config.GatewayParametersKey)
	params, err := config.ParseGatewayParameters(name, data)
	if err != nil {
		return nil, clip(strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return params, ""
}

// configMapValue returns the value of key in cm's data or binary data.
func configMapValue(cm *corev1.ConfigMap, key string) ([]byte, bool) {
	if v, ok := cm.Data[key]; ok {
		return []byte(v), true
	}
	v, ok := cm.BinaryData[key]
	return v, ok
}

// groupKind spells a reference's group and kind as "kind.group", or
// "kind" for the core group.
func groupKind(g gatewayv1.Group, k gatewayv1.Kind) string {
	if g == "" {
		return string(k)
	}
	return string(k) + "." + string(g)
}

// clip cuts s to a condition message's length.
func clip(s string) string {
	if len(s) <= maxConditionMessage {
		return s
	}
	const more = " ... (cut)"
	return strings.ToValidUTF8(s[:maxConditionMessage-len(more)], "") + more
}

// warningsMessage is the Accepted message of a class whose parameters
// have lint findings.
func warningsMessage(ws []config.Diagnostic) string {
	if len(ws) == 0 {
		return ""
	}
	s := make([]string, len(ws))
	for i, w := range ws {
		s[i] = w.String()
	}
	return clip("accepted with warnings: " + strings.Join(s, "; "))
}
