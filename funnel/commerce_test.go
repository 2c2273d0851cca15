package funnel_test

import (
	"context"
	"errors"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/attribution"
	"github.com/convometrics/convometrics/funnel"
	"github.com/convometrics/convometrics/session"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

var amountsEqual = cmp.Comparer(func(a, b cm.Amounts) bool { return a.Equal(b) })

func eur(s string) cm.Amounts { return cm.Amounts{"EUR": decimal.RequireFromString(s)} }

// commerceFixture: conversations over two days (the range is day 0 and
// day 1, UTC); the comments say what each contributes. No event names an
// inbox unless said, so the session engine derives one session per
// contact for the events without a conversation id.
func commerceFixture() []cm.Event {
	var x fixture
	// k1, contact-initiated on day 0 (host conversation v1, an incoming
	// session): two carts, a link paid 100 EUR, 30 EUR refunded on day 1.
	x.add("k1", day(0, 10, 0), cm.MessageReceived, conv("v1"))
	x.add("k1", day(0, 10, 5), cm.CartAdded, conv("v1"))
	x.add("k1", day(0, 10, 6), cm.CartAdded, conv("v1"))
	x.add("k1", day(0, 10, 7), cm.PaymentLink, conv("v1"), link("L1"), amount("100"))
	x.add("k1", day(0, 10, 30), cm.PaymentSucceeded, link("L1"), payment("P1"), amount("100"))
	x.add("k1", day(1, 9, 0), cm.PaymentRefunded, payment("P1"), amount("30"))
	// k2, initiated by campaign bf on day 0 (the send has no conversation
	// id and is outside any session). The button reply at 9:30 starts
	// session v2, which is bf's conversation, not a contact-initiated one:
	// one cart, one link paid in two parts (two conversions, one paid
	// link, 100 EUR).
	x.add("k2", day(0, 9, 0), cm.MessageSent, sender(cm.SenderCampaign), campaign("bf"), message("m2"), template("offer"))
	x.add("k2", day(0, 9, 1), cm.MessageStatus, message("m2"), status(cm.StatusDelivered))
	x.add("k2", day(0, 9, 30), cm.MessageReceived, replyTo("m2"), conv("v2"))
	x.add("k2", day(0, 9, 40), cm.CartAdded, conv("v2"))
	x.add("k2", day(0, 9, 45), cm.PaymentLink, conv("v2"), link("L2"), amount("100"))
	x.add("k2", day(0, 10, 0), cm.PaymentSucceeded, link("L2"), payment("P2"), amount("50"))
	x.add("k2", day(0, 11, 0), cm.PaymentSucceeded, link("L2"), payment("P2b"), amount("50"))
	// k3: bf's send failed, so it initiates nothing; k3 writes at 15:00
	// (session v3): contact-initiated, no cart.
	x.add("k3", day(0, 9, 0), cm.MessageSent, sender(cm.SenderCampaign), campaign("bf"), message("m3"), template("offer"))
	x.add("k3", day(0, 9, 1), cm.MessageStatus, message("m3"), status(cm.StatusFailed), errorCode("131026"))
	x.add("k3", day(0, 15, 0), cm.MessageReceived, conv("v3"))
	// k4, no conversation ids: writes on day 0 at 20:00 (a derived
	// session; a cart at 20:10), resolved at 20:30, so the session ends
	// at day 1 20:30 (24 hours after the resolution); the message at day
	// 1 21:00 starts a second session: a second conversation, with a cart
	// and a link paid 20 USD.
	x.add("k4", day(0, 20, 0), cm.MessageReceived)
	x.add("k4", day(0, 20, 10), cm.CartAdded)
	x.add("k4", day(0, 20, 30), cm.ConversationResolved)
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
	// starts session v7, which belongs to that conversation.
	x.add("k7", day(1, 10, 0), cm.MessageSent, sender(cm.SenderBroadcast), campaign("notice"), message("m7"), template("notice"))
	x.add("k7", day(1, 10, 30), cm.MessageReceived, conv("v7"))
	// k8 writes on day 0 at 8:00 and again 25 hours later; the session is
	// never resolved, so it is still active: one conversation.
	x.add("k8", day(0, 8, 0), cm.MessageReceived)
	x.add("k8", day(1, 9, 0), cm.MessageReceived)
	// k9 writes in two inboxes ten minutes apart: two sessions, two
	// conversations.
	x.add("k9", day(0, 14, 0), cm.MessageReceived, inbox("shop"))
	x.add("k9", day(0, 14, 10), cm.MessageReceived, inbox("support"))
	// k10 writes at 8:00 (session v10); bf is sent at 9:00 and answered at
	// 9:05 in v10, which was already active: bf's conversation (no carts)
	// and k10's own; the cart in v10 is k10's.
	x.add("k10", day(0, 8, 0), cm.MessageReceived, conv("v10"))
	x.add("k10", day(0, 9, 0), cm.MessageSent, sender(cm.SenderCampaign), campaign("bf"), message("m10"), template("offer"))
	x.add("k10", day(0, 9, 5), cm.MessageReceived, conv("v10"))
	x.add("k10", day(0, 9, 10), cm.CartAdded, conv("v10"))
	// k11: an agent opens v11 (its session is not incoming: nothing is
	// initiated), k11 answers and pays 10 EUR through a link sent in v11:
	// credited elsewhere.
	x.add("k11", day(0, 16, 0), cm.MessageSent, sender(cm.SenderAgent), conv("v11"))
	x.add("k11", day(0, 16, 5), cm.MessageReceived, conv("v11"))
	x.add("k11", day(0, 16, 10), cm.PaymentLink, conv("v11"), link("L11"), amount("10"))
	x.add("k11", day(0, 16, 20), cm.PaymentSucceeded, link("L11"), payment("P11"), amount("10"))
	// A payment with no link or reference: not chatbot revenue.
	x.add("", day(0, 12, 0), cm.PaymentSucceeded, payment("P9"), amount("999"))
	return x.evs
}

func TestCommerceFunnel(t *testing.T) {
	evs := commerceFixture()
	ctx := context.Background()
	q := funnel.CommerceQuery{Tenant: "t", Range: cm.Range{From: day(0, 0, 0), To: day(2, 0, 0)}, Calendar: cm.NewCalendar(time.UTC)}
	for name, r := range readers(t, evs) {
		res, err := funnel.Commerce(ctx, r, q)
		if err != nil {
			t.Fatal(err)
		}
		res.Tables() // exporting must not change the result
		stats := func(init, byContact, byCampaign, carts, withCart, conversions, paidLinks int, gross, refunded, revenue cm.Amounts) funnel.CommerceStats {
			return funnel.CommerceStats{Initiated: init, ByContact: byContact, ByCampaign: byCampaign, AddToCarts: carts, WithCart: withCart,
				Conversions: conversions, PaidLinks: paidLinks, Gross: gross, Refunded: refunded, Revenue: revenue,
				AddToCartRate: cm.RateOf(carts, init), ConversionRate: cm.RateOf(conversions, init)}
		}
		usd := func(s string) cm.Amounts { return cm.Amounts{"USD": decimal.RequireFromString(s)} }
		both := func(e, u string) cm.Amounts { return eur(e).Merge(usd(u)) }
		// Initiated: by the contact k1, k3, k4 (twice), k8, k9 (twice),
		// k10 = 8; by a campaign k2, k7, k10 = 3; 11 in all. Carts: k1 2,
		// k2 1, k4 1 + 1, k10 1 = 6, in 5 conversations. Conversions: P1,
		// P2, P2b, P4 = 4 payments, of 3 links (L1, L2, L4). Gross 100 +
		// 50 + 50 = 200 EUR and 20 USD, refunded 30 EUR, revenue 170 EUR
		// and 20 USD. Rates 6/11 and 4/11.
		want := stats(11, 8, 3, 6, 5, 4, 3, both("200", "20"), eur("30"), both("170", "20"))
		if d := cmp.Diff(want, res.CommerceStats, amountsEqual); d != "" {
			t.Errorf("%s: totals (-want +got):\n%s", name, d)
		}
		// Day 0: k1, k3, k4, k8, k9 ×2, k10 by the contact (7), k2 and k10
		// by bf (2): 5 carts in 4 conversations (k1, k2, k4, k10), P1 P2
		// P2b of L1 L2, 200 EUR gross, 170 EUR revenue. Day 1: k4's second
		// conversation and k7: 1 cart, P4 of L4, 20 USD.
		days := []funnel.CommerceStats{
			stats(9, 7, 2, 5, 4, 3, 2, eur("200"), eur("30"), eur("170")),
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
		// Per campaign: "" (by the contact: carts k1 2, k4 1 + 1, k10 1;
		// P1 and P4), bf (k2 and k10: k2's cart, P2 and P2b of L2),
		// notice (k7).
		camps := map[string]funnel.CommerceStats{
			"":       stats(8, 8, 0, 5, 4, 2, 2, both("100", "20"), eur("30"), both("70", "20")),
			"bf":     stats(2, 0, 2, 1, 1, 2, 1, eur("100"), cm.Amounts{}, eur("100")),
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
		// Elsewhere: P5 (its link was sent before the range, 40 EUR) and
		// P11 (its link was sent in v11, which nobody initiated, 10 EUR):
		// 2 conversions, 50 EUR.
		if res.Elsewhere.Conversions != 2 || !res.Elsewhere.Revenue.Equal(eur("50")) {
			t.Errorf("%s: elsewhere %+v", name, res.Elsewhere)
		}
		// The attribution engine's conversions are the matched payments:
		// P1 P2 P2b P4 P5 P11 = 6 = 4 here + 2 elsewhere (P9 matches no
		// link).
		m, err := attribution.MatchPayments(ctx, r, attribution.MatchQuery{Tenant: "t", Range: q.Range})
		if err != nil {
			t.Fatal(err)
		}
		if m.Totals.Matched != 6 || res.Conversions+res.Elsewhere.Conversions != m.Totals.Matched {
			t.Errorf("%s: %d matched payments, %d conversions + %d elsewhere", name, m.Totals.Matched, res.Conversions, res.Elsewhere.Conversions)
		}
		// The session engine's new incoming sessions of the range: k1 v1,
		// k2 v2, k3 v3, k4 ×2, k7 v7, k8, k9 ×2, k10 v10 = 10 = 8 by the
		// contact + the 2 sessions campaign replies started (v2, v7); v11
		// is not incoming and v5 began before the range.
		ov, err := session.Overview(ctx, r, session.Query{Tenant: "t", Range: q.Range, Calendar: q.Calendar})
		if err != nil {
			t.Fatal(err)
		}
		if ov.NewIncomingSessions.Total != 10 || res.ByContact+2 != ov.NewIncomingSessions.Total {
			t.Errorf("%s: %d new incoming sessions, %d contact-initiated conversations", name, ov.NewIncomingSessions.Total, res.ByContact)
		}
	}
	for _, c := range []struct {
		q  funnel.CommerceQuery
		is error
	}{
		{funnel.CommerceQuery{Tenant: "t"}, cm.ErrEmptyRange},
		{funnel.CommerceQuery{Tenant: "t", Range: cm.Range{From: day(0, 0, 0), To: day(91, 0, 0)}}, cm.ErrRangeTooLong},
		{funnel.CommerceQuery{Range: q.Range}, cm.ErrNoTenant},
		{funnel.CommerceQuery{Tenant: "t", Range: q.Range, Granularity: "year"}, cm.ErrUnknownValue},
	} {
		if _, err := funnel.Commerce(ctx, store(t, nil), c.q); !errors.Is(err, c.is) {
			t.Errorf("%+v: %v, want %v", c.q, err, c.is)
		}
	}
	long := funnel.CommerceQuery{Tenant: "t", Range: cm.Range{From: day(0, 0, 0), To: day(91, 0, 0)}, AllowLongRange: true}
	if _, err := funnel.Commerce(ctx, store(t, nil), long); err != nil {
		t.Errorf("a long range with allow_long_range: %v", err)
	}
}
