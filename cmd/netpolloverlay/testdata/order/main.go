// Command order prints the order in which goroutines parked on reads of
// eight loopback connections run once the connections become readable one
// after another, on one P. TestOverlayRunsReadyGoroutinesInOrder builds it
// with the overlay and without.
package main

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"time"
)

func main() {
	runtime.GOMAXPROCS(1)
	const n = 8
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	var clients, servers [n]net.Conn
	for i := range n {
		if clients[i], err = net.Dial("tcp", ln.Addr().String()); err != nil {
			fail(err)
		}
		if servers[i], err = ln.Accept(); err != nil {
			fail(err)
		}
	}
	order := make(chan int, n)
	for i := range n {
		go func() {
			var b [1]byte
			if _, err := servers[i].Read(b[:]); err != nil {
				fail(err)
			}
			order <- i
		}()
	}
	time.Sleep(200 * time.Millisecond) // every reader parks in the poller
	// Readable in the order 0..n-1; the writes do not block, so the poller
	// sees them all in its next batch, when main waits below.
	for i := range n {
		if _, err := clients[i].Write([]byte{1}); err != nil {
			fail(err)
		}
	}
	time.Sleep(20 * time.Millisecond) // let the bytes arrive; a sleep also blocks
	for range n {
		fmt.Print(<-order, " ")
	}
	fmt.Println()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
