package memstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/demo"
	"github.com/convometrics/convometrics/memstore"
	"github.com/shopspring/decimal"
)

var t0 = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// synth returns n varied events for tenant: several types, contacts,
// conversations, statuses with pricing, attrs, amounts, long ids, ties in
// time, and times mostly increasing with some late ones.
func synth(tenant string, n int, seed uint64) []cm.Event {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]cm.Event, n)
	for i := range out {
		tm := t0.Add(time.Duration(i) * time.Second)
		if r.IntN(50) == 0 {
			tm = tm.Add(-time.Duration(r.IntN(3600)) * time.Second) // late
		}
		if r.IntN(20) == 0 && i > 0 {
			tm = out[i-1].Time // tie
		}
		c := fmt.Sprintf("90555%06d", r.IntN(n/10+1))
		e := cm.Event{ID: fmt.Sprintf("%s-%d", tenant, i), Tenant: tenant, Time: tm, Contact: c,
			Channel: cm.ChannelWhatsApp, Inbox: "inbox-" + fmt.Sprint(r.IntN(2)), Conversation: c + "-1"}
		switch r.IntN(6) {
		case 0:
			e.Type, e.Message, e.MessageType = cm.MessageReceived, fmt.Sprintf("in-%d", i), "text"
		case 1:
			e.Type, e.Message, e.Sender, e.Agent, e.Team = cm.MessageSent, fmt.Sprintf("out-%d", i), cm.SenderAgent, "agent-"+fmt.Sprint(r.IntN(9)), "sales"
		case 2:
			e.Type, e.Message, e.Status = cm.MessageStatus, fmt.Sprintf("out-%d", i-1), cm.StatusDelivered
			e.PricingModel, e.PricingType, e.PricingCategory, e.Billable, e.Country = "PMP", "regular", "marketing", cm.True, "TR"
		case 3:
			e.Type, e.Flow, e.FlowVersion, e.Node = cm.FlowNode, "welcome", "v2", "n"+fmt.Sprint(r.IntN(5))
			e.Attrs = map[string]string{"answer": fmt.Sprint(r.IntN(100)), "lang": "tr"}
		case 4:
			e.Type, e.Payment, e.Link, e.Currency = cm.PaymentSucceeded, fmt.Sprintf("pay-%d", i), "plink", "TRY"
			e.Amount = decimal.New(int64(r.IntN(100000)+1), -2)
		case 5:
			e.Type, e.Contact = cm.CreditsTopup, ""
			e.Amount, e.Currency = decimal.New(int64(r.IntN(1000)+1), 0), "USD"
			if i%97 == 0 { // beyond int64, and a long id
				e.Amount = decimal.RequireFromString("123456789012345678901234.5")
				e.ID = strings.Repeat("long-id-", 10) + e.ID
			}
		}
		out[i] = e
	}
	return out
}

func sortedCopy(evs []cm.Event) []cm.Event {
	out := slices.Clone(evs)
	slices.SortFunc(out, func(a, b cm.Event) int { return cm.CompareEvents(&a, &b) })
	return out
}

func collect(t testing.TB, s *memstore.Store, q cm.Query) []cm.Event {
	t.Helper()
	out, err := cm.Collect(context.Background(), s, q)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameEvents(t testing.TB, what string, want, got []cm.Event) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%s: %d events, want %d", what, len(got), len(want))
	}
	for i := range want {
		if !want[i].Equal(&got[i]) {
			t.Fatalf("%s: event %d:\n got %s\nwant %s", what, i, got[i].AppendJSON(nil), want[i].AppendJSON(nil))
		}
	}
}

