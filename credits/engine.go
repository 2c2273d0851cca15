package credits

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/attribution"
	"github.com/convometrics/convometrics/internal/frame"
)

// needs says what a computation must produce beyond usage by category and
// bucket, which every one produces.
type needs struct {
	ledger        bool      // top-ups, balances and the forecast
	dim           Dimension // a per-bucket breakdown ("" none)
	campaigns     bool      // usage and conversions per campaign
	countries     bool      // usage per country
	conversations bool      // cost per conversation
	recon         bool      // reconciliation rows
	costs         bool      // per-message costs
}

// summaryNeeds is what a Summary shows.
func summaryNeeds() needs {
	return needs{ledger: true, campaigns: true, countries: true, conversations: true}
}

// allNeeds is what an Accumulator can be asked for.
func allNeeds() needs {
	n := summaryNeeds()
	n.recon = true
	return n
}

// engine is one computation: the validated query, its compiled card, its
// buckets and ledger cuts, and what to produce. It is read-only once
// built, shared by the runs.
type engine struct {
	q       *Query
	cc      *compiled
	nd      needs
	loc     *time.Location
	from    int64 // period, Unix ns
	to      int64
	readTo  int64 // events are read up to here (max of To and Now; no bound for message costs)
	bk      cm.Buckets
	bounds  []int64 // bucket starts, then the end of the last
	cuts    []int64 // ledger cuts, ascending: from, to, now-burn, now (deduplicated)
	now     int64   // Query.Now + 1 ns
	burnLo  int64
	convWin int64
	home    string
	// convs are the conversions: the payments matched to a payment link
	// in the period (attribution's matching), when campaigns are needed.
	convs []conversion
}

// conversion is a matched payment: its contact (the payment's, else its
// link's; "" for none) and time.
type conversion struct {
	contact string
	at      int64
}

// matchQuery is the payment matching that gives q's conversions.
func matchQuery(q *Query) attribution.MatchQuery {
	return attribution.MatchQuery{Tenant: q.Tenant, Range: q.Range, AllowLongRange: q.AllowLongRange, Calendar: q.Calendar,
		IncludeTest: q.IncludeTest, Partition: q.Partition}
}

// conversionsOf returns the matched payments of m.
func conversionsOf(m *attribution.Matching) []conversion {
	out := make([]conversion, len(m.Matched))
	for i := range m.Matched {
		out[i] = conversion{contact: m.Matched[i].Contact, at: m.Matched[i].Time.UnixNano()}
	}
	return out
}

const (
	nsDay  = int64(24 * time.Hour)
	csw    = nsDay     // customer-service window
	fepArm = nsDay     // a reply within this long of an ad message opens a free-entry-point window
	fepLen = 3 * nsDay // free-entry-point window
	cbpLen = nsDay     // conversation-based pricing: a conversation's length
	noTime = math.MinInt64
)

func newEngine(q *Query, nd needs) (*engine, error) {
	if err := q.validateFields(); err != nil {
		return nil, err
	}
	loc := q.Calendar.Location()
	// The card is validated and compiled for every query: cheap enough
	// (see compile) that nothing needs to be kept between queries.
	if err := q.Card.Validate(); err != nil {
		return nil, err
	}
	cc := compile(q.Card, loc)
	e := &engine{q: q, nd: nd, loc: loc, cc: cc, home: q.HomeCountry, convWin: q.conversionWindow()}
	e.from, e.to = q.Range.From.UnixNano(), q.Range.To.UnixNano()
	bk, err := q.Calendar.Buckets(q.Range, q.granularity())
	if err != nil {
		return nil, fmt.Errorf("credits: query: %w", err)
	}
	e.bk = bk
	for _, s := range bk.Starts {
		e.bounds = append(e.bounds, s.UnixNano())
	}
	e.bounds = append(e.bounds, bk.End(bk.Len()-1).UnixNano())
	// The forecast counts what happened at Now: the ledger cut is just
	// after it.
	e.now = q.now().UnixNano() + 1
	e.burnLo = e.now - int64(q.burnDays())*nsDay
	e.readTo = max(e.to, e.now)
	if nd.costs {
		// The messages sent in the period are priced whenever they were
		// charged: their statuses may come after it.
		e.readTo = math.MaxInt64
	}
	e.cuts = []int64{e.from, e.to}
	if nd.ledger {
		e.cuts = append(e.cuts, e.now, e.burnLo)
	}
	slices.Sort(e.cuts)
	e.cuts = slices.Compact(e.cuts)
	return e, nil
}

