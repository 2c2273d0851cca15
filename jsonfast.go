package convometrics

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// parseFast decodes the common shape of an event line without reflection:
// one flat object with known keys, string values without escapes, booleans,
// an amount as a plain decimal, and attrs as an object of plain strings. The
// line is copied into one string that every field aliases, so decoding costs
// one allocation (two with attrs, more with an amount).
//
// It gives up (ok == false) on anything else: an unknown key, an escape
// sequence, null, a duplicate attrs key, a malformed line. The caller then
// decodes with encoding/json, whose result and errors are the reference;
// FuzzDecode checks that whenever parseFast succeeds it agrees with that.
func parseFast(line []byte) (ev Event, ok bool) {
	p := fastParser{s: string(line)}
	if !p.byte('{') {
		return Event{}, false
	}
	var rawTime, rawAmount string
	var haveTime, haveAmount, haveAttrs bool
	p.ws()
	if p.peek() == '}' {
		p.i++
		return ev, p.end()
	}
	for {
		key, ok := p.str()
		if !ok || !p.byte(':') {
			return Event{}, false
		}
		p.ws()
		var dst *string
		switch key {
		case "id":
			dst = &ev.ID
		case "tenant":
			dst = &ev.Tenant
		case "type":
			dst = (*string)(&ev.Type)
		case "time":
			if rawTime, ok = p.str(); !ok {
				return Event{}, false
			}
			haveTime = true
		case "channel":
			dst = (*string)(&ev.Channel)
		case "inbox":
			dst = &ev.Inbox
		case "contact":
			dst = &ev.Contact
		case "conversation":
			dst = &ev.Conversation
		case "message":
			dst = &ev.Message
		case "reply_to":
			dst = &ev.ReplyTo
		case "message_type":
			dst = &ev.MessageType
		case "referral":
			dst = &ev.Referral
		case "sender":
			dst = (*string)(&ev.Sender)
		case "agent":
			dst = &ev.Agent
		case "team":
			dst = &ev.Team
		case "assistant":
			dst = &ev.Assistant
		case "template":
			dst = &ev.Template
		case "template_category":
			dst = &ev.TemplateCategory
		case "campaign":
			dst = &ev.Campaign
		case "campaign_version":
			dst = &ev.CampaignVersion
		case "flow":
			dst = &ev.Flow
		case "flow_version":
			dst = &ev.FlowVersion
		case "node":
			dst = &ev.Node
		case "status":
			dst = (*string)(&ev.Status)
		case "error_code":
			dst = &ev.ErrorCode
		case "pricing_model":
			dst = &ev.PricingModel
		case "pricing_type":
			dst = &ev.PricingType
		case "pricing_category":
			dst = &ev.PricingCategory
		case "billable":
			b, ok := p.boolean()
			if !ok {
				return Event{}, false
			}
			ev.Billable = OptBoolOf(b)
		case "billing_conversation":
			dst = &ev.BillingConversation
		case "country":
			dst = &ev.Country
		case "goal":
			dst = &ev.Goal
		case "amount":
			if p.peek() == '"' {
				rawAmount, ok = p.str()
			} else {
				rawAmount, ok = p.number()
			}
			if !ok {
				return Event{}, false
			}
			haveAmount = true
		case "currency":
			dst = &ev.Currency
		case "link":
			dst = &ev.Link
		case "reference":
			dst = &ev.Reference
		case "payment":
			dst = &ev.Payment
		case "provider":
			dst = &ev.Provider
		case "suggested":
			dst = &ev.Suggested
		case "final":
			dst = &ev.Final
		case "translated":
			if ev.Translated, ok = p.boolean(); !ok {
				return Event{}, false
			}
		case "attrs":
			if haveAttrs || !p.attrs(&ev) {
				return Event{}, false
			}
			haveAttrs = true
		default:
			return Event{}, false
		}
		if dst != nil {
			if *dst, ok = p.str(); !ok {
				return Event{}, false
			}
		}
		p.ws()
		switch p.peek() {
		case ',':
			p.i++
			continue
		case '}':
			p.i++
		default:
			return Event{}, false
		}
		break
	}
	if !p.end() {
		return Event{}, false
	}
	if haveTime {
		t, err := time.Parse(time.RFC3339Nano, rawTime)
		if err != nil {
			return Event{}, false
		}
		ev.Time = t
	}
	if haveAmount {
		if !plainDecimal(rawAmount) {
			return Event{}, false
		}
		intPart, frac, _ := strings.Cut(strings.TrimPrefix(rawAmount, "-"), ".")
		if len(strings.TrimLeft(intPart, "0")) > MaxAmountDigits || len(frac) > MaxAmountScale {
			return Event{}, false
		}
		d, err := decimal.NewFromString(rawAmount)
		if err != nil {
			return Event{}, false
		}
		ev.Amount = d
	}
	return ev, true
}

type fastParser struct {
	s string
	i int
}

func (p *fastParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *fastParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// byte skips whitespace and consumes c.
func (p *fastParser) byte(c byte) bool {
	p.ws()
	if p.peek() != c {
		return false
	}
	p.i++
	return true
}

// end reports whether only whitespace remains.
func (p *fastParser) end() bool {
	p.ws()
	return p.i == len(p.s)
}

// str reads a string without escapes or control characters, returning a
// substring of the line.
func (p *fastParser) str() (string, bool) {
	p.ws()
	if p.peek() != '"' {
		return "", false
	}
	start := p.i + 1
	ascii := true
	for j := start; j < len(p.s); j++ {
		c := p.s[j]
		switch {
		case c == '"':
			p.i = j + 1
			v := p.s[start:j]
			if !ascii && !utf8.ValidString(v) {
				return "", false
			}
			return v, true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

func (p *fastParser) boolean() (bool, bool) {
	switch {
	case strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		return true, true
	case strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		return false, true
	}
	return false, false
}

// number reads a JSON number's text (validated later as a plain decimal).
func (p *fastParser) number() (string, bool) {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if (c >= '0' && c <= '9') || c == '-' || c == '.' {
			p.i++
			continue
		}
		break
	}
	if p.i == start {
		return "", false
	}
	// A JSON number may not have leading zeros ("01"); leave those to
	// encoding/json's error.
	n := strings.TrimPrefix(p.s[start:p.i], "-")
	if len(n) > 1 && n[0] == '0' && n[1] != '.' {
		return "", false
	}
	return p.s[start:p.i], true
}

// attrs reads an object of strings; a repeated key gives up.
func (p *fastParser) attrs(ev *Event) bool {
	if !p.byte('{') {
		return false
	}
	m := make(map[string]string)
	p.ws()
	if p.peek() == '}' {
		p.i++
		ev.Attrs = m
		return true
	}
	for {
		k, ok := p.str()
		if !ok || !p.byte(':') {
			return false
		}
		v, ok := p.str()
		if !ok {
			return false
		}
		if _, dup := m[k]; dup {
			return false
		}
		m[k] = v
		p.ws()
		switch p.peek() {
		case ',':
			p.i++
			continue
		case '}':
			p.i++
			ev.Attrs = m
			return true
		}
		return false
	}
}
