package attribution

import (
	"context"
	"slices"
	"testing"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/demo"
)

func demoQuery(tenant string, def Definition) Query {
	return Query{
		Tenant:     tenant,
		Range:      cm.Range{From: demo.Start().AddDate(0, 0, 15), To: demo.Start().AddDate(0, 0, 45)},
		Calendar:   cm.NewCalendar(demo.Location(tenant)),
		Definition: def,
		Detail:     true,
	}
}

// partitioned computes q by folding n partitions separately, in the given
// order, both ways: with Fold, which matches the whole tenant's payments
// itself, and with FoldMatching after merging the payment accumulators of
// every partition (as stores holding one partition each must).
func partitioned(t *testing.T, r cm.Reader, q Query, n int, order []int) (folded, matched *Result) {
	t.Helper()
	ctx := context.Background()
	var m *MatchAccumulator
	for _, i := range order {
		part, err := FoldPayments(ctx, r, MatchQuery{Tenant: q.Tenant, Range: q.Range, Calendar: q.Calendar,
			ReferenceWindow: q.Definition.ReferenceWindow, IncludeTest: q.IncludeTest, Partition: cm.Partition{Index: i, Count: n}})
		if err != nil {
			t.Fatal(err)
		}
		if m == nil {
			m = part
		} else if err := m.Merge(part); err != nil {
			t.Fatal(err)
		}
	}
	matching := m.Result()
	fold := func(f func(Query) (*Accumulator, error)) *Result {
		var merged *Accumulator
		for _, i := range order {
			pq := q
			pq.Partition = cm.Partition{Index: i, Count: n}
			acc, err := f(pq)
			if err != nil {
				t.Fatal(err)
			}
			if merged == nil {
				merged = acc
			} else if err := merged.Merge(acc); err != nil {
				t.Fatal(err)
			}
		}
		res, err := merged.Result()
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	folded = fold(func(pq Query) (*Accumulator, error) { return Fold(ctx, r, pq) })
	matched = fold(func(pq Query) (*Accumulator, error) { return FoldMatching(ctx, r, pq, matching) })
	return folded, matched
}

func TestAttributeProperties(t *testing.T) {
	ctx := context.Background()
	events := demoEvents()
	s := newStore(t, events)
	shuffledStore := newStore(t, shuffled(events, 11))
	twice := newStore(t, events)
	if _, err := twice.Append(ctx, shuffled(events, 12)...); err != nil {
		t.Fatal(err)
	}
	var twin []cm.Event
	for _, e := range events {
		if e.Tenant == "globex" {
			e.Tenant = "acme"
			e.ID = "twin-" + e.ID
			twin = append(twin, e)
		}
	}
	cases := []Definition{
		{Model: LastTouch},
		{Model: TimeDecay, Dimension: Touchpoint},
		{Model: PositionBased, Dimension: Agent},
		{Model: Linear, Dimension: Flow},
		{Model: Markov, Dimension: Touchpoint},
		{Model: Markov, Dimension: Campaign},
		{Model: Shapley, Dimension: Touchpoint},
	}
	for _, def := range cases {
		for _, tenant := range []string{"acme", "globex"} {
			name := string(def.Model) + "/" + string(def.Dimension) + "/" + tenant
			t.Run(name, func(t *testing.T) {
				q := demoQuery(tenant, def)
				base, err := Attribute(ctx, s, q)
				if err != nil {
					t.Fatal(err)
				}
				checkInvariants(t, base)
				want := jsonOf(t, base)
				for label, r := range map[string]cm.Reader{"shuffled": shuffledStore, "twice": twice, "scan only": scanOnly{s}} {
					got, err := Attribute(ctx, r, q)
					if err != nil {
						t.Fatal(err)
					}
					if jsonOf(t, got) != want {
						t.Errorf("%s input changed the result", label)
					}
				}
				for _, order := range [][]int{{0, 1, 2}, {2, 1, 0}} {
					folded, matched := partitioned(t, s, q, 3, order)
					if jsonOf(t, folded) != want {
						t.Errorf("3 partitions folded and merged in order %v differ from one pass", order)
					}
					if jsonOf(t, matched) != want {
						t.Errorf("3 partitions matched, folded and merged in order %v differ from one pass", order)
					}
				}
			})
		}
	}
	// Tenants: globex's events copied into acme under other ids change
	// acme's result, and leave globex's alone; acme's own result is the
	// same as in a store without the copies.
	mixed := newStore(t, append(slices.Clone(events), twin...))
	q := demoQuery("globex", Definition{Model: Linear, Dimension: Touchpoint})
	a, err := Attribute(ctx, mixed, q)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Attribute(ctx, s, q)
	if err != nil {
		t.Fatal(err)
	}
	if jsonOf(t, a) != jsonOf(t, b) {
		t.Error("events added to another tenant changed globex")
	}
	q.Tenant = "nobody"
	res, err := Attribute(ctx, s, q)
	if err != nil || res.Totals.Conversions != 0 || len(res.Rows) != 0 {
		t.Errorf("an unknown tenant: %+v %v", res.Totals, err)
	}
}

// checkInvariants checks what holds for every result: conversions and
// revenue of the rows add up to the totals, per conversion the weights add
// up to 1 and the parts to the revenue, and the series to the totals.
func checkInvariants(t *testing.T, res *Result) {
	t.Helper()
	if res.Totals.Conversions == 0 {
		t.Fatal("no conversions: the fixture is too small")
	}
	var conv float64
	var rev cm.Amounts
	for _, r := range res.Rows {
		conv += r.Conversions
		rev = rev.Merge(r.Revenue)
	}
	if d := conv - float64(res.Totals.Conversions); d > 1e-9 || d < -1e-9 {
		t.Errorf("rows add up to %v conversions, want %d", conv, res.Totals.Conversions)
	}
	if !rev.Equal(res.Totals.Revenue) {
		t.Errorf("rows add up to %s, want %s", rev, res.Totals.Revenue)
	}
	var sconv float64
	var srev cm.Amounts
	for _, p := range res.Series {
		sconv += p.Value.Conversions
		srev = srev.Merge(p.Value.Revenue)
	}
	if sconv != float64(res.Totals.Conversions) || !srev.Equal(res.Totals.Revenue) {
		t.Errorf("series add up to %v, %s", sconv, srev)
	}
	for _, c := range res.Conversions {
		var w float64
		var parts = dec("0")
		for _, cr := range c.Credits {
			w += cr.Weight
			parts = parts.Add(cr.Revenue)
			if cr.Weight < 0 || cr.Revenue.IsNegative() {
				t.Errorf("%s: negative credit %+v", c.Payment, cr)
			}
		}
		if w < 1-1e-9 || w > 1+1e-9 || !parts.Equal(c.Revenue) {
			t.Errorf("%s: weights add up to %v, parts to %s of %s", c.Payment, w, parts, c.Revenue)
		}
	}
}
