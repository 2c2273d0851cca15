package session

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
)

// snap is a snapshot without its instant.
func snap(s Snapshot) Snapshot {
	s.At = time.Time{}
	s.OpenWindows = 0
	return s
}

// A host that sends only messages: with an inactivity timeout a session
// ends exactly that long after its latest event, and the contact's next
// message starts a new one.
func TestInactivityTimeout(t *testing.T) {
	f := &fx{tenant: "t"}
	// c1: quiet from 2 Nov 09:01 until 4 Nov 10:00
	f.in("c1", ts(2, 9, 0)).bot("c1", ts(2, 9, 1)).in("c1", ts(4, 10, 0))
	// c2: each event less than 24 hours after the one before (23h, 23h59m)
	f.in("c2", ts(2, 9, 0)).bot("c2", ts(3, 8, 0)).in("c2", ts(4, 7, 59))
	// c3: the second message exactly 24 hours after the first
	f.in("c3", ts(2, 12, 0)).in("c3", ts(3, 12, 0))
	// c5: a host conversation, answered by ann 25 hours later
	f.in("c5", ts(2, 9, 0), conv("v5")).reply("c5", "ann", ts(3, 10, 0), conv("v5"))

	q := week("t")
	ov, ag, _ := results(t, f.evs, q)
	// without a timeout nothing ends: one session per contact, all four
	// active at the end, nobody idle; c5's message answered after 25h
	eqInts(t, "new sessions (no timeout)", ov.NewSessions, 4)
	if e := snap(ov.End); e != (Snapshot{Active: 4, Unassigned: 4, ActiveContacts: 4}) {
		t.Errorf("end (no timeout): %+v", e)
	}
	// answered: c1's 09:00, c2's 09:00 and c5's of the 7 inbound messages
	eqRate(t, "response rate (no timeout)", ov.ResponseRate.Total, 3, 7)
	eqStats(t, "ann's first response (no timeout)", perfOf(t, ag.Agents, "ann").FirstResponse.Total, 1, 25*time.Hour, 25*time.Hour)

	q.Options.InactivityTimeout = Duration(24 * time.Hour)
	ov, ag, _ = results(t, f.evs, q)
	// c1's session ends on 3 Nov 09:01 (its last event 09:01 + 24h), so
	// its 4 Nov message starts a second one; c2's stays open (ends 5 Nov
	// 07:59); c3's first ends at 3 Nov 12:00 exactly, the instant of its
	// second message, which starts a new one; c5's ends at 3 Nov 09:00 and
	// ann's reply joins the ended conversation (host id): 2 + 1 + 2 + 1
	eqInts(t, "new sessions", ov.NewSessions, 6, 4, 1, 1, 0, 0, 0, 0)
	// active: c1 [2 Nov 09:00, 3 Nov 09:01) and [4 Nov 10:00, 5 Nov
	// 10:00), c2 [2 Nov 09:00, 5 Nov 07:59), c3 [2 Nov 12:00, 3 Nov 12:00)
	// and [3 Nov 12:00, 4 Nov 12:00), c5 [2 Nov 09:00, 3 Nov 09:00):
	// 2 Nov 4, 3 Nov 5, 4 Nov 3 (c1, c2, c3), 5 Nov 2 (c1, c2)
	eqInts(t, "active sessions", ov.ActiveSessions, 6, 4, 5, 3, 2, 0, 0, 0)
	eqInts(t, "active contacts", ov.ActiveContacts, 4, 4, 4, 3, 2, 0, 0, 0)
	// no resolution, no reopening
	eqInts(t, "resolutions", ov.Bot.Resolutions, 0)
	eqInts(t, "reopened", ov.Bot.Reopened, 0)
	// snapshots at the end of 2, 3, 4 and 5 Nov; every session is
	// unassigned while it lasts
	for i, want := range []Snapshot{
		{Active: 4, Unassigned: 4, ActiveContacts: 4},                  // c1, c2, c3, c5
		{Active: 2, Unassigned: 2, ActiveContacts: 2, IdleContacts: 2}, // c2, c3's second; c1, c5 idle
		{Active: 2, Unassigned: 2, ActiveContacts: 2, IdleContacts: 2}, // c1's second, c2; c3, c5 idle
		{IdleContacts: 4},
	} {
		if got := snap(ov.Snapshots[i].Value); got != want {
			t.Errorf("snapshot at the end of %d Nov: %+v, want %+v", 2+i, got, want)
		}
	}
	if e := snap(ov.End); e != (Snapshot{IdleContacts: 4}) {
		t.Errorf("end: %+v", e)
	}
	// answered: c1's 09:00 (1 min) and c2's 09:00 (23h, the bot's reply
	// within the timeout); c5's wait ended with its session at 3 Nov
	// 09:00, so ann's reply answers nothing: 2 of 7
	eqRate(t, "response rate", ov.ResponseRate.Total, 2, 7)
	// mean and median (two values): (1m + 23h) / 2 = 11h30m30s
	eqStats(t, "response time", ov.ResponseTime.Total, 2, 11*time.Hour+30*time.Minute+30*time.Second, 11*time.Hour+30*time.Minute+30*time.Second)
	// the first response, by anyone, of the sessions where the contact
	// wrote: c1's first 1m, c2 23h, c5 25h (ann's reply on the ended
	// conversation, as after a resolution); c1's and c3's later sessions
	// and c3's first have none. Mean (60 + 82800 + 90000) s / 3 = 57620 s
	// = 16h0m20s, median 23h.
	eqStats(t, "first response", ov.FirstResponse.Total, 3, 16*time.Hour+20*time.Second, 23*time.Hour)
	// ann's message on the ended session is counted but responds to
	// nothing
	ann := perfOf(t, ag.Agents, "ann")
	eqInts(t, "ann's messages", ann.MessagesSent, 1)
	if ann.FirstResponse.Total.Count != 0 {
		t.Errorf("ann's first response after the session ended: %+v", ann.FirstResponse.Total)
	}

	// at 3 Nov 09:00:30 c1's first session (until 09:01), c2's and c3's
	// first are active; c5's ended at 09:00 exactly
	q.Now = ts(3, 9, 0, 30)
	ov, _, _ = results(t, f.evs, q)
	if n := snap(ov.Now); n != (Snapshot{Active: 3, Unassigned: 3, ActiveContacts: 3, IdleContacts: 1}) {
		t.Errorf("now: %+v", n)
	}
	q.Now = ts(3, 9, 1) // c1's ends at this instant
	ov, _, _ = results(t, f.evs, q)
	if n := snap(ov.Now); n.Active != 2 || n.IdleContacts != 2 {
		t.Errorf("now, at c1's end: %+v", n)
	}

	// the session list: six sessions, none active at the end of the range
	q.Now = time.Time{}
	sl, err := Sessions(context.Background(), store(t, f.evs), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(sl.Sessions) != 6 {
		t.Fatalf("%d sessions, want 6", len(sl.Sessions))
	}
	for _, s := range sl.Sessions {
		if s.StatusAtEnd != "" || s.Resolutions != 0 {
			t.Errorf("session %s: %+v", s.ID, s)
		}
	}
}

// The inactivity end stops the SLA clocks: a first response past its
// target is breached; a resolution clock past its target is breached, one
// within it is not evaluated; a session whose end falls after Now is open
// at Now, its clocks pending.
func TestInactivityTimeoutSLA(t *testing.T) {
	f := &fx{tenant: "t"}
	// c6: assigned to ann, never answered: ends 3 Nov 09:01
	f.in("c6", ts(2, 9, 0)).assign("c6", ts(2, 9, 1), "ann", "")
	// c7: answered after 19 min, writes again at 09:30: ends 3 Nov 09:30
	f.in("c7", ts(2, 9, 0)).assign("c7", ts(2, 9, 1), "ann", "").reply("c7", "ann", ts(2, 9, 20)).in("c7", ts(2, 9, 30))
	// c8: answered after 9 min, writes again 22h50m later: ends 4 Nov 08:00
	f.in("c8", ts(2, 9, 0)).assign("c8", ts(2, 9, 1), "ann", "").reply("c8", "ann", ts(2, 9, 10)).in("c8", ts(3, 8, 0))
	q := week("t")
	q.Options.SLA = &SLA{FirstResponse: Duration(time.Hour), Resolution: Duration(30 * time.Hour)}

	_, ag, _ := results(t, f.evs, q)
	// without a timeout, at the end of the range: c6's first response
	// clock has run 6 days: breached; c7 (19 min) and c8 (9 min) met;
	// every resolution clock has run over 6 days: breached
	ann := perfOf(t, ag.Agents, "ann")
	eqSLA(t, "first response (no timeout)", ann.SLA.FirstResponse, 2, 1, 0)
	eqSLA(t, "resolution (no timeout)", ann.SLA.Resolution, 0, 3, 0)
	if ann.ActiveAtEnd != 3 {
		t.Errorf("active at the end (no timeout): %d", ann.ActiveAtEnd)
	}

	q.Options.InactivityTimeout = Duration(24 * time.Hour)
	_, ag, _ = results(t, f.evs, q)
	ann = perfOf(t, ag.Agents, "ann")
	// c6's first-response clock, from the assignment at 09:01, stops at
	// its end 3 Nov 09:01: 24h > 1h, breached; c7 and c8 met: 2 of 3
	eqSLA(t, "first response", ann.SLA.FirstResponse, 2, 1, 0)
	eqRate(t, "first response attainment", ann.SLA.FirstResponse.Attainment, 2, 3)
	// resolution clocks from 2 Nov 09:00 to the end: c6 24h01m and c7
	// 24h30m, within 30h: not evaluated; c8 47h: breached
	eqSLA(t, "resolution", ann.SLA.Resolution, 0, 1, 0)
	// the waits for a reply (c7's 09:30, c8's 3 Nov 08:00) end
	// unanswered; nothing was resolved
	eqStats(t, "reply time", ann.ReplyTime.Total, 0, 0, 0)
	eqInts(t, "resolutions", ann.Resolutions, 0)
	if ann.ActiveAtEnd != 0 {
		t.Errorf("active at the end: %d", ann.ActiveAtEnd)
	}

	// at Now = 2 Nov 09:30 every session is open (the earliest end is 3
	// Nov 09:01): c6's first-response clock (29 min) and every resolution
	// clock (30 min) are pending; c7 and c8 met their first response
	q.Now = ts(2, 9, 30)
	_, ag, _ = results(t, f.evs, q)
	ann = perfOf(t, ag.Agents, "ann")
	eqSLA(t, "first response at 09:30", ann.SLA.FirstResponse, 2, 0, 1)
	eqSLA(t, "resolution at 09:30", ann.SLA.Resolution, 0, 0, 3)
	if ann.ActiveNow != 3 {
		t.Errorf("active now: %d", ann.ActiveNow)
	}
}

// A host conversation that ended by inactivity comes back when its id
// shows up again with a reopening event: the same session, a new resolve
// cycle, not a reopened resolution.
func TestInactivityTimeoutHostConversationComesBack(t *testing.T) {
	f := &fx{tenant: "t"}
	f.in("c1", ts(2, 9, 0), conv("v1")).bot("c1", ts(2, 9, 1), conv("v1"))
	f.in("c1", ts(4, 9, 0), conv("v1")).bot("c1", ts(4, 9, 2), conv("v1")).resolved("c1", ts(4, 9, 5), conv("v1"))
	q := week("t")
	q.Options.InactivityTimeout = Duration(time.Hour)
	ov, _, _ := results(t, f.evs, q)
	// one session: active [2 Nov 09:00, 10:01) and again from 4 Nov 09:00,
	// resolved at 09:05 and active until 5 Nov 09:05
	eqInts(t, "new sessions", ov.NewSessions, 1)
	eqInts(t, "active sessions", ov.ActiveSessions, 1, 1, 0, 1, 1, 0, 0, 0)
	eqInts(t, "resolutions", ov.Bot.Resolutions, 1)
	eqInts(t, "reopened", ov.Bot.Reopened, 0)
	// both messages answered within the hour: 1 min and 2 min
	eqRate(t, "response rate", ov.ResponseRate.Total, 2, 2)
	sl, err := Sessions(context.Background(), store(t, f.evs), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(sl.Sessions) != 1 || sl.Sessions[0].Cycles != 2 || sl.Sessions[0].Received != 2 {
		t.Errorf("sessions: %+v", sl.Sessions)
	}
	// the snapshot at the end of 2 Nov: ended at 10:01
	if s := snap(ov.Snapshots[0].Value); s != (Snapshot{IdleContacts: 1}) {
		t.Errorf("end of 2 Nov: %+v", s)
	}
}

// A contact read from a restart row still names its last inbound message
// of an outside send. c1 writes to i1 on 31 Oct at 10:00; with T = 1h that
// session ends at 11:00, so its 12:00 message to i2 starts a session while
// none is active, more than 24h before the range (from 2 Nov): a restart
// row, and the rows before it are skipped. Ann's send to i1 on 3 Nov 09:00
// is outside the window (i1's closed on 1 Nov 10:00) and its LastInbound
// is 31 Oct 10:00, a skipped row, with the contact index or without it.
func TestRestartKeepsLastInbound(t *testing.T) {
	f := &fx{tenant: "t"}
	f.in("c1", time.Date(2026, 10, 31, 10, 0, 0, 0, time.UTC), inbox("i1"))
	f.in("c1", time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC), inbox("i2"))
	f.reply("c1", "ann", ts(3, 9, 0), inbox("i1"))
	q := week("t")
	q.Options.InactivityTimeout = Duration(time.Hour)
	s := store(t, f.evs)
	want := time.Date(2026, 10, 31, 10, 0, 0, 0, time.UTC)
	for _, rows := range []int{never, always} {
		got := foldTuned(t, s, q, rows, defaultMinParallelRows).wi
		if len(got.Outside) != 1 || !got.Outside[0].LastInbound.Equal(want) {
			t.Errorf("minIndexRows=%d: %+v, want LastInbound %v", rows, got.Outside, want)
		}
	}
}

// A range or Now beyond 2262 (where times stop fitting in int64
// nanoseconds) is refused, not answered with every count wrapped to 0.
func TestRangePast2262(t *testing.T) {
	f := &fx{tenant: "t"}
	f.in("c1", ts(2, 9, 0)).bot("c1", ts(2, 9, 1))
	s := store(t, f.evs)
	y2300 := time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)
	q := Query{Tenant: "t", Range: cm.Range{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: y2300},
		AllowLongRange: true, Granularity: cm.Month}
	if _, err := Overview(context.Background(), s, q); !errors.Is(err, cm.ErrInvalidValue) || !strings.Contains(err.Error(), "session: range") {
		t.Errorf("range to 2300: %v, want a range error wrapping ErrInvalidValue", err)
	}
	q = week("t")
	q.Now = y2300
	if _, err := Overview(context.Background(), s, q); !errors.Is(err, cm.ErrInvalidValue) || !strings.Contains(err.Error(), "session: now") {
		t.Errorf("now 2300: %v, want a now error wrapping ErrInvalidValue", err)
	}
}
