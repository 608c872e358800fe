// Command fhload sends HTTP/1.1 GET requests to a listener and reports the
// rate and latency, for the benchmarks in proxy/PERFORMANCE.md that wrk
// cannot run: a new connection per request, each opened with a PROXY
// protocol v2 header or without one, or a fixed number of requests.
//
//	fhload -addr 127.0.0.1:18090 -c 32 -d 10s -new            # no header
//	fhload -addr 127.0.0.1:18094 -c 32 -d 10s -new -proxy-v2  # PROXY v2 first
//
// With -new each connection carries one request and is then reset by the
// client (SO_LINGER 0), so that neither side keeps it in TIME_WAIT and the
// loopback ports last. Output is one line: requests, errors, requests/s,
// p50 and p99 latency, and with -pid the CPU time that process spent per
// request (user+system, from /proc), which a shared machine disturbs less
// than the rate.
//
// -compare runs the PROXY benchmark in one go: rounds alternating between
// -addr without a header and -proxy-addr with a PROXY v2 header, then the
// median of each and their ratio.
//
//	fhload -new -c 32 -d 8s -rounds 5 -compare -addr 127.0.0.1:18090 -proxy-addr 127.0.0.1:18094 -pid $(pgrep -f bench-proxy.yaml)
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18090", "listener to load")
	host := flag.String("host", "bench.local", "Host header")
	path := flag.String("path", "/", "request path")
	conns := flag.Int("c", 32, "concurrent clients")
	dur := flag.Duration("d", 10*time.Second, "how long to run (ignored with -n)")
	total := flag.Int64("n", 0, "requests to send in all (0: run for -d)")
	newConn := flag.Bool("new", false, "open a new connection for every request")
	proxyV2 := flag.Bool("proxy-v2", false, "start every connection with a PROXY protocol v2 header")
	split := flag.Bool("split", false, "with -proxy-v2, write the header and the request separately")
	pid := flag.Int("pid", 0, "also report the CPU time this process spends per request")
	compare := flag.Bool("compare", false, "alternate -addr (no header) and -proxy-addr (PROXY v2) for -rounds rounds")
	proxyAddr := flag.String("proxy-addr", "127.0.0.1:18094", "with -compare, the listener that requires a PROXY header")
	rounds := flag.Int("rounds", 5, "with -compare, rounds per target")
	flag.Parse()

	req := []byte("GET " + *path + " HTTP/1.1\r\nHost: " + *host + "\r\nUser-Agent: fhload\r\n\r\n")
	o := run{req: req, conns: *conns, dur: *dur, total: *total, newConn: *newConn, split: *split, pid: *pid}
	if !*compare {
		o.addr, o.proxyV2 = *addr, *proxyV2
		fmt.Println(o.do())
		return
	}
	var plain, proxied []result
	for r := range *rounds {
		o.addr, o.proxyV2 = *addr, false
		plain = append(plain, o.do())
		o.addr, o.proxyV2 = *proxyAddr, true
		proxied = append(proxied, o.do())
		fmt.Printf("round %d: without %s\n         with    %s\n", r+1, plain[r], proxied[r])
	}
	a, b := median(plain), median(proxied)
	fmt.Printf("median without header: %s\nmedian with PROXY v2:  %s\n", a, b)
	fmt.Printf("with/without: req/s %.3f", b.rate/a.rate)
	if *pid != 0 {
		fmt.Printf(", CPU per request %.3f", b.cpuPerReq/a.cpuPerReq)
	}
	fmt.Println()
}

// run is one load run's settings.
type run struct {
	addr           string
	req            []byte
	conns          int
	dur            time.Duration
	total          int64
	newConn, split bool
	proxyV2        bool
	pid            int
}

// result is what one run measured.
type result struct {
	requests, errors int64
	rate             float64 // requests per second
	p50, p99         time.Duration
	cpuPerReq        float64 // µs of the -pid process per request; 0 without
}

func (r result) String() string {
	s := fmt.Sprintf("requests %d errors %d req/s %.0f p50 %.3fms p99 %.3fms", r.requests, r.errors, r.rate, ms(r.p50), ms(r.p99))
	if r.cpuPerReq > 0 {
		s += fmt.Sprintf(" cpu/req %.1fus", r.cpuPerReq)
	}
	return s
}

// median returns the result with the median rate, with the median CPU per
// request.
func median(rs []result) result {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b result) int { return cmp.Compare(a.rate, b.rate) })
	m := rs[len(rs)/2]
	cpu := make([]float64, len(rs))
	for i, r := range rs {
		cpu[i] = r.cpuPerReq
	}
	slices.Sort(cpu)
	m.cpuPerReq = cpu[len(cpu)/2]
	return m
}

