package demo_test

import (
	"fmt"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/demo"
)

// Generate streams exactly the requested number of events; the same options
// always give the same events.
func ExampleGenerate() {
	n, sessions := 0, 0
	for e := range demo.Generate(demo.Options{Events: 10_000, Seed: 1}) {
		n++
		if e.Type == cm.ConversationOpened {
			sessions++
		}
	}
	fmt.Println(n, "events", sessions > 0)
	for _, t := range demo.Tenants() {
		fmt.Println(t.ID, t.TimeZone, t.Currency, t.Share)
	}
	// Output:
	// 10000 events true
	// acme Europe/Istanbul TRY 0.4
	// globex America/New_York USD 0.3
	// initech Europe/Berlin EUR 0.2
	// umbrella Asia/Kolkata INR 0.1
}
