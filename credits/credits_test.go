package credits_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/attribution"
	"github.com/convometrics/convometrics/credits"
	"github.com/shopspring/decimal"
)

// fourSends is WHATSAPP.md §3.1's worked example, in Istanbul (UTC+3) on
// 2026-07-06 (per-message pricing, before the 2026-10-01 change): a
// marketing template at h0 (charged); the user writes at h2, opening the
// customer-service window; a text at h3 (free, window open); a utility
// template at h4 (free, window open); the window closes at h26; a utility
// template at h30 (charged). With pricing, the statuses say so; without,
// the rules must reach the same answer.
func fourSends(t *testing.T, pricing bool) *fixture {
	h0 := time.Date(2026, 7, 6, 9, 0, 0, 0, loc(t, "Europe/Istanbul"))
	h := func(n int) time.Time { return h0.Add(time.Duration(n) * time.Hour) }
	x := newFixture()
	c := "905300000001"
	p := func(ptype, pcat string) (string, string) {
		if !pricing {
			return "", ""
		}
		return ptype, pcat
	}
	msg := func(at time.Time, id, tcat, ptype, pcat string) {
		x.send(at, id, c, tcat)
		pt, pc := p(ptype, pcat)
		x.status(at.Add(time.Second), id, c, cm.StatusSent, pt, pc)
		x.status(at.Add(3*time.Second), id, c, cm.StatusDelivered, pt, pc)
	}
	msg(h(0), "m1", "marketing", "regular", "marketing")
	x.inbound(h(2), c, "")
	msg(h(3), "m2", "", "free_customer_service", "service")
	msg(h(4), "m3", "utility", "free_customer_service", "utility")
	msg(h(30), "m4", "utility", "regular", "utility")
	return x
}

func TestFourSendWorkedExample(t *testing.T) {
	for _, pricing := range []bool{true, false} {
		name := "reported pricing"
		if !pricing {
			name = "rules"
		}
		t.Run(name, func(t *testing.T) {
			x := fourSends(t, pricing)
			s := summarize(t, x.store(t), query(t, "Europe/Istanbul", "2026-07-06", "2026-07-07"))
			// marketing 0.0109 + utility after the window 0.0053 = 0.0162
			eqAmounts(t, "used", s.Used, usd("0.0162"))
			m := s.Messages
			if m.Delivered != 4 || m.Charged != 2 || m.FreeCustomerService != 2 || m.Free != 2 {
				t.Errorf("messages %+v, want 4 delivered, 2 charged, 2 free in the customer-service window", m)
			}
			wantEst := 0
			if !pricing {
				wantEst = 4 // every one priced from the rules
				eqAmounts(t, "estimated", s.Estimated, usd("0.0162"))
			}
			if m.Estimated != wantEst {
				t.Errorf("estimated %d, want %d", m.Estimated, wantEst)
			}
			if u := category(s, credits.Marketing); u.Delivered != 1 || u.Charged != 1 || !u.Cost.Equal(usd("0.0109")) {
				t.Errorf("marketing %+v", u)
			}
			if u := category(s, credits.Utility); u.Delivered != 2 || u.Charged != 1 || !u.Cost.Equal(usd("0.0053")) {
				t.Errorf("utility %+v", u)
			}
			if u := category(s, credits.Service); u.Delivered != 1 || u.Charged != 0 || len(u.Cost) != 0 {
				t.Errorf("service %+v", u)
			}
			// Day by day in Istanbul: m1–m3 on 07-06 (0.0109), m4 at h30 =
			// 07-07 15:00 (0.0053).
			if d := dayOf(s, "2026-07-06"); d.Delivered != 3 || d.Charged != 1 || !d.Used.Equal(usd("0.0109")) {
				t.Errorf("2026-07-06 %+v", d)
			}
			if d := dayOf(s, "2026-07-07"); d.Delivered != 1 || d.Charged != 1 || !d.Used.Equal(usd("0.0053")) || !d.ByCategory[credits.Utility].Equal(usd("0.0053")) {
				t.Errorf("2026-07-07 %+v", d)
			}
		})
	}
}

// A message read without a delivered status is delivered; its charge
// instant is the read. m1 is sent at 23:59:58 Istanbul time and read at
// 00:00:05 the next day: the charge belongs to the next day. m2 (utility)
// is delivered at 23:59:59 and read after midnight: the charge instant is
// the earliest of the two, on the first day.
func TestReadWithoutDelivered(t *testing.T) {
	ist := loc(t, "Europe/Istanbul")
	x := newFixture()
	at := time.Date(2026, 8, 3, 23, 59, 58, 0, ist)
	next := time.Date(2026, 8, 4, 0, 0, 5, 0, ist)
	x.send(at, "m1", "905300000001", "marketing")
	x.status(at.Add(time.Second), "m1", "905300000001", cm.StatusSent, "regular", "marketing")
	x.status(next, "m1", "905300000001", cm.StatusRead, "", "")
	x.send(at, "m2", "905300000001", "utility")
	x.status(at.Add(time.Second), "m2", "905300000001", cm.StatusDelivered, "regular", "utility")
	x.status(next, "m2", "905300000001", cm.StatusRead, "", "")
	s := summarize(t, x.store(t), query(t, "Europe/Istanbul", "2026-08-03", "2026-08-04"))
	eqAmounts(t, "used", s.Used, usd("0.0162"))
	if d := dayOf(s, "2026-08-03"); d.Delivered != 1 || d.Charged != 1 || !d.Used.Equal(usd("0.0053")) {
		t.Errorf("08-03 %+v, want m2 (0.0053)", d)
	}
	if d := dayOf(s, "2026-08-04"); d.Delivered != 1 || d.Charged != 1 || !d.Used.Equal(usd("0.0109")) {
		t.Errorf("08-04 %+v, want m1 (0.0109)", d)
	}
}

// Pricing on the sent status, then failed: never charged.
func TestFailedAfterPricedSent(t *testing.T) {
	x := newFixture()
	at := time.Date(2026, 8, 3, 10, 0, 0, 0, time.UTC)
	x.send(at, "m1", "905300000001", "marketing")
	x.status(at.Add(time.Second), "m1", "905300000001", cm.StatusSent, "regular", "marketing")
	f := cm.Event{Type: cm.MessageStatus, Time: at.Add(time.Minute), Message: "m1", Contact: "905300000001", Status: cm.StatusFailed, ErrorCode: "131049"}
	x.add(f)
	// a second message delivered and then reported failed: failed wins
	x.send(at, "m2", "905300000001", "marketing")
	x.status(at.Add(time.Second), "m2", "905300000001", cm.StatusDelivered, "regular", "marketing")
	f.Message, f.Time = "m2", at.Add(2*time.Minute)
	x.add(f)
	s := summarize(t, x.store(t), query(t, "UTC", "2026-08-03", "2026-08-03"))
	if len(s.Used) != 0 || s.Messages.Charged != 0 || s.Messages.Delivered != 0 {
		t.Errorf("used %s, messages %+v: a failed message was charged", s.Used, s.Messages)
	}
	if s.Messages.Failed != 2 || s.Messages.FailedWithPricing != 2 {
		t.Errorf("failed %d (with pricing %d), want 2 (2)", s.Messages.Failed, s.Messages.FailedWithPricing)
	}
}

