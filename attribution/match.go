package attribution

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
	"github.com/shopspring/decimal"
)

// DefaultReferenceWindow is how long after a link is sent a payment that
// names only the link's reference still matches it, when
// [MatchQuery.ReferenceWindow] is 0.
const DefaultReferenceWindow = 7 * 24 * time.Hour

// MatchQuery selects the payments to match.
type MatchQuery struct {
	// Tenant is required.
	Tenant string `json:"tenant"`
	// Range selects the payments whose time is in it (half-open; the zero
	// Range is all of time). Links, refunds and failed attempts are read
	// from any time, so a payment early in the range still finds a link
	// sent before it, and a refund made after the range still counts.
	Range cm.Range `json:"range"`
	// ReferenceWindow is the longest time from a link to a payment that
	// matches it by reference only; 0 means [DefaultReferenceWindow].
	ReferenceWindow time.Duration `json:"reference_window_ns"`
	// IncludeTest keeps test-channel payments and links, which are left
	// out by default.
	IncludeTest bool `json:"include_test"`
}

// Validate reports a query that cannot be answered, naming the field.
func (q MatchQuery) Validate() error {
	if q.Tenant == "" {
		return fmt.Errorf("attribution: tenant: %w", cm.ErrNoTenant)
	}
	if q.ReferenceWindow < 0 {
		return fmt.Errorf("attribution: reference_window: %w: %s is negative", cm.ErrInvalidValue, q.ReferenceWindow)
	}
	if !q.Range.From.IsZero() && !q.Range.To.IsZero() && !q.Range.From.Before(q.Range.To) {
		return fmt.Errorf("attribution: range: %w: %s", cm.ErrEmptyRange, q.Range)
	}
	return nil
}

func (q MatchQuery) window() time.Duration {
	if q.ReferenceWindow == 0 {
		return DefaultReferenceWindow
	}
	return q.ReferenceWindow
}

// MatchKind says how a payment was matched to its link.
type MatchKind string

// How payments match links.
const (
	// ByLink: the payment names the link's id. The id is proof, so no
	// window applies.
	ByLink MatchKind = "link"
	// ByReference: the payment names only a reference, and a link with that
	// reference was sent at most the reference window before it.
	ByReference MatchKind = "reference"
)

// Reason says why a payment matched no link.
type Reason string

// Reasons a payment is unmatched, in the order they are tested.
const (
	// NoLinkOrReference: the payment names neither a link nor a reference.
	NoLinkOrReference Reason = "no_link_or_reference"
	// OutsideWindow: links with the payment's reference exist, but none
	// was sent in the reference window before the payment (they were sent
	// after it, or too long before).
	OutsideWindow Reason = "outside_window"
	// UnknownReference: no link carries the payment's reference (and the
	// link id it names, if any, is unknown too).
	UnknownReference Reason = "unknown_reference"
	// UnknownLink: the payment names a link id that no link event has, and
	// no reference.
	UnknownLink Reason = "unknown_link"
)

// Reasons returns the reasons in a fixed order.
func Reasons() []Reason {
	return []Reason{NoLinkOrReference, OutsideWindow, UnknownReference, UnknownLink}
}

