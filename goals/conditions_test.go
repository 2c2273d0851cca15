package goals_test

import (
	"context"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/goals"
)

func leafGoal(name string) goals.Condition { return goals.Condition{Goal: name} }

func never(c goals.Condition) goals.Condition { return goals.Condition{Never: &c} }

// TestConditions evaluates each kind of condition over one conversation of
// one contact: the tokens (see fixture.script) come one per minute, so the
// expected conversion minute is the position of the completing event, and
// the user turns are the U tokens before it.
func TestConditions(t *testing.T) {
	A, B, C, X := leafGoal("A"), leafGoal("B"), leafGoal("C"), leafGoal("X")
	all := func(cs ...goals.Condition) goals.Condition { return goals.Condition{All: cs} }
	anyOf := func(cs ...goals.Condition) goals.Condition { return goals.Condition{Any: cs} }
	seq := func(cs ...goals.Condition) goals.Condition { return goals.Condition{Seq: cs} }
	cases := []struct {
		name   string
		tokens string
		when   goals.Condition
		at     int // position of the completing event; -1: no conversion
		turns  int
	}{
		// The first matching event; later ones do not count again.
		{"goal event", "U A B A", A, 1, 1},
		{"goal event absent", "U B C", A, -1, 0},
		// any: the earliest of its conditions (C at 2 before B at 3).
		{"any", "U A C B", anyOf(B, C), 2, 1},
		// all: once both have happened, in any order: max(A at 1, C at 2).
		{"all in any order", "U A C B", all(C, A), 2, 1},
		{"all missing one", "U A C", all(A, B), -1, 0},
		// all with never: X anywhere in the conversation, before or after A, prevents it.
		{"all never after", "U A X", all(A, never(X)), -1, 0},
		{"all never before", "U X A", all(A, never(X)), -1, 0},
		{"all never absent", "U A", all(A, never(X)), 1, 1},
		// seq: C must come after A; the C at 1 is too early, the C at 3 completes it.
		{"seq order", "U C A C", seq(A, C), 3, 1},
		// One event fills one step: A A needs two events.
		{"seq repeated step, one event", "U A", seq(A, A), -1, 0},
		{"seq repeated step", "U A B A", seq(A, A), 3, 1},
		// never between steps: A(1) B(2) A(3) C(4): the A at 3 has no B before C.
		{"seq never between re-anchors", "U A B A C", seq(A, never(B), C), 4, 1},
		{"seq never between", "U A B C", seq(A, never(B), C), -1, 0},
		// never before the first step: no X before A.
		{"seq leading never", "U X A", seq(never(X), A), -1, 0},
		{"seq leading never after", "U A X", seq(never(X), A), 1, 1},
		// never after the last step: completes at the first A after the last X.
		{"seq trailing never", "U A X A", seq(A, never(X)), 3, 1},
		{"seq trailing never broken", "U A X", seq(A, never(X)), -1, 0},
		{"seq trailing never absent", "U A A", seq(A, never(X)), 1, 1},
		// Nested sequences are spliced: A then B then C.
		{"seq nested", "U A B C", seq(A, seq(B, C)), 3, 1},
		{"seq nested order", "U B A C", seq(A, seq(B, C)), -1, 0},
		// any as a step: A, then B or C.
		{"seq any step", "U A C", seq(A, anyOf(B, C)), 2, 1},
		// User turns: inbound messages before B (at 0, 2 and 3).
		{"user turns", "U A U U B", B, 4, 3},
		// A flow node, with and without a version.
		{"node", "U S:f:v1 N:f:a N:f:b", goals.Condition{Node: &goals.NodeMatch{Flow: "f", Node: "b"}}, 3, 1},
		{"node of version", "U S:f:v1 N:f:a N:f:b", goals.Condition{Node: &goals.NodeMatch{Flow: "f", Node: "b", Version: "v2"}}, -1, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var fx fixture
			fx.script("c", "", t0, tc.tokens)
			if tc.name == "node of version" || tc.name == "node" {
				// flow.node events carry the version of their run.
				for i := range fx.events {
					if fx.events[i].Type == cm.FlowNode {
						fx.events[i].FlowVersion = "v1"
					}
				}
			}
			res, err := goals.Conversions(context.Background(), fx.store(t), goals.Query{
				Tenant: "t", Range: days(1, 30), Goals: []goals.Goal{{Name: "g", When: tc.when}},
			})
			if err != nil {
				t.Fatal(err)
			}
			g := res.Goals[0]
			if tc.at < 0 {
				if g.Conversions != 0 {
					t.Fatalf("converted at %v, want no conversion", g.List[0].Time)
				}
				return
			}
			if g.Conversions != 1 || len(g.List) != 1 {
				t.Fatalf("%d conversions, want 1", g.Conversions)
			}
			c := g.List[0]
			if want := t0.Add(time.Duration(tc.at) * time.Minute); !c.Time.Equal(want) {
				t.Errorf("converted at %v, want %v (position %d)", c.Time, want, tc.at)
			}
			if c.UserTurns != tc.turns {
				t.Errorf("user turns %d, want %d", c.UserTurns, tc.turns)
			}
		})
	}
}

