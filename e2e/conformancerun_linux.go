package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// GatewayConformanceProfiles are the conformance profiles firsthop runs.
var GatewayConformanceProfiles = []string{"GATEWAY-HTTP", "GATEWAY-GRPC"}

// GatewayConformanceTimeout bounds one whole run of the suite (its
// -test.timeout): the profiles' ~150 tests take minutes when they pass,
// but each failing one waits out the suite's own timeouts (30-180 s), so
// a broken controller could otherwise hold CI for hours.
const GatewayConformanceTimeout = 30 * time.Minute

// ConformanceReportEnv names the environment variable that, when set, is
// the path the conformance run's report is copied to (CI keeps it; the
// committed conformance/ report is made this way).
const ConformanceReportEnv = "FIRSTHOP_CONFORMANCE_REPORT"

// The implementation details the report carries.
const (
	conformanceOrganization = "firsthop"
	conformanceProject      = "firsthop"
	conformanceURL          = "https://github.com/firsthop/firsthop"
	conformanceContact      = "https://github.com/firsthop/firsthop"
)

// GatewayConformanceSpec says how to run the Gateway API conformance
// suite.
type GatewayConformanceSpec struct {
	// Client is the fabric host the suite runs in: every request it
	// makes to a Gateway crosses the fabric from there.
	Client  *Host
	Cluster *Cluster
	// GatewayClass is the class under test (-gateway-class). The suite
	// reads the features to test from its status.supportedFeatures.
	GatewayClass string
	// Profiles are the conformance profiles; nil means
	// [GatewayConformanceProfiles].
	Profiles []string
	// Version is the implementation version in the report; empty means
	// [FirsthopVersion].
	Version string
	// UsableAddress and UnusableAddress are GatewayStaticAddresses'
	// -usable-address and -unusable-address: an address the controller
	// can serve a Gateway's spec.addresses on (outside the pool it gives
	// other Gateways, so none of those takes it) and one it cannot. The
	// zero Addr leaves the flag out (the test then finds too few
	// addresses and fails).
	UsableAddress, UnusableAddress netip.Addr
	// TimeoutOverrides is the suite's -timeout-config-overrides
	// ("NamespacesMustBeReady:60;GWCMustBeAccepted:10", seconds); empty
	// keeps the suite's defaults.
	TimeoutOverrides string
	// Timeout bounds the run; zero means [GatewayConformanceTimeout].
	Timeout time.Duration
	// PublishReport copies the report to $FIRSTHOP_CONFORMANCE_REPORT
	// when that is set: only the real run does.
	PublishReport bool
}

// GatewayConformanceRun is what one run of the suite left.
type GatewayConformanceRun struct {
	// Profiles are the profiles that were asked for.
	Profiles []string
	// Err is the suite's exit: nil for status 0 (every test passed).
	Err error
	// Duration is the run's wall time.
	Duration time.Duration
	// OutputPath is the file holding the suite's whole `go test -v`
	// output; Output is its last part.
	OutputPath, Output string
	// ReportPath is where the suite was told to write its report.
	ReportPath string
	// Report is the parsed report, nil when there is none (the suite
	// stops before writing one when it cannot start: no supported
	// features, a CRD mismatch, a test timeout) or it did not parse
	// (ReportErr).
	Report    *ConformanceReport
	ReportErr error
	// Failed are the failed tests (TestConformance and its direct
	// subtests, named as the report names them) with their last lines.
	Failed []FailedTest
}

