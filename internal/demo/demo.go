// Package demo generates the demo workload: a seeded, reproducible stream of
// events from several tenants in different time zones that exercises every
// engine. It is internal: the workload may change between versions.
package demo

import (
	"iter"
	"time"

	cm "github.com/convometrics/convometrics"
)

// Options configures the workload. The zero value generates DefaultEvents
// events with seed 1.
type Options struct {
	// Events is the exact number of events to generate; 0 means DefaultEvents.
	Events int
	// Seed selects the random stream; equal options give equal output.
	Seed uint64
}

// DefaultEvents is the size of the workload when Options.Events is 0.
const DefaultEvents = 100_000

// Tenant describes one demo tenant.
type Tenant struct {
	ID       string
	TimeZone string // IANA name
	Currency string // currency of its payments and credits
	Share    float64
}

// Tenants returns the demo tenants.
func Tenants() []Tenant {
	return []Tenant{
		{ID: "acme", TimeZone: "Europe/Istanbul", Currency: "TRY", Share: 0.4},
		{ID: "globex", TimeZone: "America/New_York", Currency: "USD", Share: 0.3},
		{ID: "initech", TimeZone: "Europe/Berlin", Currency: "EUR", Share: 0.2},
		{ID: "umbrella", TimeZone: "Asia/Kolkata", Currency: "INR", Share: 0.1},
	}
}

// Location returns the time zone of demo tenant id, or nil if id is not a
// demo tenant.
func Location(id string) *time.Location {
	for _, t := range Tenants() {
		if t.ID == id {
			loc, err := time.LoadLocation(t.TimeZone)
			if err != nil {
				return nil
			}
			return loc
		}
	}
	return nil
}

// Generate returns the workload as a stream of events in (roughly) time
// order. It is a placeholder until the full generator lands.
func Generate(opts Options) iter.Seq[cm.Event] {
	n := opts.Events
	if n <= 0 {
		n = DefaultEvents
	}
	start := time.Date(2026, 9, 20, 0, 0, 0, 0, time.UTC)
	return func(yield func(cm.Event) bool) {
		for i := 0; i < n; i++ {
			e := cm.Event{ID: "e" + itoa(i), Tenant: "acme", Type: cm.MessageReceived,
				Time: start.Add(time.Duration(i) * time.Minute), Channel: cm.ChannelWhatsApp, Contact: "c" + itoa(i%100)}
			if !yield(e) {
				return
			}
		}
	}
}

func itoa(i int) string {
	var b [20]byte
	p := len(b)
	for {
		p--
		b[p] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			break
		}
	}
	return string(b[p:])
}
