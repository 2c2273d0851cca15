package funnel

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// TimeToConvertQuery asks for the distribution of the time units took from
// step FromStep to step ToStep of a funnel. A breakdown in Query is
// ignored.
type TimeToConvertQuery struct {
	Query
	// FromStep and ToStep are 0-based required steps, FromStep < ToStep;
	// ToStep 0 means the last step.
	FromStep int `json:"from_step,omitempty"`
	ToStep   int `json:"to_step,omitempty"`
	// Bins is the number of histogram bins, clamped to [1, 90]; 0 chooses
	// ⌈∛n⌉ for n samples, clamped to [1, 60].
	Bins int `json:"bins,omitempty"`
}

// Bin is one histogram bin: samples with Start ≤ seconds < Start+Width
// (the last bin also holds samples equal to its start plus width, see the
// package documentation).
type Bin struct {
	Start int64 `json:"start_s"`
	Count int   `json:"count"`
}

// TimeToConvertResult is the time-to-convert histogram.
type TimeToConvertResult struct {
	Tenant   string `json:"tenant"`
	FromStep int    `json:"from_step"`
	ToStep   int    `json:"to_step"`
	// Stats summarises the sample: every unit whose reported path reached
	// ToStep, with the time from its FromStep to its ToStep. Stats.Mean is
	// the average conversion time.
	Stats cm.DurationStats `json:"stats"`
	// Width is the width of each bin in seconds; Bins has bin count + 1
	// rows, empty when there is no sample.
	Width int64 `json:"width_s"`
	Bins  []Bin `json:"bins"`
}

func (q *TimeToConvertQuery) steps() (int, int, error) {
	from, to, err := stepPair(len(q.Funnel.Steps), q.FromStep, q.ToStep)
	if err != nil {
		return 0, 0, err
	}
	if q.Funnel.Steps[from].Optional || q.Funnel.Steps[to].Optional {
		return 0, 0, fmt.Errorf("funnel: from_step, to_step: %w: they must be required steps", cm.ErrInvalidValue)
	}
	return from, to, nil
}

// Validate checks the query: a valid funnel query ([Query.Validate]; its
// breakdown is ignored), bins not negative, and required steps FromStep
// before ToStep. It does not modify q.
func (q *TimeToConvertQuery) Validate() error {
	qq := q.Query
	qq.Breakdown = nil
	if err := qq.Validate(); err != nil {
		return err
	}
	if q.Bins < 0 {
		return fmt.Errorf("funnel: bins: %w: %d, want 0 (automatic) or more", cm.ErrInvalidValue, q.Bins)
	}
	_, _, err := q.steps()
	return err
}

// TimeToConvertAccumulator is the mergeable state behind
// [TimeToConvert]: see [Accumulator] for how accumulators are used
// ([FoldTimeToConvert] makes them).
type TimeToConvertAccumulator struct {
	c        *compiled
	key      string
	from, to int
	bins     int
	sample   []int64
	w        *worker
	lastF    *frame.Frame
	lastB    *binding
}

// FoldTimeToConvert reads the events q asks about (those of q.Partition's
// contacts only, when q names a partition) into a time-to-convert
// accumulator. It is what [TimeToConvert] runs.
func FoldTimeToConvert(ctx context.Context, r cm.Reader, q TimeToConvertQuery) (*TimeToConvertAccumulator, error) {
	a, err := newTimeToConvertAccumulator(q)
	if err != nil {
		return nil, err
	}
	f, err := frame.Get(ctx, r, a.c.spec)
	if err != nil {
		return nil, fmt.Errorf("funnel: %w", err)
	}
	return fold(ctx, f, func() *TimeToConvertAccumulator { return newTTC(a.c, a.from, a.to, a.bins) },
		(*TimeToConvertAccumulator).add, (*TimeToConvertAccumulator).merge)
}

// newTimeToConvertAccumulator returns an empty accumulator for q.
func newTimeToConvertAccumulator(q TimeToConvertQuery) (*TimeToConvertAccumulator, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	qq := q.Query
	qq.Breakdown, qq.List = nil, false
	c, err := compile(qq)
	if err != nil {
		return nil, err
	}
	from, to, _ := q.steps()
	return newTTC(c, from, to, q.Bins), nil
}

