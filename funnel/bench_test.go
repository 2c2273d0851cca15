package funnel_test

import (
	"context"
	"testing"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/funnel"
	"github.com/convometrics/convometrics/internal/demo"
	"github.com/convometrics/convometrics/internal/frame"
	"github.com/convometrics/convometrics/memstore"
)

// benchStore holds the demo workload of the benchmarks (200k events).
var benchStore *memstore.Store

func benchData(b *testing.B) *memstore.Store {
	if benchStore == nil {
		var evs []cm.Event
		for e := range demo.Generate(demo.Options{Events: 200_000, Seed: 1}) {
			evs = append(evs, e)
		}
		benchStore = store(b, evs)
	}
	return benchStore
}

// benchFunnel runs q over every demo tenant per iteration and reports
// events (rows of the frames) per second.
func benchFunnel(b *testing.B, q funnel.Query) {
	s := benchData(b)
	ctx := context.Background()
	rows := 0
	for _, t := range demo.Tenants() {
		q.Tenant, q.Range = t.ID, benchRange
		res, err := funnel.Steps(ctx, s, q) // builds and caches the frames
		if err != nil {
			b.Fatal(err)
		}
		if res.Steps[0].Count == 0 {
			b.Fatalf("%s: nobody entered", t.ID)
		}
		f, err := frameRows(ctx, s, q)
		if err != nil {
			b.Fatal(err)
		}
		rows += f
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, t := range demo.Tenants() {
			q.Tenant = t.ID
			if _, err := funnel.Steps(ctx, s, q); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkOrdered3Step is the benchmark harness's funnel question: inbound
// message → cart → payment, 7 days, ordered, over all contacts.
func BenchmarkOrdered3Step(b *testing.B) {
	benchFunnel(b, funnel.Query{Funnel: funnel.Definition{Steps: inboundCartPaid, Window: funnel.Window{Value: 7, Unit: funnel.Day}}})
}

func BenchmarkBreakdownFirstTouch(b *testing.B) {
	benchFunnel(b, funnel.Query{Funnel: funnel.Definition{Steps: inboundCartPaid, Window: funnel.Window{Value: 7, Unit: funnel.Day}},
		Breakdown: &funnel.Breakdown{Field: "flow"}})
}

func BenchmarkStrictFiltered(b *testing.B) {
	benchFunnel(b, funnel.Query{Funnel: funnel.Definition{Order: funnel.Strict, Steps: []funnel.Step{
		{Type: cm.MessageReceived}, {Type: cm.ConversationOpened},
		{Type: cm.MessageSent, Where: []funnel.Match{{Field: "sender", Op: funnel.In, Values: []string{"bot", "ai"}}}},
	}}})
}

func BenchmarkUnordered(b *testing.B) {
	benchFunnel(b, funnel.Query{Funnel: funnel.Definition{Order: funnel.Unordered, Steps: steps(cm.FlowStarted, cm.CartAdded, cm.PaymentLink)}})
}

// frameRows returns the number of rows of the frame q reads from s.
func frameRows(ctx context.Context, s *memstore.Store, q funnel.Query) (int, error) {
	spec, err := funnel.SpecOf(q)
	if err != nil {
		return 0, err
	}
	f, err := frame.Get(ctx, s, spec)
	if err != nil {
		return 0, err
	}
	return f.Len(), nil
}

// benchRange is the whole demo workload (its events lie in the 63 days
// from demo.Start()).
var benchRange = cm.Range{From: demo.Start(), To: demo.Start().AddDate(0, 0, demo.Days+3)}

// BenchmarkOrdered3StepColdFrame is BenchmarkOrdered3Step with the store's
// frame cache dropped before every run: the cost of building the frames
// from memstore's columns included.
func BenchmarkOrdered3StepColdFrame(b *testing.B) {
	s := benchData(b)
	ctx := context.Background()
	q := funnel.Query{Range: benchRange, Funnel: funnel.Definition{Steps: inboundCartPaid, Window: funnel.Window{Value: 7, Unit: funnel.Day}}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.DropCaches()
		for _, t := range demo.Tenants() {
			q.Tenant = t.ID
			if _, err := funnel.Steps(ctx, s, q); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkCampaigns(b *testing.B) {
	s := benchData(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, t := range demo.Tenants() {
			if _, err := funnel.Campaigns(ctx, s, funnel.CampaignQuery{Tenant: t.ID, Range: benchRange}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkCommerce(b *testing.B) {
	s := benchData(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, t := range demo.Tenants() {
			cal := cm.NewCalendar(demo.Location(t.ID))
			q := funnel.CommerceQuery{Tenant: t.ID, Range: benchRange, Calendar: cal}
			if _, err := funnel.Commerce(ctx, s, q); err != nil {
				b.Fatal(err)
			}
		}
	}
}