// The same status delivered twice by webhook retries (under new event
// ids), and statuses out of order, count once.
func TestDuplicateStatusWebhooks(t *testing.T) {
	x := newFixture()
	at := time.Date(2026, 8, 3, 10, 0, 0, 0, time.UTC)
	c := "905300000001"
	x.send(at, "m1", c, "marketing")
	for i := 0; i < 3; i++ { // sent ×3, delivered ×3, read ×2
		x.status(at.Add(time.Second), "m1", c, cm.StatusSent, "regular", "marketing")
		x.status(at.Add(3*time.Second), "m1", c, cm.StatusDelivered, "regular", "marketing")
		if i < 2 {
			x.status(at.Add(time.Minute), "m1", c, cm.StatusRead, "", "")
		}
	}
	// a read that arrives (and is timed) before its delivered
	x.send(at, "m2", c, "utility")
	x.status(at.Add(10*time.Second), "m2", c, cm.StatusRead, "regular", "utility")
	x.status(at.Add(20*time.Second), "m2", c, cm.StatusDelivered, "", "")
	x.status(at.Add(20*time.Second), "m2", c, cm.StatusDelivered, "", "")
	s := summarize(t, x.store(t), query(t, "UTC", "2026-08-03", "2026-08-03"))
	// 0.0109 + 0.0053
	eqAmounts(t, "used", s.Used, usd("0.0162"))
	if s.Messages.Delivered != 2 || s.Messages.Charged != 2 {
		t.Errorf("messages %+v, want 2 delivered, 2 charged", s.Messages)
	}
	costs, err := credits.MessageCosts(context.Background(), x.store(t), query(t, "UTC", "2026-08-03", "2026-08-03"))
	if err != nil {
		t.Fatal(err)
	}
	if len(costs) != 2 || !costs["m1"].Amount.Equal(decimal.RequireFromString("0.0109")) || !costs["m2"].Amount.Equal(decimal.RequireFromString("0.0053")) {
		t.Errorf("message costs %v", costs)
	}
}

// MessageCosts prices the messages sent in the period, whenever they were
// charged; the credits used count charges by charge instant. The period is
// 2026-08-03 (UTC):
//
//	m1 sent 08-02 23:59:59, delivered 08-03 00:00:02, marketing 0.0109:
//	   used in the period, not among its message costs (sent before)
//	m2 sent 08-03 23:59:59, delivered 08-04 00:00:02, utility 0.0053:
//	   a message cost, not used in the period (charged after it)
//	m3 sent and delivered 08-03 12:00, marketing 0.0109: both
//	m4 no send; its sent status 08-03 23:59:58, delivered 08-20,
//	   marketing 0.0109: a message cost (its earliest event is in the period)
//
//	used 0.0109 + 0.0109 = 0.0218; costs m2 0.0053, m3 0.0109, m4 0.0109
func TestMessageCostsBySend(t *testing.T) {
	x := newFixture()
	c := "905300000001"
	d := func(day, h, m, sec int) time.Time { return time.Date(2026, 8, day, h, m, sec, 0, time.UTC) }
	msg := func(id string, sent, delivered time.Time, cat string) {
		x.send(sent, id, c, cat)
		x.status(delivered, id, c, cm.StatusDelivered, "regular", cat)
	}
	msg("m1", d(2, 23, 59, 59), d(3, 0, 0, 2), "marketing")
	msg("m2", d(3, 23, 59, 59), d(4, 0, 0, 2), "utility")
	msg("m3", d(3, 12, 0, 0), d(3, 12, 0, 3), "marketing")
	x.status(d(3, 23, 59, 58), "m4", c, cm.StatusSent, "regular", "marketing")
	x.status(d(20, 9, 0, 0), "m4", c, cm.StatusDelivered, "regular", "marketing")
	st := x.store(t)
	q := query(t, "UTC", "2026-08-03", "2026-08-03")
	eqAmounts(t, "used", summarize(t, st, q).Used, usd("0.0218"))
	costs, err := credits.MessageCosts(context.Background(), st, q)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"m2": "0.0053", "m3": "0.0109", "m4": "0.0109"}
	if len(costs) != len(want) {
		t.Errorf("message costs %v, want %v", costs, want)
	}
	for id, p := range want {
		if got := costs[id]; !got.Amount.Equal(decimal.RequireFromString(p)) || got.Currency != "USD" {
			t.Errorf("cost of %s = %s, want %s USD", id, got, p)
		}
	}
}

// India utility is tiered (1–2 at 0.0014, 3–4 at 0.0010, then 0.0008),
// counted per month in the account's calendar, Asia/Kolkata (UTC+5:30).
// October: six charges, two of them at the same instant across the first
// boundary (ranked by message id: wamid.2 is the 2nd, wamid.3 the 3rd),
// and a free utility message in between, which does not count. The
// seventh charge is at 2026-10-31 19:00 UTC = 2026-11-01 00:30 IST: the
// first of November, in the first tier again.
//
//	October: 2 × 0.0014 + 2 × 0.0010 + 2 × 0.0008 = 0.0064
//	November: 0.0014                               total 0.0078
func TestTierCrossingWithinMonth(t *testing.T) {
	kol := loc(t, "Asia/Kolkata")
	x := newFixture()
	c := "919800000001"
	charge := func(id string, at time.Time, ptype string) {
		x.send(at, id, c, "utility")
		st := cm.Event{Type: cm.MessageStatus, Time: at.Add(2 * time.Second), Message: id, Contact: c, Status: cm.StatusDelivered, Country: "IN",
			PricingModel: "PMP", PricingType: ptype, PricingCategory: "utility", Billable: cm.OptBoolOf(ptype == "regular")}
		x.add(st)
	}
	day := func(d, h int) time.Time { return time.Date(2026, 10, d, h, 0, 0, 0, kol) }
	charge("wamid.1", day(2, 10), "regular")
	charge("wamid.3", day(3, 10), "regular") // same instant as wamid.2, ranked after it
	charge("wamid.2", day(3, 10), "regular")
	charge("wamid.free", day(4, 10), "free_customer_service")
	charge("wamid.4", day(5, 10), "regular")
	charge("wamid.5", day(6, 10), "regular")
	charge("wamid.6", day(7, 10), "regular")
	charge("wamid.7", time.Date(2026, 10, 31, 19, 0, 0, 0, time.UTC).Add(-2*time.Second), "regular")
	q := query(t, "Asia/Kolkata", "2026-10-01", "2026-11-30")
	st := x.store(t)
	s := summarize(t, st, q)
	eqAmounts(t, "used", s.Used, usd("0.0078"))
	costs, err := credits.MessageCosts(context.Background(), st, q)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"wamid.1": "0.0014", "wamid.2": "0.0014", "wamid.3": "0.0010", "wamid.4": "0.0010",
		"wamid.5": "0.0008", "wamid.6": "0.0008", "wamid.7": "0.0014"}
	if len(costs) != len(want) {
		t.Errorf("%d message costs, want %d: %v", len(costs), len(want), costs)
	}
	for id, p := range want {
		if got := costs[id]; !got.Amount.Equal(decimal.RequireFromString(p)) || got.Currency != "USD" {
			t.Errorf("cost of %s = %s, want %s USD", id, got, p)
		}
	}
	// Reconciliation by month shows the bands as pricing_analytics does.
	q.Granularity = cm.Month
	rc, err := credits.Reconcile(context.Background(), st, q)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		month, tier, typ string
		volume           int
		cost             string
	}
	wantRows := []row{
		{"2026-10", "", "FREE_CUSTOMER_SERVICE", 1, "0"},
		{"2026-10", "0:2", "REGULAR", 2, "0.0028"},
		{"2026-10", "3:4", "REGULAR", 2, "0.0020"},
		{"2026-10", "5:MAX", "REGULAR", 2, "0.0016"},
		{"2026-11", "0:2", "REGULAR", 1, "0.0014"},
	}
	if len(rc.Rows) != len(wantRows) {
		t.Fatalf("reconciliation rows %+v", rc.Rows)
	}
	for i, w := range wantRows {
		g := rc.Rows[i]
		if g.Start.Format("2006-01") != w.month || g.Tier != w.tier || g.PricingType != w.typ || g.Volume != w.volume ||
			!g.Cost.Equal(decimal.RequireFromString(w.cost)) || g.Country != "IN" || g.PricingCategory != "UTILITY" || g.Phone != "phone-1" {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
	}
}

