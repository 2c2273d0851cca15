package attribution

import (
	"context"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
)

// sale adds a link and its payment (by link id) at t0+d for contact.
func (f *fixture) sale(id string, d time.Duration, contact, amount, cur string) *fixture {
	f.add(cm.Event{Type: cm.PaymentLink, Time: at(d - time.Minute), Contact: contact, Link: "plink_" + id, Amount: dec(amount), Currency: cur})
	f.add(cm.Event{Type: cm.PaymentSucceeded, Time: at(d), Contact: contact, Payment: "pay_" + id, Link: "plink_" + id, Amount: dec(amount), Currency: cur})
	return f
}

// send adds a campaign send of campaign to contact at t0+d.
func (f *fixture) send(d time.Duration, contact, campaign string) *fixture {
	return f.add(cm.Event{Type: cm.MessageSent, Time: at(d), Contact: contact, Sender: cm.SenderCampaign, Campaign: campaign, Template: campaign + "_tpl"})
}

func attribute(t *testing.T, events []cm.Event, def Definition) *Result {
	t.Helper()
	res, err := Attribute(context.Background(), newStore(t, events), Query{
		Tenant: "t", Range: cm.Range{From: at(-day), To: at(20 * day)}, Definition: def, Detail: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestPositionBasedShortPaths(t *testing.T) {
	one := (&fixture{tenant: "t"}).send(-time.Hour, "c1", "a").sale("1", 0, "c1", "10.00", "EUR")
	two := (&fixture{tenant: "t"}).send(-2*time.Hour, "c1", "a").send(-time.Hour, "c1", "b").sale("1", 0, "c1", "10.00", "EUR")
	four := (&fixture{tenant: "t"}).send(-4*time.Hour, "c1", "a").send(-3*time.Hour, "c1", "b").
		send(-2*time.Hour, "c1", "c").send(-time.Hour, "c1", "d").sale("1", 0, "c1", "10.00", "EUR")
	f3, l5 := 0.3, 0.5
	f0, l0 := 0.0, 0.0
	for _, c := range []struct {
		name   string
		events []cm.Event
		def    Definition
		want   string
	}{
		// n = 1: everything to the only touch.
		{"n=1", one.events, Definition{Model: PositionBased}, "a=10.00"},
		// n = 2: first/(first+last) = 0.4/0.8 = 1/2 each.
		{"n=2", two.events, Definition{Model: PositionBased}, "a=5.00 b=5.00"},
		// n = 2 with 0.3/0.5: 0.3/0.8 = 0.375 → 375 cents, 0.625 → 625.
		{"n=2 custom", two.events, Definition{Model: PositionBased, FirstShare: &f3, LastShare: &l5}, "b=6.25 a=3.75"},
		// n = 2 with 0/0: no middle to give to, equal halves.
		{"n=2 zero", two.events, Definition{Model: PositionBased, FirstShare: &f0, LastShare: &l0}, "a=5.00 b=5.00"},
		// n = 4 with 0.3/0.5: the middle two share 0.2: 0.1 each.
		{"n=4 custom", four.events, Definition{Model: PositionBased, FirstShare: &f3, LastShare: &l5}, "d=5.00 a=3.00 b=1.00 c=1.00"},
		// n = 4 with 0/0: the middle two get half each.
		{"n=4 zero", four.events, Definition{Model: PositionBased, FirstShare: &f0, LastShare: &l0}, "b=5.00 c=5.00 a=0.00 d=0.00"},
	} {
		res := attribute(t, c.events, c.def)
		if got := revenueOf(res, "EUR"); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestJourneyRules(t *testing.T) {
	f := &fixture{tenant: "t"}
	// c1: campaign a twice around b: linear gives a 2/3 (two shares).
	f.send(-3*time.Hour, "c1", "a").send(-2*time.Hour, "c1", "b").send(-time.Hour, "c1", "a").sale("1", 0, "c1", "30.00", "EUR")
	// c2: a touch after the payment never counts; two touches at the same
	// instant are ordered by event id ("tie-a" x before "tie-b" y).
	f.add(cm.Event{ID: "tie-a", Type: cm.MessageSent, Time: at(-time.Hour), Contact: "c2", Sender: cm.SenderCampaign, Campaign: "x"})
	f.add(cm.Event{ID: "tie-b", Type: cm.MessageSent, Time: at(-time.Hour), Contact: "c2", Sender: cm.SenderBroadcast, Campaign: "y"})
	f.sale("2", 0, "c2", "10.00", "EUR").send(time.Minute, "c2", "z")
	// c3: only organic inbound: credited to it under touchpoint, to
	// (none) by campaign.
	f.add(cm.Event{Type: cm.MessageReceived, Time: at(-time.Hour), Contact: "c3", Channel: cm.ChannelWhatsApp})
	f.sale("3", 0, "c3", "7.00", "EUR")
	// c4: a test-channel touch and a bot message: no touches at all.
	f.add(cm.Event{Type: cm.MessageSent, Time: at(-time.Hour), Contact: "c4", Sender: cm.SenderCampaign, Campaign: "t", Channel: cm.ChannelTest})
	f.add(cm.Event{Type: cm.MessageSent, Time: at(-time.Hour), Contact: "c4", Sender: cm.SenderBot, Campaign: "bot"})
	f.sale("4", 0, "c4", "5.00", "EUR")
	// c5: a payment without contact finds the touches of its link's
	// contact; a flow start carrying the campaign is a campaign touch.
	f.add(cm.Event{Type: cm.FlowStarted, Time: at(-time.Hour), Contact: "c5", Flow: "shop", Campaign: "f"})
	f.add(cm.Event{Type: cm.PaymentLink, Time: at(-time.Minute), Contact: "c5", Link: "plink_5", Amount: dec("4.00"), Currency: "EUR"})
	f.add(cm.Event{Type: cm.PaymentSucceeded, Time: at(0), Payment: "pay_5", Link: "plink_5", Amount: dec("4.00"), Currency: "EUR"})

	res := attribute(t, f.events, Definition{Model: Linear})
	// a: 2/3 of 30.00 = 20.00; b 10.00; last touch of c2 is y (later id):
	// linear x 5.00, y 5.00; c3, c4: (none) 7 + 5 = 12.00; f 4.00.
	// Rows by conversions: f 1, a 2/3, x 1/2, y 1/2, b 1/3.
	if got, want := revenueOf(res, "EUR"), "f=4.00 a=20.00 x=5.00 y=5.00 b=10.00 (none)=12.00"; got != want {
		t.Errorf("linear: %s, want %s", got, want)
	}
	conv := conversionsOf(res)
	if !near(conv["a"], 2.0/3) || !near(conv["b"], 1.0/3) || conv[""] != 2 || res.Totals.Unattributed != 2 || res.Totals.Conversions != 5 {
		t.Errorf("conversions %v, totals %+v", conv, res.Totals)
	}
	for _, r := range res.Rows {
		if r.Value == "a" && r.Touches != 2 {
			t.Errorf("a has %d touches, want 2", r.Touches)
		}
	}
	res = attribute(t, f.events, Definition{Model: LastTouch})
	if got, want := revenueOf(res, "EUR"), "a=30.00 f=4.00 y=10.00 b=0.00 x=0.00 (none)=12.00"; got != want {
		t.Errorf("last touch: %s, want %s", got, want)
	}
	res = attribute(t, f.events, Definition{Model: LastTouch, Dimension: Touchpoint})
	if got, want := revenueOf(res, "EUR"), "campaign:a=30.00 campaign:y=10.00 flow:shop=4.00 organic:whatsapp=7.00 campaign:b=0.00 campaign:x=0.00 (none)=5.00"; got != want {
		t.Errorf("touchpoint: %s, want %s", got, want)
	}
	// Test traffic included: c4's test send earns its 5.00.
	res2, err := Attribute(context.Background(), newStore(t, f.events), Query{Tenant: "t", Range: cm.Range{From: at(-day), To: at(20 * day)},
		IncludeTest: true, Definition: Definition{Model: LastTouch}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := revenueOf(res2, "EUR"), "a=30.00 f=4.00 t=5.00 y=10.00 b=0.00 x=0.00 (none)=7.00"; got != want {
		t.Errorf("include test: %s, want %s", got, want)
	}
	// Only flow starts earn credit: everything else is (none).
	res = attribute(t, f.events, Definition{Model: LastTouch, Kinds: []Kind{FlowStart}})
	if got, want := revenueOf(res, "EUR"), "f=4.00 (none)=52.00"; got != want {
		t.Errorf("kinds: %s, want %s", got, want)
	}
}

func TestMoneySplit(t *testing.T) {
	f := &fixture{tenant: "t"}
	f.send(-3*time.Hour, "c1", "a").send(-2*time.Hour, "c1", "b").send(-time.Hour, "c1", "c")
	f.sale("1", 0, "c1", "100", "JPY")              // 0 decimals: 34, 33, 33
	f.sale("2", time.Hour, "c1", "0.10", "EUR")     // 10 cents: 4, 3, 3
	f.sale("3", 2*time.Hour, "c1", "1.000", "KWD")  // 3 decimals: 0.334, 0.333, 0.333
	f.sale("4", 3*time.Hour, "c1", "0.02", "USD")   // 2 cents over 3: 1, 1, 0
	f.sale("5", 4*time.Hour, "c1", "10.005", "USD") // more decimals than USD has: split in 0.001
	// A refund of pay_2 leaves 0.07 EUR to split: 3, 2, 2.
	f.add(cm.Event{Type: cm.PaymentRefunded, Time: at(5 * time.Hour), Payment: "pay_2", Amount: dec("0.03"), Currency: "EUR"})
	res := attribute(t, f.events, Definition{Model: Linear})
	var got []string
	for _, r := range res.Rows {
		got = append(got, r.Value+":"+exact(r.Revenue))
	}
	// USD: 0.02 is split in cents, 2 over 3: a 0.01, b 0.01, c 0; 10.005
	// in thousandths, 10005 / 3 = 3335 each: a 3.345, b 3.345, c 3.335.
	want := "a:0.03 EUR, 34 JPY, 0.334 KWD, 3.345 USD|b:0.02 EUR, 33 JPY, 0.333 KWD, 3.345 USD|c:0.02 EUR, 33 JPY, 0.333 KWD, 3.335 USD"
	if strings.Join(got, "|") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, "|"), want)
	}
	if exact(res.Totals.Revenue) != "0.07 EUR, 100 JPY, 1.000 KWD, 10.025 USD" || exact(res.Totals.Refunded) != "0.03 EUR, 0 JPY, 0.000 KWD, 0.00 USD" {
		t.Errorf("totals %+v", res.Totals)
	}
}

// exact formats amounts with every decimal they carry.
func exact(a cm.Amounts) string {
	var parts []string
	for _, c := range a.Currencies() {
		d := a[c]
		parts = append(parts, d.StringFixed(max(int32(cm.MinorUnits(c)), -d.Exponent()))+" "+c)
	}
	return strings.Join(parts, ", ")
}
