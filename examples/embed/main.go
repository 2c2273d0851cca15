// Command embed is the embedding example of the README: events into the
// in-memory store, the session overview out. Keep the two identical.
package main

import (
	"context"
	"fmt"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/memstore"
	"github.com/convometrics/convometrics/session"
)

func main() {
	ctx := context.Background()
	store := memstore.New() // or the host's own cm.Reader over its tables
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	store.Append(ctx,
		cm.Event{ID: "e1", Tenant: "acme", Type: cm.MessageReceived, Time: at, Contact: "905551112233"},
		cm.Event{ID: "e2", Tenant: "acme", Type: cm.MessageSent, Time: at.Add(time.Minute), Contact: "905551112233", Sender: cm.SenderBot},
	)
	cal := cm.NewCalendar(time.UTC)
	rng, _ := cal.PresetRange(cm.Last7Days, at)
	ov, err := session.Overview(ctx, store, session.Query{Tenant: "acme", Range: rng, Calendar: cal})
	if err != nil {
		panic(err)
	}
	fmt.Println(ov.Messages.Received.Total, ov.Messages.ByBot.Total, ov.ResponseTime.Total.Median)
}
