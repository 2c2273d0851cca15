package funnel

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/attribution"
	"github.com/convometrics/convometrics/internal/frame"
	"github.com/convometrics/convometrics/session"
	"github.com/shopspring/decimal"
)

// CommerceQuery asks for the commerce funnel: initiated conversations →
// add to carts → conversions, with revenue.
type CommerceQuery struct {
	Tenant string `json:"tenant"`
	// Range is required: conversations initiated in it, and their carts
	// and matched payments in it. It may span at most cm.MaxCustomDays
	// calendar days of Calendar unless AllowLongRange is set.
	Range          cm.Range `json:"range"`
	AllowLongRange bool     `json:"allow_long_range,omitempty"`
	// Calendar and Granularity (day by default) bucket the series by the
	// conversation's initiation.
	Calendar    cm.Calendar    `json:"calendar,omitzero"`
	Granularity cm.Granularity `json:"granularity,omitempty"`
	IncludeTest bool           `json:"include_test,omitempty"`
	// ReferenceWindow is passed to payment matching (0: the attribution
	// engine's default).
	ReferenceWindow time.Duration `json:"reference_window_ns,omitempty"`
	// Partition limits the question to one partition of the tenant's
	// contacts ([FoldCommerce]); the zero Partition is every contact.
	Partition cm.Partition `json:"partition,omitzero"`
}

// Validate checks the query: a tenant, a range (both bounds, From before
// To, at most cm.MaxCustomDays days of Calendar unless AllowLongRange), a
// valid partition and granularity, and a reference window that is not
// negative. It does not modify q.
func (q *CommerceQuery) Validate() error {
	if err := checkScope(q.Tenant, q.Calendar, q.Range, q.AllowLongRange, q.Partition); err != nil {
		return err
	}
	switch q.Granularity {
	case "", cm.Hour, cm.Day, cm.Week, cm.Month:
	default:
		return fmt.Errorf("funnel: granularity: %w %q (want hour, day, week or month)", cm.ErrUnknownValue, q.Granularity)
	}
	if q.ReferenceWindow < 0 {
		return fmt.Errorf("funnel: reference_window: %w: negative", cm.ErrInvalidValue)
	}
	return nil
}

// CommerceStats are the commerce funnel's numbers for a set of
// conversations. See the package documentation for each definition.
type CommerceStats struct {
	// Initiated counts conversations initiated in the range, ByContact
	// and ByCampaign split them by initiator.
	Initiated  int `json:"initiated_conversations"`
	ByContact  int `json:"by_contact"`
	ByCampaign int `json:"by_campaign"`
	// AddToCarts counts cart.added events in those conversations;
	// WithCart the conversations with at least one.
	AddToCarts int `json:"add_to_carts"`
	WithCart   int `json:"conversations_with_cart"`
	// Conversions counts the matched successful payments credited to
	// those conversations, each payment once (as the attribution engine
	// counts conversions); PaidLinks counts the distinct payment links
	// they paid (a link paid in two parts is one paid link and two
	// conversions).
	Conversions int `json:"conversions"`
	PaidLinks   int `json:"paid_links"`
	// Gross is what the payments paid, Refunded what was refunded of them,
	// Revenue = Gross − Refunded; all per currency.
	Gross    cm.Amounts `json:"gross"`
	Refunded cm.Amounts `json:"refunded"`
	Revenue  cm.Amounts `json:"revenue"`
	// AddToCartRate = AddToCarts / Initiated (it can exceed 1: a
	// conversation may add to the cart several times); ConversionRate =
	// Conversions / Initiated (it can exceed 1 too: a conversation may pay
	// several times).
	AddToCartRate  cm.Rate `json:"add_to_cart_rate"`
	ConversionRate cm.Rate `json:"conversion_rate"`
}

func (s *CommerceStats) merge(o *CommerceStats) {
	s.Initiated += o.Initiated
	s.ByContact += o.ByContact
	s.ByCampaign += o.ByCampaign
	s.AddToCarts += o.AddToCarts
	s.WithCart += o.WithCart
	s.Conversions += o.Conversions
	s.PaidLinks += o.PaidLinks
	s.Gross = s.Gross.Merge(o.Gross)
	s.Refunded = s.Refunded.Merge(o.Refunded)
	s.Revenue = s.Revenue.Merge(o.Revenue)
}

