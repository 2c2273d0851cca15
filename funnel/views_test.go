package funnel_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/funnel"
)

// breakdownFixture: a campaign send, an inbound message and a cart, with
// the campaign only on the sends.
//
//	u1: send A 10:00, received 10:05, cart 10:10   → 3 steps
//	u2: send B 10:00, received 10:05               → 2 steps
//	u3: send A 10:00, send B 10:02, received 10:05, cart 10:06 → 3 steps
func breakdownFixture() []cm.Event {
	var x fixture
	x.add("u1", at(0), cm.MessageSent, sender(cm.SenderCampaign), campaign("A"))
	x.add("u1", at(5), cm.MessageReceived)
	x.add("u1", at(10), cm.CartAdded)
	x.add("u2", at(0), cm.MessageSent, sender(cm.SenderCampaign), campaign("B"))
	x.add("u2", at(5), cm.MessageReceived)
	x.add("u3", at(0), cm.MessageSent, sender(cm.SenderCampaign), campaign("A"))
	x.add("u3", at(2), cm.MessageSent, sender(cm.SenderCampaign), campaign("B"))
	x.add("u3", at(5), cm.MessageReceived)
	x.add("u3", at(6), cm.CartAdded)
	return x.evs
}

func breakdownCounts(res *funnel.Result) map[string][]int {
	out := map[string][]int{}
	for _, b := range res.Breakdown {
		k := b.Value
		if b.Other {
			k = "(other)"
		}
		out[k] = counts(b.Steps)
	}
	return out
}

func TestBreakdownAttribution(t *testing.T) {
	evs := breakdownFixture()
	def := funnel.Definition{Steps: []funnel.Step{
		{Type: cm.MessageSent, Where: []funnel.Match{{Field: "sender", Value: "campaign"}}},
		{Type: cm.MessageReceived}, {Type: cm.CartAdded},
	}}
	cases := []struct {
		attr  funnel.Attribution
		step  int
		want  map[string][]int
		order []string
	}{
		// First touch: u1 and u3 under A (their first send), u2 under B.
		{funnel.FirstTouch, 0, map[string][]int{"A": {2, 2, 2}, "B": {1, 1, 0}}, []string{"A", "B"}},
		// Last touch: u3 moves to B. Both have 1 at the last step; B has
		// more at the step before, so it comes first.
		{funnel.LastTouch, 0, map[string][]int{"A": {1, 1, 1}, "B": {2, 2, 1}}, []string{"B", "A"}},
		// All events: each value's funnel sees only the events carrying
		// it; the inbound messages and carts carry no campaign, so under A
		// (u1, u3) and B (u2, u3) nobody gets past the send, and under ""
		// nobody enters.
		{funnel.AllEvents, 0, map[string][]int{"A": {2, 0, 0}, "B": {2, 0, 0}}, []string{"A", "B"}},
		// Step 0: the values on step-0 events; under each, the send must
		// carry it. u3 counts under A (its A send starts the attempt; the B
		// send cannot re-anchor it) and under B (its B send).
		{funnel.StepAttribution, 0, map[string][]int{"A": {2, 2, 2}, "B": {2, 2, 1}}, []string{"A", "B"}},
	}
	for _, c := range cases {
		t.Run(string(c.attr), func(t *testing.T) {
			q := query(def)
			q.Breakdown = &funnel.Breakdown{Field: "campaign", Attribution: c.attr, Step: c.step}
			res := run(t, evs, q)
			got := breakdownCounts(res)
			if len(got) != len(c.want) {
				t.Fatalf("values %v, want %v", got, c.want)
			}
			for v, w := range c.want {
				if !slices.Equal(got[v], w) {
					t.Errorf("%s: counts %v, want %v", v, got[v], w)
				}
			}
			var order []string
			for _, b := range res.Breakdown {
				order = append(order, b.Value)
			}
			if !slices.Equal(order, c.order) {
				t.Errorf("order %v, want %v", order, c.order)
			}
			// The overall funnel ignores the breakdown: 3, 3, 2.
			if got := counts(res.Steps); !slices.Equal(got, []int{3, 3, 2}) {
				t.Errorf("overall %v", got)
			}
		})
	}

	// Step 1 attribution on the inbound messages: they carry no campaign,
	// so every unit is under "".
	q := query(def)
	q.Breakdown = &funnel.Breakdown{Field: "campaign", Attribution: funnel.StepAttribution, Step: 1}
	got := breakdownCounts(run(t, evs, q))
	if len(got) != 1 || !slices.Equal(got[""], []int{3, 3, 2}) {
		t.Errorf("step 1 attribution: %v, want only \"\": [3 3 2]", got)
	}
}

