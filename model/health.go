package model

import "time"

// PassiveHealth says when an endpoint is ejected for failing requests.
// The zero value means the defaults below.
type PassiveHealth struct {
	// Failures is how many consecutive connection failures or 5xx
	// responses eject an endpoint. Default 5.
	Failures int
	// Ejection is the first ejection's length; each ejection in a row
	// doubles it. Default 5s.
	Ejection time.Duration
	// MaxEjection caps the ejection length. Default 2m.
	MaxEjection time.Duration
}

// WithDefaults returns h with zero values replaced by the defaults above,
// and MaxEjection raised to Ejection when it is shorter.
func (h PassiveHealth) WithDefaults() PassiveHealth {
	if h.Failures <= 0 {
		h.Failures = 5
	}
	if h.Ejection <= 0 {
		h.Ejection = 5 * time.Second
	}
	if h.MaxEjection <= 0 {
		h.MaxEjection = 2 * time.Minute
	}
	if h.MaxEjection < h.Ejection {
		h.MaxEjection = h.Ejection
	}
	return h
}
