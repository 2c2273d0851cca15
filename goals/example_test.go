package goals_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/goals"
	"github.com/convometrics/convometrics/memstore"
)

// exampleStore holds two contacts of tenant "clinic" running the flow
// "booking" on 2026-11-02: ayse books (reaches "confirm"), can stops at
// "date".
func exampleStore() *memstore.Store {
	at := func(h, m int) time.Time { return time.Date(2026, 11, 2, h, m, 0, 0, time.UTC) }
	var evs []cm.Event
	add := func(contact string, e cm.Event) {
		e.ID, e.Tenant, e.Contact = fmt.Sprintf("e%d", len(evs)+1), "clinic", contact
		evs = append(evs, e)
	}
	for i, c := range []string{"ayse", "can"} {
		h := 9 + i
		add(c, cm.Event{Type: cm.MessageReceived, Time: at(h, 0)})
		add(c, cm.Event{Type: cm.FlowStarted, Time: at(h, 1), Flow: "booking", FlowVersion: "v" + fmt.Sprint(i+1)})
		add(c, cm.Event{Type: cm.FlowNode, Time: at(h, 2), Flow: "booking", Node: "service"})
		add(c, cm.Event{Type: cm.MessageReceived, Time: at(h, 3)})
		add(c, cm.Event{Type: cm.FlowNode, Time: at(h, 4), Flow: "booking", Node: "date"})
	}
	add("ayse", cm.Event{Type: cm.MessageReceived, Time: at(9, 5)})
	add("ayse", cm.Event{Type: cm.FlowNode, Time: at(9, 6), Flow: "booking", Node: "confirm"})
	add("ayse", cm.Event{Type: cm.FlowCompleted, Time: at(9, 7), Flow: "booking"})
	s := memstore.New()
	if _, err := s.Append(context.Background(), evs...); err != nil {
		panic(err)
	}
	return s
}

// Conversions of a goal defined on a flow's box, with the conversations
// behind them. The contacts send no conversation ids, so each inbound
// message after a closed session starts a derived one.
func ExampleConversions() {
	cal := cm.NewCalendar(time.UTC)
	r, _ := cal.DateRange(cm.Date{Year: 2026, Month: 11, Day: 1}, cm.Date{Year: 2026, Month: 11, Day: 3}, cm.RangeOptions{})
	res, err := goals.Conversions(context.Background(), exampleStore(), goals.Query{
		Tenant: "clinic", Range: r, Calendar: cal,
		Goals: []goals.Goal{{Name: "booked", When: goals.Condition{Node: &goals.NodeMatch{Flow: "booking", Node: "confirm"}}}},
	})
	if err != nil {
		panic(err)
	}
	g := res.Goals[0]
	fmt.Println(g.Name, "conversions:", g.Conversions, "rate:", g.Rate.Percent())
	for _, p := range g.Series {
		fmt.Println(p.Start.Format(time.DateOnly), p.Value)
	}
	for _, c := range g.List {
		fmt.Println(c.Contact, c.Conversation, c.Time.Format(time.Kitchen), c.Flow, c.FlowVersion, "turns:", c.UserTurns)
	}
	// Output:
	// booked conversions: 1 rate: 50.00%
	// 2026-11-01 0
	// 2026-11-02 1
	// 2026-11-03 0
	// ayse derived@2026-11-02T09:00:00Z 9:06AM booking v1 turns: 3
}