// MatchedPayment is a successful payment made through a payment link sent
// in a conversation: chatbot revenue.
type MatchedPayment struct {
	// Payment is the payment id; Time the time of the payment (of its
	// first delivery when the provider sent it several times).
	Payment string    `json:"payment"`
	Time    time.Time `json:"time"`
	// Contact is the payment's contact, or the link's contact when the
	// payment has none.
	Contact string `json:"contact,omitempty"`
	// Amount is what was paid, Refunded the sum of the refunds of this
	// payment in its currency (at most Amount). Net() is the revenue.
	Amount   decimal.Decimal `json:"amount"`
	Refunded decimal.Decimal `json:"refunded"`
	Currency string          `json:"currency"`
	// By says how the payment matched; Link and LinkTime identify the link.
	By       MatchKind `json:"by"`
	Link     string    `json:"link"`
	LinkTime time.Time `json:"link_time"`
	// CurrencyMismatch reports a payment in another currency than its
	// link's (the payment still matches).
	CurrencyMismatch bool `json:"currency_mismatch,omitempty"`
	// Campaign, Template, Flow, Agent and Conversation come from the link
	// event: who sent the link, in which conversation.
	Campaign     string `json:"campaign,omitempty"`
	Template     string `json:"template,omitempty"`
	Flow         string `json:"flow,omitempty"`
	Agent        string `json:"agent,omitempty"`
	Conversation string `json:"conversation,omitempty"`
	// Team is the link event's team.
	Team string `json:"team,omitempty"`
	// Reference and Provider are the payment's.
	Reference string `json:"reference,omitempty"`
	Provider  string `json:"provider,omitempty"`
	// LinkAmount and LinkCurrency are what the link asked for.
	LinkAmount   decimal.Decimal `json:"link_amount"`
	LinkCurrency string          `json:"link_currency"`
	// Duplicates counts further payment.succeeded events with the same
	// payment id (re-deliveries under another event id), which were ignored.
	Duplicates int `json:"duplicates,omitempty"`
}

// Net returns Amount minus Refunded: the payment's revenue.
func (m *MatchedPayment) Net() decimal.Decimal { return m.Amount.Sub(m.Refunded) }

// UnmatchedPayment is a successful payment that matched no link: it is
// not chatbot revenue.
type UnmatchedPayment struct {
	Payment   string          `json:"payment"`
	Time      time.Time       `json:"time"`
	Contact   string          `json:"contact,omitempty"`
	Amount    decimal.Decimal `json:"amount"`
	Refunded  decimal.Decimal `json:"refunded"`
	Currency  string          `json:"currency"`
	Link      string          `json:"link,omitempty"`
	Reference string          `json:"reference,omitempty"`
	Provider  string          `json:"provider,omitempty"`
	Reason    Reason          `json:"reason"`
	// Duplicates as for [MatchedPayment].
	Duplicates int `json:"duplicates,omitempty"`
}

// Link is a payment link that was sent: the payment.link event.
type Link struct {
	Link         string          `json:"link"`
	Reference    string          `json:"reference,omitempty"`
	Time         time.Time       `json:"time"`
	Contact      string          `json:"contact,omitempty"`
	Conversation string          `json:"conversation,omitempty"`
	Channel      cm.Channel      `json:"channel,omitempty"`
	Campaign     string          `json:"campaign,omitempty"`
	Template     string          `json:"template,omitempty"`
	Flow         string          `json:"flow,omitempty"`
	Agent        string          `json:"agent,omitempty"`
	Team         string          `json:"team,omitempty"`
	Amount       decimal.Decimal `json:"amount"`
	Currency     string          `json:"currency"`
	// FailedAttempts counts payment.failed events matched to the link by
	// the same rules as payments.
	FailedAttempts int `json:"failed_attempts,omitempty"`
}

// Matching is the answer of [MatchPayments].
type Matching struct {
	Query MatchQuery `json:"query"`
	// Matched are the payments in the range that matched a link, in order
	// of (time, payment id).
	Matched []MatchedPayment `json:"matched"`
	// Unmatched are the payments in the range that matched none, in the
	// same order.
	Unmatched []UnmatchedPayment `json:"unmatched"`
	// Unpaid are the links sent in the range that no successful payment
	// (at any time) matched, in order of (time, link id).
	Unpaid []Link      `json:"unpaid"`
	Totals MatchTotals `json:"totals"`
}

