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
	// Range selects the payments whose time is in it (half-open). It must
	// be bounded and non-empty, and span at most cm.MaxCustomDays calendar
	// days of Calendar unless AllowLongRange is set. Links, refunds and
	// failed attempts are read from any time, so a payment early in the
	// range still finds a link sent before it, and a refund made after the
	// range still counts.
	Range          cm.Range `json:"range"`
	AllowLongRange bool     `json:"allow_long_range,omitempty"`
	// Calendar is the calendar the range's days are counted in (matching
	// itself does not depend on it); the zero Calendar is UTC.
	Calendar cm.Calendar `json:"calendar,omitzero"`
	// ReferenceWindow is the longest time from a link to a payment that
	// matches it by reference only; 0 means [DefaultReferenceWindow].
	ReferenceWindow time.Duration `json:"reference_window_ns"`
	// IncludeTest keeps test-channel payments and links, which are left
	// out by default.
	IncludeTest bool `json:"include_test"`
	// Partition limits the events read to one partition of the tenant's
	// contacts ([FoldPayments]); payments without a contact are in
	// partition 0. Merge the accumulators of every partition before
	// taking the Result, so that such a payment finds a link sent to a
	// contact of another partition. The zero Partition is every contact.
	Partition cm.Partition `json:"partition,omitzero"`
}

// Validate reports a query that cannot be answered, naming the field;
// errors wrap cm.ErrNoTenant, cm.ErrEmptyRange, cm.ErrRangeTooLong or
// cm.ErrInvalidValue. It does not modify q.
func (q *MatchQuery) Validate() error {
	if q.Tenant == "" {
		return fmt.Errorf("attribution: tenant: %w", cm.ErrNoTenant)
	}
	if q.ReferenceWindow < 0 {
		return fmt.Errorf("attribution: reference_window: %w: %s is negative", cm.ErrInvalidValue, q.ReferenceWindow)
	}
	if err := q.Calendar.CheckRange(q.Range, cm.RangeOptions{AllowLong: q.AllowLongRange}); err != nil {
		return fmt.Errorf("attribution: range: %w", err)
	}
	if err := q.Partition.Check(); err != nil {
		return fmt.Errorf("attribution: partition: %w", err)
	}
	return nil
}

