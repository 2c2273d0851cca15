// Package e164 maps international phone numbers to countries by their
// calling code, for engines that price messages by the recipient's market and
// for adapters that keep the country before pseudonymising a number.
package e164

import "strings"

// Country returns the ISO 3166-1 alpha-2 code of the country a phone number
// belongs to, judged by its calling code (and, for +1 and +7, the area code),
// or "" when it cannot tell. The number may carry a leading "+" or "00" and
// spaces or dashes; other characters make it unknown.
func Country(number string) string {
	d, ok := Digits(number)
	if !ok {
		return ""
	}
	if strings.HasPrefix(d, "1") {
		if len(d) < 4 {
			return ""
		}
		if c := nanp(d[1:4]); c != "" {
			return c
		}
		return "US"
	}
	if strings.HasPrefix(d, "7") {
		if len(d) >= 2 && (d[1] == '6' || d[1] == '7') {
			return "KZ"
		}
		return "RU"
	}
	for n := 4; n >= 2; n-- {
		if len(d) > n {
			if c, ok := codes[d[:n]]; ok {
				return c
			}
		}
	}
	return ""
}

// Digits strips "+", a leading "00", spaces, dashes, dots and parentheses
// from number and reports whether what remains is 6 to 15 digits.
func Digits(number string) (string, bool) {
	var b strings.Builder
	s := strings.TrimSpace(number)
	s = strings.TrimPrefix(s, "+")
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	d := strings.TrimPrefix(b.String(), "00")
	if len(d) < 6 || len(d) > 15 {
		return "", false
	}
	return d, true
}

// nanp maps North American Numbering Plan area codes outside the US.
func nanp(area string) string {
	switch area {
	case "204", "226", "236", "249", "250", "263", "289", "306", "343", "354", "365", "367", "368", "382",
		"403", "416", "418", "428", "431", "437", "438", "450", "468", "474", "506", "514", "519", "548",
		"579", "581", "584", "587", "604", "613", "639", "647", "672", "683", "705", "709", "742", "753",
		"778", "780", "782", "807", "819", "825", "867", "873", "879", "902", "905":
		return "CA"
	case "809", "829", "849":
		return "DO"
	case "658", "876":
		return "JM"
	case "787", "939":
		return "PR"
	case "242":
		return "BS"
	case "246":
		return "BB"
	case "264":
		return "AI"
	case "268":
		return "AG"
	case "284":
		return "VG"
	case "340":
		return "VI"
	case "345":
		return "KY"
	case "441":
		return "BM"
	case "473":
		return "GD"
	case "649":
		return "TC"
	case "664":
		return "MS"
	case "670":
		return "MP"
	case "671":
		return "GU"
	case "684":
		return "AS"
	case "721":
		return "SX"
	case "758":
		return "LC"
	case "767":
		return "DM"
	case "784":
		return "VC"
	case "868":
		return "TT"
	case "869":
		return "KN"
	}
	return ""
}

// codes maps calling codes (other than +1 and +7) to ISO 3166-1 alpha-2.
// Where several countries share a code, the main one is listed.
var codes = map[string]string{
	"20": "EG", "211": "SS", "212": "MA", "213": "DZ", "216": "TN", "218": "LY", "220": "GM", "221": "SN",
	"222": "MR", "223": "ML", "224": "GN", "225": "CI", "226": "BF", "227": "NE", "228": "TG", "229": "BJ",
	"230": "MU", "231": "LR", "232": "SL", "233": "GH", "234": "NG", "235": "TD", "236": "CF", "237": "CM",
	"238": "CV", "239": "ST", "240": "GQ", "241": "GA", "242": "CG", "243": "CD", "244": "AO", "245": "GW",
	"246": "IO", "248": "SC", "249": "SD", "250": "RW", "251": "ET", "252": "SO", "253": "DJ", "254": "KE",
	"255": "TZ", "256": "UG", "257": "BI", "258": "MZ", "260": "ZM", "261": "MG", "262": "RE", "263": "ZW",
	"264": "NA", "265": "MW", "266": "LS", "267": "BW", "268": "SZ", "269": "KM", "27": "ZA", "290": "SH",
	"291": "ER", "297": "AW", "298": "FO", "299": "GL",
	"30": "GR", "31": "NL", "32": "BE", "33": "FR", "34": "ES", "350": "GI", "351": "PT", "352": "LU",
	"353": "IE", "354": "IS", "355": "AL", "356": "MT", "357": "CY", "358": "FI", "359": "BG", "36": "HU",
	"370": "LT", "371": "LV", "372": "EE", "373": "MD", "374": "AM", "375": "BY", "376": "AD", "377": "MC",
	"378": "SM", "380": "UA", "381": "RS", "382": "ME", "383": "XK", "385": "HR", "386": "SI", "387": "BA",
	"389": "MK", "39": "IT", "40": "RO", "41": "CH", "420": "CZ", "421": "SK", "423": "LI", "43": "AT",
	"44": "GB", "45": "DK", "46": "SE", "47": "NO", "48": "PL", "49": "DE",
	"500": "FK", "501": "BZ", "502": "GT", "503": "SV", "504": "HN", "505": "NI", "506": "CR", "507": "PA",
	"508": "PM", "509": "HT", "51": "PE", "52": "MX", "53": "CU", "54": "AR", "55": "BR", "56": "CL",
	"57": "CO", "58": "VE", "590": "GP", "591": "BO", "592": "GY", "593": "EC", "594": "GF", "595": "PY",
	"596": "MQ", "597": "SR", "598": "UY", "599": "CW",
	"60": "MY", "61": "AU", "62": "ID", "63": "PH", "64": "NZ", "65": "SG", "66": "TH", "670": "TL",
	"672": "NF", "673": "BN", "674": "NR", "675": "PG", "676": "TO", "677": "SB", "678": "VU", "679": "FJ",
	"680": "PW", "681": "WF", "682": "CK", "683": "NU", "685": "WS", "686": "KI", "687": "NC", "688": "TV",
	"689": "PF", "690": "TK", "691": "FM", "692": "MH",
	"81": "JP", "82": "KR", "84": "VN", "850": "KP", "852": "HK", "853": "MO", "855": "KH", "856": "LA",
	"86": "CN", "880": "BD", "886": "TW",
	"90": "TR", "91": "IN", "92": "PK", "93": "AF", "94": "LK", "95": "MM", "960": "MV", "961": "LB",
	"962": "JO", "963": "SY", "964": "IQ", "965": "KW", "966": "SA", "967": "YE", "968": "OM", "970": "PS",
	"971": "AE", "972": "IL", "973": "BH", "974": "QA", "975": "BT", "976": "MN", "977": "NP", "98": "IR",
	"992": "TJ", "993": "TM", "994": "AZ", "995": "GE", "996": "KG", "998": "UZ",
}
