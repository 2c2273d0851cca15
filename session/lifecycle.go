package session

import "math"

// The per-contact pass: sessions, their states and cycles, and every number
// that follows from them. See doc.go for the definitions implemented here.

// contactRows folds one contact's rows [lo, hi).
func (w *worker) contactRows(lo, hi int) {
	x := w.x
	if x.fContact != nil && !x.fContact.has(x.f.Contact[lo]) {
		return
	}
	w.contact = x.f.Contact[lo]
	if w.c.opts.filterNeedsPass {
		w.pass(lo, hi, true)
	}
	w.pass(lo, hi, false)
}

// contactRowsFrom folds rows [from, hi) of the contact whose rows start at
// lo, when its earlier rows cannot matter (see contactIndex), knowing its
// first inbound message. Only an outside send to an inbox the contact has
// not written to since from reads them (its LastInbound).
func (w *worker) contactRowsFrom(lo, from, hi int, firstIn int64) {
	w.contact = w.x.f.Contact[from]
	w.firstInPreset = firstIn
	w.skipLo, w.skipHi = lo, from
	w.pass(from, hi, false)
	w.firstInPreset = noTime
	w.skipLo, w.skipHi = 0, 0
}

// pass runs the lifecycle over the rows. With pre set it only finds the
// sessions and which of them match the filter (into w.matches, by order of
// creation); otherwise it counts.
func (w *worker) pass(lo, hi int, pre bool) {
	x, c := w.x, w.c
	w.pre = pre
	w.resetContact()
	derive := c.opts.derive
	// repeated messages and, unless counted, test traffic do not exist
	skip := uint16(cRepeat)
	if !c.q.IncludeTest {
		skip |= cTest
	}
	codes, times, convs, inboxes := x.codes, x.times, x.conv, x.inbox
	for r := lo; r < hi; r++ {
		code := codes[r]
		if code&skip != 0 {
			continue
		}
		t := times[r]
		conv := uint32(0)
		if !derive {
			conv = convs[r]
		}
		inbox := inboxes[r]
		switch code & cTypeMask {
		case cReceived:
			reaction := code&cReaction != 0
			if !pre && code&cWindow != 0 && w.windowFilter(r, inbox) {
				w.inbound(inbox, t)
			}
			s := w.find(conv, inbox, t, !reaction, r)
			if s != nil && !reaction && s.state >= stResolved {
				w.reopen(s, t)
			}
			w.received(s, r, t, reaction)
		case cSent:
			s := w.find(conv, inbox, t, false, r)
			w.sent(s, r, t, code)
		case cOpen:
			s := w.find(conv, inbox, t, true, r)
			if s == nil {
				continue
			}
			if s.state >= stResolved {
				w.reopen(s, t)
			}
			s.trigger = t
			if pre {
				w.touch(s, r)
			}
		case cAssigned:
			s := w.find(conv, inbox, t, false, r)
			w.assigned(s, r, t)
		case cUnassigned:
			s := w.find(conv, inbox, t, false, r)
			if s == nil {
				continue
			}
			if pre {
				w.touch(s, r)
			}
			w.assign(s, 0, 0, t)
		case cHandoff:
			s := w.find(conv, inbox, t, false, r)
			w.handoff(s, r, t)
		case cResolved:
			s := w.find(conv, inbox, t, false, r)
			if s != nil && s.state < stResolved {
				w.resolve(s, r, t, code)
			}
		}
	}
	w.finishContact()
}

// windowFilter reports whether an inbound row of a window channel passes
// the channel and inbox filters.
func (w *worker) windowFilter(r int, inbox uint32) bool {
	x := w.x
	return x.placeMatch(x.chanKind[x.ch[r]], inbox)
}

// allEnded reports whether every session of the contact has ended by t.
func (w *worker) allEnded(t int64) bool {
	for _, i := range w.live {
		if w.sess[i].endsAt() > t {
			return false
		}
	}
	return true
}

// endsAt returns when s ends unless an event of it comes first: 24 hours
// after its resolution, at its inactivity end, never (MaxInt64) when open
// without an inactivity timeout; for an ended session, when it ended.
func (s *sess) endsAt() int64 {
	switch s.state {
	case stEnded:
		return s.since
	case stResolved:
		return s.resolvedAt + day
	}
	return s.idleEnd
}

