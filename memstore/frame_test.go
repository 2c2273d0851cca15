package memstore_test

import (
	"context"
	"iter"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/demo"
	"github.com/convometrics/convometrics/internal/frame"
	"github.com/convometrics/convometrics/memstore"
	"github.com/convometrics/convometrics/storetest"
)

// scanOnly hides every optional interface of a store, so frame.Get falls
// back to building from Scan.
type scanOnly struct{ r cm.Reader }

func (s scanOnly) Scan(ctx context.Context, q cm.Query) iter.Seq2[cm.Event, error] {
	return s.r.Scan(ctx, q)
}

var allColumns = frame.Spec{Fields: frame.Fields(1)<<frame.NumFields - 1, Amount: true, Billable: true, Translated: true, Attrs: true}

// TestFrameMatchesBuild checks that the store's own frames hold exactly
// what frame.Build makes from a plain scan, for several specs.
func TestFrameMatchesBuild(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	evs := storetest.Events("t")
	for e := range demo.Generate(demo.Options{Events: 30_000, Seed: 3}) {
		evs = append(evs, e)
	}
	if _, err := s.Append(ctx, evs...); err != nil {
		t.Fatal(err)
	}
	mid := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC)
	specs := map[string]frame.Spec{
		"all columns":     allColumns,
		"two fields":      {Fields: frame.Of(frame.Sender, frame.Agent)},
		"types and range": {Fields: frame.Of(frame.Message, frame.Status, frame.PricingCategory), Amount: true, Query: cm.Query{Types: []cm.Type{cm.MessageStatus, cm.MessageSent}, Range: cm.Range{From: mid}}},
		"partition":       {Fields: frame.Of(frame.Flow, frame.Node), Attrs: true, Query: cm.Query{Partition: cm.Partition{Index: 1, Count: 3}}},
		"nothing":         {},
		"sparse payments": {Fields: frame.Of(frame.Link, frame.Reference, frame.Payment, frame.Currency, frame.ID), Amount: true, Query: cm.Query{Types: []cm.Type{cm.PaymentLink, cm.PaymentSucceeded, cm.PaymentRefunded}}},
	}
	for _, tenant := range []string{"t", "acme", "umbrella", "nobody"} {
		for name, spec := range specs {
			spec.Query.Tenant = tenant
			s.DropCaches() // each spec from nothing: sparse selections take their own path
			got, err := frame.Get(ctx, s, spec)
			if err != nil {
				t.Fatal(err)
			}
			want, err := frame.Get(ctx, scanOnly{s}, spec)
			if err != nil {
				t.Fatal(err)
			}
			if d := frame.Diff(got, want); d != "" {
				t.Errorf("%s, %s: %s", tenant, name, d)
			}
			again, _ := s.Frame(ctx, spec)
			if again != got && tenant != "nobody" {
				t.Errorf("%s, %s: second call was not served from the cache", tenant, name)
			}
		}
	}
	// A new event invalidates the cache.
	spec := specs["two fields"]
	spec.Query.Tenant = "t"
	before, _ := s.Frame(ctx, spec)
	if _, err := s.Append(ctx, cm.Event{ID: "late", Tenant: "t", Type: cm.MessageSent, Time: mid, Contact: "c-new", Sender: cm.SenderAgent, Agent: "zed"}); err != nil {
		t.Fatal(err)
	}
	after, _ := s.Frame(ctx, spec)
	if after.Len() != before.Len()+1 {
		t.Fatalf("after an append: %d rows, want %d", after.Len(), before.Len()+1)
	}
	if id, ok := after.Lookup(frame.Agent, "zed"); !ok || id == 0 {
		t.Fatalf("Lookup(agent, zed) = %d, %v", id, ok)
	}
	if _, ok := after.Lookup(frame.Agent, "nobody-by-that-name"); ok {
		t.Fatal("Lookup found an agent that does not exist")
	}
}

func BenchmarkFrame(b *testing.B) {
	ctx := context.Background()
	s := memstore.New()
	var evs []cm.Event
	for e := range demo.Generate(demo.Options{Events: 1_000_000, Seed: 1}) {
		evs = append(evs, e)
	}
	for k := 0; k < len(evs); k += 8192 {
		if _, err := s.Append(ctx, evs[k:min(k+8192, len(evs))]...); err != nil {
			b.Fatal(err)
		}
	}
	evs = nil
	spec := frame.Spec{Query: cm.Query{Tenant: "acme"}, Fields: frame.Of(frame.Sender, frame.Agent, frame.Team, frame.Inbox, frame.Channel, frame.Conversation, frame.Message, frame.Status), Amount: true}
	run := func(b *testing.B, prepare func(i int) frame.Spec) {
		b.ReportAllocs()
		rows := 0
		for i := 0; b.Loop(); i++ {
			f, err := s.Frame(ctx, prepare(i))
			if err != nil {
				b.Fatal(err)
			}
			rows = f.Len()
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	}
	// cold: nothing cached, every field decoded from the records.
	b.Run("cold", func(b *testing.B) {
		run(b, func(int) frame.Spec { s.DropCaches(); return spec })
	})
	// columns: a spec not seen before, over fields already decoded.
	b.Run("columns", func(b *testing.B) {
		s.Frame(ctx, spec)
		run(b, func(i int) frame.Spec {
			sp := spec
			sp.Query.Range.To = time.Date(2030, 1, 1, 0, 0, 0, i, time.UTC)
			return sp
		})
	})
	// cached: the same spec again.
	b.Run("cached", func(b *testing.B) {
		run(b, func(int) frame.Spec { return spec })
	})
}