// do runs the load once.
func (o run) do() result {
	var (
		sent, failed atomic.Int64
		stop         atomic.Bool
		mu           sync.Mutex
		lat          []time.Duration
		wg           sync.WaitGroup
	)
	cpu0 := cpuTime(o.pid)
	begin := time.Now()
	for w := range o.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client{addr: o.addr, req: o.req, newConn: o.newConn, split: o.split}
			if o.proxyV2 {
				c.header = proxyV2Header(w)
			}
			var mine []time.Duration
			for !stop.Load() {
				if o.total > 0 && sent.Add(1) > o.total {
					break
				}
				t := time.Now()
				if err := c.do(); err != nil {
					if failed.Add(1) == 1 {
						fmt.Fprintln(os.Stderr, "fhload: first error:", err)
					}
					continue
				}
				mine = append(mine, time.Since(t))
			}
			c.close()
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	if o.total == 0 {
		time.Sleep(o.dur)
		stop.Store(true)
	}
	wg.Wait()
	elapsed := time.Since(begin)
	cpu1 := cpuTime(o.pid)
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))]
	}
	r := result{requests: int64(len(lat)), errors: failed.Load(), rate: float64(len(lat)) / elapsed.Seconds(),
		p50: pct(0.50), p99: pct(0.99)}
	if o.pid != 0 && len(lat) > 0 {
		r.cpuPerReq = (cpu1 - cpu0).Seconds() * 1e6 / float64(len(lat))
	}
	return r
}

// cpuTime returns the user+system time of process pid (0: none) from
// /proc/PID/stat.
func cpuTime(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		fmt.Fprintln(os.Stderr, "fhload:", err)
		os.Exit(1)
	}
	// Fields after the command name (which may hold spaces), from field 3.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticksPerSecond = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticksPerSecond
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// client is one load-generating connection (or succession of them).
type client struct {
	addr    string
	req     []byte
	header  []byte // PROXY v2 header; nil: none
	newConn bool
	split   bool

	nc  net.Conn
	br  *bufio.Reader
	buf []byte
}

// do sends one request and reads its whole response.
func (c *client) do() error {
	if c.nc == nil {
		nc, err := net.Dial("tcp", c.addr)
		if err != nil {
			return err
		}
		c.nc = nc
		if c.br == nil {
			c.br = bufio.NewReaderSize(nc, 16<<10)
		} else {
			c.br.Reset(nc)
		}
		if c.header != nil {
			if c.split {
				if _, err := nc.Write(c.header); err != nil {
					c.close()
					return err
				}
			} else {
				c.buf = append(append(c.buf[:0], c.header...), c.req...)
				if _, err := nc.Write(c.buf); err != nil {
					c.close()
					return err
				}
				return c.finish()
			}
		}
	}
	if _, err := c.nc.Write(c.req); err != nil {
		c.close()
		return err
	}
	return c.finish()
}

// finish reads the response and, with -new, resets the connection.
func (c *client) finish() error {
	err := readResponse(c.br)
	if err != nil || c.newConn {
		c.close()
	}
	return err
}

// close resets the connection, leaving no TIME_WAIT behind.
func (c *client) close() {
	if c.nc == nil {
		return
	}
	if tc, ok := c.nc.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.nc.Close()
	c.nc = nil
}

var errStatus = errors.New("fhload: response status is not 200")

// readResponse reads one response with a Content-Length body.
func readResponse(br *bufio.Reader) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("%w: %q", errStatus, line)
	}
	n := int64(-1)
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			if n, err = strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64); err != nil {
				return err
			}
		}
	}
	if n < 0 {
		return errors.New("fhload: response without Content-Length")
	}
	_, err = br.Discard(int(n))
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// proxyV2Header returns a PROXY v2 header for a TCP over IPv4 connection
// from 203.0.113.x (x from the client number) to 192.0.2.1:443.
func proxyV2Header(client int) []byte {
	h := []byte("\r\n\r\n\x00\r\nQUIT\n")
	h = append(h, 0x21, 0x11) // version 2, PROXY; TCP over IPv4
	h = binary.BigEndian.AppendUint16(h, 12)
	h = append(h, 203, 0, 113, byte(1+client%254)) // source address
	h = append(h, 192, 0, 2, 1)                    // destination address
	h = binary.BigEndian.AppendUint16(h, uint16(10000+client))
	h = binary.BigEndian.AppendUint16(h, 443)
	return h
}
