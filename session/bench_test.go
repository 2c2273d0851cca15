package session

import (
	"context"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/demo"
	"github.com/convometrics/convometrics/internal/frame"
	"github.com/convometrics/convometrics/memstore"
)

// benchEvents is the size of the benchmarks' demo workload: 1M events, or
// $CONVOMETRICS_BENCH_EVENTS (for example 10000000).
func benchEvents() int {
	if n, err := strconv.Atoi(os.Getenv("CONVOMETRICS_BENCH_EVENTS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

var benchStores sync.Map

func benchStore(b *testing.B) *memstore.Store {
	n := benchEvents()
	if s, ok := benchStores.Load(n); ok {
		return s.(*memstore.Store)
	}
	s := memstore.New()
	batch := make([]cm.Event, 0, 8192)
	for e := range demo.Generate(demo.Options{Events: n, Seed: 1}) {
		batch = append(batch, e)
		if len(batch) == cap(batch) {
			if _, err := s.Append(context.Background(), batch...); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if _, err := s.Append(context.Background(), batch...); err != nil {
		b.Fatal(err)
	}
	benchStores.Store(n, s)
	return s
}

// benchQuery is the dashboard's question: a tenant's last 30 days.
func benchQuery(tenant string) Query {
	loc := demo.Location(tenant)
	r := cm.NewCalendar(loc).LastDays(30, time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC))
	return Query{Tenant: tenant, Range: r, Calendar: cm.NewCalendar(loc)}
}

// rows reports the frame's rows per second.
func reportRows(b *testing.B, s *memstore.Store, q Query) {
	c, _ := q.compile()
	f, err := frame.Get(context.Background(), s, c.spec())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(f.Len())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func benchQuestion[T any](b *testing.B, q Query, ask func(context.Context, cm.Reader, Query) (T, error)) {
	s := benchStore(b)
	if _, err := ask(context.Background(), s, q); err != nil { // builds and caches the frame
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ask(context.Background(), s, q); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportRows(b, s, q)
}

// BenchmarkOverview is the dashboard overview of the largest demo tenant
// over 30 days (its whole history is read).
func BenchmarkOverview(b *testing.B) { benchQuestion(b, benchQuery("acme"), Overview) }

// BenchmarkAgents is the agent, team and inbox table of the same tenant.
func BenchmarkAgents(b *testing.B) { benchQuestion(b, benchQuery("acme"), Agents) }

// BenchmarkAgentsBusinessHours adds business hours and SLA targets.
func BenchmarkAgentsBusinessHours(b *testing.B) {
	q := benchQuery("acme")
	nine := []Window{{From: "09:00", To: "18:00"}}
	q.Options.BusinessHours = &BusinessHours{Monday: nine, Tuesday: nine, Wednesday: nine, Thursday: nine, Friday: nine}
	q.Options.SLA = &SLA{FirstResponse: Duration(15 * time.Minute)}
	benchQuestion(b, q, Agents)
}

// BenchmarkAssist is the agent-assist usage and accuracy.
func BenchmarkAssist(b *testing.B) { benchQuestion(b, benchQuery("acme"), Assist) }

// BenchmarkOverviewFiltered filters by agent (two passes per contact).
func BenchmarkOverviewFiltered(b *testing.B) {
	q := benchQuery("acme")
	q.Filter.Agents = []string{"ayse", "can"}
	benchQuestion(b, q, Overview)
}

// BenchmarkAccuracy is the accuracy of one suggestion: a short reply, and
// texts of 1 KB, 16 KB and 64 KiB (MaxTextLen) with one word in ten
// edited; "-dp" is the plain quadratic dynamic programme (the tests'
// oracle) on the same texts.
func BenchmarkAccuracy(b *testing.B) {
	type text struct{ name, s, f string }
	texts := []text{{"short", "İade talebinizi aldık, 3 iş günü içinde dönüş yapacağız.", "İade talebinizi aldık; en geç 3 iş günü içinde döneceğiz."}}
	for _, n := range []struct {
		name  string
		bytes int
	}{{"1KB", 1 << 10}, {"16KB", 16 << 10}, {"64KiB", 64 << 10}} {
		s, f := benchTexts(n.bytes)
		texts = append(texts, text{n.name, s, f})
	}
	for _, t := range texts {
		b.Run(t.name, func(b *testing.B) {
			var lv levenshtein
			b.ReportAllocs()
			for b.Loop() {
				lv.accuracy(t.s, t.f)
			}
		})
	}
	for _, t := range texts[1:3] {
		b.Run(t.name+"-dp", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				accuracyDP(t.s, t.f)
			}
		})
	}
}