// bucket returns the bucket of t (which must lie in the period).
func (e *engine) bucket(t int64) int {
	b := e.bounds
	n := len(b) - 1
	// Guess by proportion, then walk: buckets are nearly equal.
	i := int((t - b[0]) / max(1, (b[n]-b[0])/int64(n)))
	i = min(max(i, 0), n-1)
	for i > 0 && t < b[i] {
		i--
	}
	for i < n-1 && t >= b[i+1] {
		i++
	}
	return i
}

// segment returns the ledger segment of t: the number of cuts at or before t.
func (e *engine) segment(t int64) int {
	s := 0
	for s < len(e.cuts) && e.cuts[s] <= t {
		s++
	}
	return s
}

// spec returns the frame spec of the computation; rules adds what the
// customer-service and free-entry-point windows need.
func (e *engine) spec(rules bool) frame.Spec {
	types := []cm.Type{cm.MessageSent, cm.MessageStatus}
	fields := frame.Of(frame.Message, frame.Status, frame.PricingModel, frame.PricingType, frame.PricingCategory,
		frame.Country, frame.Channel, frame.Template, frame.TemplateCategory, frame.MessageType, frame.Inbox)
	if e.nd.ledger {
		types = append(types, cm.CreditsTopup)
		fields |= frame.Of(frame.Currency)
	}
	if e.nd.campaigns || e.nd.dim == ByCampaign {
		fields |= frame.Of(frame.Campaign)
	}
	if e.nd.conversations {
		fields |= frame.Of(frame.Conversation)
	}
	if rules {
		types = append(types, cm.MessageReceived)
		fields |= frame.Of(frame.Referral)
	}
	fields |= frame.Of(frame.BillingConversation)
	return frame.Spec{
		Query:    cm.Query{Tenant: e.q.Tenant, Range: e.readRange(), Types: types, Partition: e.q.Partition},
		Fields:   fields,
		Amount:   e.nd.ledger,
		Billable: true,
	}
}

// readRange is the range the computation reads: the tenant's history up
// to readTo.
func (e *engine) readRange() cm.Range {
	if e.readTo == math.MaxInt64 {
		return cm.Range{}
	}
	return cm.Range{To: time.Unix(0, e.readTo)}
}

// dicts are the dictionaries the ids of message states belong to: a
// frame's, or an accumulator's own.
type dicts struct {
	msg, contact, inbox, campaign, conv, template, country, bconv frame.Dict
}

func frameDicts(f *frame.Frame) dicts {
	d := dicts{msg: f.Dict(frame.Message), contact: f.Contacts, inbox: f.Dict(frame.Inbox), template: f.Dict(frame.Template),
		country: f.Dict(frame.Country), bconv: f.Dict(frame.BillingConversation)}
	d.campaign, d.conv = emptyDict{}, emptyDict{}
	if f.Has(frame.Campaign) {
		d.campaign = f.Dict(frame.Campaign)
	}
	if f.Has(frame.Conversation) {
		d.conv = f.Dict(frame.Conversation)
	}
	return d
}

// emptyDict stands for a column not in the frame: every id is 0.
type emptyDict struct{}

func (emptyDict) Str(uint32) string              { return "" }
func (emptyDict) Lookup(s string) (uint32, bool) { return 0, s == "" }
func (emptyDict) Len() int                       { return 1 }

// msgState is everything known about one outbound message, merged from
// its send and its statuses. Ids belong to a dicts.
type msgState struct {
	msg, contact, inbox, campaign, conv, template, country, bconv uint32
	sinbox                                                        uint32 // inbox from the statuses, for messages without a send
	seenAt                                                        int64  // earliest event of the message
	sendAt                                                        int64
	delivAt                                                       int64 // earliest delivered, read or played status
	pAt                                                           int64 // time of the status whose pricing is used
	ctryAt                                                        int64 // time of the status whose country is used
	flags                                                         uint16
	tcat                                                          uint8 // category of the template (from the send)
	pclass                                                        uint8 // 0 no pricing, 1 pricing from a sent (or other) status, 2 from a delivery status
	model, ptype, pcat                                            uint8
	billable                                                      cm.OptBool
}

