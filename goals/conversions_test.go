package goals_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/goals"
)

var bought = []goals.Goal{{Name: "bought", When: goals.Condition{Goal: "bought"}}}

// TestDerivedSessions: a contact without conversation ids. Sessions start
// with an inbound message when the previous one has ended; a resolved
// session ends 24 hours after its resolution.
func TestDerivedSessions(t *testing.T) {
	day := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, time.UTC) }
	var fx fixture
	fx.add(
		// S1 begins with the inbound message of Nov 2 09:00.
		cm.Event{Type: cm.MessageReceived, Contact: "c", Time: day(2, 9, 0)},
		cm.Event{Type: cm.FlowStarted, Contact: "c", Time: day(2, 9, 1), Flow: "shop", FlowVersion: "v1"},
		cm.Event{Type: cm.FlowNode, Contact: "c", Time: day(2, 9, 2), Flow: "shop", Node: "pick"},
		cm.Event{Type: cm.MessageReceived, Contact: "c", Time: day(2, 9, 3)},
		cm.Event{Type: cm.FlowCompleted, Contact: "c", Time: day(2, 9, 5), Flow: "shop"},
		// The goal names the flow but no version: the version of the run (v1).
		cm.Event{Type: cm.GoalReached, Contact: "c", Time: day(2, 9, 6), Goal: "bought", Flow: "shop"},
		cm.Event{Type: cm.ConversationResolved, Contact: "c", Time: day(2, 10, 0)},
		// 23 h 59 min after the resolution S1 is still open: this message
		// continues it, and the second goal counts no more.
		cm.Event{Type: cm.MessageReceived, Contact: "c", Time: day(3, 9, 59)},
		cm.Event{Type: cm.GoalReached, Contact: "c", Time: day(3, 10, 0), Goal: "bought"},
		cm.Event{Type: cm.ConversationResolved, Contact: "c", Time: day(3, 10, 30)},
		// Exactly 24 hours after that resolution S1 has ended: S2 begins.
		cm.Event{Type: cm.MessageReceived, Contact: "c", Time: day(4, 10, 30)},
		cm.Event{Type: cm.GoalReached, Contact: "c", Time: day(4, 10, 31), Goal: "bought"},
		cm.Event{Type: cm.GoalReached, Contact: "c", Time: day(4, 10, 32), Goal: "bought"},
		// S2 is never resolved, so it stays open: a message 10 days later
		// belongs to it and begins nothing.
		cm.Event{Type: cm.MessageReceived, Contact: "c", Time: day(14, 8, 0)},
		// A goal event of a contact whose session has ended belongs to no
		// conversation.
		cm.Event{Type: cm.MessageReceived, Contact: "d", Time: day(2, 8, 0)},
		cm.Event{Type: cm.ConversationResolved, Contact: "d", Time: day(2, 8, 10)},
		cm.Event{Type: cm.GoalReached, Contact: "d", Time: day(3, 8, 10), Goal: "bought"},
	)
	res, err := goals.Conversions(context.Background(), fx.store(t), goals.Query{Tenant: "t", Range: days(1, 30), Goals: bought})
	if err != nil {
		t.Fatal(err)
	}
	// Conversations started in November: S1 (Nov 2 09:00), S2 (Nov 4
	// 10:30) and d's (Nov 2 08:00) = 3; no more for c on Nov 14.
	if res.Conversations != 3 {
		t.Errorf("conversations %d, want 3", res.Conversations)
	}
	g := res.Goals[0]
	// Conversions: S1 at Nov 2 09:06 and S2 at Nov 4 10:31; d's goal came
	// after its session ended (24 h after 08:10 is exactly 08:10).
	if g.Conversions != 2 || len(g.List) != 2 {
		t.Fatalf("conversions %d %v, want 2", g.Conversions, g.List)
	}
	// Rate: 2 converted of the 3 conversations started.
	if g.Rate != cm.RateOf(2, 3) {
		t.Errorf("rate %v, want 2/3", g.Rate)
	}
	s1, s2 := g.List[0], g.List[1]
	if s1.Conversation != "derived@2026-11-02T09:00:00Z" || !s1.Derived || !s1.Time.Equal(day(2, 9, 6)) || s1.Contact != "c" {
		t.Errorf("first conversion %+v", s1)
	}
	if s2.Conversation != "derived@2026-11-04T10:30:00Z" || !s2.Time.Equal(day(4, 10, 31)) {
		t.Errorf("second conversion %+v", s2)
	}
	// Credited flows: S1's goal names shop, the version is its run's v1;
	// S2 ran no flow.
	if s1.Flow != "shop" || s1.FlowVersion != "v1" || s2.Flow != "" || s2.FlowVersion != "" {
		t.Errorf("credited flows %q %q, %q %q", s1.Flow, s1.FlowVersion, s2.Flow, s2.FlowVersion)
	}
	// User turns: S1 has inbound messages at 09:00 and 09:03 before the
	// goal (2), S2 the one at 10:30 (1): mean 1.5, median (1+2)/2 = 1.5.
	if want := (goals.TurnStats{Count: 2, Mean: 1.5, Median: 1.5, Min: 1, Max: 2}); g.UserTurns != want {
		t.Errorf("turns %+v, want %+v", g.UserTurns, want)
	}
	// Time to convert: 6 min and 1 min; median (1+6)/2 = 3.5 min.
	if g.TimeToConvert.Median != 210*time.Second || g.TimeToConvert.Min != time.Minute {
		t.Errorf("time to convert %+v", g.TimeToConvert)
	}
	if len(g.ByFlow) != 2 || g.ByFlow[0] != (goals.FlowConversions{Flow: "", Version: "", Conversions: 1}) ||
		g.ByFlow[1] != (goals.FlowConversions{Flow: "shop", Version: "v1", Conversions: 1}) {
		t.Errorf("by flow %+v", g.ByFlow)
	}
	// Series by day: Nov 2 has one conversion, Nov 4 one.
	for _, p := range g.Series {
		want := 0
		if d := p.Start.Day(); d == 2 || d == 4 {
			want = 1
		}
		if p.Value != want {
			t.Errorf("%s: %d conversions, want %d", p.Start.Format(time.DateOnly), p.Value, want)
		}
	}
}

