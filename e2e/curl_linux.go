package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// CurlTimeout is curl's --max-time for every request [Host.Curl] makes.
const CurlTimeout = 10 * time.Second

// Curl exit codes the scenarios look for.
const (
	CurlConnectFailed = 7  // could not connect
	CurlTimedOut      = 28 // --max-time passed
	CurlEmptyReply    = 52 // the server closed without answering
	CurlSendError     = 55 // the server closed before curl could send
	CurlRecvError     = 56 // the connection was reset while receiving
)

// CurlRefused lists the exit codes that mean the server accepted the TCP
// connection and closed it without an HTTP response: which one curl
// reports depends on how far it got before the close.
var CurlRefused = []int{CurlEmptyReply, CurlSendError, CurlRecvError}

// CurlResult is what one curl run reported.
type CurlResult struct {
	// Args are curl's arguments, for messages.
	Args []string
	// ExitCode is curl's exit status: 0 when a response arrived (whatever
	// its HTTP status), else one of curl's error codes.
	ExitCode int
	// Status is the HTTP status, 0 if no response arrived.
	Status int
	// Body is the response body.
	Body []byte
	// Stderr is curl's error output (curl -sS prints only errors).
	Stderr string
}

// Curl runs curl inside h against url, as a client on that host would:
// a fresh connection, no proxy from the environment, no URL globbing (so
// IPv6 literals work), at most [CurlTimeout]. args go before the URL
// ("-H", "Host: app.example.com"). A non-zero curl exit is not a test
// failure: look at ExitCode, or use [CurlResult.Echo] to require success.
func (h *Host) Curl(t testing.TB, url string, args ...string) CurlResult {
	t.Helper()
	RequireCommands(t, "curl")
	body := filepath.Join(t.TempDir(), "body")
	all := append([]string{"curl", "-sS", "-g", "--noproxy", "*",
		"--max-time", strconv.Itoa(int(CurlTimeout / time.Second)),
		"-o", body, "-w", "%{http_code}"}, args...)
	all = append(all, url)
	ctx, cancel := context.WithTimeout(context.Background(), CurlTimeout+5*time.Second)
	defer cancel()
	cmd := h.Command(ctx, all...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	r := CurlResult{Args: all, Stderr: strings.TrimSpace(stderr.String())}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.ExitCode = ee.ExitCode()
	case err != nil:
		t.Fatalf("curl in %s: %v", h.Name, err)
	}
	r.Status, _ = strconv.Atoi(strings.TrimSpace(string(out)))
	r.Body, _ = os.ReadFile(body)
	return r
}

// String describes the run for failure messages.
func (r CurlResult) String() string {
	return "curl " + strings.Join(r.Args[1:], " ") + ": exit " + strconv.Itoa(r.ExitCode) +
		", HTTP " + strconv.Itoa(r.Status) + ", stderr " + strconv.Quote(r.Stderr) + ", body " + strconv.Quote(lastLines(r.Body, 20))
}

// Echo requires a 200 response and decodes it as the echo backend's JSON.
func (r CurlResult) Echo(t testing.TB) EchoReply {
	t.Helper()
	if r.ExitCode != 0 || r.Status != 200 {
		t.Fatalf("want a 200 response from the echo backend; %s", r)
	}
	e, err := ParseEchoReply(r.Body)
	if err != nil {
		t.Fatalf("%v; %s", err, r)
	}
	return e
}