// MatchTotals sums a [Matching]. Amounts are per currency.
type MatchTotals struct {
	// Matched payments, their amounts, refunds and net revenue (chatbot
	// revenue = Gross - Refunded).
	Matched  int        `json:"matched"`
	Gross    cm.Amounts `json:"gross"`
	Refunded cm.Amounts `json:"refunded"`
	Revenue  cm.Amounts `json:"revenue"`
	// ByLink and ByReference split Matched by how they matched.
	ByLink      int `json:"by_link"`
	ByReference int `json:"by_reference"`
	// CurrencyMismatches counts matched payments flagged CurrencyMismatch.
	CurrencyMismatches int `json:"currency_mismatches"`
	// Unmatched payments, their amounts, and their count per reason.
	Unmatched       int            `json:"unmatched"`
	UnmatchedAmount cm.Amounts     `json:"unmatched_amount"`
	UnmatchedBy     map[Reason]int `json:"unmatched_by_reason"`
	// Unpaid links and the amounts they asked for.
	Unpaid       int        `json:"unpaid"`
	UnpaidAmount cm.Amounts `json:"unpaid_amount"`
	// DuplicatePayments counts ignored re-deliveries of payments in the
	// range (matched or not).
	DuplicatePayments int `json:"duplicate_payments"`
	// OrphanRefunds counts refund events naming a payment id that no
	// payment.succeeded event has; RefundCurrencyMismatches counts refunds
	// in another currency than their payment's. Neither is subtracted.
	OrphanRefunds            int `json:"orphan_refunds"`
	RefundCurrencyMismatches int `json:"refund_currency_mismatches"`
}

// paymentTypes are the event types matching reads.
var paymentTypes = []cm.Type{cm.PaymentLink, cm.PaymentSucceeded, cm.PaymentRefunded, cm.PaymentFailed}

// paymentFields are the frame columns matching reads.
var paymentFields = frame.Of(frame.ID, frame.Link, frame.Reference, frame.Payment, frame.Currency,
	frame.Channel, frame.Provider, frame.Conversation, frame.Campaign, frame.Template, frame.Flow,
	frame.Agent, frame.Team)

// MatchPayments matches the tenant's successful payments in q.Range to the
// payment links sent in its conversations. See the package documentation
// for the rules; the result does not depend on the order events were
// stored in.
func MatchPayments(ctx context.Context, r cm.Reader, q MatchQuery) (*Matching, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	acc, err := readPayments(ctx, r, q.Tenant, cm.Partition{})
	if err != nil {
		return nil, err
	}
	return acc.Result(q), nil
}

// readPayments folds the payment events of one partition of the tenant.
func readPayments(ctx context.Context, r cm.Reader, tenant string, p cm.Partition) (*MatchAccumulator, error) {
	f, err := frame.Get(ctx, r, frame.Spec{
		Query:  cm.Query{Tenant: tenant, Types: paymentTypes, Partition: p},
		Fields: paymentFields,
		Amount: true,
	})
	if err != nil {
		return nil, fmt.Errorf("attribution: reading payments: %w", err)
	}
	acc := NewMatchAccumulator()
	acc.AddFrame(f, 0, f.Len())
	return acc, ctx.Err()
}

// MatchAccumulator collects the events payment matching needs: links,
// successful and failed payments, and refunds. It is the mergeable state
// behind [MatchPayments]: fold each partition of a tenant's events into its
// own accumulator, merge them, and take the Result. Matching itself happens
// in Result, on the merged state, so a payment without a contact (which
// lives in partition 0) still finds the link sent to a contact in another
// partition. Add and AddFrame keep each event once by its event id, so
// adding an event twice, or merging an accumulator with itself, changes
// nothing. The zero value is not ready; use [NewMatchAccumulator].
type MatchAccumulator struct {
	links    map[string]*linkRec  // by link id: the first (time, event id) link event
	payments map[string]*payRec   // by payment id: the first payment.succeeded event
	refunds  map[string]refundRec // by event id
	failed   map[string]failRec   // by event id
}

type linkRec struct {
	Link
	id string // event id
	ns int64
}

type payRec struct {
	id                 string
	ns                 int64
	payment, link, ref string
	contact, provider  string
	currency           string
	amount             decimal.Decimal
	test               bool
	ids                []string // event ids of every delivery, sorted
}

type refundRec struct {
	payment  string
	amount   decimal.Decimal
	currency string
}

type failRec struct {
	ns        int64
	link, ref string
}

