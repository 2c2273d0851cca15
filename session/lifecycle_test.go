package session

import (
	"context"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
)

// A derived session (no conversation ids) ends 24 hours after its
// resolution; the contact's next message starts a new one.
func TestSessionEndsAndANewOneStarts(t *testing.T) {
	f := &fx{tenant: "t"}
	f.in("c1", ts(2, 9, 0)).bot("c1", ts(2, 9, 1)).resolved("c1", ts(2, 9, 10))
	// 3 Nov 10:00 is 24h50m after the resolution: a new session
	f.in("c1", ts(3, 10, 0)).bot("c1", ts(3, 10, 1)).resolved("c1", ts(3, 10, 5))
	q := week("t")
	ov, _, _ := results(t, f.evs, q)
	// s1 starts on 2 Nov, s2 on 3 Nov, each with c1's inbound message
	eqInts(t, "new sessions", ov.NewSessions, 2, 1, 1, 0)
	eqInts(t, "new incoming sessions", ov.NewIncomingSessions, 2, 1, 1, 0)
	// s1 is active from 2 Nov 09:00 to 3 Nov 09:10, s2 from 3 Nov 10:00 to
	// 4 Nov 10:05: 2 Nov {s1}, 3 Nov {s1, s2}, 4 Nov {s2}; 2 distinct.
	eqInts(t, "active sessions", ov.ActiveSessions, 2, 1, 2, 1, 0)
	// c1 writes on 2 and 3 Nov (one distinct contact), first on 2 Nov, and
	// is active on 2, 3 and 4 Nov; one inbound message and one bot reply
	// on each of 2 and 3 Nov
	eqInts(t, "contacts", ov.Contacts, 1, 1, 1, 0)
	eqInts(t, "new contacts", ov.NewContacts, 1, 1, 0, 0)
	eqInts(t, "active contacts", ov.ActiveContacts, 1, 1, 1, 1, 0)
	eqInts(t, "received", ov.Messages.Received, 2, 1, 1)
	eqInts(t, "by bot", ov.Messages.ByBot, 2, 1, 1)
	// 2 messages in each of the 2 sessions
	eqRate(t, "messages per session", ov.Messages.PerSession.Total, 4, 2)
	// both messages answered by the bot a minute later (09:00 → 09:01,
	// 10:00 → 10:01): mean and median 1 min; both sessions bot-only and
	// resolved without an agent (bot resolutions), no hand-off, no
	// reopening, one resolution on each of 2 and 3 Nov
	eqRate(t, "response rate", ov.ResponseRate.Total, 2, 2)
	eqStats(t, "response time", ov.ResponseTime.Total, 2, time.Minute, time.Minute)
	eqStats(t, "first response", ov.FirstResponse.Total, 2, time.Minute, time.Minute)
	eqInts(t, "bot sessions", ov.Bot.Sessions, 2)
	eqInts(t, "bot only", ov.Bot.BotOnly, 2)
	eqInts(t, "bot resolved", ov.Bot.Resolved, 2)
	eqRate(t, "handoff rate", ov.Bot.HandoffRate.Total, 0, 2)
	eqInts(t, "resolutions", ov.Bot.Resolutions, 2, 1, 1)
	eqInts(t, "bot resolutions", ov.Bot.BotResolutions, 2)
	eqRate(t, "reopen rate", ov.Bot.ReopenRate.Total, 0, 2)
	// end of 2 Nov: s1 resolved; end of 3 Nov: s2 resolved (s1 ended at
	// 09:10); end of 4 Nov: nothing active, c1 idle.
	for i, want := range []Snapshot{{Resolved: 1, Active: 1, ActiveContacts: 1}, {Resolved: 1, Active: 1, ActiveContacts: 1}, {IdleContacts: 1}} {
		got := ov.Snapshots[i].Value
		got.At = time.Time{}
		if got.OpenWindows > 0 {
			got.OpenWindows = 0
		}
		if got != want {
			t.Errorf("snapshot %d: %+v, want %+v", i, got, want)
		}
	}
	if ov.End.Active != 0 || ov.End.IdleContacts != 1 {
		t.Errorf("end: %+v", ov.End)
	}
}

