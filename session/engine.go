package session

import (
	"context"
	"math"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// day is the time a resolved session stays active, and the length of the
// customer-service window.
const day = int64(24 * 60 * 60 * 1e9)

// noTime marks an unset instant.
const noTime = math.MinInt64

// Session states.
const (
	stUnassigned = iota
	stAssigned
	stResolved
	stEnded
)

// Channel kinds.
const (
	chOther = iota // empty: unspecified
	chWhatsApp
	chWeb
	chAPI
	chTest
)

// Type codes.
var (
	tReceived, _   = cm.TypeCode(cm.MessageReceived)
	tSent, _       = cm.TypeCode(cm.MessageSent)
	tOpened, _     = cm.TypeCode(cm.ConversationOpened)
	tAssigned, _   = cm.TypeCode(cm.ConversationAssigned)
	tUnassigned, _ = cm.TypeCode(cm.ConversationUnassigned)
	tHandoff, _    = cm.TypeCode(cm.ConversationHandoff)
	tResolved, _   = cm.TypeCode(cm.ConversationResolved)
	tReopened, _   = cm.TypeCode(cm.ConversationReopened)
)

// fctx is a frame prepared for one query: its columns and the ids of the
// values the query names.
type fctx struct {
	f                                                *frame.Frame
	times                                            []int64
	types                                            []uint8
	ch, inbox, conv, sender, agent, team, asst, tmpl []uint32
	mtype, cur, msg                                  []uint32
	chanKind, senderKind                             []uint8
	reaction                                         uint32
	hasReaction                                      bool
	fChannels                                        [5]bool
	fChan                                            bool
	fInbox, fAsst, fAgent, fTeam, fContact           idSet
	none                                             bool // a filter value that no row holds: nothing matches
	costs                                            map[uint32]cm.Money
	codes                                            []uint16
}

// idSet is a filter's ids; nil means no filter.
type idSet map[uint32]struct{}

func (s idSet) has(id uint32) bool { _, ok := s[id]; return ok }

func lookupSet(f *frame.Frame, c frame.Field, vals []string) (idSet, bool) {
	if len(vals) == 0 {
		return nil, true
	}
	s := idSet{}
	for _, v := range vals {
		if id, ok := f.Lookup(c, v); ok && id != 0 {
			s[id] = struct{}{}
		}
	}
	return s, len(s) > 0
}

func lookupContacts(f *frame.Frame, vals []string) (idSet, bool) {
	if len(vals) == 0 {
		return nil, true
	}
	s := idSet{}
	for _, v := range vals {
		if id, ok := f.Contacts.Lookup(v); ok {
			s[id] = struct{}{}
		}
	}
	return s, len(s) > 0
}

func newFctx(c *compiled, f *frame.Frame) *fctx {
	x := &fctx{f: f, times: f.Time, types: f.Type}
	x.ch, x.inbox, x.conv = f.Col(frame.Channel), f.Col(frame.Inbox), f.Col(frame.Conversation)
	x.sender, x.agent, x.team = f.Col(frame.Sender), f.Col(frame.Agent), f.Col(frame.Team)
	x.asst, x.tmpl, x.mtype, x.cur = f.Col(frame.Assistant), f.Col(frame.Template), f.Col(frame.MessageType), f.Col(frame.Currency)
	if f.Has(frame.Message) {
		x.msg = f.Col(frame.Message)
	}
	cd := f.Dict(frame.Channel)
	x.chanKind = make([]uint8, cd.Len())
	for id := range x.chanKind {
		x.chanKind[id] = chanKindOf(cm.Channel(cd.Str(uint32(id))))
	}
	sd := f.Dict(frame.Sender)
	x.senderKind = make([]uint8, sd.Len())
	for id := range x.senderKind {
		x.senderKind[id] = kNone
		s := cm.Sender(sd.Str(uint32(id)))
		for k, ks := range kindSender {
			if s == ks {
				x.senderKind[id] = uint8(k)
			}
		}
	}
	x.reaction, x.hasReaction = f.Lookup(frame.MessageType, "reaction")
	if x.reaction == 0 {
		x.hasReaction = false
	}
	for _, ch := range c.opts.filterChannels {
		x.fChan = true
		if k := chanKindOf(ch); k != chOther {
			x.fChannels[k] = true
		}
	}
	var ok bool
	fl := c.q.Filter
	if x.fInbox, ok = lookupSet(f, frame.Inbox, fl.Inboxes); !ok {
		x.none = true
	}
	// an assistant, agent or team no row holds selects no session (an
	// empty set), but the windows still count
	x.fAsst, _ = lookupSet(f, frame.Assistant, fl.Assistants)
	x.fAgent, _ = lookupSet(f, frame.Agent, fl.Agents)
	x.fTeam, _ = lookupSet(f, frame.Team, fl.Teams)
	if x.fContact, ok = lookupContacts(f, fl.Contacts); !ok {
		x.none = true
	}
	if c.opts.costs != nil {
		x.costs = make(map[uint32]cm.Money, len(c.opts.costs))
		for id, m := range c.opts.costs {
			if mid, ok := f.Lookup(frame.Message, id); ok && mid != 0 {
				x.costs[mid] = m
			}
		}
	}
	if f.Len() < 1<<12 {
		x.codes = computeCodes(f, x.chanKind, x.senderKind, x.reaction, x.hasReaction, c.q.IncludeTest)
	} else {
		x.codes = rowCodes(f, x.chanKind, x.senderKind, x.reaction, x.hasReaction, c.q.IncludeTest)
	}
	return x
}

// chanKindOf returns the channel kind of ch (chOther when unspecified or
// unknown).
func chanKindOf(ch cm.Channel) uint8 {
	switch ch {
	case cm.ChannelWhatsApp:
		return chWhatsApp
	case cm.ChannelWebWidget:
		return chWeb
	case cm.ChannelAPI:
		return chAPI
	case cm.ChannelTest:
		return chTest
	}
	return chOther
}

// placeMatch reports whether a channel kind and an inbox pass the channel
// and inbox filters.
func (x *fctx) placeMatch(kind uint8, inbox uint32) bool {
	return (!x.fChan || x.fChannels[kind]) && (x.fInbox == nil || x.fInbox.has(inbox))
}

// sess is the state of one session of the current contact.
type sess struct {
	conv, inbox uint32
	chKind      uint8
	start       int64
	match       bool
	incoming    bool
	sawMsg      bool
	startIn     int32 // bucket of the start, -1 outside the range

	state      uint8
	since      int64 // start of the current state
	resolvedAt int64
	// idleEnd is when the session ends by inactivity, its latest event
	// plus the inactivity timeout (MaxInt64 without one); it matters only
	// while the session is not resolved
	idleEnd    int64
	agent      uint32
	team       uint32
	lastBucket int32 // last bucket counted as active
	inRange    bool  // active at some instant of the range

	// the current resolve cycle
	cycleStart   int64
	cycleFirstIn int64
	trigger      int64
	hfrDone      bool
	waitSince    int64
	cycleHuman   bool
	pendLast     int64 // the last inbound message awaiting a reply (without a response window)

	// session-wide
	human, botEngaged, handoff, botResolved bool
	firstIn                                 int64
	firstReplied                            bool
	cwDone                                  bool
	cwTrigger, cwLastBotRes                 int64
	cwHandoffSeen                           bool
	lastResBucket                           int32
	resIn                                   resRef
	sla                                     [3]uint8
	asgAny                                  bool // assigned in the range

	// for the session list
	in, out, cycles, resolutions int
	lastResolved                 int64
	firstResponse                int64
	humanFirst                   int64
	assistant                    uint32
	lastAgent, lastTeam          uint32

	ord        int32
	fa, fg, ft bool  // the pre-pass saw the filter's assistant, agent, team
	endState   uint8 // 1 + the state at the end of the range, 0 if not active then
}

// resRef is the last resolution of a session in the range, for counting
// distinct resolved sessions.
type resRef struct {
	bucket             int32
	agent, team, inbox uint32
	valid              bool
}

// SLA statuses, ordered so that the worst wins.
const (
	slaNone = iota
	slaMet
	slaPending
	slaBreached
)

func (s *sess) slaMark(k int, v uint8) {
	if v > s.sla[k] {
		s.sla[k] = v
	}
}

// slaJudge marks SLA clock k of s breached when d is past target, and
// within (slaNone: nothing) otherwise.
func (s *sess) slaJudge(k int, d, target int64, within uint8) {
	if d > target {
		s.slaMark(k, slaBreached)
	} else {
		s.slaMark(k, within)
	}
}

// bitset is a set of bucket indexes with a cheap reset.
type bitset struct {
	w       []uint64
	touched []int32
}

func (b *bitset) init(n int) { b.w = make([]uint64, (n+63)/64) }

func (b *bitset) set(i int) {
	k := i >> 6
	if b.w[k] == 0 {
		b.touched = append(b.touched, int32(k))
	}
	b.w[k] |= 1 << (uint(i) & 63)
}

// drain calls fn for every index set, then clears the set.
func (b *bitset) drain(fn func(int)) {
	for _, k := range b.touched {
		for v := b.w[k]; v != 0; v &= v - 1 {
			fn(int(k)<<6 + bits.TrailingZeros64(v))
		}
		b.w[k] = 0
	}
	b.touched = b.touched[:0]
}

// win is one inbox's customer-service window of the current contact.
type win struct {
	inbox      uint32
	lastIn     int64
	lastBefore int64 // the last inbound at or before the query's now
}

// worker folds runs of contact groups into one accumulator.
type worker struct {
	x     *fctx
	c     *compiled
	a     *Accumulator
	sched *schedule
	ov    bool
	ag    bool
	lst   bool
	wins  bool

	pre     bool
	sess    []sess // pointer-free, so that a new session is a plain copy
	live    []int32
	pend    [][]int64  // per session: inbound messages awaiting a reply (with a response window)
	asg     [][]uint32 // per session: agents and teams assigned in the range (distinct)
	matches []bool

	// the current contact
	contact     uint32
	firstIn     int64
	lastCBucket int
	actNow      bool
	actEnd      bool
	actRange    bool
	actBits     bitset
	snapBits    bitset
	winStart    int64
	winEnd      int64
	win         []win

	idx           *contactIndex // set while building the index
	group         int
	restarts      []int32 // while building the index: rows where a session starts with none live
	revived       bool    // while building the index: a row named a host session that had ended
	firstInPreset int64   // the first inbound message of a contact read from a restart row
	// skipLo, skipHi are the rows a contact read from a restart row skips
	// (empty otherwise); an outside send looks its last inbound up there
	skipLo, skipHi int

	agentP, teamP, inboxP map[uint32]*perfAcc
	pairs                 map[[2]uint32]struct{}
	lastB                 int
	bLo, bHi              int64 // the bounds of bucket lastB (empty at first)
}

func newWorker(c *compiled, x *fctx, a *Accumulator, sc *schedule) *worker {
	w := &worker{x: x, c: c, a: a, sched: sc, ov: a.parts&partOverview != 0, ag: a.parts&partAgents != 0,
		lst: a.parts&partList != 0, wins: a.parts&partWindows != 0}
	n := c.buckets.Len()
	w.firstInPreset = noTime
	w.actBits.init(n)
	w.snapBits.init(n)
	if w.ag {
		w.agentP, w.teamP, w.inboxP = map[uint32]*perfAcc{}, map[uint32]*perfAcc{}, map[uint32]*perfAcc{}
		w.pairs = map[[2]uint32]struct{}{}
	}
	return w
}

// dur returns the duration from a to b: wall-clock, or working time.
func (w *worker) dur(a, b int64) int64 {
	if b < a {
		return 0
	}
	if w.sched != nil {
		return w.sched.between(a, b)
	}
	return b - a
}

// bucket returns the bucket of t, or -1 outside the range. It is small
// enough to inline: the last bucket found is remembered with its bounds
// (most lookups are of the same bucket as the one before).
func (w *worker) bucket(t int64) int {
	if t >= w.bLo && t < w.bHi {
		return w.lastB
	}
	return w.bucketSlow(t)
}

// bucketAside is bucket for an instant off the rows' way (the ends of a
// state interval): it leaves the remembered bucket to the rows.
func (w *worker) bucketAside(t int64) int {
	if t >= w.bLo && t < w.bHi {
		return w.lastB
	}
	return w.c.bucketOf(t)
}

func (w *worker) bucketSlow(t int64) int {
	c := w.c
	b := c.bucketOf(t)
	if b >= 0 {
		w.lastB, w.bLo, w.bHi = b, c.starts[b], c.ends[b]
	}
	return b
}

func (w *worker) perf(m map[uint32]*perfAcc, dst map[string]*perfAcc, d frame.Dict, id uint32) *perfAcc {
	if id == 0 {
		return nil
	}
	if p := m[id]; p != nil {
		return p
	}
	name := d.Str(id)
	p := dst[name]
	if p == nil {
		p = newPerf(w.c.buckets.Len())
		dst[name] = p
	}
	m[id] = p
	return p
}

func (w *worker) agentPerf(id uint32) *perfAcc {
	return w.perf(w.agentP, w.a.agents, w.x.f.Dict(frame.Agent), id)
}
func (w *worker) teamPerf(id uint32) *perfAcc {
	return w.perf(w.teamP, w.a.teams, w.x.f.Dict(frame.Team), id)
}
func (w *worker) inboxPerf(id uint32) *perfAcc {
	return w.perf(w.inboxP, w.a.inboxes, w.x.f.Dict(frame.Inbox), id)
}

// credited returns the rows a number is credited to: the agent's, the
// team's and the inbox's (nil when the id is empty) and the All row.
func (w *worker) credited(agent, team, inbox uint32) [4]*perfAcc {
	return [4]*perfAcc{w.agentPerf(agent), w.teamPerf(team), w.inboxPerf(inbox), w.a.all}
}

// ---- the fold ----

func (a *Accumulator) ensureSchedule(f *frame.Frame) {
	c := a.c
	if c.hours == nil || f.Len() == 0 {
		return
	}
	// a year before the range and a month after cover most contacts, so
	// that adding contact after contact rarely recompiles the schedule
	lo, hi := c.from-366*day, max(c.to, c.now)+31*day
	for _, t := range f.Time {
		lo, hi = min(lo, t), max(hi, t)
	}
	if a.sched != nil && a.schedLo <= lo && a.schedHi >= hi {
		return
	}
	if a.sched != nil {
		lo, hi = min(lo, a.schedLo), max(hi, a.schedHi)
	}
	a.sched = compileSchedule(c.hours, c.hoursLoc, lo, hi)
	a.schedLo, a.schedHi = lo, hi
}

func (a *Accumulator) foldFrame(f *frame.Frame) { _ = a.foldFrameCtx(context.Background(), f) }

// foldFrameCtx folds every contact group of f, on both cores, and merges
// the runs into a.
func (a *Accumulator) foldFrameCtx(ctx context.Context, f *frame.Frame) error {
	if f.Len() == 0 {
		return nil
	}
	a.ensureSchedule(f)
	x := newFctx(a.c, f)
	if x.none {
		return nil
	}
	// contacts quiet since before the range need not be read again
	var idx *contactIndex
	if f.Len() >= a.c.minIndexRows && a.c.q.Filter.IsZero() && a.c.now >= a.c.from {
		idx = contactIndexOf(a.c, f, a.sched)
	}
	// the contacts are cut into many small chunks that the workers take
	// in turn, so that the cores finish together however unevenly the
	// index lets them skip; each worker folds into its own accumulator
	chunks := f.Split(a.c.numChunks(f))
	nw := min(a.c.numWorkers(f), len(chunks))
	accs := make([]*Accumulator, nw)
	errs := make([]error, nw)
	// the lists are kept per chunk and joined in chunk order (the order
	// of the contacts), so that they come out as from a single pass
	var lists []foldLists
	if a.parts&(partList|partWindows) != 0 {
		lists = make([]foldLists, len(chunks))
	}
	var next atomic.Int64
	inParallel(nw, func(wi int) {
		ra := newAcc(a.c, a.parts)
		ra.bufs = a.bufs
		w := newWorker(a.c, x, ra, a.sched)
		for {
			i := int(next.Add(1) - 1)
			if i >= len(chunks) {
				break
			}
			lo, hi := chunks[i][0], chunks[i][1]
			for g := lo; g < hi; g++ {
				if (g-lo)&1023 == 0 {
					if err := ctx.Err(); err != nil {
						errs[wi] = err
						return
					}
				}
				glo, ghi := f.Group(g)
				if idx != nil {
					if a.c.quiet(idx, g) {
						w.quietContact(idx.firstIn[g])
						continue
					}
					if k := idx.restart(g, a.c.from-day); k > glo {
						w.contactRowsFrom(glo, k, ghi, idx.firstIn[g])
						continue
					}
				}
				w.contactRows(glo, ghi)
			}
			if lists != nil {
				lists[i] = ra.takeLists()
			}
		}
		w.finishRun()
		accs[wi] = ra
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	for _, ra := range accs {
		a.absorb(ra)
	}
	for i := range lists {
		a.windows = append(a.windows, lists[i].windows...)
		a.outside = append(a.outside, lists[i].outside...)
		a.list = append(a.list, lists[i].list...)
	}
	return nil
}

// foldLists are the lists one chunk of contacts adds to an accumulator.
type foldLists struct {
	windows []OpenWindow
	outside []OutsideSend
	list    []SessionRow
}

// takeLists removes the lists from a and returns them.
func (a *Accumulator) takeLists() foldLists {
	l := foldLists{a.windows, a.outside, a.list}
	a.windows, a.outside, a.list = nil, nil, nil
	return l
}

// numWorkers is the number of goroutines a frame is folded on: one per
// core, for frames of at least c.minParallelRows rows.
func (c *compiled) numWorkers(f *frame.Frame) int {
	if f.Len() < c.minParallelRows {
		return 1
	}
	return runtime.GOMAXPROCS(0)
}

// numChunks is the number of chunks a frame's contacts are cut into: 64
// per worker, so that a worker whose chunks were mostly skipped (contacts
// quiet since before the range) takes over others' instead of idling, and
// the last chunk to finish is short.
func (c *compiled) numChunks(f *frame.Frame) int {
	if n := c.numWorkers(f); n > 1 {
		return 64 * n
	}
	return 1
}

// inParallel calls fn(0) to fn(n-1) on n goroutines (fn(0) on the calling
// one) and waits for them.
func inParallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := 1; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i)
		}()
	}
	fn(0)
	wg.Wait()
}

// finishRun turns the run's id-keyed membership pairs into strings.
func (w *worker) finishRun() {
	if !w.ag {
		return
	}
	ad, td := w.x.f.Dict(frame.Agent), w.x.f.Dict(frame.Team)
	for p := range w.pairs {
		w.a.pairs[[2]string{ad.Str(p[0]), td.Str(p[1])}] = struct{}{}
	}
}

// rowMatch reports whether a row outside any session matches the filter
// by its own fields.
func (w *worker) rowMatch(r int) bool {
	x := w.x
	if !x.placeMatch(x.chanKind[x.ch[r]], x.inbox[r]) {
		return false
	}
	if x.fAsst != nil && !x.fAsst.has(x.asst[r]) {
		return false
	}
	if x.fAgent != nil && !x.fAgent.has(x.agent[r]) {
		return false
	}
	if x.fTeam != nil && !x.fTeam.has(x.team[r]) {
		return false
	}
	return true
}
