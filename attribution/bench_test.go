package attribution

import (
	"context"
	"flag"
	"sync"
	"testing"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/demo"
	"github.com/convometrics/convometrics/memstore"
)

var benchEvents = flag.Int("attribution.events", 1_000_000, "size of the demo workload of the benchmarks")

// benchStore is the demo workload in a memstore, built once per run.
var benchStore = sync.OnceValue(func() *memstore.Store {
	s := memstore.New()
	batch := make([]cm.Event, 0, 8192)
	for e := range demo.Generate(demo.Options{Events: *benchEvents, Seed: 1}) {
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
	return s
})

// wholePeriod asks about every demo tenant's whole period.
func wholePeriod(tenant string, def Definition) Query {
	return Query{
		Tenant:         tenant,
		Range:          cm.Range{From: demo.Start(), To: demo.Start().AddDate(0, 0, demo.Days+3)},
		AllowLongRange: true,
		Calendar:       cm.NewCalendar(demo.Location(tenant)),
		Definition:     def,
	}
}

func benchAttribute(b *testing.B, def Definition, cold bool) {
	s := benchStore()
	ctx := context.Background()
	warm(b, s, def)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if cold {
			b.StopTimer()
			s.DropCaches()
			b.StartTimer()
		}
		for _, t := range demo.Tenants() {
			if _, err := Attribute(ctx, s, wholePeriod(t.ID, def)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(*benchEvents)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// warm builds the store's index and caches the frames the query reads,
// outside the timings.
func warm(b *testing.B, s *memstore.Store, def Definition) {
	for _, t := range demo.Tenants() {
		if _, err := Attribute(context.Background(), s, wholePeriod(t.ID, def)); err != nil {
			b.Fatal(err)
		}
	}
}

// The benchmark harness's question: last-touch revenue by campaign over
// every tenant's whole period, with the frames cached (as a dashboard
// asking again) and built from the store (cold).
func BenchmarkLastTouchByCampaign(b *testing.B) { benchAttribute(b, Definition{}, false) }
func BenchmarkLastTouchByCampaignCold(b *testing.B) {
	benchAttribute(b, Definition{}, true)
}
func BenchmarkTimeDecayByTouchpoint(b *testing.B) {
	benchAttribute(b, Definition{Model: TimeDecay, Dimension: Touchpoint}, false)
}
func BenchmarkMarkovByTouchpoint(b *testing.B) {
	benchAttribute(b, Definition{Model: Markov, Dimension: Touchpoint}, false)
}
func BenchmarkMarkovByCampaign(b *testing.B) {
	benchAttribute(b, Definition{Model: Markov, Dimension: Campaign}, false)
}
func BenchmarkShapleyByTouchpoint(b *testing.B) {
	benchAttribute(b, Definition{Model: Shapley, Dimension: Touchpoint}, false)
}

func BenchmarkMatchPayments(b *testing.B) {
	s := benchStore()
	ctx := context.Background()
	warm(b, s, Definition{})
	b.ReportAllocs()
	for b.Loop() {
		for _, t := range demo.Tenants() {
			if _, err := MatchPayments(ctx, s, MatchQuery{Tenant: t.ID, Range: wholePeriod(t.ID, Definition{}).Range, AllowLongRange: true}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkMarkovPaths is the exact Markov model (with the heuristics) on
// ChannelAttribution's Data.csv: 10,000 rows, 12 channels.
func BenchmarkMarkovPaths(b *testing.B) {
	rows := loadDataCSV(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AttributePaths(rows); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
