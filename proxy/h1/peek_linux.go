package h1

import (
	"syscall"
	"unsafe"
)

// peek is the callback of [Conn.alive]: a non-blocking MSG_PEEK of one
// byte. Nothing to read (EAGAIN) means alive; a byte (unsolicited data), a
// zero-length read (the backend closed) or an error means not.
func (c *Conn) peek(fd uintptr) bool {
	var b [1]byte
	_, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&b[0])), 1,
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	c.peekOK = errno == syscall.EAGAIN
	return true
}
