package attribution

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
)

// matchFixture exercises every matching rule. The range is
// [t0-2d, t0+30d); the reference window is the default 7 days.
func matchFixture() *fixture {
	f := &fixture{tenant: "shop"}
	link := func(id, ref string, d time.Duration, contact, amount, cur string, e cm.Event) {
		e.Type, e.Link, e.Reference, e.Time, e.Contact, e.Amount, e.Currency = cm.PaymentLink, id, ref, at(d), contact, dec(amount), cur
		f.add(e)
	}
	pay := func(id, link, ref string, d time.Duration, contact, amount, cur string, e cm.Event) {
		e.Type, e.Payment, e.Link, e.Reference, e.Time, e.Contact, e.Amount, e.Currency = cm.PaymentSucceeded, id, link, ref, at(d), contact, dec(amount), cur
		f.add(e)
	}
	refund := func(payment string, d time.Duration, amount, cur string) {
		f.add(cm.Event{Type: cm.PaymentRefunded, Payment: payment, Time: at(d), Amount: dec(amount), Currency: cur})
	}
	link("plink_1", "ORD-1", -10*day, "c1", "100.00", "TRY", cm.Event{Campaign: "spring", Flow: "checkout", Conversation: "v1"})
	link("plink_2", "ORD-2", -3*day, "c2", "50.00", "TRY", cm.Event{Agent: "ayse", Team: "sales"})
	link("plink_2b", "ORD-2", -1*day, "c2", "60.00", "TRY", cm.Event{Agent: "ayse", Team: "sales", Conversation: "v2"})
	link("plink_3", "ORD-3", 0, "c3", "80.00", "TRY", cm.Event{Flow: "checkout"})
	link("plink_4", "ORD-4", -20*day, "c4", "10.00", "TRY", cm.Event{})
	link("plink_5", "ORD-5", 1*day, "c5", "10.00", "TRY", cm.Event{Channel: cm.ChannelTest})
	link("plink_11", "ORD-11", 5*day, "c6", "40.00", "TRY", cm.Event{})
	link("plink_12", "ORD-12", 5*day, "c7", "25.00", "TRY", cm.Event{})

	// pay_1: by link id, 12 days after its link (no window for link ids),
	// without a contact; delivered twice under two event ids.
	pay("pay_1", "plink_1", "ORD-1", 2*day, "", "100.00", "TRY", cm.Event{Provider: "craftgate"})
	pay("pay_1", "plink_1", "ORD-1", 2*day+time.Minute, "", "100.00", "TRY", cm.Event{Provider: "craftgate"})
	refund("pay_1", 4*day, "30.00", "TRY")
	refund("pay_1", 5*day, "5.00", "USD") // another currency: not subtracted
	// pay_2: reference only; the latest ORD-2 link before it is plink_2b.
	pay("pay_2", "", "ORD-2", 1*day, "c2", "60.00", "TRY", cm.Event{})
	// pay_3: the same link paid a second time, in USD.
	pay("pay_3", "plink_1", "", 3*day, "c1", "20.00", "USD", cm.Event{})
	// pay_4: ORD-4 was sent 21 days before.
	pay("pay_4", "", "ORD-4", 1*day+time.Hour, "c4", "10.00", "TRY", cm.Event{})
	pay("pay_5", "", "", 4*day, "c9", "15.00", "TRY", cm.Event{})
	pay("pay_6", "", "WEB-1", 4*day+time.Hour, "", "16.00", "TRY", cm.Event{})
	pay("pay_7", "plink_x", "", 4*day+2*time.Hour, "", "17.00", "TRY", cm.Event{})
	// pay_8: an hour before the only ORD-3 link.
	pay("pay_8", "", "ORD-3", -time.Hour, "c3", "80.00", "TRY", cm.Event{})
	// pay_9: test traffic.
	pay("pay_9", "plink_2", "", 2*day, "c2", "50.00", "TRY", cm.Event{Channel: cm.ChannelTest})
	// pay_10: before the range; it pays plink_2 (by id, although the link
	// was recorded later).
	pay("pay_10", "plink_2", "", -40*day, "c2", "50.00", "TRY", cm.Event{})
	// The window is inclusive: exactly 7 days matches, 1ns more does not.
	pay("pay_11", "", "ORD-11", 12*day, "c6", "40.00", "TRY", cm.Event{})
	refund("pay_11", 13*day, "50.00", "TRY") // more than paid: capped at 40.00
	pay("pay_12", "", "ORD-12", 12*day+1, "c7", "25.00", "TRY", cm.Event{})
	refund("pay_unknown", 3*day, "9.00", "TRY")
	f.add(cm.Event{Type: cm.PaymentFailed, Link: "plink_3", Reference: "ORD-3", Time: at(time.Minute), Contact: "c3", ErrorCode: "card_declined"})
	return f
}

