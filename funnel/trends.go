package funnel

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// TrendsQuery asks for a funnel's conversion rate by entry period: for
// each calendar period, the units that entered the funnel in it (their
// attempt's first step fell in the period) and reached FromStep, and those
// of them that went on to ToStep within the window.
type TrendsQuery struct {
	// Query is the funnel; its Calendar buckets entry times (the tenant's
	// zone and week start).
	Query
	// Granularity is hour, day (the default), week or month.
	Granularity cm.Granularity `json:"granularity,omitempty"`
	// FromStep and ToStep are 0-based, FromStep < ToStep; ToStep 0 means
	// the last step.
	FromStep int `json:"from_step,omitempty"`
	ToStep   int `json:"to_step,omitempty"`
}

// TrendPoint is one period of a trend.
type TrendPoint struct {
	// Entered counts the units that reached FromStep from an entry in the
	// period; Converted those of them that reached ToStep.
	Entered   int     `json:"entered"`
	Converted int     `json:"converted"`
	Rate      cm.Rate `json:"conversion_rate"`
}

// TrendSeries is the trend of one breakdown value.
type TrendSeries struct {
	Value  string                `json:"value"`
	Other  bool                  `json:"other,omitempty"`
	Points cm.Series[TrendPoint] `json:"points"`
}

// TrendsResult is a funnel's conversion rate by entry period.
type TrendsResult struct {
	Tenant      string                `json:"tenant"`
	Granularity cm.Granularity        `json:"granularity"`
	FromStep    int                   `json:"from_step"`
	ToStep      int                   `json:"to_step"`
	Points      cm.Series[TrendPoint] `json:"points"`
	// Breakdown has one series per value, ordered by units entered
	// (descending) then value, limited as for [Result.Breakdown].
	Breakdown      []TrendSeries `json:"breakdown,omitempty"`
	BreakdownField string        `json:"breakdown_field,omitempty"`
}

func (q *TrendsQuery) steps() (int, int, error) {
	return stepPair(len(q.Funnel.Steps), q.FromStep, q.ToStep)
}

// stepPair resolves the FromStep and ToStep of a view of a funnel of n
// steps (0-based; toStep 0 means the last step) and checks that
// 0 ≤ from < to ≤ n−1.
func stepPair(n, from, toStep int) (int, int, error) {
	to := toStep
	if to == 0 {
		to = n - 1
	}
	if from < 0 || from >= n {
		return 0, 0, fmt.Errorf("funnel: from_step: %w: %d, want 0 to %d", cm.ErrInvalidValue, from, n-2)
	}
	if to < 0 || to >= n {
		return 0, 0, fmt.Errorf("funnel: to_step: %w: %d, want at most %d", cm.ErrInvalidValue, toStep, n-1)
	}
	if from >= to {
		return 0, 0, fmt.Errorf("funnel: from_step: %w: %d must be before to_step %d", cm.ErrInvalidValue, from, to)
	}
	return from, to, nil
}

// Validate checks the query: a valid funnel query ([Query.Validate]), an
// ordered or strict funnel without optional steps, and valid steps and
// granularity. It does not modify q.
func (q *TrendsQuery) Validate() error {
	if err := q.Query.Validate(); err != nil {
		return err
	}
	if q.Funnel.Order == Unordered {
		return fmt.Errorf("funnel: order: %w: trends of an unordered funnel", ErrUnsupported)
	}
	for i, s := range q.Funnel.Steps {
		if s.Optional {
			return fmt.Errorf("funnel: steps[%d].optional: %w: optional steps in trends", i, ErrUnsupported)
		}
	}
	switch q.Granularity {
	case "", cm.Hour, cm.Day, cm.Week, cm.Month:
	default:
		return fmt.Errorf("funnel: granularity: %w %q (want hour, day, week or month)", cm.ErrUnknownValue, q.Granularity)
	}
	_, _, err := q.steps()
	return err
}

// trendAgg counts entries and conversions per period.
type trendAgg struct {
	entered, converted []int
}

func newTrendAgg(n int) *trendAgg {
	return &trendAgg{entered: make([]int, n), converted: make([]int, n)}
}

func (t *trendAgg) merge(o *trendAgg) {
	for i := range t.entered {
		t.entered[i] += o.entered[i]
		t.converted[i] += o.converted[i]
	}
}

func (t *trendAgg) add(rs []trendResult) {
	for _, r := range rs {
		t.entered[r.bucket]++
		if r.converted {
			t.converted[r.bucket]++
		}
	}
}

func (t *trendAgg) total() int {
	n := 0
	for _, v := range t.entered {
		n += v
	}
	return n
}

// TrendsAccumulator is the mergeable state behind [Trends]: see
// [Accumulator] for how accumulators are used ([FoldTrends] makes them).
type TrendsAccumulator struct {
	c        *compiled
	key      string
	buckets  cm.Buckets
	from, to int
	all      *trendAgg
	bd       map[string]*trendAgg
	w        *worker
	lastF    *frame.Frame
	lastB    *binding
}

// FoldTrends reads the events q asks about (those of q.Partition's
// contacts only, when q names a partition) into a trends accumulator. It
// is what [Trends] runs.
func FoldTrends(ctx context.Context, r cm.Reader, q TrendsQuery) (*TrendsAccumulator, error) {
	a, err := newTrendsAccumulator(q)
	if err != nil {
		return nil, err
	}
	f, err := frame.Get(ctx, r, a.c.spec)
	if err != nil {
		return nil, fmt.Errorf("funnel: %w", err)
	}
	return fold(ctx, f, func() *TrendsAccumulator { return newTrends(a.c, a.buckets, a.from, a.to) },
		(*TrendsAccumulator).add, (*TrendsAccumulator).merge)
}