func (s *CommerceStats) rates() {
	s.AddToCartRate = cm.RateOf(s.AddToCarts, s.Initiated)
	s.ConversionRate = cm.RateOf(s.Conversions, s.Initiated)
	for _, a := range []*cm.Amounts{&s.Gross, &s.Refunded, &s.Revenue} {
		if *a == nil {
			*a = cm.Amounts{}
		}
	}
}

// CommerceCampaign is the commerce funnel of the conversations one
// campaign initiated ("" for those the contacts initiated).
type CommerceCampaign struct {
	Campaign string `json:"campaign"`
	CommerceStats
	Series cm.Series[CommerceStats] `json:"series"`
}

// CommerceResult is the commerce funnel, overall and per campaign, as
// totals and as a series by initiation period.
type CommerceResult struct {
	Tenant      string         `json:"tenant"`
	Range       cm.Range       `json:"range"`
	Granularity cm.Granularity `json:"granularity"`
	CommerceStats
	Series    cm.Series[CommerceStats] `json:"series"`
	Campaigns []CommerceCampaign       `json:"campaigns"`
	// Elsewhere counts the matched payments of the range that are not
	// credited to a conversation initiated in the range (a link sent
	// before it, or to no known contact), with their revenue: Conversions
	// + Elsewhere.Conversions is the attribution engine's count of matched
	// payments in the range.
	Elsewhere struct {
		Conversions int        `json:"conversions"`
		Revenue     cm.Amounts `json:"revenue"`
	} `json:"elsewhere"`
}

// payRec is a matched payment waiting for its contact's conversations.
type payRec struct {
	linkTime           int64
	link, convID       string
	amount, refnd, net decimal.Decimal
	currency           string
}

// commerceSeries holds one campaign's stats per bucket (its totals are
// summed in Result).
type commerceSeries struct {
	buckets []CommerceStats
}

func (c *commerceSeries) merge(o *commerceSeries) {
	for i := range c.buckets {
		c.buckets[i].merge(&o.buckets[i])
	}
}

// sessRec is one session of the session engine that the contact began
// (an incoming session).
type sessRec struct {
	start int64
	inbox string
	conv  string // the host conversation id, "" for a derived session
}

// CommerceAccumulator is the mergeable state behind [Commerce]: see
// [Accumulator] for how accumulators are used ([FoldCommerce] makes them).
// Two inputs join across contacts or engines, and both are handed to every
// partition's accumulator, keyed by contact, so the join is exact however
// the contacts are partitioned: the payments matched to links over the
// whole tenant ([attribution.MatchPayments]), credited when the
// accumulator folds the payment's contact, and the sessions of the session
// engine ([session.Sessions], for the same partition), which are the
// contact-initiated conversations.
type CommerceAccumulator struct {
	q        CommerceQuery
	key      string
	buckets  cm.Buckets
	pays     map[string][]payRec
	sessions map[string][]sessRec
	camps    map[string]*commerceSeries
	// matched counts every matched payment of the range (the same in every
	// partition).
	matched CommerceStats
	lastF   *frame.Frame
	lastB   *commerceBinding
	convs   []conversation
	failed  map[uint32]bool
}

// FoldCommerce reads the events q asks about (those of q.Partition's
// contacts only, when q names a partition) into a commerce accumulator:
// it matches the tenant's payments to links, asks the session engine for
// the sessions of the range, and folds the messages and carts. It is what
// [Commerce] runs.
func FoldCommerce(ctx context.Context, r cm.Reader, q CommerceQuery) (*CommerceAccumulator, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	m, err := attribution.MatchPayments(ctx, r, attribution.MatchQuery{Tenant: q.Tenant, Range: q.Range, AllowLongRange: q.AllowLongRange,
		Calendar: q.Calendar, ReferenceWindow: q.ReferenceWindow, IncludeTest: q.IncludeTest})
	if err != nil {
		return nil, fmt.Errorf("funnel: matching payments: %w", err)
	}
	ss, err := session.Sessions(ctx, r, session.Query{Tenant: q.Tenant, Range: q.Range, AllowLongRange: q.AllowLongRange, Calendar: q.Calendar,
		IncludeTest: q.IncludeTest, Partition: q.Partition})
	if err != nil {
		return nil, fmt.Errorf("funnel: sessions: %w", err)
	}
	a, err := newCommerceAccumulator(q, m, ss.Sessions)
	if err != nil {
		return nil, err
	}
	f, err := frame.Get(ctx, r, a.spec())
	if err != nil {
		return nil, fmt.Errorf("funnel: %w", err)
	}
	return fold(ctx, f, a.empty, (*CommerceAccumulator).add, (*CommerceAccumulator).merge)
}

