package funnel_test

import (
	"context"
	"fmt"
	"os"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/funnel"
	"github.com/convometrics/convometrics/memstore"
	"github.com/shopspring/decimal"
)

// exampleRange is the week of the examples' events (2 November 2026).
var exampleRange = cm.Range{From: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)}

// exampleStore holds three contacts' events: ayse writes, adds to her cart
// and pays; can writes and adds to his cart; ece only writes.
func exampleStore() *memstore.Store {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	ev := func(id, contact string, min int, typ cm.Type) cm.Event {
		e := cm.Event{ID: id, Tenant: "acme", Type: typ, Contact: contact, Time: t0.Add(time.Duration(min) * time.Minute)}
		if typ == cm.CartAdded || typ == cm.PaymentSucceeded {
			e.Amount, e.Currency = decimal.RequireFromString("149.90"), "TRY"
		}
		if typ == cm.PaymentSucceeded {
			e.Payment = "pay-" + id
		}
		return e
	}
	s := memstore.New()
	_, err := s.Append(context.Background(),
		ev("1", "ayse", 0, cm.MessageReceived), ev("2", "ayse", 4, cm.CartAdded), ev("3", "ayse", 10, cm.PaymentSucceeded),
		ev("4", "can", 0, cm.MessageReceived), ev("5", "can", 8, cm.CartAdded),
		ev("6", "ece", 1, cm.MessageReceived),
	)
	if err != nil {
		panic(err)
	}
	return s
}

func ExampleSteps() {
	res, err := funnel.Steps(context.Background(), exampleStore(), funnel.Query{
		Tenant: "acme",
		Range:  exampleRange,
		Funnel: funnel.Definition{
			Steps:  []funnel.Step{{Type: cm.MessageReceived}, {Type: cm.CartAdded}, {Type: cm.PaymentSucceeded}},
			Window: funnel.Window{Value: 7, Unit: funnel.Day},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range res.Steps {
		fmt.Printf("%-18s %d  from previous %s", s.Name, s.Count, s.FromPrevious.Percent())
		if s.TimeFromPrevious.Count > 0 {
			fmt.Printf("  median %s", s.TimeFromPrevious.Median)
		}
		fmt.Println()
	}
	// Output:
	// message.received   3  from previous 100.00%
	// cart.added         2  from previous 66.67%  median 6m0s
	// payment.succeeded  1  from previous 50.00%  median 6m0s
}

func ExampleResult_Tables() {
	res, _ := funnel.Steps(context.Background(), exampleStore(), funnel.Query{
		Tenant: "acme",
		Range:  exampleRange,
		Funnel: funnel.Definition{Steps: []funnel.Step{{Type: cm.MessageReceived}, {Type: cm.CartAdded}}},
	})
	for _, t := range res.Tables() {
		t.WriteCSV(os.Stdout)
	}
	// Output:
	// step,name,count,dropped_off,conversion_from_previous,conversion_from_first,mean_time_from_previous_s,median_time_from_previous_s
	// 1,message.received,3,0,1.0000,1.0000,,
	// 2,cart.added,2,1,0.6667,0.6667,360,360
}

func ExampleTimeToConvert() {
	res, _ := funnel.TimeToConvert(context.Background(), exampleStore(), funnel.TimeToConvertQuery{Query: funnel.Query{
		Tenant: "acme",
		Range:  exampleRange,
		Funnel: funnel.Definition{Steps: []funnel.Step{{Type: cm.MessageReceived}, {Type: cm.CartAdded}}},
	}})
	fmt.Println("mean", res.Stats.Mean, "width", res.Width, "s")
	for _, b := range res.Bins {
		fmt.Println(b.Start, b.Count)
	}
	// Output:
	// mean 6m0s width 120 s
	// 240 1
	// 360 0
	// 480 1
}

func ExampleCampaigns() {
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	evs := []cm.Event{
		{ID: "t1", Tenant: "acme", Type: cm.CampaignTargeted, Time: t0, Contact: "ayse", Campaign: "black-friday", CampaignVersion: "1"},
		{ID: "s1", Tenant: "acme", Type: cm.MessageSent, Time: t0.Add(time.Minute), Contact: "ayse", Sender: cm.SenderCampaign,
			Campaign: "black-friday", CampaignVersion: "1", Template: "bf_offer", Message: "wamid.1"},
		// read arrives before delivered, and twice: the message was read
		{ID: "st1", Tenant: "acme", Type: cm.MessageStatus, Time: t0.Add(5 * time.Minute), Contact: "ayse", Message: "wamid.1", Status: cm.StatusRead},
		{ID: "st2", Tenant: "acme", Type: cm.MessageStatus, Time: t0.Add(2 * time.Minute), Contact: "ayse", Message: "wamid.1", Status: cm.StatusDelivered},
		{ID: "st3", Tenant: "acme", Type: cm.MessageStatus, Time: t0.Add(5 * time.Minute), Contact: "ayse", Message: "wamid.1", Status: cm.StatusRead},
		{ID: "r1", Tenant: "acme", Type: cm.MessageReceived, Time: t0.Add(9 * time.Minute), Contact: "ayse", ReplyTo: "wamid.1"},
		{ID: "t2", Tenant: "acme", Type: cm.CampaignTargeted, Time: t0, Contact: "can", Campaign: "black-friday", CampaignVersion: "1"},
		{ID: "s2", Tenant: "acme", Type: cm.MessageSent, Time: t0.Add(time.Minute), Contact: "can", Sender: cm.SenderCampaign,
			Campaign: "black-friday", CampaignVersion: "1", Template: "bf_offer", Message: "wamid.2"},
		{ID: "st4", Tenant: "acme", Type: cm.MessageStatus, Time: t0.Add(2 * time.Minute), Contact: "can", Message: "wamid.2", Status: cm.StatusFailed, ErrorCode: "131049"},
	}
	s := memstore.New()
	if _, err := s.Append(context.Background(), evs...); err != nil {
		fmt.Println(err)
		return
	}
	res, _ := funnel.Campaigns(context.Background(), s, funnel.CampaignQuery{Tenant: "acme", Range: exampleRange})
	c := res.Campaigns[0]
	fmt.Printf("%s: %d users, %d sent, %d failed (%d recipient), %d read, %d responses, response rate %s\n",
		c.Campaign, c.Users, c.Sent, c.Failed, c.FailedBy[funnel.FailRecipient], c.Read, c.Responses, c.ResponseRate.Percent())
	// Output:
	// black-friday: 2 users, 1 sent, 1 failed (1 recipient), 1 read, 1 responses, response rate 100.00%
}