// The Turkish marketing price changes at midnight on 2026-10-01 in the
// account's zone. For an account in Berlin (CEST, UTC+2), a delivery at
// 21:59:59 UTC on 09-30 is 23:59:59 local (old price 0.0109) and one at
// 22:00:00 UTC is 00:00 local on 10-01 (new price 0.0200): 0.0309. For an
// account in UTC both are on 09-30 at the old price: 0.0218.
func TestRateChangeAtLocalMidnight(t *testing.T) {
	x := newFixture()
	c := "905300000001"
	for i, at := range []time.Time{time.Date(2026, 9, 30, 21, 59, 59, 0, time.UTC), time.Date(2026, 9, 30, 22, 0, 0, 0, time.UTC)} {
		id := []string{"before", "after"}[i]
		x.send(at.Add(-time.Minute), id, c, "marketing")
		x.status(at, id, c, cm.StatusDelivered, "regular", "marketing")
	}
	st := x.store(t)
	berlin := summarize(t, st, query(t, "Europe/Berlin", "2026-09-30", "2026-10-01"))
	eqAmounts(t, "Berlin used", berlin.Used, usd("0.0309"))
	eqAmounts(t, "Berlin 09-30", dayOf(berlin, "2026-09-30").Used, usd("0.0109"))
	eqAmounts(t, "Berlin 10-01", dayOf(berlin, "2026-10-01").Used, usd("0.0200"))
	utc := summarize(t, st, query(t, "UTC", "2026-09-30", "2026-10-01"))
	eqAmounts(t, "UTC used", utc.Used, usd("0.0218"))
	eqAmounts(t, "UTC 09-30", dayOf(utc, "2026-09-30").Used, usd("0.0218"))
}

// Conversation-based pricing before 2025-07-01 (Istanbul):
//
//   - conversation conv-A (utility): three billable messages → one charge, 0.0100;
//   - conversation conv-B (marketing): one message → 0.0400;
//   - a service conversation that WhatsApp reports free → 0;
//   - a billable utility message with no conversation id → its own, 0.0100;
//   - conv-T (utility) opened on 2025-06-30 23:00 local (0.0100), with a
//     message after the switch to per-message pricing still reporting CBP
//     and conv-T, not billable (WHATSAPP.md §3.4) → nothing more;
//   - without pricing (the CBP rules), utility templates at 10:00 and 12:00
//     on 04-10 share one simulated conversation (0.0100) and one 25 hours
//     after the first opens another (0.0100), estimated.
//
// Total: 0.0100 + 0.0400 + 0.0100 + 0.0100 + 0.0200 = 0.0900 in 6 charges.
func TestConversationBasedPricing(t *testing.T) {
	ist := loc(t, "Europe/Istanbul")
	x := newFixture()
	c := "905300000001"
	cbp := func(at time.Time, id, cat, conv string, billable bool) {
		tcat := cat
		if cat == "service" {
			tcat = "" // a non-template message
		}
		x.send(at, id, c, tcat)
		x.add(cm.Event{Type: cm.MessageStatus, Time: at.Add(2 * time.Second), Message: id, Contact: c, Status: cm.StatusDelivered, Country: "TR",
			PricingModel: "CBP", PricingCategory: cat, Billable: cm.OptBoolOf(billable), BillingConversation: conv})
	}
	d := func(m, day, h int) time.Time { return time.Date(2025, time.Month(m), day, h, 0, 0, 0, ist) }
	cbp(d(3, 3, 10), "a1", "utility", "conv-A", true)
	cbp(d(3, 3, 11), "a2", "utility", "conv-A", true)
	cbp(d(3, 3, 15), "a3", "utility", "conv-A", true)
	cbp(d(3, 4, 10), "b1", "marketing", "conv-B", true)
	cbp(d(3, 5, 10), "s1", "service", "conv-S", false)
	cbp(d(3, 6, 10), "n1", "utility", "", true)
	cbp(d(6, 30, 23), "t1", "utility", "conv-T", true)
	cbp(d(7, 1, 1), "t2", "utility", "conv-T", false)
	for _, m := range []struct {
		id string
		at time.Time
	}{{"r1", d(4, 10, 10)}, {"r2", d(4, 10, 12)}, {"r3", d(4, 11, 11)}} {
		x.send(m.at, m.id, c, "utility")
		x.status(m.at.Add(time.Second), m.id, c, cm.StatusDelivered, "", "")
	}
	q := query(t, "Europe/Istanbul", "2025-03-01", "2025-07-31")
	q.AllowLongRange = true // 153 days
	s := summarize(t, x.store(t), q)
	eqAmounts(t, "used", s.Used, usd("0.0900"))
	eqAmounts(t, "estimated", s.Estimated, usd("0.0200"))
	m := s.Messages
	// 11 delivered: 6 charges, 3 inside a charged conversation (a2, a3, r2),
	// 2 free (s1, t2); Free counts both, 3 + 2 = 5 (= 11 − 6)
	if m.Delivered != 11 || m.Charged != 6 || m.InConversation != 3 || m.Free != 5 {
		t.Errorf("messages %+v, want 11 delivered, 6 charged, 3 in a conversation, 5 free", m)
	}
	// utility charges: a1 (conv-A), n1, t1 (conv-T), r1, r3 = 5 × 0.0100
	if u := category(s, credits.Utility); u.Charged != 5 || !u.Cost.Equal(usd("0.0500")) {
		t.Errorf("utility %+v, want 5 charges, 0.0500", u)
	}
}