// TestEventMatch: an event condition matches its type and every field and
// attrs entry named; an empty value matches an empty field.
func TestEventMatch(t *testing.T) {
	var fx fixture
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	fx.add(
		cm.Event{Type: cm.MessageReceived, Contact: "c", Time: at(0)},
		// 1: wrong provider; 2: right provider, wrong attrs; 3: both right.
		cm.Event{Type: cm.PaymentSucceeded, Contact: "c", Time: at(1), Payment: "p1", Amount: dec("10"), Currency: "EUR", Provider: "stripe"},
		cm.Event{Type: cm.PaymentSucceeded, Contact: "c", Time: at(2), Payment: "p2", Amount: dec("10"), Currency: "EUR", Provider: "iyzico", Attrs: map[string]string{"plan": "basic"}},
		cm.Event{Type: cm.PaymentSucceeded, Contact: "c", Time: at(3), Payment: "p3", Amount: dec("10"), Currency: "EUR", Provider: "iyzico", Attrs: map[string]string{"plan": "pro"}},
	)
	match := func(m map[string]string) goals.Condition {
		return goals.Condition{Event: &goals.EventMatch{Type: cm.PaymentSucceeded, Match: m}}
	}
	gs := []goals.Goal{
		{Name: "any payment", When: match(nil)},                                                         // at 1
		{Name: "iyzico", When: match(map[string]string{"provider": "iyzico"})},                          // at 2
		{Name: "iyzico pro", When: match(map[string]string{"provider": "iyzico", "attrs.plan": "pro"})}, // at 3
		{Name: "no plan", When: match(map[string]string{"attrs.plan": ""})},                             // at 1 (no attrs)
		{Name: "no reference", When: match(map[string]string{"reference": ""})},                         // at 1 (all lack one)
		{Name: "unknown value", When: match(map[string]string{"provider": "paypal"})},                   // never
		{Name: "unknown attr key", When: match(map[string]string{"attrs.colour": "red"})},               // never
	}
	res, err := goals.Conversions(context.Background(), fx.store(t), goals.Query{Tenant: "t", Range: days(1, 30), Goals: gs})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"any payment": 1, "iyzico": 2, "iyzico pro": 3, "no plan": 1, "no reference": 1, "unknown value": -1, "unknown attr key": -1}
	for _, g := range res.Goals {
		w := want[g.Name]
		switch {
		case w < 0 && g.Conversions != 0:
			t.Errorf("%s: converted, want none", g.Name)
		case w >= 0 && (g.Conversions != 1 || !g.List[0].Time.Equal(at(w))):
			t.Errorf("%s: %d conversions %v, want one at minute %d", g.Name, g.Conversions, g.List, w)
		}
	}
}
