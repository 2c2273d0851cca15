package memstore

import (
	"encoding/binary"
	mbits "math/bits"
	"time"
	"unsafe"

	cm "github.com/convometrics/convometrics"
	"github.com/shopspring/decimal"
)

// A record holds every field of an event except those kept in columns
// (time, type, contact). Layout:
//
//	id:     uvarint v; v&1 == 0: v>>1 bytes of the id follow inline;
//	        v&1 == 1: the id is symbol v>>1 (ids longer than maxInlineID)
//	fields: uvarint bitmap of the fields present (bit = field index below),
//	        then each present field's value in bit order:
//	        symbol fields: uvarint id in their table; enums: one byte;
//	        translated: nothing; amount: see putAmount; attrs: uvarint count,
//	        then (key, value) symbol ids.
//
// Fields are numbered by how often they occur, so the bitmap of a typical
// message or status event fits in two bytes.
const (
	fChannel = iota
	fInbox
	fConversation
	fMessage
	fSender
	fStatus
	fPricingModel
	fPricingType
	fPricingCategory
	fBillable
	fCountry
	fAgent
	fTeam
	fAssistant
	fMessageType
	fReplyTo
	fTemplate
	fTemplateCategory
	fCampaign
	fCampaignVersion
	fFlow
	fFlowVersion
	fNode
	fErrorCode
	fReferral
	fBillingConversation
	fGoal
	fAmount
	fCurrency
	fLink
	fReference
	fPayment
	fProvider
	fSuggested
	fFinal
	fTranslated
	fAttrs
)

const maxInlineID = 64

var channelCodes = [...]cm.Channel{"", cm.ChannelWhatsApp, cm.ChannelWebWidget, cm.ChannelAPI, cm.ChannelTest}
var senderCodes = [...]cm.Sender{"", cm.SenderBot, cm.SenderAgent, cm.SenderAI, cm.SenderCampaign, cm.SenderBroadcast}

func channelCode(c cm.Channel) byte {
	for i, v := range channelCodes {
		if v == c {
			return byte(i)
		}
	}
	return 0 // unreachable for validated events
}

func senderCode(s cm.Sender) byte {
	for i, v := range senderCodes {
		if v == s {
			return byte(i)
		}
	}
	return 0
}

// tables are the symbol tables of one tenant.
type tables struct {
	contacts, convs, msgs, syms *symtab
	// last caches, per field, the last value interned and its id: runs of
	// events repeat inboxes, statuses and pricing, and a string comparison
	// is cheaper than a hash lookup.
	last [fAttrs]struct {
		s  string // aliases the symbol table's memory
		id uint32
	}
}

