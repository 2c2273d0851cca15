package attribution_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/attribution"
	"github.com/convometrics/convometrics/memstore"
	"github.com/shopspring/decimal"
)

func store(events ...cm.Event) *memstore.Store {
	s := memstore.New()
	for i := range events {
		events[i].ID = fmt.Sprintf("e%02d", i+1)
		events[i].Tenant = "shop"
	}
	if _, err := s.Append(context.Background(), events...); err != nil {
		panic(err)
	}
	return s
}

func ExampleMatchPayments() {
	at := func(h int) time.Time { return time.Date(2026, 10, 1, h, 0, 0, 0, time.UTC) }
	try := decimal.RequireFromString
	s := store(
		cm.Event{Type: cm.PaymentLink, Time: at(9), Contact: "c1", Link: "plink_1", Reference: "ORD-1", Amount: try("120.00"), Currency: "TRY", Flow: "checkout"},
		cm.Event{Type: cm.PaymentLink, Time: at(9), Contact: "c2", Link: "plink_2", Reference: "ORD-2", Amount: try("80.00"), Currency: "TRY", Agent: "ayse"},
		// Paid through the link, without a contact: the link's contact is used.
		cm.Event{Type: cm.PaymentSucceeded, Time: at(10), Payment: "pay_1", Link: "plink_1", Amount: try("120.00"), Currency: "TRY"},
		cm.Event{Type: cm.PaymentRefunded, Time: at(15), Payment: "pay_1", Amount: try("20.00"), Currency: "TRY"},
		// The provider only gave the reference: matched within 7 days.
		cm.Event{Type: cm.PaymentSucceeded, Time: at(11), Payment: "pay_2", Reference: "ORD-2", Amount: try("80.00"), Currency: "TRY"},
		// A web-shop payment: not chatbot revenue.
		cm.Event{Type: cm.PaymentSucceeded, Time: at(12), Payment: "pay_3", Reference: "WEB-7", Amount: try("30.00"), Currency: "TRY"},
	)
	m, err := attribution.MatchPayments(context.Background(), s, attribution.MatchQuery{Tenant: "shop",
		Range: cm.Range{From: at(0), To: at(24)}})
	if err != nil {
		panic(err)
	}
	for _, p := range m.Matched {
		fmt.Printf("%s by %s (%s), contact %s, revenue %s %s\n", p.Payment, p.By, p.Link, p.Contact, p.Net().StringFixed(2), p.Currency)
	}
	for _, p := range m.Unmatched {
		fmt.Printf("%s unmatched: %s\n", p.Payment, p.Reason)
	}
	fmt.Println("chatbot revenue:", m.Totals.Revenue)
	// Output:
	// pay_1 by link (plink_1), contact c1, revenue 100.00 TRY
	// pay_2 by reference (plink_2), contact c2, revenue 80.00 TRY
	// pay_3 unmatched: unknown_reference
	// chatbot revenue: 180.00 TRY
}

func ExampleAttribute() {
	t0 := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	s := store(
		cm.Event{Type: cm.MessageSent, Time: t0.Add(-14 * day), Contact: "c1", Sender: cm.SenderCampaign, Campaign: "spring_sale", Template: "spring_offer"},
		cm.Event{Type: cm.MessageSent, Time: t0.Add(-7 * day), Contact: "c1", Sender: cm.SenderBot, Template: "cart_reminder"},
		cm.Event{Type: cm.FlowStarted, Time: t0.Add(-1 * day), Contact: "c1", Flow: "checkout_bot"},
		cm.Event{Type: cm.ConversationAssigned, Time: t0.Add(-2 * time.Hour), Contact: "c1", Agent: "ayse"},
		cm.Event{Type: cm.PaymentLink, Time: t0.Add(-time.Hour), Contact: "c1", Link: "plink_1", Amount: decimal.RequireFromString("100.00"), Currency: "TRY"},
		cm.Event{Type: cm.PaymentSucceeded, Time: t0, Payment: "pay_1", Link: "plink_1", Amount: decimal.RequireFromString("100.00"), Currency: "TRY"},
	)
	res, err := attribution.Attribute(context.Background(), s, attribution.Query{
		Tenant:     "shop",
		Range:      cm.Range{From: t0.Add(-day), To: t0.Add(day)},
		Definition: attribution.Definition{Model: attribution.TimeDecay, Dimension: attribution.Touchpoint},
	})
	if err != nil {
		panic(err)
	}
	for _, r := range res.Rows {
		fmt.Printf("%-24s %.4f %s\n", r.Value, r.Conversions, r.Revenue)
	}
	// Output:
	// agent:ayse               0.3746 37.46 TRY
	// flow:checkout_bot        0.3421 34.21 TRY
	// template:cart_reminder   0.1889 18.89 TRY
	// campaign:spring_sale     0.0944 9.44 TRY
}