// Markets priced in different currencies give usage in both; top-ups in
// one currency never pay for the other.
//
//	a marketing template to India: INR 0.8631; one to Turkey: USD 0.0109
//	top-up 10 USD → balance USD 9.9891, INR −0.8631 (depleted)
func TestTwoCurrenciesNeverSummed(t *testing.T) {
	x := newFixture()
	at := time.Date(2026, 8, 3, 10, 0, 0, 0, time.UTC)
	x.topup(at.Add(-time.Hour), "10", "USD")
	x.send(at, "in1", "919800000001", "marketing")
	x.add(cm.Event{Type: cm.MessageStatus, Time: at.Add(time.Second), Message: "in1", Contact: "919800000001", Status: cm.StatusDelivered, Country: "IN",
		PricingModel: "PMP", PricingType: "regular", PricingCategory: "marketing", Billable: cm.True})
	x.send(at, "tr1", "905300000001", "marketing")
	x.status(at.Add(time.Second), "tr1", "905300000001", cm.StatusDelivered, "regular", "marketing")
	q := query(t, "UTC", "2026-08-03", "2026-08-03")
	s := summarize(t, x.store(t), q)
	eqAmounts(t, "used", s.Used, amounts("USD", "0.0109", "INR", "0.8631"))
	eqAmounts(t, "balance", s.Balance, amounts("USD", "9.9891", "INR", "-0.8631"))
	eqAmounts(t, "marketing", category(s, credits.Marketing).Cost, amounts("USD", "0.0109", "INR", "0.8631"))
	if len(s.Forecast) != 2 || s.Forecast[0].Currency != "INR" || s.Forecast[0].Status != "depleted" || s.Forecast[1].Currency != "USD" {
		t.Errorf("forecast %+v", s.Forecast)
	}
	if len(s.PerMessage.Per) != 2 || !s.PerMessage.Per["INR"].Equal(decimal.RequireFromString("0.43155")) {
		// INR 0.8631 ÷ 2 delivered messages = 0.43155 (each currency on its own)
		t.Errorf("per message %+v", s.PerMessage)
	}
}