// With host conversation ids, the same id after the session ended brings
// the same session back: the host said it is the same conversation.
func TestHostConversationIDsAreKept(t *testing.T) {
	f := &fx{tenant: "t"}
	f.in("c1", ts(2, 9, 0), conv("v1")).bot("c1", ts(2, 9, 1), conv("v1")).resolved("c1", ts(2, 9, 10), conv("v1"))
	f.in("c1", ts(3, 10, 0), conv("v1")).bot("c1", ts(3, 10, 1), conv("v1")).resolved("c1", ts(3, 10, 5), conv("v1"))
	// another conversation of the same contact, open at the same time
	f.in("c1", ts(3, 10, 2), conv("v2"))
	q := week("t")
	ov, _, _ := results(t, f.evs, q)
	eqInts(t, "new sessions", ov.NewSessions, 2, 1, 1, 0) // v1 on 2 Nov, v2 on 3 Nov
	eqInts(t, "resolutions", ov.Bot.Resolutions, 2)
	// the second resolution of v1 follows a reopening of v1
	eqInts(t, "reopened", ov.Bot.Reopened, 1, 1, 0)
	if ov.End.Active != 1 || ov.End.Unassigned != 1 {
		t.Errorf("end: v2 is open and unassigned: %+v", ov.End)
	}
	// the same events with SessionsDerive: v1's second message is 24h50m
	// after its resolution, so a new session; v2's message joins it.
	q.Options.Sessions = SessionsDerive
	ov, _, _ = results(t, f.evs, q)
	eqInts(t, "derived new sessions", ov.NewSessions, 2, 1, 1, 0)
	eqInts(t, "derived reopened", ov.Bot.Reopened, 0)
	if ov.End.Active != 0 {
		t.Errorf("derived end: the 3 Nov session resolved at 10:05 has ended: %+v", ov.End)
	}
}

// A resolved session stays active for exactly 24 hours.
func TestResolvedSessionActiveFor24Hours(t *testing.T) {
	f := &fx{tenant: "t"}
	f.in("c1", ts(2, 9, 0)).bot("c1", ts(2, 9, 0, 10)).resolved("c1", ts(2, 9, 10))
	q := week("t")
	q.Now = ts(3, 9, 9, 59) // 23h59m59s after the resolution
	ov, _, _ := results(t, f.evs, q)
	if n := ov.Now; n.Active != 1 || n.Resolved != 1 || n.ActiveContacts != 1 || n.IdleContacts != 0 {
		t.Errorf("inside the 24 hours: %+v", n)
	}
	q.Now = ts(3, 9, 10) // exactly 24 hours
	ov, _, _ = results(t, f.evs, q)
	if n := ov.Now; n.Active != 0 || n.ActiveContacts != 0 || n.IdleContacts != 1 {
		t.Errorf("after the 24 hours: %+v", n)
	}
}

