package goals

import (
	"slices"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// SessionEnd is how long after its resolution a conversation stays open
// (the session rule shared with the session engine): an event without a
// conversation id joins a conversation only while it is open, and a
// derived session that has closed never comes back.
const SessionEnd = 24 * time.Hour

// DefaultRunTimeout is the run timeout used when a query leaves it zero: the
// length of WhatsApp's customer-service window, after which a bot can no
// longer answer a contact with a normal message.
const DefaultRunTimeout = 24 * time.Hour

// Type codes used in the hot loops.
var (
	tReceived  = code(cm.MessageReceived)
	tOpened    = code(cm.ConversationOpened)
	tResolved  = code(cm.ConversationResolved)
	tReopened  = code(cm.ConversationReopened)
	tStarted   = code(cm.FlowStarted)
	tNode      = code(cm.FlowNode)
	tCompleted = code(cm.FlowCompleted)
	tGoal      = code(cm.GoalReached)
)

func code(t cm.Type) uint8 {
	c, _ := cm.TypeCode(t)
	return c
}

// structuralTypes are the event types that shape conversations and runs:
// they begin, resolve and reopen conversations and carry flow steps. Every
// question reads them; goal conditions may add other types, which join
// conversations but never begin one.
var structuralTypes = []cm.Type{
	cm.MessageReceived, cm.ConversationOpened, cm.ConversationResolved, cm.ConversationReopened,
	cm.FlowStarted, cm.FlowNode, cm.FlowCompleted, cm.GoalReached,
}

var structural = func() (s [cm.NumTypes]bool) {
	for _, t := range structuralTypes {
		s[code(t)] = true
	}
	return s
}()

// coreFields are the columns every question reads.
var coreFields = frame.Of(frame.Conversation, frame.Channel, frame.Inbox, frame.MessageType, frame.Flow, frame.FlowVersion, frame.Node)

// How a run ended.
const (
	endOpen         uint8 = iota // not ended: in progress at the end of the range
	endCompleted                 // flow.completed
	endNextFlow                  // the contact's next flow.started
	endConversation              // an event of the contact in another conversation
	endTimeout                   // no step for the run timeout
)

var endNames = [...]string{"in_progress", "completed", "next_flow", "conversation_changed", "timeout"}

// conv is a conversation of the contact being folded.
type conv struct {
	host       uint32 // host conversation id (symbol); 0 for a derived session
	inbox      uint32 // inbox of the event that began it
	types      uint32 // bit t set when the conversation has an event of type code t
	start      int64
	resolvedAt int64
	resolved   bool
	live       bool // in core.live
}

// run is one pass of the contact through a flow.
type run struct {
	flow, version uint32 // frame symbols
	conv          int32  // conversation, or -1
	row           int32  // absolute row of the flow.started
	start, last   int64  // start and last step (Unix ns)
	lastNode      uint32 // frame symbol of the last node reached, 0 for none
	nodeLo        int32  // the run's distinct nodes are nodes[nodeLo:nodeHi]
	nodeHi        int32
	end           uint8
}

const skipRow = -2 // convOf value of a row left out (test traffic)

// core derives one contact's conversations and runs from a frame's rows.
// It is the shared first stage of every accumulator; it keeps scratch
// buffers between contacts, so folding allocates only when a contact is
// larger than every one before.
type core struct {
	from, to    int64
	timeout     int64
	includeTest bool

	f                                               *frame.Frame
	typ                                             []uint8
	times                                           []int64
	cConv, cChan, cInbox, cMType, cFlow, cVer, cNde []uint32
	testID, reaction                                uint32
	hasTest, hasReaction                            bool

	convOf  []int32 // per row of the contact: conversation index, -1 none, skipRow
	convs   []conv
	live    []int32          // conversations not known to have ended, in order of start
	hostIdx map[uint32]int32 // for contacts with many conversations
	runs    []run
	nodes   []uint32 // distinct nodes of each run (frame symbols)
	offs    []int32  // rows of conversation k: order[offs[k]:offs[k+1]]
	fill    []int32
	order   []int32
	sorted  bool // offs and order describe the current contact
	lo      int

	unmatched int // flow.node and flow.completed events in range that continued no run
}

func newCore(r cm.Range, timeout time.Duration, includeTest bool) core {
	from, to := r.UnixNano()
	return core{from: from, to: to, timeout: int64(timeout), includeTest: includeTest}
}

// bind points the core at frame f (a no-op when it already is).
func (c *core) bind(f *frame.Frame) bool {
	if c.f == f {
		return false
	}
	c.f = f
	c.typ, c.times = f.Type, f.Time
	c.cConv, c.cChan = f.Col(frame.Conversation), f.Col(frame.Channel)
	c.cInbox, c.cMType = f.Col(frame.Inbox), f.Col(frame.MessageType)
	c.cFlow, c.cVer, c.cNde = f.Col(frame.Flow), f.Col(frame.FlowVersion), f.Col(frame.Node)
	c.testID, c.hasTest = f.Lookup(frame.Channel, string(cm.ChannelTest))
	c.reaction, c.hasReaction = f.Lookup(frame.MessageType, "reaction")
	return true
}

func (c *core) inRange(t int64) bool { return t >= c.from && t < c.to }

// contact derives the conversations and runs of group g of the bound frame.
// Afterwards c.convs, c.runs and c.rowsOf describe them.
//
// Resolutions change a conversation's openness only for later events:
// rows of the same instant are taken in (time, id) order like all others.
func (c *core) contact(g int) {
	lo, hi := c.f.Group(g)
	c.lo = lo
	c.convs, c.live, c.runs, c.nodes = c.convs[:0], c.live[:0], c.runs[:0], c.nodes[:0]
	if c.hostIdx != nil {
		clear(c.hostIdx)
	}
	n := hi - lo
	c.convOf = slices.Grow(c.convOf[:0], n)[:n]
	if c.f.ContactOf(lo) == "" {
		// Events without a contact belong to no conversation.
		for i := range c.convOf {
			c.convOf[i] = skipRow
		}
		c.offs = append(c.offs[:0], 0)
		c.sorted = true
		return
	}

	// One pass: each row's conversation, then its effect on the runs (which
	// needs only the conversation of this row and of earlier ones).
	act := int32(-1)
	// Locals, so that stores through c do not force reloads.
	times, typ, cChan, cConv, cInbox, convOf := c.times[lo:hi], c.typ[lo:hi], c.cChan[lo:hi], c.cConv[lo:hi], c.cInbox[lo:hi], c.convOf
	skipTest, testID := c.hasTest && !c.includeTest, c.testID
	for i := range times {
		r := lo + i
		if skipTest && cChan[i] == testID {
			convOf[i] = skipRow
			continue
		}
		t, ty := times[i], typ[i]
		st := structural[ty]
		// An inbound message other than a reaction, or an opening, may
		// begin a session and reopens a resolved one.
		starter := ty == tOpened || ty == tReopened || (ty == tReceived && !c.isReaction(int32(r)))
		k := int32(-1)
		if id := cConv[i]; id != 0 {
			k = c.findHost(id)
			if k < 0 && st {
				k = c.newConv(id, t, cInbox[i])
			}
		} else if k = c.findOpen(cInbox[i], t); k < 0 && starter {
			k = c.newConv(0, t, cInbox[i])
		}
		if k >= 0 {
			cv := &c.convs[k]
			switch {
			case ty == tResolved:
				if !cv.resolved {
					cv.resolved, cv.resolvedAt = true, t
				}
			case starter && cv.resolved:
				cv.resolved = false
				if !cv.live {
					cv.live = true
					c.live = append(c.live, k)
				}
			}
		}
		convOf[i] = k
		if k >= 0 {
			c.convs[k].types |= 1 << ty
		}
		if !st {
			continue
		}

		// Runs.
		if act >= 0 && t-c.runs[act].last >= c.timeout {
			c.runs[act].end, act = endTimeout, -1
		}
		if act >= 0 && c.runs[act].conv != k {
			c.runs[act].end, act = endConversation, -1
		}
		switch ty {
		case tStarted:
			if act >= 0 {
				c.runs[act].end = endNextFlow
			}
			c.runs = append(c.runs, run{flow: c.cFlow[r], version: c.cVer[r], conv: k, row: int32(r), start: t, last: t,
				nodeLo: int32(len(c.nodes)), nodeHi: int32(len(c.nodes))})
			act = int32(len(c.runs) - 1)
		case tNode, tCompleted:
			if act < 0 || c.cFlow[r] != c.runs[act].flow {
				if c.inRange(t) {
					c.unmatched++
				}
				continue
			}
			ru := &c.runs[act]
			ru.last = t
			if ty == tCompleted {
				ru.end, act = endCompleted, -1
				continue
			}
			nd := c.cNde[r]
			ru.lastNode = nd
			if !slices.Contains(c.nodes[ru.nodeLo:ru.nodeHi], nd) {
				c.nodes = append(c.nodes, nd)
				ru.nodeHi++
			}
		}
	}
	if act >= 0 && c.to-c.runs[act].last >= c.timeout {
		c.runs[act].end = endTimeout
	}
	c.sorted = false
}

// sortRows groups the contact's rows by conversation (a stable counting
// sort), for rowsOf.
func (c *core) sortRows() {
	nc := len(c.convs)
	c.offs = slices.Grow(c.offs[:0], nc+1)[:nc+1]
	clear(c.offs)
	for _, k := range c.convOf {
		if k >= 0 {
			c.offs[k+1]++
		}
	}
	for k := 1; k <= nc; k++ {
		c.offs[k] += c.offs[k-1]
	}
	c.fill = append(c.fill[:0], c.offs[:nc]...)
	c.order = slices.Grow(c.order[:0], int(c.offs[nc]))[:c.offs[nc]]
	for i, k := range c.convOf {
		if k >= 0 {
			c.order[c.fill[k]] = int32(c.lo + i)
			c.fill[k]++
		}
	}
	c.sorted = true
}

// isReaction reports whether row r is a reaction (message_type
// "reaction"), which is not a user turn and begins no session.
func (c *core) isReaction(r int32) bool { return c.hasReaction && c.cMType[r] == c.reaction }

// rowsOf returns the absolute rows of conversation k, in order.
func (c *core) rowsOf(k int32) []int32 {
	if !c.sorted {
		c.sortRows()
	}
	return c.order[c.offs[k]:c.offs[k+1]]
}

// open reports whether conversation k is still open at t: not resolved, or
// resolved less than SessionEnd before t.
func (c *core) open(k int32, t int64) bool {
	cv := &c.convs[k]
	return !cv.resolved || t-cv.resolvedAt < int64(SessionEnd)
}

func (c *core) newConv(host uint32, t int64, inbox uint32) int32 {
	c.convs = append(c.convs, conv{host: host, inbox: inbox, start: t, live: true})
	k := int32(len(c.convs) - 1)
	c.live = append(c.live, k)
	if host != 0 && c.hostIdx != nil {
		c.hostIdx[host] = k
	} else if host != 0 && len(c.convs) > 32 {
		c.hostIdx = make(map[uint32]int32)
		for i, cv := range c.convs {
			if cv.host != 0 {
				c.hostIdx[cv.host] = int32(i)
			}
		}
	}
	return k
}

// findHost returns the conversation with host id, or -1.
func (c *core) findHost(id uint32) int32 {
	if n := len(c.convs); n > 0 && c.convs[n-1].host == id {
		return int32(n - 1)
	}
	if c.hostIdx != nil {
		if k, ok := c.hostIdx[id]; ok {
			return k
		}
		return -1
	}
	for k := len(c.convs) - 1; k >= 0; k-- {
		if c.convs[k].host == id {
			return int32(k)
		}
	}
	return -1
}

// findOpen returns the latest conversation open at t that an event of
// inbox may join (same inbox; an event or conversation without an inbox
// matches any), or -1. Conversations found closed leave the live list:
// only an event with their host id can bring them back.
func (c *core) findOpen(inbox uint32, t int64) int32 {
	for j := len(c.live) - 1; j >= 0; j-- {
		k := c.live[j]
		cv := &c.convs[k]
		if inbox != 0 && cv.inbox != 0 && cv.inbox != inbox {
			continue
		}
		if !c.open(k, t) {
			cv.live = false
			c.live = slices.Delete(c.live, j, j+1)
			continue
		}
		return k
	}
	return -1
}

// credit returns the flow and version credited with an event at row r of
// conversation k: the flow the event names, else the flow of the latest
// run started in the conversation at or before it; the version the event
// names, else that of the latest run of the flow started in the
// conversation at or before it.
func (c *core) credit(k, r int32) (flow, version uint32) {
	flow, version = c.cFlow[r], c.cVer[r]
	for j := len(c.runs) - 1; j >= 0; j-- {
		ru := &c.runs[j]
		if ru.row > r || ru.conv != k || (flow != 0 && ru.flow != flow) {
			continue
		}
		if flow == 0 {
			return ru.flow, ru.version
		}
		if version == 0 {
			version = ru.version
		}
		break
	}
	return flow, version
}

// convName returns the name of conversation k for output and whether it
// was derived.
func (c *core) convName(k int32) (string, bool) {
	cv := &c.convs[k]
	if cv.host != 0 {
		return c.f.Dict(frame.Conversation).Str(cv.host), false
	}
	return derivedName(cv.start), true
}

// derivedName names a derived session by the instant of its first inbound
// message, in UTC.
func derivedName(start int64) string {
	return "derived@" + time.Unix(0, start).UTC().Format(time.RFC3339Nano)
}

// names interns strings into dense indexes local to an accumulator, so
// that accumulators built over different frames merge by name.
type names struct {
	list []string
	idx  map[string]int32
}

func (n *names) intern(s string) int32 {
	if i, ok := n.idx[s]; ok {
		return i
	}
	if n.idx == nil {
		n.idx = map[string]int32{}
	}
	i := int32(len(n.list))
	n.list = append(n.list, s)
	n.idx[s] = i
	return i
}

// symMap maps a frame's symbol ids to local indexes: a direct-mapped
// cache in front of a short list searched linearly, and a map once the
// list is long. A tenant has few flows, versions and nodes, so nearly every
// lookup is one probe of the cache.
type symMap struct {
	cache [64]struct {
		id uint32
		v  int32 // local index + 1; 0: empty
	}
	keys []uint32
	vals []int32
	m    map[uint32]int32
}

func (s *symMap) reset() {
	s.cache = [64]struct {
		id uint32
		v  int32
	}{}
	s.keys, s.vals, s.m = s.keys[:0], s.vals[:0], nil
}

func (s *symMap) get(id uint32) (int32, bool) {
	if e := &s.cache[id&63]; e.v != 0 && e.id == id {
		return e.v - 1, true
	}
	v, ok := s.slow(id)
	if ok {
		s.cache[id&63].id, s.cache[id&63].v = id, v+1
	}
	return v, ok
}

func (s *symMap) slow(id uint32) (int32, bool) {
	if s.m != nil {
		v, ok := s.m[id]
		return v, ok
	}
	for i, k := range s.keys {
		if k == id {
			return s.vals[i], true
		}
	}
	return 0, false
}

func (s *symMap) put(id uint32, v int32) {
	s.cache[id&63].id, s.cache[id&63].v = id, v+1
	if s.m != nil {
		s.m[id] = v
		return
	}
	s.keys, s.vals = append(s.keys, id), append(s.vals, v)
	if len(s.keys) > 24 {
		s.m = make(map[uint32]int32, 64)
		for i, k := range s.keys {
			s.m[k] = s.vals[i]
		}
	}
}

// local resolves frame symbols of one column to local indexes in n.
type local struct {
	n    names
	sym  symMap
	dict frame.Dict
}

func (l *local) bind(d frame.Dict) { l.dict = d; l.sym.reset() }

func (l *local) of(id uint32) int32 {
	if v, ok := l.sym.get(id); ok {
		return v
	}
	v := l.n.intern(l.dict.Str(id))
	l.sym.put(id, v)
	return v
}
