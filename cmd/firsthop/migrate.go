package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/firsthop/firsthop/kube/ingress/nginx"
)

// fileList is a repeatable -f flag.
type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

// migrateObject is what migrate reads of a Kubernetes object.
type migrateObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name        string            `yaml:"name"`
		Namespace   string            `yaml:"namespace"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Data  map[string]string `yaml:"data"`
	Items []migrateObject   `yaml:"items"`
}

// migrateFinding is one line of the report.
type migrateFinding struct {
	Annotation string `json:"annotation"`
	Severity   string `json:"severity"`
	Message    string `json:"message"`
}

// migrateIngress is the report on one Ingress.
type migrateIngress struct {
	File       string           `json:"file"`
	Namespace  string           `json:"namespace"`
	Name       string           `json:"name"`
	FailClosed bool             `json:"failClosed"`
	Findings   []migrateFinding `json:"findings"`
}

// migrateConfigMap is the report on one ingress-nginx ConfigMap.
type migrateConfigMap struct {
	File      string           `json:"file"`
	Namespace string           `json:"namespace"`
	Name      string           `json:"name"`
	Findings  []migrateFinding `json:"findings"`
	// Config is the firsthop configuration for its client-IP keys.
	Config string `json:"config"`
}

// migrateReport is the whole report; -o json prints it as it is.
type migrateReport struct {
	Ingresses  []migrateIngress   `json:"ingresses"`
	ConfigMaps []migrateConfigMap `json:"configMaps"`
	Summary    map[string]int     `json:"summary"`
}

const migrateSynopsis = "firsthop migrate -f FILE [-f FILE...] [-o text|json]"

// migrate reports what firsthop makes of Ingresses written for
// ingress-nginx and of ingress-nginx's ConfigMap (see
// kube/ingress/nginx). It exits 1 when something would not be served
// (a refused, not yet served or malformed annotation or key), 2 on a
// usage error or a file it cannot read.
func migrate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("migrate", stderr)
	var files fileList
	fs.Var(&files, "f", "a YAML `FILE` of Ingresses and the ingress-nginx ConfigMap (several documents, or a List); repeatable; - is standard input")
	output := fs.String("o", "text", "output: text for a person, json for a pipeline")
	if code, ok := parseArgs(fs, migrateSynopsis, args, stdout); !ok {
		return code
	}
	if len(files) == 0 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "firsthop migrate: give the files with -f (reading a cluster through a kubeconfig is not supported yet: kubectl get ingress,configmap -A -o yaml > FILE)")
		return 2
	}
	if *output != "text" && *output != "json" {
		fmt.Fprintf(stderr, "firsthop migrate: -o: want text or json, got %q\n", *output)
		return 2
	}
	var rep migrateReport
	for _, file := range files {
		objs, err := readObjects(file)
		if err != nil {
			fmt.Fprintf(stderr, "firsthop migrate: %v\n", err)
			return 2
		}
		for _, o := range objs {
			switch o.Kind {
			case "Ingress":
				f, findings := nginx.Parse(o.Metadata.Annotations)
				rep.Ingresses = append(rep.Ingresses, migrateIngress{File: file, Namespace: o.Metadata.Namespace, Name: o.Metadata.Name, FailClosed: f.FailClosed, Findings: toMigrateFindings(findings)})
			case "ConfigMap":
				c, findings := nginx.TranslateConfigMap(o.Data)
				rep.ConfigMaps = append(rep.ConfigMaps, migrateConfigMap{File: file, Namespace: o.Metadata.Namespace, Name: o.Metadata.Name, Findings: toMigrateFindings(findings), Config: c.YAML()})
			}
		}
	}
	if len(rep.Ingresses) == 0 && len(rep.ConfigMaps) == 0 {
		fmt.Fprintln(stderr, "firsthop migrate: no Ingress and no ConfigMap in", files.String())
		return 2
	}
	rep.Summary = map[string]int{"ingresses": len(rep.Ingresses), "configMaps": len(rep.ConfigMaps)}
	count := func(fs []migrateFinding) {
		for _, f := range fs {
			rep.Summary[f.Severity]++
		}
	}
	for _, i := range rep.Ingresses {
		count(i.Findings)
		if i.FailClosed {
			rep.Summary["failClosed"]++
		}
	}
	for _, c := range rep.ConfigMaps {
		count(c.Findings)
	}
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintln(stderr, "firsthop migrate:", err)
			return 2
		}
	} else {
		printMigrateText(stdout, &rep)
	}
	if rep.Summary[nginx.Warning.String()]+rep.Summary[nginx.Error.String()] > 0 {
		return 1
	}
	return 0
}

// readObjects reads every document of file (- is standard input),
// flattening Lists.
func readObjects(file string) ([]migrateObject, error) {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, err
	}
	var out []migrateObject
	var add func(o migrateObject)
	add = func(o migrateObject) {
		if o.Kind == "List" || strings.HasSuffix(o.Kind, "List") {
			for _, it := range o.Items {
				add(it)
			}
			return
		}
		out = append(out, o)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for doc := 1; ; doc++ {
		var o migrateObject
		if err := dec.Decode(&o); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("%s: document %d: %v", file, doc, err)
		}
		add(o)
	}
	return out, nil
}

func toMigrateFindings(fs []nginx.Finding) []migrateFinding {
	out := make([]migrateFinding, len(fs))
	for i, f := range fs {
		out[i] = migrateFinding{Annotation: f.Annotation, Severity: f.Severity.String(), Message: f.Message}
	}
	return out
}

// migrateLabels are the text report's words for the severities.
var migrateLabels = map[string]string{
	nginx.Info.String():       "served      ",
	nginx.Difference.String(): "differs     ",
	nginx.Warning.String():    "NOT SERVED  ",
	nginx.Error.String():      "MALFORMED   ",
}

func printMigrateText(w io.Writer, rep *migrateReport) {
	var b strings.Builder
	for _, i := range rep.Ingresses {
		fmt.Fprintf(&b, "Ingress %s/%s (%s)\n", i.Namespace, i.Name, i.File)
		if len(i.Findings) == 0 {
			b.WriteString("  no ingress-nginx annotation\n")
		}
		for _, f := range i.Findings {
			fmt.Fprintf(&b, "  %s%s: %s\n", migrateLabels[f.Severity], f.Annotation, f.Message)
		}
		if i.FailClosed {
			b.WriteString("  => FAILS CLOSED: every route of this Ingress answers 403 until the annotations above marked NOT SERVED or MALFORMED that guard access are fixed or removed\n")
		}
		b.WriteString("\n")
	}
	for _, c := range rep.ConfigMaps {
		fmt.Fprintf(&b, "ConfigMap %s/%s (%s)\n", c.Namespace, c.Name, c.File)
		for _, f := range c.Findings {
			fmt.Fprintf(&b, "  %s%s: %s\n", migrateLabels[f.Severity], f.Annotation, f.Message)
		}
		b.WriteString("\n  firsthop configuration for these keys (firsthop ingress --config FILE):\n\n")
		for _, line := range strings.SplitAfter(c.Config, "\n") {
			if line != "" {
				b.WriteString("    " + line)
			}
		}
		b.WriteString("\n")
	}
	keys := make([]string, 0, len(rep.Summary))
	for k := range rep.Summary {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b.WriteString("summary:")
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%d", k, rep.Summary[k])
	}
	b.WriteString("\n")
	_, _ = io.WriteString(w, b.String())
}
