package h1

import (
	"bufio"
	"io"
)

// Body reads one response body as its framing delimits it. It returns
// io.EOF exactly at the end of the framing (for UntilClose: when the
// backend closes), io.ErrUnexpectedEOF when the stream ends before that,
// and a [*ProtocolError] for bad chunked coding. Errors are sticky.
type Body struct {
	br      *bufio.Reader
	framing Framing
	n       int64 // bytes left: of the body (Length) or of the chunk (Chunked)
	state   chunkState
	err     error
	// maxTrailer bounds the trailer section, in bytes.
	maxTrailer int
	trailer    headReader
	// Trailer holds the trailer fields of a chunked body once Read has
	// returned io.EOF; nil when there were none.
	Trailer []Field
}

type chunkState uint8

const (
	chunkSize    chunkState = iota // before a chunk-size line
	chunkData                      // inside chunk data, n bytes left
	chunkDataEnd                   // after chunk data, before its CRLF
	chunkTrailer                   // after the last chunk, in the trailer section
)

// reset prepares b for a body with framing f and content length n.
func (b *Body) reset(br *bufio.Reader, f Framing, n int64, maxTrailer int) {
	*b = Body{br: br, framing: f, n: n, maxTrailer: maxTrailer, trailer: b.trailer}
	b.trailer.reset()
	if f == NoBody || f == Length && n == 0 {
		b.err = io.EOF
	}
}

// Buffered reports whether the rest of the body is already in the read
// buffer, so that reading it needs nothing more from the socket.
func (b *Body) Buffered() bool {
	switch {
	case b.err != nil:
		return true
	case b.framing == Length:
		return int64(b.br.Buffered()) >= b.n
	}
	return false
}

// Done reports whether the body has been read to the end of its framing.
func (b *Body) Done() bool { return b.err == io.EOF }

// Read reads body bytes into p.
func (b *Body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	switch b.framing {
	case Length:
		if int64(len(p)) > b.n {
			p = p[:b.n]
		}
		n, err := b.br.Read(p)
		b.n -= int64(n)
		switch {
		case b.n == 0:
			err = io.EOF
		case err == io.EOF:
			err = io.ErrUnexpectedEOF
		}
		b.err = err
		return n, err
	case Chunked:
		n, err := b.readChunked(p)
		b.err = err
		return n, err
	default: // UntilClose
		n, err := b.br.Read(p)
		b.err = err
		return n, err
	}
}

func (b *Body) readChunked(p []byte) (int, error) {
	for {
		switch b.state {
		case chunkSize:
			size, err := b.readSizeLine()
			if err != nil {
				return 0, err
			}
			if size == 0 {
				b.state = chunkTrailer
				continue
			}
			b.n, b.state = size, chunkData
		case chunkData:
			if int64(len(p)) > b.n {
				p = p[:b.n]
			}
			n, err := b.br.Read(p)
			b.n -= int64(n)
			if b.n == 0 {
				b.state = chunkDataEnd
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			if n > 0 || err != nil {
				return n, err
			}
		case chunkDataEnd:
			crlf, err := b.br.Peek(2)
			if err != nil {
				return 0, unexpected(err)
			}
			if crlf[0] != '\r' || crlf[1] != '\n' {
				return 0, errChunkEnd
			}
			_, _ = b.br.Discard(2)
			b.state = chunkSize
		case chunkTrailer:
			if err := b.readTrailer(); err != nil {
				return 0, err
			}
			return 0, io.EOF
		}
	}
}

// unexpected maps the end of the stream inside the framing to
// io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readSizeLine reads "1*16HEXDIG [BWS ; chunk-ext] CRLF" and returns the
// size. Chunk extensions are checked for control characters and ignored.
func (b *Body) readSizeLine() (int64, error) {
	line, err := b.br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return 0, errChunkTooLong
	case err != nil:
		return 0, unexpected(err)
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return 0, errChunkSize
	}
	line = line[:len(line)-2]
	var size int64
	i := 0
	for ; i < len(line); i++ {
		d, ok := hexDigit(line[i])
		if !ok {
			break
		}
		if i == 16 {
			return 0, errChunkSize
		}
		size = size<<4 | int64(d)
	}
	if i == 0 || size < 0 {
		return 0, errChunkSize
	}
	ext := line[i:]
	for len(ext) > 0 && (ext[0] == ' ' || ext[0] == '\t') {
		ext = ext[1:]
	}
	if len(ext) > 0 {
		if ext[0] != ';' {
			return 0, errChunkSize
		}
		for _, c := range ext {
			if !validValueByte(c) {
				return 0, errChunkSize
			}
		}
	} else if i != len(line) {
		return 0, errChunkSize // whitespace after the size without an extension
	}
	return size, nil
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// readTrailer reads the trailer section: field lines, each ended by CRLF,
// then an empty line, within maxTrailer bytes.
func (b *Body) readTrailer() error {
	h := &b.trailer
	for {
		piece, err := b.br.ReadSlice('\n')
		if len(h.buf)+len(piece) > b.maxTrailer {
			return ErrHeadTooLarge
		}
		h.buf = append(h.buf, piece...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return unexpected(err)
		}
		line := h.buf[h.lineStart:]
		if len(line) < 2 || line[len(line)-2] != '\r' {
			return errTrailerLine
		}
		if len(line) == 2 {
			break
		}
		h.lineStart = len(h.buf)
	}
	if len(h.buf) == 2 {
		return nil
	}
	// The same field rules as the head; the section is parsed as a head
	// without a status line.
	n := 0
	for p := h.buf; ; n++ {
		line, rest, err := cutLine(p)
		if err != nil {
			return err
		}
		if len(line) == 0 {
			break
		}
		if _, _, err := checkField(line); err != nil {
			return err
		}
		p = rest
	}
	s := string(h.buf)
	b.Trailer = make([]Field, 0, n)
	for range n {
		i := indexByte(s, '\n')
		line := s[:i-1] // every trailer line ends in CRLF
		s = s[i+1:]
		colon := indexByte(line, ':')
		b.Trailer = append(b.Trailer, Field{Name: line[:colon], Value: trimOWSString(line[colon+1:])})
	}
	return nil
}
