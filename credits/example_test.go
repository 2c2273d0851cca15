package credits_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/credits"
	"github.com/convometrics/convometrics/memstore"
	"github.com/shopspring/decimal"
)

// cardCSV is a small rate card in its CSV form (illustrative prices).
const cardCSV = `# card
name,example,note
docs,true,illustrative prices

# markets
effective,key,market
2025-07-01,*,other
2025-07-01,TR,turkey
2025-07-01,+90,turkey

# rates
effective,market,category,currency,price,up_to
2025-07-01,turkey,marketing,USD,0.0109,
2025-07-01,turkey,utility,USD,0.0053,1000
2025-07-01,turkey,utility,USD,0.0045,
`

// exampleStore holds one Istanbul tenant's day: a 5 USD top-up, a
// marketing template (charged), a reply from the user, a free service
// answer in the window, and a utility template the next day (charged).
func exampleStore() *memstore.Store {
	ist, _ := time.LoadLocation("Europe/Istanbul")
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, ist) }
	st := func(id, msg string, t time.Time, ptype, pcat string) cm.Event {
		return cm.Event{ID: id, Tenant: "acme", Type: cm.MessageStatus, Time: t, Channel: cm.ChannelWhatsApp, Contact: "905300000001",
			Message: msg, Status: cm.StatusDelivered, Country: "TR", PricingModel: "PMP", PricingType: ptype, PricingCategory: pcat,
			Billable: cm.OptBoolOf(ptype == "regular")}
	}
	evs := []cm.Event{
		{ID: "t1", Tenant: "acme", Type: cm.CreditsTopup, Time: at(2, 8, 0), Amount: decimal.NewFromInt(5), Currency: "USD"},
		{ID: "s1", Tenant: "acme", Type: cm.MessageSent, Time: at(2, 10, 0), Channel: cm.ChannelWhatsApp, Contact: "905300000001",
			Message: "m1", Sender: cm.SenderCampaign, Template: "autumn_sale", TemplateCategory: "marketing", Campaign: "autumn"},
		st("d1", "m1", at(2, 10, 1), "regular", "marketing"),
		{ID: "r1", Tenant: "acme", Type: cm.MessageReceived, Time: at(2, 10, 30), Channel: cm.ChannelWhatsApp, Contact: "905300000001", Message: "in1"},
		{ID: "s2", Tenant: "acme", Type: cm.MessageSent, Time: at(2, 10, 31), Channel: cm.ChannelWhatsApp, Contact: "905300000001",
			Message: "m2", Sender: cm.SenderBot, Conversation: "v1"},
		st("d2", "m2", at(2, 10, 31), "free_customer_service", "service"),
		{ID: "s3", Tenant: "acme", Type: cm.MessageSent, Time: at(3, 15, 0), Channel: cm.ChannelWhatsApp, Contact: "905300000001",
			Message: "m3", Sender: cm.SenderBot, Template: "order_shipped", TemplateCategory: "utility", Conversation: "v1"},
		st("d3", "m3", at(3, 15, 1), "regular", "utility"),
	}
	s := memstore.New()
	if _, err := s.Append(context.Background(), evs...); err != nil {
		panic(err)
	}
	return s
}

func exampleQuery() credits.Query {
	card, err := credits.ParseCardCSV(strings.NewReader(cardCSV))
	if err != nil {
		panic(err)
	}
	ist, _ := time.LoadLocation("Europe/Istanbul")
	cal := cm.NewCalendar(ist)
	r, _ := cal.DateRange(cm.Date{Year: 2026, Month: 11, Day: 2}, cm.Date{Year: 2026, Month: 11, Day: 3}, cm.RangeOptions{})
	return credits.Query{Tenant: "acme", Range: r, Calendar: cal, Card: card}
}