// RunGatewayConformance runs the suite's test binary ([GatewayAPIBinaries])
// inside spec.Client against spec.Cluster, with the cluster admin's
// kubeconfig, and waits for it. The flags are those of a published run:
// -gateway-class, -conformance-profiles, -report-output and the
// implementation's -organization, -project, -url, -version and -contact;
// no -supported-features (the suite reads them from the GatewayClass's
// status), no -skip-tests, no -run-test, no -allow-crds-mismatch
// ([InstallGatewayAPICRDs] installs the release's own CRDs, whose bundle
// version and channel annotations agree). It fails t only when the suite
// cannot be started or outlives its timeout; judging the result is the
// caller's ([GatewayConformanceRun.Problems]).
func RunGatewayConformance(t testing.TB, spec GatewayConformanceSpec) *GatewayConformanceRun {
	t.Helper()
	if spec.Profiles == nil {
		spec.Profiles = GatewayConformanceProfiles
	}
	if spec.Version == "" {
		spec.Version = FirsthopVersion(t)
	}
	if spec.Timeout == 0 {
		spec.Timeout = GatewayConformanceTimeout
	}
	dir := t.TempDir()
	run := &GatewayConformanceRun{
		Profiles:   spec.Profiles,
		OutputPath: filepath.Join(dir, "conformance-test-output.txt"),
		ReportPath: filepath.Join(dir, "conformance-report.yaml"),
	}
	args := []string{
		"-test.v", "-test.run", "^TestConformance$", "-test.timeout", spec.Timeout.String(),
		"-gateway-class", spec.GatewayClass,
		"-conformance-profiles", strings.Join(spec.Profiles, ","),
		"-report-output", run.ReportPath,
		"-organization", conformanceOrganization,
		"-project", conformanceProject,
		"-url", conformanceURL,
		"-version", spec.Version,
		"-contact", conformanceContact,
	}
	if spec.UsableAddress.IsValid() {
		args = append(args, "-usable-address", spec.UsableAddress.String())
	}
	if spec.UnusableAddress.IsValid() {
		args = append(args, "-unusable-address", spec.UnusableAddress.String())
	}
	if spec.TimeoutOverrides != "" {
		args = append(args, "-timeout-config-overrides", spec.TimeoutOverrides)
	}
	t.Logf("Gateway API conformance: %s in %s, output in %s", strings.Join(args, " "), spec.Client.Name, run.OutputPath)
	start := time.Now()
	p := startGatewayAPISuite(t, spec.Client, spec.Cluster, dir, run.OutputPath, args...)
	// -test.timeout makes the binary panic at spec.Timeout; the margin
	// covers its cleanups and the panic's goroutine dump.
	run.Err = p.Wait(spec.Timeout + 2*time.Minute)
	run.Duration = time.Since(start)
	if !p.Exited() {
		_ = p.Stop()
		t.Fatalf("Gateway API conformance suite still running %v after its own -test.timeout %v; stopped", run.Duration.Round(time.Second), spec.Timeout)
	}
	run.Output = p.Output()
	full := run.Output
	if b, err := os.ReadFile(run.OutputPath); err == nil {
		full = string(b)
	}
	run.Failed = FailedGoTests(full, 2, 15)
	b, err := os.ReadFile(run.ReportPath)
	switch {
	case os.IsNotExist(err):
		// No report: Problems says so.
	case err != nil:
		run.ReportErr = err
	default:
		run.Report, run.ReportErr = ParseConformanceReport(b)
		if dst := os.Getenv(ConformanceReportEnv); dst != "" && spec.PublishReport {
			if err := os.WriteFile(dst, b, 0o644); err != nil {
				t.Errorf("copying the conformance report to $%s: %v", ConformanceReportEnv, err)
			} else {
				t.Logf("conformance report copied to %s", dst)
			}
		}
	}
	return run
}

// Problems returns everything that keeps the run from being a clean
// pass: a non-zero exit, a missing or unreadable report, and the report's
// own problems ([ConformanceReport.Problems]).
func (r *GatewayConformanceRun) Problems() []error {
	var errs []error
	if r.Err != nil {
		errs = append(errs, fmt.Errorf("the suite exited: %v", r.Err))
	}
	switch {
	case r.ReportErr != nil:
		errs = append(errs, r.ReportErr)
	case r.Report == nil:
		errs = append(errs, fmt.Errorf("no report at %s: the suite stopped before writing one", r.ReportPath))
	default:
		errs = append(errs, r.Report.Problems(r.Profiles)...)
	}
	return errs
}

// Log writes the run's summary to t: duration, exit, the report's
// summary per profile, and each failed test's name and last lines (the
// output's last lines when nothing is named, as after a setup failure or
// a timeout).
func (r *GatewayConformanceRun) Log(t testing.TB) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "Gateway API conformance: %v, exit %v\n", r.Duration.Round(time.Second), exitText(r.Err))
	if r.Report != nil {
		b.WriteString(r.Report.Summary(r.Profiles))
	}
	for _, f := range r.Failed {
		fmt.Fprintf(&b, "--- FAIL: %s, last lines:\n", f.Name)
		for _, l := range f.Last {
			fmt.Fprintf(&b, "\t%s\n", l)
		}
	}
	if len(r.Failed) == 0 && r.Err != nil {
		fmt.Fprintf(&b, "last lines of the output:\n%s\n", lastLines([]byte(r.Output), 30))
	}
	fmt.Fprintf(&b, "whole output: %s", r.OutputPath)
	t.Log(b.String())
}

func exitText(err error) string {
	if err == nil {
		return "status 0"
	}
	return err.Error()
}

// FirsthopVersion returns what `firsthop version` prints after
// "firsthop ", the version the binary under test reports.
func FirsthopVersion(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, FirsthopBinary(t), "version").Output()
	if err != nil {
		t.Fatalf("firsthop version: %v", err)
	}
	v, ok := strings.CutPrefix(strings.TrimSpace(string(out)), "firsthop ")
	if !ok || v == "" {
		t.Fatalf("firsthop version printed %q", out)
	}
	return v
}