// msgState flags.
const (
	mfSend      uint16 = 1 << iota // a message.sent was seen
	mfTemplate                     // the send is a template
	mfDelivered                    // a delivered, read or played status was seen
	mfFailed                       // a failed status was seen
	mfTest                         // test-channel traffic
	mfWindows                      // the window flags are known
	mfCSW                          // sent inside an open customer-service window
	mfFEP                          // sent inside a free-entry-point window
	mfStatus                       // a status was seen
)

func newState(msg uint32) msgState {
	return msgState{msg: msg, seenAt: noTime, sendAt: noTime, delivAt: noTime, pAt: noTime, ctryAt: noTime}
}

// fids are the frame ids of the strings the pass compares rows with.
type fids struct {
	tSent, tStatus, tRecv, tTopup     uint8
	stSent, stDeliv, stRead, stPlayed uint32
	stFailed                          uint32
	test, tmplType                    uint32
}

const absent = ^uint32(0) // an id no row holds

func frameIDs(f *frame.Frame) fids {
	code := func(t cm.Type) uint8 { c, _ := cm.TypeCode(t); return c }
	look := func(c frame.Field, s string) uint32 {
		if !f.Has(c) {
			return absent
		}
		if id, ok := f.Lookup(c, s); ok {
			return id
		}
		return absent
	}
	return fids{
		tSent: code(cm.MessageSent), tStatus: code(cm.MessageStatus), tRecv: code(cm.MessageReceived),
		tTopup: code(cm.CreditsTopup),
		stSent: look(frame.Status, "sent"), stDeliv: look(frame.Status, "delivered"), stRead: look(frame.Status, "read"),
		stPlayed: look(frame.Status, "played"), stFailed: look(frame.Status, "failed"),
		test: look(frame.Channel, string(cm.ChannelTest)), tmplType: look(frame.MessageType, "template"),
	}
}

// codeCache maps ids of one dictionary to small codes through a function
// of the string, remembering recent ids.
type codeCache struct {
	dict  frame.Dict
	fn    func(string) uint8
	ids   [256]uint32
	codes [256]uint8
}

func newCodeCache(d frame.Dict, fn func(string) uint8) *codeCache {
	c := &codeCache{fn: fn}
	c.reset(d)
	return c
}

// reset empties the cache for ids of d.
func (c *codeCache) reset(d frame.Dict) {
	c.dict = d
	for i := range c.ids {
		c.ids[i] = absent
	}
}

func (c *codeCache) get(id uint32) uint8 {
	if id == 0 {
		return 0
	}
	i := id & 255
	if c.ids[i] == id {
		return c.codes[i]
	}
	v := c.fn(c.dict.Str(id))
	c.ids[i], c.codes[i] = id, v
	return v
}

// window is a contact's window state on one business number.
type window struct {
	inbox    uint32
	lastIn   int64 // last inbound message
	arm      int64 // last inbound message from an ad, while no reply has opened its window
	fepUntil int64 // end of the open free-entry-point window
}

// cols are the frame's columns the fold reads (nil when not in the frame).
type cols struct {
	time                                              []int64
	typ                                               []uint8
	msg, ch, status, country, inbox                   []uint32
	pmodel, ptype, pcat, bconv                        []uint32
	tmpl, tcat, mtype, campaign, conv, referral, curr []uint32
}

func colsOf(f *frame.Frame) cols {
	col := func(c frame.Field) []uint32 {
		if f.Has(c) {
			return f.Col(c)
		}
		return nil
	}
	return cols{time: f.Time, typ: f.Type, msg: col(frame.Message), ch: col(frame.Channel), status: col(frame.Status),
		country: col(frame.Country), inbox: col(frame.Inbox), pmodel: col(frame.PricingModel), ptype: col(frame.PricingType),
		pcat: col(frame.PricingCategory), bconv: col(frame.BillingConversation), tmpl: col(frame.Template),
		tcat: col(frame.TemplateCategory), mtype: col(frame.MessageType), campaign: col(frame.Campaign),
		conv: col(frame.Conversation), referral: col(frame.Referral), curr: col(frame.Currency)}
}