// newCommerceAccumulator returns an empty accumulator for q, crediting the
// matched payments of m (the matching of q's tenant and range) and taking
// the incoming sessions of rows (the session engine's sessions of q's
// range) as the contact-initiated conversations.
func newCommerceAccumulator(q CommerceQuery, m *attribution.Matching, rows []session.SessionRow) (*CommerceAccumulator, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	g := q.Granularity
	if g == "" {
		g = cm.Day
	}
	b, err := q.Calendar.Buckets(q.Range, g)
	if err != nil {
		return nil, fmt.Errorf("funnel: %w", err)
	}
	k := q
	k.Partition = cm.Partition{}
	key, _ := json.Marshal(k)
	a := &CommerceAccumulator{q: q, key: string(key), buckets: b, pays: map[string][]payRec{}, sessions: map[string][]sessRec{}}
	for i := range m.Matched {
		p := &m.Matched[i]
		a.matched.Conversions++
		a.matched.Revenue = a.matched.Revenue.Add(p.Currency, p.Net())
		if p.Contact == "" {
			continue
		}
		a.pays[p.Contact] = append(a.pays[p.Contact], payRec{linkTime: p.LinkTime.UnixNano(), link: p.Link, convID: p.Conversation,
			amount: p.Amount, refnd: p.Refunded, net: p.Net(), currency: p.Currency})
	}
	for i := range rows {
		s := &rows[i]
		if !s.Incoming || s.Contact == "" {
			continue
		}
		rec := sessRec{start: s.Start.UnixNano(), inbox: s.Inbox}
		if !s.Derived {
			rec.conv = s.ID
		}
		a.sessions[s.Contact] = append(a.sessions[s.Contact], rec)
	}
	a.reset()
	return a, nil
}

func (a *CommerceAccumulator) reset() {
	a.camps = map[string]*commerceSeries{}
}

// bucket returns the stats of campaign's conversations initiated in
// bucket bk.
func (a *CommerceAccumulator) bucket(campaign string, bk int) *CommerceStats {
	cs := a.camps[campaign]
	if cs == nil {
		cs = &commerceSeries{buckets: make([]CommerceStats, a.buckets.Len())}
		a.camps[campaign] = cs
	}
	return &cs.buckets[bk]
}

// empty returns an accumulator for the same query, matching and sessions
// with nothing folded.
func (a *CommerceAccumulator) empty() *CommerceAccumulator {
	o := *a
	o.lastF, o.lastB, o.convs, o.failed = nil, nil, nil, nil
	o.reset()
	return &o
}

// spec returns the frame spec of the accumulator's input: every event
// before the range's end, to know which conversations began before it.
func (a *CommerceAccumulator) spec() frame.Spec {
	return frame.Spec{
		Query: cm.Query{Tenant: a.q.Tenant, Range: cm.Range{To: a.q.Range.To}, Partition: a.q.Partition,
			Types: []cm.Type{cm.MessageReceived, cm.MessageSent, cm.MessageStatus, cm.CartAdded}},
		Fields: frame.Of(frame.Channel, frame.Conversation, frame.Inbox, frame.Sender, frame.Campaign, frame.Message, frame.ReplyTo, frame.Status),
	}
}

type commerceBinding struct {
	f                             *frame.Frame
	chans, conv, sender, camp     []uint32
	msg, reply, stat              []uint32
	test, campS, bcastS, failedID uint32
	hasTest, hasCS, hasBS, hasF   bool
}

func bindCommerce(f *frame.Frame) *commerceBinding {
	b := &commerceBinding{f: f, chans: f.Col(frame.Channel), conv: f.Col(frame.Conversation), sender: f.Col(frame.Sender),
		camp: f.Col(frame.Campaign), msg: f.Col(frame.Message), reply: f.Col(frame.ReplyTo), stat: f.Col(frame.Status)}
	b.test, b.hasTest = f.Lookup(frame.Channel, string(cm.ChannelTest))
	b.campS, b.hasCS = f.Lookup(frame.Sender, string(cm.SenderCampaign))
	b.bcastS, b.hasBS = f.Lookup(frame.Sender, string(cm.SenderBroadcast))
	b.failedID, b.hasF = f.Lookup(frame.Status, string(cm.StatusFailed))
	return b
}