// TestHostConversations: with host conversation ids, events without an id
// (payments) join the open conversation; an id that has not begun joins
// nothing.
func TestHostConversations(t *testing.T) {
	day := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, time.UTC) }
	pay := func(id string, at time.Time, conv string) cm.Event {
		return cm.Event{Type: cm.PaymentSucceeded, Contact: "c", Conversation: conv, Time: at, Payment: id, Amount: dec("5"), Currency: "EUR"}
	}
	var fx fixture
	fx.add(
		cm.Event{Type: cm.MessageReceived, Contact: "c", Conversation: "A", Time: day(2, 9, 0)},
		cm.Event{Type: cm.ConversationResolved, Contact: "c", Conversation: "A", Time: day(2, 9, 30)},
		// 2.5 h after the resolution: joins A.
		pay("p1", day(2, 12, 0), ""),
		cm.Event{Type: cm.MessageReceived, Contact: "e", Conversation: "E", Time: day(2, 9, 0)},
		cm.Event{Type: cm.ConversationResolved, Contact: "e", Conversation: "E", Time: day(2, 9, 30)},
		// Exactly 24 h after E's resolution: E is closed, the payment joins nothing.
		cm.Event{Type: cm.PaymentSucceeded, Contact: "e", Time: day(3, 9, 30), Payment: "p2", Amount: dec("5"), Currency: "EUR"},
		// A conversation B of c, and a payment naming a conversation Z that
		// has no structural event: it joins nothing.
		cm.Event{Type: cm.MessageReceived, Contact: "c", Conversation: "B", Time: day(5, 9, 0)},
		pay("p3", day(5, 9, 1), "Z"),
		// An inbound message without an id while B is open joins B.
		cm.Event{Type: cm.MessageReceived, Contact: "c", Time: day(5, 9, 2)},
		// A payment naming B explicitly.
		pay("p4", day(5, 9, 3), "B"),
	)
	res, err := goals.Conversions(context.Background(), fx.store(t), goals.Query{Tenant: "t", Range: days(1, 30), Goals: []goals.Goal{goals.PaymentSucceededGoal()}})
	if err != nil {
		t.Fatal(err)
	}
	// Conversations: A, E, B.
	if res.Conversations != 3 {
		t.Errorf("conversations %d, want 3", res.Conversations)
	}
	g := res.Goals[0]
	// Conversions: A (p1 at 12:00) and B (p4 at 09:03, with 2 inbound
	// messages before it: 09:00 and 09:02).
	if g.Conversions != 2 {
		t.Fatalf("conversions %d %+v, want 2", g.Conversions, g.List)
	}
	if c := g.List[0]; c.Conversation != "A" || c.Derived || !c.Time.Equal(day(2, 12, 0)) || c.UserTurns != 1 {
		t.Errorf("first %+v", c)
	}
	if c := g.List[1]; c.Conversation != "B" || !c.Time.Equal(day(5, 9, 3)) || c.UserTurns != 2 {
		t.Errorf("second %+v", c)
	}
}

