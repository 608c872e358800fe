package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/firsthop/firsthop/config"
	"github.com/firsthop/firsthop/kube"
	"github.com/firsthop/firsthop/kube/gateway"
	"github.com/firsthop/firsthop/kube/ingress"
	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy"
)

// The data plane takes the listeners a Kubernetes processor contributes
// with its table.
var _ kube.ListenerPublisher = (*proxy.Server)(nil)

// defaultIngressConfig is the configuration of `firsthop ingress` without
// --config: one plain HTTP listener on every address, port 8080, nothing
// trusted, the admin listener on loopback.
const defaultIngressConfig = `listeners:
  - name: http
    address: 0.0.0.0:8080
`

// ingressFlags are the flags of `firsthop ingress`.
type ingressFlags struct {
	logFlags
	serverFlags
	kubeconfig        string
	configPath        string
	controllerName    string
	withoutClass      bool
	watchNamespace    string
	publishService    string
	publishAddress    string
	electionID        string
	electionNamespace string
	nodeName          string
	defaultLocality   string
	allowExternalName bool
	nginxAnnotations  bool

	gatewayControllerName string
	gatewayAddresses      string
}

func (f *ingressFlags) register(fs *flag.FlagSet) {
	f.logFlags.register(fs)
	f.serverFlags.register(fs)
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "path of a kubeconfig `FILE`; empty: the in-cluster configuration")
	fs.StringVar(&f.configPath, "config", "", "YAML `FILE` with listeners, clientIP, forwardedHeaders, tls and admin (no routes or backends); empty: one plain listener on 0.0.0.0:8080")
	fs.StringVar(&f.controllerName, "controller-name", ingress.DefaultControllerName, "the IngressClass spec.controller this controller serves")
	fs.BoolVar(&f.withoutClass, "watch-ingress-without-class", false, "also serve Ingresses that name no IngressClass")
	fs.StringVar(&f.watchNamespace, "watch-namespace", "", "watch this namespace only; empty: all namespaces")
	fs.StringVar(&f.publishService, "publish-service", "", "NAMESPACE/NAME of the Service whose addresses go into the Ingresses' status")
	fs.StringVar(&f.publishAddress, "publish-address", "", "comma-separated IPs or host names for the Ingresses' status (wins over --publish-service)")
	fs.StringVar(&f.electionID, "election-id", "firsthop-leader", "name of the Lease electing the replica that writes status and Events; empty: no election, this replica writes")
	fs.StringVar(&f.electionNamespace, "election-namespace", "", "namespace of the Lease; empty: $POD_NAMESPACE, else "+kube.DefaultElectionNamespace)
	fs.StringVar(&f.nodeName, "node-name", "", "this proxy's node, for node-local routing; empty: $NODE_NAME")
	fs.StringVar(&f.defaultLocality, "default-locality", model.LocalityPreferLocal.String(), "locality of backends whose Service and Ingress set none: Local, PreferLocal, PreferZone or Cluster")
	fs.BoolVar(&f.allowExternalName, "allow-external-name", false, "allow ExternalName Services as backends (whoever can create a Service can then point the proxy at any host)")
	fs.BoolVar(&f.nginxAnnotations, "ingress-nginx-annotations", false, "read every Ingress's nginx.ingress.kubernetes.io/* annotations with ingress-nginx's meaning (per class: annotate the IngressClass "+ingress.AnnotationIngressNginx+`: "true"`+")")
	fs.StringVar(&f.gatewayControllerName, "gateway-controller-name", gateway.DefaultControllerName, "the GatewayClass spec.controllerName this controller serves, when the Gateway API CRDs are installed; empty: Gateway API off")
	fs.StringVar(&f.gatewayAddresses, "gateway-addresses", "", "comma-separated `CIDR`s whose addresses are given to Gateways without spec.addresses (each Gateway one; listeners bind ADDRESS:PORT, so the addresses must be on this host); empty: such Gateways get none")
}