func (w *worker) resetContact() {
	w.restarts, w.revived = w.restarts[:0], false
	w.sess = w.sess[:0]
	w.live = w.live[:0]
	w.firstIn = w.firstInPreset
	w.lastCBucket = -1
	w.actNow, w.actEnd, w.actRange = false, false, false
	w.winStart, w.winEnd = noTime, noTime
	w.win = w.win[:0]
}

// view reports whether a row of session s (nil: outside any session)
// counts under the filter.
func (w *worker) view(s *sess, r int) bool {
	if w.pre {
		return false
	}
	if s != nil {
		return s.match
	}
	return w.rowMatch(r)
}

// touch records, in the pre-pass, the filter attributes row r gives s.
func (w *worker) touch(s *sess, r int) {
	if !w.pre {
		return
	}
	x := w.x
	if x.fAsst != nil && x.fAsst.has(x.asst[r]) {
		s.fa = true
	}
	if x.fAgent != nil && x.fAgent.has(x.agent[r]) {
		s.fg = true
	}
	if x.fTeam != nil && x.fTeam.has(x.team[r]) {
		s.ft = true
	}
}

// find returns the session row r belongs to, creating one when the row
// may start a session; nil when the row is outside any session. With an
// inactivity timeout, the row restarts the session's clock.
func (w *worker) find(conv, inbox uint32, t int64, starts bool, r int) *sess {
	// the common case: a row of the contact's latest session, still open
	if n := len(w.sess); n > 0 {
		if s := &w.sess[n-1]; s.state < stResolved && t < s.idleEnd && (conv != 0 && s.conv == conv || conv == 0 && len(w.live) == 1 &&
			w.live[0] == int32(n-1) && (inbox == 0 || s.inbox == inbox || s.inbox == 0)) {
			if w.c.opts.idle > 0 {
				s.idleEnd = addSat(t, w.c.opts.idle)
			}
			return s
		}
	}
	s := w.findSlow(conv, inbox, t, starts, r)
	if s != nil && w.c.opts.idle > 0 {
		s.idleEnd = addSat(t, w.c.opts.idle)
	}
	return s
}

// addSat returns t + d (d > 0), or MaxInt64 when that overflows.
func addSat(t, d int64) int64 {
	if t > math.MaxInt64-d {
		return math.MaxInt64
	}
	return t + d
}

func (w *worker) findSlow(conv, inbox uint32, t int64, starts bool, r int) *sess {
	if conv != 0 {
		if n := len(w.sess); n > 0 && w.sess[n-1].conv == conv {
			return w.rejoin(&w.sess[n-1], t)
		}
		for i := len(w.sess) - 1; i >= 0; i-- {
			if s := &w.sess[i]; s.conv == conv {
				return w.rejoin(s, t)
			}
		}
		return w.newSession(conv, inbox, t, r)
	}
	for j := len(w.live) - 1; j >= 0; j-- {
		i := w.live[j]
		s := &w.sess[i]
		if inbox != 0 && s.inbox != inbox && s.inbox != 0 {
			continue
		}
		w.advance(s, t)
		if s.state == stEnded {
			continue
		}
		return s
	}
	if !starts {
		return nil
	}
	return w.newSession(0, inbox, t, r)
}

// rejoin returns the host session s, which a row at t names, noting when
// it had ended: the contact's earlier restart rows are then no place to
// start reading from (see contactIndex), whether or not the row reopens
// it.
func (w *worker) rejoin(s *sess, t int64) *sess {
	w.advance(s, t)
	if s.state == stEnded {
		w.revived = true
	}
	return s
}

// advance ends s when its 24 hours after resolution, or its inactivity
// timeout, have passed by t.
func (w *worker) advance(s *sess, t int64) {
	switch {
	case s.state == stResolved && t >= s.resolvedAt+day:
		w.emit(s, stResolved, s.since, s.resolvedAt+day)
		s.state, s.since = stEnded, s.resolvedAt+day
		w.dropLive(s)
	case s.state < stResolved && t >= s.idleEnd:
		w.timeOut(s)
	}
}

// timeOut ends the open session s at its inactivity end e (see
// Options.InactivityTimeout). The resolve cycle closes as a resolution
// closes it — the messages awaiting a reply stay unanswered, the wait for
// a human reply ends, the first- and next-response SLA clocks stop at e
// (breached when past their target), and so does the resolution clock,
// breached when past its target and else not evaluated — but nothing
// counts as a resolution; the session is active in its state until e and
// has ended from e on.
func (w *worker) timeOut(s *sess) {
	e, o := s.idleEnd, &w.c.opts
	w.slaAt(s, e, false)
	if o.slaResolution > 0 && s.human {
		s.slaJudge(2, w.dur(s.resFrom(o), e), o.slaResolution, slaNone)
	}
	s.waitSince, s.pendLast = noTime, noTime
	w.pend[s.ord] = w.pend[s.ord][:0]
	w.emit(s, s.state, s.since, e)
	s.state, s.since = stEnded, e
	w.dropLive(s)
}

func (w *worker) dropLive(s *sess) {
	for j, i := range w.live {
		if &w.sess[i] == s {
			w.live = append(w.live[:j], w.live[j+1:]...)
			return
		}
	}
}

func (w *worker) newSession(conv, inbox uint32, t int64, r int) *sess {
	x, c := w.x, w.c
	ord := len(w.sess)
	if w.idx != nil && w.allEnded(t) {
		w.restarts = append(w.restarts, int32(r))
	}
	if cap(w.sess) > ord {
		w.sess = w.sess[:ord+1]
	} else {
		w.sess = append(w.sess, sess{})
	}
	s := &w.sess[ord]
	*s = newSess // one copy of the template instead of a literal
	s.conv, s.inbox, s.chKind, s.start, s.since, s.cycleStart = conv, inbox, uint8(x.codes[r]>>cChanShift&7), t, t, t
	s.ord = int32(ord)
	s.startIn = int32(w.bucket(t))
	if c.opts.chatwootFRT {
		s.waitSince = t // Chatwoot sets waiting_since when the conversation is created
	}
	if w.pre {
		s.match = false
	} else {
		s.match = x.placeMatch(s.chKind, inbox)
		if c.opts.filterNeedsPass {
			s.match = ord < len(w.matches) && w.matches[ord]
		}
	}
	if len(w.pend) <= ord {
		w.pend = append(w.pend, nil)
	}
	w.pend[ord] = w.pend[ord][:0]
	if len(w.asg) <= ord {
		w.asg = append(w.asg, nil)
	}
	w.asg[ord] = w.asg[ord][:0]
	w.live = append(w.live, int32(ord))
	if !w.pre && s.match && s.startIn >= 0 && w.ov {
		w.a.ov.newSessions[s.startIn]++
	}
	return s
}

// newSess is a fresh session's state before its start is set.
var newSess = sess{state: stUnassigned, idleEnd: math.MaxInt64, lastBucket: -1, cycleFirstIn: noTime, trigger: noTime, waitSince: noTime,
	firstIn: noTime, cwTrigger: noTime, cwLastBotRes: noTime, pendLast: noTime, lastResBucket: -1,
	lastResolved: noTime, firstResponse: -1, humanFirst: -1}

// setState closes the current state interval of s at t and starts st.
func (w *worker) setState(s *sess, st uint8, t int64) {
	w.emit(s, s.state, s.since, t)
	s.state, s.since = st, t
}

func (s *sess) openState() uint8 {
	if s.agent != 0 || s.team != 0 {
		return stAssigned
	}
	return stUnassigned
}

// reopen starts a new resolve cycle of the resolved (or ended) s at t.
func (w *worker) reopen(s *sess, t int64) {
	if s.state == stResolved {
		w.emit(s, stResolved, s.since, t)
	} else if s.state == stEnded {
		w.live = append(w.live, s.ord) // a host conversation comes back
		w.revived = true
	}
	s.state, s.since = s.openState(), t
	if s.lastResBucket >= 0 && !w.pre && w.ov && s.match {
		w.a.ov.reopen[s.lastResBucket]++
	}
	s.lastResBucket = -1
	if t < w.c.to {
		s.resIn.valid = false
	}
	s.cycleStart, s.cycleFirstIn, s.trigger = t, noTime, t
	s.hfrDone, s.cycleHuman = false, s.agent != 0 || s.team != 0
	s.waitSince = noTime
	s.cwTrigger = t
	if w.c.opts.chatwootFRT {
		s.waitSince = t
	}
	s.cycles++
	s.pendLast = noTime
	w.pend[s.ord] = w.pend[s.ord][:0]
}

// ---- rows ----

func (w *worker) received(s *sess, r int, t int64, reaction bool) {
	if w.pre {
		if s != nil {
			w.touch(s, r)
		}
		return
	}
	if s == nil && !w.rowMatch(r) || s != nil && !s.match {
		return
	}
	b := w.bucket(t)
	if w.firstIn == noTime {
		w.firstIn = t
	}
	if w.ov && b >= 0 {
		ov := &w.a.ov
		ov.received[b]++
		if w.lastCBucket < 0 {
			ov.contactsTotal++
		}
		if b != w.lastCBucket {
			ov.contacts[b]++
			w.lastCBucket = b
		}
	}
	if s == nil {
		return
	}
	s.in++
	if !s.sawMsg {
		s.sawMsg, s.incoming = true, true
		if w.ov && s.startIn >= 0 {
			w.a.ov.newIncoming[s.startIn]++
		}
	}
	if s.startIn >= 0 && t < w.c.to && w.ov {
		w.a.ov.mpsNum[s.startIn]++
	}
	if reaction {
		return
	}
	if s.firstIn == noTime {
		s.firstIn = t
	}
	if s.cycleFirstIn == noTime {
		s.cycleFirstIn = t
	}
	if s.waitSince == noTime && (s.hfrDone || w.c.opts.chatwootFRT) {
		s.waitSince = t // Chatwoot's waiting_since is set by any incoming message when blank
	}
	if w.c.opts.window > 0 {
		if b >= 0 { // messages outside the range never count
			w.pend[s.ord] = append(w.pend[s.ord], t)
		}
	} else {
		s.pendLast = t // the previous pending message is now unanswered
	}
	if w.ov && b >= 0 {
		w.a.ov.respDen[b]++
	}
}

func (w *worker) sent(s *sess, r int, t int64, code uint16) {
	x := w.x
	if w.pre {
		if s != nil {
			w.touch(s, r)
		}
		return
	}
	if s == nil && !w.rowMatch(r) || s != nil && !s.match {
		return
	}
	kind := uint8(code >> cKindShift & 7)
	reaction := code&cReaction != 0
	b := w.bucket(t)
	ov := &w.a.ov
	inSess := s != nil
	// the customer-service window
	if b >= 0 && code&(cTemplate|cWindow) == cWindow && w.windowFilter(r, x.inbox[r]) && !w.windowOpen(x.inbox[r], t) {
		if w.ov {
			ov.outside[b]++
			if kind < numKinds {
				ov.outsideBy[kind]++
			}
		}
		if w.wins {
			w.a.outside = append(w.a.outside, w.outsideSend(r, t))
		}
	}
	if w.ov && b >= 0 {
		if kind < numKinds {
			ov.sent[kind][b]++
		}
		if code&cAmount != 0 || x.costs != nil {
			w.cost(r, b, s)
		}
	}
	if w.ag && kind == kAgent && b >= 0 {
		team := x.team[r]
		inbox := x.inbox[r]
		if inSess {
			if team == 0 {
				team = s.team
			}
			inbox = s.inbox
		}
		for _, p := range w.credited(x.agent[r], team, inbox) {
			if p != nil {
				p.msgs[b]++
			}
		}
		if x.agent[r] != 0 && x.team[r] != 0 {
			w.pairs[[2]uint32{x.agent[r], x.team[r]}] = struct{}{}
		}
	}
	if !inSess {
		return
	}
	s.out++
	if w.lst && s.assistant == 0 {
		s.assistant = x.asst[r]
	}
	s.sawMsg = true
	if s.startIn >= 0 && t < w.c.to && w.ov {
		ov.mpsNum[s.startIn]++
	}
	if reaction || kind == kCampaign || kind == kBroadcast || kind == kNone {
		return
	}
	// a reply: by the bot, the AI assistant or an agent
	if s.pendLast != noTime || !s.firstReplied && s.firstIn != noTime || w.c.opts.window > 0 && len(w.pend[s.ord]) > 0 {
		w.answer(s, t)
	}
	if kind != kAgent {
		s.botEngaged = true
		if w.c.opts.waitEndsOnBot {
			s.waitSince = noTime
		}
		return
	}
	s.human = true
	s.cycleHuman = true
	if s.state >= stResolved {
		return // a message on a resolved session answers nothing
	}
	w.humanReply(s, r, t)
}

// answer settles the pending inbound messages of s with a reply at t.
func (w *worker) answer(s *sess, t int64) {
	if s.firstIn != noTime && !s.firstReplied {
		s.firstReplied = true
		d := w.dur(s.firstIn, t)
		s.firstResponse = d
		if w.ov && s.startIn >= 0 {
			w.a.ov.firstResp[s.startIn].add(d, w.a.bufs)
		}
	}
	win := w.c.opts.window
	if win == 0 {
		// only the last message before the reply is answered: the others
		// were followed by another inbound message
		if m := s.pendLast; m != noTime {
			s.pendLast = noTime
			if b := w.bucket(m); b >= 0 && w.ov {
				w.a.ov.respNum[b]++
				w.a.ov.respTime[b].add(w.dur(m, t), w.a.bufs)
			}
		}
		return
	}
	p := w.pend[s.ord]
	if len(p) == 0 {
		return
	}
	for _, m := range p {
		if t-m > win {
			continue
		}
		if b := w.bucket(m); b >= 0 && w.ov {
			w.a.ov.respNum[b]++
			w.a.ov.respTime[b].add(w.dur(m, t), w.a.bufs)
		}
	}
	w.pend[s.ord] = p[:0]
}

// humanReply handles an agent's reply in an open cycle: first response or
// reply time.
func (w *worker) humanReply(s *sess, r int, t int64) {
	x, o := w.x, &w.c.opts
	replier, team := x.agent[r], x.team[r]
	if team == 0 {
		team = s.team
	}
	if o.frtAssignee && s.agent != 0 {
		replier, team = s.agent, s.team
	}
	b := w.bucket(t)
	if o.chatwootFRT {
		if !s.cwDone {
			s.cwDone = true
			s.waitSince = noTime
			w.firstResponse(s, replier, team, b, w.dur(s.cwStart(), t))
			return
		}
	} else if !s.hfrDone {
		if s.cycleFirstIn == noTime {
			return // the agent writes first: nothing to respond to
		}
		s.hfrDone = true
		s.waitSince = noTime
		d := w.dur(max(s.trigger, s.cycleFirstIn), t)
		w.firstResponse(s, replier, team, b, d)
		return
	}
	if s.waitSince == noTime {
		return
	}
	d := w.dur(s.waitSince, t)
	s.waitSince = noTime
	if o.slaNext > 0 {
		s.slaJudge(1, d, o.slaNext, slaMet)
	}
	if w.ag && b >= 0 {
		for _, p := range w.credited(replier, team, s.inbox) {
			if p != nil {
				p.reply[b].add(d, w.a.bufs)
			}
		}
	}
}

func (w *worker) firstResponse(s *sess, replier, team uint32, b int, d int64) {
	o := &w.c.opts
	if s.humanFirst < 0 {
		s.humanFirst = d
	}
	if o.slaFirst > 0 {
		s.slaJudge(0, d, o.slaFirst, slaMet)
	}
	if w.ag && b >= 0 {
		for _, p := range w.credited(replier, team, s.inbox) {
			if p != nil {
				p.frt[b].add(d, w.a.bufs)
			}
		}
	}
}

func (w *worker) assigned(s *sess, r int, t int64) {
	x := w.x
	agent, team := x.agent[r], x.team[r]
	if s != nil {
		w.touch(s, r)
	}
	if !w.pre && w.ag && agent != 0 && team != 0 && w.bucket(t) >= 0 && w.view(s, r) {
		w.pairs[[2]uint32{agent, team}] = struct{}{}
	}
	if s == nil {
		if w.view(nil, r) && w.ag {
			if b := w.bucket(t); b >= 0 {
				for _, p := range w.credited(agent, team, x.inbox[r]) {
					if p != nil {
						p.assigned[b]++
						p.sessionsAsg[b]++
					}
				}
			}
		}
		return
	}
	if agent == s.agent && team == s.team {
		return // repeats the current assignment
	}
	if w.view(s, r) && w.ag {
		if b := w.bucket(t); b >= 0 {
			newAgent := agent != 0 && agent != s.agent
			newTeam := team != 0 && team != s.team
			// agents and teams share the list: ids of different
			// dictionaries are told apart by the top bit
			firstAgent := newAgent && !containsID(w.asg[s.ord], agent)
			if firstAgent {
				w.asg[s.ord] = append(w.asg[s.ord], agent)
			}
			firstTeam := newTeam && !containsID(w.asg[s.ord], team|1<<31)
			if firstTeam {
				w.asg[s.ord] = append(w.asg[s.ord], team|1<<31)
			}
			if p := w.agentPerf(agent); p != nil && newAgent {
				p.assigned[b]++
				if firstAgent {
					p.sessionsAsg[b]++
				}
			}
			if p := w.teamPerf(team); p != nil && newTeam {
				p.assigned[b]++
				if firstTeam {
					p.sessionsAsg[b]++
				}
			}
			firstAny := !s.asgAny
			s.asgAny = true
			if p := w.inboxPerf(s.inbox); p != nil {
				p.assigned[b]++
				if firstAny {
					p.sessionsAsg[b]++
				}
			}
			w.a.all.assigned[b]++
			if firstAny {
				w.a.all.sessionsAsg[b]++
			}
		}
	}
	w.assign(s, agent, team, t)
	s.lastAgent, s.lastTeam = agent, team
	s.human, s.cycleHuman = true, true
	s.trigger = t
}

// assign changes the assignee of s at t, closing the current state
// interval first so that it is credited to the previous assignee.
func (w *worker) assign(s *sess, agent, team uint32, t int64) {
	if s.state != stEnded {
		w.emit(s, s.state, s.since, t)
		s.since = t
	}
	s.agent, s.team = agent, team
	if s.state < stResolved {
		s.state = s.openState()
	}
}

func containsID(s []uint32, v uint32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func (w *worker) handoff(s *sess, r int, t int64) {
	if s == nil {
		if w.view(nil, r) && w.ov {
			if b := w.bucket(t); b >= 0 {
				w.a.ov.handoffs[b]++
			}
		}
		return
	}
	w.touch(s, r)
	s.handoff, s.human, s.cycleHuman = true, true, true
	s.trigger = t
	if !s.cwHandoffSeen {
		s.cwHandoffSeen = true
		s.cwTrigger = max(s.cwTrigger, t)
	}
	if w.view(s, r) && w.ov {
		if b := w.bucket(t); b >= 0 {
			w.a.ov.handoffs[b]++
		}
	}
}

func (w *worker) resolve(s *sess, r int, t int64, code uint16) {
	x, o := w.x, &w.c.opts
	w.touch(s, r)
	// whether an agent resolved is in the row code; who, only the agent
	// numbers ask
	byAgent := code&cAgent != 0
	var resolver uint32
	if byAgent && w.ag {
		resolver = x.agent[r]
	}
	b := w.bucket(t)
	d := w.dur(s.resFrom(o), t)
	// SLA clocks that the resolution stops
	w.slaAt(s, t, false)
	if o.slaResolution > 0 && (s.human || byAgent) {
		s.slaJudge(2, d, o.slaResolution, slaMet)
	}
	if w.view(s, r) {
		if w.ov && b >= 0 {
			w.a.ov.resolutions[b]++
			if !byAgent {
				w.a.ov.botResolutions[b]++
			}
			s.lastResBucket = int32(b)
		}
		credited := resolver
		if o.resAssignee {
			credited = s.agent
		}
		if credited != 0 && w.ag && b >= 0 {
			team := x.team[r]
			if team == 0 || o.resAssignee {
				team = s.team
			}
			for _, p := range w.credited(credited, team, s.inbox) {
				if p != nil {
					p.resTime[b].add(d, w.a.bufs)
					if !o.countSessions {
						p.resolutions[b]++
					}
				}
			}
			if o.countSessions {
				s.resIn = resRef{bucket: int32(b), agent: credited, team: team, inbox: s.inbox, valid: true}
			}
		} else if o.countSessions && b >= 0 {
			s.resIn.valid = false
		}
	}
	if !byAgent {
		s.botResolved = true
		s.cwLastBotRes = t
	}
	s.resolutions++
	s.lastResolved = t
	s.waitSince = noTime
	s.pendLast = noTime
	w.pend[s.ord] = w.pend[s.ord][:0]
	w.setState(s, stResolved, t)
	s.resolvedAt = t
}

// slaAt settles the running first- and next-response clocks of s at t:
// a clock past its target is a breach; at the end of the data (final) a
// clock within its target is still pending.
func (w *worker) slaAt(s *sess, t int64, final bool) {
	o := &w.c.opts
	if !o.sla || s.state >= stResolved {
		return
	}
	// a clock within its target is pending at the end of the data, and
	// not yet evaluated before it
	var within uint8 = slaNone
	if final {
		within = slaPending
	}
	if o.slaFirst > 0 {
		var start int64 = noTime
		if o.chatwootFRT {
			if !s.cwDone && s.human {
				start = s.cwStart()
			}
		} else if !s.hfrDone && s.cycleHuman && s.cycleFirstIn != noTime {
			start = max(s.trigger, s.cycleFirstIn)
		}
		if start != noTime {
			s.slaJudge(0, w.dur(start, t), o.slaFirst, within)
		}
	}
	if o.slaNext > 0 && s.waitSince != noTime && (s.hfrDone || s.cwDone) {
		s.slaJudge(1, w.dur(s.waitSince, t), o.slaNext, within)
	}
	if final && o.slaResolution > 0 && s.human {
		s.slaJudge(2, w.dur(s.resFrom(o), t), o.slaResolution, slaPending)
	}
}

// resFrom is where the resolution clock of s starts: its resolve cycle's
// start, or the session's with ResolutionFrom FromSession.
func (s *sess) resFrom(o *resolvedOptions) int64 {
	if o.resFromSession {
		return s.start
	}
	return s.cycleStart
}

// cwStart is where Chatwoot's first response of s is measured from: the
// latest hand-off or reopening, else the last bot resolution, else the
// start of the session.
func (s *sess) cwStart() int64 {
	switch {
	case s.cwTrigger != noTime:
		return s.cwTrigger
	case s.cwLastBotRes != noTime:
		return s.cwLastBotRes
	}
	return s.start
}

// ---- the 24-hour window ----

// inbound opens or resets the window of (inbox, contact) at t.
func (w *worker) inbound(inbox uint32, t int64) {
	found := false
	for i := range w.win {
		if w.win[i].inbox == inbox {
			w.win[i].lastIn = t
			if t <= w.c.now {
				w.win[i].lastBefore = t
			}
			found = true
			break
		}
	}
	if !found {
		before := t
		if t > w.c.now {
			before = noTime
		}
		w.win = append(w.win, win{inbox, t, before})
	}
	// the union of the contact's windows, for the open-window snapshots
	if w.winEnd != noTime && t <= w.winEnd {
		w.winEnd = max(w.winEnd, t+day)
		return
	}
	if w.winEnd != noTime {
		w.emitWindow(w.winStart, w.winEnd)
	}
	w.winStart, w.winEnd = t, t+day
}

// windowOpen reports whether (inbox, contact) has an open window at t.
func (w *worker) windowOpen(inbox uint32, t int64) bool {
	for i := range w.win {
		if w.win[i].inbox == inbox {
			return t < w.win[i].lastIn+day
		}
	}
	return false
}

func (w *worker) emitWindow(a, b int64) {
	if !w.ov {
		return
	}
	c, ov := w.c, &w.a.ov
	if a <= c.now && c.now < b {
		ov.snapNow.windows++
	}
	if a <= c.endSnap && c.endSnap < b {
		ov.snapEnd.windows++
	}
	for i := c.snapFrom(a); i < len(c.snapAt) && c.snapAt[i] < b; i++ {
		ov.snaps[i].windows++
	}
}

// ---- state intervals ----

// emit records that s was in state st during [a, b).
func (w *worker) emit(s *sess, st uint8, a, b int64) {
	if a >= b || !s.match || w.pre || st == stEnded {
		return
	}
	c := w.c
	if b <= c.from && (c.now < a || c.now >= b) {
		return // before the range and not at now: nothing to count
	}
	if a <= c.now && c.now < b {
		w.actNow = true
		if w.ov {
			w.a.ov.snapNow.count(st)
		}
		if w.ag && (s.agent != 0 || s.team != 0) {
			for _, p := range w.credited(s.agent, s.team, s.inbox) {
				if p != nil {
					p.activeNow++
				}
			}
		}
	}
	if a <= c.endSnap && c.endSnap < b {
		s.endState = st + 1
		w.actEnd = true
		if w.ov {
			w.a.ov.snapEnd.count(st)
		}
		if w.ag && (s.agent != 0 || s.team != 0) {
			for _, p := range w.credited(s.agent, s.team, s.inbox) {
				if p != nil {
					p.activeEnd++
				}
			}
		}
	}
	lo, hi := max(a, c.from), min(b, c.to)
	if !w.ov {
		s.inRange = s.inRange || lo < hi
		return
	}
	ov := &w.a.ov
	for i := c.snapFrom(a); i < len(c.snapAt) && c.snapAt[i] < b; i++ {
		ov.snaps[i].count(st)
		w.snapBits.set(i)
	}
	if lo >= hi {
		return
	}
	if !s.inRange {
		s.inRange = true
		ov.activeSessionsTotal++
	}
	w.actRange = true
	bi, bj := w.bucketAside(lo), w.bucketAside(hi-1)
	for k := max(bi, int(s.lastBucket)+1); k <= bj; k++ {
		ov.activeSessions[k]++
		w.actBits.set(k)
	}
	s.lastBucket = int32(max(int(s.lastBucket), bj))
}

func (s *snapCounts) count(st uint8) {
	switch st {
	case stUnassigned:
		s.unassigned++
	case stAssigned:
		s.assigned++
	case stResolved:
		s.resolved++
	}
}

// ---- the end of a contact ----

func (w *worker) finishContact() {
	c := w.c
	if w.pre {
		w.matches = w.matches[:0]
		x := w.x
		for i := range w.sess {
			s := &w.sess[i]
			m := x.placeMatch(s.chKind, s.inbox) &&
				(x.fAsst == nil || s.fa) && (x.fAgent == nil || s.fg) && (x.fTeam == nil || s.ft)
			w.matches = append(w.matches, m)
		}
		return
	}
	if w.idx != nil {
		w.indexContact()
		return
	}
	for i := range w.sess {
		s := &w.sess[i]
		switch {
		case s.state == stResolved:
			w.emit(s, stResolved, s.since, s.resolvedAt+day)
		case s.state == stEnded:
		case s.idleEnd <= c.now:
			w.timeOut(s) // ended by inactivity before now
		default:
			// open at now: active until its inactivity end (never without
			// a timeout), its clocks still running at now
			w.emit(s, s.state, s.since, s.idleEnd)
			w.slaAt(s, c.now, true)
		}
		if s.match {
			w.finishSession(s)
		}
	}
	if w.winEnd != noTime {
		w.emitWindow(w.winStart, w.winEnd)
	}
	if w.wins {
		w.openWindows()
	}
	if !w.ov {
		w.actBits.drain(func(int) {})
		w.snapBits.drain(func(int) {})
		return
	}
	ov := &w.a.ov
	if w.firstIn != noTime {
		if b := w.bucketAside(w.firstIn); b >= 0 {
			ov.newContacts[b]++
		}
		ov.knownDiff[c.snapFrom(w.firstIn)]++
		if w.firstIn <= c.now {
			ov.snapNow.known++
		}
		if w.firstIn <= c.endSnap {
			ov.snapEnd.known++
		}
	}
	if w.actNow {
		ov.snapNow.contacts++
		if w.firstIn != noTime && w.firstIn <= c.now {
			ov.snapNow.activeKnown++
		}
	}
	if w.actEnd {
		ov.snapEnd.contacts++
		if w.firstIn != noTime && w.firstIn <= c.endSnap {
			ov.snapEnd.activeKnown++
		}
	}
	if w.actRange {
		ov.activeContactsTotal++
	}
	w.actBits.drain(func(i int) { ov.activeContacts[i]++ })
	firstIn := w.firstIn
	w.snapBits.drain(func(i int) {
		ov.snaps[i].contacts++
		if firstIn != noTime && firstIn <= c.snapAt[i] {
			ov.snaps[i].activeKnown++
		}
	})
}

// finishSession adds the numbers a session gives once it is complete.
func (w *worker) finishSession(s *sess) {
	o := &w.c.opts
	if w.ov && s.startIn >= 0 {
		ov := &w.a.ov
		ov.mpsDen[s.startIn]++
		if s.botEngaged {
			ov.botSessions[s.startIn]++
			if !s.human {
				ov.botOnly[s.startIn]++
				if s.botResolved {
					ov.botResolved[s.startIn]++
				}
			}
			if s.handoff {
				ov.handoffSes[s.startIn]++
			}
		}
	}
	if w.ag {
		if o.countSessions && s.resIn.valid {
			b := s.resIn.bucket
			for _, p := range w.credited(s.resIn.agent, s.resIn.team, s.resIn.inbox) {
				if p != nil {
					p.resolutions[b]++
				}
			}
		}
		if o.sla && s.human && s.startIn >= 0 {
			for _, p := range w.credited(s.lastAgent, s.lastTeam, s.inbox) {
				if p == nil {
					continue
				}
				for k, v := range s.sla {
					switch v {
					case slaMet:
						p.sla[k].met++
					case slaPending:
						p.sla[k].pending++
					case slaBreached:
						p.sla[k].breached++
					}
				}
			}
		}
	}
	if w.lst && s.inRange {
		w.a.list = append(w.a.list, w.sessionRow(s))
	}
}