// run is the state of one goroutine: a message table for the current
// contact group, caches, and the sink it emits into.
type run struct {
	e    *engine
	f    *frame.Frame // nil when resolving exported states
	c    cols
	ids  fids
	d    dicts
	sink *sink

	export bool       // keep message states instead of resolving them
	parts  []msgState // exported states
	tops   []topup    // exported top-ups (export mode)

	tab   msgTable
	slots []msgState
	wins  []window

	seen      []uint64 // messages of earlier groups (fast-mode check)
	conflict  bool     // a message has rows in two contact groups
	needRules bool     // a message needs the windows and the frame has none
	rules     bool     // the frame has the inbound messages the windows need

	pcat, tcat, ptype, model *codeCache
	markets                  marketCache
	// contact of the current group, as phone digits, resolved lazily
	phoneOf  uint32
	phone    string
	phoneSet bool
}

func (e *engine) newRun(f *frame.Frame, d dicts, rules, export bool) *run {
	r := &run{e: e, rules: rules, export: export}
	if !export {
		r.sink = newSink(e)
	}
	r.tab.init(64)
	r.bind(f, d)
	return r
}

// bind points the run at frame f (nil when resolving exported states)
// with dictionaries d, forgetting what it cached of the previous ones.
func (r *run) bind(f *frame.Frame, d dicts) {
	r.f, r.d = f, d
	if f != nil {
		r.c = colsOf(f)
		r.ids = frameIDs(f)
		if r.pcat == nil {
			r.pcat = newCodeCache(f.Dict(frame.PricingCategory), reportedCategory)
			r.tcat = newCodeCache(f.Dict(frame.TemplateCategory), reportedCategory)
			r.ptype = newCodeCache(f.Dict(frame.PricingType), pricingTypeCode)
			r.model = newCodeCache(f.Dict(frame.PricingModel), pricingModelCode)
		} else {
			r.pcat.reset(f.Dict(frame.PricingCategory))
			r.tcat.reset(f.Dict(frame.TemplateCategory))
			r.ptype.reset(f.Dict(frame.PricingType))
			r.model.reset(f.Dict(frame.PricingModel))
		}
		if !r.export {
			r.seen = make([]uint64, (d.msg.Len()+63)/64)
		}
	}
	r.markets.init(d.country)
	r.phoneSet = false
}

// msgTable is a small open-addressing table from message id to slot,
// cleared for each contact group.
type msgTable struct {
	keys []uint32 // id+1; 0 empty
	vals []int32
	used []int32 // occupied positions
}

func (t *msgTable) init(n int) {
	t.keys, t.vals, t.used = make([]uint32, n), make([]int32, n), t.used[:0]
}

func (t *msgTable) reset() {
	for _, p := range t.used {
		t.keys[p] = 0
	}
	t.used = t.used[:0]
}

// slot returns the slot of msg in r.slots, adding one when new. A status
// usually follows its send closely: the latest slots are tried first.
func (r *run) slot(msg uint32) *msgState {
	for i := len(r.slots) - 1; i >= max(0, len(r.slots)-3); i-- {
		if r.slots[i].msg == msg {
			return &r.slots[i]
		}
	}
	t := &r.tab
	if 2*(len(t.used)+1) > len(t.keys) {
		r.grow()
	}
	mask := uint32(len(t.keys) - 1)
	p := (msg * 0x9E3779B1) >> 7 & mask
	for {
		switch t.keys[p] {
		case msg + 1:
			return &r.slots[t.vals[p]]
		case 0:
			t.keys[p] = msg + 1
			t.vals[p] = int32(len(r.slots))
			t.used = append(t.used, int32(p))
			r.slots = append(r.slots, newState(msg))
			return &r.slots[len(r.slots)-1]
		}
		p = (p + 1) & mask
	}
}

func (r *run) grow() {
	old := r.tab
	r.tab.init(2 * len(old.keys))
	mask := uint32(len(r.tab.keys) - 1)
	for _, op := range old.used {
		k := old.keys[op]
		p := ((k - 1) * 0x9E3779B1) >> 7 & mask
		for r.tab.keys[p] != 0 {
			p = (p + 1) & mask
		}
		r.tab.keys[p], r.tab.vals[p] = k, old.vals[op]
		r.tab.used = append(r.tab.used, int32(p))
	}
}

// groups folds the contact groups [lo, hi) of the frame.
func (r *run) groups(ctx context.Context, lo, hi int) error {
	for g := lo; g < hi; g++ {
		if (g-lo)&1023 == 1023 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		a, b := r.f.Group(g)
		r.group(a, b)
	}
	return nil
}

