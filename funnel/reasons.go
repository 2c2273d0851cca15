package funnel

import "strconv"

// FailureGroup is the reason group of a failed send, from the WhatsApp
// error code of its failed status.
type FailureGroup string

// Failure groups (WHATSAPP.md §2). The codes of each are listed on
// [FailureGroupOf].
const (
	FailRecipient    FailureGroup = "recipient"     // the user cannot or will not receive it
	FailTemplate     FailureGroup = "template"      // the template or its parameters
	FailRateLimit    FailureGroup = "rate_limit"    // throughput, pair, spam and account message limits
	FailAccount      FailureGroup = "account"       // account, payment, integrity, registration, permissions
	FailWindowPolicy FailureGroup = "window_policy" // outside the 24-hour window, unsupported message, bad request
	FailTransient    FailureGroup = "transient"     // server-side, safe to retry
	FailUnknown      FailureGroup = "unknown"       // any other code, or none
)

// FailureGroups returns the groups in a fixed order.
func FailureGroups() []FailureGroup {
	return []FailureGroup{FailRecipient, FailTemplate, FailRateLimit, FailAccount, FailWindowPolicy, FailTransient, FailUnknown}
}

var failureCodes = map[int]FailureGroup{
	// recipient
	131026: FailRecipient, 131050: FailRecipient, 131049: FailRecipient, 130472: FailRecipient,
	131021: FailRecipient, 131030: FailRecipient, 137000: FailRecipient, 131062: FailRecipient,
	// window and policy, and request errors
	131047: FailWindowPolicy, 470: FailWindowPolicy, 131051: FailWindowPolicy, 131052: FailWindowPolicy,
	131053: FailWindowPolicy, 131008: FailWindowPolicy, 131009: FailWindowPolicy, 100: FailWindowPolicy,
	135000: FailWindowPolicy,
	// template
	132000: FailTemplate, 132001: FailTemplate, 132005: FailTemplate, 132007: FailTemplate,
	132012: FailTemplate, 132015: FailTemplate, 132016: FailTemplate, 132018: FailTemplate,
	132068: FailTemplate, 132069: FailTemplate, 131063: FailTemplate, 131055: FailTemplate,
	134100: FailTemplate, 134101: FailTemplate, 134102: FailTemplate,
	// rate limits
	130429: FailRateLimit, 131056: FailRateLimit, 131048: FailRateLimit, 131064: FailRateLimit,
	80007: FailRateLimit, 4: FailRateLimit, 133016: FailRateLimit,
	// account, payment, integrity, registration
	131042: FailAccount, 131044: FailAccount, 368: FailAccount, 131031: FailAccount,
	130497: FailAccount, 131037: FailAccount, 131045: FailAccount, 0: FailAccount,
	3: FailAccount, 10: FailAccount, 190: FailAccount, 33: FailAccount, 134011: FailAccount,
	// transient
	1: FailTransient, 2: FailTransient, 131000: FailTransient, 131016: FailTransient,
	131057: FailTransient, 133004: FailTransient, 2494100: FailTransient,
}

// FailureGroupOf classifies a WhatsApp error code (WHATSAPP.md §2):
//
//	recipient      131026 131050 131049 130472 131021 131030 137000 131062
//	template       132000 132001 132005 132007 132012 132015 132016 132018
//	               132068 132069 131063 131055 134100 134101 134102
//	rate_limit     130429 131056 131048 131064 80007 4 133016
//	account        131042 131044 368 131031 130497 131037 131045
//	               133000–133015 (except 133004) 0 3 10 190 200–299 33 134011
//	window_policy  131047 470 131051 131052 131053 131008 131009 100 135000
//	transient      1 2 131000 131016 131057 133004 2494100
//	unknown        anything else, an empty code, a code that is not a number
//
// The request errors (131008, 131009, 100, 135000), which WHATSAPP.md
// lists under window/policy, are in window_policy.
func FailureGroupOf(code string) FailureGroup {
	n, err := strconv.Atoi(code)
	if err != nil || code == "" {
		return FailUnknown
	}
	if g, ok := failureCodes[n]; ok {
		return g
	}
	if (n >= 133000 && n <= 133015) || (n >= 200 && n <= 299) {
		return FailAccount
	}
	return FailUnknown
}
