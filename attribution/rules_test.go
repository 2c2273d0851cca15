package attribution

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
)

// anchorJourney is the worked example of the attribution notes (§2.5): a
// payment of 100.00 TRY at t0 by contact c1, after four touches of four
// kinds: T1 campaign send (spring_sale) 14 days before, T2 template send
// (cart_reminder) 7 days before, T3 flow start (checkout_bot) 1 day
// before, T4 agent assignment (ayse) 2 hours before.
func anchorJourney() *fixture {
	f := &fixture{tenant: "t"}
	f.add(cm.Event{Type: cm.MessageSent, Time: at(-14 * day), Contact: "c1", Sender: cm.SenderCampaign, Campaign: "spring_sale", Template: "spring_offer"})
	f.add(cm.Event{Type: cm.MessageSent, Time: at(-7 * day), Contact: "c1", Sender: cm.SenderBot, Template: "cart_reminder"})
	f.add(cm.Event{Type: cm.FlowStarted, Time: at(-1 * day), Contact: "c1", Flow: "checkout_bot"})
	f.add(cm.Event{Type: cm.ConversationAssigned, Time: at(-2 * time.Hour), Contact: "c1", Agent: "ayse", Team: "sales"})
	// Not touches: a bot message without a template, an inbound message
	// (organic inbound is ignored when there are other touches), a status.
	f.add(cm.Event{Type: cm.MessageSent, Time: at(-90 * time.Minute), Contact: "c1", Sender: cm.SenderBot, Flow: "checkout_bot"})
	f.add(cm.Event{Type: cm.MessageReceived, Time: at(-80 * time.Minute), Contact: "c1"})
	f.add(cm.Event{Type: cm.PaymentLink, Time: at(-time.Hour), Contact: "c1", Link: "plink_1", Reference: "ORD-1", Amount: dec("100.00"), Currency: "TRY", Flow: "checkout_bot"})
	f.add(cm.Event{Type: cm.PaymentSucceeded, Time: at(0), Payment: "pay_1", Link: "plink_1", Amount: dec("100.00"), Currency: "TRY"})
	return f
}

func anchorQuery(def Definition) Query {
	def.Dimension = Touchpoint
	return Query{
		Tenant:     "t",
		Range:      cm.Range{From: at(-12 * time.Hour), To: at(12 * time.Hour)},
		Calendar:   cm.NewCalendar(mustLoad("Europe/Istanbul")),
		Definition: def,
		Detail:     true,
	}
}

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// revenueOf returns "value=revenue" for every row, in row order.
func revenueOf(res *Result, cur string) string {
	var parts []string
	for _, r := range res.Rows {
		v := r.Value
		if v == "" {
			v = "(none)"
		}
		parts = append(parts, v+"="+r.Revenue[cur].StringFixed(2))
	}
	return strings.Join(parts, " ")
}

