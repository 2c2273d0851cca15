package whatsapp

import (
	"bytes"
	"encoding/json"

	"github.com/shopspring/decimal"
)

// The wire types mirror the parts of a Cloud API webhook the parser reads.
// Keys the parser does not read are skipped by encoding/json, so new fields
// Meta adds never break parsing. Values whose JSON type varies in the wild
// (timestamps, codes, prices) use the flexible types below, which record what
// they saw and are checked later, where the JSON path is known.

type wBody struct {
	Object string   `json:"object"`
	Entry  []wEntry `json:"entry"`
}

type wEntry struct {
	ID      string    `json:"id"`
	Changes []wChange `json:"changes"`
}

type wChange struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

// wValue is the value of a change whose field is "messages".
type wValue struct {
	Metadata struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		PhoneNumberID      string `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts []wContact `json:"contacts"`
	Messages []wMessage `json:"messages"`
	Statuses []wStatus  `json:"statuses"`
	Errors   []wError   `json:"errors"`
}

type wContact struct {
	WaID    string `json:"wa_id"`
	UserID  string `json:"user_id"`
	Profile struct {
		CountryCode string `json:"country_code"`
	} `json:"profile"`
}

type wMessage struct {
	From        string        `json:"from"`
	FromUserID  string        `json:"from_user_id"`
	ID          string        `json:"id"`
	Timestamp   flexInt       `json:"timestamp"`
	Type        string        `json:"type"`
	Context     *wContext     `json:"context"`
	Referral    *wReferral    `json:"referral"`
	Interactive *wInteractive `json:"interactive"`
	Button      *wButton      `json:"button"`
	Order       *wOrder       `json:"order"`
	Reaction    *wReaction    `json:"reaction"`
	System      *wSystem      `json:"system"`
	Image       *wMedia       `json:"image"`
	Video       *wMedia       `json:"video"`
	Audio       *wMedia       `json:"audio"`
	Document    *wMedia       `json:"document"`
	Sticker     *wMedia       `json:"sticker"`
	Errors      []wError      `json:"errors"`
}

type wContext struct {
	ID                  string `json:"id"`
	Forwarded           bool   `json:"forwarded"`
	FrequentlyForwarded bool   `json:"frequently_forwarded"`
	ReferredProduct     *struct {
		CatalogID         string `json:"catalog_id"`
		ProductRetailerID string `json:"product_retailer_id"`
	} `json:"referred_product"`
}

type wReferral struct {
	SourceURL  string `json:"source_url"`
	SourceID   string `json:"source_id"`
	SourceType string `json:"source_type"`
	Headline   string `json:"headline"`
	MediaType  string `json:"media_type"`
	CtwaClid   string `json:"ctwa_clid"`
}

type wReply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type wInteractive struct {
	Type        string  `json:"type"`
	ButtonReply *wReply `json:"button_reply"`
	ListReply   *wReply `json:"list_reply"`
	NfmReply    *struct {
		Name string `json:"name"`
	} `json:"nfm_reply"`
}

type wButton struct {
	Payload string `json:"payload"`
	Text    string `json:"text"`
}

type wOrder struct {
	CatalogID    string       `json:"catalog_id"`
	ProductItems []wOrderItem `json:"product_items"`
}

type wOrderItem struct {
	ProductRetailerID string      `json:"product_retailer_id"`
	Quantity          flexInt     `json:"quantity"`
	ItemPrice         flexDecimal `json:"item_price"`
	Currency          string      `json:"currency"`
}

type wReaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}

type wSystem struct {
	Type string `json:"type"`
}

type wMedia struct {
	MimeType string `json:"mime_type"`
	Voice    bool   `json:"voice"`
	Animated bool   `json:"animated"`
}

type wStatus struct {
	ID                     string         `json:"id"`
	Status                 string         `json:"status"`
	Timestamp              flexInt        `json:"timestamp"`
	RecipientID            string         `json:"recipient_id"`
	RecipientUserID        string         `json:"recipient_user_id"`
	RecipientType          string         `json:"recipient_type"`
	RecipientParticipantID string         `json:"recipient_participant_id"`
	BizOpaqueCallbackData  string         `json:"biz_opaque_callback_data"`
	Conversation           *wConversation `json:"conversation"`
	Pricing                *wPricing      `json:"pricing"`
	Errors                 []wError       `json:"errors"`
}

type wConversation struct {
	ID                  string  `json:"id"`
	ExpirationTimestamp flexInt `json:"expiration_timestamp"`
	Origin              struct {
		Type string `json:"type"`
	} `json:"origin"`
}

type wPricing struct {
	Billable     *bool  `json:"billable"`
	PricingModel string `json:"pricing_model"`
	Type         string `json:"type"`
	Category     string `json:"category"`
}

type wError struct {
	Code      flexInt   `json:"code"`
	Title     string    `json:"title"`
	Message   string    `json:"message"`
	ErrorData errorData `json:"error_data"`
	Href      string    `json:"href"`
}

// State of a flexible value.
const (
	absent  uint8 = iota // missing or null
	present              // a well-formed value
	invalid              // present but not usable; raw holds it
)

// flexInt is a JSON integer sent either as a number (123) or as a string
// holding one ("123"). Webhook timestamps are strings, analytics and some
// other timestamps numbers; the parser accepts both everywhere. Only
// non-negative integers without sign, fraction or exponent are well formed.
type flexInt struct {
	v     int64
	state uint8
	raw   string // the JSON text, when invalid
}

// UnmarshalJSON records the value; it never fails, so that the parser can
// report a bad value with its full path.
func (f *flexInt) UnmarshalJSON(b []byte) error {
	*f = flexInt{}
	if string(b) == "null" {
		return nil
	}
	s := b
	if len(b) >= 2 && b[0] == '"' {
		s = b[1 : len(b)-1]
		if bytes.IndexByte(s, '\\') >= 0 {
			var str string
			if json.Unmarshal(b, &str) != nil {
				f.bad(b)
				return nil
			}
			s = []byte(str)
		}
	}
	if v, ok := parseUint(s); ok {
		f.v, f.state = v, present
		return nil
	}
	f.bad(b)
	return nil
}

func (f *flexInt) bad(b []byte) {
	f.state = invalid
	if len(b) > 64 {
		b = append(b[:61:61], "..."...)
	}
	f.raw = string(b)
}

// parseUint parses 1 to 18 decimal digits (up to 999,999,999,999,999,999:
// more than any timestamp, count or error code needs).
func parseUint(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// flexDecimal is a JSON number, or a string holding one, read exactly (never
// through float64). Only plain decimals of at most maxDecimalLen characters
// are well formed, which bounds the cost of any arithmetic on them.
type flexDecimal struct {
	d     decimal.Decimal
	state uint8
	raw   string
}

const maxDecimalLen = 40

// UnmarshalJSON records the value; it never fails (see flexInt).
func (f *flexDecimal) UnmarshalJSON(b []byte) error {
	*f = flexDecimal{}
	if string(b) == "null" {
		return nil
	}
	s := b
	if len(b) >= 2 && b[0] == '"' {
		s = b[1 : len(b)-1]
	}
	if d, ok := parsePlainDecimal(s); ok {
		f.d, f.state = d, present
		return nil
	}
	f.state = invalid
	if len(b) > 64 {
		b = append(b[:61:61], "..."...)
	}
	f.raw = string(b)
	return nil
}

// parsePlainDecimal accepts digits with at most one decimal point and no
// sign or exponent ("30", "7.99", "0.5").
func parsePlainDecimal(s []byte) (decimal.Decimal, bool) {
	if len(s) == 0 || len(s) > maxDecimalLen {
		return decimal.Decimal{}, false
	}
	dot := false
	digits := 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return decimal.Decimal{}, false
		}
	}
	if digits == 0 || s[0] == '.' || s[len(s)-1] == '.' {
		return decimal.Decimal{}, false
	}
	d, err := decimal.NewFromString(string(s))
	return d, err == nil
}

// errorData is an error's error_data: an object {"details": "..."} in
// messages webhooks, or a plain string in some Graph API errors.
type errorData struct {
	details string
	state   uint8
}

// UnmarshalJSON records the details; it never fails (see flexInt).
func (e *errorData) UnmarshalJSON(b []byte) error {
	*e = errorData{}
	switch {
	case string(b) == "null":
	case b[0] == '"':
		if json.Unmarshal(b, &e.details) != nil {
			e.state = invalid
		} else {
			e.state = present
		}
	case b[0] == '{':
		var o struct {
			Details *string `json:"details"`
		}
		if json.Unmarshal(b, &o) != nil {
			e.state = invalid
			return nil
		}
		e.state = present
		if o.Details != nil {
			e.details = *o.Details
		}
	default:
		e.state = invalid
	}
	return nil
}