// group folds the rows [lo, hi) of one contact.
func (r *run) group(lo, hi int) {
	c, ids := &r.c, &r.ids
	r.tab.reset()
	r.slots = r.slots[:0]
	r.wins = r.wins[:0]
	r.phoneSet = false
	contact := r.f.Contact[lo]
	includeTest := r.e.q.IncludeTest
	for row := lo; row < hi; row++ {
		t := c.typ[row]
		test := c.ch[row] == ids.test
		switch {
		case t == ids.tStatus:
			if m := c.msg[row]; m != 0 {
				r.status(r.slot(m), row, test)
			}
		case t == ids.tSent:
			if m := c.msg[row]; m != 0 {
				r.send(r.slot(m), row, contact, test)
			}
		case test && !includeTest:
		case t == ids.tRecv:
			r.received(row)
		case t == ids.tTopup:
			r.topup(row)
		}
	}
	for i := range r.slots {
		s := &r.slots[i]
		if s.contact == 0 {
			s.contact = contact
		}
		if r.export {
			r.parts = append(r.parts, *s)
			continue
		}
		w, b := s.msg>>6, uint64(1)<<(s.msg&63)
		if r.seen[w]&b != 0 {
			r.conflict = true
		}
		r.seen[w] |= b
		r.resolve(s)
	}
}

// status merges a status row into s.
func (r *run) status(s *msgState, row int, test bool) {
	c, ids := &r.c, &r.ids
	t := c.time[row]
	s.flags |= mfStatus
	if test {
		s.flags |= mfTest
	}
	if t < s.seenAt || s.seenAt == noTime {
		s.seenAt = t
	}
	class := uint8(1)
	switch st := c.status[row]; st {
	case ids.stDeliv, ids.stRead, ids.stPlayed:
		if s.flags&mfDelivered == 0 || t < s.delivAt {
			s.delivAt = t
		}
		s.flags |= mfDelivered
		class = 2
	case ids.stFailed:
		s.flags |= mfFailed
		class = 0 // pricing on a failed status is never used
	}
	if s.ctryAt == noTime || t <= s.ctryAt {
		if ctry := c.country[row]; ctry != 0 && (s.ctryAt == noTime || t < s.ctryAt || (ctry != s.country && r.d.country.Str(ctry) < r.d.country.Str(s.country))) {
			s.country, s.ctryAt = ctry, t
		}
	}
	if s.sinbox == 0 {
		s.sinbox = c.inbox[row]
	}
	// Only pricing that can be preferred to the current one is decoded:
	// rows come in time order, so a later status of the same class never is.
	if class == 0 || class < s.pclass || (class == s.pclass && t > s.pAt) {
		return
	}
	model, ptype, pcat := c.pmodel[row], c.ptype[row], c.pcat[row]
	bill := r.f.Billable(row)
	if model == 0 && ptype == 0 && pcat == 0 && bill == cm.Unset {
		return
	}
	var k msgState
	k.pclass, k.pAt, k.billable, k.bconv = class, t, bill, c.bconv[row]
	k.model, k.ptype, k.pcat = r.model.get(model), r.ptype.get(ptype), r.pcat.get(pcat)
	if s.pclass == 0 || better(&k, s, r.d.bconv) {
		s.pclass, s.pAt, s.model, s.ptype, s.pcat, s.billable, s.bconv = k.pclass, k.pAt, k.model, k.ptype, k.pcat, k.billable, k.bconv
	}
}

// better reports whether the pricing of a is preferred to that of b: from
// a delivery status over a sent one, then the earlier, then by the values
// (so that the choice never depends on the order events arrive in).
func better(a, b *msgState, bconv frame.Dict) bool {
	if a.pclass != b.pclass {
		return a.pclass > b.pclass
	}
	if a.pAt != b.pAt {
		return a.pAt < b.pAt
	}
	ka := uint32(a.model)<<24 | uint32(a.ptype)<<16 | uint32(a.pcat)<<8 | uint32(a.billable)
	kb := uint32(b.model)<<24 | uint32(b.ptype)<<16 | uint32(b.pcat)<<8 | uint32(b.billable)
	if ka != kb {
		return ka < kb
	}
	return a.bconv != b.bconv && bconv.Str(a.bconv) < bconv.Str(b.bconv)
}

