package e2e

import (
	"strings"
	"testing"
)

// reportSample is the shape of a report the suite writes (v1.6.3), one
// profile clean and one with a failure and a skip.
const reportSample = `apiVersion: gateway.networking.k8s.io/v1
date: "2026-12-02T10:00:00Z"
gatewayAPIChannel: standard
gatewayAPIVersion: v1.6.3
implementation:
  contact:
  - https://github.com/firsthop/firsthop
  organization: firsthop
  project: firsthop
  url: https://github.com/firsthop/firsthop
  version: devel
kind: ConformanceReport
mode: default
profiles:
- core:
    result: success
    statistics:
      Failed: 0
      Passed: 33
      Skipped: 0
  extended:
    result: success
    statistics:
      Failed: 0
      Passed: 4
      Skipped: 0
    supportedFeatures:
    - HTTPRouteMethodMatching
    - HTTPRouteQueryParamMatching
    unsupportedFeatures:
    - HTTPRouteCORS
  name: GATEWAY-HTTP
  summary: Core tests succeeded. Extended tests succeeded.
- core:
    failedTests:
    - GRPCRouteHeaderMatching
    result: failure
    skippedTests:
    - GRPCRouteListenerHostnameMatching
    statistics:
      Failed: 1
      Passed: 11
      Skipped: 1
  name: GATEWAY-GRPC
  summary: Core tests failed with 1 test failures.
`

func TestParseConformanceReport(t *testing.T) {
	t.Parallel()
	both := []string{"GATEWAY-HTTP", "GATEWAY-GRPC"}
	tests := []struct {
		name         string
		in           string
		wantErr      string
		wantSummary  []string // substrings of Summary(both)
		wantProblems []string // one substring per problem, in order
	}{
		{name: "a clean and a failed profile", in: reportSample,
			wantSummary: []string{
				"GATEWAY-HTTP: core success (33 passed, 0 failed, 0 skipped); extended success (4 passed, 0 failed, 0 skipped), 2 features claimed, 1 not\n",
				"GATEWAY-GRPC: core failure (11 passed, 1 failed, 1 skipped); no extended test ran\n",
			},
			wantProblems: []string{"GATEWAY-GRPC core: failure (11 passed, 1 failed, 1 skipped); failed [GRPCRouteHeaderMatching]; skipped [GRPCRouteListenerHostnameMatching]"}},
		{name: "setup failed: no profile", in: "kind: ConformanceReport\nprofiles: null\n",
			wantSummary:  []string{"GATEWAY-HTTP: not in the report (none of its tests ran)\n", "GATEWAY-GRPC: not in the report"},
			wantProblems: []string{"GATEWAY-HTTP: not in the report", "GATEWAY-GRPC: not in the report"}},
		{name: "extended skips are problems too",
			in: "kind: ConformanceReport\nprofiles:\n- name: GATEWAY-HTTP\n  core: {result: success}\n  extended:\n    result: partial\n    statistics: {Skipped: 2}\n    skippedTests: [A, B]\n" +
				"- name: GATEWAY-GRPC\n  core: {result: success, statistics: {Passed: 12}}\n",
			wantProblems: []string{"GATEWAY-HTTP extended: partial (0 passed, 0 failed, 2 skipped); failed []; skipped [A B]"}},
		{name: "a result of success with a failure counted is not trusted",
			in:           "kind: ConformanceReport\nprofiles:\n- name: GATEWAY-HTTP\n  core: {result: success, statistics: {Failed: 1}}\n- name: GATEWAY-GRPC\n  core: {result: success}\n",
			wantProblems: []string{"GATEWAY-HTTP core: success (0 passed, 1 failed, 0 skipped)"}},
		{name: "unknown fields are ignored", in: "kind: ConformanceReport\nnewField: 1\nprofiles:\n- name: GATEWAY-HTTP\n  core: {result: success, extra: x}\n- name: GATEWAY-GRPC\n  core: {result: success}\n"},
		{name: "not a report", in: "kind: Pod\n", wantErr: `kind "Pod", want ConformanceReport`},
		{name: "empty", in: "", wantErr: `kind "", want ConformanceReport`},
		{name: "not YAML", in: "kind: [\n", wantErr: "conformance report: "},
		{name: "statistics of the wrong type", in: "kind: ConformanceReport\nprofiles:\n- name: X\n  core: {statistics: {Passed: -1}}\n", wantErr: "conformance report: "},
		{name: "a profile without a name", in: "kind: ConformanceReport\nprofiles:\n- core: {result: success}\n", wantErr: "profile 0 has no name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := ParseConformanceReport([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			summary := r.Summary(both)
			for _, s := range tt.wantSummary {
				if !strings.Contains(summary, s) {
					t.Errorf("summary lacks %q:\n%s", s, summary)
				}
			}
			problems := r.Problems(both)
			if len(problems) != len(tt.wantProblems) {
				t.Fatalf("problems %q, want %d", problems, len(tt.wantProblems))
			}
			for i, p := range problems {
				if !strings.Contains(p.Error(), tt.wantProblems[i]) {
					t.Errorf("problem %d = %q, want it to contain %q", i, p, tt.wantProblems[i])
				}
			}
		})
	}
}

func TestParseConformanceReportFields(t *testing.T) {
	t.Parallel()
	r, err := ParseConformanceReport([]byte(reportSample))
	if err != nil {
		t.Fatal(err)
	}
	im := r.Implementation
	if im.Organization != "firsthop" || im.Project != "firsthop" || im.URL != "https://github.com/firsthop/firsthop" ||
		im.Version != "devel" || len(im.Contact) != 1 || r.GatewayAPIVersion != "v1.6.3" || r.GatewayAPIChannel != "standard" {
		t.Errorf("implementation or version misread: %+v, %s %s", im, r.GatewayAPIVersion, r.GatewayAPIChannel)
	}
	http := r.Profile("GATEWAY-HTTP")
	if http == nil || http.Extended == nil || http.Extended.Statistics.Passed != 4 || len(http.Extended.SupportedFeatures) != 2 {
		t.Fatalf("GATEWAY-HTTP misread: %+v", http)
	}
	if r.Profile("GATEWAY-TLS") != nil {
		t.Error("a profile not in the report was found")
	}
}

func FuzzParseConformanceReport(f *testing.F) {
	f.Add([]byte(reportSample))
	f.Add([]byte("kind: ConformanceReport\nprofiles: null\n"))
	f.Add([]byte("kind: ConformanceReport\nprofiles:\n- name: A\n  extended: {result: partial}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseConformanceReport(b)
		if err != nil {
			return
		}
		want := []string{"GATEWAY-HTTP", "GATEWAY-GRPC"}
		for _, p := range r.Profiles {
			want = append(want, p.Name)
		}
		summary := r.Summary(want)
		if strings.Count(summary, "\n") != len(want) {
			t.Fatalf("summary has %d lines for %d profiles:\n%s", strings.Count(summary, "\n"), len(want), summary)
		}
		// A profile with a clean result has no problem; any other has one.
		for i := range r.Profiles {
			p := &r.Profiles[i]
			if r.Profile(p.Name) != p {
				continue // a second profile of the same name: the first counts
			}
			clean := p.Core.problem("") == nil && (p.Extended == nil || p.Extended.problem("") == nil)
			if got := len(r.Problems([]string{p.Name})) == 0; got != clean {
				t.Fatalf("profile %q: no problems = %v, clean = %v", p.Name, got, clean)
			}
		}
	})
}
