package e2e

import (
	"fmt"
	"maps"
	"net/http"
	"sync"
	"time"
)

// Load sends GET requests from several workers, each on its own keep-alive
// client, until stopped, and counts the answers by the backend that gave
// them. Any transport error or status other than 200 is a failure.
type Load struct {
	stop chan struct{}
	wg   sync.WaitGroup

	mu       sync.Mutex
	total    int
	byLocal  map[string]int // echo local_addr -> answers
	byPod    map[string]int // echo-basic pod name -> answers
	failures []string       // the first few, for messages
	failed   int
}

// LoadSpec says what a [Load] sends.
type LoadSpec struct {
	// Client makes one keep-alive client per worker (Host.HTTPClient).
	Client func() *http.Client
	URL    string
	Host   string
	// Workers is the number of concurrent requesters; zero means 4.
	Workers int
	// Pause is the wait between a worker's requests; zero means none.
	Pause time.Duration
}

// StartLoad starts the workers of spec.
func StartLoad(spec LoadSpec) *Load {
	if spec.Workers == 0 {
		spec.Workers = 4
	}
	l := &Load{stop: make(chan struct{}), byLocal: map[string]int{}, byPod: map[string]int{}}
	for range spec.Workers {
		c := spec.Client()
		l.wg.Go(func() {
			defer c.CloseIdleConnections()
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				r, err := get(c, spec.URL, spec.Host)
				l.record(r, err)
				if spec.Pause > 0 {
					time.Sleep(spec.Pause)
				}
			}
		})
	}
	return l
}

func (l *Load) record(r reply, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total++
	if err == nil && r.status != http.StatusOK {
		err = fmt.Errorf("status %d: %.200s", r.status, r.body)
	}
	if err != nil {
		l.failed++
		if len(l.failures) < 10 {
			l.failures = append(l.failures, time.Now().Format("15:04:05.000")+" "+err.Error())
		}
		return
	}
	l.byLocal[r.echo.LocalAddr]++
	if r.echo.Pod != "" {
		l.byPod[r.echo.Pod]++
	}
}

// LoadResult is what a [Load] saw.
type LoadResult struct {
	Total, Failed int
	ByLocal       map[string]int
	// ByPod counts answers by pod name, for backends that say it
	// (echo-basic).
	ByPod    map[string]int
	Failures []string
}

// Snapshot returns the counts so far.
func (l *Load) Snapshot() LoadResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	by := make(map[string]int, len(l.byLocal))
	for k, v := range l.byLocal {
		by[k] = v
	}
	return LoadResult{Total: l.total, Failed: l.failed, ByLocal: by, ByPod: maps.Clone(l.byPod), Failures: append([]string(nil), l.failures...)}
}

// Stop stops the workers, waits for their last requests and returns the
// counts.
func (l *Load) Stop() LoadResult {
	close(l.stop)
	l.wg.Wait()
	return l.Snapshot()
}