// Many segments, late events, incremental index builds between appends.
func TestSegmentsAndIncrementalIndex(t *testing.T) {
	n, cuts := 135_000, []int{1000, 70_001, 135_000} // three segments
	if raceEnabled {
		n, cuts = 70_000, []int{65_000, 70_000}
	}
	evs := synth("t", n, 1)
	s := memstore.New()
	ctx := context.Background()
	var appended []cm.Event
	for _, cut := range cuts {
		batch := evs[len(appended):cut]
		for len(batch) > 0 {
			n := min(len(batch), 5000)
			if _, err := s.Append(ctx, batch[:n]...); err != nil {
				t.Fatal(err)
			}
			appended = append(appended, batch[:n]...)
			batch = batch[n:]
		}
		sameEvents(t, fmt.Sprintf("after %d", cut), sortedCopy(appended), collect(t, s, cm.Query{Tenant: "t"}))
	}
	// A range in the middle, and a type filter.
	r := cm.Range{From: t0.Add(10 * time.Hour), To: t0.Add(20 * time.Hour)}
	var want []cm.Event
	for _, e := range sortedCopy(evs) {
		if r.Contains(e.Time) && (e.Type == cm.MessageStatus || e.Type == cm.PaymentSucceeded) {
			want = append(want, e)
		}
	}
	sameEvents(t, "range and types", want, collect(t, s, cm.Query{Tenant: "t", Range: r, Types: []cm.Type{cm.MessageStatus, cm.PaymentSucceeded}}))

	// ScanContacts equals Scan grouped by contact.
	byContact := map[string][]cm.Event{}
	for _, e := range want {
		byContact[e.Contact] = append(byContact[e.Contact], e)
	}
	var prev string
	seen := 0
	for log, err := range s.ScanContacts(ctx, cm.Query{Tenant: "t", Range: r, Types: []cm.Type{cm.MessageStatus, cm.PaymentSucceeded}}) {
		if err != nil {
			t.Fatal(err)
		}
		if seen > 0 && log.Contact <= prev {
			t.Fatalf("contacts out of order: %q after %q", log.Contact, prev)
		}
		prev = log.Contact
		sameEvents(t, "contact "+log.Contact, byContact[log.Contact], log.Events)
		seen++
	}
	if seen != len(byContact) {
		t.Fatalf("%d contacts, want %d", seen, len(byContact))
	}
	if st := s.Stats(); st.Events != len(evs) || st.Tenants != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// Any shuffle and batching, with repeats, gives the same store.
func TestShuffleDuplicateProperty(t *testing.T) {
	na := 20_000
	if raceEnabled {
		na = 8_000
	}
	evs := append(synth("a", na, 2), synth("b", 5_000, 3)...)
	var ref []cm.Event
	for seed := uint64(0); seed < 3; seed++ {
		r := rand.New(rand.NewPCG(seed, 1))
		in := slices.Clone(evs)
		r.Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
		s := memstore.New()
		dups := 0
		for len(in) > 0 {
			n := min(1+r.IntN(700), len(in))
			batch := slices.Clone(in[:n])
			for k := 0; k < n/10; k++ {
				batch = append(batch, in[r.IntN(n)])
				dups++
			}
			res, err := s.Append(context.Background(), batch...)
			if err != nil {
				t.Fatal(err)
			}
			if res.Appended != n {
				t.Fatalf("appended %d of %d", res.Appended, n)
			}
			in = in[n:]
		}
		// Re-append everything: all duplicates.
		res, err := s.Append(context.Background(), evs...)
		if err != nil || res.Appended != 0 || res.Duplicates != len(evs) {
			t.Fatalf("re-append: %+v %v", res, err)
		}
		got := append(collect(t, s, cm.Query{Tenant: "a"}), collect(t, s, cm.Query{Tenant: "b"})...)
		if seed == 0 {
			ref = got
			sameEvents(t, "reference", append(sortedCopy(evs[:na]), sortedCopy(evs[na:])...), got)
			continue
		}
		sameEvents(t, fmt.Sprintf("seed %d", seed), ref, got)
	}
}

func TestConcurrentTenants(t *testing.T) {
	s := memstore.New()
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			evs := synth(fmt.Sprintf("t%d", w%2), 30_000, uint64(w%2))
			for i := 0; i < len(evs); i += 1000 {
				if _, err := s.Append(ctx, evs[i:i+1000]...); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 30; i++ {
				for _, err := range s.ScanContacts(ctx, cm.Query{Tenant: "t0", Partition: cm.Partition{Index: i % 2, Count: 2}}) {
					if err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, tn := range []string{"t0", "t1"} {
		if got := s.Count(tn); got != 30_000 {
			t.Fatalf("%s has %d events, want 30000", tn, got)
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	evs := synth("t", 100_000, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := memstore.New()
		for k := 0; k < len(evs); k += 4096 {
			if _, err := s.Append(context.Background(), evs[k:min(k+4096, len(evs))]...); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
}

func loaded(b *testing.B, n int) *memstore.Store {
	b.Helper()
	s := memstore.New()
	evs := synth("t", n, 1)
	for k := 0; k < len(evs); k += 4096 {
		if _, err := s.Append(context.Background(), evs[k:min(k+4096, len(evs))]...); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func BenchmarkScan(b *testing.B) {
	s := loaded(b, 200_000)
	collect(b, s, cm.Query{Tenant: "t"}) // build the index
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		for _, err := range s.Scan(context.Background(), cm.Query{Tenant: "t"}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(b.N*200_000)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkScanContacts(b *testing.B) {
	s := loaded(b, 200_000)
	collect(b, s, cm.Query{Tenant: "t"})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, err := range s.ScanContacts(context.Background(), cm.Query{Tenant: "t"}) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*200_000)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkIndexBuild measures the first scan after a bulk load.
func BenchmarkIndexBuild(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := loaded(b, 200_000)
		b.StartTimer()
		for range s.Scan(context.Background(), cm.Query{Tenant: "t", Range: cm.Range{From: t0.Add(1000 * time.Hour)}}) {
		}
	}
}

// BenchmarkMemory reports heap bytes per stored event after a GC.
func BenchmarkMemory(b *testing.B) {
	for i := 0; i < b.N; i++ {
		evs := synth("t", 200_000, 1)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s := memstore.New()
		for k := 0; k < len(evs); k += 4096 {
			s.Append(context.Background(), evs[k:min(k+4096, len(evs))]...)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(evs)), "heap-B/event")
		b.ReportMetric(float64(s.Stats().Bytes)/float64(len(evs)), "est-B/event")
		runtime.KeepAlive(s)
		runtime.KeepAlive(evs)
	}
}

// BenchmarkAppendDemo appends 200k demo events in batches of 8192 (the demo
// mixes four tenants, so large calls are stored on both cores).
func BenchmarkAppendDemo(b *testing.B) {
	var evs []cm.Event
	for e := range demo.Generate(demo.Options{Events: appendDemoN, Seed: 1}) {
		evs = append(evs, e)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := memstore.New()
		for k := 0; k < len(evs); k += 8192 {
			if _, err := s.Append(context.Background(), evs[k:min(k+8192, len(evs))]...); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkValidateDemo(b *testing.B) {
	var evs []cm.Event
	for e := range demo.Generate(demo.Options{Events: 100_000, Seed: 1}) {
		evs = append(evs, e)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := range evs {
			if err := evs[k].Validate(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
}

const appendDemoN = 1_000_000