// ingressOptions turns the flags into the controller's settings, with its
// processors; base is what the config file says.
func (f *ingressFlags) ingressOptions(base model.TableSpec) (kube.Config, error) {
	loc, err := model.ParseLocality(f.defaultLocality)
	if err != nil {
		return kube.Config{}, fmt.Errorf("--default-locality: %w", err)
	}
	cfg := kube.Config{
		Processors: []kube.Processor{
			ingress.New(ingress.Options{ControllerName: f.controllerName, WatchWithoutClass: f.withoutClass, IngressNginxAnnotations: f.nginxAnnotations}),
		},
		Base: base,
		Resolve: resolve.Options{
			AllowExternalName: f.allowExternalName,
			DefaultLocality:   loc,
		},
		WatchNamespace:    f.watchNamespace,
		ElectionID:        f.electionID,
		ElectionNamespace: f.electionNamespace,
	}
	if cfg.ElectionNamespace == "" {
		cfg.ElectionNamespace = os.Getenv("POD_NAMESPACE")
	}
	own, err := podAddrs(cmp.Or(os.Getenv("POD_IPS"), os.Getenv("POD_IP")))
	if err != nil {
		return kube.Config{}, err
	}
	cfg.Resolve.RefusedAddrs = own
	if f.publishService != "" {
		ns, name, ok := strings.Cut(f.publishService, "/")
		if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
			return kube.Config{}, fmt.Errorf("--publish-service: want NAMESPACE/NAME, got %q", f.publishService)
		}
		cfg.PublishService = types.NamespacedName{Namespace: ns, Name: name}
	}
	if f.publishAddress != "" {
		cfg.PublishAddresses = strings.Split(f.publishAddress, ",")
	}
	return cfg, nil
}

// podAddrs parses the pod's own addresses as the downward API gives them
// (status.podIPs: comma-separated). No backend may have one of them.
func podAddrs(s string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("POD_IPS / POD_IP: %w", err)
		}
		out = append(out, a)
	}
	return out, nil
}

// restConfig returns the API server connection: from --kubeconfig, else
// the in-cluster service account.
func (f *ingressFlags) restConfig() (*rest.Config, error) {
	var rc *rest.Config
	var err error
	if f.kubeconfig != "" {
		rc, err = clientcmd.BuildConfigFromFlags("", f.kubeconfig)
	} else {
		rc, err = rest.InClusterConfig()
	}
	if err != nil {
		return nil, err
	}
	rc.UserAgent = "firsthop/" + versionString()
	// The informers list once and then watch: a higher rate only helps
	// the first sync of a large cluster.
	rc.QPS, rc.Burst = 50, 100
	return rc, nil
}

