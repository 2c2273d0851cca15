package attribution

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/demo"
)

// demoEvents returns a small demo workload, generated once.
var demoEvents = sync.OnceValue(func() []cm.Event {
	return slices.Collect(demo.Generate(demo.Options{Events: 30_000, Seed: 3}))
})

// jsonOf renders v for comparing results exactly.
func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// shuffled returns the events in a random order.
func shuffled(events []cm.Event, seed uint64) []cm.Event {
	out := slices.Clone(events)
	r := rand.New(rand.NewPCG(seed, seed+1))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func TestMatchingProperties(t *testing.T) {
	ctx := context.Background()
	events := demoEvents()
	s := newStore(t, events)
	var tenants []string
	for _, d := range demo.Tenants() {
		tenants = append(tenants, d.ID)
	}
	for _, tenant := range tenants {
		q := MatchQuery{Tenant: tenant, Range: cm.Range{From: demo.Start().AddDate(0, 0, 10), To: demo.Start().AddDate(0, 0, 40)}}
		base, err := MatchPayments(ctx, s, q)
		if err != nil {
			t.Fatal(err)
		}
		if base.Totals.Matched == 0 || base.Totals.Unmatched == 0 || base.Totals.Unpaid == 0 {
			t.Fatalf("%s: the demo should have matched, unmatched and unpaid: %+v", tenant, base.Totals)
		}
		want := jsonOf(t, base)

		// Shuffle: the same events stored in another order.
		m, err := MatchPayments(ctx, newStore(t, shuffled(events, 7)), q)
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonOf(t, m); got != want {
			t.Errorf("%s: shuffled input changed the matching", tenant)
		}

		// Duplicates: every event added twice to the accumulator, in
		// another order the second time.
		acc, err := NewMatchAccumulator(q)
		if err != nil {
			t.Fatal(err)
		}
		for _, evs := range [][]cm.Event{events, shuffled(events, 9)} {
			for i := range evs {
				if evs[i].Tenant == tenant {
					acc.Add(&evs[i])
				}
			}
		}
		if got := jsonOf(t, acc.Result()); got != want {
			t.Errorf("%s: events added twice changed the matching", tenant)
		}

		// Partitions: each of 3 partitions folded on its own, merged in
		// two different orders.
		parts := make([]*MatchAccumulator, 3)
		for i := range parts {
			pq := q
			pq.Partition = cm.Partition{Index: i, Count: 3}
			if parts[i], err = FoldPayments(ctx, s, pq); err != nil {
				t.Fatal(err)
			}
		}
		for _, order := range [][]int{{0, 1, 2}, {2, 0, 1}} {
			merged, err := NewMatchAccumulator(q)
			if err != nil {
				t.Fatal(err)
			}
			for _, i := range order {
				if err := merged.Merge(parts[i]); err != nil {
					t.Fatal(err)
				}
			}
			if err := merged.Merge(parts[order[0]]); err != nil { // merging again changes nothing
				t.Fatal(err)
			}
			if got := jsonOf(t, merged.Result()); got != want {
				t.Errorf("%s: partitions merged in order %v differ from one pass", tenant, order)
			}
		}
	}

	// Tenants: the same ids in another tenant never mix in.
	var twin []cm.Event
	for _, e := range events {
		if e.Tenant == "acme" {
			e.Tenant = "acme-twin"
			twin = append(twin, e)
		}
	}
	both := newStore(t, append(slices.Clone(events), twin...))
	// The whole demo (60 days and more), asked for explicitly.
	q := MatchQuery{Tenant: "acme", Range: cm.Range{From: demo.Start().AddDate(0, 0, -1), To: demo.Start().AddDate(0, 0, 90)}, AllowLongRange: true}
	a, err := MatchPayments(ctx, both, q)
	if err != nil {
		t.Fatal(err)
	}
	b, err := MatchPayments(ctx, s, q)
	if err != nil {
		t.Fatal(err)
	}
	if jsonOf(t, a) != jsonOf(t, b) {
		t.Error("a second tenant with the same ids changed acme's matching")
	}
}
