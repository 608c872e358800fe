//go:build !unix

package h1

import "errors"

// rawWrites says whether FlushAwait can write through a raw descriptor:
// not here, where it is Flush.
const rawWrites = false

func writeFD(uintptr, []byte) (int, error) { return 0, errors.ErrUnsupported }