func newTTC(c *compiled, from, to, bins int) *TimeToConvertAccumulator {
	return &TimeToConvertAccumulator{c: c, key: c.key() + fmt.Sprint(from, to, bins), from: from, to: to, bins: bins, w: newWorker(c)}
}

// add folds contact group g of frame f.
func (a *TimeToConvertAccumulator) add(f *frame.Frame, g int) {
	b := a.c.bindCached(f, &a.lastF, &a.lastB)
	lo, hi := f.Group(g)
	a.w.units(b, lo, hi, func(_ string, evs []evt) {
		p, out := a.w.run(evs, -1, 0)
		if out == entered && p.done&(1<<a.to) != 0 && p.done&(1<<a.from) != 0 {
			a.sample = append(a.sample, p.t[a.to]-p.t[a.from])
		}
	})
}

// Merge adds o's sample to a's. Both must answer the same query (their
// partitions aside), else Merge returns an error wrapping [cm.ErrMismatch]
// and leaves a unchanged.
func (a *TimeToConvertAccumulator) Merge(o *TimeToConvertAccumulator) error {
	return mergeChecked(a, o, func() bool { return a.key == o.key }, (*TimeToConvertAccumulator).merge)
}

func (a *TimeToConvertAccumulator) merge(o *TimeToConvertAccumulator) {
	a.sample = append(a.sample, o.sample...)
}

// Result returns the histogram of the sample so far.
func (a *TimeToConvertAccumulator) Result() *TimeToConvertResult {
	res := &TimeToConvertResult{Tenant: a.c.q.Tenant, FromStep: a.from, ToStep: a.to, Bins: []Bin{}}
	var d cm.Durations
	for _, v := range a.sample {
		d.Add(time.Duration(v))
	}
	res.Stats = d.Stats()
	res.Width, res.Bins = histogram(a.sample, a.bins)
	return res
}

// histogram bins sample (ns) as the package documentation describes.
func histogram(sample []int64, userBins int) (int64, []Bin) {
	n := len(sample)
	if n == 0 {
		return 0, []Bin{}
	}
	bc := userBins
	if bc > 0 {
		bc = min(max(bc, 1), 90)
	} else {
		bc = 1
		for bc*bc*bc < n {
			bc++
		}
		bc = min(max(bc, 1), 60)
	}
	lo, hi := slices.Min(sample), slices.Max(sample)
	const s = int64(time.Second)
	minS := floorDiv(lo, s)
	maxS := -floorDiv(-hi, s)
	width := -floorDiv(-(maxS - minS), int64(bc))
	if width == 0 {
		width = 60
	}
	bins := make([]Bin, bc+1)
	for k := range bins {
		bins[k].Start = minS + int64(k)*width
	}
	for _, v := range sample {
		k := floorDiv(v-minS*s, width*s)
		bins[min(int(k), bc)].Count++
	}
	return width, bins
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// TimeToConvert computes the time-to-convert histogram q asks for.
func TimeToConvert(ctx context.Context, r cm.Reader, q TimeToConvertQuery) (*TimeToConvertResult, error) {
	acc, err := FoldTimeToConvert(ctx, r, q)
	if err != nil {
		return nil, err
	}
	return acc.Result(), nil
}

// Tables returns the histogram for export.
func (r *TimeToConvertResult) Tables() []cm.Table {
	t := cm.Table{Name: fmt.Sprintf("Time to convert, step %d to step %d", r.FromStep+1, r.ToStep+1), Columns: []string{"bin_start_s", "bin_end_s", "units"}}
	for _, b := range r.Bins {
		t.Rows = append(t.Rows, []string{strconv.FormatInt(b.Start, 10), strconv.FormatInt(b.Start+r.Width, 10), strconv.Itoa(b.Count)})
	}
	s := cm.Table{Name: "Time to convert, summary", Columns: []string{"units", "mean_s", "median_s", "p90_s", "min_s", "max_s"}}
	if r.Stats.Count > 0 {
		s.Rows = [][]string{{strconv.Itoa(r.Stats.Count), seconds(r.Stats.Mean), seconds(r.Stats.Median), seconds(r.Stats.P90), seconds(r.Stats.Min), seconds(r.Stats.Max)}}
	} else {
		s.Rows = [][]string{{"0", "", "", "", "", ""}}
	}
	return []cm.Table{s, t}
}
