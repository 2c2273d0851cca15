package credits_test

import (
	"context"
	"flag"
	"sync"
	"testing"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/credits"
	"github.com/convometrics/convometrics/internal/demo"
	"github.com/convometrics/convometrics/memstore"
)

var benchEvents = flag.Int("credits.events", 200_000, "demo workload size of the credits benchmarks")

// benchStore is the demo workload in a memstore, and the number of
// message.sent and message.status events per tenant (the rows the folds
// read).
var benchStore = sync.OnceValues(func() (*memstore.Store, map[string]int) {
	s := memstore.New()
	rows := map[string]int{}
	batch := make([]cm.Event, 0, 8192)
	for e := range demo.Generate(demo.Options{Events: *benchEvents, Seed: 1}) {
		if e.Type == cm.MessageSent || e.Type == cm.MessageStatus {
			rows[e.Tenant]++
		}
		batch = append(batch, e)
		if len(batch) == cap(batch) {
			if _, err := s.Append(context.Background(), batch...); err != nil {
				panic(err)
			}
			batch = batch[:0]
		}
	}
	if _, err := s.Append(context.Background(), batch...); err != nil {
		panic(err)
	}
	return s, rows
})

// benchAll runs fn for every demo tenant per iteration and reports the
// rows read per second. The first run (outside the timing) lets memstore
// build and cache its frames, as a dashboard's repeated questions would.
func benchAll(b *testing.B, fn func(q credits.Query) error) {
	st, rows := benchStore()
	_ = st
	var qs []credits.Query
	total := 0
	for _, t := range demo.Tenants() {
		qs = append(qs, demoQuery(b, t.ID))
		total += rows[t.ID]
	}
	for _, q := range qs {
		if err := fn(q); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, q := range qs {
			if err := fn(q); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	// On a shared machine wall time is noisy; CPU time (both cores
	// summed) is the steadier measure of the work done.
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkUsageByCategory is the benchmark harness's question: credits by
// category per day for every tenant.
func BenchmarkUsageByCategory(b *testing.B) {
	st, _ := benchStore()
	benchAll(b, func(q credits.Query) error {
		_, err := credits.UsageBy(context.Background(), st, q)
		return err
	})
}

func BenchmarkSummarize(b *testing.B) {
	st, _ := benchStore()
	benchAll(b, func(q credits.Query) error {
		_, err := credits.Summarize(context.Background(), st, q)
		return err
	})
}

func BenchmarkReconcile(b *testing.B) {
	st, _ := benchStore()
	benchAll(b, func(q credits.Query) error {
		_, err := credits.Reconcile(context.Background(), st, q)
		return err
	})
}

func BenchmarkMessageCosts(b *testing.B) {
	st, _ := benchStore()
	benchAll(b, func(q credits.Query) error {
		_, err := credits.MessageCosts(context.Background(), st, q)
		return err
	})
}

// BenchmarkAccumulator folds four partitions of each tenant's contacts and
// merges them: the distributed form, which keeps every message's state.
func BenchmarkAccumulator(b *testing.B) {
	st, _ := benchStore()
	ctx := context.Background()
	benchAll(b, func(q credits.Query) error {
		acc, err := credits.NewAccumulator(q)
		if err != nil {
			return err
		}
		for i := 0; i < 4; i++ {
			part, _ := credits.NewAccumulator(q)
			for l, err := range st.ScanContacts(ctx, cm.Query{Tenant: q.Tenant, Partition: cm.Partition{Index: i, Count: 4}}) {
				if err != nil {
					return err
				}
				part.Add(l)
			}
			if err := acc.Merge(part); err != nil {
				return err
			}
		}
		_ = acc.Summary()
		return nil
	})
}