// NewMatchAccumulator returns an empty accumulator.
func NewMatchAccumulator() *MatchAccumulator {
	return &MatchAccumulator{
		links:    map[string]*linkRec{},
		payments: map[string]*payRec{},
		refunds:  map[string]refundRec{},
		failed:   map[string]failRec{},
	}
}

// Add folds one event; events of other types than payment.link,
// payment.succeeded, payment.failed and payment.refunded are ignored.
func (a *MatchAccumulator) Add(e *cm.Event) {
	switch e.Type {
	case cm.PaymentLink:
		a.addLink(&linkRec{id: e.ID, ns: e.Time.UnixNano(), Link: Link{
			Link: e.Link, Reference: e.Reference, Time: e.Time, Contact: e.Contact, Conversation: e.Conversation,
			Channel: e.Channel, Campaign: e.Campaign, Template: e.Template, Flow: e.Flow, Agent: e.Agent,
			Team: e.Team, Amount: e.Amount, Currency: e.Currency,
		}})
	case cm.PaymentSucceeded:
		a.addPayment(&payRec{id: e.ID, ns: e.Time.UnixNano(), payment: e.Payment, link: e.Link, ref: e.Reference,
			contact: e.Contact, provider: e.Provider, currency: e.Currency, amount: e.Amount, test: e.IsTest()})
	case cm.PaymentRefunded:
		a.refunds[e.ID] = refundRec{payment: e.Payment, amount: e.Amount, currency: e.Currency}
	case cm.PaymentFailed:
		a.failed[e.ID] = failRec{ns: e.Time.UnixNano(), link: e.Link, ref: e.Reference}
	}
}

// AddFrame folds rows [lo, hi) of a frame carrying at least the payment
// types and the columns MatchPayments reads.
func (a *MatchAccumulator) AddFrame(f *frame.Frame, lo, hi int) {
	var (
		ids, links, refs, pays = f.Col(frame.ID), f.Col(frame.Link), f.Col(frame.Reference), f.Col(frame.Payment)
		curs, chans, provs     = f.Col(frame.Currency), f.Col(frame.Channel), f.Col(frame.Provider)
	)
	str := func(c frame.Field, r int) string { return f.Str(c, r) }
	for r := lo; r < hi; r++ {
		id := f.Dict(frame.ID).Str(ids[r])
		switch f.TypeOf(r) {
		case cm.PaymentLink:
			a.addLink(&linkRec{id: id, ns: f.Time[r], Link: Link{
				Link: f.Dict(frame.Link).Str(links[r]), Reference: f.Dict(frame.Reference).Str(refs[r]),
				Time: time.Unix(0, f.Time[r]).UTC(), Contact: f.ContactOf(r), Conversation: str(frame.Conversation, r),
				Channel: cm.Channel(f.Dict(frame.Channel).Str(chans[r])), Campaign: str(frame.Campaign, r),
				Template: str(frame.Template, r), Flow: str(frame.Flow, r), Agent: str(frame.Agent, r),
				Team: str(frame.Team, r), Amount: f.Amount(r), Currency: f.Dict(frame.Currency).Str(curs[r]),
			}})
		case cm.PaymentSucceeded:
			a.addPayment(&payRec{id: id, ns: f.Time[r], payment: f.Dict(frame.Payment).Str(pays[r]),
				link: f.Dict(frame.Link).Str(links[r]), ref: f.Dict(frame.Reference).Str(refs[r]),
				contact: f.ContactOf(r), provider: f.Dict(frame.Provider).Str(provs[r]),
				currency: f.Dict(frame.Currency).Str(curs[r]), amount: f.Amount(r),
				test: cm.Channel(f.Dict(frame.Channel).Str(chans[r])) == cm.ChannelTest})
		case cm.PaymentRefunded:
			a.refunds[id] = refundRec{payment: f.Dict(frame.Payment).Str(pays[r]), amount: f.Amount(r),
				currency: f.Dict(frame.Currency).Str(curs[r])}
		case cm.PaymentFailed:
			a.failed[id] = failRec{ns: f.Time[r], link: f.Dict(frame.Link).Str(links[r]), ref: f.Dict(frame.Reference).Str(refs[r])}
		}
	}
}

