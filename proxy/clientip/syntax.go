package clientip

import "strings"

// This file holds the RFC 7230 / RFC 7239 lexical pieces shared by the
// header parsers. None of them allocates.

// trimOWS returns s without leading and trailing optional whitespace
// (SP and HTAB, RFC 7230 §3.2.3).
func trimOWS(s string) string {
	i, j := 0, len(s)
	for i < j && isOWS(s[i]) {
		i++
	}
	for j > i && isOWS(s[j-1]) {
		j--
	}
	return s[i:j]
}

func isOWS(c byte) bool { return c == ' ' || c == '\t' }

// isTchar reports whether c may appear in an RFC 7230 token.
func isTchar(c byte) bool { return tchars[c] }

var tchars = func() (t [256]bool) {
	for c := range 256 {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			t[c] = true
		case strings.IndexByte("!#$%&'*+-.^_`|~", byte(c)) >= 0:
			t[c] = true
		}
	}
	return t
}()

// isQdtext reports whether c may appear unescaped in a quoted-string.
func isQdtext(c byte) bool {
	return c == '\t' || c == ' ' || c == 0x21 || (0x23 <= c && c <= 0x5b) || (0x5d <= c && c <= 0x7e) || c >= 0x80
}

// isQuotedPairChar reports whether c may follow a backslash in a
// quoted-string.
func isQuotedPairChar(c byte) bool {
	return c == '\t' || c == ' ' || (0x21 <= c && c <= 0x7e) || c >= 0x80
}

// quotedStringLen returns the length of the quoted-string that s starts
// with, quotes included, and whether s starts with a well-formed one.
func quotedStringLen(s string) (int, bool) {
	if s == "" || s[0] != '"' {
		return 0, false
	}
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i + 1, true
		case c == '\\':
			if i+1 == len(s) || !isQuotedPairChar(s[i+1]) {
				return 0, false
			}
			i++
		case !isQdtext(c):
			return 0, false
		}
	}
	return 0, false
}

// unquote returns the content of the well-formed quoted-string q (as
// accepted by quotedStringLen) with its quoted-pairs resolved. It allocates
// only when q holds a backslash.
func unquote(q string) string {
	s := q[1 : len(q)-1]
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s)-1)
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		if s[i] == '\\' {
			i++
		}
		b = append(b, s[i])
	}
	return string(b)
}

// openingQuote returns the index of the quote that opens the quoted-string
// whose closing quote is s[end], scanning leftwards, or -1 when there is
// none. A quote preceded by an odd run of backslashes is escaped: the
// character before such a run is not a backslash, so the run starts outside
// any quoted-pair and its parity decides.
func openingQuote(s string, end int) int {
	for j := end - 1; j >= 0; j-- {
		if s[j] != '"' {
			continue
		}
		k := j
		for k > 0 && s[k-1] == '\\' {
			k--
		}
		if (j-k)%2 == 0 {
			return j
		}
		j = k // the loop steps past the backslashes.
	}
	return -1
}

// validPort reports whether s is a decimal port: one to five digits, at
// most 65535.
func validPort(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= 65535
}

// validObfuscated reports whether s is an RFC 7239 §6.3 obfuscated
// identifier: "_" followed by one or more of ALPHA, DIGIT, ".", "_", "-".
func validObfuscated(s string) bool {
	if len(s) < 2 || s[0] != '_' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// validZone reports whether s is a non-empty IPv6 zone made of RFC 3986
// unreserved characters (RFC 6874 without percent-encoding).
func validZone(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}
