package session

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
	"github.com/shopspring/decimal"
)

// Sender kinds, in the order of the message counts.
const (
	kAgent = iota
	kBot
	kAI
	kCampaign
	kBroadcast
	numKinds
	kNone = numKinds
)

var kindSender = [numKinds]cm.Sender{cm.SenderAgent, cm.SenderBot, cm.SenderAI, cm.SenderCampaign, cm.SenderBroadcast}

// parts selects what a fold computes.
type parts uint8

const (
	partOverview parts = 1 << iota
	partAgents
	partAssist
	partList
	partWindows
	partAll = partOverview | partAgents | partAssist | partList | partWindows
)

// Accumulator folds one tenant's events, a contact at a time, into every
// number of the package, with the shape of a Beam CombineFn: create it
// with [NewAccumulator], add contacts with [Accumulator.Add] (or fold a
// store with [Fold]), merge partial accumulators with
// [Accumulator.Merge], and read the results with [Accumulator.Overview],
// [Accumulator.Agents], [Accumulator.Assist], [Accumulator.Windows] and
// [Accumulator.Sessions].
//
// Every number is a sum over contacts (a session, a window and a
// suggestion belong to one contact), so accumulators of disjoint sets of
// contacts — the partitions of cm.Partition — merge by addition, and the
// merged result equals the single-pass one exactly. Merging two
// accumulators that share a contact counts that contact twice. An
// Accumulator is not safe for concurrent use.
type Accumulator struct {
	c     *compiled
	parts parts
	sched *schedule
	// the span the schedule covers
	schedLo, schedHi int64

	ov      overviewAcc
	agents  map[string]*perfAcc
	teams   map[string]*perfAcc
	inboxes map[string]*perfAcc
	all     *perfAcc
	pairs   map[[2]string]struct{} // (agent, team) seen together

	assist      map[string]*assistAcc
	assistTeams map[string]*assistAcc
	assistAll   *assistAcc

	windows []OpenWindow
	outside []OutsideSend
	list    []SessionRow

	// bufs recycles the buffers of durations (nil: none); see bufPools
	bufs *bufPools
}

// NewAccumulator returns an empty accumulator for q, or q's validation
// error.
func NewAccumulator(q Query) (*Accumulator, error) {
	c, err := q.compile()
	if err != nil {
		return nil, err
	}
	return newAcc(c, partAll), nil
}

func newAcc(c *compiled, p parts) *Accumulator {
	a := &Accumulator{c: c, parts: p}
	n := c.buckets.Len()
	if p&partOverview != 0 {
		a.ov.init(n)
	}
	if p&partAgents != 0 {
		a.agents, a.teams, a.inboxes = map[string]*perfAcc{}, map[string]*perfAcc{}, map[string]*perfAcc{}
		a.all = newPerf(n)
		a.pairs = map[[2]string]struct{}{}
	}
	if p&partAssist != 0 {
		a.assist, a.assistTeams = map[string]*assistAcc{}, map[string]*assistAcc{}
		a.assistAll = newAssistAcc(n)
	}
	return a
}

// Add folds one contact's events (in any order; exact repeats of an event
// id are used once). Events of other tenants, and of other partitions
// when the query names one, are ignored. Each contact must be added once,
// to one accumulator.
func (a *Accumulator) Add(log cm.ContactLog) {
	q := cm.Query{Tenant: a.c.q.Tenant, Partition: a.c.q.Partition}
	evs := make([]cm.Event, 0, len(log.Events))
	for i := range log.Events {
		if q.Wants(&log.Events[i]) && log.Events[i].Contact == log.Contact {
			evs = append(evs, log.Events[i])
		}
	}
	if len(evs) == 0 {
		return
	}
	slices.SortFunc(evs, func(x, y cm.Event) int { return cm.CompareEvents(&x, &y) })
	evs = slices.CompactFunc(evs, func(x, y cm.Event) bool { return x.ID == y.ID })
	if a.parts&(partOverview|partAgents|partList|partWindows) != 0 {
		f := frame.FromEvents(a.c.spec(), evs)
		a.foldFrame(f)
	}
	if a.parts&partAssist != 0 {
		f := frame.FromEvents(a.c.assistSpec(), evs)
		a.foldAssist(f)
	}
}

// Fold reads q's events from r and returns their accumulator. It is what
// every question of the package runs; use it to fold partitions separately
// (q.Partition) and merge them.
func Fold(ctx context.Context, r cm.Reader, q Query) (*Accumulator, error) {
	c, err := q.compile()
	if err != nil {
		return nil, err
	}
	return fold(ctx, r, c, partAll)
}