// TestRangeAndRate: a conversation that started before the range and
// converts in it counts as a conversion but not in the rate; events after
// the range's end are not read.
func TestRangeAndRate(t *testing.T) {
	var fx fixture
	r := days(2, 2) // Nov 2, UTC
	// p: started Nov 1 23:00, converts Nov 2 01:00.
	fx.script("p", "P", time.Date(2026, 11, 1, 23, 0, 0, 0, time.UTC), "U")
	fx.add(cm.Event{Type: cm.GoalReached, Contact: "p", Conversation: "P", Time: time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC), Goal: "bought"})
	// q: starts and converts on Nov 2.
	fx.script("q", "Q", time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), "U bought")
	// s: starts Nov 2 23:59, converts Nov 3 00:01 (after the range).
	fx.script("s", "S", time.Date(2026, 11, 2, 23, 59, 0, 0, time.UTC), "U U bought")
	// u: a conversation that starts on Nov 2 and never converts.
	fx.script("u", "", time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC), "U")
	res, err := goals.Conversions(context.Background(), fx.store(t), goals.Query{Tenant: "t", Range: r, Goals: bought})
	if err != nil {
		t.Fatal(err)
	}
	g := res.Goals[0]
	// Started in range: q, s, u = 3. Conversions in range: p, q = 2.
	// Rate: of q, s, u only q converted before the end: 1/3.
	if res.Conversations != 3 || g.Conversions != 2 || g.Rate != cm.RateOf(1, 3) {
		t.Errorf("conversations %d, conversions %d, rate %v; want 3, 2, 1/3", res.Conversations, g.Conversions, g.Rate)
	}
	if len(g.List) != 2 || g.List[0].Contact != "p" || g.List[1].Contact != "q" {
		t.Errorf("list %+v", g.List)
	}
	// With Lookback of 30 minutes, p's message of Nov 1 23:00 is not read:
	// P then begins with its goal event (structural, with an id) at Nov 2
	// 01:00, inside the range — the inexactness Lookback trades for speed.
	// Started: p, q, s, u = 4; converted of them: p, q = 2.
	res, err = goals.Conversions(context.Background(), fx.store(t), goals.Query{Tenant: "t", Range: r, Goals: bought, Lookback: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if g := res.Goals[0]; res.Conversations != 4 || g.Conversions != 2 || g.Rate != cm.RateOf(2, 4) || g.List[0].UserTurns != 0 {
		t.Errorf("with lookback: %d conversations, %d conversions, rate %v, %+v; want 4, 2, 2/4", res.Conversations, g.Conversions, g.Rate, g.List)
	}
}

// TestCalendarBuckets: conversions are bucketed by local calendar days and
// weeks; Europe/Berlin leaves summer time on 2026-10-25 (a 25-hour day).
func TestCalendarBuckets(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	var fx fixture
	// 22:30 UTC on Oct 25 is 23:30 CET (UTC+1): Oct 25.
	fx.script("a", "A", time.Date(2026, 10, 25, 22, 29, 0, 0, time.UTC), "U bought")
	// 23:30 UTC on Oct 25 is 00:30 CET on Oct 26.
	fx.script("b", "B", time.Date(2026, 10, 25, 23, 29, 0, 0, time.UTC), "U bought")
	// 22:30 UTC on Oct 24 is 00:30 CEST (UTC+2) on Oct 25.
	fx.script("c", "C", time.Date(2026, 10, 24, 22, 29, 0, 0, time.UTC), "U bought")
	cal := cm.NewCalendar(berlin)
	r, err := cal.DateRange(cm.Date{Year: 2026, Month: 10, Day: 24}, cm.Date{Year: 2026, Month: 10, Day: 27}, cm.RangeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := goals.Conversions(context.Background(), fx.store(t), goals.Query{Tenant: "t", Range: r, Calendar: cal, Goals: bought})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, p := range res.Goals[0].Series {
		got[p.Start.Format("2006-01-02T15:04Z07:00")] = p.Value
	}
	// Oct 24: none; Oct 25 (25 hours, starting at +02:00): a and c; Oct 26: b.
	want := map[string]int{"2026-10-24T00:00+02:00": 0, "2026-10-25T00:00+02:00": 2, "2026-10-26T00:00+01:00": 1, "2026-10-27T00:00+01:00": 0}
	if len(got) != len(want) {
		t.Fatalf("buckets %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d, want %d", k, got[k], v)
		}
	}
	if res.TimeZone != "Europe/Berlin" {
		t.Errorf("zone %s", res.TimeZone)
	}
	// By week (Monday starts): Oct 19–25 holds a and c, Oct 26– holds b.
	res, err = goals.Conversions(context.Background(), fx.store(t), goals.Query{Tenant: "t", Range: r, Calendar: cal, Granularity: cm.Week, Goals: bought})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Goals[0].Series
	if len(s) != 2 || s[0].Value != 2 || s[1].Value != 1 || s[0].Start.Day() != 19 || s[1].Start.Day() != 26 {
		t.Errorf("weeks %+v", s)
	}
}

// TestTestTrafficAndTenants: test-channel events are left out unless asked
// for, and another tenant's events never count.
func TestTestTrafficAndTenants(t *testing.T) {
	var fx fixture
	fx.script("c", "", t0, "U bought")
	fx.script("k", "", t0, "U bought")
	for i := range fx.events[2:] {
		fx.events[2+i].Channel = cm.ChannelTest
	}
	other := fx.events[0]
	other.Tenant, other.ID = "other", "x1"
	fx.add(other, cm.Event{ID: "x2", Tenant: "other", Type: cm.GoalReached, Contact: "c", Time: mins(5), Goal: "bought"})
	s := fx.store(t)
	for _, inc := range []bool{false, true} {
		res, err := goals.Conversions(context.Background(), s, goals.Query{Tenant: "t", Range: days(1, 30), Goals: bought, IncludeTest: inc})
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if inc {
			want = 2
		}
		if res.Conversations != want || res.Goals[0].Conversions != want {
			t.Errorf("include test %v: %d conversations, %d conversions; want %d", inc, res.Conversations, res.Goals[0].Conversions, want)
		}
	}
}

func TestQueryValidation(t *testing.T) {
	ok := goals.Query{Tenant: "t", Range: days(1, 2), Goals: bought}
	cases := []struct {
		mod  func(q *goals.Query)
		want string
		err  error
	}{
		{func(q *goals.Query) { q.Tenant = "" }, "goals: query: tenant: tenant required", cm.ErrNoTenant},
		{func(q *goals.Query) { q.Range.To = time.Time{} }, "goals: query: range:", cm.ErrEmptyRange},
		{func(q *goals.Query) { q.Granularity = "fortnight" }, `goals: query: granularity: unknown value: "fortnight"`, cm.ErrUnknownValue},
		{func(q *goals.Query) { q.Goals = nil }, "goals: query: goals: required", cm.ErrRequired},
		{func(q *goals.Query) { q.Lookback = -time.Hour }, "goals: query: lookback: invalid value", cm.ErrInvalidValue},
		{func(q *goals.Query) { q.Goals = []goals.Goal{{Name: "x"}} }, "goals: query: goals[0].when: required", cm.ErrRequired},
		{func(q *goals.Query) { q.Partition = cm.Partition{Index: 3, Count: 2} }, "partition 3 of 2", cm.ErrInvalidValue},
	}
	for _, tc := range cases {
		q := ok
		tc.mod(&q)
		_, err := goals.Conversions(context.Background(), (&fixture{}).store(t), q)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, tc.err) {
			t.Errorf("error %v, want %q wrapping %v", err, tc.want, tc.err)
		}
	}
}

