package h1

import "testing"

func TestValuesHaveToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []string
		token  string
		want   bool
	}{
		{"none", nil, "upgrade", false},
		{"alone", []string{"upgrade"}, "upgrade", true},
		{"case ignored", []string{"Upgrade"}, "upgrade", true},
		{"in a list", []string{"keep-alive, Upgrade"}, "upgrade", true},
		{"in a later value", []string{"keep-alive", "close,upgrade"}, "upgrade", true},
		{"tabs and spaces around", []string{"a,\t upgrade \t,b"}, "upgrade", true},
		{"part of an element", []string{"upgrades"}, "upgrade", false},
		{"element with inner space", []string{"up grade"}, "upgrade", false},
		{"empty elements", []string{",,"}, "upgrade", false},
		{"Kelvin sign is not k", []string{"websoc\u212aet"}, "websocket", false},
		{"long s is not s", []string{"web\u017focket"}, "websocket", false},
		{"vertical tab is not whitespace", []string{"\vupgrade"}, "upgrade", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := ValuesHaveToken(tc.values, tc.token); got != tc.want {
				t.Errorf("ValuesHaveToken(%q, %q) = %v, want %v", tc.values, tc.token, got, tc.want)
			}
		})
	}
}
