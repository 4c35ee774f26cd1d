package scim

import (
	"strings"
	"unicode"
)

// countryCodes2 are the two-digit country calling codes (ITU-T E.164);
// 1 and 7 are the one-digit ones, and every other code has three digits.
var countryCodes2 = map[string]bool{
	"20": true, "27": true, "30": true, "31": true, "32": true, "33": true, "34": true, "36": true, "39": true,
	"40": true, "41": true, "43": true, "44": true, "45": true, "46": true, "47": true, "48": true, "49": true,
	"51": true, "52": true, "53": true, "54": true, "55": true, "56": true, "57": true, "58": true,
	"60": true, "61": true, "62": true, "63": true, "64": true, "65": true, "66": true,
	"81": true, "82": true, "84": true, "86": true, "90": true, "91": true, "92": true, "93": true, "94": true,
	"95": true, "98": true,
}

// splitPhone splits an international number ("+44 20 7946 0958", or a
// tel: URI as RFC 3966 writes it) into Roster's region (country calling
// code) and number; the region is "" for a number without a leading +.
func splitPhone(v string) (region, number string) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "tel:")
	v, _, _ = strings.Cut(v, ";") // a tel: URI's parameters
	if !strings.HasPrefix(v, "+") {
		return "", v
	}
	digits := strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return r
		}
		return -1
	}, v)
	n := 3
	switch {
	case len(digits) < 2:
		return "", v
	case digits[0] == '1' || digits[0] == '7':
		n = 1
	case countryCodes2[digits[:2]]:
		n = 2
	}
	if len(digits) <= n {
		return "", v
	}
	return digits[:n], digits[n:]
}