func TestBreakdownLimitAndOther(t *testing.T) {
	evs := breakdownFixture()
	// A fourth unit under C: send C, received.
	var x fixture
	x.evs = evs
	x.add("u4", at(0), cm.MessageSent, sender(cm.SenderCampaign), campaign("C"))
	x.add("u4", at(7), cm.MessageReceived)
	def := funnel.Definition{Steps: steps(cm.MessageSent, cm.MessageReceived, cm.CartAdded)}
	q := query(def)
	q.Breakdown = &funnel.Breakdown{Field: "campaign", Limit: 1}
	res := run(t, x.evs, q)
	// First touch: A [2 2 2], B [1 1 0], C [1 1 0]. Limit 1 keeps A; B
	// and C are summed into Other: [2 2 0], with both times (5 min and 7
	// min: mean 6 min).
	got := breakdownCounts(res)
	if !slices.Equal(got["A"], []int{2, 2, 2}) || !slices.Equal(got["(other)"], []int{2, 2, 0}) || len(got) != 2 {
		t.Fatalf("rows %v", got)
	}
	other := res.Breakdown[1]
	if !other.Other || other.Steps[1].TimeFromPrevious.Mean != 6*time.Minute {
		t.Errorf("other row %+v", other)
	}
	// Ties on every count sort by value: B before C without a limit.
	q.Breakdown.Limit = -1
	res = run(t, x.evs, q)
	if res.Breakdown[1].Value != "B" || res.Breakdown[2].Value != "C" {
		t.Errorf("order %q %q", res.Breakdown[1].Value, res.Breakdown[2].Value)
	}
}

func TestTrends(t *testing.T) {
	ist, _ := time.LoadLocation("Europe/Istanbul") // UTC+3, no DST
	day := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, ist) }
	var x fixture
	// t1: enters and converts on the 2nd.
	x.add("t1", day(2, 10, 0), cm.MessageReceived)
	x.add("t1", day(2, 12, 0), cm.CartAdded)
	// t2: enters at 23:00 on the 2nd, converts at 01:00 on the 3rd:
	// credited to the 2nd, its entry period.
	x.add("t2", day(2, 23, 0), cm.MessageReceived)
	x.add("t2", day(3, 1, 0), cm.CartAdded)
	// t3: enters on the 3rd, does not convert.
	x.add("t3", day(3, 9, 0), cm.MessageReceived)
	// t4: converts on the 2nd and again on the 3rd: one result per period.
	x.add("t4", day(2, 9, 0), cm.MessageReceived)
	x.add("t4", day(2, 9, 30), cm.CartAdded)
	x.add("t4", day(3, 9, 0), cm.MessageReceived)
	x.add("t4", day(3, 10, 0), cm.CartAdded)
	// t5: two entries on the 4th, one conversion: counted once.
	x.add("t5", day(4, 10, 0), cm.MessageReceived)
	x.add("t5", day(4, 20, 0), cm.MessageReceived)
	x.add("t5", day(4, 21, 0), cm.CartAdded)
	// t6: an entry at 23:30 UTC on the 1st is 02:30 on the 2nd in
	// Istanbul; it does not convert.
	x.add("t6", time.Date(2026, 11, 1, 23, 30, 0, 0, time.UTC), cm.MessageReceived)
	cal := cm.NewCalendar(ist)
	r, err := cal.DateRange(cm.Date{Year: 2026, Month: 11, Day: 2}, cm.Date{Year: 2026, Month: 11, Day: 4}, cm.RangeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q := funnel.TrendsQuery{Query: query(funnel.Definition{Steps: steps(cm.MessageReceived, cm.CartAdded), Window: funnel.Window{Value: 1, Unit: funnel.Day}})}
	q.Range, q.Calendar = r, cal
	for name, rd := range readers(t, x.evs) {
		res, err := funnel.Trends(context.Background(), rd, q)
		if err != nil {
			t.Fatal(err)
		}
		// 2nd: t1, t2, t4 converted, t6 entered: 3/4. 3rd: t3 entered,
		// t4 converted: 1/2. 4th: t5: 1/1.
		want := [][2]int{{4, 3}, {2, 1}, {1, 1}}
		if len(res.Points) != 3 {
			t.Fatalf("%s: %d points", name, len(res.Points))
		}
		for i, p := range res.Points {
			if p.Value.Entered != want[i][0] || p.Value.Converted != want[i][1] || p.Value.Rate != cm.RateOf(want[i][1], want[i][0]) {
				t.Errorf("%s: %s: %+v, want %v", name, p.Start.Format("Jan 2"), p.Value, want[i])
			}
			if !p.Start.Equal(day(2+i, 0, 0)) {
				t.Errorf("%s: point %d starts %s", name, i, p.Start)
			}
		}
	}
}