func matchQuery() MatchQuery {
	return MatchQuery{Tenant: "shop", Range: cm.Range{From: at(-2 * day), To: at(30 * day)}}
}

func describeMatching(m *Matching) string {
	var b strings.Builder
	for _, p := range m.Matched {
		fmt.Fprintf(&b, "matched %s by %s %s contact=%s %s %s refunded=%s net=%s mismatch=%v dups=%d campaign=%s flow=%s agent=%s conv=%s\n",
			p.Payment, p.By, p.Link, p.Contact, p.Amount.StringFixed(2), p.Currency, p.Refunded.StringFixed(2), p.Net().StringFixed(2),
			p.CurrencyMismatch, p.Duplicates, p.Campaign, p.Flow, p.Agent, p.Conversation)
	}
	for _, p := range m.Unmatched {
		fmt.Fprintf(&b, "unmatched %s %s\n", p.Payment, p.Reason)
	}
	for _, l := range m.Unpaid {
		fmt.Fprintf(&b, "unpaid %s %s %s failed=%d\n", l.Link, l.Amount.StringFixed(2), l.Currency, l.FailedAttempts)
	}
	return b.String()
}

func TestMatchPaymentsRules(t *testing.T) {
	f := matchFixture()
	want := `matched pay_2 by reference plink_2b contact=c2 60.00 TRY refunded=0.00 net=60.00 mismatch=false dups=0 campaign= flow= agent=ayse conv=v2
matched pay_1 by link plink_1 contact=c1 100.00 TRY refunded=30.00 net=70.00 mismatch=false dups=1 campaign=spring flow=checkout agent= conv=v1
matched pay_3 by link plink_1 contact=c1 20.00 USD refunded=0.00 net=20.00 mismatch=true dups=0 campaign=spring flow=checkout agent= conv=v1
matched pay_11 by reference plink_11 contact=c6 40.00 TRY refunded=40.00 net=0.00 mismatch=false dups=0 campaign= flow= agent= conv=
unmatched pay_8 outside_window
unmatched pay_4 outside_window
unmatched pay_5 no_link_or_reference
unmatched pay_6 unknown_reference
unmatched pay_7 unknown_link
unmatched pay_12 outside_window
unpaid plink_3 80.00 TRY failed=1
unpaid plink_12 25.00 TRY failed=0
`
	for name, r := range map[string]cm.Reader{"memstore": newStore(t, f.events), "scan": scanOnly{newStore(t, f.events)}} {
		t.Run(name, func(t *testing.T) {
			m, err := MatchPayments(context.Background(), r, matchQuery())
			if err != nil {
				t.Fatal(err)
			}
			if got := describeMatching(m); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
			tot := m.Totals
			// Gross TRY: 60 + 100 + 40 = 200.00; USD 20.00.
			// Refunded TRY: 30 (pay_1) + 40 (pay_11, capped) = 70.00.
			// Revenue TRY 200 - 70 = 130.00.
			// Unpaid: 80 + 25 = 105.00 TRY. Unmatched: 80+10+15+16+17+25 = 163.00 TRY.
			checks := []struct {
				name      string
				got, want any
			}{
				{"matched", tot.Matched, 4}, {"by link", tot.ByLink, 2}, {"by reference", tot.ByReference, 2},
				{"gross", tot.Gross.String(), "200.00 TRY, 20.00 USD"},
				{"refunded", tot.Refunded.String(), "70.00 TRY, 0.00 USD"},
				{"revenue", tot.Revenue.String(), "130.00 TRY, 20.00 USD"},
				{"mismatches", tot.CurrencyMismatches, 1},
				{"unmatched", tot.Unmatched, 6},
				{"unmatched amount", tot.UnmatchedAmount.String(), "163.00 TRY"},
				{"reasons", fmt.Sprint(tot.UnmatchedBy), "map[no_link_or_reference:1 outside_window:3 unknown_link:1 unknown_reference:1]"},
				{"unpaid", tot.Unpaid, 2}, {"unpaid amount", tot.UnpaidAmount.String(), "105.00 TRY"},
				{"duplicates", tot.DuplicatePayments, 1}, {"orphan refunds", tot.OrphanRefunds, 1},
				{"refund currency mismatches", tot.RefundCurrencyMismatches, 1},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
				}
			}
		})
	}
}

