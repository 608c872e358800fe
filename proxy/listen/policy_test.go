package listen

import (
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
)

func TestParseMode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in      string
		want    Mode
		wantErr bool
	}{
		{"off", ModeOff, false},
		{"optional", ModeOptional, false},
		{"required", ModeRequired, false},
		{"", 0, true},
		{"Required", 0, true},
		{" off", 0, true},
		{"on", 0, true},
		{"Mode(3)", 0, true},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseMode(c.in)
			if (err != nil) != c.wantErr || got != c.want {
				t.Errorf("ParseMode(%q) = %v, %v; want %v, error %v", c.in, got, err, c.want, c.wantErr)
			}
			if err == nil && got.String() != c.in {
				t.Errorf("round trip: %q became %q", c.in, got.String())
			}
		})
	}
}

func TestStrings(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		got  string
		want string
	}{
		{"ModeOff", ModeOff.String(), "off"},
		{"ModeOptional", ModeOptional.String(), "optional"},
		{"ModeRequired", ModeRequired.String(), "required"},
		{"unknown mode", Mode(7).String(), "Mode(7)"},
		{"OutcomeAccepted", OutcomeAccepted.String(), "accepted"},
		{"OutcomeNone", OutcomeNone.String(), "none"},
		{"OutcomeUntrustedSender", OutcomeUntrustedSender.String(), "untrusted-sender"},
		{"OutcomeMissing", OutcomeMissing.String(), "missing"},
		{"OutcomeMalformed", OutcomeMalformed.String(), "malformed"},
		{"OutcomeTimeout", OutcomeTimeout.String(), "timeout"},
		{"unknown outcome", Outcome(9).String(), "Outcome(9)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.got != c.want {
				t.Errorf("got %q, want %q", c.got, c.want)
			}
		})
	}
}

func TestHeaderError(t *testing.T) {
	t.Parallel()
	peer := netip.MustParseAddrPort("10.0.0.1:5")
	e := &HeaderError{Outcome: OutcomeMalformed, Peer: peer, Err: io.ErrUnexpectedEOF}
	if !errors.Is(e, io.ErrUnexpectedEOF) {
		t.Error("HeaderError does not unwrap to its cause")
	}
	for _, want := range []string{"10.0.0.1:5", "malformed", io.ErrUnexpectedEOF.Error()} {
		if !strings.Contains(e.Error(), want) {
			t.Errorf("%q does not mention %q", e.Error(), want)
		}
	}
	if got := (&HeaderError{Outcome: OutcomeTimeout, Peer: peer}).Error(); !strings.Contains(got, "timeout") {
		t.Errorf("%q does not mention the outcome", got)
	}
}

// TestCompile: the defaults and clamps Wrap applies to a Policy.
func TestCompile(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		in          Policy
		wantMode    Mode
		wantTimeout string
	}{
		{"zero", Policy{}, ModeOff, "5s"},
		{"negative timeout", Policy{Mode: ModeOptional, HeaderTimeout: -1}, ModeOptional, "5s"},
		{"explicit timeout", Policy{Mode: ModeRequired, HeaderTimeout: 1500000000}, ModeRequired, "1.5s"},
		{"unknown mode is required", Policy{Mode: 42}, ModeRequired, "5s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := compile(c.in)
			if p.mode != c.wantMode || p.timeout.String() != c.wantTimeout {
				t.Errorf("got mode %v timeout %v, want %v %v", p.mode, p.timeout, c.wantMode, c.wantTimeout)
			}
		})
	}
	// Wrap copies the prefixes.
	cidrs := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	p := compile(Policy{TrustedCIDRs: cidrs})
	cidrs[0] = netip.MustParsePrefix("192.0.2.0/24")
	if !p.trusted.contains(netip.MustParseAddr("10.1.1.1")) || p.trusted.contains(netip.MustParseAddr("192.0.2.1")) {
		t.Error("compiled policy follows later changes to the caller's slice")
	}
}
