package config

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxSize bounds a size at 1 TiB.
const maxSize = 1 << 40

// sizeUnits are the units a size may be written with, binary all: a
// "MB" would leave the reader to guess 10^6 or 2^20.
var sizeUnits = []struct {
	name  string
	bytes int64
}{{"B", 1}, {"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}}

// parseSize parses a size in bytes: a whole number, optionally followed
// by a unit B, KiB, MiB, GiB or TiB (case-sensitive, a space before it
// allowed): "1048576", "512KiB", "10 MiB". It must be 1 byte to 1 TiB.
// Decimal and nginx units (KB, MB, 10m) are refused with the binary
// spelling to write.
func parseSize(s string) (int64, error) {
	digits := strings.TrimLeft(s, "0123456789")
	num, unit := s[:len(s)-len(digits)], digits
	if len(unit) > 1 && unit[0] == ' ' {
		unit = unit[1:]
	}
	if num == "" {
		return 0, fmt.Errorf("%q is not a size (a whole number of bytes, or with a unit: 512KiB, 10MiB, 1GiB)", s)
	}
	if strings.HasPrefix(unit, ".") {
		return 0, fmt.Errorf("%q: write a whole number, with a smaller unit if need be (1536KiB, not 1.5MiB)", s)
	}
	mult := int64(0)
	if unit == "" {
		mult = 1
	}
	for _, u := range sizeUnits {
		if unit == u.name {
			mult = u.bytes
		}
	}
	if mult == 0 {
		return 0, fmt.Errorf("%q: unknown unit %q%s (want B, KiB, MiB, GiB or TiB)", s, unit, unitHint(num, unit))
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > maxSize/mult {
		return 0, fmt.Errorf("%q is larger than 1 TiB", s)
	}
	if n == 0 {
		return 0, fmt.Errorf("%q: a size of 0 allows nothing (leave the key out for no limit)", s)
	}
	return n * mult, nil
}

// unitHint suggests the binary unit for a unit written the decimal or the
// nginx way ("MB", "m", "mib"), or "".
func unitHint(num, unit string) string {
	var want string
	switch strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(unit, "B"), "b")) {
	case "k", "ki":
		want = "KiB"
	case "m", "mi":
		want = "MiB"
	case "g", "gi":
		want = "GiB"
	case "t", "ti":
		want = "TiB"
	default:
		return ""
	}
	return fmt.Sprintf(" (did you mean %s%s? sizes are binary: 1KiB is 1024 bytes)", num, want)
}

// size decodes a size (see [parseSize]); a YAML whole number is a number
// of bytes.
func (d *decoder) size(n *yaml.Node, path string) (int64, bool) {
	s, ok := d.text(n, path, "a size such as 10MiB")
	if !ok {
		return 0, false
	}
	v, err := parseSize(s)
	if err != nil {
		d.errorf(n, "%s: %v", path, err)
		return 0, false
	}
	return v, true
}
