// Command embed is the embedding example of the README: events into the
// in-memory store, the session overview out. Keep the two identical.
package main

import (
	"context"
	"fmt"
	"log"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/memstore"
	"github.com/convometrics/convometrics/session"
)

func main() {
	ctx := context.Background()
	store := memstore.New() // or the host's own cm.Reader over its tables
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	if _, err := store.Append(ctx,
		cm.Event{ID: "e1", Tenant: "acme", Type: cm.MessageReceived, Time: at, Contact: "905551112233"},
		cm.Event{ID: "e2", Tenant: "acme", Type: cm.MessageSent, Time: at.Add(time.Minute), Contact: "905551112233", Sender: cm.SenderBot},
	); err != nil {
		log.Fatal(err) // an *cm.EventError naming the event and the field
	}
	cal := cm.NewCalendar(time.UTC)
	rng, err := cal.PresetRange(cm.Last7Days, at)
	if err != nil {
		log.Fatal(err)
	}
	// This host sends messages but never conversation.resolved: end a
	// session after 24 hours without an event.
	opts := session.Options{InactivityTimeout: session.Duration(24 * time.Hour)}
	ov, err := session.Overview(ctx, store, session.Query{Tenant: "acme", Range: rng, Calendar: cal, Options: opts})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ov.Messages.Received.Total, ov.Messages.ByBot.Total, ov.ResponseTime.Total.Median)
}