// send merges a message.sent row into s.
func (r *run) send(s *msgState, row int, contact uint32, test bool) {
	c, ids := &r.c, &r.ids
	t := c.time[row]
	if test {
		s.flags |= mfTest
	}
	if t < s.seenAt || s.seenAt == noTime {
		s.seenAt = t
	}
	if s.flags&mfSend != 0 {
		return // a repeated send of the same message: the first (earliest) counts
	}
	s.flags |= mfSend
	s.sendAt = t
	s.contact = contact
	s.inbox = c.inbox[row]
	tmpl := c.tmpl[row]
	s.template = tmpl
	if tmpl != 0 || c.mtype[row] == ids.tmplType {
		s.flags |= mfTemplate
	}
	s.tcat = r.tcat.get(c.tcat[row])
	if c.campaign != nil {
		s.campaign = c.campaign[row]
	}
	if c.conv != nil {
		s.conv = c.conv[row]
	}
	if r.rules {
		w := r.window(s.inbox)
		s.flags |= mfWindows
		if w.lastIn != noTime && t < w.lastIn+csw {
			s.flags |= mfCSW
		}
		switch {
		case w.fepUntil != noTime && t < w.fepUntil:
			s.flags |= mfFEP
		case w.arm != noTime && t <= w.arm+fepArm:
			w.fepUntil = t + fepLen
			w.arm = noTime
			s.flags |= mfFEP
		}
	}
}

func (r *run) window(inbox uint32) *window {
	for i := range r.wins {
		if r.wins[i].inbox == inbox {
			return &r.wins[i]
		}
	}
	r.wins = append(r.wins, window{inbox: inbox, lastIn: noTime, arm: noTime, fepUntil: noTime})
	return &r.wins[len(r.wins)-1]
}

// received updates the windows with an inbound message.
func (r *run) received(row int) {
	c := &r.c
	w := r.window(c.inbox[row])
	t := c.time[row]
	w.lastIn = t
	if c.referral[row] != 0 && (w.fepUntil == noTime || t >= w.fepUntil) {
		w.arm = t
	}
}

// topup books a credits.topup row.
func (r *run) topup(row int) {
	f := r.f
	cur := f.Str(frame.Currency, row)
	if cur == "" {
		return
	}
	tp := topup{at: f.Time[row], currency: cur, amount: f.Amount(row)}
	if r.export {
		r.tops = append(r.tops, tp)
		return
	}
	r.sink.topup(tp)
}

// marketCache remembers the market of a country id under a market map.
type marketCache struct {
	dict frame.Dict
	key  [512]uint64 // id<<8 | map index, +1
	val  [512]int32  // market, or -1 when the map does not name the country
}

func (c *marketCache) init(d frame.Dict) {
	if c.dict != d {
		c.dict = d
		clear(c.key[:])
	}
}

func (c *marketCache) get(cc *compiled, id uint32, mi int) (uint16, bool) {
	k := uint64(id)<<8 | uint64(mi)
	i := (uint64(id)*31 + uint64(mi)) & 511
	if c.key[i] == k+1 {
		v := c.val[i]
		return uint16(max(v, 0)), v >= 0
	}
	m, ok := cc.marketOfCountry(mi, c.dict.Str(id))
	c.key[i] = k + 1
	c.val[i] = -1
	if ok {
		c.val[i] = int32(m)
	}
	return m, ok
}

// phoneDigits returns the contact as the digits of an international phone
// number (6 to 15 digits, an optional leading "+"), or "".
func phoneDigits(s string) string {
	s = strings.TrimPrefix(s, "+")
	if len(s) < 6 || len(s) > 15 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return ""
		}
	}
	return s
}

// bitsetOr ORs b into a (growing a) and reports whether they shared a bit.
func bitsetOr(a *[]uint64, b []uint64) bool {
	if len(*a) < len(b) {
		*a = append(*a, make([]uint64, len(b)-len(*a))...)
	}
	shared := false
	for i, w := range b {
		if (*a)[i]&w != 0 {
			shared = true
		}
		(*a)[i] |= w
	}
	return shared
}

func popcount(a []uint64) int {
	n := 0
	for _, w := range a {
		n += bits.OnesCount64(w)
	}
	return n
}