func TestMatchPaymentsOptions(t *testing.T) {
	f := matchFixture()
	s := newStore(t, f.events)
	ctx := context.Background()

	// A 22-day window: pay_4 (21 days and an hour after ORD-4) now matches, and so
	// do pay_12 (7 days + 1ns).
	q := matchQuery()
	q.ReferenceWindow = 22 * day
	m, err := MatchPayments(ctx, s, q)
	if err != nil {
		t.Fatal(err)
	}
	got := describeMatching(m)
	for _, w := range []string{"matched pay_4 by reference plink_4", "matched pay_12 by reference plink_12", "unmatched pay_8 outside_window"} {
		if !strings.Contains(got, w) {
			t.Errorf("22-day window: lacks %q:\n%s", w, got)
		}
	}

	// Test traffic included: pay_9 (test) matches plink_2, and the test
	// link plink_5 is unpaid.
	q = matchQuery()
	q.IncludeTest = true
	m, err = MatchPayments(ctx, s, q)
	if err != nil {
		t.Fatal(err)
	}
	got = describeMatching(m)
	for _, w := range []string{"matched pay_9 by link plink_2", "unpaid plink_5"} {
		if !strings.Contains(got, w) {
			t.Errorf("include test: lacks %q:\n%s", w, got)
		}
	}

	// A longer range, allowed explicitly: pay_10 (40 days before t0) is
	// listed too.
	q = MatchQuery{Tenant: "shop", Range: cm.Range{From: at(-60 * day), To: at(60 * day)}, AllowLongRange: true}
	m, err = MatchPayments(ctx, s, q)
	if err != nil {
		t.Fatal(err)
	}
	if got := describeMatching(m); !strings.HasPrefix(got, "matched pay_10 by link plink_2 contact=c2 50.00 TRY") {
		t.Errorf("120 days:\n%s", got)
	}
	// Another tenant sees nothing.
	m, err = MatchPayments(ctx, s, MatchQuery{Tenant: "other", Range: matchQuery().Range})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Matched)+len(m.Unmatched)+len(m.Unpaid) != 0 {
		t.Errorf("tenant other: %s", describeMatching(m))
	}
}

func TestMatchStoreError(t *testing.T) {
	boom := errors.New("disk on fire")
	if _, err := MatchPayments(context.Background(), failingReader{boom}, matchQuery()); !errors.Is(err, boom) {
		t.Errorf("store error: %v", err)
	}
}

func TestReferenceShared(t *testing.T) {
	// Three links share ORD-9, stored out of order; two more share ORD-8
	// at the same instant. A payment by reference takes the latest link at
	// or before it (ties in time to the later event id).
	f := &fixture{tenant: "shop"}
	link := func(id, ev, ref string, d time.Duration) {
		f.add(cm.Event{ID: ev, Type: cm.PaymentLink, Link: id, Reference: ref, Time: at(d), Contact: "c", Amount: dec("1.00"), Currency: "EUR"})
	}
	pay := func(id, ref string, d time.Duration) {
		f.add(cm.Event{Type: cm.PaymentSucceeded, Payment: id, Reference: ref, Time: at(d), Amount: dec("1.00"), Currency: "EUR"})
	}
	link("L3", "x3", "ORD-9", 3*day)
	link("L1", "x1", "ORD-9", 1*day)
	link("L2", "x2", "ORD-9", 2*day)
	link("Lb", "y2", "ORD-8", 0)
	link("La", "y1", "ORD-8", 0)
	pay("p0", "ORD-9", 0)               // before every ORD-9 link
	pay("p1", "ORD-9", 1*day+time.Hour) // L1
	pay("p2", "ORD-9", 2*day)           // L2, sent at the same instant
	pay("p3", "ORD-9", 9*day)           // L3, 6 days before
	pay("p4", "ORD-9", 11*day)          // L3 is 8 days before: outside the window, and L2 is not tried
	pay("p5", "ORD-8", time.Minute)     // Lb: same time as La, later event id
	m, err := MatchPayments(context.Background(), newStore(t, shuffled(f.events, 5)), MatchQuery{Tenant: "shop", Range: cm.Range{From: at(-day), To: at(30 * day)}})
	if err != nil {
		t.Fatal(err)
	}
	want := "unmatched p0 outside_window\n" +
		"matched p5 by reference Lb\n" +
		"matched p1 by reference L1\n" +
		"matched p2 by reference L2\n" +
		"matched p3 by reference L3\n" +
		"unmatched p4 outside_window\n"
	var b strings.Builder
	type row struct {
		t    time.Time
		line string
	}
	var rows []row
	for _, p := range m.Matched {
		rows = append(rows, row{p.Time, "matched " + p.Payment + " by " + string(p.By) + " " + p.Link})
	}
	for _, p := range m.Unmatched {
		rows = append(rows, row{p.Time, "unmatched " + p.Payment + " " + string(p.Reason)})
	}
	slices.SortFunc(rows, func(x, y row) int { return x.t.Compare(y.t) })
	for _, r := range rows {
		b.WriteString(r.line + "\n")
	}
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
