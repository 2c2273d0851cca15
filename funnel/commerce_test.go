package funnel_test

import (
	"context"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/funnel"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

var amountsEqual = cmp.Comparer(func(a, b cm.Amounts) bool { return a.Equal(b) })

func eur(s string) cm.Amounts { return cm.Amounts{"EUR": decimal.RequireFromString(s)} }

// commerceFixture: conversations over two days (the range is day 0 and
// day 1, UTC); the comments say what each contributes.
func commerceFixture() []cm.Event {
	var x fixture
	// k1, contact-initiated on day 0 (host conversation v1): two carts, a
	// link paid 100 EUR, 30 EUR refunded on day 1.
	x.add("k1", day(0, 10, 0), cm.MessageReceived, conv("v1"))
	x.add("k1", day(0, 10, 5), cm.CartAdded, conv("v1"))
	x.add("k1", day(0, 10, 6), cm.CartAdded, conv("v1"))
	x.add("k1", day(0, 10, 7), cm.PaymentLink, conv("v1"), link("L1"), amount("100"))
	x.add("k1", day(0, 10, 30), cm.PaymentSucceeded, link("L1"), payment("P1"), amount("100"))
	x.add("k1", day(1, 9, 0), cm.PaymentRefunded, payment("P1"), amount("30"))
	// k2, initiated by campaign bf on day 0 (the send has no conversation
	// id; the button reply opens v2): one cart, one link paid in two parts
	// (one conversion, two payments, 100 EUR).
	x.add("k2", day(0, 9, 0), cm.MessageSent, sender(cm.SenderCampaign), campaign("bf"), message("m2"), template("offer"))
	x.add("k2", day(0, 9, 1), cm.MessageStatus, message("m2"), status(cm.StatusDelivered))
	x.add("k2", day(0, 9, 30), cm.MessageReceived, replyTo("m2"), conv("v2"))
	x.add("k2", day(0, 9, 40), cm.CartAdded, conv("v2"))
	x.add("k2", day(0, 9, 45), cm.PaymentLink, conv("v2"), link("L2"), amount("100"))
	x.add("k2", day(0, 10, 0), cm.PaymentSucceeded, link("L2"), payment("P2"), amount("50"))
	x.add("k2", day(0, 11, 0), cm.PaymentSucceeded, link("L2"), payment("P2b"), amount("50"))
	// k3: bf's send failed, so it initiates nothing; k3 writes at 15:00
	// (conversation v3): contact-initiated, no cart.
	x.add("k3", day(0, 9, 0), cm.MessageSent, sender(cm.SenderCampaign), campaign("bf"), message("m3"), template("offer"))
	x.add("k3", day(0, 9, 1), cm.MessageStatus, message("m3"), status(cm.StatusFailed), errorCode("131026"))
	x.add("k3", day(0, 15, 0), cm.MessageReceived, conv("v3"))
	// k4, no conversation ids: writes on day 0 at 20:00 (a cart at
	// 20:10), and again 25 hours later: a second conversation, with a
	// cart and a link paid 20 USD.
	x.add("k4", day(0, 20, 0), cm.MessageReceived)
	x.add("k4", day(0, 20, 10), cm.CartAdded)
	x.add("k4", day(1, 21, 0), cm.MessageReceived)
	x.add("k4", day(1, 21, 5), cm.CartAdded, currency("USD"))
	x.add("k4", day(1, 21, 6), cm.PaymentLink, link("L4"), amount("20"), currency("USD"))
	x.add("k4", day(1, 21, 30), cm.PaymentSucceeded, link("L4"), payment("P4"), amount("20"), currency("USD"))
	// k5's conversation began the day before the range: its cart in the
	// range does not count, its payment (40 EUR) is credited elsewhere.
	x.add("k5", day(-1, 23, 0), cm.MessageReceived, conv("v5"))
	x.add("k5", day(-1, 23, 30), cm.PaymentLink, conv("v5"), link("L5"), amount("40"))
	x.add("k5", day(0, 1, 0), cm.CartAdded, conv("v5"))
	x.add("k5", day(0, 2, 0), cm.PaymentSucceeded, link("L5"), payment("P5"), amount("40"))
	// k6: test traffic.
	x.add("k6", day(0, 12, 0), cm.MessageReceived, channel(cm.ChannelTest))
	x.add("k6", day(0, 12, 1), cm.CartAdded, channel(cm.ChannelTest))
	// k7, initiated by broadcast notice on day 1; its unquoted answer
	// (conversation v7) belongs to that conversation.
	x.add("k7", day(1, 10, 0), cm.MessageSent, sender(cm.SenderBroadcast), campaign("notice"), message("m7"), template("notice"))
	x.add("k7", day(1, 10, 30), cm.MessageReceived, conv("v7"))
	// A payment with no link or reference: not chatbot revenue.
	x.add("", day(0, 12, 0), cm.PaymentSucceeded, payment("P9"), amount("999"))
	return x.evs
}

func TestCommerceFunnel(t *testing.T) {
	evs := commerceFixture()
	q := funnel.CommerceQuery{Tenant: "t", Range: cm.Range{From: day(0, 0, 0), To: day(2, 0, 0)}, Calendar: cm.NewCalendar(time.UTC)}
	for name, r := range readers(t, evs) {
		res, err := funnel.Commerce(context.Background(), r, q)
		if err != nil {
			t.Fatal(err)
		}
		res.Tables() // exporting must not change the result
		stats := func(init, byContact, byCampaign, carts, withCart, conversions, payments int, gross, refunded, revenue cm.Amounts) funnel.CommerceStats {
			return funnel.CommerceStats{Initiated: init, ByContact: byContact, ByCampaign: byCampaign, AddToCarts: carts, WithCart: withCart,
				Conversions: conversions, Payments: payments, Gross: gross, Refunded: refunded, Revenue: revenue,
				AddToCartRate: cm.RateOf(carts, init), ConversionRate: cm.RateOf(conversions, init)}
		}
		usd := func(s string) cm.Amounts { return cm.Amounts{"USD": decimal.RequireFromString(s)} }
		both := func(e, u string) cm.Amounts { return eur(e).Merge(usd(u)) }
		// Initiated: k1, k2, k3, k4 (twice), k7 = 6 (k1, k3, k4, k4 by the
		// contact; k2, k7 by a campaign). Carts: k1 2, k2 1, k4 1 + 1 = 5,
		// in 4 conversations. Conversions: L1, L2, L4 = 3 from 4 payments.
		// Gross 200 EUR and 20 USD, refunded 30 EUR.
		want := stats(6, 4, 2, 5, 4, 3, 4, both("200", "20"), eur("30"), both("170", "20"))
		if d := cmp.Diff(want, res.CommerceStats, amountsEqual); d != "" {
			t.Errorf("%s: totals (-want +got):\n%s", name, d)
		}
		// Day 0: k1, k2, k3, k4: 4 carts, conversions L1 and L2, 170 EUR.
		// Day 1: k4's second conversation and k7: 1 cart, L4, 20 USD.
		days := []funnel.CommerceStats{
			stats(4, 3, 1, 4, 3, 2, 3, eur("200"), eur("30"), eur("170")),
			stats(2, 1, 1, 1, 1, 1, 1, usd("20"), cm.Amounts{}, usd("20")),
		}
		if len(res.Series) != 2 {
			t.Fatalf("%d points", len(res.Series))
		}
		for i, p := range res.Series {
			if d := cmp.Diff(days[i], p.Value, amountsEqual); d != "" {
				t.Errorf("%s: day %d (-want +got):\n%s", name, i, d)
			}
		}
		// Per campaign: "" (by the contact), bf, notice.
		camps := map[string]funnel.CommerceStats{
			"":       stats(4, 4, 0, 4, 3, 2, 2, both("100", "20"), eur("30"), both("70", "20")),
			"bf":     stats(1, 0, 1, 1, 1, 1, 2, eur("100"), cm.Amounts{}, eur("100")),
			"notice": stats(1, 0, 1, 0, 0, 0, 0, cm.Amounts{}, cm.Amounts{}, cm.Amounts{}),
		}
		if len(res.Campaigns) != 3 {
			t.Fatalf("%d campaigns", len(res.Campaigns))
		}
		for _, c := range res.Campaigns {
			if d := cmp.Diff(camps[c.Campaign], c.CommerceStats, amountsEqual); d != "" {
				t.Errorf("%s: campaign %q (-want +got):\n%s", name, c.Campaign, d)
			}
		}
		// k5's payment: matched, but its link was sent before the range.
		if res.Elsewhere.Payments != 1 || !res.Elsewhere.Revenue.Equal(eur("40")) {
			t.Errorf("%s: elsewhere %+v", name, res.Elsewhere)
		}
	}
	if _, err := funnel.Commerce(context.Background(), store(t, nil), funnel.CommerceQuery{Tenant: "t"}); err == nil {
		t.Error("a commerce funnel without a range was accepted")
	}
}