// Flows triggered and the drop-out per node, worst first.
func ExampleFlows() {
	r := cm.Range{From: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)}
	// With the default 24-hour timeout can's run, 14 hours before the end
	// of the range, would still be in progress; give up after an hour.
	res, err := goals.Flows(context.Background(), exampleStore(), goals.FlowsQuery{Tenant: "clinic", Range: r, Flow: "booking", RunTimeout: time.Hour})
	if err != nil {
		panic(err)
	}
	fmt.Println("times triggered:", res.TimesTriggered, "completion:", res.Flows[0].Completion.Percent())
	for _, v := range res.DropOut {
		for _, n := range v.Nodes {
			fmt.Printf("%s %s: reached %d, dropped %d (%s)\n", v.Version, n.Node, n.Reached, n.Dropped, n.DropOff.Percent())
		}
	}
	// Output:
	// times triggered: 2 completion: 50.00%
	// v1 confirm: reached 1, dropped 0 (0.00%)
	// v1 date: reached 1, dropped 0 (0.00%)
	// v1 service: reached 1, dropped 0 (0.00%)
	// v2 date: reached 1, dropped 1 (100.00%)
	// v2 service: reached 1, dropped 0 (0.00%)
}

// Two versions compared on the flow's completion: one conversation each is
// far too few to conclude.
func ExampleCompareVersions() {
	r := cm.Range{From: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)}
	res, err := goals.CompareVersions(context.Background(), exampleStore(), goals.CompareQuery{Tenant: "clinic", Range: r, Flow: "booking"})
	if err != nil {
		panic(err)
	}
	for _, v := range res.Versions {
		fmt.Printf("%s: %d/%d, 95%% interval [%.3f, %.3f]\n", v.Version, v.Converted, v.Conversations, v.Interval.Low, v.Interval.High)
	}
	fmt.Println(res.Tests[0].Verdict)
	// Output:
	// v1: 1/1, 95% interval [0.207, 1.000]
	// v2: 0/1, 95% interval [0.000, 0.793]
	// too few conversations to conclude (each version needs at least 5 expected conversions and non-conversions); about 10 conversations per version are needed to detect a difference this size
}

// Goal definitions are JSON; errors name the field at fault.
func ExampleParseGoals() {
	gs, err := goals.ParseGoals(strings.NewReader(`{"goals": [
		{"name": "paid", "when": {"seq": [{"event": {"type": "payment.link"}}, {"event": {"type": "payment.succeeded"}}]}},
		{"name": "self-served", "when": {"all": [{"goal": "order_placed"}, {"never": {"event": {"type": "conversation.handoff"}}}]}}
	]}`))
	fmt.Println(len(gs), err)
	_, err = goals.ParseGoals(strings.NewReader(`[{"name": "x", "when": {"event": {"type": "cart"}}}]`))
	fmt.Println(err)
	// Output:
	// 2 <nil>
	// goals: goals[0].when.event.type: unknown value: "cart"
}

// The goal file of the testdata directory works on the demo workload.
func Example_goalFile() {
	f, err := os.Open("testdata/demo_goals.json")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	gs, err := goals.ParseGoals(f)
	if err != nil {
		panic(err)
	}
	for _, g := range gs {
		fmt.Println(g.Name)
	}
	// Output:
	// appointment
	// newsletter
	// paid after link
	// self-served purchase
	// checkout, paid first time
}

// Partitions of the contacts folded separately (on other goroutines or
// machines) and merged give the single-pass answer.
func ExampleFold() {
	ctx := context.Background()
	s := exampleStore()
	q := goals.Query{
		Tenant: "clinic",
		Range:  cm.Range{From: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)},
		Goals:  []goals.Goal{{Name: "booked", When: goals.Condition{Node: &goals.NodeMatch{Flow: "booking", Node: "confirm"}}}},
	}
	var total *goals.Accumulator
	for i := range 2 {
		q.Partition = cm.Partition{Index: i, Count: 2}
		a, err := goals.Fold(ctx, s, q)
		if err != nil {
			panic(err)
		}
		if total == nil {
			total = a
		} else if err := total.Merge(a); err != nil {
			panic(err)
		}
	}
	g := total.Result().Goals[0]
	fmt.Println(g.Name, "conversions:", g.Conversions, "rate:", g.Rate.Percent())
	// Output:
	// booked conversions: 1 rate: 50.00%
}
