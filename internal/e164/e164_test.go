package e164

import "testing"

func TestCountry(t *testing.T) {
	cases := map[string]string{
		"905551112233":      "TR",
		"+90 555 111 22 33": "TR",
		"0049301234567":     "DE",
		"12125551234":       "US",
		"14165551234":       "CA",
		"18095551234":       "DO",
		"18765551234":       "JM",
		"17875551234":       "PR",
		"919876543210":      "IN",
		"971501234567":      "AE",
		"263771234567":      "ZW",
		"77011234567":       "KZ",
		"79161234567":       "RU",
		"5511987654321":     "BR",
		"56912345678":       "CL",
		"abc":               "",
		"user.9373795779eb": "",
		"123":               "",
		"999123456":         "",
	}
	for in, want := range cases {
		if got := Country(in); got != want {
			t.Errorf("Country(%q) = %q, want %q", in, got, want)
		}
	}
}
