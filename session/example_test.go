package session_test

import (
	"context"
	"fmt"
	"os"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/memstore"
	"github.com/convometrics/convometrics/session"
)

// events is a small conversation: the contact writes, the bot answers and
// hands off, ann is assigned and replies, then resolves.
func events() []cm.Event {
	at := func(h, m int) time.Time { return time.Date(2026, 11, 2, h, m, 0, 0, time.UTC) }
	e := func(id string, typ cm.Type, t time.Time) cm.Event {
		return cm.Event{ID: id, Tenant: "acme", Type: typ, Time: t, Channel: cm.ChannelWhatsApp, Inbox: "phone-1",
			Contact: "905551112233", Conversation: "v1"}
	}
	evs := []cm.Event{
		e("e1", cm.MessageReceived, at(9, 0)),
		e("e2", cm.MessageSent, at(9, 1)),
		e("e3", cm.ConversationHandoff, at(9, 2)),
		e("e4", cm.ConversationAssigned, at(9, 3)),
		e("e5", cm.MessageSent, at(9, 10)),
		e("e6", cm.ConversationResolved, at(9, 30)),
	}
	evs[1].Sender = cm.SenderBot
	evs[3].Agent, evs[3].Team = "ann", "sales"
	evs[4].Sender, evs[4].Agent, evs[4].Team = cm.SenderAgent, "ann", "sales"
	evs[5].Agent = "ann"
	return evs
}

func exampleStore() *memstore.Store {
	s := memstore.New()
	if _, err := s.Append(context.Background(), events()...); err != nil {
		panic(err)
	}
	return s
}

// exampleQuery asks about 2 November 2026 in Istanbul.
func exampleQuery() session.Query {
	ist, _ := time.LoadLocation("Europe/Istanbul")
	return session.Query{
		Tenant:   "acme",
		Range:    cm.Range{From: time.Date(2026, 11, 2, 0, 0, 0, 0, ist), To: time.Date(2026, 11, 3, 0, 0, 0, 0, ist)},
		Calendar: cm.NewCalendar(ist),
	}
}

// The overview of a day: sessions, contacts, messages and responses.
func ExampleOverview() {
	ov, err := session.Overview(context.Background(), exampleStore(), exampleQuery())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("new sessions:", ov.NewSessions.Total, "contacts:", ov.Contacts.Total)
	fmt.Println("received:", ov.Messages.Received.Total, "by bot:", ov.Messages.ByBot.Total, "by agents:", ov.Messages.ByAgent.Total)
	fmt.Println("response rate:", ov.ResponseRate.Total.Percent(), "first response:", ov.FirstResponse.Total.Mean)
	fmt.Println("handoff rate:", ov.Bot.HandoffRate.Total.Percent())
	// Output:
	// new sessions: 1 contacts: 1
	// received: 1 by bot: 1 by agents: 1
	// response rate: 100.00% first response: 1m0s
	// handoff rate: 100.00%
}

// Agent performance: ann's first response runs from her assignment (09:03)
// to her reply (09:10); her resolution from the start of the session.
func ExampleAgents() {
	ag, err := session.Agents(context.Background(), exampleStore(), exampleQuery())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range ag.Agents {
		fmt.Println(p.Name, "assigned", p.TimesAssigned.Total, "first response", p.FirstResponse.Total.Mean,
			"resolutions", p.Resolutions.Total, "resolution time", p.ResolutionTime.Total.Mean)
	}
	// Output:
	// ann assigned 1 first response 7m0s resolutions 1 resolution time 30m0s
}

// Chatwoot measures the first response from the bot hand-off (09:02).
func ExampleChatwootOptions() {
	q := exampleQuery()
	q.Options = session.ChatwootOptions()
	ag, err := session.Agents(context.Background(), exampleStore(), q)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ag.Agents[0].Name, ag.Agents[0].FirstResponse.Total.Mean)
	// Output: ann 8m0s
}

