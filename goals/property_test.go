package goals_test

import (
	"context"
	"errors"
	"iter"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/goals"
	"github.com/convometrics/convometrics/internal/demo"
	"github.com/convometrics/convometrics/internal/frame"
	"github.com/convometrics/convometrics/memstore"
	"github.com/google/go-cmp/cmp"
)

// The property tests run the three questions over a small demo workload
// and check the invariants of ENGINES.md: shuffled input, duplicated
// input, partitions merged and tenant isolation give the single-pass
// answer.

var (
	demoOnce   sync.Once
	demoEvents []cm.Event
)

// demoWorkload returns 25,000 demo events (seed 3), generated once.
func demoWorkload() []cm.Event {
	demoOnce.Do(func() {
		for e := range demo.Generate(demo.Options{Events: 25_000, Seed: 3}) {
			demoEvents = append(demoEvents, e)
		}
	})
	return demoEvents
}

func storeOf(t testing.TB, batches ...[]cm.Event) *memstore.Store {
	t.Helper()
	s := memstore.New()
	for _, b := range batches {
		for i := 0; i < len(b); i += 4096 {
			if _, err := s.Append(context.Background(), b[i:min(i+4096, len(b))]...); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s
}

func shuffled(evs []cm.Event, seed uint64) []cm.Event {
	out := slices.Clone(evs)
	r := rand.New(rand.NewPCG(seed, seed))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// scanOnly hides a store's fast paths, so frames are built by a scan.
type scanOnly struct{ r cm.Reader }

func (s scanOnly) Scan(ctx context.Context, q cm.Query) iter.Seq2[cm.Event, error] {
	return s.r.Scan(ctx, q)
}

// answers are the three questions' results for one tenant.
type answers struct {
	Conversions *goals.Result
	Flows       *goals.FlowsResult
	Compare     *goals.Comparison
}

// demoQueries are the questions asked in the property tests: the last 30
// days of the workload in the tenant's zone, with goals of every kind.
func demoQueries(tenant string) (goals.Query, goals.FlowsQuery, goals.CompareQuery) {
	cal := cm.NewCalendar(demo.Location(tenant))
	r := cal.LastDays(30, time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC))
	f, err := os.Open("testdata/demo_goals.json")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	gs, err := goals.ParseGoals(f)
	if err != nil {
		panic(err)
	}
	gs = append(gs, goals.PaymentSucceededGoal(), goals.CompletionGoal("shop"), goals.Goal{Name: "signup", When: goals.Condition{Goal: "newsletter_signup"}})
	return goals.Query{Tenant: tenant, Range: r, Calendar: cal, Goals: gs},
		goals.FlowsQuery{Tenant: tenant, Range: r, Calendar: cal, DroppedRuns: true},
		goals.CompareQuery{Tenant: tenant, Range: r, Calendar: cal, Flow: "shop"}
}

func ask(t testing.TB, r cm.Reader, tenant string) answers {
	t.Helper()
	ctx := context.Background()
	q, fq, cq := demoQueries(tenant)
	var a answers
	var err error
	if a.Conversions, err = goals.Conversions(ctx, r, q); err != nil {
		t.Fatal(err)
	}
	if a.Flows, err = goals.Flows(ctx, r, fq); err != nil {
		t.Fatal(err)
	}
	if a.Compare, err = goals.CompareVersions(ctx, r, cq); err != nil {
		t.Fatal(err)
	}
	return a
}

// single answers the three questions with one accumulator each, adding
// every contact group in order: no parallel fold, no merge.
func single(t testing.TB, r cm.Reader, tenant string) answers {
	t.Helper()
	ctx := context.Background()
	q, fq, cq := demoQueries(tenant)
	var a answers
	var err error
	if a.Conversions, err = goals.SequentialConversions(ctx, r, q); err != nil {
		t.Fatal(err)
	}
	if a.Flows, err = goals.SequentialFlows(ctx, r, fq); err != nil {
		t.Fatal(err)
	}
	if a.Compare, err = goals.SequentialCompare(ctx, r, cq); err != nil {
		t.Fatal(err)
	}
	return a
}

var tenants = []string{"acme", "umbrella"} // with and without host conversation ids

func TestPropertyShuffleAndDuplicates(t *testing.T) {
	evs := demoWorkload()
	ref := storeOf(t, evs)
	for _, tenant := range tenants {
		want := single(t, ref, tenant)
		if want.Conversions.Conversations == 0 || want.Flows.TimesTriggered == 0 || len(want.Compare.Versions) != 2 {
			t.Fatalf("%s: the workload exercises nothing: %+v", tenant, want.Flows)
		}
		for _, g := range want.Conversions.Goals {
			// umbrella's shop flow has no checkout node.
			if g.Conversions == 0 && !(tenant == "umbrella" && g.Name == "checkout, paid first time") {
				t.Errorf("%s: goal %s never converts on the demo", tenant, g.Name)
			}
		}
		for name, r := range map[string]cm.Reader{
			"single pass, parallel": ref,
			"shuffled":              storeOf(t, shuffled(evs, 1)),
			"duplicated":            storeOf(t, evs, shuffled(evs, 2)),
			"scan, shuffled":        scanOnly{storeOf(t, shuffled(evs, 3))},
			"frame from shuffled":   frameSource{shuffled(evs, 4)},
		} {
			if diff := cmp.Diff(want, ask(t, r, tenant)); diff != "" {
				t.Errorf("%s, %s: result differs (-single pass +%s):\n%s", tenant, name, name, diff)
			}
		}
	}
}

// frameSource serves frames built from flat events with frame.FromEvents,
// whose dictionaries differ from memstore's.
type frameSource struct{ evs []cm.Event }

func (s frameSource) Scan(ctx context.Context, q cm.Query) iter.Seq2[cm.Event, error] {
	return func(yield func(cm.Event, error) bool) {
		var sel []cm.Event
		for _, e := range s.evs {
			if q.Wants(&e) {
				sel = append(sel, e)
			}
		}
		slices.SortFunc(sel, func(a, b cm.Event) int { return cm.CompareEvents(&a, &b) })
		for _, e := range sel {
			if !yield(e, nil) {
				return
			}
		}
	}
}

func (s frameSource) Frame(ctx context.Context, spec frame.Spec) (*frame.Frame, error) {
	return frame.FromEvents(spec, s.evs), nil
}

func TestPropertyPartitions(t *testing.T) {
	evs := demoWorkload()
	s := storeOf(t, evs)
	ctx := context.Background()
	for _, tenant := range tenants {
		want := single(t, s, tenant)
		q, fq, cq := demoQueries(tenant)
		const n = 3
		// fold returns the three accumulators of partition i, through the
		// public Fold functions. Partition 1 is built by a scan, so its
		// dictionaries differ.
		fold := func(i int) (*goals.Accumulator, *goals.FlowsAccumulator, *goals.CompareAccumulator) {
			part := cm.Partition{Index: i, Count: n}
			q, fq, cq := q, fq, cq
			q.Partition, fq.Partition, cq.Partition = part, part, part
			var r cm.Reader = s
			if i == 1 {
				r = scanOnly{s}
			}
			a, err := goals.Fold(ctx, r, q)
			if err != nil {
				t.Fatal(err)
			}
			b, err := goals.FoldFlows(ctx, r, fq)
			if err != nil {
				t.Fatal(err)
			}
			c, err := goals.FoldCompare(ctx, r, cq)
			if err != nil {
				t.Fatal(err)
			}
			return a, b, c
		}
		// Merge in two orders: ((0+1)+2) and (2+(1+0)).
		for _, order := range [][]int{{0, 1, 2}, {2, 1, 0}} {
			a, b, c := fold(order[0])
			for _, i := range order[1:] {
				x, y, z := fold(i)
				if err := errors.Join(a.Merge(x), b.Merge(y), c.Merge(z)); err != nil {
					t.Fatal(err)
				}
			}
			got := answers{a.Result(), b.Result(), c.Result()}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: merged partitions %v differ (-single pass +merged):\n%s", tenant, order, diff)
			}
		}
	}
}

// TestMergeMismatch: accumulators of different queries do not merge, and
// the error names the fields that differ; the same query written
// differently (an explicit default, the range in another zone, another
// partition, AllowLongRange) merges.
func TestMergeMismatch(t *testing.T) {
	ctx := context.Background()
	s := storeOf(t, demoWorkload()[:2000])
	q, fq, cq := demoQueries("acme")
	fold := func(q goals.Query) *goals.Accumulator {
		t.Helper()
		a, err := goals.Fold(ctx, s, q)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := fold(q)
	week, fewer, zone, look := q, q, q, q
	week.Granularity = cm.Week
	fewer.Goals = q.Goals[1:]
	zone.Calendar = cm.NewCalendar(time.UTC)
	look.Lookback = time.Hour
	for _, tc := range []struct {
		o    *goals.Accumulator
		want string
	}{
		{fold(week), "differ in granularity"},
		{fold(fewer), "differ in goals"},
		{fold(zone), "differ in calendar"},
		{fold(look), "differ in lookback_ns"},
		{a, "an accumulator into itself"},
	} {
		if err := a.Merge(tc.o); !errors.Is(err, cm.ErrMismatch) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "goals: merge: ") {
			t.Errorf("merge: %v, want cm.ErrMismatch and %q", err, tc.want)
		}
	}
	same := q
	same.Granularity = cm.Day // the default, explicit
	same.Range = cm.Range{From: q.Range.From.UTC(), To: q.Range.To.UTC()}
	same.Partition = cm.Partition{Index: 1, Count: 2}
	same.AllowLongRange = true
	if err := a.Merge(fold(same)); err != nil {
		t.Errorf("merge of the same query: %v", err)
	}

	f1, err := goals.FoldFlows(ctx, s, fq)
	if err != nil {
		t.Fatal(err)
	}
	fq2 := fq
	fq2.Flow = "shop"
	f2, _ := goals.FoldFlows(ctx, s, fq2)
	if err := f1.Merge(f2); !errors.Is(err, cm.ErrMismatch) || !strings.Contains(err.Error(), "differ in flow") {
		t.Errorf("flows merge: %v", err)
	}
	fq3 := fq
	fq3.RunTimeout = goals.DefaultRunTimeout // the default, explicit
	f3, _ := goals.FoldFlows(ctx, s, fq3)
	if err := f1.Merge(f3); err != nil {
		t.Errorf("flows merge of the same query: %v", err)
	}

	c1, err := goals.FoldCompare(ctx, s, cq)
	if err != nil {
		t.Fatal(err)
	}
	cq2 := cq
	cq2.Flow = "support"
	c2, _ := goals.FoldCompare(ctx, s, cq2)
	if err := c1.Merge(c2); !errors.Is(err, cm.ErrMismatch) || !strings.Contains(err.Error(), "differ in flow, goal") {
		t.Errorf("compare merge: %v", err)
	}
	cq3 := cq
	g := goals.CompletionGoal("shop") // the default, explicit
	cq3.Goal = &g
	c3, _ := goals.FoldCompare(ctx, s, cq3)
	if err := c1.Merge(c3); err != nil {
		t.Errorf("compare merge of the same query: %v", err)
	}
}

// TestPropertyTenants: a second tenant with the same contact ids and
// different flows and goals changes nothing in the first tenant's answer.
func TestPropertyTenants(t *testing.T) {
	evs := demoWorkload()
	var acme, twin []cm.Event
	for _, e := range evs {
		if e.Tenant != "acme" {
			continue
		}
		acme = append(acme, e)
		e.Tenant = "twin"
		switch e.Type {
		case cm.FlowCompleted, cm.GoalReached, cm.PaymentSucceeded:
			continue // the twin never converts
		case cm.FlowNode:
			e.Node = "twin-" + e.Node
		}
		twin = append(twin, e)
	}
	want := single(t, storeOf(t, acme), "acme")
	got := ask(t, storeOf(t, shuffled(append(slices.Clone(acme), twin...), 5)), "acme")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("acme's answer changed with a twin tenant (-alone +with twin):\n%s", diff)
	}
	tw := ask(t, storeOf(t, twin), "twin")
	for _, g := range tw.Conversions.Goals {
		if g.Conversions != 0 {
			t.Errorf("twin: goal %s converted %d times; its events have no conversions", g.Name, g.Conversions)
		}
	}
	if tw.Flows.TimesTriggered != want.Flows.TimesTriggered {
		t.Errorf("twin: %d runs, want acme's %d", tw.Flows.TimesTriggered, want.Flows.TimesTriggered)
	}
}