// Fold folds one partition of the tenant's contacts; the accumulators of
// every partition merge into the answer of Attribute. The payment without
// a contact (partition 0) is credited through its link's contact, whatever
// partition that contact is in.
func ExampleFold() {
	t0 := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	try := decimal.RequireFromString
	s := store(
		cm.Event{Type: cm.MessageSent, Time: t0.Add(-3 * day), Contact: "c1", Sender: cm.SenderCampaign, Campaign: "autumn"},
		cm.Event{Type: cm.PaymentLink, Time: t0.Add(-time.Hour), Contact: "c1", Link: "plink_1", Amount: try("100.00"), Currency: "TRY"},
		cm.Event{Type: cm.PaymentSucceeded, Time: t0, Payment: "pay_1", Link: "plink_1", Amount: try("100.00"), Currency: "TRY"},
		cm.Event{Type: cm.MessageSent, Time: t0.Add(-2 * day), Contact: "c2", Sender: cm.SenderCampaign, Campaign: "winter"},
		cm.Event{Type: cm.PaymentLink, Time: t0.Add(-time.Hour), Contact: "c2", Link: "plink_2", Amount: try("50.00"), Currency: "TRY"},
		cm.Event{Type: cm.PaymentSucceeded, Time: t0, Contact: "c2", Payment: "pay_2", Link: "plink_2", Amount: try("50.00"), Currency: "TRY"},
	)
	var total *attribution.Accumulator
	for i := 0; i < 3; i++ {
		part, err := attribution.Fold(context.Background(), s, attribution.Query{
			Tenant:    "shop",
			Range:     cm.Range{From: t0.Add(-day), To: t0.Add(day)},
			Partition: cm.Partition{Index: i, Count: 3},
		})
		if err != nil {
			panic(err)
		}
		if total == nil {
			total = part
		} else if err := total.Merge(part); err != nil {
			panic(err)
		}
	}
	res, err := total.Result()
	if err != nil {
		panic(err)
	}
	for _, r := range res.Rows {
		fmt.Println(r.Value, r.Conversions, r.Revenue)
	}
	// Output:
	// autumn 1 100.00 TRY
	// winter 1 50.00 TRY
}

func ExampleAttributePaths() {
	rows, err := attribution.ReadPaths(strings.NewReader(`path;total_conversions;total_conversion_value;total_null
C1 > C2 > C3;1;10.00;0
C1;0;0;1
C2 > C3;0;0;1
`), attribution.PathFormat{})
	if err != nil {
		panic(err)
	}
	res, err := attribution.AttributePaths(rows)
	if err != nil {
		panic(err)
	}
	fmt.Printf("P(conversion) = %.4f\n", res.ConversionProbability)
	for _, c := range res.Channels {
		fmt.Printf("%s: removal effect %.2f, markov %.2f conversions, %s value; linear %.4f\n",
			c.Channel, c.RemovalEffect, c.Markov.Conversions, c.Markov.Value.StringFixed(2), c.Linear.Conversions)
	}
	// Output:
	// P(conversion) = 0.3333
	// C1: removal effect 0.50, markov 0.20 conversions, 2.00 value; linear 0.3333
	// C2: removal effect 1.00, markov 0.40 conversions, 4.00 value; linear 0.3333
	// C3: removal effect 1.00, markov 0.40 conversions, 4.00 value; linear 0.3333
}