// conversation is one initiated conversation of a contact.
type conversation struct {
	start    int64
	campaign string
	ids      []uint32 // host conversation ids that belong to it
	replyID  uint32   // the campaign message's id in the reply_to column
	// the campaign message's reply: whether it came, its time, inbox and
	// conversation id
	replied    bool
	replyAt    int64
	replyInbox string
	replyConv  string
	carts      int
	links      []string
	bucket     int // its initiation period, or -1 outside the range
}

// holding returns the latest-started conversation holding host
// conversation id id and started at or before t, or -1.
func holding(convs []conversation, id uint32, t int64) int {
	for i := len(convs) - 1; i >= 0; i-- {
		if convs[i].start <= t && slices.Contains(convs[i].ids, id) {
			return i
		}
	}
	return -1
}

// latestBefore returns the latest conversation started at or before t, or
// -1.
func latestBefore(convs []conversation, t int64) int {
	return sort.Search(len(convs), func(i int) bool { return convs[i].start > t }) - 1
}

// add folds contact group g of frame f.
func (a *CommerceAccumulator) add(f *frame.Frame, g int) {
	if a.lastF != f {
		a.lastF, a.lastB = f, bindCommerce(f)
	}
	b := a.lastB
	lo, hi := f.Group(g)
	if f.Contact[lo] == 0 {
		return
	}
	contact := f.ContactOf(lo)
	from, to := a.q.Range.UnixNano()
	skip := func(r int) bool { return !a.q.IncludeTest && b.hasTest && b.chans[r] == b.test }
	// Campaign messages that failed do not initiate conversations.
	if a.failed == nil {
		a.failed = map[uint32]bool{}
	}
	clear(a.failed)
	if b.hasF {
		for r := lo; r < hi; r++ {
			if f.Type[r] == codeStatus && b.stat[r] == b.failedID && b.msg[r] != 0 && !skip(r) {
				a.failed[b.msg[r]] = true
			}
		}
	}
	// The campaign conversations and their replies.
	convs := a.convs[:0]
	camp, answered := -1, true // the latest campaign send, and whether an inbound message came since
	for r := lo; r < hi; r++ {
		if skip(r) {
			continue
		}
		t := f.Time[r]
		switch f.Type[r] {
		case codeSent:
			s := b.sender[r]
			if b.camp[r] == 0 || !((b.hasCS && s == b.campS) || (b.hasBS && s == b.bcastS)) || a.failed[b.msg[r]] {
				continue
			}
			c := conversation{start: t, campaign: f.Str(frame.Campaign, r)}
			if m := f.Str(frame.Message, r); m != "" {
				c.replyID, _ = f.Lookup(frame.ReplyTo, m)
			}
			if id := b.conv[r]; id != 0 {
				c.ids = append(c.ids, id)
			}
			convs = append(convs, c)
			camp, answered = len(convs)-1, false
		case codeReceived:
			k := -1
			if rp := b.reply[r]; rp != 0 {
				for i := len(convs) - 1; i >= 0; i-- {
					if convs[i].replyID == rp {
						k = i
						break
					}
				}
			} else if camp >= 0 && !answered && t-convs[camp].start <= responseWindow {
				k = camp
			}
			answered = true
			if k >= 0 && !convs[k].replied {
				c := &convs[k]
				c.replied, c.replyAt, c.replyInbox, c.replyConv = true, t, f.Str(frame.Inbox, r), f.Str(frame.Conversation, r)
			}
		}
	}
	// The contact's incoming sessions: each is a contact-initiated
	// conversation, unless a campaign message's reply started it.
	nCamp := len(convs)
	for _, s := range a.sessions[contact] {
		id, _ := f.Lookup(frame.Conversation, s.conv)
		k := -1
		for i := 0; i < nCamp; i++ {
			c := &convs[i]
			if c.replied && c.replyAt == s.start && c.replyConv == s.conv && (s.conv != "" || c.replyInbox == s.inbox) {
				k = i
				break
			}
		}
		switch {
		case k < 0:
			c := conversation{start: s.start}
			if id != 0 {
				c.ids = append(c.ids, id)
			}
			convs = append(convs, c)
		case id != 0 && !slices.Contains(convs[k].ids, id):
			convs[k].ids = append(convs[k].ids, id)
		}
	}
	slices.SortStableFunc(convs, func(x, y conversation) int { return cmp.Compare(x.start, y.start) })
	// Carts.
	for r := lo; r < hi; r++ {
		if f.Type[r] != codeCart || skip(r) {
			continue
		}
		t := f.Time[r]
		if t < from || t >= to {
			continue
		}
		k := -1
		if id := b.conv[r]; id != 0 {
			k = holding(convs, id, t)
		} else {
			k = latestBefore(convs, t)
		}
		if k >= 0 {
			convs[k].carts++
		}
	}
	for i := range convs {
		convs[i].bucket = -1
		if st := convs[i].start; st >= from && st < to {
			convs[i].bucket = a.buckets.IndexUnixNano(st)
		}
	}
	// Matched payments, credited to the conversation of their link.
	for _, p := range a.pays[contact] {
		k := -1
		if p.convID != "" {
			if id, ok := f.Lookup(frame.Conversation, p.convID); ok && id != 0 {
				k = holding(convs, id, p.linkTime)
			}
		} else {
			k = latestBefore(convs, p.linkTime)
		}
		if k < 0 || convs[k].bucket < 0 {
			continue
		}
		c := &convs[k]
		if !slices.Contains(c.links, p.link) {
			c.links = append(c.links, p.link)
		}
		s := a.bucket(c.campaign, c.bucket)
		s.Conversions++
		s.Gross = s.Gross.Add(p.currency, p.amount)
		s.Refunded = s.Refunded.Add(p.currency, p.refnd)
		s.Revenue = s.Revenue.Add(p.currency, p.net)
	}
	for i := range convs {
		c := &convs[i]
		if c.bucket < 0 {
			continue
		}
		s := a.bucket(c.campaign, c.bucket)
		s.Initiated++
		s.AddToCarts += c.carts
		s.PaidLinks += len(c.links)
		if c.campaign != "" {
			s.ByCampaign++
		} else {
			s.ByContact++
		}
		if c.carts > 0 {
			s.WithCart++
		}
	}
	a.convs = convs[:0]
}

