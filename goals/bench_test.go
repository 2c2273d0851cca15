package goals_test

import (
	"context"
	"os"
	"strconv"
	"sync"
	"testing"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/goals"
	"github.com/convometrics/convometrics/internal/demo"
	"github.com/convometrics/convometrics/internal/frame"
	"github.com/convometrics/convometrics/memstore"
)

// The benchmarks load the demo workload into a memstore once:
// CONVOMETRICS_BENCH_EVENTS events (default 1,000,000), and ask about
// tenant acme (40% of the events) over the whole period (63 days: the
// queries set AllowLongRange, as questions over a whole workload do), by
// day.

var (
	benchOnce  sync.Once
	benchStore *memstore.Store
)

func benchSetup(b *testing.B) (*memstore.Store, cm.Calendar, cm.Range) {
	b.Helper()
	benchOnce.Do(func() {
		n := 1_000_000
		if v, err := strconv.Atoi(os.Getenv("CONVOMETRICS_BENCH_EVENTS")); err == nil && v > 0 {
			n = v
		}
		benchStore = memstore.New()
		batch := make([]cm.Event, 0, 8192)
		for e := range demo.Generate(demo.Options{Events: n, Seed: 1}) {
			batch = append(batch, e)
			if len(batch) == cap(batch) {
				if _, err := benchStore.Append(context.Background(), batch...); err != nil {
					panic(err)
				}
				batch = batch[:0]
			}
		}
		if _, err := benchStore.Append(context.Background(), batch...); err != nil {
			panic(err)
		}
	})
	cal := cm.NewCalendar(demo.Location("acme"))
	from := demo.Start()
	return benchStore, cal, cm.Range{From: from, To: from.AddDate(0, 0, demo.Days+3)}
}

// rows reports the frame rows folded per second for query q.
func rows(b *testing.B, q any) {
	spec, err := goals.SpecOf(q)
	if err != nil {
		b.Fatal(err)
	}
	f, err := frame.Get(context.Background(), benchStore, spec)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(f.Len())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(f.Len()), "rows")
}

// warm times ask(q) on the frame the store caches after a first ask (a
// dashboard asking again) and reports the rows folded.
func warm[Q, R any](b *testing.B, s cm.Reader, q Q, ask func(context.Context, cm.Reader, Q) (R, error)) {
	if _, err := ask(context.Background(), s, q); err != nil { // builds the frame the store caches
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ask(context.Background(), s, q); err != nil {
			b.Fatal(err)
		}
	}
	rows(b, q)
}

// BenchmarkFlows: flows triggered, popular flows and drop-out per node, on
// a frame already cached by the store (a dashboard asking again).
func BenchmarkFlows(b *testing.B) {
	s, cal, r := benchSetup(b)
	q := goals.FlowsQuery{Tenant: "acme", Range: r, AllowLongRange: true, Calendar: cal}
	warm(b, s, q, goals.Flows)
}

// BenchmarkFlowsCold is BenchmarkFlows with the store's frame cache
// dropped before each question: the frame is built every time.
func BenchmarkFlowsCold(b *testing.B) {
	s, cal, r := benchSetup(b)
	q := goals.FlowsQuery{Tenant: "acme", Range: r, AllowLongRange: true, Calendar: cal}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s.DropCaches()
		if _, err := goals.Flows(context.Background(), s, q); err != nil {
			b.Fatal(err)
		}
	}
	rows(b, q)
}

// BenchmarkFlowsDroppedRuns also lists every dropped run.
func BenchmarkFlowsDroppedRuns(b *testing.B) {
	s, cal, r := benchSetup(b)
	q := goals.FlowsQuery{Tenant: "acme", Range: r, AllowLongRange: true, Calendar: cal, DroppedRuns: true}
	warm(b, s, q, goals.Flows)
}

// BenchmarkFlowsFold is the fold alone, one accumulator on one core,
// without the frame lookup, the merge or the result.
func BenchmarkFlowsFold(b *testing.B) {
	s, cal, r := benchSetup(b)
	q := goals.FlowsQuery{Tenant: "acme", Range: r, AllowLongRange: true, Calendar: cal}
	foldAll, err := goals.FlowsFolder(q)
	if err != nil {
		b.Fatal(err)
	}
	spec, err := goals.SpecOf(q)
	if err != nil {
		b.Fatal(err)
	}
	f, err := frame.Get(context.Background(), s, spec)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		foldAll(f)
	}
	rows(b, q)
}

func benchGoals(b *testing.B) []goals.Goal {
	f, err := os.Open("testdata/demo_goals.json")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	gs, err := goals.ParseGoals(f)
	if err != nil {
		b.Fatal(err)
	}
	return gs
}

// BenchmarkConversions: the five goals of testdata/demo_goals.json (every
// kind of condition) on a cached frame.
func BenchmarkConversions(b *testing.B) {
	s, cal, r := benchSetup(b)
	q := goals.Query{Tenant: "acme", Range: r, AllowLongRange: true, Calendar: cal, Goals: benchGoals(b)}
	warm(b, s, q, goals.Conversions)
}

// BenchmarkDefaultGoals: the default goal set (goal.reached names, payment_succeeded,
// completion of each flow) found and then evaluated.
func BenchmarkDefaultGoals(b *testing.B) {
	s, cal, r := benchSetup(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		gs, err := goals.DefaultGoals(context.Background(), s, "acme", r)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := goals.Conversions(context.Background(), s, goals.Query{Tenant: "acme", Range: r, AllowLongRange: true, Calendar: cal, Goals: gs}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompareVersions: shop v1 against v2 on the flow's completion.
func BenchmarkCompareVersions(b *testing.B) {
	s, cal, r := benchSetup(b)
	q := goals.CompareQuery{Tenant: "acme", Range: r, AllowLongRange: true, Calendar: cal, Flow: "shop"}
	warm(b, s, q, goals.CompareVersions)
}