// encode appends e's record to dst, interning its strings in t.
func encode(dst []byte, e *cm.Event, t *tables) []byte {
	if len(e.ID) <= maxInlineID {
		dst = binary.AppendUvarint(dst, uint64(len(e.ID))<<1)
		dst = append(dst, e.ID...)
	} else {
		dst = binary.AppendUvarint(dst, uint64(t.syms.intern(e.ID))<<1|1)
	}
	var bits uint64
	set := func(b int, ok bool) {
		if ok {
			bits |= 1 << b
		}
	}
	set(fChannel, e.Channel != "")
	set(fInbox, e.Inbox != "")
	set(fConversation, e.Conversation != "")
	set(fMessage, e.Message != "")
	set(fSender, e.Sender != "")
	set(fStatus, e.Status != "")
	set(fPricingModel, e.PricingModel != "")
	set(fPricingType, e.PricingType != "")
	set(fPricingCategory, e.PricingCategory != "")
	set(fBillable, e.Billable != cm.Unset)
	set(fCountry, e.Country != "")
	set(fAgent, e.Agent != "")
	set(fTeam, e.Team != "")
	set(fAssistant, e.Assistant != "")
	set(fMessageType, e.MessageType != "")
	set(fReplyTo, e.ReplyTo != "")
	set(fTemplate, e.Template != "")
	set(fTemplateCategory, e.TemplateCategory != "")
	set(fCampaign, e.Campaign != "")
	set(fCampaignVersion, e.CampaignVersion != "")
	set(fFlow, e.Flow != "")
	set(fFlowVersion, e.FlowVersion != "")
	set(fNode, e.Node != "")
	set(fErrorCode, e.ErrorCode != "")
	set(fReferral, e.Referral != "")
	set(fBillingConversation, e.BillingConversation != "")
	set(fGoal, e.Goal != "")
	set(fAmount, !e.Amount.IsZero())
	set(fCurrency, e.Currency != "")
	set(fLink, e.Link != "")
	set(fReference, e.Reference != "")
	set(fPayment, e.Payment != "")
	set(fProvider, e.Provider != "")
	set(fSuggested, e.Suggested != "")
	set(fFinal, e.Final != "")
	set(fTranslated, e.Translated)
	set(fAttrs, len(e.Attrs) > 0)
	dst = binary.AppendUvarint(dst, bits)

	sym := func(b int, tab *symtab, s string) {
		c := &t.last[b]
		if c.s != s || c.s == "" {
			c.id = tab.intern(s)
			c.s = tab.str(c.id)
		}
		dst = binary.AppendUvarint(dst, uint64(c.id))
	}
	for m := bits; m != 0; m &= m - 1 {
		b := mbits.TrailingZeros64(m)
		switch b {
		case fChannel:
			dst = append(dst, channelCode(e.Channel))
		case fInbox:
			sym(b, t.syms, e.Inbox)
		case fConversation:
			sym(b, t.convs, e.Conversation)
		case fMessage:
			sym(b, t.msgs, e.Message)
		case fSender:
			dst = append(dst, senderCode(e.Sender))
		case fStatus:
			sym(b, t.syms, string(e.Status))
		case fPricingModel:
			sym(b, t.syms, e.PricingModel)
		case fPricingType:
			sym(b, t.syms, e.PricingType)
		case fPricingCategory:
			sym(b, t.syms, e.PricingCategory)
		case fBillable:
			dst = append(dst, byte(e.Billable))
		case fCountry:
			sym(b, t.syms, e.Country)
		case fAgent:
			sym(b, t.syms, e.Agent)
		case fTeam:
			sym(b, t.syms, e.Team)
		case fAssistant:
			sym(b, t.syms, e.Assistant)
		case fMessageType:
			sym(b, t.syms, e.MessageType)
		case fReplyTo:
			sym(b, t.msgs, e.ReplyTo)
		case fTemplate:
			sym(b, t.syms, e.Template)
		case fTemplateCategory:
			sym(b, t.syms, e.TemplateCategory)
		case fCampaign:
			sym(b, t.syms, e.Campaign)
		case fCampaignVersion:
			sym(b, t.syms, e.CampaignVersion)
		case fFlow:
			sym(b, t.syms, e.Flow)
		case fFlowVersion:
			sym(b, t.syms, e.FlowVersion)
		case fNode:
			sym(b, t.syms, e.Node)
		case fErrorCode:
			sym(b, t.syms, e.ErrorCode)
		case fReferral:
			sym(b, t.syms, e.Referral)
		case fBillingConversation:
			sym(b, t.syms, e.BillingConversation)
		case fGoal:
			sym(b, t.syms, e.Goal)
		case fAmount:
			dst = putAmount(dst, e.Amount, t.syms)
		case fCurrency:
			sym(b, t.syms, e.Currency)
		case fLink:
			sym(b, t.syms, e.Link)
		case fReference:
			sym(b, t.syms, e.Reference)
		case fPayment:
			sym(b, t.syms, e.Payment)
		case fProvider:
			sym(b, t.syms, e.Provider)
		case fSuggested:
			sym(b, t.syms, e.Suggested)
		case fFinal:
			sym(b, t.syms, e.Final)
		case fTranslated:
		case fAttrs:
			dst = binary.AppendUvarint(dst, uint64(len(e.Attrs)))
			for k, v := range e.Attrs {
				dst = binary.AppendUvarint(dst, uint64(t.syms.intern(k)))
				dst = binary.AppendUvarint(dst, uint64(t.syms.intern(v)))
			}
		}
	}
	return dst
}

// putAmount encodes a decimal: a byte 0, the zig-zag coefficient and the
// exponent when the coefficient fits in an int64; else a byte 1 and the
// decimal string as a symbol.
func putAmount(dst []byte, d decimal.Decimal, syms *symtab) []byte {
	if d.NumDigits() <= 18 {
		dst = append(dst, 0)
		dst = binary.AppendVarint(dst, d.CoefficientInt64())
		return binary.AppendVarint(dst, int64(d.Exponent()))
	}
	dst = append(dst, 1)
	return binary.AppendUvarint(dst, uint64(syms.intern(d.String())))
}