// Working time only: a reply on Monday morning to a message of Friday
// evening counts the hour of Friday and the half hour of Monday.
func ExampleBusinessHours() {
	nine := []session.Window{{From: "09:00", To: "18:00"}}
	q := exampleQuery()
	q.Range = cm.Range{From: time.Date(2026, 11, 6, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)}
	q.Calendar = cm.NewCalendar(time.UTC)
	q.Options.BusinessHours = &session.BusinessHours{Monday: nine, Tuesday: nine, Wednesday: nine, Thursday: nine, Friday: nine}
	s := memstore.New()
	_, err := s.Append(context.Background(),
		cm.Event{ID: "m1", Tenant: "acme", Type: cm.MessageReceived, Time: time.Date(2026, 11, 6, 17, 0, 0, 0, time.UTC), Contact: "c1"},
		cm.Event{ID: "m2", Tenant: "acme", Type: cm.MessageSent, Time: time.Date(2026, 11, 9, 9, 30, 0, 0, time.UTC), Contact: "c1", Sender: cm.SenderAgent, Agent: "ann"})
	if err != nil {
		fmt.Println(err)
		return
	}
	ag, err := session.Agents(context.Background(), s, q)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ag.Agents[0].FirstResponse.Total.Mean)
	// Output: 1h30m0s
}

// Agent-assist accuracy compares Unicode code points.
func ExampleAccuracy() {
	fmt.Printf("%.2f\n", session.Accuracy("Merhaba!", "Merhaba! 🙂"))
	fmt.Printf("%.2f\n", session.Accuracy("café", "cafe"))
	// Output:
	// 0.80
	// 0.75
}

// Every result exports as tables, for text or CSV.
func ExampleOverviewResult_Tables() {
	ov, err := session.Overview(context.Background(), exampleStore(), exampleQuery())
	if err != nil {
		fmt.Println(err)
		return
	}
	t := ov.Tables()[1] // the snapshots
	t.WriteCSV(os.Stdout)
	// Output:
	// at,active,unassigned,assigned,resolved,active_contacts,idle_contacts,open_windows
	// now 2026-11-03T00:00:00+03:00,1,0,0,1,1,0,1
	// end 2026-11-03T00:00:00+03:00,1,0,0,1,1,0,1
}

// Accumulators of partitions merge into the answer for every contact.
func ExampleFold() {
	q := exampleQuery()
	total, err := session.NewAccumulator(q)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := 0; i < 4; i++ {
		q.Partition = cm.Partition{Index: i, Count: 4}
		a, err := session.Fold(context.Background(), exampleStore(), q)
		if err != nil {
			fmt.Println(err)
			return
		}
		if err := total.Merge(a); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(total.Overview().NewSessions.Total)
	// Output: 1
}

// A host that sends only messages (no conversation.resolved): with
// InactivityTimeout 24h a conversation ends a day after its last event,
// and the contact is idle from then on; without it the session would stay
// active for ever.
func ExampleOptions_inactivityTimeout() {
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	s := memstore.New()
	if _, err := s.Append(context.Background(),
		cm.Event{ID: "e1", Tenant: "acme", Type: cm.MessageReceived, Time: at, Contact: "905551112233"},
		cm.Event{ID: "e2", Tenant: "acme", Type: cm.MessageSent, Time: at.Add(time.Minute), Contact: "905551112233", Sender: cm.SenderBot},
	); err != nil {
		fmt.Println(err)
		return
	}
	q := session.Query{Tenant: "acme", Range: cm.Range{From: at.Add(-9 * time.Hour), To: at.Add(15*time.Hour).AddDate(0, 0, 6)}}
	for _, timeout := range []time.Duration{0, 24 * time.Hour} {
		q.Options.InactivityTimeout = session.Duration(timeout)
		ov, err := session.Overview(context.Background(), s, q)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("timeout %v: active at the end %d, idle %d, active sessions by day %v\n", timeout, ov.End.Active, ov.End.IdleContacts,
			[]int{ov.ActiveSessions.Series[0].Value, ov.ActiveSessions.Series[1].Value, ov.ActiveSessions.Series[2].Value})
	}
	// Output:
	// timeout 0s: active at the end 1, idle 0, active sessions by day [1 1 1]
	// timeout 24h0m0s: active at the end 0, idle 1, active sessions by day [1 1 0]
}
