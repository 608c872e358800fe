package echo

// appendMaskedFrame appends f to b as a client sends it: masked with key.
func appendMaskedFrame(b []byte, f frame, key [4]byte) []byte {
	start := len(b)
	b = appendFrame(b, f)
	b[start+1] |= 0x80
	payload := len(b) - len(f.payload)
	b = append(b[:payload], append(key[:], b[payload:]...)...)
	for i := range f.payload {
		b[payload+4+i] ^= key[i%4]
	}
	return b
}