// before reports whether event (ns, id) comes before (ons, oid) in scan
// order.
func before(ns int64, id string, ons int64, oid string) bool {
	return ns < ons || (ns == ons && id < oid)
}

// addLink keeps the first (time, event id) link event of each link id.
// l must be owned by a.
func (a *MatchAccumulator) addLink(l *linkRec) {
	if old := a.links[l.Link.Link]; old == nil || before(l.ns, l.id, old.ns, old.id) {
		a.links[l.Link.Link] = l
	}
}

// addPayment keeps the first (time, event id) delivery of each payment id
// and the set of every delivery's event id. p must be owned by a.
func (a *MatchAccumulator) addPayment(p *payRec) {
	if len(p.ids) == 0 {
		p.ids = []string{p.id}
	}
	old := a.payments[p.payment]
	if old == nil {
		a.payments[p.payment] = p
		return
	}
	ids := unionSorted(old.ids, p.ids)
	if before(p.ns, p.id, old.ns, old.id) {
		*old = *p
	}
	old.ids = ids
}

// unionSorted returns the sorted union of two sorted sets in a new slice.
func unionSorted(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	return out
}

// Merge adds everything o holds to a. It is associative and commutative,
// and o is left unchanged (records are shared, never modified after).
func (a *MatchAccumulator) Merge(o *MatchAccumulator) {
	for _, l := range o.links {
		c := *l
		a.addLink(&c)
	}
	for _, p := range o.payments {
		c := *p
		a.addPayment(&c)
	}
	for id, r := range o.refunds {
		a.refunds[id] = r
	}
	for id, r := range o.failed {
		a.failed[id] = r
	}
}

// linkIndex finds links by id and by reference.
type linkIndex struct {
	byID  map[string]*linkRec
	byRef map[string][]*linkRec // each in (time, event id) order
}

func (a *MatchAccumulator) index() linkIndex {
	ix := linkIndex{byID: a.links, byRef: map[string][]*linkRec{}}
	for _, l := range a.links {
		if l.Reference != "" {
			ix.byRef[l.Reference] = append(ix.byRef[l.Reference], l)
		}
	}
	for _, ls := range ix.byRef {
		slices.SortFunc(ls, func(x, y *linkRec) int {
			if c := cmp.Compare(x.ns, y.ns); c != 0 {
				return c
			}
			return strings.Compare(x.id, y.id)
		})
	}
	return ix
}

// match finds the link of a payment (or failed attempt) at ns naming link
// and ref: by link id, else the latest link with ref sent at or before ns
// and at most window before it.
func (ix *linkIndex) match(ns int64, link, ref string, window time.Duration) (*linkRec, MatchKind, Reason) {
	if link != "" {
		if l := ix.byID[link]; l != nil {
			return l, ByLink, ""
		}
	}
	if ref == "" {
		if link == "" {
			return nil, "", NoLinkOrReference
		}
		return nil, "", UnknownLink
	}
	ls := ix.byRef[ref]
	if len(ls) == 0 {
		return nil, "", UnknownReference
	}
	// The latest link at or before ns: links at ns count as before.
	k, _ := slices.BinarySearchFunc(ls, ns, func(l *linkRec, t int64) int {
		if l.ns <= t {
			return -1
		}
		return 1
	})
	if k == 0 {
		return nil, "", OutsideWindow
	}
	l := ls[k-1]
	if ns-l.ns > int64(window) {
		return nil, "", OutsideWindow
	}
	return l, ByReference, ""
}

