package proxy

import "strings"

// queryParam returns the first value of the parameter name in the raw
// query q, still escaped, and whether q has it. It reads q as
// url.ParseQuery does, without building a map: pairs are separated by
// "&"; a pair holding ";" is skipped, and so is one whose key or value is
// not validly percent-encoded; the key, decoded ("+" is a space), must
// equal name. A returned value is validly encoded (see
// [queryUnescapedEqual]). It allocates nothing.
func queryParam(q, name string) (value string, ok bool) {
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if strings.IndexByte(pair, ';') >= 0 {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		if queryUnescapedEqual(key, name) && validQueryEscapes(value) {
			return value, true
		}
	}
	return "", false
}

// queryUnescapedEqual reports whether s, one escaped query component, is
// validly encoded and decodes (as url.QueryUnescape does, "+" to a space)
// to want. It allocates nothing.
func queryUnescapedEqual(s, want string) bool {
	j := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		case '+':
			c = ' '
		}
		if j >= len(want) || want[j] != c {
			return false
		}
		j++
	}
	return j == len(want)
}

// validQueryEscapes reports whether every "%" of s starts a valid escape.
func validQueryEscapes(s string) bool {
	for i := strings.IndexByte(s, '%'); i >= 0; {
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return false
		}
		s = s[i+3:]
		i = strings.IndexByte(s, '%')
	}
	return true
}

// unhex returns the value of the hexadecimal digit c (see isHex).
func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
