package convometrics

import (
	"encoding/binary"
	"errors"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"
)

// Limits enforced by [Event.Validate].
const (
	// MaxIDLen is the longest identifier (id, tenant, contact, message, agent,
	// any field other than the free texts), in bytes.
	MaxIDLen = 1024
	// MaxTextLen is the longest free text (suggested, final, an attrs value), in bytes.
	MaxTextLen = 64 << 10
	// MaxAttrs is the largest number of attrs on one event.
	MaxAttrs = 256
	// MaxAmountDigits bounds the number of significant digits of an amount,
	// and MaxAmountScale the digits after the decimal point.
	MaxAmountDigits = 30
	MaxAmountScale  = 12
)

var (
	minTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Validate checks e and returns nil or an error joining one [*EventError] per
// problem (errors.As finds the first; each names the event id and the JSON
// key of the field). The rules:
//
//   - id, tenant and type are required; type must be one of [Types];
//   - time is required and must lie in [1970-01-01, 2262-01-01) UTC;
//   - channel, when set, must be a known [Channel]; sender, when set (and on
//     message.sent it is required), must be a known [Sender];
//   - message.status requires status (any non-empty value; see [Status]);
//   - currency, when set, is three upper-case ASCII letters; an amount other
//     than zero requires a currency; amounts are never negative, have at most
//     [MaxAmountDigits] significant digits and [MaxAmountScale] decimals;
//   - the fields each type requires, as listed on the [Type] constants;
//   - identifiers are valid UTF-8 of at most [MaxIDLen] bytes, free texts at
//     most [MaxTextLen] bytes, at most [MaxAttrs] attrs with non-empty keys.
func (e *Event) Validate() error {
	var errs []error
	add := func(field string, err error, detail string) {
		errs = append(errs, fieldErr(e, field, err, detail))
	}
	req := func(field, v string) {
		if v == "" {
			add(field, ErrRequired, "")
		}
	}

	req("id", e.ID)
	req("tenant", e.Tenant)
	switch {
	case e.Type == "":
		add("type", ErrRequired, "")
	case !e.Type.Known():
		add("type", ErrUnknownValue, strconv.Quote(string(e.Type)))
	}
	switch {
	case e.Time.IsZero():
		add("time", ErrRequired, "")
	case e.Time.Before(minTime) || !e.Time.Before(maxTime):
		add("time", ErrInvalidValue, "outside 1970 to 2262")
	}
	if !e.Channel.Known() {
		add("channel", ErrUnknownValue, strconv.Quote(string(e.Channel)))
	}
	if e.Sender != "" && !e.Sender.Known() {
		add("sender", ErrUnknownValue, strconv.Quote(string(e.Sender)))
	}
	if e.Billable > True {
		add("billable", ErrInvalidValue, "")
	}
	e.checkMoney(add)
	e.checkLengths(add)

	switch e.Type {
	case MessageReceived:
		req("contact", e.Contact)
	case MessageSent:
		req("contact", e.Contact)
		req("sender", string(e.Sender))
	case MessageStatus:
		req("message", e.Message)
		req("status", string(e.Status))
	case ConversationOpened, ConversationUnassigned, ConversationHandoff,
		ConversationResolved, ConversationReopened:
		req("contact", e.Contact)
	case ConversationAssigned:
		req("contact", e.Contact)
		if e.Agent == "" && e.Team == "" {
			add("agent", ErrRequired, "an assignment needs an agent or a team")
		}
	case FlowStarted, FlowCompleted:
		req("contact", e.Contact)
		req("flow", e.Flow)
	case FlowNode:
		req("contact", e.Contact)
		req("flow", e.Flow)
		req("node", e.Node)
	case CampaignTargeted:
		req("contact", e.Contact)
		req("campaign", e.Campaign)
	case CartAdded:
		req("contact", e.Contact)
		req("currency", e.Currency)
	case PaymentLink:
		req("link", e.Link)
		e.positive(add)
		req("currency", e.Currency)
	case PaymentSucceeded, PaymentRefunded:
		req("payment", e.Payment)
		e.positive(add)
		req("currency", e.Currency)
	case GoalReached:
		req("contact", e.Contact)
		req("goal", e.Goal)
	case CreditsTopup:
		e.positive(add)
		req("currency", e.Currency)
	case AssistSuggestion:
		req("agent", e.Agent)
		req("suggested", e.Suggested)
	}
	return errors.Join(errs...)
}

func (e *Event) positive(add func(string, error, string)) {
	if e.Amount.IsZero() {
		add("amount", ErrRequired, "must be greater than zero")
	}
}

func (e *Event) checkMoney(add func(string, error, string)) {
	if e.Currency != "" && !isCurrency(e.Currency) {
		add("currency", ErrInvalidValue, "not an ISO 4217 code (three upper-case letters): "+strconv.Quote(e.Currency))
	}
	if e.Amount.IsNegative() {
		add("amount", ErrInvalidValue, "negative")
	}
	if !e.Amount.IsZero() && e.Currency == "" {
		add("currency", ErrRequired, "an amount needs a currency")
	}
	if !e.Amount.IsZero() {
		if err := checkAmountRange(e.Amount.Exponent(), e.Amount.NumDigits()); err != "" {
			add("amount", ErrInvalidValue, err)
		}
	}
}

func checkAmountRange(exp int32, digits int) string {
	if exp < -MaxAmountScale {
		return "more than 12 decimals"
	}
	if int(exp)+digits > MaxAmountDigits {
		return "more than 30 digits"
	}
	return ""
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// fastStringsOK reports whether every string field of e is ASCII and within
// its length limit, which holds for almost every event and is much cheaper
// to establish than checking field by field. Attrs are not covered.
func (e *Event) fastStringsOK() bool {
	var hi uint64
	long := false
	id := func(v string) {
		if v != "" {
			long = long || len(v) > MaxIDLen
			hi |= highBits(v)
		}
	}
	id(e.ID)
	id(e.Tenant)
	id(e.Inbox)
	id(e.Contact)
	id(e.Conversation)
	id(e.Message)
	id(e.ReplyTo)
	id(e.MessageType)
	id(e.Referral)
	id(e.Agent)
	id(e.Team)
	id(e.Assistant)
	id(e.Template)
	id(e.TemplateCategory)
	id(e.Campaign)
	id(e.CampaignVersion)
	id(e.Flow)
	id(e.FlowVersion)
	id(e.Node)
	id(string(e.Status))
	id(e.ErrorCode)
	id(e.PricingModel)
	id(e.PricingType)
	id(e.PricingCategory)
	id(e.BillingConversation)
	id(e.Country)
	id(e.Goal)
	id(e.Link)
	id(e.Reference)
	id(e.Payment)
	id(e.Provider)
	if long || len(e.Suggested) > MaxTextLen || len(e.Final) > MaxTextLen {
		return false
	}
	if e.Suggested != "" || e.Final != "" {
		hi |= highBits(e.Suggested) | highBits(e.Final)
	}
	return hi&0x8080808080808080 == 0
}

// highBits ORs the bytes of s into a word, so that a set bit 7 in any byte
// of the result means s has a non-ASCII byte.
func highBits(s string) uint64 {
	var acc uint64
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	for len(b) >= 8 {
		acc |= binary.LittleEndian.Uint64(b)
		b = b[8:]
	}
	for _, c := range b {
		acc |= uint64(c)
	}
	return acc
}

func (e *Event) checkLengths(add func(string, error, string)) {
	if e.fastStringsOK() {
		if len(e.Attrs) > 0 {
			e.checkAttrs(add)
		}
		return
	}
	checkString(add, "id", e.ID, MaxIDLen)
	checkString(add, "tenant", e.Tenant, MaxIDLen)
	checkString(add, "inbox", e.Inbox, MaxIDLen)
	checkString(add, "contact", e.Contact, MaxIDLen)
	checkString(add, "conversation", e.Conversation, MaxIDLen)
	checkString(add, "message", e.Message, MaxIDLen)
	checkString(add, "reply_to", e.ReplyTo, MaxIDLen)
	checkString(add, "message_type", e.MessageType, MaxIDLen)
	checkString(add, "referral", e.Referral, MaxIDLen)
	checkString(add, "agent", e.Agent, MaxIDLen)
	checkString(add, "team", e.Team, MaxIDLen)
	checkString(add, "assistant", e.Assistant, MaxIDLen)
	checkString(add, "template", e.Template, MaxIDLen)
	checkString(add, "template_category", e.TemplateCategory, MaxIDLen)
	checkString(add, "campaign", e.Campaign, MaxIDLen)
	checkString(add, "campaign_version", e.CampaignVersion, MaxIDLen)
	checkString(add, "flow", e.Flow, MaxIDLen)
	checkString(add, "flow_version", e.FlowVersion, MaxIDLen)
	checkString(add, "node", e.Node, MaxIDLen)
	checkString(add, "status", string(e.Status), MaxIDLen)
	checkString(add, "error_code", e.ErrorCode, MaxIDLen)
	checkString(add, "pricing_model", e.PricingModel, MaxIDLen)
	checkString(add, "pricing_type", e.PricingType, MaxIDLen)
	checkString(add, "pricing_category", e.PricingCategory, MaxIDLen)
	checkString(add, "billing_conversation", e.BillingConversation, MaxIDLen)
	checkString(add, "country", e.Country, MaxIDLen)
	checkString(add, "goal", e.Goal, MaxIDLen)
	checkString(add, "link", e.Link, MaxIDLen)
	checkString(add, "reference", e.Reference, MaxIDLen)
	checkString(add, "payment", e.Payment, MaxIDLen)
	checkString(add, "provider", e.Provider, MaxIDLen)
	checkString(add, "suggested", e.Suggested, MaxTextLen)
	checkString(add, "final", e.Final, MaxTextLen)
	e.checkAttrs(add)
}

func (e *Event) checkAttrs(add func(string, error, string)) {
	if len(e.Attrs) > MaxAttrs {
		add("attrs", ErrInvalidValue, "more than "+strconv.Itoa(MaxAttrs)+" attributes")
	}
	var bad []string // attrs keys at fault, reported in key order
	for k, v := range e.Attrs {
		if k == "" || len(k) > MaxIDLen || len(v) > MaxTextLen || !utf8.ValidString(k) || !utf8.ValidString(v) {
			bad = append(bad, k)
		}
	}
	slices.Sort(bad)
	for _, k := range bad {
		if k == "" {
			add("attrs", ErrInvalidValue, "empty key")
			continue
		}
		checkString(add, "attrs."+k, k, MaxIDLen)
		checkString(add, "attrs."+k, e.Attrs[k], MaxTextLen)
	}
}

func checkString(add func(string, error, string), field, v string, max int) {
	if v == "" {
		return
	}
	if len(v) > max {
		add(field, ErrInvalidValue, "longer than "+strconv.Itoa(max)+" bytes")
	} else if !utf8.ValidString(v) {
		add(field, ErrInvalidValue, "not valid UTF-8")
	}
}