func TestTrendsFromStepAndExclusion(t *testing.T) {
	var x fixture
	// Three steps; from step 1 to step 2 (0-based).
	// a: all three: converted. b: steps 0 and 1: entered. c: step 0 only:
	// not counted (never reached from_step).
	x.add("a", at(0), cm.MessageReceived)
	x.add("a", at(1), cm.CartAdded)
	x.add("a", at(2), cm.PaymentSucceeded)
	x.add("b", at(0), cm.MessageReceived)
	x.add("b", at(1), cm.CartAdded)
	x.add("c", at(0), cm.MessageReceived)
	// d: a hand-off between the message and the cart taints the attempt,
	// which then goes on: d is dropped (fully excluded, nothing converted).
	x.add("d", at(0), cm.MessageReceived)
	x.add("d", at(1), cm.ConversationHandoff)
	x.add("d", at(2), cm.CartAdded)
	cal := cm.NewCalendar(time.UTC)
	q := funnel.TrendsQuery{Query: query(funnel.Definition{Steps: inboundCartPaid,
		Exclusions: []funnel.Exclusion{{Type: cm.ConversationHandoff, FromStep: 0, ToStep: 1}}}),
		FromStep: 1, ToStep: 2}
	q.Calendar = cal
	q.Range = cm.Range{From: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)}
	res, err := funnel.Trends(context.Background(), store(t, x.evs), q)
	if err != nil {
		t.Fatal(err)
	}
	// One day: entered a, b = 2; converted a = 1.
	if p := res.Points[0].Value; p.Entered != 2 || p.Converted != 1 {
		t.Fatalf("point %+v, want 2 entered, 1 converted", p)
	}

	q.Funnel.Order = funnel.Unordered
	q.Funnel.Exclusions = nil
	if _, err := funnel.Trends(context.Background(), store(t, nil), q); !errors.Is(err, funnel.ErrUnsupported) {
		t.Errorf("unordered trends: %v", err)
	}
	q.Funnel.Order = ""
	q.Range = cm.Range{}
	if _, err := funnel.Trends(context.Background(), store(t, nil), q); !errors.Is(err, cm.ErrEmptyRange) {
		t.Errorf("unbounded trends: %v", err)
	}
}