// views are the read-only snapshots of a tenant's tables.
type views struct {
	contacts, convs, msgs, syms symview
}

// recordID returns the id stored at the start of rec and the rest of rec.
func recordID(rec []byte, syms *symview) (string, []byte) {
	v, n := binary.Uvarint(rec)
	rec = rec[n:]
	if v&1 == 1 {
		return syms.str(uint32(v >> 1)), rec
	}
	l := int(v >> 1)
	if l == 0 {
		return "", rec
	}
	return unsafe.String(&rec[0], l), rec[l:]
}

// decode fills e from a record. Strings alias the store's memory, which is
// immutable; attrs get a fresh map.
func decode(rec []byte, v *views, e *cm.Event) {
	e.ID, rec = recordID(rec, &v.syms)
	bits, n := binary.Uvarint(rec)
	rec = rec[n:]
	sym := func(tab *symview) string {
		id, n := binary.Uvarint(rec)
		rec = rec[n:]
		return tab.str(uint32(id))
	}
	for m := bits; m != 0; m &= m - 1 {
		b := mbits.TrailingZeros64(m)
		switch b {
		case fChannel:
			e.Channel = channelCodes[rec[0]]
			rec = rec[1:]
		case fInbox:
			e.Inbox = sym(&v.syms)
		case fConversation:
			e.Conversation = sym(&v.convs)
		case fMessage:
			e.Message = sym(&v.msgs)
		case fSender:
			e.Sender = senderCodes[rec[0]]
			rec = rec[1:]
		case fStatus:
			e.Status = cm.Status(sym(&v.syms))
		case fPricingModel:
			e.PricingModel = sym(&v.syms)
		case fPricingType:
			e.PricingType = sym(&v.syms)
		case fPricingCategory:
			e.PricingCategory = sym(&v.syms)
		case fBillable:
			e.Billable = cm.OptBool(rec[0])
			rec = rec[1:]
		case fCountry:
			e.Country = sym(&v.syms)
		case fAgent:
			e.Agent = sym(&v.syms)
		case fTeam:
			e.Team = sym(&v.syms)
		case fAssistant:
			e.Assistant = sym(&v.syms)
		case fMessageType:
			e.MessageType = sym(&v.syms)
		case fReplyTo:
			e.ReplyTo = sym(&v.msgs)
		case fTemplate:
			e.Template = sym(&v.syms)
		case fTemplateCategory:
			e.TemplateCategory = sym(&v.syms)
		case fCampaign:
			e.Campaign = sym(&v.syms)
		case fCampaignVersion:
			e.CampaignVersion = sym(&v.syms)
		case fFlow:
			e.Flow = sym(&v.syms)
		case fFlowVersion:
			e.FlowVersion = sym(&v.syms)
		case fNode:
			e.Node = sym(&v.syms)
		case fErrorCode:
			e.ErrorCode = sym(&v.syms)
		case fReferral:
			e.Referral = sym(&v.syms)
		case fBillingConversation:
			e.BillingConversation = sym(&v.syms)
		case fGoal:
			e.Goal = sym(&v.syms)
		case fAmount:
			if rec[0] == 0 {
				coef, n := binary.Varint(rec[1:])
				exp, m := binary.Varint(rec[1+n:])
				rec = rec[1+n+m:]
				e.Amount = decimal.New(coef, int32(exp))
			} else {
				rec = rec[1:]
				e.Amount = decimal.RequireFromString(sym(&v.syms))
			}
		case fCurrency:
			e.Currency = sym(&v.syms)
		case fLink:
			e.Link = sym(&v.syms)
		case fReference:
			e.Reference = sym(&v.syms)
		case fPayment:
			e.Payment = sym(&v.syms)
		case fProvider:
			e.Provider = sym(&v.syms)
		case fSuggested:
			e.Suggested = sym(&v.syms)
		case fFinal:
			e.Final = sym(&v.syms)
		case fTranslated:
			e.Translated = true
		case fAttrs:
			cnt, n := binary.Uvarint(rec)
			rec = rec[n:]
			e.Attrs = make(map[string]string, cnt)
			for i := uint64(0); i < cnt; i++ {
				k := sym(&v.syms)
				e.Attrs[k] = sym(&v.syms)
			}
		}
	}
}

// eventTime converts a stored time back to a time.Time in UTC.
func eventTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }
