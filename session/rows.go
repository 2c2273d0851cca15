package session

import (
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

func timeOf(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// cost adds the cost of outbound row r, in bucket b, to the overview.
func (w *worker) cost(r, b int, s *sess) {
	x, ov := w.x, &w.a.ov
	inCohort := s != nil && s.startIn >= 0
	if x.costs != nil {
		if x.msg == nil {
			return
		}
		m, ok := x.costs[x.msg[r]]
		if !ok || m.Amount.IsZero() {
			return
		}
		ov.cost[b].addDecimal(m.Currency, m.Amount)
		if inCohort {
			ov.costSess.addDecimal(m.Currency, m.Amount)
		}
		return
	}
	if !x.f.HasAmount(r) {
		return
	}
	cur := x.f.Dict(frame.Currency).Str(x.cur[r])
	if coef, exp, ok := x.f.AmountParts(r); ok {
		ov.cost[b].add(cur, coef, exp)
		if inCohort {
			ov.costSess.add(cur, coef, exp)
		}
		return
	}
	d := x.f.Amount(r)
	ov.cost[b].addDecimal(cur, d)
	if inCohort {
		ov.costSess.addDecimal(cur, d)
	}
}

// OutsideSend is a non-template message sent to a WhatsApp contact whose
// 24-hour window was closed (WhatsApp rejects it with error 131047).
type OutsideSend struct {
	Time    time.Time `json:"time"`
	Inbox   string    `json:"inbox"`
	Contact string    `json:"contact"`
	Message string    `json:"message,omitempty"`
	Sender  cm.Sender `json:"sender"`
	Agent   string    `json:"agent,omitempty"`
	// LastInbound is the contact's last message to the inbox before the
	// send; zero when the contact never wrote to it.
	LastInbound time.Time `json:"last_inbound,omitzero"`
}

func (w *worker) outsideSend(r int, t int64) OutsideSend {
	x := w.x
	f := x.f
	o := OutsideSend{Time: timeOf(t), Inbox: f.Str(frame.Inbox, r), Contact: f.ContactOf(r),
		Sender: cm.Sender(f.Str(frame.Sender, r)), Agent: f.Str(frame.Agent, r)}
	if x.msg != nil {
		o.Message = f.Str(frame.Message, r)
	}
	for i := range w.win {
		if w.win[i].inbox == x.inbox[r] {
			o.LastInbound = timeOf(w.win[i].lastIn)
			return o
		}
	}
	if t, ok := w.skippedInbound(x.inbox[r]); ok {
		o.LastInbound = timeOf(t)
	}
	return o
}

// skippedInbound returns the contact's last inbound message to inbox among
// the rows skipped by reading it from a restart row, as the lifecycle would
// have seen it (not a repeat, test traffic only when counted, opening the
// window, through the window filter).
func (w *worker) skippedInbound(inbox uint32) (int64, bool) {
	x := w.x
	skip := uint16(cRepeat)
	if !w.c.q.IncludeTest {
		skip |= cTest
	}
	for r := w.skipHi - 1; r >= w.skipLo; r-- {
		code := x.codes[r]
		if code&skip == 0 && code&cTypeMask == cReceived && code&cWindow != 0 && x.inbox[r] == inbox && w.windowFilter(r, inbox) {
			return x.times[r], true
		}
	}
	return 0, false
}

// OpenWindow is the open customer-service window of one (inbox, contact).
type OpenWindow struct {
	Inbox   string `json:"inbox"`
	Contact string `json:"contact"`
	// LastInbound is the contact's last message to the inbox at or before
	// the instant; Closes is 24 hours later.
	LastInbound time.Time `json:"last_inbound"`
	Closes      time.Time `json:"closes"`
}

// openWindows lists the current contact's windows open at the query's now.
func (w *worker) openWindows() {
	c := w.c
	for i := range w.win {
		v := &w.win[i]
		if v.lastBefore == noTime || c.now >= v.lastBefore+day {
			continue
		}
		w.a.windows = append(w.a.windows, OpenWindow{Inbox: w.x.f.Dict(frame.Inbox).Str(v.inbox),
			Contact: w.x.f.Contacts.Str(w.contact), LastInbound: timeOf(v.lastBefore), Closes: timeOf(v.lastBefore + day)})
	}
}

// SessionRow describes one session, for the per-session export.
type SessionRow struct {
	// ID is the host's conversation id, or for a derived session
	// "contact|inbox|start" (start in RFC 3339, UTC).
	ID      string     `json:"id"`
	Derived bool       `json:"derived,omitempty"`
	Contact string     `json:"contact"`
	Inbox   string     `json:"inbox,omitempty"`
	Channel cm.Channel `json:"channel,omitempty"`
	Start   time.Time  `json:"start"`
	// Incoming reports whether the contact wrote first.
	Incoming bool `json:"incoming"`
	// StatusAtEnd is the state at the end of the range: unassigned,
	// assigned, resolved, or "" when the session was not active then.
	StatusAtEnd string `json:"status_at_end"`
	// Agent and Team are the last assignee (empty if never assigned).
	Agent     string `json:"agent,omitempty"`
	Team      string `json:"team,omitempty"`
	Assistant string `json:"assistant,omitempty"`
	// Received and Sent count its messages (all of them, also outside the
	// range).
	Received int `json:"received"`
	Sent     int `json:"sent"`
	// Cycles is the number of resolve cycles (1 + reopenings);
	// Resolutions the number of resolutions.
	Cycles       int       `json:"cycles"`
	Resolutions  int       `json:"resolutions"`
	LastResolved time.Time `json:"last_resolved,omitzero"`
	// FirstResponse is the session's first response (any responder);
	// HumanFirstResponse its first human first response. Absent when there
	// was none.
	FirstResponse      *time.Duration `json:"first_response_ns,omitempty"`
	HumanFirstResponse *time.Duration `json:"human_first_response_ns,omitempty"`
	Handoff            bool           `json:"handoff"`
	BotOnly            bool           `json:"bot_only"`
}

var stateNames = [...]string{"unassigned", "assigned", "resolved", ""}

func (w *worker) sessionRow(s *sess) SessionRow {
	x := w.x
	f := x.f
	row := SessionRow{Contact: f.Contacts.Str(w.contact), Inbox: f.Dict(frame.Inbox).Str(s.inbox),
		Channel: channelName(s.chKind), Start: timeOf(s.start), Incoming: s.incoming,
		Agent: f.Dict(frame.Agent).Str(s.lastAgent), Team: f.Dict(frame.Team).Str(s.lastTeam),
		Assistant: f.Dict(frame.Assistant).Str(s.assistant), Received: s.in, Sent: s.out,
		Cycles: s.cycles + 1, Resolutions: s.resolutions, Handoff: s.handoff, BotOnly: s.botEngaged && !s.human}
	if s.endState > 0 {
		row.StatusAtEnd = stateNames[s.endState-1]
	}
	if s.conv != 0 {
		row.ID = f.Dict(frame.Conversation).Str(s.conv)
	} else {
		row.Derived = true
		row.ID = row.Contact + "|" + row.Inbox + "|" + row.Start.Format(time.RFC3339Nano)
	}
	if s.lastResolved != noTime {
		row.LastResolved = timeOf(s.lastResolved)
	}
	if s.firstResponse >= 0 {
		d := time.Duration(s.firstResponse)
		row.FirstResponse = &d
	}
	if s.humanFirst >= 0 {
		d := time.Duration(s.humanFirst)
		row.HumanFirstResponse = &d
	}
	return row
}

func channelName(k uint8) cm.Channel {
	switch k {
	case chWhatsApp:
		return cm.ChannelWhatsApp
	case chWeb:
		return cm.ChannelWebWidget
	case chAPI:
		return cm.ChannelAPI
	case chTest:
		return cm.ChannelTest
	}
	return ""
}
