package config

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want int64  // when err is ""
		err  string // a part of the error
	}{
		{in: "1", want: 1},
		{in: "1048576", want: 1 << 20},
		{in: "512B", want: 512},
		{in: "512KiB", want: 512 << 10},
		{in: "10MiB", want: 10 << 20},
		{in: "10 MiB", want: 10 << 20},
		{in: "3GiB", want: 3 << 30},
		{in: "1TiB", want: 1 << 40},
		{in: "1099511627776", want: 1 << 40},
		{in: "007KiB", want: 7 << 10},
		{in: "0", err: "a size of 0 allows nothing"},
		{in: "0MiB", err: "a size of 0 allows nothing"},
		{in: "", err: `"" is not a size`},
		{in: "MiB", err: `"MiB" is not a size`},
		{in: "-1", err: `"-1" is not a size`},
		{in: "+1", err: `"+1" is not a size`},
		{in: " 1", err: `" 1" is not a size`},
		{in: "1.5MiB", err: "write a whole number, with a smaller unit"},
		{in: "10MB", err: `unknown unit "MB" (did you mean 10MiB? sizes are binary`},
		{in: "10mb", err: "did you mean 10MiB?"},
		{in: "10m", err: "did you mean 10MiB?"},
		{in: "512k", err: "did you mean 512KiB?"},
		{in: "1G", err: "did you mean 1GiB?"},
		{in: "10mib", err: "did you mean 10MiB?"},
		{in: "10  MiB", err: `unknown unit " MiB"`},
		{in: "10MiB ", err: `unknown unit "MiB "`},
		{in: "10 ", err: `unknown unit " "`},
		{in: "10x", err: `unknown unit "x" (want B, KiB, MiB, GiB or TiB)`},
		{in: "2TiB", err: "larger than 1 TiB"},
		{in: "1099511627777", err: "larger than 1 TiB"},
		{in: "99999999999999999999", err: "larger than 1 TiB"},
	}
	for _, tc := range cases {
		got, err := parseSize(tc.in)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("parseSize(%q) = %d, %v, want %d", tc.in, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("parseSize(%q) = %d, %v, want an error containing %q", tc.in, got, err, tc.err)
		}
	}
}

// FuzzParseSize checks that an accepted size is 1 byte to 1 TiB and that
// its number of bytes reads back the same.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"1", "10MiB", "10 MiB", "1.5MiB", "10MB", "2TiB", "99999999999999999999GiB", "0B"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSize(s)
		if err != nil {
			return
		}
		if n < 1 || n > maxSize {
			t.Fatalf("parseSize(%q) = %d, out of range", s, n)
		}
		if again, err := parseSize(strconv.FormatInt(n, 10)); err != nil || again != n {
			t.Fatalf("parseSize(%q) = %d, then %d, %v", s, n, again, err)
		}
	})
}