// The ledger: top-ups and charges give the balance at any instant, the
// history's closing balances and the forecast.
//
//	2026-08-01 09:00 top-up 1 USD
//	2026-08-01 … 08-10: one marketing template to Turkey per day at 12:00 (0.0109 each)
//	2026-08-05 09:00 top-up 0.5 USD
//	balance before the 08-05 top-up: 1 − 4 × 0.0109 = 0.9564
//	period 08-06 … 08-10: opening 1.5 − 5 × 0.0109 = 1.4455; used 5 × 0.0109 = 0.0545; closing 1.3910
//	forecast at 08-11 00:00: burned in the 7 days before = 7 × 0.0109 = 0.0763, 0.0109 a day;
//	days left = 1.3910 × 7 ÷ 0.0763 = 127.61…, runs out 2026-12-16 (08-11 + 127.6 days)
func TestLedger(t *testing.T) {
	x := newFixture()
	x.topup(time.Date(2026, 8, 1, 9, 0, 0, 0, time.UTC), "1", "USD")
	x.topup(time.Date(2026, 8, 5, 9, 0, 0, 0, time.UTC), "0.5", "USD")
	x.topup(time.Date(2026, 8, 2, 9, 0, 0, 0, time.UTC), "5", "EUR") // never used: a steady balance
	for d := 1; d <= 10; d++ {
		at := time.Date(2026, 8, d, 12, 0, 0, 0, time.UTC)
		id := "m" + string(rune('a'+d))
		x.send(at, id, "905300000001", "marketing")
		x.status(at.Add(time.Second), id, "905300000001", cm.StatusDelivered, "regular", "marketing")
	}
	st := x.store(t)
	q := query(t, "UTC", "2026-08-06", "2026-08-10")
	bal, err := credits.BalanceAt(context.Background(), st, q, time.Date(2026, 8, 5, 8, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	eqAmounts(t, "balance at 08-05 08:00", bal, amounts("USD", "0.9564", "EUR", "5"))
	s := summarize(t, st, q)
	eqAmounts(t, "opening", s.Opening, amounts("USD", "1.4455", "EUR", "5"))
	eqAmounts(t, "used", s.Used, usd("0.0545"))
	eqAmounts(t, "balance", s.Balance, amounts("USD", "1.3910", "EUR", "5"))
	eqAmounts(t, "top-ups", s.TopUps, cm.Amounts{})
	eqAmounts(t, "08-07 closing", dayOf(s, "2026-08-07").Balance, amounts("USD", "1.4237", "EUR", "5")) // 1.4455 − 2 × 0.0109
	if len(s.Forecast) != 2 {
		t.Fatalf("forecast %+v", s.Forecast)
	}
	if f := s.Forecast[0]; f.Currency != "EUR" || f.Status != "steady" || f.DaysLeft != nil || f.Depletes != "" || !f.Balance.Equal(decimal.NewFromInt(5)) {
		t.Errorf("EUR forecast %+v", f)
	}
	f := s.Forecast[1]
	if !f.Burned.Equal(decimal.RequireFromString("0.0763")) || !f.PerDay.Equal(decimal.RequireFromString("0.0109")) ||
		f.DaysLeft == nil || !f.DaysLeft.Equal(decimal.RequireFromString("127.61")) || f.Depletes != "2026-12-16" || f.Status != "depleting" {
		t.Errorf("forecast %+v (days left %v)", f, f.DaysLeft)
	}
	// A forecast made at 08-08 00:00, inside the period: the balance then is
	// 1.4455 − 2 × 0.0109 = 1.4237; the 7 days up to it hold the charges of
	// 08-01 … 08-07, 0.0763; 1.4237 × 7 ÷ 0.0763 = 130.61 days.
	q.Now = time.Date(2026, 8, 8, 0, 0, 0, 0, time.UTC)
	s = summarize(t, st, q)
	if f := s.Forecast[1]; !f.Balance.Equal(decimal.RequireFromString("1.4237")) || !f.Burned.Equal(decimal.RequireFromString("0.0763")) ||
		f.DaysLeft == nil || !f.DaysLeft.Equal(decimal.RequireFromString("130.61")) {
		t.Errorf("forecast at 08-08 %+v (days left %v)", f, f.DaysLeft)
	}
}

// Days left divide the balance by the unrounded usage, and the depletion
// date may lie centuries ahead. A top-up of 1000.0109 USD and one
// marketing charge of 0.0109 on 08-05; the forecast at Range.To, 08-10
// 00:00 UTC:
//
//	balance 1000.0109 − 0.0109 = 1000; burned in the 7 days 0.0109
//	per day 0.0109 ÷ 7 = 0.00155714… → 0.001557
//	days left 1000 × 7 ÷ 0.0109 = 642201.8348… → 642201.83
//	  (not 1000 ÷ 0.001557 = 642260.76)
//	depletes 08-10 00:00 + 642201.8348… days = 3784-11-22 20:02 UTC,
//	  1758 years on: more than a time.Duration holds
//
// With a top-up of 10^10 + 0.0109 the balance lasts 10^10 × 7 ÷ 0.0109 =
// 6.4 × 10^12 days, past 9999: no date.
func TestForecastDaysLeft(t *testing.T) {
	for _, c := range []struct {
		topup, balance, left, depletes string
	}{
		{"1000.0109", "1000", "642201.83", "3784-11-22"},
		{"10000000000.0109", "10000000000", "6422018348623.85", ""},
	} {
		x := newFixture()
		x.topup(time.Date(2026, 8, 1, 9, 0, 0, 0, time.UTC), c.topup, "USD")
		at := time.Date(2026, 8, 5, 12, 0, 0, 0, time.UTC)
		x.send(at, "m1", "905300000001", "marketing")
		x.status(at.Add(time.Second), "m1", "905300000001", cm.StatusDelivered, "regular", "marketing")
		s := summarize(t, x.store(t), query(t, "UTC", "2026-08-01", "2026-08-09"))
		if len(s.Forecast) != 1 {
			t.Fatalf("forecast %+v", s.Forecast)
		}
		f := s.Forecast[0]
		if !f.Balance.Equal(decimal.RequireFromString(c.balance)) || !f.Burned.Equal(decimal.RequireFromString("0.0109")) ||
			!f.PerDay.Equal(decimal.RequireFromString("0.001557")) || f.DaysLeft == nil || !f.DaysLeft.Equal(decimal.RequireFromString(c.left)) ||
			f.Depletes != c.depletes || f.Status != "depleting" {
			t.Errorf("top-up %s: forecast %+v (days left %v), want balance %s, %s days left, depletes %q", c.topup, f, f.DaysLeft, c.balance, c.left, c.depletes)
		}
	}
}

// Per-unit costs are rounded half away from zero to six decimals: one
// marketing charge (0.0109) and seven free service replies, 8 delivered:
// 0.0109 ÷ 8 = 0.0013625 → 0.001363 (half to even would give 0.001362).
func TestUnitCostRounding(t *testing.T) {
	x := newFixture()
	at := time.Date(2026, 8, 5, 12, 0, 0, 0, time.UTC)
	c := "905300000001"
	x.send(at, "m0", c, "marketing")
	x.status(at.Add(time.Second), "m0", c, cm.StatusDelivered, "regular", "marketing")
	for i := 1; i <= 7; i++ {
		id := fmt.Sprintf("m%d", i)
		x.send(at.Add(time.Duration(i)*time.Minute), id, c, "")
		x.status(at.Add(time.Duration(i)*time.Minute+time.Second), id, c, cm.StatusDelivered, "free_customer_service", "service")
	}
	s := summarize(t, x.store(t), query(t, "UTC", "2026-08-05", "2026-08-05"))
	if u := s.PerMessage; u.Units != 8 || !u.Cost.Equal(usd("0.0109")) || !u.Per.Equal(usd("0.001363")) {
		t.Errorf("per message %+v, want 0.0109 ÷ 8 = 0.001363", u)
	}
}

// Cost per delivered message, charge, conversation, campaign and
// conversion. Conversions are the payments matched to a payment link
// (attribution.MatchPayments), each payment id once; a campaign's are those
// whose contact (the payment's, else the link's) had a campaign message
// delivered at most 7 days before.
//
//	contact A: conversation v1: marketing template of campaign "spring" (0.0109),
//	           delivered day 1 10:00; a free service reply in v1.
//	           p1 on day 3 through link L1 sent to A, 2 days after: a
//	           conversion of "spring", delivered twice by the provider (one).
//	           p5 on day 2 without a contact, by reference ORD-5 of link L5
//	           sent to A: A's, 1 day after: a conversion of "spring".
//	           p3 on day 4 with A's contact but no link or reference:
//	           unmatched, not a conversion.
//	contact B: a utility template of campaign "notice" outside any window (0.0053),
//	           no conversation, delivered day 2; p2 on day 11 without a
//	           contact through link L2 sent to B: B's, 9 days later: a
//	           conversion, of no campaign.
//	p4 on day 4: no contact, no link: not a conversion.
//	(Counting every payment.succeeded event with a contact would give 3:
//	p1 twice and p3.)
//	used 0.0162; per delivered message 0.0162 ÷ 3 = 0.0054; per charge ÷ 2 = 0.0081;
//	per conversation: v1 costs 0.0109, 1 conversation;
//	per conversion 0.0162 ÷ 3 (p1, p5, p2) = 0.0054; spring 0.0109 ÷ 2 = 0.00545
func TestUnitCosts(t *testing.T) {
	x := newFixture()
	d := func(day, h int) time.Time { return time.Date(2026, 8, day, h, 0, 0, 0, time.UTC) }
	a, b := "905300000001", "905300000002"
	try := decimal.RequireFromString
	link := func(at time.Time, id, ref, contact string) {
		x.add(cm.Event{Type: cm.PaymentLink, Time: at, Link: id, Reference: ref, Contact: contact, Amount: try("20"), Currency: "TRY"})
	}
	pay := func(ev string, at time.Time, id, link, ref, contact string) {
		x.add(cm.Event{ID: ev, Type: cm.PaymentSucceeded, Time: at, Payment: id, Link: link, Reference: ref, Contact: contact, Amount: try("20"), Currency: "TRY"})
	}
	x.add(cm.Event{Type: cm.MessageSent, Time: d(1, 10), Message: "a1", Contact: a, Sender: cm.SenderCampaign, Template: "promo", TemplateCategory: "marketing", Campaign: "spring", Conversation: "v1"})
	x.status(d(1, 10).Add(time.Second), "a1", a, cm.StatusDelivered, "regular", "marketing")
	x.inbound(d(1, 11), a, "")
	x.add(cm.Event{Type: cm.MessageSent, Time: d(1, 12), Message: "a2", Contact: a, Sender: cm.SenderBot, Conversation: "v1"})
	x.status(d(1, 12).Add(time.Second), "a2", a, cm.StatusDelivered, "free_customer_service", "service")
	link(d(3, 8), "L1", "", a)
	pay("p1-first", d(3, 9), "p1", "L1", "", a)
	pay("p1-again", d(3, 9).Add(5*time.Minute), "p1", "L1", "", a)
	link(d(2, 12), "L5", "ORD-5", a)
	pay("p5", d(2, 13), "p5", "", "ORD-5", "")
	pay("p3", d(4, 9), "p3", "", "", a)
	x.add(cm.Event{Type: cm.MessageSent, Time: d(2, 10), Message: "b1", Contact: b, Sender: cm.SenderCampaign, Template: "n", TemplateCategory: "utility", Campaign: "notice"})
	x.status(d(2, 10).Add(time.Second), "b1", b, cm.StatusDelivered, "regular", "utility")
	link(d(11, 10), "L2", "", b)
	pay("p2", d(11, 11), "p2", "L2", "", "")
	pay("p4", d(4, 9), "p4", "", "", "")
	st := x.store(t)
	q := query(t, "UTC", "2026-08-01", "2026-08-31")
	s := summarize(t, st, q)
	eqAmounts(t, "used", s.Used, usd("0.0162"))
	check := func(name string, u credits.UnitCost, units int, cost, per string) {
		t.Helper()
		if u.Units != units || !u.Cost.Equal(usd(cost)) || !u.Per.Equal(usd(per)) {
			t.Errorf("%s %+v, want %s ÷ %d = %s", name, u, cost, units, per)
		}
	}
	check("per message", s.PerMessage, 3, "0.0162", "0.0054")
	check("per charge", s.PerCharged, 2, "0.0162", "0.0081")
	check("per conversation", s.PerConversation, 1, "0.0109", "0.0109")
	check("per conversion", s.PerConversion, 3, "0.0162", "0.0054")
	if s.Messages.Conversions != 3 {
		t.Errorf("conversions %d, want 3", s.Messages.Conversions)
	}
	want := []struct {
		key              string
		delivered, conv  int
		cost, perConvers string
	}{{"", 1, 0, "0", ""}, {"notice", 1, 0, "0.0053", ""}, {"spring", 1, 2, "0.0109", "0.00545"}}
	if len(s.ByCampaign) != len(want) {
		t.Fatalf("by campaign %+v", s.ByCampaign)
	}
	for i, w := range want {
		g := s.ByCampaign[i]
		if g.Key != w.key || g.Delivered != w.delivered || g.Conversions != w.conv || !g.Cost.Equal(usd(w.cost)) {
			t.Errorf("campaign %d = %+v, want %+v", i, g, w)
		}
		if w.perConvers != "" && !g.PerConversion.Per.Equal(usd(w.perConvers)) {
			t.Errorf("campaign %s per conversion %+v", g.Key, g.PerConversion)
		}
	}
	// The same payments as attribution matches them: p1, p5 and p2.
	m, err := attribution.MatchPayments(context.Background(), st, attribution.MatchQuery{Tenant: "t1", Range: q.Range})
	if err != nil {
		t.Fatal(err)
	}
	if m.Totals.Matched != 3 || m.Totals.DuplicatePayments != 1 {
		t.Errorf("attribution matched %d payments (%d duplicates), want 3 (1)", m.Totals.Matched, m.Totals.DuplicatePayments)
	}
	// The accumulator, fed one contact at a time (the payments without a
	// contact on their own), in two partitions merged, agrees.
	var logs []cm.ContactLog
	for l, err := range st.ScanContacts(context.Background(), cm.Query{Tenant: "t1"}) {
		if err != nil {
			t.Fatal(err)
		}
		l.Events = append([]cm.Event(nil), l.Events...) // the store reuses the slice
		logs = append(logs, l)
	}
	acc := func(p cm.Partition) *credits.Accumulator {
		pq := q
		pq.Partition = p
		ac, err := credits.NewAccumulator(pq)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range logs {
			ac.Add(l)
		}
		return ac
	}
	whole, p0, p1 := acc(cm.Partition{}), acc(cm.Partition{Index: 0, Count: 2}), acc(cm.Partition{Index: 1, Count: 2})
	if err := p1.Merge(p0); err != nil {
		t.Fatal(err)
	}
	for name, ac := range map[string]*credits.Accumulator{"accumulator": whole, "merged partitions": p1} {
		sm := ac.Summary()
		if sm.Messages.Conversions != 3 || !sm.PerConversion.Per.Equal(usd("0.0054")) || sm.ByCampaign[2].Conversions != 2 {
			t.Errorf("%s: %d conversions, per conversion %s, spring %d", name, sm.Messages.Conversions, sm.PerConversion.Per, sm.ByCampaign[2].Conversions)
		}
	}
}

// Markets: the reported country first, then the contact's calling code,
// then the default market (estimated when neither is known).
//
//	s1: status country AE, contact a Turkish number → uae
//	s2: no country, contact +1 555… → north_america (no price) → unpriced
//	s3: no country, contact "user-7" → other (default), 0.0604, estimated
//	s4: country FR (not in the map), contact "user-8" → other, 0.0604, not estimated
func TestMarkets(t *testing.T) {
	x := newFixture()
	at := time.Date(2026, 8, 3, 10, 0, 0, 0, time.UTC)
	msg := func(id, contact, country, cat string) {
		x.send(at, id, contact, cat)
		x.add(cm.Event{Type: cm.MessageStatus, Time: at.Add(time.Second), Message: id, Contact: contact, Status: cm.StatusDelivered, Country: country,
			PricingModel: "PMP", PricingType: "regular", PricingCategory: cat, Billable: cm.True})
	}
	msg("s1", "905300000001", "AE", "authentication")
	msg("s2", "+15550100", "", "marketing")
	msg("s3", "user-7", "", "marketing")
	msg("s4", "user-8", "FR", "marketing")
	st := x.store(t)
	q := query(t, "UTC", "2026-08-03", "2026-08-03")
	s := summarize(t, st, q)
	// 0.0157 + 0.0604 + 0.0604
	eqAmounts(t, "used", s.Used, usd("0.1365"))
	eqAmounts(t, "estimated", s.Estimated, usd("0.0604"))
	if s.Messages.Unpriced != 1 || s.Messages.Charged != 4 || s.Messages.Estimated != 1 {
		t.Errorf("messages %+v, want 4 charged, 1 unpriced, 1 estimated", s.Messages)
	}
	q.By = credits.ByMarket
	u, err := credits.UsageBy(context.Background(), st, q)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]credits.UsageLine{}
	for _, l := range u.Lines {
		got[l.Key] = l
	}
	if len(got) != 3 || got["north_america"].Unpriced != 1 {
		t.Errorf("markets %+v", u.Lines)
	}
	eqAmounts(t, "uae", got["uae"].Cost, usd("0.0157"))
	eqAmounts(t, "north_america", got["north_america"].Cost, cm.Amounts{})
	eqAmounts(t, "other", got["other"].Cost, usd("0.1208"))
}

// The free-entry-point window by the rules: an inbound message from an ad
// at 10:00; the business replies at 10:05 (free, and the window opens
// until 10:05 three days later); a marketing template two days later
// (free, inside the window); one after it closes (charged 0.0109).
// With HomeCountry TR, an authentication template to a UAE recipient is
// priced as authentication_international (0.0520).
func TestEntryPointWindowAndAuthInternational(t *testing.T) {
	x := newFixture()
	c := "971500000001"
	at := time.Date(2026, 8, 3, 10, 0, 0, 0, time.UTC)
	x.inbound(at, c, "ad-1")
	deliver := func(id string, t0 time.Time, tcat, country string) {
		x.send(t0, id, c, tcat)
		x.add(cm.Event{Type: cm.MessageStatus, Time: t0.Add(time.Second), Message: id, Contact: c, Status: cm.StatusDelivered, Country: country})
	}
	deliver("reply", at.Add(5*time.Minute), "", "TR")
	deliver("promo1", at.Add(48*time.Hour), "marketing", "TR")
	deliver("promo2", at.Add(73*time.Hour), "marketing", "TR")
	deliver("otp", at.Add(100*time.Hour), "authentication", "AE")
	q := query(t, "UTC", "2026-08-01", "2026-08-31")
	q.HomeCountry = "TR"
	s := summarize(t, x.store(t), q)
	eqAmounts(t, "used", s.Used, usd("0.0629"))
	if s.Messages.FreeEntryPoint != 2 || s.Messages.Charged != 2 || s.Messages.Estimated != 4 {
		t.Errorf("messages %+v, want 2 free (entry point), 2 charged, 4 estimated", s.Messages)
	}
	if u := category(s, credits.AuthenticationInternational); u.Charged != 1 || !u.Cost.Equal(usd("0.0520")) {
		t.Errorf("authentication_international %+v", u)
	}
	// Without HomeCountry the authentication template is plain authentication.
	q.HomeCountry = ""
	s = summarize(t, x.store(t), q)
	eqAmounts(t, "used without home country", s.Used, usd("0.0266")) // 0.0109 + 0.0157
}

// A delivered message with neither pricing nor a send cannot be priced;
// test traffic is left out unless asked for.
func TestUnknownAndTestTraffic(t *testing.T) {
	x := newFixture()
	at := time.Date(2026, 8, 3, 10, 0, 0, 0, time.UTC)
	x.status(at, "ghost", "905300000001", cm.StatusDelivered, "", "")
	x.add(cm.Event{Type: cm.MessageSent, Time: at, Message: "t1", Contact: "905300000009", Sender: cm.SenderCampaign, Template: "x", TemplateCategory: "marketing", Channel: cm.ChannelTest})
	x.add(cm.Event{Type: cm.MessageStatus, Time: at.Add(time.Second), Message: "t1", Contact: "905300000009", Status: cm.StatusDelivered, Channel: cm.ChannelTest,
		Country: "TR", PricingModel: "PMP", PricingType: "regular", PricingCategory: "marketing", Billable: cm.True})
	st := x.store(t)
	q := query(t, "UTC", "2026-08-03", "2026-08-03")
	s := summarize(t, st, q)
	if s.Messages.Delivered != 1 || s.Messages.Unknown != 1 || s.Messages.Charged != 0 || len(s.Used) != 0 {
		t.Errorf("messages %+v used %s, want the ghost as unknown and the test message left out", s.Messages, s.Used)
	}
	q.IncludeTest = true
	s = summarize(t, st, q)
	eqAmounts(t, "used with test traffic", s.Used, usd("0.0109"))
}

func TestQueryValidation(t *testing.T) {
	good := query(t, "UTC", "2026-08-03", "2026-08-03")
	cases := []struct {
		name  string
		edit  func(*credits.Query)
		field string
		want  error
	}{
		{"no tenant", func(q *credits.Query) { q.Tenant = "" }, "tenant", cm.ErrNoTenant},
		{"empty range", func(q *credits.Query) { q.Range.To = q.Range.From }, "range", cm.ErrEmptyRange},
		{"open range", func(q *credits.Query) { q.Range.From = time.Time{} }, "range", cm.ErrEmptyRange},
		// 2026-08-03 … 2026-11-01: 91 calendar days
		{"long range", func(q *credits.Query) { q.Range.To = q.Range.From.AddDate(0, 0, 91) }, "credits: query: range", cm.ErrRangeTooLong},
		{"bad partition", func(q *credits.Query) { q.Partition = cm.Partition{Index: 2, Count: 2} }, "credits: query: partition", cm.ErrInvalidValue},
		{"no card", func(q *credits.Query) { q.Card = nil }, "card", cm.ErrRequired},
		{"bad granularity", func(q *credits.Query) { q.Granularity = "fortnight" }, "granularity", cm.ErrUnknownValue},
		{"bad dimension", func(q *credits.Query) { q.By = "agent" }, "by", cm.ErrUnknownValue},
		{"bad home country", func(q *credits.Query) { q.HomeCountry = "tr" }, "home_country", cm.ErrInvalidValue},
		{"negative burn days", func(q *credits.Query) { q.BurnDays = -1 }, "burn_days", cm.ErrInvalidValue},
		{"bad card", func(q *credits.Query) { c := testCard(); c.Rates[0].Currency = "usd"; q.Card = c }, "rates[0].currency", cm.ErrInvalidValue},
	}
	st := newFixture().store(t)
	for _, c := range cases {
		q := good
		c.edit(&q)
		_, err := credits.Summarize(context.Background(), st, q)
		if !errors.Is(err, c.want) || !contains(err.Error(), c.field) {
			t.Errorf("%s: %v, want %v naming %s", c.name, err, c.want, c.field)
		}
	}
	q := good
	q.Granularity = cm.Week
	if _, err := credits.Reconcile(context.Background(), st, q); !errors.Is(err, cm.ErrInvalidValue) {
		t.Errorf("reconcile by week: %v", err)
	}
	// A long range when asked for; the limit counts the calendar's days:
	// 90 days of Istanbul (UTC+3) touch 91 days of UTC.
	q = good
	q.Range.To = q.Range.From.AddDate(0, 0, 91)
	q.AllowLongRange = true
	if err := q.Validate(); err != nil {
		t.Errorf("a long range allowed: %v", err)
	}
	q = query(t, "Europe/Istanbul", "2026-08-01", "2026-10-29") // 90 local days
	if err := q.Validate(); err != nil {
		t.Errorf("90 days of Istanbul: %v", err)
	}
	q.Calendar = cm.NewCalendar(time.UTC)
	if err := q.Validate(); !errors.Is(err, cm.ErrRangeTooLong) {
		t.Errorf("the same instants counted in UTC: %v", err)
	}
	// Validate fills in no default.
	q = good
	if err := q.Validate(); err != nil || q.Granularity != "" || q.BurnDays != 0 || !q.Now.IsZero() {
		t.Errorf("Validate changed the query: %+v (%v)", q, err)
	}
}

// The query's JSON form keeps its calendar.
func TestQueryJSON(t *testing.T) {
	q := query(t, "Asia/Kolkata", "2026-08-03", "2026-08-03")
	q.Calendar = q.Calendar.WithWeekStart(time.Sunday)
	b, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	if !contains(string(b), `"calendar":{"time_zone":"Asia/Kolkata","week_start":"sunday"}`) {
		t.Errorf("JSON %s", b)
	}
	var back credits.Query
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Calendar.Location().String() != "Asia/Kolkata" || back.Calendar.WeekStart() != time.Sunday || back.Card == nil || back.Card.Name != "test" {
		t.Errorf("read back: %s, %s, card %+v", back.Calendar.Location(), back.Calendar.WeekStart(), back.Card)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// failingReader yields its events, then an error.
type failingReader struct {
	evs []cm.Event
	err error
}

func (f failingReader) Scan(ctx context.Context, q cm.Query) iter.Seq2[cm.Event, error] {
	return func(yield func(cm.Event, error) bool) {
		for _, e := range f.evs {
			if q.Wants(&e) && !yield(e, nil) {
				return
			}
		}
		yield(cm.Event{}, f.err)
	}
}

// A store error stops the computation and comes back wrapped; so does a
// cancelled context. Any Reader works (here one that is not a frame
// source), and gives memstore's answer.
func TestReaderErrorsAndContext(t *testing.T) {
	x := fourSends(t, true)
	q := query(t, "Europe/Istanbul", "2026-07-06", "2026-07-07")
	broken := errors.New("disk on fire")
	if _, err := credits.Summarize(context.Background(), failingReader{x.evs, broken}, q); !errors.Is(err, broken) {
		t.Errorf("store error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := credits.UsageBy(ctx, x.store(t), q); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	plain := plainReader{x.store(t)}
	s := summarize(t, plain, q)
	eqAmounts(t, "used through a plain Reader", s.Used, usd("0.0162"))
}

// plainReader hides every optional interface of its store.
type plainReader struct{ r cm.Reader }

func (p plainReader) Scan(ctx context.Context, q cm.Query) iter.Seq2[cm.Event, error] {
	return p.r.Scan(ctx, q)
}

// A free-entry-point message is free and filed under referral_conversion
// whatever category its statuses report (some BSPs report service or the
// template's category).
func TestEntryPointFiledByType(t *testing.T) {
	x := newFixture()
	at := time.Date(2026, 8, 3, 10, 0, 0, 0, time.UTC)
	for i, cat := range []string{"referral_conversion", "service", "marketing"} {
		id := []string{"f1", "f2", "f3"}[i]
		x.send(at, id, "905300000001", "marketing")
		x.status(at.Add(time.Second), id, "905300000001", cm.StatusDelivered, "free_entry_point", cat)
	}
	s := summarize(t, x.store(t), query(t, "UTC", "2026-08-03", "2026-08-03"))
	if u := category(s, credits.ReferralConversion); u.Delivered != 3 || u.Charged != 0 || len(s.ByCategory) != 1 || s.Messages.FreeEntryPoint != 3 {
		t.Errorf("by category %+v, messages %+v: want 3 free under referral_conversion", s.ByCategory, s.Messages)
	}
}

// Which pricing is used, and how it is read:
//
//	p1: sent says regular/marketing, delivered says free_entry_point → the
//	    delivery status wins: free
//	p2: sent says free_customer_service, read (no delivered) says regular/utility → charged 0.0053
//	p3: an unknown type with billable true, category "MARKETING" → charged 0.0109
//	p4: type regular without a category, a utility template → utility 0.0053, estimated
//	p5: category "general_purpose_ai" → other, which the card does not price for Turkey: unpriced
//	p6: category "user_initiated" (pre-2023) billable → service, 0.0000 until 2026-10-01
//	p7: only a sent status → undelivered
//	p8: type regular with category referral_conversion (contradictory) → charged as other: unpriced
func TestPricingChoice(t *testing.T) {
	x := newFixture()
	c := "905300000001"
	at := time.Date(2026, 8, 3, 10, 0, 0, 0, time.UTC)
	pr := func(id string, dt time.Duration, st cm.Status, ptype, pcat string, bill cm.OptBool) {
		x.add(cm.Event{Type: cm.MessageStatus, Time: at.Add(dt), Message: id, Contact: c, Status: st, Country: "TR",
			PricingModel: "PMP", PricingType: ptype, PricingCategory: pcat, Billable: bill})
	}
	for _, id := range []string{"p1", "p2", "p3", "p5", "p6", "p7", "p8"} {
		x.send(at, id, c, "marketing")
	}
	x.send(at, "p4", c, "utility")
	pr("p1", time.Second, cm.StatusSent, "regular", "marketing", cm.True)
	pr("p1", 2*time.Second, cm.StatusDelivered, "free_entry_point", "referral_conversion", cm.False)
	pr("p2", time.Second, cm.StatusSent, "free_customer_service", "utility", cm.False)
	pr("p2", 2*time.Second, cm.StatusRead, "regular", "utility", cm.True)
	pr("p3", time.Second, cm.StatusDelivered, "regular_v2", "MARKETING", cm.True)
	pr("p4", time.Second, cm.StatusDelivered, "regular", "", cm.True)
	pr("p5", time.Second, cm.StatusDelivered, "regular", "general_purpose_ai", cm.True)
	pr("p6", time.Second, cm.StatusDelivered, "", "user_initiated", cm.True)
	pr("p7", time.Second, cm.StatusSent, "regular", "marketing", cm.True)
	pr("p8", time.Second, cm.StatusDelivered, "regular", "referral_conversion", cm.True)
	s := summarize(t, x.store(t), query(t, "UTC", "2026-08-03", "2026-08-03"))
	// 0.0053 + 0.0109 + 0.0053 + 0 (service at 0 before 2026-10-01)
	eqAmounts(t, "used", s.Used, usd("0.0215"))
	eqAmounts(t, "estimated", s.Estimated, usd("0.0053"))
	m := s.Messages
	if m.Delivered != 7 || m.Charged != 6 || m.FreeEntryPoint != 1 || m.Unpriced != 2 || m.Estimated != 1 || m.Undelivered != 1 {
		t.Errorf("messages %+v", m)
	}
	for _, w := range []struct {
		cat             credits.Category
		charged, unpric int
		cost            string
	}{{credits.Utility, 2, 0, "0.0106"}, {credits.Marketing, 1, 0, "0.0109"}, {credits.Other, 2, 2, "0"}, {credits.Service, 1, 0, "0"}} {
		if u := category(s, w.cat); u.Charged != w.charged || u.Unpriced != w.unpric || !u.Cost.Equal(usd(w.cost)) && !(w.cost == "0" && len(u.Cost) == 0) {
			t.Errorf("%s: %+v, want %d charged (%d unpriced) costing %s", w.cat, u, w.charged, w.unpric, w.cost)
		}
	}
}

// Day buckets follow the account's calendar across a daylight-saving
// change: in New York, 2026-11-01 has 25 hours (EDT to EST at 02:00).
// Charges at 00:30 EDT (04:30 UTC) and 23:30 EST (04:30 UTC the next day)
// are both on 11-01; 00:30 EST on 11-02 (05:30 UTC) is on 11-02.
func TestDaysAcrossDST(t *testing.T) {
	x := newFixture()
	for i, at := range []time.Time{
		time.Date(2026, 11, 1, 4, 30, 0, 0, time.UTC),
		time.Date(2026, 11, 2, 4, 30, 0, 0, time.UTC),
		time.Date(2026, 11, 2, 5, 30, 0, 0, time.UTC),
	} {
		id := []string{"a", "b", "c"}[i]
		x.send(at.Add(-time.Second), id, "905300000001", "marketing")
		x.status(at, id, "905300000001", cm.StatusDelivered, "regular", "marketing")
	}
	s := summarize(t, x.store(t), query(t, "America/New_York", "2026-10-31", "2026-11-02"))
	if len(s.History) != 3 {
		t.Fatalf("%d buckets, want 3", len(s.History))
	}
	// the marketing price for Turkey is 0.0200 from 2026-10-01
	eqAmounts(t, "11-01", dayOf(s, "2026-11-01").Used, usd("0.0400"))
	eqAmounts(t, "11-02", dayOf(s, "2026-11-02").Used, usd("0.0200"))
	if d := s.History[1].Value; d.Charged != 2 || s.History[1].Start.Format(time.RFC3339) != "2026-11-01T00:00:00-04:00" {
		t.Errorf("11-01 starts %s with %d charges", s.History[1].Start.Format(time.RFC3339), d.Charged)
	}
}

// A tenant with no events has an empty summary with every bucket present.
func TestEmptyTenant(t *testing.T) {
	q := query(t, "Europe/Istanbul", "2026-08-01", "2026-08-07")
	s := summarize(t, newFixture().store(t), q)
	if len(s.Used) != 0 || len(s.Balance) != 0 || s.Messages != (credits.Messages{}) || len(s.History) != 7 || len(s.Forecast) != 0 || s.PerMessage.Units != 0 {
		t.Errorf("empty tenant: %+v", s)
	}
	if n := len(s.Tables()); n != 7 {
		t.Errorf("%d tables, want 7", n)
	}
	for _, by := range []credits.Dimension{credits.ByCategory, credits.ByCampaign, credits.ByCountry, credits.ByMarket, credits.ByInbox, credits.ByTemplate} {
		q.By = by
		if u, err := credits.UsageBy(context.Background(), newFixture().store(t), q); err != nil || len(u.Lines) != 0 || len(u.Tables()) != 2 {
			t.Errorf("usage by %s of an empty tenant: %+v, %v", by, u, err)
		}
	}
}
