package clientip

import "testing"

func TestTrimOWS(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"none", "a", "a"},
		{"spaces", "  a b  ", "a b"},
		{"tabs", "\ta\t", "a"},
		{"only whitespace", " \t ", ""},
		{"newline is not OWS", "\na\n", "\na\n"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := trimOWS(tt.in); got != tt.want {
				t.Errorf("trimOWS(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestQuotedString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		wantLen int // 0 means malformed
		content string
	}{
		{"simple", `"abc"`, 5, "abc"},
		{"empty", `""`, 2, ""},
		{"followed by more", `"a";b`, 3, "a"},
		{"escaped quote", `"a\"b"`, 6, `a"b`},
		{"escaped backslash", `"a\\"`, 5, `a\`},
		{"escaped backslash then quote closes", `"\\";x`, 4, `\`},
		{"escaped ordinary char", `"\a"`, 4, "a"},
		{"comma inside", `"a,b"`, 5, "a,b"},
		{"space and tab inside", "\"a \tb\"", 6, "a \tb"},
		{"obs-text inside", "\"\xff\"", 3, "\xff"},
		{"unterminated", `"abc`, 0, ""},
		{"escaped closing quote leaves it open", `"abc\"`, 0, ""},
		{"backslash at end", `"abc\`, 0, ""},
		{"control char", "\"a\x01b\"", 0, ""},
		{"DEL", "\"a\x7fb\"", 0, ""},
		{"escaped control char", "\"\\\x01\"", 0, ""},
		{"no opening quote", `abc"`, 0, ""},
		{"empty input", ``, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, ok := quotedStringLen(tt.in)
			if ok != (tt.wantLen > 0) || n != tt.wantLen {
				t.Fatalf("quotedStringLen(%q) = %d, %v, want %d", tt.in, n, ok, tt.wantLen)
			}
			if ok {
				if got := unquote(tt.in[:n]); got != tt.content {
					t.Errorf("unquote(%q) = %q, want %q", tt.in[:n], got, tt.content)
				}
			}
		})
	}
}

func TestOpeningQuote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string // the closing quote is the last byte
		want int
	}{
		{"simple", `x="abc"`, 2},
		{"empty string", `""`, 0},
		{"escaped quote inside", `"a\"b"`, 0},
		{"escaped backslash before opening", `a"\\"`, 1},
		{"three backslashes", `"\\\""`, 0},
		{"two strings picks nearest", `"a","b"`, 4},
		{"no opening", `abc"`, -1},
		{"only escaped quotes", `\"abc"`, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := openingQuote(tt.in, len(tt.in)-1); got != tt.want {
				t.Errorf("openingQuote(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidators(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func(string) bool
		in   string
		want bool
	}{
		{"port one digit", validPort, "8", true},
		{"port max", validPort, "65535", true},
		{"port leading zeros", validPort, "00080", true},
		{"port over max", validPort, "65536", false},
		{"port six digits", validPort, "100000", false},
		{"port empty", validPort, "", false},
		{"port letter", validPort, "8a", false},
		{"obf simple", validObfuscated, "_hidden", true},
		{"obf all classes", validObfuscated, "_a.B-9_", true},
		{"obf underscore only", validObfuscated, "_", false},
		{"obf no underscore", validObfuscated, "hidden", false},
		{"obf bad char", validObfuscated, "_a:b", false},
		{"zone simple", validZone, "eth0", true},
		{"zone unreserved", validZone, "a-b.c_d~e", true},
		{"zone empty", validZone, "", false},
		{"zone percent", validZone, "eth%30", false},
		{"zone space", validZone, "eth 0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.fn(tt.in); got != tt.want {
				t.Errorf("(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
