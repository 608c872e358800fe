package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/firsthop/firsthop/kube/ingress/nginx"
)

// fileList is a repeatable -f flag.
type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

// migrateObject is what migrate reads of a Kubernetes object, from a
// file or from the cluster: both produce the same list (see
// [migrateReport]).
type migrateObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name        string            `yaml:"name"`
		Namespace   string            `yaml:"namespace"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Spec struct {
		// IngressClassName is an Ingress's spec.ingressClassName; nil
		// when not set.
		IngressClassName *string `yaml:"ingressClassName"`
		// Controller is an IngressClass's spec.controller.
		Controller string `yaml:"controller"`
	} `yaml:"spec"`
	Data  map[string]string `yaml:"data"`
	Items []migrateObject   `yaml:"items"`
	// source is the file the object was read from; "" for the cluster.
	source string
}

// migrateFinding is one line of the report.
type migrateFinding struct {
	Annotation string `json:"annotation"`
	Severity   string `json:"severity"`
	Message    string `json:"message"`
}

// migrateIngress is the report on one Ingress.
type migrateIngress struct {
	// File is the file it was read from; empty when read from the cluster.
	File       string           `json:"file,omitempty"`
	Namespace  string           `json:"namespace"`
	Name       string           `json:"name"`
	FailClosed bool             `json:"failClosed"`
	Findings   []migrateFinding `json:"findings"`
}

// migrateSkipped is an Ingress that ingress-nginx did not serve (see
// [migrateSelection.serves]), with why; migrate reports nothing else of it.
type migrateSkipped struct {
	File      string `json:"file,omitempty"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Reason    string `json:"reason"`
}

// migrateConfigMap is the report on one ingress-nginx ConfigMap.
type migrateConfigMap struct {
	File      string           `json:"file,omitempty"`
	Namespace string           `json:"namespace"`
	Name      string           `json:"name"`
	Findings  []migrateFinding `json:"findings"`
	// Config is the firsthop configuration for its client-IP keys.
	Config string `json:"config"`
}

// migrateReport is the whole report; -o json prints it as it is.
type migrateReport struct {
	Ingresses  []migrateIngress   `json:"ingresses"`
	Skipped    []migrateSkipped   `json:"skipped,omitempty"`
	ConfigMaps []migrateConfigMap `json:"configMaps"`
	// Notes say what migrate looked for and did not find.
	Notes   []string       `json:"notes,omitempty"`
	Summary map[string]int `json:"summary"`
}

const migrateSynopsis = "firsthop migrate -f FILE [-f FILE...] | --kubeconfig FILE [flags]"

// defaultNginxConfigMap is the ConfigMap the ingress-nginx Helm chart
// installs (release ingress-nginx in namespace ingress-nginx).
const defaultNginxConfigMap = "ingress-nginx/ingress-nginx-controller"

// migrateFlags are the flags of `firsthop migrate`.
type migrateFlags struct {
	files      fileList
	kubeconfig string
	timeout    time.Duration
	output     string
	sel        migrateSelection
}

// parseMigrateFlags parses args; when ok is false migrate returns code.
func parseMigrateFlags(args []string, stdout, stderr io.Writer) (f migrateFlags, code int, ok bool) {
	fs := newFlagSet("migrate", stderr)
	fs.Var(&f.files, "f", "a YAML `FILE` of Ingresses, IngressClasses and the ingress-nginx ConfigMap (several documents, or a List); repeatable; - is standard input")
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "read the cluster of this kubeconfig `FILE` instead (its current context): list Ingresses and IngressClasses, get the ConfigMap")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "with --kubeconfig: the bound on reading the cluster")
	fs.StringVar(&f.sel.namespace, "namespace", "", "report the Ingresses of this `NAMESPACE` only; empty: all namespaces")
	fs.StringVar(&f.sel.class, "ingress-class", "nginx", "the IngressClass `NAME` ingress-nginx served (its --ingress-class): Ingresses naming it, naming an IngressClass of the same spec.controller, or annotated kubernetes.io/ingress.class with it are reported, the others skipped")
	fs.BoolVar(&f.sel.withoutClass, "watch-ingress-without-class", false, "also report Ingresses that name no class, as ingress-nginx served them when run with this flag")
	configMap := fs.String("configmap", defaultNginxConfigMap, "`NAMESPACE/NAME` of the ingress-nginx ConfigMap (with -f: only when given; else every ConfigMap of the files)")
	fs.StringVar(&f.output, "o", "text", "output: text for a person, json for a pipeline")
	if code, ok := parseArgs(fs, migrateSynopsis, args, stdout); !ok {
		return f, code, false
	}
	fail := func(format string, a ...any) (migrateFlags, int, bool) {
		fmt.Fprintf(stderr, "firsthop migrate: "+format+"\n", a...)
		return f, 2, false
	}
	switch {
	case fs.NArg() > 0:
		return fail("unexpected arguments %q", fs.Args())
	case len(f.files) == 0 && f.kubeconfig == "":
		return fail("give the files with -f, or the cluster with --kubeconfig FILE")
	case len(f.files) > 0 && f.kubeconfig != "":
		return fail("give -f or --kubeconfig, not both")
	case f.output != "text" && f.output != "json":
		return fail("-o: want text or json, got %q", f.output)
	case f.timeout <= 0:
		return fail("--timeout: want a positive duration, got %v", f.timeout)
	}
	given := false
	fs.Visit(func(fl *flag.Flag) { given = given || fl.Name == "configmap" })
	if f.kubeconfig != "" || given {
		ns, name, ok := strings.Cut(*configMap, "/")
		if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
			return fail("--configmap: want NAMESPACE/NAME, got %q", *configMap)
		}
		f.sel.configMap = &types.NamespacedName{Namespace: ns, Name: name}
	}
	return f, 0, true
}

