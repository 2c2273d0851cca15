package convometrics_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
)

// Decoding JSON Lines: each bad line is reported with its number, and
// decoding goes on.
func ExampleDecoder() {
	input := `{"id":"e1","tenant":"acme","type":"message.received","time":"2026-11-02T09:00:00+03:00","contact":"905551112233"}
{"id":"e2","tenant":"acme","type":"cart.added","time":"2026-11-02T09:05:00+03:00","contact":"905551112233","amount":"12,50","currency":"TRY"}
{"id":"e3","tenant":"acme","type":"message.sent","time":"2026-11-02T09:06:00+03:00","contact":"905551112233","sender":"bot"}`
	dec := cm.NewDecoder(strings.NewReader(input), nil)
	for ev, err := range dec.Events() {
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Println(ev.ID, ev.Type, ev.Time.UTC().Format(time.Kitchen))
	}
	// Output:
	// e1 message.received 6:00AM
	// error: line 2: event "e2": amount: invalid value: not a decimal: "12,50"
	// e3 message.sent 6:06AM
}

// Validation names the event and each field at fault.
func ExampleEvent_Validate() {
	e := cm.Event{ID: "e-17", Tenant: "acme", Type: cm.PaymentSucceeded, Time: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), Currency: "try"}
	err := e.Validate()
	var ee *cm.EventError
	fmt.Println(errors.As(err, &ee), ee.Field)
	fmt.Println(err)
	// Output:
	// true currency
	// event "e-17": currency: invalid value: not an ISO 4217 code (three upper-case letters): "try"
	// event "e-17": payment: required
	// event "e-17": amount: required: must be greater than zero
}

// Calendar buckets are calendar periods: in Berlin, 25 October 2026 has 25
// hours because the clocks go back.
func ExampleCalendar_Buckets() {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	cal := cm.NewCalendar(berlin)
	r, _ := cal.DateRange(cm.Date{Year: 2026, Month: 10, Day: 24}, cm.Date{Year: 2026, Month: 10, Day: 26}, cm.RangeOptions{})
	days, _ := cal.Buckets(r, cm.Day)
	for i, start := range days.Starts {
		fmt.Println(start.Format("Mon 2006-01-02 15:04 MST"), days.End(i).Sub(start))
	}
	// Output:
	// Sat 2026-10-24 00:00 CEST 24h0m0s
	// Sun 2026-10-25 00:00 CEST 25h0m0s
	// Mon 2026-10-26 00:00 CET 24h0m0s
}

// Presets count back from "now" in the tenant's calendar.
func ExampleCalendar_PresetRange() {
	ny, _ := time.LoadLocation("America/New_York")
	cal := cm.NewCalendar(ny)
	r, _ := cal.PresetRange(cm.Last7Days, time.Date(2026, 11, 4, 15, 0, 0, 0, time.UTC))
	fmt.Println(r.From.Format(time.RFC3339), "to", r.To.Format(time.RFC3339))
	// Output: 2026-10-29T00:00:00-04:00 to 2026-11-05T00:00:00-05:00
}