func TestTimeToConvert(t *testing.T) {
	var x fixture
	// Four conversions: 60 s, 120 s, 3600 s and 7200 s; one unit that
	// does not convert.
	for i, d := range []time.Duration{time.Minute, 2 * time.Minute, time.Hour, 2 * time.Hour} {
		c := string(rune('a' + i))
		x.add(c, t0, cm.MessageReceived)
		x.add(c, t0.Add(d), cm.CartAdded)
	}
	x.add("z", t0, cm.MessageReceived)
	q := funnel.TimeToConvertQuery{Query: query(funnel.Definition{Steps: steps(cm.MessageReceived, cm.CartAdded), Window: funnel.Window{Value: 1, Unit: funnel.Day}})}
	res, err := funnel.TimeToConvert(context.Background(), store(t, x.evs), q)
	if err != nil {
		t.Fatal(err)
	}
	// n = 4: ⌈∛4⌉ = 2 bins; min 60, max 7200, width ⌈7140/2⌉ = 3570;
	// starts 60, 3630, 7200; 60, 120 and 3600 fall in the first
	// ((3600−60)/3570 = 0.99), 7200 in the third ((7200−60)/3570 = 2).
	want := []funnel.Bin{{Start: 60, Count: 3}, {Start: 3630, Count: 0}, {Start: 7200, Count: 1}}
	if res.Width != 3570 || !slices.Equal(res.Bins, want) {
		t.Errorf("width %d bins %v, want 3570 %v", res.Width, res.Bins, want)
	}
	// Mean (60+120+3600+7200)/4 = 2745 s; median (120+3600)/2 = 1860 s.
	if res.Stats.Count != 4 || res.Stats.Mean != 2745*time.Second || res.Stats.Median != 1860*time.Second {
		t.Errorf("stats %+v", res.Stats)
	}
	// Three bins asked for: width ⌈7140/3⌉ = 2380, starts 60, 2440, 4820,
	// 7200; 3600 → ⌊3540/2380⌋ = 1, 7200 → 3.
	q.Bins = 3
	res, _ = funnel.TimeToConvert(context.Background(), store(t, x.evs), q)
	want = []funnel.Bin{{Start: 60, Count: 2}, {Start: 2440, Count: 1}, {Start: 4820, Count: 0}, {Start: 7200, Count: 1}}
	if res.Width != 2380 || !slices.Equal(res.Bins, want) {
		t.Errorf("3 bins: width %d bins %v, want 2380 %v", res.Width, res.Bins, want)
	}
	// Equal times: width 0 becomes 60 s. Two samples of 60 s: 2 bins
	// (⌈∛2⌉), starts 60 and 120, both samples in the first.
	var y fixture
	for _, c := range []string{"a", "b"} {
		y.add(c, t0, cm.MessageReceived)
		y.add(c, t0.Add(time.Minute), cm.CartAdded)
	}
	q.Bins = 0
	res, _ = funnel.TimeToConvert(context.Background(), store(t, y.evs), q)
	want = []funnel.Bin{{Start: 60, Count: 2}, {Start: 120, Count: 0}, {Start: 180, Count: 0}}
	if res.Width != 60 || !slices.Equal(res.Bins, want) {
		t.Errorf("equal times: width %d bins %v, want 60 %v", res.Width, res.Bins, want)
	}
	// From step 1 to step 2 of a three-step funnel: only the cart→payment
	// part counts.
	var z fixture
	z.add("a", at(0), cm.MessageReceived)
	z.add("a", at(10), cm.CartAdded)
	z.add("a", at(15), cm.PaymentSucceeded)
	q = funnel.TimeToConvertQuery{Query: query(funnel.Definition{Steps: inboundCartPaid}), FromStep: 1, ToStep: 2}
	res, _ = funnel.TimeToConvert(context.Background(), store(t, z.evs), q)
	if res.Stats.Count != 1 || res.Stats.Mean != 5*time.Minute {
		t.Errorf("steps 1 to 2: %+v", res.Stats)
	}
	q.FromStep = 2
	if _, err := funnel.TimeToConvert(context.Background(), store(t, nil), q); !errors.Is(err, cm.ErrInvalidValue) {
		t.Errorf("from 2 to 2: %v", err)
	}
}

