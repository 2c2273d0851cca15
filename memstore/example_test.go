package memstore_test

import (
	"context"
	"fmt"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/memstore"
)

// Appending is idempotent by (tenant, id): a re-delivered event is counted
// as a duplicate and stored once; scans come back in time order whatever
// the arrival order.
func Example() {
	ctx := context.Background()
	s := memstore.New()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	in := cm.Event{ID: "e1", Tenant: "acme", Type: cm.MessageReceived, Time: at, Contact: "905551112233"}
	out := cm.Event{ID: "e2", Tenant: "acme", Type: cm.MessageSent, Time: at.Add(time.Minute), Contact: "905551112233", Sender: cm.SenderBot}

	res, _ := s.Append(ctx, out, in) // out of order
	fmt.Printf("%+v\n", res)
	res, _ = s.Append(ctx, in) // a re-delivery
	fmt.Printf("%+v\n", res)

	changed := in
	changed.Contact = "905559998877"
	_, err := s.Append(ctx, changed)
	fmt.Println(err)

	for e, err := range s.Scan(ctx, cm.Query{Tenant: "acme"}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(e.ID, e.Type)
	}
	// Output:
	// {Appended:2 Duplicates:0}
	// {Appended:0 Duplicates:1}
	// memstore: append: tenant "acme": event "e1": conflicting event with the same id
	// e1 message.received
	// e2 message.sent
}
