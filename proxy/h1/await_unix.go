//go:build unix

package h1

import "syscall"

// rawWrites says whether FlushAwait can write through a raw descriptor.
const rawWrites = true

// writeFD is one write(2) on fd.
func writeFD(fd uintptr, p []byte) (int, error) { return syscall.Write(int(fd), p) }