// newTrendsAccumulator returns an empty accumulator for q.
func newTrendsAccumulator(q TrendsQuery) (*TrendsAccumulator, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	qq := q.Query
	qq.List = false
	c, err := compile(qq)
	if err != nil {
		return nil, err
	}
	g := q.Granularity
	if g == "" {
		g = cm.Day
	}
	b, err := q.Calendar.Buckets(q.Range, g)
	if err != nil {
		return nil, fmt.Errorf("funnel: %w", err)
	}
	from, to, _ := q.steps()
	return newTrends(c, b, from, to), nil
}

func newTrends(c *compiled, b cm.Buckets, from, to int) *TrendsAccumulator {
	a := &TrendsAccumulator{c: c, buckets: b, from: from, to: to, all: newTrendAgg(b.Len()), w: newWorker(c)}
	a.key = c.key() + fmt.Sprint(from, to, b.Granularity, b.Starts[0].Location(), b.Starts[0].Unix(), b.Len())
	if c.bd != nil {
		a.bd = map[string]*trendAgg{}
	}
	return a
}

// add folds contact group g of frame f.
func (a *TrendsAccumulator) add(f *frame.Frame, g int) {
	b := a.c.bindCached(f, &a.lastF, &a.lastB)
	lo, hi := f.Group(g)
	w := a.w
	bucketOf := a.buckets.IndexUnixNano
	w.units(b, lo, hi, func(_ string, evs []evt) {
		a.all.add(w.trends(evs, bucketOf, a.from+1, a.to+1, -1, 0))
		if a.bd == nil {
			return
		}
		w.breakdowns(evs, func(v uint32, sub []evt, bdStep int, _ bool) {
			rs := w.trends(sub, bucketOf, a.from+1, a.to+1, bdStep, v)
			if len(rs) == 0 {
				return
			}
			s := b.bd.str(v)
			agg := a.bd[s]
			if agg == nil {
				agg = newTrendAgg(a.buckets.Len())
				a.bd[s] = agg
			}
			agg.add(rs)
		})
	})
}

// Merge adds o's counts to a. Both must answer the same query (their
// partitions aside), else Merge returns an error wrapping [cm.ErrMismatch]
// and leaves a unchanged; o must not be used afterwards.
func (a *TrendsAccumulator) Merge(o *TrendsAccumulator) error {
	return mergeChecked(a, o, func() bool { return a.key == o.key }, (*TrendsAccumulator).merge)
}

func (a *TrendsAccumulator) merge(o *TrendsAccumulator) {
	a.all.merge(o.all)
	for v, t := range o.bd {
		if mine := a.bd[v]; mine != nil {
			mine.merge(t)
		} else {
			a.bd[v] = t
		}
	}
}

func (t *trendAgg) series(b cm.Buckets) cm.Series[TrendPoint] {
	s := cm.NewSeries[TrendPoint](b)
	for i := range s {
		s[i].Value = TrendPoint{Entered: t.entered[i], Converted: t.converted[i], Rate: cm.RateOf(t.converted[i], t.entered[i])}
	}
	return s
}

// Result returns the trend so far.
func (a *TrendsAccumulator) Result() *TrendsResult {
	res := &TrendsResult{Tenant: a.c.q.Tenant, Granularity: a.buckets.Granularity, FromStep: a.from, ToStep: a.to, Points: a.all.series(a.buckets)}
	if a.bd == nil {
		return res
	}
	res.BreakdownField = a.c.bd.Field
	vals := make([]string, 0, len(a.bd))
	for v := range a.bd {
		vals = append(vals, v)
	}
	slices.SortFunc(vals, func(x, y string) int {
		if d := cmp.Compare(a.bd[y].total(), a.bd[x].total()); d != 0 {
			return d
		}
		return cmp.Compare(x, y)
	})
	var other *trendAgg
	for i, v := range vals {
		if a.c.bdLimit > 0 && i >= a.c.bdLimit {
			if other == nil {
				other = newTrendAgg(a.buckets.Len())
			}
			other.merge(a.bd[v])
			continue
		}
		res.Breakdown = append(res.Breakdown, TrendSeries{Value: v, Points: a.bd[v].series(a.buckets)})
	}
	if other != nil {
		res.Breakdown = append(res.Breakdown, TrendSeries{Value: "Other", Other: true, Points: other.series(a.buckets)})
	}
	return res
}

// Trends computes the conversion trend q asks for.
func Trends(ctx context.Context, r cm.Reader, q TrendsQuery) (*TrendsResult, error) {
	acc, err := FoldTrends(ctx, r, q)
	if err != nil {
		return nil, err
	}
	return acc.Result(), nil
}

// Tables returns the trend for export.
func (r *TrendsResult) Tables() []cm.Table {
	cols := []string{"period", "entered", "converted", "conversion_rate"}
	t := cm.Table{Name: fmt.Sprintf("Funnel conversion by entry %s, step %d to step %d", r.Granularity, r.FromStep+1, r.ToStep+1), Columns: cols}
	for _, p := range r.Points {
		t.Rows = append(t.Rows, trendRow(p))
	}
	out := []cm.Table{t}
	if r.Breakdown != nil {
		bt := cm.Table{Name: t.Name + " by " + r.BreakdownField, Columns: append([]string{r.BreakdownField}, cols...)}
		for _, s := range r.Breakdown {
			v := breakdownLabel(s.Value, s.Other)
			for _, p := range s.Points {
				bt.Rows = append(bt.Rows, append([]string{v}, trendRow(p)...))
			}
		}
		out = append(out, bt)
	}
	return out
}

func trendRow(p cm.Point[TrendPoint]) []string {
	return []string{stamp(p.Start), strconv.Itoa(p.Value.Entered), strconv.Itoa(p.Value.Converted), rate(p.Value.Rate)}
}
