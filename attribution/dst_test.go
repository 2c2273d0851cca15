package attribution

import (
	"context"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
)

func TestSeriesAcrossDST(t *testing.T) {
	berlin := mustLoad("Europe/Berlin")
	f := &fixture{tenant: "t"}
	sale := func(id string, at time.Time, amount string) {
		f.add(cm.Event{Type: cm.MessageSent, Time: at.Add(-time.Hour), Contact: "c" + id, Sender: cm.SenderCampaign, Campaign: "autumn"})
		f.add(cm.Event{Type: cm.PaymentLink, Time: at.Add(-time.Minute), Contact: "c" + id, Link: "l" + id, Amount: dec(amount), Currency: "EUR"})
		f.add(cm.Event{Type: cm.PaymentSucceeded, Time: at, Payment: "p" + id, Link: "l" + id, Amount: dec(amount), Currency: "EUR"})
	}
	// 2026-10-25 is Berlin's 25-hour day (clocks go back at 03:00 CEST).
	sale("1", time.Date(2026, 10, 25, 0, 30, 0, 0, berlin), "1.00")  // 24-10 22:30 UTC: the 25th in Berlin
	sale("2", time.Date(2026, 10, 25, 23, 30, 0, 0, berlin), "2.00") // 22:30 UTC, after the change
	sale("3", time.Date(2026, 10, 26, 0, 30, 0, 0, berlin), "4.00")  // 25-10 23:30 UTC: the 26th in Berlin
	cal := cm.NewCalendar(berlin)
	r, err := cal.DateRange(cm.Date{Year: 2026, Month: 10, Day: 24}, cm.Date{Year: 2026, Month: 10, Day: 26}, cm.RangeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Attribute(context.Background(), newStore(t, f.events), Query{Tenant: "t", Range: r, Calendar: cal})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		start string
		hours float64
		conv  float64
		rev   string
	}{
		{"2026-10-24 00:00 CEST", 24, 0, "0"},
		{"2026-10-25 00:00 CEST", 25, 2, "3.00 EUR"},
		{"2026-10-26 00:00 CET", 24, 1, "4.00 EUR"},
	}
	if len(res.Series) != len(want) {
		t.Fatalf("%d buckets: %+v", len(res.Series), res.Series)
	}
	for i, w := range want {
		p := res.Series[i]
		end := r.To
		if i+1 < len(res.Series) {
			end = res.Series[i+1].Start
		}
		if got := p.Start.Format("2006-01-02 15:04 MST"); got != w.start || end.Sub(p.Start).Hours() != w.hours || p.Value.Conversions != w.conv || p.Value.Revenue.String() != w.rev {
			t.Errorf("bucket %d: %s (%vh) %v %s; want %s (%vh) %v %s", i, got, end.Sub(p.Start).Hours(), p.Value.Conversions, p.Value.Revenue, w.start, w.hours, w.conv, w.rev)
		}
	}
}

func TestLookbackIsAnExactDuration(t *testing.T) {
	// New York leaves daylight saving time on 2026-11-01. A payment on
	// 2026-11-20 12:00 EST (17:00 UTC) with a 30-day lookback reaches back
	// exactly 720 hours, to 2026-10-21 17:00 UTC = 13:00 EDT, not to
	// 12:00 local on the calendar day 30 days before.
	ny := mustLoad("America/New_York")
	pay := time.Date(2026, 11, 20, 12, 0, 0, 0, ny)
	f := &fixture{tenant: "t"}
	send := func(at time.Time, campaign string) {
		f.add(cm.Event{Type: cm.MessageSent, Time: at, Contact: "c", Sender: cm.SenderCampaign, Campaign: campaign})
	}
	send(pay.Add(-720*time.Hour), "exactly_30_days")            // 13:00 EDT on 10-21: inside (inclusive)
	send(time.Date(2026, 10, 21, 12, 30, 0, 0, ny), "calendar") // 30 calendar days, but 720.5 hours: outside
	f.add(cm.Event{Type: cm.PaymentLink, Time: pay.Add(-time.Minute), Contact: "c", Link: "l", Amount: dec("9.00"), Currency: "USD"})
	f.add(cm.Event{Type: cm.PaymentSucceeded, Time: pay, Payment: "p", Link: "l", Amount: dec("9.00"), Currency: "USD"})
	res, err := Attribute(context.Background(), newStore(t, f.events), Query{Tenant: "t",
		Range: cm.Range{From: pay.Add(-time.Hour), To: pay.Add(time.Hour)}, Calendar: cm.NewCalendar(ny),
		Definition: Definition{Model: FirstTouch}})
	if err != nil {
		t.Fatal(err)
	}
	if got := revenueOf(res, "USD"); got != "exactly_30_days=9.00" {
		t.Errorf("first touch: %s, want exactly_30_days=9.00", got)
	}
}