func conversionsOf(res *Result) map[string]float64 {
	m := map[string]float64{}
	for _, r := range res.Rows {
		m[r.Value] = r.Conversions
	}
	return m
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestAnchorWorkedExample(t *testing.T) {
	s := newStore(t, anchorJourney().events)
	// Time decay, H = 7 days: raw weights 2^(−14/7) = 0.25, 2^(−7/7) = 0.5,
	// 2^(−1/7) = 0.905724, 2^(−(2/24)/7) = 2^(−1/84) = 0.991782.
	raw := []float64{0.25, 0.5, math.Pow(2, -1.0/7), math.Pow(2, -1.0/84)}
	sum := raw[0] + raw[1] + raw[2] + raw[3]
	for _, c := range []struct {
		def     Definition
		revenue string // rows in order: most conversions first, ties by value
		conv    map[string]float64
	}{
		// Values that touched the journey without credit keep a row with
		// zero conversions (and their touches counted).
		{Definition{Model: LastTouch}, "agent:ayse=100.00 campaign:spring_sale=0.00 flow:checkout_bot=0.00 template:cart_reminder=0.00",
			map[string]float64{"agent:ayse": 1, "campaign:spring_sale": 0, "flow:checkout_bot": 0, "template:cart_reminder": 0}},
		{Definition{Model: FirstTouch}, "campaign:spring_sale=100.00 agent:ayse=0.00 flow:checkout_bot=0.00 template:cart_reminder=0.00",
			map[string]float64{"agent:ayse": 0, "campaign:spring_sale": 1, "flow:checkout_bot": 0, "template:cart_reminder": 0}},
		// 10000 kuruş / 4 = 2500 each; equal conversions sort by value.
		{Definition{Model: Linear}, "agent:ayse=25.00 campaign:spring_sale=25.00 flow:checkout_bot=25.00 template:cart_reminder=25.00",
			map[string]float64{"agent:ayse": 0.25, "campaign:spring_sale": 0.25, "flow:checkout_bot": 0.25, "template:cart_reminder": 0.25}},
		// Shares 0.094428, 0.188857, 0.342104, 0.374610 of 10000 kuruş:
		// floors 944 + 1888 + 3421 + 3746 = 9999; the one left goes to the
		// largest remainder, T2's .57: 944, 1889, 3421, 3746.
		{Definition{Model: TimeDecay}, "agent:ayse=37.46 flow:checkout_bot=34.21 template:cart_reminder=18.89 campaign:spring_sale=9.44",
			map[string]float64{"campaign:spring_sale": raw[0] / sum, "template:cart_reminder": raw[1] / sum, "flow:checkout_bot": raw[2] / sum, "agent:ayse": raw[3] / sum}},
		// 40 / 20 / 40: the middle two get 10 each.
		{Definition{Model: PositionBased}, "agent:ayse=40.00 campaign:spring_sale=40.00 flow:checkout_bot=10.00 template:cart_reminder=10.00",
			map[string]float64{"campaign:spring_sale": 0.4, "template:cart_reminder": 0.1, "flow:checkout_bot": 0.1, "agent:ayse": 0.4}},
	} {
		t.Run(string(c.def.Model), func(t *testing.T) {
			res, err := Attribute(context.Background(), s, anchorQuery(c.def))
			if err != nil {
				t.Fatal(err)
			}
			if got := revenueOf(res, "TRY"); got != c.revenue {
				t.Errorf("revenue %s, want %s", got, c.revenue)
			}
			got := conversionsOf(res)
			for v, w := range c.conv {
				if !near(got[v], w) {
					t.Errorf("conversions of %s = %v, want %v", v, got[v], w)
				}
			}
			if len(got) != len(c.conv) {
				t.Errorf("rows %v, want %v", got, c.conv)
			}
			if res.Totals.Conversions != 1 || res.Totals.Touches != 4 || res.Totals.Revenue.String() != "100.00 TRY" {
				t.Errorf("totals %+v", res.Totals)
			}
		})
	}

	// With a 7-day lookback T1 drops out and T2, exactly 7 days before, is
	// kept (the window is inclusive). Shares 0.5/S, 0.905724/S, 0.991782/S
	// with S = 2.397506: 20.855006, 37.777746, 41.367248 → floors 2085 +
	// 3777 + 4136 = 9998; the two left go to .7746 (T3) and .7248 (T4):
	// 2085, 3778, 4137. Plain rounding would give T2 20.86 and a total of
	// 100.01.
	res, err := Attribute(context.Background(), s, anchorQuery(Definition{Model: TimeDecay, Lookback: 7 * day}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := revenueOf(res, "TRY"), "agent:ayse=41.37 flow:checkout_bot=37.78 template:cart_reminder=20.85"; got != want {
		t.Errorf("7-day lookback: %s, want %s", got, want)
	}
	// One nanosecond shorter and T2 drops out as well.
	res, err = Attribute(context.Background(), s, anchorQuery(Definition{Model: Linear, Lookback: 7*day - 1}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := revenueOf(res, "TRY"), "agent:ayse=50.00 flow:checkout_bot=50.00"; got != want {
		t.Errorf("lookback 7d-1ns: %s, want %s", got, want)
	}
}

// A half-life of one minute and touches days old: campaign A 10 days
// before a payment of 100.00 TRY, B 3 days before, A again 1 day before.
// In minutes Δt = 14400, 4320 and 1440, so 2^(−Δt/H) is 2^−14400, 2^−4320
// and 2^−1440, all below float64's smallest 2^−1074: measured from the
// conversion every weight would underflow to 0 and 0/0 make them NaN.
// Measured from the latest touch (Δt_min = 1440): 2^−12960 = 0, 2^−2880 =
// 0 and 2^0 = 1, sum 1, so the last A takes it all: A 0 + 1 = 1
// conversion and 10000 kuruş = 100.00; B 0 conversions and 0.00 (a row,
// as it touched the journey).
func TestTimeDecayUnderflow(t *testing.T) {
	f := &fixture{tenant: "t"}
	f.add(cm.Event{Type: cm.MessageSent, Time: at(-10 * day), Contact: "c1", Sender: cm.SenderCampaign, Campaign: "A"})
	f.add(cm.Event{Type: cm.MessageSent, Time: at(-3 * day), Contact: "c1", Sender: cm.SenderCampaign, Campaign: "B"})
	f.add(cm.Event{Type: cm.MessageSent, Time: at(-1 * day), Contact: "c1", Sender: cm.SenderCampaign, Campaign: "A"})
	f.add(cm.Event{Type: cm.PaymentLink, Time: at(-time.Hour), Contact: "c1", Link: "plink_1", Amount: dec("100.00"), Currency: "TRY"})
	f.add(cm.Event{Type: cm.PaymentSucceeded, Time: at(0), Payment: "pay_1", Link: "plink_1", Amount: dec("100.00"), Currency: "TRY"})
	q := Query{Tenant: "t", Range: cm.Range{From: at(-12 * time.Hour), To: at(12 * time.Hour)},
		Definition: Definition{Model: TimeDecay, Dimension: Campaign, HalfLife: time.Minute}, Detail: true}
	res, err := Attribute(context.Background(), newStore(t, f.events), q)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := revenueOf(res, "TRY"), "A=100.00 B=0.00"; got != want {
		t.Errorf("revenue %s, want %s", got, want)
	}
	conv := conversionsOf(res)
	if conv["A"] != 1 || conv["B"] != 0 || len(conv) != 2 {
		t.Errorf("conversions %v, want A 1, B 0", conv)
	}
	if res.Totals.Conversions != 1 || res.Totals.Revenue.String() != "100.00 TRY" {
		t.Errorf("totals %+v", res.Totals)
	}
	for _, cr := range res.Conversions[0].Credits {
		if math.IsNaN(cr.Weight) {
			t.Errorf("NaN weight: %+v", cr)
		}
	}
}

func TestAnchorDetail(t *testing.T) {
	s := newStore(t, anchorJourney().events)
	res, err := Attribute(context.Background(), s, anchorQuery(Definition{Model: TimeDecay}))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Conversions) != 1 {
		t.Fatalf("%d conversions", len(res.Conversions))
	}
	c := res.Conversions[0]
	var path, credits []string
	for _, p := range c.Path {
		path = append(path, fmt.Sprintf("%s %s %s", p.Time.Format(time.RFC3339), p.Kind, p.Value))
	}
	for _, cr := range c.Credits {
		credits = append(credits, fmt.Sprintf("%s %.6f %s", cr.Value, cr.Weight, cr.Revenue.StringFixed(2)))
	}
	wantPath := "2026-09-17T12:00:00Z campaign_send campaign:spring_sale|2026-09-24T12:00:00Z template_send template:cart_reminder|" +
		"2026-09-30T12:00:00Z flow_start flow:checkout_bot|2026-10-01T10:00:00Z agent_assignment agent:ayse"
	if got := strings.Join(path, "|"); got != wantPath {
		t.Errorf("path %s\nwant %s", got, wantPath)
	}
	wantCredits := "campaign:spring_sale 0.094428 9.44|template:cart_reminder 0.188857 18.89|flow:checkout_bot 0.342104 34.21|agent:ayse 0.374610 37.46"
	if got := strings.Join(credits, "|"); got != wantCredits {
		t.Errorf("credits %s\nwant %s", got, wantCredits)
	}
	if c.Payment != "pay_1" || c.Link != "plink_1" || c.By != ByLink || c.Contact != "c1" || c.Revenue.StringFixed(2) != "100.00" {
		t.Errorf("conversion %+v", c)
	}
	// The range is [10-01 03:00, 10-02 03:00) in Istanbul (UTC+3), two
	// local days; the conversion, at 15:00 local, is on the first.
	if len(res.Series) != 2 || res.Series[0].Start.Format("2006-01-02 15:04 -0700") != "2026-10-01 00:00 +0300" || res.Series[0].Value.Conversions != 1 ||
		res.Series[1].Value.Conversions != 0 || res.Series[0].Value.Revenue.String() != "100.00 TRY" || len(res.Series[1].Value.Revenue) != 0 {
		t.Errorf("series %+v", res.Series)
	}
}