// Result matches the collected payments as q asks (q.Tenant is not used:
// the accumulator holds one tenant's events).
func (a *MatchAccumulator) Result(q MatchQuery) *Matching {
	window := q.window()
	ix := a.index()
	from, to := q.Range.UnixNano()

	pays := make([]*payRec, 0, len(a.payments))
	for _, p := range a.payments {
		pays = append(pays, p)
	}
	slices.SortFunc(pays, func(x, y *payRec) int {
		if c := cmp.Compare(x.ns, y.ns); c != 0 {
			return c
		}
		return strings.Compare(x.payment, y.payment)
	})

	// Refunds, per payment, in the payment's currency.
	m := &Matching{Query: q, Matched: []MatchedPayment{}, Unmatched: []UnmatchedPayment{}, Unpaid: []Link{}}
	tot := &m.Totals
	tot.UnmatchedBy = map[Reason]int{}
	refunded := map[string]decimal.Decimal{}
	for _, rf := range a.refunds {
		p := a.payments[rf.payment]
		switch {
		case p == nil:
			tot.OrphanRefunds++
		case rf.currency != p.currency:
			tot.RefundCurrencyMismatches++
		default:
			refunded[rf.payment] = refunded[rf.payment].Add(rf.amount)
		}
	}

	paid := map[*linkRec]bool{}
	for _, p := range pays {
		l, by, reason := ix.match(p.ns, p.link, p.ref, window)
		if l != nil {
			paid[l] = true
		}
		if (p.test || (l != nil && l.Channel == cm.ChannelTest)) && !q.IncludeTest {
			continue
		}
		if p.ns < from || p.ns >= to {
			continue
		}
		ref := refunded[p.payment]
		if ref.GreaterThan(p.amount) {
			ref = p.amount
		}
		tot.DuplicatePayments += len(p.ids) - 1
		if l == nil {
			m.Unmatched = append(m.Unmatched, UnmatchedPayment{
				Payment: p.payment, Time: time.Unix(0, p.ns).UTC(), Contact: p.contact, Amount: p.amount,
				Refunded: ref, Currency: p.currency, Link: p.link, Reference: p.ref, Provider: p.provider,
				Reason: reason, Duplicates: len(p.ids) - 1,
			})
			tot.Unmatched++
			tot.UnmatchedAmount = tot.UnmatchedAmount.Add(p.currency, p.amount)
			tot.UnmatchedBy[reason]++
			continue
		}
		contact := p.contact
		if contact == "" {
			contact = l.Contact
		}
		mp := MatchedPayment{
			Payment: p.payment, Time: time.Unix(0, p.ns).UTC(), Contact: contact, Amount: p.amount, Refunded: ref,
			Currency: p.currency, By: by, Link: l.Link.Link, LinkTime: l.Time, CurrencyMismatch: p.currency != l.Currency,
			Campaign: l.Campaign, Template: l.Template, Flow: l.Flow, Agent: l.Agent, Conversation: l.Conversation,
			Team: l.Team, Reference: p.ref, Provider: p.provider, LinkAmount: l.Amount, LinkCurrency: l.Currency,
			Duplicates: len(p.ids) - 1,
		}
		m.Matched = append(m.Matched, mp)
		tot.Matched++
		if by == ByLink {
			tot.ByLink++
		} else {
			tot.ByReference++
		}
		if mp.CurrencyMismatch {
			tot.CurrencyMismatches++
		}
		tot.Gross = tot.Gross.Add(p.currency, p.amount)
		tot.Refunded = tot.Refunded.Add(p.currency, ref)
		tot.Revenue = tot.Revenue.Add(p.currency, p.amount.Sub(ref))
	}

	failedBy := map[*linkRec]int{}
	for _, fr := range a.failed {
		if l, _, _ := ix.match(fr.ns, fr.link, fr.ref, window); l != nil {
			failedBy[l]++
		}
	}
	for _, l := range a.links {
		if paid[l] || l.ns < from || l.ns >= to || (l.Channel == cm.ChannelTest && !q.IncludeTest) {
			continue
		}
		u := l.Link
		u.FailedAttempts = failedBy[l]
		m.Unpaid = append(m.Unpaid, u)
		tot.UnpaidAmount = tot.UnpaidAmount.Add(l.Currency, l.Amount)
	}
	slices.SortFunc(m.Unpaid, func(x, y Link) int {
		if c := x.Time.Compare(y.Time); c != 0 {
			return c
		}
		return strings.Compare(x.Link, y.Link)
	})
	tot.Unpaid = len(m.Unpaid)
	return m
}