var codeCart, _ = cm.TypeCode(cm.CartAdded)

// Merge adds o's conversations to a. Both must answer the same query
// (their partitions aside) with the same matching, else Merge returns an
// error wrapping [cm.ErrMismatch] and leaves a unchanged; o must not be
// used afterwards.
func (a *CommerceAccumulator) Merge(o *CommerceAccumulator) error {
	same := func() bool {
		return a.key == o.key && a.matched.Conversions == o.matched.Conversions && a.matched.Revenue.Equal(o.matched.Revenue)
	}
	return mergeChecked(a, o, same, (*CommerceAccumulator).merge)
}

func (a *CommerceAccumulator) merge(o *CommerceAccumulator) {
	for k, s := range o.camps {
		if mine := a.camps[k]; mine != nil {
			mine.merge(s)
		} else {
			a.camps[k] = s
		}
	}
}

// series returns the buckets as a series (with copies of the money) and
// their total.
func series(b cm.Buckets, buckets []CommerceStats) (cm.Series[CommerceStats], CommerceStats) {
	s := cm.NewSeries[CommerceStats](b)
	var total CommerceStats
	for i := range s {
		var v CommerceStats
		v.merge(&buckets[i])
		v.rates()
		s[i].Value = v
		total.merge(&buckets[i])
	}
	total.rates()
	return s, total
}

// Result returns the commerce funnel.
func (a *CommerceAccumulator) Result() *CommerceResult {
	res := &CommerceResult{Tenant: a.q.Tenant, Range: a.q.Range, Granularity: a.buckets.Granularity, Campaigns: []CommerceCampaign{}}
	names := make([]string, 0, len(a.camps))
	for k := range a.camps {
		names = append(names, k)
	}
	slices.Sort(names)
	all := make([]CommerceStats, a.buckets.Len())
	for _, n := range names {
		c := CommerceCampaign{Campaign: n}
		c.Series, c.CommerceStats = series(a.buckets, a.camps[n].buckets)
		res.Campaigns = append(res.Campaigns, c)
		for i := range all {
			all[i].merge(&a.camps[n].buckets[i])
		}
	}
	res.Series, res.CommerceStats = series(a.buckets, all)
	res.Elsewhere.Conversions = a.matched.Conversions - res.Conversions
	res.Elsewhere.Revenue = cm.Amounts{}
	for cur, v := range a.matched.Revenue {
		if d := v.Sub(res.Revenue[cur]); !d.IsZero() {
			res.Elsewhere.Revenue[cur] = d
		}
	}
	return res
}

