package session

import (
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func (f *fx) assign(contact string, at time.Time, agent, tm string, mods ...mod) *fx {
	return f.add(cm.ConversationAssigned, contact, at, append([]mod{byAgent(agent), team(tm)}, mods...)...)
}

// A session assigned twice before the first reply: two assignments, the
// first response measured from the second.
func TestAssignedTwice(t *testing.T) {
	f := &fx{tenant: "t"}
	v1 := conv("v1")
	f.in("c1", ts(2, 9, 0), v1).bot("c1", ts(2, 9, 0, 5), v1).add(cm.ConversationHandoff, "c1", ts(2, 9, 1), v1)
	f.assign("c1", ts(2, 9, 2), "ann", "sales", v1).assign("c1", ts(2, 9, 10), "bob", "sales", v1)
	f.reply("c1", "bob", ts(2, 9, 15), team("sales"), v1).resolved("c1", ts(2, 9, 30), byAgent("bob"), v1)
	q := week("t")
	_, ag, _ := results(t, f.evs, q)
	ann, bob := perfOf(t, ag.Agents, "ann"), perfOf(t, ag.Agents, "bob")
	eqInts(t, "ann times assigned", ann.TimesAssigned, 1)
	eqInts(t, "bob times assigned", bob.TimesAssigned, 1)
	eqInts(t, "all times assigned", ag.All.TimesAssigned, 2)
	eqInts(t, "all sessions assigned", ag.All.SessionsAssigned, 1)
	// the team did not change on the second assignment
	sales := perfOf(t, ag.Teams, "sales")
	eqInts(t, "sales times assigned", sales.TimesAssigned, 1)
	// 09:10 (the latest assignment) to 09:15
	eqStats(t, "bob first response", bob.FirstResponse.Total, 1, 5*time.Minute, 5*time.Minute)
	eqStats(t, "ann first response", ann.FirstResponse.Total, 0, 0, 0)
	eqStats(t, "sales first response", sales.FirstResponse.Total, 1, 5*time.Minute, 5*time.Minute)
	eqInts(t, "bob messages", bob.MessagesSent, 1)
	eqInts(t, "bob resolutions", bob.Resolutions, 1)
	eqStats(t, "bob resolution time", bob.ResolutionTime.Total, 1, 30*time.Minute, 30*time.Minute)
	// team members: ann and bob were seen with sales
	if len(ag.TeamMembers) != 1 || ag.TeamMembers[0].Team != "sales" || len(ag.TeamMembers[0].Members) != 2 {
		t.Fatalf("team members: %+v", ag.TeamMembers)
	}
	eqInts(t, "sales members times assigned", ag.TeamMembers[0].TimesAssigned, 2)
	// an assignment repeating the current one changes nothing
	g := &fx{tenant: "t", evs: append([]cm.Event(nil), f.evs...)}
	g.assign("c1", ts(2, 9, 11), "bob", "sales", v1)
	_, ag, _ = results(t, g.evs, q)
	eqInts(t, "repeated assignment", perfOf(t, ag.Agents, "bob").TimesAssigned, 1)
	eqStats(t, "repeated assignment first response", perfOf(t, ag.Agents, "bob").FirstResponse.Total, 1, 5*time.Minute, 5*time.Minute)
}

// A bot hand-off, then a human reply without any assignment: the first
// response runs from the hand-off and is credited to the replier.
func TestHandoffThenHumanReply(t *testing.T) {
	f := &fx{tenant: "t"}
	v2 := conv("v2")
	f.in("c2", ts(2, 10, 0), v2).bot("c2", ts(2, 10, 0, 10), v2).add(cm.ConversationHandoff, "c2", ts(2, 10, 5), v2)
	f.reply("c2", "ann", ts(2, 10, 20), v2)
	ov, ag, _ := results(t, f.evs, week("t"))
	eqStats(t, "ann first response", perfOf(t, ag.Agents, "ann").FirstResponse.Total, 1, 15*time.Minute, 15*time.Minute)
	// the overview's first response is the bot's, 10 s after the message
	eqStats(t, "overview first response", ov.FirstResponse.Total, 1, 10*time.Second, 10*time.Second)
	eqInts(t, "handed off", ov.Bot.HandedOff, 1)
	eqRate(t, "handoff rate", ov.Bot.HandoffRate.Total, 1, 1)
	eqInts(t, "bot only", ov.Bot.BotOnly, 0)
}

// Credit: the replier by default, the assignee on request.
func TestFirstResponseCredit(t *testing.T) {
	f := &fx{tenant: "t"}
	f.in("c1", ts(2, 9, 0)).assign("c1", ts(2, 9, 2), "ann", "").reply("c1", "bob", ts(2, 9, 12))
	q := week("t")
	_, ag, _ := results(t, f.evs, q)
	eqStats(t, "bob (replier)", perfOf(t, ag.Agents, "bob").FirstResponse.Total, 1, 10*time.Minute, 10*time.Minute)
	eqStats(t, "ann (assignee)", perfOf(t, ag.Agents, "ann").FirstResponse.Total, 0, 0, 0)
	q.Options.FirstResponseCredit = CreditAssignee
	_, ag, _ = results(t, f.evs, q)
	eqStats(t, "ann with assignee credit", perfOf(t, ag.Agents, "ann").FirstResponse.Total, 1, 10*time.Minute, 10*time.Minute)
	eqInts(t, "bob still sent the message", perfOf(t, ag.Agents, "bob").MessagesSent, 1)
}

// reopenCycles is one session with two resolve cycles (ann throughout).
func reopenCycles() *fx {
	f := &fx{tenant: "t"}
	v := conv("v3")
	f.in("c3", ts(2, 9, 0), v).assign("c3", ts(2, 9, 1), "ann", "", v).reply("c3", "ann", ts(2, 9, 3), v).resolved("c3", ts(2, 9, 10), byAgent("ann"), v)
	f.in("c3", ts(2, 12, 0), v).add(cm.ConversationReopened, "c3", ts(2, 12, 0), v).reply("c3", "ann", ts(2, 12, 30), v).resolved("c3", ts(2, 12, 40), byAgent("ann"), v)
	return f
}

// Reopening starts a second cycle: a second first response (from the
// reopening) and a resolution time per cycle.
func TestReopenSecondCycle(t *testing.T) {
	f := reopenCycles()
	q := week("t")
	_, ag, _ := results(t, f.evs, q)
	ann := perfOf(t, ag.Agents, "ann")
	// cycle 1: assignment 09:01 → reply 09:03 = 2 min; cycle 2: reopening
	// 12:00 → 12:30 = 30 min. Mean 16 min, median the midpoint 16 min.
	eqStats(t, "first responses", ann.FirstResponse.Total, 2, 16*time.Minute, 16*time.Minute)
	// resolutions: 09:00 → 09:10 = 10 min, 12:00 → 12:40 = 40 min
	eqInts(t, "resolutions", ann.Resolutions, 2)
	eqStats(t, "resolution time per cycle", ann.ResolutionTime.Total, 2, 25*time.Minute, 25*time.Minute)
	eqStats(t, "no later waits", ann.ReplyTime.Total, 0, 0, 0)
	q.Options.ResolutionFrom = FromSession
	_, ag, _ = results(t, f.evs, q)
	// 10 min and 3h40m (09:00 → 12:40): mean 1h55m
	eqStats(t, "resolution time from the session", perfOf(t, ag.Agents, "ann").ResolutionTime.Total, 2, 115*time.Minute, 115*time.Minute)
	q.Options.ResolutionCount = CountSessions
	_, ag, _ = results(t, f.evs, q)
	eqInts(t, "distinct resolved sessions", perfOf(t, ag.Agents, "ann").Resolutions, 1)
}

// A wait after the first response: reply time.
func TestReplyTime(t *testing.T) {
	f := &fx{tenant: "t"}
	f.in("c1", ts(2, 9, 0)).reply("c1", "ann", ts(2, 9, 1))
	f.in("c1", ts(2, 9, 10)).in("c1", ts(2, 9, 12)).bot("c1", ts(2, 9, 13)).reply("c1", "ann", ts(2, 9, 20))
	q := week("t")
	_, ag, _ := results(t, f.evs, q)
	// the wait runs from 09:10 (the first message after ann's reply) to
	// 09:20; the bot's message does not end it
	eqStats(t, "reply time", perfOf(t, ag.Agents, "ann").ReplyTime.Total, 1, 10*time.Minute, 10*time.Minute)
	q.Options.ReplyWaitEndsOnBot = true
	_, ag, _ = results(t, f.evs, q)
	// the bot's 09:13 message ends the wait: no human wait left at 09:20
	eqStats(t, "reply time, bot ends waits", perfOf(t, ag.Agents, "ann").ReplyTime.Total, 0, 0, 0)
}

// chatwootScenario follows support-metrics.md §1: a conversation created by
// the contact at 10:00, the bot answers, hands off at 10:05, ann is
// assigned at 10:06 and replies at 10:20; the contact writes at 10:30, ann
// answers at 10:34; ann resolves at 10:40. The contact reopens it at
// 11:00, the bot answers at 11:00:10, the contact writes at 11:05, ann
// answers at 11:15 and resolves at 11:20.
func chatwootScenario() *fx {
	f := &fx{tenant: "t"}
	v := conv("cw1")
	f.in("c4", ts(2, 10, 0), v).bot("c4", ts(2, 10, 0, 30), v).add(cm.ConversationHandoff, "c4", ts(2, 10, 5), v)
	f.assign("c4", ts(2, 10, 6), "ann", "", v).reply("c4", "ann", ts(2, 10, 20), v)
	f.in("c4", ts(2, 10, 30), v).reply("c4", "ann", ts(2, 10, 34), v).resolved("c4", ts(2, 10, 40), byAgent("ann"), v)
	f.in("c4", ts(2, 11, 0), v).add(cm.ConversationReopened, "c4", ts(2, 11, 0), v).bot("c4", ts(2, 11, 0, 10), v)
	f.in("c4", ts(2, 11, 5), v).reply("c4", "ann", ts(2, 11, 15), v).resolved("c4", ts(2, 11, 20), byAgent("ann"), v)
	return f
}

func TestChatwootCompatible(t *testing.T) {
	f := chatwootScenario()
	q := week("t")
	q.Options = ChatwootOptions()
	q.Calendar = q.Calendar.WithWeekStart(time.Sunday)
	_, ag, _ := results(t, f.evs, q)
	ann := perfOf(t, ag.Agents, "ann")
	// Chatwoot: first_response = 10:20 − the bot hand-off 10:05 = 900 s,
	// once for the conversation.
	eqStats(t, "chatwoot first response", ann.FirstResponse.Total, 1, 900*time.Second, 900*time.Second)
	// reply_time: waiting_since 10:30 → 10:34 = 240 s; after the reopening
	// waiting_since is 11:00, cleared by the bot at 11:00:10, set again by
	// the 11:05 message → 11:15 = 600 s. Mean 420 s.
	eqStats(t, "chatwoot reply time", ann.ReplyTime.Total, 2, 420*time.Second, 420*time.Second)
	// conversation_resolved values from creation (10:00): 2400 s and
	// 4800 s, both credited to the assignee; mean 3600 s; 2 events.
	eqStats(t, "chatwoot resolution time", ann.ResolutionTime.Total, 2, 3600*time.Second, 3600*time.Second)
	eqInts(t, "chatwoot resolutions", ann.Resolutions, 2)
	// Our definitions on the same conversation: cycle 1's first response
	// from the assignment (10:06 → 10:20 = 840 s), cycle 2's from the
	// reopening (11:00 → 11:15 = 900 s); one later wait (10:30 → 10:34);
	// resolution per cycle 40 min and 20 min.
	q.Options = Options{}
	_, ag, _ = results(t, f.evs, q)
	ann = perfOf(t, ag.Agents, "ann")
	eqStats(t, "first response", ann.FirstResponse.Total, 2, 870*time.Second, 870*time.Second)
	eqStats(t, "reply time", ann.ReplyTime.Total, 1, 240*time.Second, 240*time.Second)
	eqStats(t, "resolution time", ann.ResolutionTime.Total, 2, 30*time.Minute, 30*time.Minute)
}

// Chatwoot's first response after a bot resolution and a reopening days
// later runs from the reopening (PR #12058).
func TestChatwootFirstResponseAfterBotResolution(t *testing.T) {
	f := &fx{tenant: "t"}
	v := conv("cw2")
	f.in("c5", ts(2, 9, 0), v).bot("c5", ts(2, 9, 1), v).resolved("c5", ts(2, 9, 5), v)
	f.in("c5", ts(5, 9, 0), v).reply("c5", "ann", ts(5, 9, 7), v)
	q := week("t")
	q.Options = ChatwootOptions()
	_, ag, _ := results(t, f.evs, q)
	// the inbound message on 5 Nov reopens cw2: 09:00 → 09:07
	eqStats(t, "first response", perfOf(t, ag.Agents, "ann").FirstResponse.Total, 1, 7*time.Minute, 7*time.Minute)
}

// SLA attainment: met, breached (by a late reply, by a clock still running
// at Now) and pending.
func TestSLA(t *testing.T) {
	f := &fx{tenant: "t"}
	f.in("c1", ts(2, 9, 0), conv("v1")).assign("c1", ts(2, 9, 0), "ann", "", conv("v1")).reply("c1", "ann", ts(2, 9, 5), conv("v1"))
	f.in("c2", ts(2, 9, 0), conv("v2")).assign("c2", ts(2, 9, 0), "ann", "", conv("v2")).reply("c2", "ann", ts(2, 9, 15), conv("v2"))
	f.in("c3", ts(2, 9, 0), conv("v3")).add(cm.ConversationHandoff, "c3", ts(2, 9, 0), conv("v3")).assign("c3", ts(2, 9, 1), "ann", "", conv("v3"))
	f.in("c4", ts(2, 9, 25), conv("v4")).assign("c4", ts(2, 9, 25), "ann", "", conv("v4"))
	q := Query{Tenant: "t", Range: cm.Range{From: ts(2, 0, 0), To: ts(3, 0, 0)}, Now: ts(2, 9, 30),
		Options: Options{SLA: &SLA{FirstResponse: Duration(10 * time.Minute), Resolution: Duration(time.Hour)}}}
	_, ag, _ := results(t, f.evs, q)
	// v1 5 min: met; v2 15 min: breached; v3 waiting since 09:01, 29 min at
	// Now: breached; v4 5 min at Now: pending.
	fr := perfOf(t, ag.Agents, "ann").SLA.FirstResponse
	eqSLA(t, "first response SLA", fr, 1, 2, 1)
	eqRate(t, "attainment", fr.Attainment, 1, 3)
	// nothing is resolved and every session is under an hour old at Now
	if r := ag.All.SLA.Resolution; r.Pending != 4 || r.Met+r.Breached != 0 {
		t.Errorf("resolution SLA %+v", r)
	}
	if ag.All.SLA.NextResponse != nil {
		t.Error("next-response target not set but reported")
	}
}

// Business hours: only working time counts, across a weekend, a holiday
// and a daylight-saving change.
func TestBusinessHoursFirstResponse(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	hours := &BusinessHours{Holidays: []string{"2026-10-26"}}
	nine := []Window{{From: "09:00", To: "17:00"}}
	hours.Monday, hours.Tuesday, hours.Wednesday, hours.Thursday, hours.Friday = nine, nine, nine, nine, nine
	f := &fx{tenant: "t"}
	// Friday 23 Oct 16:30 Berlin (14:30 UTC, CEST) → Tuesday 27 Oct 09:30
	// (08:30 UTC, CET): the weekend (with the change to winter time) and
	// Monday's holiday do not count: 30 min Friday + 30 min Tuesday.
	f.add(cm.MessageReceived, "c1", time.Date(2026, 10, 23, 14, 30, 0, 0, time.UTC))
	f.add(cm.MessageSent, "c1", time.Date(2026, 10, 27, 8, 30, 0, 0, time.UTC), sender(cm.SenderAgent), byAgent("ann"))
	q := Query{Tenant: "t", Range: cm.Range{From: time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC)},
		Calendar: cm.NewCalendar(berlin), Options: Options{BusinessHours: hours}}
	ov, ag, _ := results(t, f.evs, q)
	eqStats(t, "business first response", perfOf(t, ag.Agents, "ann").FirstResponse.Total, 1, time.Hour, time.Hour)
	eqStats(t, "business response time", ov.ResponseTime.Total, 1, time.Hour, time.Hour)
	q.Options.BusinessHours = nil
	_, ag, _ = results(t, f.evs, q)
	// wall clock: 23 Oct 14:30 UTC → 27 Oct 08:30 UTC = 3 days 18 hours
	eqStats(t, "wall-clock first response", perfOf(t, ag.Agents, "ann").FirstResponse.Total, 1, 90*time.Hour, 90*time.Hour)
}