// ingressCmd runs `firsthop ingress`: the data plane of `serve`, with its
// routing table from the cluster.
func ingressCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("ingress", stderr)
	var f ingressFlags
	f.register(fs)
	if code, ok := parseArgs(fs, "firsthop ingress [--kubeconfig FILE] [--config FILE] [flags]", args, stdout); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "firsthop ingress: unexpected arguments %q\n", fs.Args())
		return 2
	}
	log, err := f.logger(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "firsthop ingress:", err)
		return 2
	}
	// client-go logs through klog: send it to the same handler. klog's
	// logger is process-wide and must not be replaced while client-go
	// uses it (in-process tests run several ingressCmd at once): the
	// first one wins.
	klogOnce.Do(func() { klog.SetSlogLogger(log) })

	nodeName := f.nodeName
	if nodeName == "" {
		nodeName = os.Getenv("NODE_NAME")
	}
	var cfg *config.Config
	opts := config.Options{Ingress: true, NodeName: nodeName}
	if f.configPath != "" {
		cfg, err = config.Load(f.configPath, opts)
	} else {
		cfg, err = config.Parse("(built-in default)", []byte(defaultIngressConfig), opts)
	}
	if err != nil {
		printConfigError(stderr, err)
		return 1
	}
	for _, w := range cfg.Warnings {
		log.Warn("config lint", "warning", w.String())
	}
	if len(cfg.Listeners) == 0 {
		fmt.Fprintf(stderr, "firsthop ingress: %s has no listeners\n", f.configPath)
		return 1
	}
	icfg, err := f.ingressOptions(cfg.Table)
	if err != nil {
		fmt.Fprintln(stderr, "firsthop ingress:", err)
		return 2
	}
	gwOpts, gatewayAPI, err := f.gatewayOptions()
	if err != nil {
		fmt.Fprintln(stderr, "firsthop ingress:", err)
		return 2
	}
	rc, err := f.restConfig()
	if err != nil {
		log.Error("connecting to the API server", "error", err.Error())
		return 1
	}
	// client-go retries failed requests quietly: the observer lets the
	// controller say why it is still waiting for its caches.
	requests := &kube.RequestObserver{}
	rc.Wrap(requests.Wrap)
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		log.Error("connecting to the API server", "error", err.Error())
		return 1
	}

	if gatewayAPI {
		gw, err := gatewayProcessor(ctx, log, rc, client.Discovery(), gwOpts)
		if err != nil {
			log.Error("connecting to the API server", "error", err.Error())
			return 1
		}
		if gw != nil {
			icfg.Processors = append(icfg.Processors, gw)
		}
	}

	dp, err := f.newDataPlane(ctx, log, cfg)
	if err != nil {
		log.Error("setting up the data plane", "error", err.Error())
		return 1
	}
	defer dp.close()
	icfg.Client = client
	icfg.Publisher = dp.srv // a kube.ListenerPublisher
	icfg.Listeners = cfg.Listeners
	icfg.Logger = log
	if mp := dp.metrics.MeterProvider(); mp != nil {
		if icfg.Metrics, err = kube.NewCacheMetrics(mp); err != nil {
			log.Error("setting up metrics", "error", err.Error())
			return 1
		}
	}
	icfg.Requests = requests
	ctrl, err := kube.NewController(icfg)
	if err != nil {
		fmt.Fprintln(stderr, "firsthop ingress:", err)
		return 2
	}
	log.Info("firsthop ingress starting", "version", versionString(), "api_server", rc.Host,
		"controller", f.controllerName, "node", cfg.Node, "zone", cfg.Zone, "namespace", f.watchNamespace)
	if err := dp.srv.Listen(); err != nil {
		log.Error("binding listeners", "error", err.Error())
		return 1
	}

	// The controller stops with the server: on SIGTERM the server drains
	// (not ready, then finishing in-flight requests) while the last table
	// keeps serving; the controller is stopped once the drain is over,
	// and waited for at most controllerStopWait, so that the process
	// exits within the drain delay and grace period (plus that) even
	// when the API server does not answer.
	// A controller that fails to start stops the server.
	serveCtx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	ctrlCtx, stopCtrl := context.WithCancel(context.WithoutCancel(ctx))
	ctrlDone := make(chan error, 1)
	go func() {
		err := ctrl.Run(ctrlCtx)
		if err != nil {
			stopServing()
		}
		ctrlDone <- err
	}()
	serveErr := dp.srv.Serve(serveCtx)
	stopCtrl()
	var ctrlErr error
	wait := time.NewTimer(controllerStopWait)
	defer wait.Stop()
	select {
	case ctrlErr = <-ctrlDone:
	case <-wait.C:
		log.Warn("the controller did not stop in time (a request to the API server unanswered); exiting without it",
			"waited", controllerStopWait.String())
	}
	if err := errors.Join(serveErr, ctrlErr); err != nil {
		log.Error("stopped", "error", err.Error())
		return 1
	}
	log.Info("firsthop stopped")
	return 0
}

// klogOnce sets klog's logger once.
var klogOnce sync.Once

// controllerStopWait bounds the wait for the controller after the drain:
// releasing the leader Lease against an API server that does not answer
// would take up to the election's renew deadline (10s).
const controllerStopWait = 2 * time.Second

// printConfigError writes a config error, one problem per line.
func printConfigError(w io.Writer, err error) {
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, d := range errs {
			fmt.Fprintln(w, "error:", d.String())
		}
		return
	}
	fmt.Fprintln(w, "error:", err)
}