// An inbound message within 24 hours of the resolution reopens the same
// session and starts a second cycle; one after 24 hours starts a new one.
func TestReopen(t *testing.T) {
	f := &fx{tenant: "t"}
	f.in("c1", ts(2, 9, 0)).bot("c1", ts(2, 9, 1)).resolved("c1", ts(2, 9, 10))
	f.in("c1", ts(2, 20, 0)).add(cm.ConversationReopened, "c1", ts(2, 20, 0)).bot("c1", ts(2, 20, 1)).resolved("c1", ts(2, 20, 5))
	f.in("c1", ts(3, 21, 0)) // 24h55m after 20:05: a new session
	q := week("t")
	ov, _, _ := results(t, f.evs, q)
	eqInts(t, "new sessions", ov.NewSessions, 2, 1, 1)
	eqInts(t, "resolutions", ov.Bot.Resolutions, 2, 2, 0)
	// the 09:10 resolution was reopened, the 20:05 one was not
	eqInts(t, "reopened", ov.Bot.Reopened, 1, 1, 0)
	eqRate(t, "reopen rate", ov.Bot.ReopenRate.Total, 1, 2)
	sl, err := Sessions(context.Background(), store(t, f.evs), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(sl.Sessions) != 2 {
		t.Fatalf("%d sessions, want 2", len(sl.Sessions))
	}
	s := sl.Sessions[0]
	if s.Cycles != 2 || s.Resolutions != 2 || s.Received != 2 || s.Sent != 2 || !s.Derived || s.StatusAtEnd != "" {
		t.Errorf("first session: %+v", s)
	}
	if s := sl.Sessions[1]; s.StatusAtEnd != "unassigned" || s.Cycles != 1 {
		t.Errorf("second session: %+v", s)
	}
}

// New, idle and active contacts.
func TestContactsNewIdleActive(t *testing.T) {
	f := &fx{tenant: "t"}
	// A wrote the week before and its session ended: idle.
	f.add(cm.MessageReceived, "A", time.Date(2026, 10, 26, 10, 0, 0, 0, time.UTC))
	f.add(cm.ConversationResolved, "A", time.Date(2026, 10, 26, 10, 5, 0, 0, time.UTC))
	// B writes for the first time on 3 Nov, is assigned and never resolved.
	f.in("B", ts(3, 10, 0)).add(cm.ConversationAssigned, "B", ts(3, 10, 1), byAgent("ann"))
	// C wrote on 28 Oct and comes back on 4 Nov; resolved at 12:05 (so its
	// session ends on 5 Nov at 12:05).
	f.add(cm.MessageReceived, "C", time.Date(2026, 10, 28, 10, 0, 0, 0, time.UTC))
	f.add(cm.ConversationResolved, "C", time.Date(2026, 10, 28, 10, 5, 0, 0, time.UTC))
	f.in("C", ts(4, 12, 0)).bot("C", ts(4, 12, 1)).resolved("C", ts(4, 12, 5))
	// D only receives a broadcast: never a contact who wrote.
	f.add(cm.MessageSent, "D", ts(5, 10, 0), sender(cm.SenderBroadcast), template("news"))
	ov, _, _ := results(t, f.evs, week("t"))
	eqInts(t, "contacts", ov.Contacts, 2, 0, 1, 1)     // B, C
	eqInts(t, "new contacts", ov.NewContacts, 1, 0, 1) // B
	eqInts(t, "active contacts", ov.ActiveContacts, 2) // B, C
	eqInts(t, "by broadcast", ov.Messages.ByBroadcast, 1)
	// at the end: B's session is open and assigned; A and C wrote before
	// and have no active session; D never wrote.
	if e := ov.End; e.Active != 1 || e.Assigned != 1 || e.ActiveContacts != 1 || e.IdleContacts != 2 {
		t.Errorf("end: %+v", e)
	}
	// end of 4 Nov: B assigned, C resolved (until 5 Nov 12:05): 2 active,
	// A idle.
	if s := ov.Snapshots[2].Value; s.Active != 2 || s.Assigned != 1 || s.Resolved != 1 || s.ActiveContacts != 2 || s.IdleContacts != 1 {
		t.Errorf("end of 4 Nov: %+v", s)
	}
	// end of 2 Nov: nobody active; A and C idle.
	if s := ov.Snapshots[0].Value; s.Active != 0 || s.IdleContacts != 2 {
		t.Errorf("end of 2 Nov: %+v", s)
	}
}

// A reply that comes after the contact's next message answers only that
// message, unless a response window is set.
func TestResponseAfterNextInbound(t *testing.T) {
	f := &fx{tenant: "t"}
	f.in("c1", ts(2, 9, 0)).in("c1", ts(2, 9, 2)).bot("c1", ts(2, 9, 3))
	q := week("t")
	ov, _, _ := results(t, f.evs, q)
	// m1 is followed by m2 before the reply: unanswered; m2 answered in 1 min.
	eqRate(t, "response rate", ov.ResponseRate.Total, 1, 2)
	eqStats(t, "response time", ov.ResponseTime.Total, 1, time.Minute, time.Minute)
	// the first response runs from the first message: 3 min.
	eqStats(t, "first response", ov.FirstResponse.Total, 1, 3*time.Minute, 3*time.Minute)
	q.Options.ResponseWindow = Duration(5 * time.Minute)
	ov, _, _ = results(t, f.evs, q)
	// both answered within 5 min: 3 min and 1 min; mean 2 min, median the
	// midpoint 2 min, p90 the 2nd of 2 values.
	eqRate(t, "response rate (window)", ov.ResponseRate.Total, 2, 2)
	eqStats(t, "response time (window)", ov.ResponseTime.Total, 2, 2*time.Minute, 2*time.Minute)
	if ov.ResponseTime.Total.P90 != 3*time.Minute {
		t.Errorf("p90 %v, want 3m", ov.ResponseTime.Total.P90)
	}
	q.Options.ResponseWindow = Duration(2 * time.Minute)
	ov, _, _ = results(t, f.evs, q)
	// m1's reply comes after 3 min: outside a 2-minute window
	eqRate(t, "response rate (2m window)", ov.ResponseRate.Total, 1, 2)
}

// The 24-hour window: open from each inbound message for exactly 24 hours;
// templates may be sent outside it; web-widget conversations have none.
func TestCustomerServiceWindow(t *testing.T) {
	f := &fx{tenant: "t"}
	f.in("c1", ts(2, 9, 0))
	f.reply("c1", "ann", ts(3, 8, 59))                    // inside
	f.reply("c1", "ann", ts(3, 9, 0), msgID("late"))      // exactly 24 h: outside
	f.bot("c1", ts(3, 10, 0), template("follow_up"))      // a template: allowed
	f.reply("c1", "ann", ts(3, 11, 0), inbox("inbox-2"))  // another inbox: never opened
	f.in("w1", ts(2, 9, 0), channel(cm.ChannelWebWidget)) // web widget: no window
	f.reply("w1", "ann", ts(5, 9, 0), channel(cm.ChannelWebWidget))
	q := week("t")
	q.Now = ts(3, 8, 0)
	ov, _, _ := results(t, f.evs, q)
	eqInts(t, "outside window", ov.Messages.OutsideWindow, 2, 0, 2)
	if ov.Messages.OutsideBySender[cm.SenderAgent] != 2 {
		t.Errorf("outside by sender: %v", ov.Messages.OutsideBySender)
	}
	if ov.Now.OpenWindows != 1 || ov.End.OpenWindows != 0 {
		t.Errorf("open windows now %d (want 1), end %d (want 0)", ov.Now.OpenWindows, ov.End.OpenWindows)
	}
	// end of 2 Nov: c1's window is open (until 3 Nov 09:00)
	if ov.Snapshots[0].Value.OpenWindows != 1 || ov.Snapshots[1].Value.OpenWindows != 0 {
		t.Errorf("open windows at the end of 2 and 3 Nov: %d %d", ov.Snapshots[0].Value.OpenWindows, ov.Snapshots[1].Value.OpenWindows)
	}
	w, err := Windows(context.Background(), store(t, f.evs), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Open) != 1 || w.Open[0].Contact != "c1" || !w.Open[0].Closes.Equal(ts(3, 9, 0)) || w.OpenContacts != 1 {
		t.Errorf("open windows: %+v", w.Open)
	}
	if len(w.Outside) != 2 || w.Outside[0].Message != "late" || !w.Outside[0].LastInbound.Equal(ts(2, 9, 0)) ||
		w.Outside[1].Inbox != "inbox-2" || !w.Outside[1].LastInbound.IsZero() {
		t.Errorf("outside: %+v", w.Outside)
	}
}

// Test traffic is left out unless asked for.
func TestTestTrafficExcluded(t *testing.T) {
	f := &fx{tenant: "t"}
	f.in("c1", ts(2, 9, 0)).bot("c1", ts(2, 9, 1))
	f.in("t1", ts(2, 9, 0), channel(cm.ChannelTest), inbox("test-console")).bot("t1", ts(2, 9, 1), channel(cm.ChannelTest), inbox("test-console"))
	q := week("t")
	ov, _, _ := results(t, f.evs, q)
	eqInts(t, "new sessions", ov.NewSessions, 1)
	eqInts(t, "received", ov.Messages.Received, 1)
	q.IncludeTest = true
	ov, _, _ = results(t, f.evs, q)
	eqInts(t, "new sessions with test", ov.NewSessions, 2)
	q.Filter.Channels = []cm.Channel{cm.ChannelTest}
	ov, _, _ = results(t, f.evs, q)
	eqInts(t, "test channel only", ov.NewSessions, 1)
	eqInts(t, "test channel only received", ov.Messages.Received, 1)
}

// Filters select sessions; the messages counted are those of the selected
// sessions.
func TestFilterByAgentSelectsSessions(t *testing.T) {
	f := &fx{tenant: "t"}
	f.in("c1", ts(2, 9, 0)).bot("c1", ts(2, 9, 1)).add(cm.ConversationAssigned, "c1", ts(2, 9, 2), byAgent("ann")).reply("c1", "ann", ts(2, 9, 5))
	f.in("c2", ts(2, 9, 0)).add(cm.ConversationAssigned, "c2", ts(2, 9, 2), byAgent("bob")).reply("c2", "bob", ts(2, 9, 5)).in("c2", ts(2, 9, 6))
	// a broadcast outside any session: no agent, so not selected
	f.add(cm.MessageSent, "c3", ts(2, 10, 0), sender(cm.SenderBroadcast), template("news"))
	q := week("t")
	q.Filter.Agents = []string{"ann"}
	ov, ag, _ := results(t, f.evs, q)
	eqInts(t, "new sessions", ov.NewSessions, 1)
	eqInts(t, "received", ov.Messages.Received, 1) // c1's only
	eqInts(t, "sent", ov.Messages.Sent, 2)         // bot and ann in c1
	eqInts(t, "broadcast", ov.Messages.ByBroadcast, 0)
	eqInts(t, "contacts", ov.Contacts, 1)
	if len(ag.Agents) != 1 || ag.Agents[0].Name != "ann" {
		t.Errorf("agents under the filter: %+v", ag.Agents)
	}
	q.Filter = Filter{Inboxes: []string{"nowhere"}}
	ov, _, _ = results(t, f.evs, q)
	eqInts(t, "unknown inbox", ov.NewSessions, 0)
}

// Cost comes from the messages' amounts, per currency, unless the query
// carries per-message costs.
func TestCost(t *testing.T) {
	f := &fx{tenant: "t"}
	f.in("c1", ts(2, 9, 0)).bot("c1", ts(2, 9, 1), price("0.05", "USD"), msgID("m1")).bot("c1", ts(2, 9, 2), price("0.10", "USD"))
	f.in("c2", ts(3, 9, 0)).bot("c2", ts(3, 9, 1), price("1.00", "TRY"))
	f.add(cm.MessageSent, "c3", ts(3, 10, 0), sender(cm.SenderCampaign), template("promo"), price("0.50", "USD"))
	ov, _, _ := results(t, f.evs, week("t"))
	// USD 0.05 + 0.10 + 0.50 (the campaign send is outside any session);
	// TRY 1.00.
	if c := ov.Cost.Total; len(c) != 2 || !c["USD"].Equal(dec("0.65")) || !c["TRY"].Equal(dec("1")) {
		t.Errorf("total %v", c)
	}
	// per session: 2 sessions; USD (0.05 + 0.10) / 2 = 0.075, TRY 1 / 2 = 0.5
	if p := ov.Cost.PerSession; !p["USD"].Equal(dec("0.075")) || !p["TRY"].Equal(dec("0.5")) || ov.Cost.Sessions != 2 {
		t.Errorf("per session %v", p)
	}
	if !ov.Cost.Series[0].Value["USD"].Equal(dec("0.15")) || !ov.Cost.Series[1].Value["USD"].Equal(dec("0.5")) {
		t.Errorf("series %v", ov.Cost.Series[:2])
	}
	q := week("t")
	q.MessageCosts = map[string]cm.Money{"m1": {Amount: dec("0.20"), Currency: "EUR"}}
	ov, _, _ = results(t, f.evs, q)
	if c := ov.Cost.Total; len(c) != 1 || !c["EUR"].Equal(dec("0.2")) || ov.Cost.Source != "message_costs" {
		t.Errorf("with message costs: %v %s", c, ov.Cost.Source)
	}
}

// Two tenants with the same contact ids never mix.
func TestTenantsDoNotMix(t *testing.T) {
	a := &fx{tenant: "a"}
	a.in("c1", ts(2, 9, 0)).bot("c1", ts(2, 9, 1)).resolved("c1", ts(2, 9, 5))
	b := &fx{tenant: "b"}
	b.in("c1", ts(2, 8, 0)).add(cm.ConversationAssigned, "c1", ts(2, 8, 1), byAgent("zed")).reply("c1", "zed", ts(2, 8, 2)).in("c1", ts(3, 8, 0))
	ovA, agA, _ := results(t, a.evs, week("a"))
	both := store(t, a.evs, b.evs)
	ov, err := Overview(context.Background(), both, week("a"))
	if err != nil {
		t.Fatal(err)
	}
	same(t, "overview of a", ovA, ov)
	ag, err := Agents(context.Background(), both, week("a"))
	if err != nil {
		t.Fatal(err)
	}
	same(t, "agents of a", agA, ag)
	if len(ag.Agents) != 0 {
		t.Errorf("tenant a has b's agent: %+v", ag.Agents)
	}
	eqInts(t, "a received", ov.Messages.Received, 1)
}

// Reactions count as messages received and refresh the 24-hour window,
// but never start or reopen a session and never await a reply.
func TestReactions(t *testing.T) {
	f := &fx{tenant: "t"}
	f.in("c1", ts(2, 9, 0)).bot("c1", ts(2, 9, 1), assistant("bot-1")).resolved("c1", ts(2, 9, 5))
	f.in("c1", ts(2, 9, 10), msgType("reaction")) // on the resolved session: no reopening
	f.in("c1", ts(4, 9, 0), msgType("reaction"))  // after the session ended: outside any session
	f.reply("c1", "ann", ts(4, 10, 0))            // inside the window the reaction opened
	q := week("t")
	ov, _, _ := results(t, f.evs, q)
	eqInts(t, "new sessions", ov.NewSessions, 1)
	eqInts(t, "received", ov.Messages.Received, 3)
	eqInts(t, "reopened", ov.Bot.Reopened, 0)
	eqRate(t, "response rate", ov.ResponseRate.Total, 1, 1)
	eqInts(t, "outside window", ov.Messages.OutsideWindow, 0)
	eqInts(t, "contacts", ov.Contacts, 1, 1, 0, 1)
	// the assistant filter selects the session by its bot message; the
	// reaction outside any session has no assistant
	q.Filter.Assistants = []string{"bot-1"}
	ov, _, _ = results(t, f.evs, q)
	eqInts(t, "assistant bot-1", ov.NewSessions, 1)
	eqInts(t, "assistant bot-1 received", ov.Messages.Received, 2)
	q.Filter.Assistants = []string{"other"}
	ov, _, _ = results(t, f.evs, q)
	eqInts(t, "assistant other", ov.NewSessions, 0)
	eqInts(t, "assistant other received", ov.Messages.Received, 0)
}

// Boundaries: an event at exactly the end of the range is outside it; a
// bucket's snapshot includes every event before the bucket's end.
func TestBoundaries(t *testing.T) {
	f := &fx{tenant: "t"}
	f.in("c1", time.Date(2026, 11, 1, 23, 0, 0, 0, time.UTC)).resolved("c1", ts(2, 0, 0)) // active until 3 Nov 00:00
	f.in("c2", ts(9, 0, 0))                                                               // at the end of the range
	f.in("c3", ts(2, 0, 0))                                                               // at its start
	ov, _, _ := results(t, f.evs, week("t"))
	eqInts(t, "received", ov.Messages.Received, 1, 1)
	eqInts(t, "new sessions", ov.NewSessions, 1, 1)
	// end of 2 Nov: c1 resolved (until 3 Nov 00:00 exactly), c3 open
	if s := ov.Snapshots[0].Value; s.Resolved != 1 || s.Unassigned != 1 {
		t.Errorf("end of 2 Nov: %+v", s)
	}
	if s := ov.Snapshots[1].Value; s.Resolved != 0 || s.Unassigned != 1 || s.IdleContacts != 1 {
		t.Errorf("end of 3 Nov: %+v", s)
	}
	// c2's message at 9 Nov 00:00 is not before the end
	if e := ov.End; e.Active != 1 || e.IdleContacts != 1 {
		t.Errorf("end: %+v", e)
	}
}

// The slot table finds the same bucket as a search of the bucket starts,
// and snapFrom the same snapshot, across DST changes, granularities and
// ranges starting mid-bucket.
func TestBucketSlots(t *testing.T) {
	for _, zone := range []string{"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range []cm.Granularity{cm.Hour, cm.Day, cm.Week, cm.Month} {
			q := Query{Tenant: "t", Calendar: cm.NewCalendar(loc), Granularity: g, AllowLongRange: true,
				Range: cm.Range{From: time.Date(2026, 3, 1, 7, 30, 0, 0, time.UTC), To: time.Date(2026, 4, 10, 0, 0, 1, 0, time.UTC)}}
			if g == cm.Month || g == cm.Week {
				q.Range.To = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			}
			c, err := q.compile()
			if err != nil {
				t.Fatal(err)
			}
			step := (c.to - c.from) / 200_000
			for at := c.from - 3*step; at < c.to+3*step; at += step - 7 {
				for _, x := range []int64{at, c.from, c.to - 1, c.to} {
					want := -1 // the last bucket starting at or before x, in the range
					if x >= c.from && x < c.to {
						want = firstAtOrAfter(c.starts, x+1) - 1
					}
					if got := c.bucketOf(x); got != want {
						t.Fatalf("%s %s: bucket of %d: %d, want %d", zone, g, x, got, want)
					}
					if got, want := c.snapFrom(x), firstAtOrAfter(c.snapAt, x); got != want {
						t.Fatalf("%s %s: snapshot from %d: %d, want %d", zone, g, x, got, want)
					}
				}
			}
			for i, s := range c.starts {
				for _, x := range []int64{s - 1, s, s + 1} {
					if got, want := c.snapFrom(x), firstAtOrAfter(c.snapAt, x); got != want {
						t.Fatalf("%s %s: snapshot from bucket %d's start %+d: %d, want %d", zone, g, i, x-s, got, want)
					}
				}
			}
		}
	}
}