func ExampleSummarize() {
	s, err := credits.Summarize(context.Background(), exampleStore(), exampleQuery())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("used:", s.Used["USD"], "balance:", s.Balance["USD"])
	for _, c := range s.ByCategory {
		fmt.Printf("%s: %d delivered, %d charged, %s USD\n", c.Category, c.Delivered, c.Charged, c.Cost["USD"])
	}
	for _, p := range s.History {
		fmt.Println(p.Start.Format("2006-01-02"), p.Value.Used["USD"], p.Value.Balance["USD"])
	}
	fmt.Println("per conversation:", s.PerConversation.Per["USD"])
	// Output:
	// used: 0.0162 balance: 4.9838
	// marketing: 1 delivered, 1 charged, 0.0109 USD
	// utility: 1 delivered, 1 charged, 0.0053 USD
	// service: 1 delivered, 0 charged, 0 USD
	// 2026-11-02 0.0109 4.9891
	// 2026-11-03 0.0053 4.9838
	// per conversation: 0.0053
}

func ExampleUsageBy() {
	q := exampleQuery()
	q.By = credits.ByCampaign
	u, err := credits.UsageBy(context.Background(), exampleStore(), q)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range u.Tables()[:1] {
		t.WriteText(os.Stdout)
	}
	// Output:
	// Credits used by campaign: acme, card docs (EXAMPLE prices, not an invoice)
	// campaign  delivered  charged  unpriced  currency  cost
	// (none)            2        1         0  USD       0.0053
	// autumn            1        1         0  USD       0.0109
}

func ExampleReconcile() {
	rc, err := credits.Reconcile(context.Background(), exampleStore(), exampleQuery())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rc.Rows {
		fmt.Println(r.Start.Format("2006-01-02"), r.Country, r.PricingCategory, r.PricingType, r.Tier, r.Volume, r.Currency, r.Cost)
	}
	// Output:
	// 2026-11-02 TR MARKETING REGULAR 0:MAX 1 USD 0.0109
	// 2026-11-02 TR SERVICE FREE_CUSTOMER_SERVICE  1  0
	// 2026-11-03 TR UTILITY REGULAR 0:1000 1 USD 0.0053
}

func ExampleMessageCosts() {
	costs, err := credits.MessageCosts(context.Background(), exampleStore(), exampleQuery())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(costs["m1"].Amount, costs["m3"].Amount, len(costs))
	// Output: 0.0109 0.0053 2
}

func ExampleParseCardCSV() {
	card, err := credits.ParseCardCSV(strings.NewReader(cardCSV))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(card.Name, len(card.Rates), "rates;", card.Rates[1].Category, "tiers:", len(card.Rates[1].Tiers))
	_, err = credits.ParseCardCSV(strings.NewReader(strings.Replace(cardCSV, "0.0109", "0.01O9", 1)))
	fmt.Println(err)
	// Output:
	// docs 2 rates; utility tiers: 2
	// credits: card: line 13: price: invalid value: "0.01O9" is not a plain decimal
}

// Partitions of a tenant's contacts, folded separately (here in one
// process) and merged, give the single-pass answer.
func ExampleAccumulator() {
	ctx := context.Background()
	st := exampleStore()
	q := exampleQuery()
	total, _ := credits.NewAccumulator(q)
	for i := 0; i < 2; i++ {
		part, _ := credits.NewAccumulator(q)
		for log, err := range st.ScanContacts(ctx, cm.Query{Tenant: "acme", Partition: cm.Partition{Index: i, Count: 2}}) {
			if err != nil {
				fmt.Println(err)
				return
			}
			part.Add(log)
		}
		if err := total.Merge(part); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(total.Summary().Used)
	// Output: 0.02 USD
}

// Fold reads one partition of the tenant's contacts from a store; the
// accumulators of every partition merge into the single-pass answer.
func ExampleFold() {
	ctx := context.Background()
	st := exampleStore()
	var total *credits.Accumulator
	for i := 0; i < 2; i++ {
		q := exampleQuery()
		q.Partition = cm.Partition{Index: i, Count: 2}
		part, err := credits.Fold(ctx, st, q)
		if err != nil {
			fmt.Println(err)
			return
		}
		if total == nil {
			total = part
		} else if err := total.Merge(part); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(total.Summary().Used)
	// Output: 0.02 USD
}
