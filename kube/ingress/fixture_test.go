package ingress

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
)

// decodeObjects decodes a stream of YAML documents separated by "---"
// into Kubernetes objects, the way kubectl reads a manifest.
func decodeObjects(data []byte) (Snapshot, error) {
	var s Snapshot
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	dec := scheme.Codecs.UniversalDeserializer()
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return s, nil
		}
		if err != nil {
			return s, err
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		obj, _, err := dec.Decode(doc, nil, nil)
		if err != nil {
			return s, err
		}
		switch o := obj.(type) {
		case *networkingv1.Ingress:
			s.Ingresses = append(s.Ingresses, o)
		case *networkingv1.IngressClass:
			s.IngressClasses = append(s.IngressClasses, o)
		case *corev1.Service:
			s.Services = append(s.Services, o)
		case *discoveryv1.EndpointSlice:
			s.EndpointSlices = append(s.EndpointSlices, o)
		case *corev1.Secret:
			s.Secrets = append(s.Secrets, o)
		default:
			return s, fmt.Errorf("unexpected object %T", obj)
		}
	}
}

// stripComments drops YAML comment lines, to tell empty documents apart.
func stripComments(doc []byte) []byte {
	var out []byte
	for line := range bytes.Lines(doc) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out = append(out, line...)
		}
	}
	return out
}

// loadFixture reads testdata/name.yaml.
func loadFixture(t testing.TB, name string) Snapshot {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := decodeObjects(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}