// A message stored under several event ids (the same message id) counts
// once: the first in (time, id) order exists, the others do not. Events
// without a message id are never merged, and a message id belongs to its
// contact.
func TestRepeatedMessageIDsCountOnce(t *testing.T) {
	f := &fx{tenant: "t"}
	// c1: wamid.A at 09:00 answered by the bot's wamid.B at 09:01; both
	// stored again under new event ids, A also at 09:05 (a host stamping
	// its own receive time on a re-delivered webhook)
	f.in("c1", ts(2, 9, 0), msgID("wamid.A"))
	f.bot("c1", ts(2, 9, 1), msgID("wamid.B"), price("0.05", "USD"))
	f.in("c1", ts(2, 9, 0), msgID("wamid.A"))                        // same instant, later event id
	f.bot("c1", ts(2, 9, 1), msgID("wamid.B"), price("0.05", "USD")) // the reply again
	f.in("c1", ts(2, 9, 5), msgID("wamid.A"))                        // later
	// 3 Nov 09:02: the window opened by A at 09:00 closed at 09:00 (the
	// repeat at 09:05 opens nothing)
	f.bot("c1", ts(3, 9, 2), msgID("wamid.C"))
	// c2: two messages without an id, at the same instant: two messages
	f.in("c2", ts(2, 10, 0), msgID("")).in("c2", ts(2, 10, 0), msgID(""))
	// c3: another contact's message with c1's id: its own message
	f.in("c3", ts(2, 11, 0), msgID("wamid.A"))
	// c4: wamid.T on the test channel at 12:00, then on WhatsApp at 12:01
	f.in("c4", ts(2, 12, 0), msgID("wamid.T"), channel(cm.ChannelTest), inbox("test-console"))
	f.in("c4", ts(2, 12, 1), msgID("wamid.T"))
	q := week("t")
	ov, _, _ := results(t, f.evs, q)
	// received: c1 A once + c2 two + c3 one + c4 the WhatsApp T (the test
	// one does not exist) = 5, all on 2 Nov
	eqInts(t, "received", ov.Messages.Received, 5, 5, 0)
	// by bot: c1's B once (2 Nov) and C (3 Nov) = 2
	eqInts(t, "by bot", ov.Messages.ByBot, 2, 1, 1)
	// c1's A answered by B in 1 min; c2's two and c3's and c4's messages
	// unanswered: 1 of 1 + 2 + 1 + 1 = 5 (counting the repeats it would be
	// 2 of 7: C would answer the repeat at 09:05)
	eqRate(t, "response rate", ov.ResponseRate.Total, 1, 5)
	eqStats(t, "response time", ov.ResponseTime.Total, 1, time.Minute, time.Minute)
	// B's USD 0.05 once
	if c := ov.Cost.Total; len(c) != 1 || !c["USD"].Equal(dec("0.05")) {
		t.Errorf("cost %v, want USD 0.05", c)
	}
	// C at 3 Nov 09:02 is 24h02m after A: outside the window
	eqInts(t, "outside window", ov.Messages.OutsideWindow, 1, 0, 1)
	eqInts(t, "contacts", ov.Contacts, 4)
	eqInts(t, "new sessions", ov.NewSessions, 4)
	// c1's session: 1 message received and 2 sent (B and C)
	sl, err := Sessions(context.Background(), store(t, f.evs), q)
	if err != nil {
		t.Fatal(err)
	}
	if s := sl.Sessions[0]; s.Contact != "c1" || s.Received != 1 || s.Sent != 2 {
		t.Errorf("c1's session: %+v", s)
	}
	// with test traffic, c4's test message at 12:00 comes first: its
	// WhatsApp repeat does not exist, and c4's one session is on the test
	// channel: received still 5, of which 4 outside the test channel
	q.IncludeTest = true
	ov, _, _ = results(t, f.evs, q)
	eqInts(t, "received with test traffic", ov.Messages.Received, 5)
	eqInts(t, "new sessions with test traffic", ov.NewSessions, 4)
	q.Filter.Channels = []cm.Channel{cm.ChannelWhatsApp}
	ov, _, _ = results(t, f.evs, q)
	eqInts(t, "received on WhatsApp with test traffic", ov.Messages.Received, 4)
	eqInts(t, "sessions on WhatsApp with test traffic", ov.NewSessions, 3)
}
