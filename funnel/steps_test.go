package funnel_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/funnel"
	"github.com/google/go-cmp/cmp"
)

var inboundCartPaid = steps(cm.MessageReceived, cm.CartAdded, cm.PaymentSucceeded)

func TestCountsDropOffConversionAndTimes(t *testing.T) {
	var x fixture
	// a: all three steps, 10 min then 30 min.
	x.add("a", at(0), cm.MessageReceived)
	x.add("a", at(10), cm.CartAdded)
	x.add("a", at(40), cm.PaymentSucceeded)
	// b: two steps, 60 min.
	x.add("b", at(0), cm.MessageReceived)
	x.add("b", at(60), cm.CartAdded)
	// c: the first step only.
	x.add("c", at(0), cm.MessageReceived)
	// d: no first step: counted nowhere.
	x.add("d", at(0), cm.CartAdded)
	x.add("d", at(5), cm.PaymentSucceeded)
	// e: first and third step but not the second: step 1 only.
	x.add("e", at(0), cm.MessageReceived)
	x.add("e", at(30), cm.PaymentSucceeded)
	q := query(funnel.Definition{Steps: inboundCartPaid})
	q.List = true
	res := run(t, x.evs, q)

	// Step 1: a, b, c, e = 4; step 2: a, b = 2; step 3: a = 1.
	if got, want := counts(res.Steps), []int{4, 2, 1}; !slices.Equal(got, want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
	s1, s2, s3 := res.Steps[0], res.Steps[1], res.Steps[2]
	// Drop-off 4-2 = 2 and 2-1 = 1; conversions 2/4 and 1/2 from the
	// previous step, 2/4 and 1/4 from the first.
	if s1.DroppedOff != 0 || s2.DroppedOff != 2 || s3.DroppedOff != 1 {
		t.Errorf("drop-off %d %d %d, want 0 2 1", s1.DroppedOff, s2.DroppedOff, s3.DroppedOff)
	}
	wantRates := []cm.Rate{cm.RateOf(4, 4), cm.RateOf(2, 4), cm.RateOf(1, 2), cm.RateOf(4, 4), cm.RateOf(2, 4), cm.RateOf(1, 4)}
	gotRates := []cm.Rate{s1.FromPrevious, s2.FromPrevious, s3.FromPrevious, s1.FromFirst, s2.FromFirst, s3.FromFirst}
	if d := cmp.Diff(wantRates, gotRates); d != "" {
		t.Errorf("rates (-want +got):\n%s", d)
	}
	// Step 2 times: a 600 s, b 3600 s: mean and median 2100 s.
	// Step 3: a 1800 s.
	if s1.TimeFromPrevious.Count != 0 {
		t.Errorf("step 1 has times: %+v", s1.TimeFromPrevious)
	}
	if ts := s2.TimeFromPrevious; ts.Count != 2 || ts.Mean != 2100*time.Second || ts.Median != 2100*time.Second {
		t.Errorf("step 2 times %+v, want 2 values, mean and median 2100 s", ts)
	}
	if ts := s3.TimeFromPrevious; ts.Count != 1 || ts.Mean != 1800*time.Second {
		t.Errorf("step 3 times %+v, want 1800 s", ts)
	}
	// Lists: reached and dropped before each step.
	want := map[string][2][]string{
		"1": {{"a", "b", "c", "e"}, nil},
		"2": {{"a", "b"}, {"c", "e"}},
		"3": {{"a"}, {"b"}},
	}
	for i, s := range res.Steps {
		w := want[string(rune('1'+i))]
		if !slices.Equal(s.Reached, w[0]) || !slices.Equal(s.Dropped, w[1]) {
			t.Errorf("step %d: reached %v dropped %v, want %v %v", i+1, s.Reached, s.Dropped, w[0], w[1])
		}
	}
}

func TestRepeatedStepEvents(t *testing.T) {
	var x fixture
	// a: two inbound messages then a cart: the second re-anchors step 1,
	// so step 2 takes 15 min (10:05 → 10:20), not 20.
	x.add("a", at(0), cm.MessageReceived)
	x.add("a", at(5), cm.MessageReceived)
	x.add("a", at(20), cm.CartAdded)
	// b: two carts: step 2 keeps the first (10:10), so step 3 takes
	// 40 min (10:10 → 10:50).
	x.add("b", at(0), cm.MessageReceived)
	x.add("b", at(10), cm.CartAdded)
	x.add("b", at(30), cm.CartAdded)
	x.add("b", at(50), cm.PaymentSucceeded)
	res := run(t, x.evs, query(funnel.Definition{Steps: inboundCartPaid}))
	if got := counts(res.Steps); !slices.Equal(got, []int{2, 2, 1}) {
		t.Fatalf("counts %v, want [2 2 1]", got)
	}
	// Step 2: a 900 s, b 600 s: mean 750 s.
	if ts := res.Steps[1].TimeFromPrevious; ts.Count != 2 || ts.Mean != 750*time.Second || ts.Min != 600*time.Second || ts.Max != 900*time.Second {
		t.Errorf("step 2 times %+v, want 600 s and 900 s", ts)
	}
	if ts := res.Steps[2].TimeFromPrevious; ts.Count != 1 || ts.Mean != 40*time.Minute {
		t.Errorf("step 3 times %+v, want 2400 s", ts)
	}

	// The same event type twice needs two events: one inbound message
	// fills only the first of [received, received].
	var y fixture
	y.add("one", at(0), cm.MessageReceived)
	y.add("two", at(0), cm.MessageReceived)
	y.add("two", at(3), cm.MessageReceived)
	res = run(t, y.evs, query(funnel.Definition{Steps: steps(cm.MessageReceived, cm.MessageReceived)}))
	if got := counts(res.Steps); !slices.Equal(got, []int{2, 1}) {
		t.Fatalf("[received, received]: counts %v, want [2 1]", got)
	}
	if ts := res.Steps[1].TimeFromPrevious; ts.Mean != 3*time.Minute {
		t.Errorf("[received, received]: time %v, want 3m", ts.Mean)
	}
}

func TestEventsBeforeStepOneDoNothing(t *testing.T) {
	var x fixture
	// A cart before the first message is ignored; the cart after it
	// counts, 20 min after the message.
	x.add("a", at(-60), cm.CartAdded)
	x.add("a", at(-30), cm.PaymentSucceeded)
	x.add("a", at(0), cm.MessageReceived)
	x.add("a", at(20), cm.CartAdded)
	res := run(t, x.evs, query(funnel.Definition{Steps: inboundCartPaid}))
	if got := counts(res.Steps); !slices.Equal(got, []int{1, 1, 0}) {
		t.Fatalf("counts %v, want [1 1 0]", got)
	}
	if res.Steps[1].TimeFromPrevious.Mean != 20*time.Minute {
		t.Errorf("time %v, want 20m", res.Steps[1].TimeFromPrevious.Mean)
	}
}

func TestPropertyFilters(t *testing.T) {
	var x fixture
	// Step 1: a campaign message of campaign bf; step 2: an inbound
	// message; step 3: a cart of at least 100 with attrs.source = ad.
	x.add("a", at(0), cm.MessageSent, sender(cm.SenderCampaign), campaign("bf"))
	x.add("a", at(1), cm.MessageReceived)
	x.add("a", at(2), cm.CartAdded, amount("100"), attrs("source", "ad"))
	// b: the campaign is another: not in the funnel.
	x.add("b", at(0), cm.MessageSent, sender(cm.SenderCampaign), campaign("winback"))
	x.add("b", at(1), cm.MessageReceived)
	// c: the bot's message does not match sender=campaign.
	x.add("c", at(0), cm.MessageSent, campaign("bf"))
	// d: cart too small (99.99), then one with the wrong source, then
	// a good one at 10:05.
	x.add("d", at(0), cm.MessageSent, sender(cm.SenderCampaign), campaign("bf"))
	x.add("d", at(1), cm.MessageReceived)
	x.add("d", at(2), cm.CartAdded, amount("99.99"), attrs("source", "ad"))
	x.add("d", at(3), cm.CartAdded, amount("150"), attrs("source", "web"))
	x.add("d", at(5), cm.CartAdded, amount("150"), attrs("source", "ad"))
	def := funnel.Definition{Steps: []funnel.Step{
		{Type: cm.MessageSent, Where: []funnel.Match{{Field: "sender", Value: "campaign"}, {Field: "campaign", Op: funnel.In, Values: []string{"bf", "cyber"}}}},
		{Type: cm.MessageReceived},
		{Type: cm.CartAdded, Where: []funnel.Match{{Field: "amount", Op: funnel.Gte, Value: "100"}, {Field: "attrs.source", Value: "ad"}}},
	}}
	res := run(t, x.evs, query(def))
	// a and d enter and both reach the cart; d's cart at 10:05 is 4 min
	// after its message, a's 1 min: mean 150 s.
	if got := counts(res.Steps); !slices.Equal(got, []int{2, 2, 2}) {
		t.Fatalf("counts %v, want [2 2 2]", got)
	}
	if m := res.Steps[2].TimeFromPrevious.Mean; m != 150*time.Second {
		t.Errorf("step 3 mean %v, want 2m30s", m)
	}
	if res.Steps[0].Name != "message.sent[sender=campaign,campaign~bf|cyber]" {
		t.Errorf("step name %q", res.Steps[0].Name)
	}

	// A value no event carries matches nothing (eq) and everything (ne).
	def = funnel.Definition{Steps: []funnel.Step{
		{Type: cm.MessageSent, Where: []funnel.Match{{Field: "campaign", Op: funnel.Ne, Value: "nobody"}}},
		{Type: cm.MessageReceived, Where: []funnel.Match{{Field: "attrs.nothing", Value: "x"}}},
	}}
	res = run(t, x.evs, query(def))
	// Every contact has a message.sent (a, b, c, d); no inbound message has
	// attrs.nothing.
	if got := counts(res.Steps); !slices.Equal(got, []int{4, 0}) {
		t.Fatalf("ne/absent: counts %v, want [4 0]", got)
	}
}

func TestWindowIsInclusiveAndMeasuredFromStepOne(t *testing.T) {
	var x fixture
	// Window 1 hour from the first step.
	x.add("edge", at(0), cm.MessageReceived)
	x.add("edge", at(60), cm.CartAdded) // exactly 1 h: in
	x.add("late", at(0), cm.MessageReceived)
	x.add("late", t0.Add(time.Hour+time.Second), cm.CartAdded) // 1 h 1 s: out
	// The third step must also be within 1 h of the first, not of the
	// second: 10:30 → 11:00:01 is only 30 min after the cart.
	x.add("third", at(0), cm.MessageReceived)
	x.add("third", at(30), cm.CartAdded)
	x.add("third", t0.Add(time.Hour+time.Second), cm.PaymentSucceeded)
	x.add("ok", at(0), cm.MessageReceived)
	x.add("ok", at(30), cm.CartAdded)
	x.add("ok", at(60), cm.PaymentSucceeded)
	res := run(t, x.evs, query(funnel.Definition{Steps: inboundCartPaid, Window: funnel.Window{Value: 1, Unit: funnel.Hour}}))
	// Step 1: 4; step 2: edge, third, ok = 3; step 3: ok = 1.
	if got := counts(res.Steps); !slices.Equal(got, []int{4, 3, 1}) {
		t.Fatalf("counts %v, want [4 3 1]", got)
	}
}

func TestLaterStepOneReanchors(t *testing.T) {
	// PostHog's example: a at 13:01, a at 13:35, b at 13:41, window 10
	// min: converts in 6 min, from the newer a. With a 14-day window the
	// newer a still anchors: 6 min.
	var x fixture
	base := time.Date(2026, 11, 2, 13, 0, 0, 0, time.UTC)
	x.add("p", base.Add(1*time.Minute), cm.MessageReceived)
	x.add("p", base.Add(35*time.Minute), cm.MessageReceived)
	x.add("p", base.Add(41*time.Minute), cm.CartAdded)
	for _, w := range []funnel.Window{{Value: 10, Unit: funnel.Minute}, {Value: 14, Unit: funnel.Day}} {
		res := run(t, x.evs, query(funnel.Definition{Steps: steps(cm.MessageReceived, cm.CartAdded), Window: w}))
		if got := counts(res.Steps); !slices.Equal(got, []int{1, 1}) {
			t.Fatalf("window %s: counts %v", w, got)
		}
		if m := res.Steps[1].TimeFromPrevious.Mean; m != 6*time.Minute {
			t.Errorf("window %s: time %v, want 6m", w, m)
		}
	}
}

func TestFirstConversionIsReported(t *testing.T) {
	var x fixture
	// Two complete runs: the first (10:00 → 10:10) is reported, not the
	// second (11:00 → 11:02) nor an average.
	x.add("a", at(0), cm.MessageReceived)
	x.add("a", at(10), cm.CartAdded)
	x.add("a", at(60), cm.MessageReceived)
	x.add("a", at(62), cm.CartAdded)
	res := run(t, x.evs, query(funnel.Definition{Steps: steps(cm.MessageReceived, cm.CartAdded)}))
	if ts := res.Steps[1].TimeFromPrevious; ts.Count != 1 || ts.Mean != 10*time.Minute {
		t.Errorf("time %+v, want one 10 min conversion", ts)
	}
}

func TestEqualTimestamps(t *testing.T) {
	var x fixture
	// The second step at the very instant of the first counts as after
	// it, with a zero duration that enters the mean and median.
	x.add("tie", at(0), cm.MessageReceived)
	x.add("tie", at(0), cm.CartAdded)
	// Different events at one instant are replayed in step order, even
	// when their ids sort the other way round.
	x.add("rev", at(0), cm.CartAdded, id("a-cart"))
	x.add("rev", at(0), cm.MessageReceived, id("b-msg"))
	// Another unit takes 10 min.
	x.add("slow", at(0), cm.MessageReceived)
	x.add("slow", at(10), cm.CartAdded)
	res := run(t, x.evs, query(funnel.Definition{Steps: steps(cm.MessageReceived, cm.CartAdded)}))
	if got := counts(res.Steps); !slices.Equal(got, []int{3, 3}) {
		t.Fatalf("counts %v, want [3 3]", got)
	}
	// Times 0, 0 and 600 s: mean 200 s, median 0 (zero durations kept).
	if ts := res.Steps[1].TimeFromPrevious; ts.Count != 3 || ts.Mean != 200*time.Second || ts.Median != 0 {
		t.Errorf("times %+v, want 3 values, mean 200 s, median 0", ts)
	}
}

func TestStrictOrder(t *testing.T) {
	var x fixture
	// A bot message between the two steps breaks a strict funnel.
	x.add("broken", at(0), cm.MessageReceived)
	x.add("broken", at(1), cm.MessageSent)
	x.add("broken", at(2), cm.CartAdded)
	// Nothing in between: converts.
	x.add("direct", at(0), cm.MessageReceived)
	x.add("direct", at(2), cm.CartAdded)
	// Delivery statuses do not break it.
	x.add("status", at(0), cm.MessageReceived)
	x.add("status", at(1), cm.MessageStatus, message("m1"))
	x.add("status", at(2), cm.CartAdded)
	// Broken, then a new first step right before the cart: converts from
	// it, in 1 min.
	x.add("again", at(0), cm.MessageReceived)
	x.add("again", at(1), cm.MessageSent)
	x.add("again", at(4), cm.MessageReceived)
	x.add("again", at(5), cm.CartAdded)
	strict := query(funnel.Definition{Steps: steps(cm.MessageReceived, cm.CartAdded), Order: funnel.Strict})
	strict.List = true
	res := run(t, x.evs, strict)
	if got := counts(res.Steps); !slices.Equal(got, []int{4, 3}) {
		t.Fatalf("strict counts %v, want [4 3]", got)
	}
	if !slices.Equal(res.Steps[1].Dropped, []string{"broken"}) {
		t.Errorf("dropped %v, want [broken]", res.Steps[1].Dropped)
	}
	// Times: direct 2 min, status 2 min, again 1 min.
	if ts := res.Steps[1].TimeFromPrevious; ts.Min != time.Minute || ts.Max != 2*time.Minute {
		t.Errorf("times %+v", ts)
	}
	// The ordered funnel lets all four convert.
	res = run(t, x.evs, query(funnel.Definition{Steps: steps(cm.MessageReceived, cm.CartAdded)}))
	if got := counts(res.Steps); !slices.Equal(got, []int{4, 4}) {
		t.Fatalf("ordered counts %v, want [4 4]", got)
	}
}

func TestUnordered(t *testing.T) {
	var x fixture
	// all: the three steps in reverse order within the hour: 3 steps;
	// sorted times 10:00, 10:10, 10:20 give 600 s and 600 s.
	x.add("all", at(0), cm.PaymentSucceeded)
	x.add("all", at(10), cm.MessageReceived)
	x.add("all", at(20), cm.CartAdded)
	// same: one step twice is one step.
	x.add("same", at(0), cm.CartAdded)
	x.add("same", at(5), cm.CartAdded)
	// apart: two steps 90 min apart with a 1-hour window: the first is
	// dropped when the second arrives: 1 step.
	x.add("apart", at(0), cm.MessageReceived)
	x.add("apart", at(90), cm.PaymentSucceeded)
	// two: message then cart 30 min later: 2 steps, 1800 s.
	x.add("two", at(0), cm.MessageReceived)
	x.add("two", at(30), cm.CartAdded)
	def := funnel.Definition{Steps: inboundCartPaid, Order: funnel.Unordered, Window: funnel.Window{Value: 1, Unit: funnel.Hour}}
	res := run(t, x.evs, query(def))
	// Completed 1 step: 4; 2 steps: all, two; 3 steps: all.
	if got := counts(res.Steps); !slices.Equal(got, []int{4, 2, 1}) {
		t.Fatalf("counts %v, want [4 2 1]", got)
	}
	if res.Steps[1].Name != "Completed 2 steps" || res.Steps[0].Name != "Completed 1 step" {
		t.Errorf("names %q %q", res.Steps[0].Name, res.Steps[1].Name)
	}
	// Step 2 times: all 600 s, two 1800 s; step 3: all 600 s.
	if ts := res.Steps[1].TimeFromPrevious; ts.Count != 2 || ts.Mean != 1200*time.Second {
		t.Errorf("step 2 times %+v, want mean 1200 s", ts)
	}
	if ts := res.Steps[2].TimeFromPrevious; ts.Count != 1 || ts.Mean != 600*time.Second {
		t.Errorf("step 3 times %+v, want 600 s", ts)
	}

	// An exclusion restarts the collection but keeps what was reached:
	// "kept" did two steps, then a hand-off, then the third: 2 steps.
	var y fixture
	y.add("kept", at(0), cm.MessageReceived)
	y.add("kept", at(5), cm.CartAdded)
	y.add("kept", at(6), cm.ConversationHandoff)
	y.add("kept", at(7), cm.PaymentSucceeded)
	def.Exclusions = []funnel.Exclusion{{Type: cm.ConversationHandoff}}
	res = run(t, y.evs, query(def))
	if got := counts(res.Steps); !slices.Equal(got, []int{1, 1, 0}) {
		t.Fatalf("unordered exclusion: counts %v, want [1 1 0]", got)
	}
}

func TestExclusions(t *testing.T) {
	var x fixture
	// x1: a hand-off between the first step and the cart: the reported
	// attempt is excluded and x1 leaves the funnel entirely.
	x.add("x1", at(0), cm.MessageReceived)
	x.add("x1", at(5), cm.ConversationHandoff)
	x.add("x1", at(10), cm.CartAdded)
	x.add("x1", at(20), cm.PaymentSucceeded)
	// x2: the same, but a new first step after the hand-off starts a clean
	// attempt: all three steps, 4 min then 10 min.
	x.add("x2", at(0), cm.MessageReceived)
	x.add("x2", at(5), cm.ConversationHandoff)
	x.add("x2", at(6), cm.MessageReceived)
	x.add("x2", at(10), cm.CartAdded)
	x.add("x2", at(20), cm.PaymentSucceeded)
	// x3: the hand-off comes after the funnel is complete.
	x.add("x3", at(0), cm.MessageReceived)
	x.add("x3", at(10), cm.CartAdded)
	x.add("x3", at(20), cm.PaymentSucceeded)
	x.add("x3", at(30), cm.ConversationHandoff)
	// x4: the hand-off is more than the 1-hour window after the entry:
	// it does not taint; x4 stays at step 2.
	x.add("x4", at(0), cm.MessageReceived)
	x.add("x4", at(10), cm.CartAdded)
	x.add("x4", at(90), cm.ConversationHandoff)
	// x5: a hand-off before the first step is irrelevant.
	x.add("x5", at(-10), cm.ConversationHandoff)
	x.add("x5", at(0), cm.MessageReceived)
	x.add("x5", at(10), cm.CartAdded)
	def := funnel.Definition{Steps: inboundCartPaid, Window: funnel.Window{Value: 1, Unit: funnel.Hour},
		Exclusions: []funnel.Exclusion{{Type: cm.ConversationHandoff, FromStep: 0, ToStep: 2}}}
	q := query(def)
	q.List = true
	res := run(t, x.evs, q)
	// Step 1: x2, x3, x4, x5; step 2: the same four; step 3: x2, x3.
	if got := counts(res.Steps); !slices.Equal(got, []int{4, 4, 2}) {
		t.Fatalf("counts %v, want [4 4 2]", got)
	}
	if !slices.Equal(res.Steps[0].Reached, []string{"x2", "x3", "x4", "x5"}) {
		t.Errorf("step 1 units %v", res.Steps[0].Reached)
	}
	// Step 2 times: x2 4 min, x3 10, x4 10, x5 10: mean 8.5 min.
	if m := res.Steps[1].TimeFromPrevious.Mean; m != 510*time.Second {
		t.Errorf("step 2 mean %v, want 8m30s", m)
	}

	// An exclusion only between steps 1 and 2 (0-based) does not see a
	// hand-off between steps 0 and 1: x1 then completes.
	def.Exclusions = []funnel.Exclusion{{Type: cm.ConversationHandoff, FromStep: 1, ToStep: 2}}
	res = run(t, x.evs, query(def))
	// x1: received, hand-off (before the cart: outside [1, 2)), cart,
	// paid: complete. Now five units enter; x1, x2, x3 complete.
	if got := counts(res.Steps); !slices.Equal(got, []int{5, 5, 3}) {
		t.Fatalf("exclusion [1,2]: counts %v, want [5 5 3]", got)
	}
}

func TestOptionalSteps(t *testing.T) {
	var x fixture
	// o1 does the optional flow.started, o2 skips it, o3 stops at it.
	x.add("o1", at(0), cm.MessageReceived)
	x.add("o1", at(5), cm.FlowStarted)
	x.add("o1", at(10), cm.CartAdded)
	x.add("o2", at(0), cm.MessageReceived)
	x.add("o2", at(10), cm.CartAdded)
	x.add("o3", at(0), cm.MessageReceived)
	x.add("o3", at(5), cm.FlowStarted)
	def := funnel.Definition{Steps: []funnel.Step{{Type: cm.MessageReceived}, {Type: cm.FlowStarted, Optional: true}, {Type: cm.CartAdded}}}
	q := query(def)
	q.List = true
	res := run(t, x.evs, q)
	// Counts: 3; the optional step: o1, o3 = 2; the cart: o1, o2 = 2.
	if got := counts(res.Steps); !slices.Equal(got, []int{3, 2, 2}) {
		t.Fatalf("counts %v, want [3 2 2]", got)
	}
	cart := res.Steps[2]
	// The cart's previous step is the required step 0: 2 of 3, 1 dropped
	// (o3); its time is from the inbound message: 600 s for both.
	if cart.Previous != 0 || cart.FromPrevious != (cm.Rate{Numerator: 2, Denominator: 3}) || cart.DroppedOff != 1 {
		t.Errorf("cart step %+v", cart)
	}
	if cart.TimeFromPrevious.Count != 2 || cart.TimeFromPrevious.Mean != 10*time.Minute {
		t.Errorf("cart times %+v", cart.TimeFromPrevious)
	}
	if res.Steps[1].TimeFromPrevious.Count != 0 {
		t.Errorf("optional step has times %+v", res.Steps[1].TimeFromPrevious)
	}
	if !slices.Equal(res.Steps[1].Dropped, []string{"o2"}) || !slices.Equal(cart.Dropped, []string{"o3"}) {
		t.Errorf("dropped %v %v, want [o2] [o3]", res.Steps[1].Dropped, cart.Dropped)
	}
}

func TestConversationUnit(t *testing.T) {
	var x fixture
	// One contact, two conversations: v1 converts, v2 does not; the
	// payment without a conversation id takes no part.
	x.add("a", at(0), cm.MessageReceived, conv("v1"))
	x.add("a", at(5), cm.CartAdded, conv("v1"))
	x.add("a", at(60), cm.MessageReceived, conv("v2"))
	x.add("a", at(70), cm.PaymentSucceeded)
	q := query(funnel.Definition{Steps: steps(cm.MessageReceived, cm.CartAdded), Unit: funnel.UnitConversation})
	q.List = true
	res := run(t, x.evs, q)
	if got := counts(res.Steps); !slices.Equal(got, []int{2, 1}) {
		t.Fatalf("counts %v, want [2 1]", got)
	}
	if !slices.Equal(res.Steps[1].Reached, []string{"v1"}) || !slices.Equal(res.Steps[1].Dropped, []string{"v2"}) {
		t.Errorf("units %v %v", res.Steps[1].Reached, res.Steps[1].Dropped)
	}
}

func TestTestTrafficAndRange(t *testing.T) {
	var x fixture
	x.add("a", at(0), cm.MessageReceived, channel(cm.ChannelTest))
	x.add("a", at(1), cm.CartAdded, channel(cm.ChannelTest))
	x.add("b", at(0), cm.MessageReceived)
	x.add("b", at(120), cm.CartAdded) // after the range's end
	q := query(funnel.Definition{Steps: steps(cm.MessageReceived, cm.CartAdded)})
	q.Range = cm.Range{From: at(-1), To: at(60)}
	res := run(t, x.evs, q)
	// a is test traffic; b's cart falls outside the range.
	if got := counts(res.Steps); !slices.Equal(got, []int{1, 0}) {
		t.Fatalf("counts %v, want [1 0]", got)
	}
	q.IncludeTest = true
	res = run(t, x.evs, q)
	if got := counts(res.Steps); !slices.Equal(got, []int{2, 1}) {
		t.Fatalf("with test traffic: counts %v, want [2 1]", got)
	}
}

func TestEmptyFunnel(t *testing.T) {
	res := run(t, nil, query(funnel.Definition{Steps: inboundCartPaid}))
	// No units: counts 0 and rates 0/0, visible as such.
	for _, s := range res.Steps {
		if s.Count != 0 || s.FromFirst != (cm.Rate{}) {
			t.Errorf("step %d: %+v", s.Index, s)
		}
		if _, ok := s.FromFirst.Value(); ok {
			t.Errorf("step %d: 0/0 has a value", s.Index)
		}
	}
}

func TestValidation(t *testing.T) {
	ok := funnel.Definition{Steps: inboundCartPaid}
	cases := []struct {
		name string
		edit func(*funnel.Query)
		want string
		is   error
	}{
		{"no tenant", func(q *funnel.Query) { q.Tenant = "" }, "funnel: tenant: tenant required", cm.ErrNoTenant},
		{"one step", func(q *funnel.Query) { q.Funnel.Steps = q.Funnel.Steps[:1] }, "funnel: steps: invalid value: 1 steps, want at least 2", cm.ErrInvalidValue},
		{"unknown type", func(q *funnel.Query) { q.Funnel.Steps[2].Type = "cart" }, `funnel: steps[2].type: unknown value "cart"`, cm.ErrUnknownValue},
		{"missing type", func(q *funnel.Query) { q.Funnel.Steps[1].Type = "" }, "funnel: steps[1].type: required", cm.ErrRequired},
		{"unknown field", func(q *funnel.Query) {
			q.Funnel.Steps[0].Where = []funnel.Match{{Field: "colour", Value: "red"}}
		}, `funnel: steps[0].where[0].field: unknown value "colour"`, cm.ErrUnknownValue},
		{"unknown op", func(q *funnel.Query) {
			q.Funnel.Steps[0].Where = []funnel.Match{{Field: "flow", Op: "like", Value: "x"}}
		}, `funnel: steps[0].where[0].op: unknown value "like"`, cm.ErrUnknownValue},
		{"no value", func(q *funnel.Query) {
			q.Funnel.Steps[0].Where = []funnel.Match{{Field: "flow"}}
		}, "funnel: steps[0].where[0].value: required", cm.ErrRequired},
		{"bad amount", func(q *funnel.Query) {
			q.Funnel.Steps[1].Where = []funnel.Match{{Field: "amount", Op: funnel.Gt, Value: "ten"}}
		}, `funnel: steps[1].where[0].value: invalid value: not a decimal: "ten"`, cm.ErrInvalidValue},
		{"gt on a string", func(q *funnel.Query) {
			q.Funnel.Steps[1].Where = []funnel.Match{{Field: "flow", Op: funnel.Gt, Value: "a"}}
		}, `funnel: steps[1].where[0].op: invalid value: "gt" is for amount only`, cm.ErrInvalidValue},
		{"window unit", func(q *funnel.Query) { q.Funnel.Window = funnel.Window{Value: 3, Unit: "fortnight"} }, `funnel: window.unit: unknown value "fortnight"`, cm.ErrUnknownValue},
		{"window value", func(q *funnel.Query) { q.Funnel.Window = funnel.Window{Value: -3, Unit: funnel.Day} }, "funnel: window.value: invalid value", cm.ErrInvalidValue},
		{"order", func(q *funnel.Query) { q.Funnel.Order = "random" }, `funnel: order: unknown value "random"`, cm.ErrUnknownValue},
		{"unit", func(q *funnel.Query) { q.Funnel.Unit = "team" }, `funnel: unit: unknown value "team"`, cm.ErrUnknownValue},
		{"optional first", func(q *funnel.Query) { q.Funnel.Steps[0].Optional = true }, "funnel: steps[0].optional: invalid value", cm.ErrInvalidValue},
		{"optional unordered", func(q *funnel.Query) {
			q.Funnel.Steps[1].Optional = true
			q.Funnel.Order = funnel.Unordered
		}, "funnel: steps[1].optional: not supported", funnel.ErrUnsupported},
		{"exclusion range", func(q *funnel.Query) {
			q.Funnel.Exclusions = []funnel.Exclusion{{Type: cm.ConversationHandoff, FromStep: 2, ToStep: 1}}
		}, "funnel: exclusions[0]: invalid value: from_step 2 must be before to_step 1", cm.ErrInvalidValue},
		{"exclusion beyond", func(q *funnel.Query) {
			q.Funnel.Exclusions = []funnel.Exclusion{{Type: cm.ConversationHandoff, ToStep: 5}}
		}, "funnel: exclusions[0].to_step: invalid value: 5, want at most 2", cm.ErrInvalidValue},
		{"exclusion is a step", func(q *funnel.Query) {
			q.Funnel.Exclusions = []funnel.Exclusion{{Type: cm.CartAdded}}
		}, "funnel: exclusions[0]: invalid value: it matches every event of step 1", cm.ErrInvalidValue},
		{"partial exclusion unordered", func(q *funnel.Query) {
			q.Funnel.Order = funnel.Unordered
			q.Funnel.Exclusions = []funnel.Exclusion{{Type: cm.ConversationHandoff, ToStep: 1}}
		}, "funnel: exclusions[0]: not supported", funnel.ErrUnsupported},
		{"breakdown field", func(q *funnel.Query) { q.Breakdown = &funnel.Breakdown{Field: "amount"} }, "funnel: breakdown.field: invalid value", cm.ErrInvalidValue},
		{"breakdown step", func(q *funnel.Query) {
			q.Breakdown = &funnel.Breakdown{Field: "campaign", Attribution: funnel.StepAttribution, Step: 3}
		}, "funnel: breakdown.step: invalid value: 3, want 0 to 2", cm.ErrInvalidValue},
		{"breakdown step unordered", func(q *funnel.Query) {
			q.Funnel.Order = funnel.Unordered
			q.Breakdown = &funnel.Breakdown{Field: "campaign", Attribution: funnel.StepAttribution, Step: 1}
		}, "funnel: breakdown.step: not supported", funnel.ErrUnsupported},
		{"range", func(q *funnel.Query) { q.Range = cm.Range{From: at(10), To: at(0)} }, "funnel: range: empty range", cm.ErrEmptyRange},
		{"open range", func(q *funnel.Query) { q.Range = cm.Range{From: at(0)} }, "funnel: range: empty range", cm.ErrEmptyRange},
		{"all of time", func(q *funnel.Query) { q.Range = cm.Range{} }, "funnel: range: empty range", cm.ErrEmptyRange},
		// 2026-09-01 to 2026-12-01 (exclusive) touches 30 + 31 + 30 = 91
		// days of September, October and November.
		{"range too long", func(q *funnel.Query) {
			q.Range = cm.Range{From: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
		}, "funnel: range: range too long: [2026-09-01T00:00:00Z, 2026-12-01T00:00:00Z) spans 91 days in UTC, more than 90", cm.ErrRangeTooLong},
		// 2026-09-02 to 2026-12-01 UTC touches 29 + 31 + 30 = 90 days in
		// UTC, but in Istanbul (UTC+3) it runs from 03:00 on 2 September
		// to 03:00 on 1 December: 29 + 31 + 30 + 1 = 91 local days.
		{"range too long in the calendar's zone", func(q *funnel.Query) {
			q.Range = cm.Range{From: time.Date(2026, 9, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
			q.Calendar = cm.NewCalendar(istanbul(t))
		}, "spans 91 days in Europe/Istanbul", cm.ErrRangeTooLong},
		{"partition", func(q *funnel.Query) { q.Partition = cm.Partition{Index: 2, Count: 2} }, "funnel: partition:", cm.ErrInvalidValue},
		// A window longer than MaxWindow (3,650 days) would overflow or
		// count nothing: 2^40 months, 3,651 days, 522 weeks (3,654 days)
		// and 118 months (3,658 days) are refused.
		{"window overflow", func(q *funnel.Query) { q.Funnel.Window = funnel.Window{Value: 1 << 40, Unit: funnel.Month} },
			"funnel: window: invalid value: 1099511627776 months is longer than the longest window, 3650 days", cm.ErrInvalidValue},
		{"window 3651 days", func(q *funnel.Query) { q.Funnel.Window = funnel.Window{Value: 3651, Unit: funnel.Day} }, "funnel: window: invalid value", cm.ErrInvalidValue},
		{"window 522 weeks", func(q *funnel.Query) { q.Funnel.Window = funnel.Window{Value: 522, Unit: funnel.Week} }, "funnel: window: invalid value", cm.ErrInvalidValue},
		{"window 118 months", func(q *funnel.Query) { q.Funnel.Window = funnel.Window{Value: 118, Unit: funnel.Month} }, "funnel: window: invalid value", cm.ErrInvalidValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := funnel.Query{Tenant: "t", Range: testRange, Funnel: ok}
			q.Funnel.Steps = slices.Clone(ok.Steps)
			c.edit(&q)
			_, err := funnel.Steps(context.Background(), store(t, nil), q)
			if err == nil || !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q (%v)", err, c.want, c.is)
			}
		})
	}
}

func istanbul(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Istanbul")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestLongestWindow: the longest windows are accepted (3,650 days; 521
// weeks = 3,647 days; 117 months = 3,627 days; 87,600 hours = 3,650
// days) and count: the cart a minute after the message converts.
func TestLongestWindow(t *testing.T) {
	var x fixture
	x.add("a", at(0), cm.MessageReceived)
	x.add("a", at(1), cm.CartAdded)
	for _, w := range []funnel.Window{{Value: 3650, Unit: funnel.Day}, {Value: 521, Unit: funnel.Week}, {Value: 117, Unit: funnel.Month}, {Value: 87600, Unit: funnel.Hour}} {
		q := query(funnel.Definition{Steps: steps(cm.MessageReceived, cm.CartAdded), Window: w})
		res := run(t, x.evs, q)
		if got := counts(res.Steps); !slices.Equal(got, []int{1, 1}) {
			t.Errorf("%s: counts %v, want [1 1]", w, got)
		}
		if d := w.Duration(); d <= 0 || d > funnel.MaxWindow {
			t.Errorf("%s: duration %s", w, d)
		}
	}
	if d := (funnel.Window{Value: 1 << 40, Unit: funnel.Month}).Duration(); d != 0 {
		t.Errorf("an overflowing window lasts %s, want 0 (invalid)", d)
	}
}

// TestValidateDoesNotModify: Validate applies no defaults to the query.
func TestValidateDoesNotModify(t *testing.T) {
	q := query(funnel.Definition{Steps: inboundCartPaid, Exclusions: []funnel.Exclusion{{Type: cm.ConversationHandoff}}})
	q.Breakdown = &funnel.Breakdown{Field: "flow"}
	before, _ := json.Marshal(q)
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	tq := funnel.TimeToConvertQuery{Query: q}
	if err := tq.Validate(); err != nil {
		t.Fatal(err)
	}
	after, _ := json.Marshal(q)
	if string(before) != string(after) || tq.Breakdown == nil || tq.ToStep != 0 {
		t.Errorf("Validate changed the query:\n%s\n%s", before, after)
	}
}

// TestQueryJSON: a query keeps its calendar (zone and week start), range
// options and partition through JSON.
func TestQueryJSON(t *testing.T) {
	q := query(funnel.Definition{Steps: inboundCartPaid})
	q.Calendar = cm.NewCalendar(istanbul(t)).WithWeekStart(time.Sunday)
	q.AllowLongRange = true
	q.Partition = cm.Partition{Index: 1, Count: 4}
	tq := funnel.TrendsQuery{Query: q, Granularity: cm.Week}
	b, err := json.Marshal(tq)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"calendar":{"time_zone":"Europe/Istanbul","week_start":"sunday"}`, `"allow_long_range":true`, `"partition":{"index":1,"count":4}`} {
		if !strings.Contains(string(b), w) {
			t.Errorf("JSON lacks %s:\n%s", w, b)
		}
	}
	var back funnel.TrendsQuery
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Calendar.Location().String() != "Europe/Istanbul" || back.Calendar.WeekStart() != time.Sunday || back.Partition != q.Partition || !back.Range.From.Equal(q.Range.From) {
		t.Errorf("round trip: %+v", back)
	}
	// The zero calendar is left out.
	b, _ = json.Marshal(query(funnel.Definition{Steps: inboundCartPaid}))
	if strings.Contains(string(b), "calendar") {
		t.Errorf("zero calendar written: %s", b)
	}
}