// sameMatch reports whether two match queries ask the same question (the
// partition, the calendar and the range limit aside).
func sameMatch(a, b *MatchQuery) bool {
	return a.Tenant == b.Tenant && a.Range.From.Equal(b.Range.From) && a.Range.To.Equal(b.Range.To) &&
		a.window() == b.window() && a.IncludeTest == b.IncludeTest
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
	// Query is the question answered, without its Partition (the
	// accumulators of every partition merge into one answer).
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

// matchFields are the frame columns matching itself reads; linkFields add
// what the exported Matching reports about links and payments. Attribute
// reads only matchFields (and the conversation for its detail), as every
// column costs memstore a decoding pass over the tenant's events.
var (
	matchFields = frame.Of(frame.ID, frame.Link, frame.Reference, frame.Payment, frame.Currency, frame.Channel)
	linkFields  = frame.Of(frame.Provider, frame.Conversation, frame.Campaign, frame.Template, frame.Flow, frame.Agent, frame.Team)
)

// MatchPayments matches the tenant's successful payments in q.Range to the
// payment links sent in its conversations. See the package documentation
// for the rules; the result does not depend on the order events were
// stored in.
func MatchPayments(ctx context.Context, r cm.Reader, q MatchQuery) (*Matching, error) {
	acc, err := FoldPayments(ctx, r, q)
	if err != nil {
		return nil, err
	}
	return acc.Result(), nil
}

// FoldPayments reads the payment events of q.Partition of the tenant (of
// all of its history: links, refunds and failures at any time) and returns
// their accumulator, the state behind [MatchPayments]. Fold each partition
// on its own, Merge the accumulators, and take the Result.
func FoldPayments(ctx context.Context, r cm.Reader, q MatchQuery) (*MatchAccumulator, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	return readPayments(ctx, r, q, linkFields)
}

// readPayments folds the payment events of q.Partition of the tenant, with
// the columns matching needs and extra.
func readPayments(ctx context.Context, r cm.Reader, q MatchQuery, extra frame.Fields) (*MatchAccumulator, error) {
	f, err := frame.Get(ctx, r, frame.Spec{
		Query:  cm.Query{Tenant: q.Tenant, Types: paymentTypes, Partition: q.Partition},
		Fields: matchFields | extra,
		Amount: true,
	})
	if err != nil {
		return nil, fmt.Errorf("attribution: reading payments: %w", err)
	}
	acc := newMatchAccumulator(q)
	acc.addFrame(f, 0, f.Len())
	return acc, ctx.Err()
}

// MatchAccumulator collects the events payment matching needs: links,
// successful and failed payments, and refunds. It is the mergeable state
// behind [MatchPayments]: fold each partition of a tenant's events into its
// own accumulator ([FoldPayments], or [NewMatchAccumulator] and Add),
// merge them, and take the Result. Matching itself happens in Result, on
// the merged state, so a payment without a contact (which lives in
// partition 0) still finds the link sent to a contact in another
// partition. Each event is kept once by its event id, so adding an event
// twice, or merging an accumulator with itself, changes nothing. The zero
// value is not ready.
type MatchAccumulator struct {
	q       MatchQuery
	links   []linkRec
	linkIdx map[string]int32 // by link id: the first (time, event id) link event
	pays    []payRec
	payIdx  map[string]int32     // by payment id: the first payment.succeeded event
	refunds map[string]refundRec // by event id
	failed  map[string]failRec   // by event id
}

type linkRec struct {
	id                                          string // event id
	ns                                          int64
	link, ref, contact, conversation            string
	campaign, template, flow, agent, team, curr string
	channel                                     cm.Channel
	amount                                      fixed
}

type payRec struct {
	id                      string // event id
	ns                      int64
	payment, link, ref      string
	contact, provider, curr string
	amount                  fixed
	test                    bool
	ids                     []string // event ids of every delivery, sorted; nil when only id
}

type refundRec struct {
	payment string
	amount  fixed
	curr    string
}

type failRec struct {
	ns        int64
	link, ref string
}

// NewMatchAccumulator returns an empty accumulator for q, to fill with
// Add.
func NewMatchAccumulator(q MatchQuery) (*MatchAccumulator, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	return newMatchAccumulator(q), nil
}

func newMatchAccumulator(q MatchQuery) *MatchAccumulator {
	return &MatchAccumulator{
		q:       q,
		linkIdx: map[string]int32{},
		payIdx:  map[string]int32{},
		refunds: map[string]refundRec{},
		failed:  map[string]failRec{},
	}
}

// Add folds one event. Events of other tenants or partitions than the
// query's, and of other types than payment.link, payment.succeeded,
// payment.failed and payment.refunded, are ignored.
func (a *MatchAccumulator) Add(e *cm.Event) {
	if e.Tenant != a.q.Tenant || !a.q.Partition.Has(e.Contact) {
		return
	}
	switch e.Type {
	case cm.PaymentLink:
		a.addLink(linkRec{id: e.ID, ns: e.Time.UnixNano(), link: e.Link, ref: e.Reference, contact: e.Contact,
			conversation: e.Conversation, channel: e.Channel, campaign: e.Campaign, template: e.Template, flow: e.Flow,
			agent: e.Agent, team: e.Team, amount: fixedOf(e.Amount), curr: e.Currency})
	case cm.PaymentSucceeded:
		a.addPayment(payRec{id: e.ID, ns: e.Time.UnixNano(), payment: e.Payment, link: e.Link, ref: e.Reference,
			contact: e.Contact, provider: e.Provider, curr: e.Currency, amount: fixedOf(e.Amount), test: e.IsTest()})
	case cm.PaymentRefunded:
		a.refunds[e.ID] = refundRec{payment: e.Payment, amount: fixedOf(e.Amount), curr: e.Currency}
	case cm.PaymentFailed:
		a.failed[e.ID] = failRec{ns: e.Time.UnixNano(), link: e.Link, ref: e.Reference}
	}
}

// addFrame folds rows [lo, hi) of a frame of the payment types carrying
// at least the columns id, link, reference, payment, currency and channel,
// and the amounts. The columns provider, conversation, campaign, template,
// flow, agent and team are read when the frame has them (the Matching
// reports them) and are empty otherwise.
func (a *MatchAccumulator) addFrame(f *frame.Frame, lo, hi int) {
	var (
		ids, links, refs, pays = f.Col(frame.ID), f.Col(frame.Link), f.Col(frame.Reference), f.Col(frame.Payment)
		curs, chans            = f.Col(frame.Currency), f.Col(frame.Channel)
		dID, dLink, dRef, dPay = f.Dict(frame.ID), f.Dict(frame.Link), f.Dict(frame.Reference), f.Dict(frame.Payment)
		dCur, dChan            = f.Dict(frame.Currency), f.Dict(frame.Channel)
		prov, conv, camp, tpl  = optional(f, frame.Provider), optional(f, frame.Conversation), optional(f, frame.Campaign), optional(f, frame.Template)
		flow, agent, team      = optional(f, frame.Flow), optional(f, frame.Agent), optional(f, frame.Team)
	)
	tLink, _ := cm.TypeCode(cm.PaymentLink)
	tPaid, _ := cm.TypeCode(cm.PaymentSucceeded)
	tRefund, _ := cm.TypeCode(cm.PaymentRefunded)
	tFailed, _ := cm.TypeCode(cm.PaymentFailed)
	amount := func(r int) fixed {
		if c, e, ok := f.AmountParts(r); ok {
			return fixedParts(c, e)
		}
		return fixedOf(f.Amount(r))
	}
	var nLinks, nPays int
	for _, t := range f.Type[lo:hi] {
		switch t {
		case tLink:
			nLinks++
		case tPaid:
			nPays++
		}
	}
	a.grow(nLinks, nPays)
	for r := lo; r < hi; r++ {
		switch f.Type[r] {
		case tLink:
			a.addLink(linkRec{id: dID.Str(ids[r]), ns: f.Time[r], link: dLink.Str(links[r]), ref: dRef.Str(refs[r]),
				contact: f.ContactOf(r), conversation: conv.str(r), channel: cm.Channel(dChan.Str(chans[r])),
				campaign: camp.str(r), template: tpl.str(r), flow: flow.str(r), agent: agent.str(r),
				team: team.str(r), amount: amount(r), curr: dCur.Str(curs[r])})
		case tPaid:
			a.addPayment(payRec{id: dID.Str(ids[r]), ns: f.Time[r], payment: dPay.Str(pays[r]), link: dLink.Str(links[r]),
				ref: dRef.Str(refs[r]), contact: f.ContactOf(r), provider: prov.str(r), curr: dCur.Str(curs[r]),
				amount: amount(r), test: cm.Channel(dChan.Str(chans[r])) == cm.ChannelTest})
		case tRefund:
			a.refunds[dID.Str(ids[r])] = refundRec{payment: dPay.Str(pays[r]), amount: amount(r), curr: dCur.Str(curs[r])}
		case tFailed:
			a.failed[dID.Str(ids[r])] = failRec{ns: f.Time[r], link: dLink.Str(links[r]), ref: dRef.Str(refs[r])}
		}
	}
}

// column is a frame column that may be absent.
type column struct {
	ids  []uint32
	dict frame.Dict
}

func optional(f *frame.Frame, c frame.Field) column {
	if !f.Has(c) {
		return column{}
	}
	return column{f.Col(c), f.Dict(c)}
}

func (c column) str(r int) string {
	if c.ids == nil {
		return ""
	}
	return c.dict.Str(c.ids[r])
}

// grow makes room for links and payments more records.
func (a *MatchAccumulator) grow(links, payments int) {
	if len(a.links) == 0 && len(a.linkIdx) == 0 && links > 0 {
		a.linkIdx = make(map[string]int32, links)
	}
	if len(a.pays) == 0 && len(a.payIdx) == 0 && payments > 0 {
		a.payIdx = make(map[string]int32, payments)
	}
	a.links = slices.Grow(a.links, links)
	a.pays = slices.Grow(a.pays, payments)
}

// before reports whether event (ns, id) comes before (ons, oid) in scan
// order.
func before(ns int64, id string, ons int64, oid string) bool {
	return ns < ons || (ns == ons && id < oid)
}

// addLink keeps the first (time, event id) link event of each link id.
func (a *MatchAccumulator) addLink(l linkRec) {
	if i, ok := a.linkIdx[l.link]; !ok {
		a.linkIdx[l.link] = int32(len(a.links))
		a.links = append(a.links, l)
	} else if old := &a.links[i]; before(l.ns, l.id, old.ns, old.id) {
		*old = l
	}
}

// addPayment keeps the first (time, event id) delivery of each payment id
// and the set of every delivery's event id.
func (a *MatchAccumulator) addPayment(p payRec) {
	i, ok := a.payIdx[p.payment]
	if !ok {
		a.payIdx[p.payment] = int32(len(a.pays))
		a.pays = append(a.pays, p)
		return
	}
	old := &a.pays[i]
	ids := unionSorted(old.deliveries(), p.deliveries())
	if len(ids) == 1 {
		ids = nil
	}
	if before(p.ns, p.id, old.ns, old.id) {
		*old = p
	}
	old.ids = ids
}

func (p *payRec) deliveries() []string {
	if p.ids == nil {
		return []string{p.id}
	}
	return p.ids
}

func (p *payRec) duplicates() int {
	if p.ids == nil {
		return 0
	}
	return len(p.ids) - 1
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
// and o is left unchanged. Both must have been made for the same question
// (tenant, range, reference window and test traffic; their partitions may
// differ), else Merge returns an error wrapping cm.ErrMismatch and changes
// nothing.
func (a *MatchAccumulator) Merge(o *MatchAccumulator) error {
	if o == nil {
		return fmt.Errorf("attribution: merge: %w: a nil accumulator", cm.ErrMismatch)
	}
	if !sameMatch(&a.q, &o.q) {
		return fmt.Errorf("attribution: merge: %w: payments of tenant %q over %s and of tenant %q over %s (or other reference windows or test traffic)",
			cm.ErrMismatch, a.q.Tenant, a.q.Range, o.q.Tenant, o.q.Range)
	}
	for _, l := range o.links {
		a.addLink(l)
	}
	for _, p := range o.pays {
		a.addPayment(p)
	}
	for id, r := range o.refunds {
		a.refunds[id] = r
	}
	for id, r := range o.failed {
		a.failed[id] = r
	}
	return nil
}

// linkIndex finds links by id and by reference.
type linkIndex struct {
	a     *MatchAccumulator
	byRef map[string]int32 // reference → its latest link (by time, event id)
	prev  []int32          // per link, the previous link with its reference, or -1
}

func (a *MatchAccumulator) index() linkIndex {
	ix := linkIndex{a: a, byRef: make(map[string]int32, len(a.links)), prev: make([]int32, len(a.links))}
	for i := range a.links {
		l := &a.links[i]
		ix.prev[i] = -1
		if l.ref == "" {
			continue
		}
		head, ok := ix.byRef[l.ref]
		if !ok {
			ix.byRef[l.ref] = int32(i)
			continue
		}
		// Keep each chain in descending (time, event id) order; chains are
		// short (a reference is normally on one link).
		if before(a.links[head].ns, a.links[head].id, l.ns, l.id) {
			ix.prev[i] = head
			ix.byRef[l.ref] = int32(i)
			continue
		}
		p := head
		for ix.prev[p] >= 0 && before(l.ns, l.id, a.links[ix.prev[p]].ns, a.links[ix.prev[p]].id) {
			p = ix.prev[p]
		}
		ix.prev[i], ix.prev[p] = ix.prev[p], int32(i)
	}
	return ix
}

// match finds the link of a payment (or failed attempt) at ns naming link
// and ref: by link id, else the latest link with ref sent at or before ns
// and at most window before it. It returns the link's index, or -1 and
// the reason.
func (ix *linkIndex) match(ns int64, link, ref string, window time.Duration) (int32, MatchKind, Reason) {
	if link != "" {
		if i, ok := ix.a.linkIdx[link]; ok {
			return i, ByLink, ""
		}
	}
	if ref == "" {
		if link == "" {
			return -1, "", NoLinkOrReference
		}
		return -1, "", UnknownLink
	}
	l, ok := ix.byRef[ref]
	if !ok {
		return -1, "", UnknownReference
	}
	// The latest link at or before ns: links at ns count as before.
	for l >= 0 && ix.a.links[l].ns > ns {
		l = ix.prev[l]
	}
	if l < 0 || ns-ix.a.links[l].ns > int64(window) {
		return -1, "", OutsideWindow
	}
	return l, ByReference, ""
}

func (l *linkRec) export() Link {
	return Link{Link: l.link, Reference: l.ref, Time: time.Unix(0, l.ns).UTC(), Contact: l.contact, Conversation: l.conversation,
		Channel: l.channel, Campaign: l.campaign, Template: l.template, Flow: l.flow, Agent: l.agent, Team: l.team,
		Amount: l.amount.decimal(), Currency: l.curr}
}

// matchState is the outcome of matching every payment, before the
// range and test filters.
type matchState struct {
	ix       linkIndex
	window   time.Duration
	refunded []fixed // per payment, capped at its amount
	paid     []bool  // per link
	orphans  int     // refunds of unknown payments
	refMis   int     // refunds in another currency than their payment's
}

// matchAll matches every payment and sums the refunds.
func (a *MatchAccumulator) matchAll(window time.Duration) *matchState {
	st := &matchState{ix: a.index(), window: window, refunded: make([]fixed, len(a.pays)), paid: make([]bool, len(a.links))}
	for _, rf := range a.refunds {
		i, ok := a.payIdx[rf.payment]
		switch {
		case !ok:
			st.orphans++
		case rf.curr != a.pays[i].curr:
			st.refMis++
		default:
			st.refunded[i] = st.refunded[i].add(rf.amount)
		}
	}
	for i := range a.pays {
		if st.refunded[i].cmp(a.pays[i].amount) > 0 {
			st.refunded[i] = a.pays[i].amount
		}
	}
	return st
}

// visit calls fn for every payment in q's range that q keeps (test
// traffic), in accumulator order, with its link (index, or -1 and the
// reason). It marks the paid links in st first, over all payments.
func (a *MatchAccumulator) visit(q MatchQuery, st *matchState, fn func(pi int, li int32, by MatchKind, reason Reason)) {
	from, to := q.Range.UnixNano()
	for pi := range a.pays {
		p := &a.pays[pi]
		li, by, reason := st.ix.match(p.ns, p.link, p.ref, st.window)
		if li >= 0 {
			st.paid[li] = true
		}
		if (p.test || (li >= 0 && a.links[li].channel == cm.ChannelTest)) && !q.IncludeTest {
			continue
		}
		if p.ns < from || p.ns >= to {
			continue
		}
		fn(pi, li, by, reason)
	}
}

// Result matches the collected payments as the accumulator's query asks.
func (a *MatchAccumulator) Result() *Matching {
	q := a.q
	q.Partition = cm.Partition{}
	st := a.matchAll(q.window())
	from, to := q.Range.UnixNano()
	m := &Matching{Query: q, Matched: []MatchedPayment{}, Unmatched: []UnmatchedPayment{}, Unpaid: []Link{}}
	tot := &m.Totals
	tot.UnmatchedBy = map[Reason]int{}
	tot.OrphanRefunds, tot.RefundCurrencyMismatches = st.orphans, st.refMis
	var gross, refund, revenue, unmatched, unpaid sums
	// The payments in (time, payment id) order first, then their rows.
	type hit struct {
		pi, li int32
		by     MatchKind
		reason Reason
	}
	var hits []hit
	nm := 0
	a.visit(q, st, func(pi int, li int32, by MatchKind, reason Reason) {
		hits = append(hits, hit{int32(pi), li, by, reason})
		if li >= 0 {
			nm++
		}
	})
	slices.SortFunc(hits, func(x, y hit) int {
		p, o := &a.pays[x.pi], &a.pays[y.pi]
		if c := cmp.Compare(p.ns, o.ns); c != 0 {
			return c
		}
		return strings.Compare(p.payment, o.payment)
	})
	m.Matched = make([]MatchedPayment, 0, nm)
	m.Unmatched = make([]UnmatchedPayment, 0, len(hits)-nm)
	for _, h := range hits {
		pi, li, by, reason := int(h.pi), h.li, h.by, h.reason
		p := &a.pays[pi]
		ref := st.refunded[pi]
		tot.DuplicatePayments += p.duplicates()
		amount := p.amount.decimal()
		refDec := decimal.Zero
		if !ref.isZero() {
			refDec = ref.decimal()
		}
		if li < 0 {
			m.Unmatched = append(m.Unmatched, UnmatchedPayment{
				Payment: p.payment, Time: time.Unix(0, p.ns).UTC(), Contact: p.contact, Amount: amount,
				Refunded: refDec, Currency: p.curr, Link: p.link, Reference: p.ref, Provider: p.provider,
				Reason: reason, Duplicates: p.duplicates(),
			})
			tot.Unmatched++
			unmatched.add(p.curr, p.amount)
			tot.UnmatchedBy[reason]++
			continue
		}
		l := &a.links[li]
		contact := p.contact
		if contact == "" {
			contact = l.contact
		}
		m.Matched = append(m.Matched, MatchedPayment{
			Payment: p.payment, Time: time.Unix(0, p.ns).UTC(), Contact: contact, Amount: amount, Refunded: refDec,
			Currency: p.curr, By: by, Link: l.link, LinkTime: time.Unix(0, l.ns).UTC(), CurrencyMismatch: p.curr != l.curr,
			Campaign: l.campaign, Template: l.template, Flow: l.flow, Agent: l.agent, Conversation: l.conversation,
			Team: l.team, Reference: p.ref, Provider: p.provider, LinkAmount: l.amount.decimal(), LinkCurrency: l.curr,
			Duplicates: p.duplicates(),
		})
		tot.Matched++
		if by == ByLink {
			tot.ByLink++
		} else {
			tot.ByReference++
		}
		if p.curr != l.curr {
			tot.CurrencyMismatches++
		}
		gross.add(p.curr, p.amount)
		refund.add(p.curr, ref)
		revenue.add(p.curr, p.amount.sub(ref))
	}

	failedBy := make([]int, len(a.links))
	for _, fr := range a.failed {
		if li, _, _ := st.ix.match(fr.ns, fr.link, fr.ref, st.window); li >= 0 {
			failedBy[li]++
		}
	}
	for i := range a.links {
		l := &a.links[i]
		if st.paid[i] || l.ns < from || l.ns >= to || (l.channel == cm.ChannelTest && !q.IncludeTest) {
			continue
		}
		u := l.export()
		u.FailedAttempts = failedBy[i]
		m.Unpaid = append(m.Unpaid, u)
		unpaid.add(l.curr, l.amount)
	}
	slices.SortFunc(m.Unpaid, func(x, y Link) int {
		if c := x.Time.Compare(y.Time); c != 0 {
			return c
		}
		return strings.Compare(x.Link, y.Link)
	})
	tot.Unpaid = len(m.Unpaid)
	tot.Gross, tot.Refunded, tot.Revenue = gross.amounts(), refund.amounts(), revenue.amounts()
	tot.UnmatchedAmount, tot.UnpaidAmount = unmatched.amounts(), unpaid.amounts()
	return m
}

// conversions returns every payment of the accumulator's history that
// matched a link, with test traffic left out unless includeTest, in the
// internal form attribution works on.
func (a *MatchAccumulator) conversions(window time.Duration, includeTest bool) []conv {
	st := a.matchAll(window)
	out := make([]conv, 0, len(a.pays))
	a.visit(MatchQuery{IncludeTest: includeTest}, st, func(pi int, li int32, by MatchKind, _ Reason) {
		if li < 0 {
			return
		}
		p, l := &a.pays[pi], &a.links[li]
		contact := p.contact
		if contact == "" {
			contact = l.contact
		}
		ref := st.refunded[pi]
		out = append(out, conv{payment: p.payment, contact: contact, currency: p.curr, link: l.link,
			conversation: l.conversation, by: by, ns: p.ns, gross: p.amount, refunded: ref, net: p.amount.sub(ref)})
	})
	return out
}
