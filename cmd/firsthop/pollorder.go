package main

import (
	"fmt"
	"net"
	"runtime"
	"strings"
	"time"
)

// pollerOrder reports in which order the runtime's network poller runs
// goroutines whose connections became ready together: "first-ready first"
// for a binary built with cmd/netpolloverlay's overlay, "last-ready first"
// for the stock runtime. It finds out by trying, on one P, with eight
// loopback connections made readable one after another; it takes about
// 60 ms and is for `firsthop version -v`, whose process does nothing else.
func pollerOrder() (string, error) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const n = 8
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	var clients, servers [n]net.Conn
	defer func() {
		for i := range n {
			for _, c := range []net.Conn{clients[i], servers[i]} {
				if c != nil {
					c.Close()
				}
			}
		}
	}()
	for i := range n {
		if clients[i], err = net.Dial("tcp", ln.Addr().String()); err != nil {
			return "", err
		}
		if servers[i], err = ln.Accept(); err != nil {
			return "", err
		}
		_ = servers[i].SetReadDeadline(time.Now().Add(5 * time.Second))
	}
	order := make(chan int, n)
	for i := range n {
		go func() {
			var b [1]byte
			if _, err := servers[i].Read(b[:]); err != nil {
				order <- -1
				return
			}
			order <- i
		}()
	}
	time.Sleep(50 * time.Millisecond) // every reader parks in the poller
	// Readable 0..n-1, all seen by the poller's next batch, taken while
	// this goroutine sleeps below.
	for i := range n {
		if _, err := clients[i].Write([]byte{1}); err != nil {
			return "", err
		}
	}
	time.Sleep(10 * time.Millisecond)
	got := make([]string, n)
	ascending, descending := true, true
	for k := range n {
		i := <-order
		if i < 0 {
			return "", fmt.Errorf("a probe read failed")
		}
		got[k] = fmt.Sprint(i)
		ascending = ascending && i == k
		descending = descending && i == n-1-k
	}
	switch {
	case ascending:
		return "first-ready first", nil
	case descending:
		return "last-ready first (the stock runtime's; see cmd/netpolloverlay)", nil
	}
	return "mixed (" + strings.Join(got, " ") + ")", nil
}