func TestDaylightSavingTime(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	local := func(d, h, m int) time.Time { return time.Date(2026, 10, d, h, m, 0, 0, berlin) }
	var x fixture
	// Clocks go back from 03:00 CEST to 02:00 CET on 2026-10-25.
	// exact: 12:00 CEST on the 24th to 11:00 CET on the 25th: the wall
	// clocks differ by 23 hours, the instants by exactly 24: it converts
	// in a 1-day window (86,400 s, inclusive), with a 24-hour time.
	x.add("exact", local(24, 12, 0), cm.MessageReceived)
	x.add("exact", local(25, 11, 0), cm.CartAdded)
	// over: the same entry, the cart at 11:30 CET: 24 h 30 min: too late.
	x.add("over", local(24, 12, 0), cm.MessageReceived)
	x.add("over", local(25, 11, 30), cm.CartAdded)
	// late: enters at 23:30 CET on the 25th, the 25-hour day's last hour:
	// the 25th's entry, converting at 00:10 on the 26th.
	x.add("late", local(25, 23, 30), cm.MessageReceived)
	x.add("late", local(26, 0, 10), cm.CartAdded)
	def := funnel.Definition{Steps: steps(cm.MessageReceived, cm.CartAdded), Window: funnel.Window{Value: 1, Unit: funnel.Day}}
	res := run(t, x.evs, query(def))
	if got := counts(res.Steps); !slices.Equal(got, []int{3, 2}) {
		t.Fatalf("counts %v, want [3 2]", got)
	}
	if ts := res.Steps[1].TimeFromPrevious; ts.Max != 24*time.Hour || ts.Min != 40*time.Minute {
		t.Errorf("times %+v, want 40 min and 24 h", ts)
	}
	cal := cm.NewCalendar(berlin)
	r, err := cal.DateRange(cm.Date{Year: 2026, Month: 10, Day: 24}, cm.Date{Year: 2026, Month: 10, Day: 26}, cm.RangeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q := funnel.TrendsQuery{Query: query(def)}
	q.Range, q.Calendar = r, cal
	tr, err := funnel.Trends(context.Background(), store(t, x.evs), q)
	if err != nil {
		t.Fatal(err)
	}
	// The 24th: exact (converted) and over (entered); the 25th (25 hours
	// long): late, converted; the 26th: nothing.
	want := [][2]int{{2, 1}, {1, 1}, {0, 0}}
	for i, p := range tr.Points {
		if p.Value.Entered != want[i][0] || p.Value.Converted != want[i][1] {
			t.Errorf("%s: %+v, want %v", p.Start, p.Value, want[i])
		}
	}
	if got := tr.Points[2].Start.Sub(tr.Points[1].Start); got != 25*time.Hour {
		t.Errorf("the 25th lasts %v", got)
	}
}

func TestTrendsBreakdown(t *testing.T) {
	// breakdownFixture, first touch by campaign, from the send to the cart,
	// one day: A holds u1 and u3, both reach the cart (2 of 2); B holds u2,
	// who stops at the inbound message (0 of 1).
	def := funnel.Definition{Steps: steps(cm.MessageSent, cm.MessageReceived, cm.CartAdded)}
	q := funnel.TrendsQuery{Query: query(def)}
	q.Range, q.Calendar = cm.Range{From: day(0, 0, 0), To: day(1, 0, 0)}, cm.NewCalendar(time.UTC)
	q.Breakdown = &funnel.Breakdown{Field: "campaign"}
	res, err := funnel.Trends(context.Background(), store(t, breakdownFixture()), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Breakdown) != 2 {
		t.Fatalf("%d series", len(res.Breakdown))
	}
	for i, w := range []struct {
		v                  string
		entered, converted int
	}{{"A", 2, 2}, {"B", 1, 0}} {
		s := res.Breakdown[i]
		if p := s.Points[0].Value; s.Value != w.v || p.Entered != w.entered || p.Converted != w.converted {
			t.Errorf("series %d: %s %+v, want %s %d/%d", i, s.Value, p, w.v, w.converted, w.entered)
		}
	}
	if p := res.Points[0].Value; p.Entered != 3 || p.Converted != 2 {
		t.Errorf("overall %+v, want 2 of 3", p)
	}
}