func fold(ctx context.Context, r cm.Reader, c *compiled, p parts) (*Accumulator, error) {
	a := newAcc(c, p)
	if p&(partOverview|partAgents|partList|partWindows) != 0 {
		f, err := frame.Get(ctx, r, c.spec())
		if err != nil {
			return nil, fmt.Errorf("session: %w", err)
		}
		a.bufs = framePools(f)
		if err := a.foldFrameCtx(ctx, f); err != nil {
			return nil, err
		}
	}
	if p&partAssist != 0 {
		f, err := frame.Get(ctx, r, c.assistSpec())
		if err != nil {
			return nil, fmt.Errorf("session: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		a.foldAssist(f)
	}
	return a, nil
}

// sessionTypes are the event types the session engine reads.
var sessionTypes = []cm.Type{cm.MessageReceived, cm.MessageSent, cm.ConversationOpened, cm.ConversationAssigned,
	cm.ConversationUnassigned, cm.ConversationHandoff, cm.ConversationResolved, cm.ConversationReopened}

// frameQuery selects every event of the tenant (all of its history: a
// contact is new only if it never wrote before, and a session may have
// started long before the range).
func (c *compiled) frameQuery(types []cm.Type) cm.Query {
	return cm.Query{Tenant: c.q.Tenant, Types: types, Partition: c.q.Partition}
}

// fields are the columns the engine reads; the message ids find the
// repeated messages (and price messages with Query.MessageCosts, and name
// the sends outside the window).
func (c *compiled) fields() frame.Fields {
	return frame.Of(frame.Channel, frame.Inbox, frame.Conversation, frame.Sender, frame.Agent, frame.Team,
		frame.Assistant, frame.Template, frame.MessageType, frame.Currency, frame.Message)
}

func (c *compiled) spec() frame.Spec {
	return frame.Spec{Query: c.frameQuery(sessionTypes), Fields: c.fields(), Amount: true}
}

// Merge adds o's partial results into a. Both must answer the same query
// by content (tenant, range, now, calendar, granularity, test traffic,
// filter, options and message costs; the partition and AllowLongRange
// aside) and hold disjoint contacts, such as the partitions of one query.
// Otherwise, and for an accumulator merged into itself, Merge returns an
// error wrapping [cm.ErrMismatch] and leaves a unchanged.
func (a *Accumulator) Merge(o *Accumulator) error {
	if o == nil {
		return fmt.Errorf("session: merge: %w: a nil accumulator", cm.ErrMismatch)
	}
	switch {
	case a == o:
		return fmt.Errorf("session: merge: %w: an accumulator into itself", cm.ErrMismatch)
	case !a.c.sameAs(o.c):
		return fmt.Errorf("session: merge: %w: another tenant, range, now, calendar, granularity, filter or option", cm.ErrMismatch)
	case a.parts != o.parts:
		return fmt.Errorf("session: merge: %w: accumulators of different questions", cm.ErrMismatch)
	}
	a.merge(o, false)
	return nil
}

// absorb merges o, a partial accumulator of the same fold that is dropped
// afterwards, into a, taking o's buffers where that saves copying them.
func (a *Accumulator) absorb(o *Accumulator) { a.merge(o, true) }

// merge adds o into a; with steal set, o is left unusable.
func (a *Accumulator) merge(o *Accumulator, steal bool) {
	if a.parts&partOverview != 0 {
		a.ov.merge(&o.ov, steal, a.bufs)
	}
	if a.parts&partAgents != 0 {
		mergePerfMap(a.agents, o.agents, steal, a.bufs)
		mergePerfMap(a.teams, o.teams, steal, a.bufs)
		mergePerfMap(a.inboxes, o.inboxes, steal, a.bufs)
		a.all.merge(o.all, steal, a.bufs)
		for k := range o.pairs {
			a.pairs[k] = struct{}{}
		}
	}
	if a.parts&partAssist != 0 {
		for k, v := range o.assist {
			if m := a.assist[k]; m != nil {
				m.merge(v)
			} else {
				a.assist[k] = v.clone()
			}
		}
		for k, v := range o.assistTeams {
			if m := a.assistTeams[k]; m != nil {
				m.merge(v)
			} else {
				a.assistTeams[k] = v.clone()
			}
		}
		a.assistAll.merge(o.assistAll)
	}
	a.windows = append(a.windows, o.windows...)
	a.outside = append(a.outside, o.outside...)
	a.list = append(a.list, o.list...)
}

func (c *compiled) sameAs(o *compiled) bool {
	if c == o {
		return true
	}
	a, b := c.q, o.q
	return a.Tenant == b.Tenant && a.Range.From.Equal(b.Range.From) && a.Range.To.Equal(b.Range.To) && c.now == o.now &&
		c.cal.Location().String() == o.cal.Location().String() && c.cal.WeekStart() == o.cal.WeekStart() && a.Granularity == b.Granularity &&
		a.IncludeTest == b.IncludeTest && sameJSON(a.Filter, b.Filter) && sameJSON(a.Options, b.Options) &&
		maps.EqualFunc(a.MessageCosts, b.MessageCosts, func(x, y cm.Money) bool { return x.Currency == y.Currency && x.Amount.Equal(y.Amount) }) &&
		(a.MessageCosts == nil) == (b.MessageCosts == nil)
}

// sameJSON compares two definitions by content (pointers and map order do
// not matter).
func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// ---- overview accumulator ----

type snapCounts struct {
	unassigned, assigned, resolved int
	contacts                       int // contacts with an active session
	activeKnown                    int // of those, contacts who had written before
	known                          int // contacts who had written before
	windows                        int // contacts with an open 24-hour window
}

func (s *snapCounts) add(o *snapCounts) {
	s.unassigned += o.unassigned
	s.assigned += o.assigned
	s.resolved += o.resolved
	s.contacts += o.contacts
	s.activeKnown += o.activeKnown
	s.known += o.known
	s.windows += o.windows
}

type overviewAcc struct {
	activeSessions, newSessions, newIncoming      []int
	activeSessionsTotal                           int
	contacts, newContacts, activeContacts         []int
	contactsTotal, activeContactsTotal            int
	received                                      []int
	sent                                          [numKinds][]int
	mpsNum, mpsDen                                []int
	respNum, respDen                              []int
	respTime, firstResp                           []durs
	outside                                       []int
	outsideBy                                     [numKinds]int
	botSessions, botOnly, botResolved, handoffSes []int
	handoffs, resolutions, botResolutions, reopen []int
	snaps                                         []snapCounts
	knownDiff                                     []int // contacts who first wrote before bucket end i, as a difference array
	snapNow, snapEnd                              snapCounts
	cost                                          []moneyAcc
	costSess                                      moneyAcc
}

func ints(n int) []int { return make([]int, n) }

func (o *overviewAcc) init(n int) {
	for _, p := range []*[]int{&o.activeSessions, &o.newSessions, &o.newIncoming, &o.contacts, &o.newContacts,
		&o.activeContacts, &o.received, &o.mpsNum, &o.mpsDen, &o.respNum, &o.respDen, &o.outside,
		&o.botSessions, &o.botOnly, &o.botResolved, &o.handoffSes, &o.handoffs, &o.resolutions,
		&o.botResolutions, &o.reopen} {
		*p = ints(n)
	}
	for k := range o.sent {
		o.sent[k] = ints(n)
	}
	o.respTime = make([]durs, n)
	o.firstResp = make([]durs, n)
	o.snaps = make([]snapCounts, n)
	o.knownDiff = ints(n + 1)
	o.cost = make([]moneyAcc, n)
}

func addInts(a, b []int) {
	for i := range b {
		a[i] += b[i]
	}
}

func (o *overviewAcc) merge(p *overviewAcc, steal bool, bufs *bufPools) {
	for _, x := range [][2][]int{{o.activeSessions, p.activeSessions}, {o.newSessions, p.newSessions},
		{o.newIncoming, p.newIncoming}, {o.contacts, p.contacts}, {o.newContacts, p.newContacts},
		{o.activeContacts, p.activeContacts}, {o.received, p.received}, {o.mpsNum, p.mpsNum},
		{o.mpsDen, p.mpsDen}, {o.respNum, p.respNum}, {o.respDen, p.respDen}, {o.outside, p.outside},
		{o.botSessions, p.botSessions}, {o.botOnly, p.botOnly}, {o.botResolved, p.botResolved},
		{o.handoffSes, p.handoffSes}, {o.handoffs, p.handoffs}, {o.resolutions, p.resolutions},
		{o.botResolutions, p.botResolutions}, {o.reopen, p.reopen}, {o.knownDiff, p.knownDiff}} {
		addInts(x[0], x[1])
	}
	for k := range o.sent {
		addInts(o.sent[k], p.sent[k])
		o.outsideBy[k] += p.outsideBy[k]
	}
	o.activeSessionsTotal += p.activeSessionsTotal
	o.contactsTotal += p.contactsTotal
	o.activeContactsTotal += p.activeContactsTotal
	for i := range o.respTime {
		o.respTime[i].mergeFrom(&p.respTime[i], steal, bufs)
		o.firstResp[i].mergeFrom(&p.firstResp[i], steal, bufs)
		o.snaps[i].add(&p.snaps[i])
		o.cost[i].merge(&p.cost[i])
	}
	o.snapNow.add(&p.snapNow)
	o.snapEnd.add(&p.snapEnd)
	o.costSess.merge(&p.costSess)
}

// recycle offers a's buffers of durations for recycling by the next
// question on the same frame (see bufPools), once its results have been
// extracted; a must not be used again.
func (a *Accumulator) recycle() {
	if a.bufs == nil {
		return
	}
	if a.parts&partOverview != 0 {
		for i := range a.ov.respTime {
			a.ov.respTime[i].recycle(a.bufs)
			a.ov.firstResp[i].recycle(a.bufs)
		}
	}
	if a.parts&partAgents != 0 {
		for _, m := range []map[string]*perfAcc{a.agents, a.teams, a.inboxes, {"": a.all}} {
			for _, p := range m {
				for i := range p.frt {
					p.frt[i].recycle(a.bufs)
					p.reply[i].recycle(a.bufs)
					p.resTime[i].recycle(a.bufs)
				}
			}
		}
	}
}

// ---- performance accumulator ----

type slaCounts struct{ met, breached, pending int }

type perfAcc struct {
	activeNow, activeEnd  int
	assigned, sessionsAsg []int
	msgs, resolutions     []int
	frt, reply, resTime   []durs
	sla                   [3]slaCounts
}

func newPerf(n int) *perfAcc {
	return &perfAcc{assigned: ints(n), sessionsAsg: ints(n), msgs: ints(n), resolutions: ints(n),
		frt: make([]durs, n), reply: make([]durs, n), resTime: make([]durs, n)}
}

func (p *perfAcc) merge(o *perfAcc, steal bool, bufs *bufPools) {
	p.activeNow += o.activeNow
	p.activeEnd += o.activeEnd
	addInts(p.assigned, o.assigned)
	addInts(p.sessionsAsg, o.sessionsAsg)
	addInts(p.msgs, o.msgs)
	addInts(p.resolutions, o.resolutions)
	for i := range p.frt {
		p.frt[i].mergeFrom(&o.frt[i], steal, bufs)
		p.reply[i].mergeFrom(&o.reply[i], steal, bufs)
		p.resTime[i].mergeFrom(&o.resTime[i], steal, bufs)
	}
	for i := range p.sla {
		p.sla[i].met += o.sla[i].met
		p.sla[i].breached += o.sla[i].breached
		p.sla[i].pending += o.sla[i].pending
	}
}

func (p *perfAcc) clone() *perfAcc {
	c := newPerf(len(p.msgs))
	c.merge(p, false, nil)
	return c
}

// mergePerfMap merges src into dst; with steal set, dst may take src's
// rows (and offers the buffers it does not keep to bufs).
func mergePerfMap(dst, src map[string]*perfAcc, steal bool, bufs *bufPools) {
	for k, v := range src {
		switch d := dst[k]; {
		case d != nil:
			d.merge(v, steal, bufs)
		case steal:
			dst[k] = v
		default:
			dst[k] = v.clone()
		}
	}
}

// ---- money ----

type moneyKey struct {
	cur string
	exp int32
}

// moneyAcc sums amounts per currency exactly: int64 coefficients per
// (currency, exponent) while they fit, decimals beyond.
type moneyAcc struct {
	fast map[moneyKey]int64
	big  cm.Amounts
}

func (m *moneyAcc) add(cur string, coef int64, exp int32) {
	if m.fast == nil {
		m.fast = map[moneyKey]int64{}
	}
	k := moneyKey{cur, exp}
	v := m.fast[k]
	s := v + coef
	if (coef > 0 && s < v) || (coef < 0 && s > v) {
		m.big = m.big.Add(cur, decimal.New(v, exp))
		s = coef
	}
	m.fast[k] = s
}

func (m *moneyAcc) addDecimal(cur string, d decimal.Decimal) {
	if d.NumDigits() <= 18 {
		m.add(cur, d.CoefficientInt64(), d.Exponent())
		return
	}
	m.big = m.big.Add(cur, d)
}

func (m *moneyAcc) merge(o *moneyAcc) {
	for k, v := range o.fast {
		m.add(k.cur, v, k.exp)
	}
	m.big = m.big.Merge(o.big)
}

func (m *moneyAcc) amounts() cm.Amounts {
	out := cm.Amounts{}
	for k, v := range m.fast {
		if v != 0 {
			out = out.Add(k.cur, decimal.New(v, k.exp))
		}
	}
	out = out.Merge(m.big)
	for c, v := range out {
		if v.IsZero() {
			delete(out, c)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
