package e2e

import (
	"encoding/base64"
	"fmt"
)

// kubeconfig returns a kubeconfig (YAML) with one cluster, one user
// authenticating with a bearer token, and one current context, all named
// "e2e".
func kubeconfig(server string, caPEM []byte, token string) []byte {
	return fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: e2e
  user:
    token: %s
contexts:
- name: e2e
  context:
    cluster: e2e
    user: e2e
current-context: e2e
`, server, base64.StdEncoding.EncodeToString(caPEM), token)
}