// TestSessionRefinements: the session engine's finer rules. Sessions are
// derived per inbox; a reaction neither begins a session nor counts as a
// user turn; an inbound message reopens a resolved session; a second
// resolution of a resolved session changes nothing.
func TestSessionRefinements(t *testing.T) {
	day := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, time.UTC) }
	in := func(c, inbox string, at time.Time) cm.Event {
		return cm.Event{Type: cm.MessageReceived, Contact: c, Inbox: inbox, Time: at}
	}
	goal := func(c, inbox string, at time.Time) cm.Event {
		return cm.Event{Type: cm.GoalReached, Contact: c, Inbox: inbox, Time: at, Goal: "bought"}
	}
	res := func(c string, at time.Time) cm.Event {
		return cm.Event{Type: cm.ConversationResolved, Contact: c, Time: at}
	}
	var fx fixture
	// r: resolved Nov 2 10:00; an inbound message Nov 3 09:00 (inside the
	// 24 hours) reopens it, so the goal of Nov 5 still joins it.
	fx.add(in("r", "", day(2, 9, 0)), res("r", day(2, 10, 0)), in("r", "", day(3, 9, 0)), goal("r", "", day(5, 9, 0)))
	// x: resolved at 10:00 and again at 20:00 (changes nothing): closed at
	// Nov 3 10:00, so the goal then joins nothing.
	fx.add(in("x", "", day(2, 9, 0)), res("x", day(2, 10, 0)), res("x", day(2, 20, 0)), goal("x", "", day(3, 10, 0)))
	// a: a reaction after the session ended begins nothing; the message
	// after it does, and its goal has 1 user turn (the reaction is none).
	fx.add(in("a", "", day(2, 9, 0)), res("a", day(2, 9, 30)))
	react := in("a", "", day(4, 9, 0))
	react.MessageType = "reaction"
	fx.add(react, goal("a", "", day(4, 9, 1)), in("a", "", day(4, 9, 2)))
	react2 := in("a", "", day(4, 9, 3))
	react2.MessageType = "reaction"
	fx.add(react2, goal("a", "", day(4, 9, 4)))
	// b: sessions in inboxes P and Q at once; the goal in Q joins Q's
	// session, started later than P's.
	fx.add(in("b", "P", day(2, 9, 0)), in("b", "Q", day(2, 9, 5)), goal("b", "P", day(2, 9, 10)))
	// o: a conversation.opened begins a session.
	fx.add(cm.Event{Type: cm.ConversationOpened, Contact: "o", Time: day(2, 9, 0)}, goal("o", "", day(2, 9, 1)))
	out, err := goals.Conversions(context.Background(), fx.store(t), goals.Query{Tenant: "t", Range: days(1, 30), Goals: bought})
	if err != nil {
		t.Fatal(err)
	}
	// Sessions: r 1, x 1, a 2 (Nov 2, Nov 4 09:02), b 2 (P, Q), o 1 = 7.
	if out.Conversations != 7 {
		t.Errorf("conversations %d, want 7", out.Conversations)
	}
	got := map[string]goals.Conversion{}
	for _, c := range out.Goals[0].List {
		got[c.Contact] = c
	}
	// Conversions: r (Nov 5), a (Nov 4 09:04, in the session begun at
	// 09:02, one turn), b (in P's session: 09:00), o; not x.
	if len(got) != 4 {
		t.Errorf("conversions %+v, want r, a, b, o", out.Goals[0].List)
	}
	if c := got["r"]; c.Conversation != "derived@2026-11-02T09:00:00Z" || !c.Time.Equal(day(5, 9, 0)) {
		t.Errorf("r: %+v", c)
	}
	if c := got["a"]; c.Conversation != "derived@2026-11-04T09:02:00Z" || c.UserTurns != 1 {
		t.Errorf("a: %+v", c)
	}
	if c := got["b"]; c.Conversation != "derived@2026-11-02T09:00:00Z" {
		t.Errorf("b: %+v, want P's session", c)
	}
	if _, ok := got["o"]; !ok {
		t.Error("o: the opened conversation did not convert")
	}
}