// Commerce computes the commerce funnel q asks for.
func Commerce(ctx context.Context, r cm.Reader, q CommerceQuery) (*CommerceResult, error) {
	acc, err := FoldCommerce(ctx, r, q)
	if err != nil {
		return nil, err
	}
	return acc.Result(), nil
}

// elsewhere names the matched payments credited to no initiated
// conversation in tables.
const elsewhere = "(not in an initiated conversation)"

// Tables returns the commerce funnel for export: the totals (overall and
// per campaign), money per currency, the series, and the series per
// campaign.
func (r *CommerceResult) Tables() []cm.Table {
	cols := []string{"campaign", "initiated_conversations", "by_contact", "by_campaign", "add_to_carts", "conversations_with_cart",
		"add_to_cart_rate", "conversions", "conversion_rate", "paid_links"}
	row := func(name string, s *CommerceStats) []string {
		return []string{name, strconv.Itoa(s.Initiated), strconv.Itoa(s.ByContact), strconv.Itoa(s.ByCampaign), strconv.Itoa(s.AddToCarts),
			strconv.Itoa(s.WithCart), rate(s.AddToCartRate), strconv.Itoa(s.Conversions), rate(s.ConversionRate), strconv.Itoa(s.PaidLinks)}
	}
	campName := func(n string) string {
		if n == "" {
			return "(contact-initiated)"
		}
		return n
	}
	totals := cm.Table{Name: "Commerce funnel", Columns: cols}
	totals.Rows = append(totals.Rows, row("all", &r.CommerceStats))
	for i := range r.Campaigns {
		totals.Rows = append(totals.Rows, row(campName(r.Campaigns[i].Campaign), &r.Campaigns[i].CommerceStats))
	}
	if r.Elsewhere.Conversions > 0 {
		totals.Rows = append(totals.Rows, []string{elsewhere, "", "", "", "", "", "", strconv.Itoa(r.Elsewhere.Conversions), "", ""})
	}
	money := cm.Table{Name: "Commerce revenue", Columns: []string{"campaign", "currency", "gross", "refunded", "revenue"}}
	moneyRows := func(name string, s *CommerceStats) {
		for _, c := range (cm.Amounts{}).Merge(s.Gross).Merge(s.Revenue).Currencies() {
			mu := int32(cm.MinorUnits(c))
			money.Rows = append(money.Rows, []string{name, c, s.Gross[c].StringFixed(mu), s.Refunded[c].StringFixed(mu), s.Revenue[c].StringFixed(mu)})
		}
	}
	moneyRows("all", &r.CommerceStats)
	for i := range r.Campaigns {
		moneyRows(campName(r.Campaigns[i].Campaign), &r.Campaigns[i].CommerceStats)
	}
	for _, c := range r.Elsewhere.Revenue.Currencies() {
		money.Rows = append(money.Rows, []string{elsewhere, c, "", "", r.Elsewhere.Revenue[c].StringFixed(int32(cm.MinorUnits(c)))})
	}
	series := cm.Table{Name: "Commerce funnel by " + string(r.Granularity), Columns: []string{"period", "initiated_conversations", "add_to_carts",
		"add_to_cart_rate", "conversions", "conversion_rate", "revenue"}}
	for _, p := range r.Series {
		v := p.Value
		series.Rows = append(series.Rows, []string{stamp(p.Start), strconv.Itoa(v.Initiated), strconv.Itoa(v.AddToCarts), rate(v.AddToCartRate),
			strconv.Itoa(v.Conversions), rate(v.ConversionRate), v.Revenue.String()})
	}
	byCamp := cm.Table{Name: "Commerce funnel by campaign and " + string(r.Granularity), Columns: append([]string{"campaign"}, series.Columns...)}
	for i := range r.Campaigns {
		c := &r.Campaigns[i]
		for _, p := range c.Series {
			v := p.Value
			byCamp.Rows = append(byCamp.Rows, []string{campName(c.Campaign), stamp(p.Start), strconv.Itoa(v.Initiated), strconv.Itoa(v.AddToCarts),
				rate(v.AddToCartRate), strconv.Itoa(v.Conversions), rate(v.ConversionRate), v.Revenue.String()})
		}
	}
	return []cm.Table{totals, money, series, byCamp}
}
