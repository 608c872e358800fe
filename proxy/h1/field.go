package h1

// Field is one header field. Name is in canonical form ("Content-Type").
type Field struct {
	Name, Value string
}

// tokenTable marks the bytes allowed in an RFC 9110 token.
var tokenTable = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// isToken reports whether b is a non-empty token.
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tokenTable[c] {
			return false
		}
	}
	return true
}

// validValueByte reports whether c may appear in a field value: HTAB, SP,
// visible ASCII and obs-text. CR, LF, NUL, DEL and other controls may not.
func validValueByte(c byte) bool { return valueTable[c] }

var valueTable = func() (t [256]bool) {
	for c := range t {
		t[c] = c == '\t' || (c >= 0x20 && c != 0x7f)
	}
	return t
}()

// canonicalize rewrites the token b in place to canonical form: the first
// letter and every letter after '-' upper case, the rest lower case.
func canonicalize(b []byte) {
	upper := true
	for i, c := range b {
		switch {
		case upper && 'a' <= c && c <= 'z':
			b[i] = c - ('a' - 'A')
		case !upper && 'A' <= c && c <= 'Z':
			b[i] = c + ('a' - 'A')
		}
		upper = c == '-'
	}
}

// trimOWS returns b without leading and trailing SP and HTAB.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// EqualFoldASCII reports whether a and b are equal ignoring ASCII case.
// Unlike strings.EqualFold it does no Unicode folding, so a non-ASCII
// byte only ever matches itself.
func EqualFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// HasToken reports whether the comma-separated list v holds token,
// compared ignoring ASCII case, with optional whitespace around elements.
func HasToken(v, token string) bool {
	for v != "" {
		var elem string
		elem, v = NextElement(v)
		if EqualFoldASCII(elem, token) {
			return true
		}
	}
	return false
}

// ValuesHaveToken reports whether one of the comma-separated lists values
// (the values of one field, as [net/http.Header] holds them) holds token,
// as [HasToken] compares. It is the one comma-token matcher of firsthop's
// data plane: case is ignored for ASCII letters only, and only spaces and
// tabs around an element are optional whitespace.
func ValuesHaveToken(values []string, token string) bool {
	for _, v := range values {
		if HasToken(v, token) {
			return true
		}
	}
	return false
}

// NextElement splits the first element off the comma-separated list v and
// returns it trimmed of optional whitespace (spaces and tabs), with the
// rest of the list; an element may be empty. It is how every comma list
// of the data plane is split for [HasToken] and its kin.
func NextElement(v string) (elem, rest string) {
	i := 0
	for i < len(v) && v[i] != ',' {
		i++
	}
	elem, rest = v[:i], v[min(i+1, len(v)):]
	for elem != "" && (elem[0] == ' ' || elem[0] == '\t') {
		elem = elem[1:]
	}
	for elem != "" && (elem[len(elem)-1] == ' ' || elem[len(elem)-1] == '\t') {
		elem = elem[:len(elem)-1]
	}
	return elem, rest
}