// migrate reports what firsthop makes of the Ingresses ingress-nginx
// served and of ingress-nginx's ConfigMap (see kube/ingress/nginx), read
// from files (-f) or from a cluster (--kubeconfig). It exits 1 when
// something would not be served (a refused, not yet served or malformed
// annotation or key), 2 on a usage error, a file it cannot read or a
// cluster it cannot read.
func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, code, ok := parseMigrateFlags(args, stdout, stderr)
	if !ok {
		return code
	}
	var cs kubernetes.Interface
	if f.kubeconfig != "" {
		var err error
		if cs, err = migrateClient(f.kubeconfig, f.timeout); err != nil {
			fmt.Fprintf(stderr, "firsthop migrate: --kubeconfig: %v\n", err)
			return 2
		}
	}
	return f.run(ctx, cs, stdout, stderr)
}

// run reads the objects, from the files or else from cs, and prints the
// report; it returns migrate's exit status.
func (f *migrateFlags) run(ctx context.Context, cs kubernetes.Interface, stdout, stderr io.Writer) int {
	var objs []migrateObject
	if len(f.files) > 0 {
		for _, file := range f.files {
			o, err := readObjects(file)
			if err != nil {
				fmt.Fprintf(stderr, "firsthop migrate: %v\n", err)
				return 2
			}
			objs = append(objs, o...)
		}
		if !slices.ContainsFunc(objs, func(o migrateObject) bool { return o.Kind == "Ingress" || o.Kind == "ConfigMap" }) {
			fmt.Fprintln(stderr, "firsthop migrate: no Ingress and no ConfigMap in", f.files.String())
			return 2
		}
	} else {
		ctx, cancel := context.WithTimeout(ctx, f.timeout)
		defer cancel()
		var err error
		if objs, err = clusterObjects(ctx, cs, f.sel); err != nil {
			fmt.Fprintf(stderr, "firsthop migrate: %v\n", err)
			return 2
		}
	}
	rep := f.sel.report(objs)
	if f.output == "json" {
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

// report is the report on objs: the Ingresses s selects (the others
// skipped, with why) and the ConfigMap s names (every ConfigMap when it
// names none). Files and the cluster both come here, so that the same
// objects give the same report.
func (s migrateSelection) report(objs []migrateObject) migrateReport {
	classes := map[string]migrateObject{}
	for _, o := range objs {
		if o.Kind == "IngressClass" {
			classes[o.Metadata.Name] = o
		}
	}
	var rep migrateReport
	foundConfigMap := false
	for _, o := range objs {
		switch o.Kind {
		case "Ingress":
			if s.namespace != "" && o.Metadata.Namespace != s.namespace {
				continue
			}
			if why, ok := s.serves(o, classes); !ok {
				rep.Skipped = append(rep.Skipped, migrateSkipped{File: o.source, Namespace: o.Metadata.Namespace, Name: o.Metadata.Name, Reason: why})
				continue
			}
			f, findings := nginx.Parse(o.Metadata.Annotations)
			rep.Ingresses = append(rep.Ingresses, migrateIngress{File: o.source, Namespace: o.Metadata.Namespace, Name: o.Metadata.Name, FailClosed: f.FailClosed, Findings: toMigrateFindings(findings)})
		case "ConfigMap":
			if s.configMap != nil && (o.Metadata.Namespace != s.configMap.Namespace || o.Metadata.Name != s.configMap.Name) {
				continue
			}
			foundConfigMap = true
			c, findings := nginx.TranslateConfigMap(o.Data)
			rep.ConfigMaps = append(rep.ConfigMaps, migrateConfigMap{File: o.source, Namespace: o.Metadata.Namespace, Name: o.Metadata.Name, Findings: toMigrateFindings(findings), Config: c.YAML()})
		}
	}
	if s.configMap != nil && !foundConfigMap {
		rep.Notes = append(rep.Notes, fmt.Sprintf("ConfigMap %s not found: its client-IP keys were not read (give the ingress-nginx ConfigMap with --configmap NAMESPACE/NAME)", s.configMap))
	}
	rep.Summary = map[string]int{"ingresses": len(rep.Ingresses), "configMaps": len(rep.ConfigMaps)}
	if len(rep.Skipped) > 0 {
		rep.Summary["skipped"] = len(rep.Skipped)
	}
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
	return rep
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
		o.source = file
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

// fromFile is " (FILE)" for the text report's headings; "" for the cluster.
func fromFile(file string) string {
	if file == "" {
		return ""
	}
	return " (" + file + ")"
}

// printMigrateText writes rep for a person.
func printMigrateText(w io.Writer, rep *migrateReport) {
	var b strings.Builder
	for _, i := range rep.Ingresses {
		fmt.Fprintf(&b, "Ingress %s/%s%s\n", i.Namespace, i.Name, fromFile(i.File))
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
	if len(rep.Skipped) > 0 {
		b.WriteString("Skipped (not served by this ingress-nginx; nothing to migrate)\n")
		for _, sk := range rep.Skipped {
			fmt.Fprintf(&b, "  Ingress %s/%s%s: %s\n", sk.Namespace, sk.Name, fromFile(sk.File), sk.Reason)
		}
		b.WriteString("\n")
	}
	for _, c := range rep.ConfigMaps {
		fmt.Fprintf(&b, "ConfigMap %s/%s%s\n", c.Namespace, c.Name, fromFile(c.File))
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
	for _, n := range rep.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	b.WriteString("summary:")
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%d", k, rep.Summary[k])
	}
	b.WriteString("\n")
	_, _ = io.WriteString(w, b.String())
}
