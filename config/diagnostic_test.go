package config

import "testing"

func TestDiagnosticString(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		d    Diagnostic
		want string
	}{
		{name: "full", d: Diagnostic{File: "a.yaml", Line: 3, Column: 7, Message: "bad"}, want: "a.yaml:3:7: bad"},
		{name: "line only", d: Diagnostic{File: "a.yaml", Line: 3, Message: "bad"}, want: "a.yaml:3: bad"},
		{name: "file only", d: Diagnostic{File: "a.yaml", Message: "bad"}, want: "a.yaml: bad"},
		{name: "column without line", d: Diagnostic{File: "a.yaml", Column: 7, Message: "bad"}, want: "a.yaml: bad"},
		{name: "no file", d: Diagnostic{Line: 3, Column: 7, Message: "bad"}, want: "3:7: bad"},
		{name: "message only", d: Diagnostic{Message: "bad"}, want: "bad"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.d.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestErrorsError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		errs Errors
		want string
	}{
		{name: "none", errs: nil, want: "no errors"},
		{name: "one", errs: Errors{{File: "f", Line: 1, Column: 2, Message: "x"}}, want: "f:1:2: x"},
		{name: "two", errs: Errors{{File: "f", Line: 1, Column: 2, Message: "x"}, {File: "f", Line: 5, Column: 1, Message: "y"}}, want: "f:1:2: x\nf:5:1: y"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.errs.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}
