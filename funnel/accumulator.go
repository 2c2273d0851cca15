package funnel

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// units splits the rows [lo, hi) of one contact group into the units of
// the funnel and calls fn with each unit's id and events (in time order).
// The events slice is reused after fn returns.
func (w *worker) units(b *binding, lo, hi int, fn func(id string, evs []evt)) {
	c := w.c
	evs := w.evs[:0]
	for r := lo; r < hi; r++ {
		steps, excl, skip := b.masks(r)
		if skip || (steps|excl == 0 && c.order != Strict) {
			continue
		}
		e := evt{t: b.f.Time[r], steps: steps, excl: excl, row: int32(r)}
		if b.conv != nil {
			e.conv = b.conv[r]
			if e.conv == 0 {
				continue
			}
		}
		if c.bd != nil {
			e.val = b.bd.id(r)
		}
		evs = append(evs, e)
	}
	w.evs = evs
	if len(evs) == 0 || b.f.Contact[lo] == 0 {
		return // events without a contact belong to no unit
	}
	if b.conv == nil {
		fn(b.f.ContactOf(lo), evs)
		return
	}
	slices.SortStableFunc(evs, func(x, y evt) int { return int(x.conv) - int(y.conv) })
	d := b.f.Dict(frame.Conversation)
	for i := 0; i < len(evs); {
		j := i + 1
		for j < len(evs) && evs[j].conv == evs[i].conv {
			j++
		}
		fn(d.Str(evs[i].conv), evs[i:j])
		i = j
	}
}

// participates reports whether e matches a step or an exclusion (in a
// strict funnel other events are present too).
func (e *evt) participates() bool { return e.steps|e.excl != 0 }

// breakdowns calls fn for every breakdown value the unit is counted under,
// with the events and step attribution of that value's run. first and
// last touch reuse the unit's overall path (reuse true).
func (w *worker) breakdowns(evs []evt, fn func(val uint32, evs []evt, bdStep int, reuse bool)) {
	c := w.c
	switch c.bd.Attribution {
	case "", FirstTouch:
		var v uint32
		for i := range evs {
			if evs[i].participates() && evs[i].val != 0 {
				v = evs[i].val
				break
			}
		}
		fn(v, evs, -1, true)
	case LastTouch:
		var v uint32
		for i := len(evs) - 1; i >= 0; i-- {
			if evs[i].participates() && evs[i].val != 0 {
				v = evs[i].val
				break
			}
		}
		fn(v, evs, -1, true)
	case AllEvents:
		vals := w.values(evs, 0)
		for _, v := range vals {
			sub := w.sub[:0]
			for i := range evs {
				if evs[i].val == v {
					sub = append(sub, evs[i])
				}
			}
			w.sub = sub
			fn(v, sub, -1, false)
		}
	case StepAttribution:
		vals := w.values(evs, 1<<c.bdStep)
		for _, v := range vals {
			fn(v, evs, c.bdStep, false)
		}
	}
}

// values returns the distinct breakdown values of the unit's participating
// events (those matching a step of mask, when mask is not 0), in order of
// first appearance.
func (w *worker) values(evs []evt, mask uint32) []uint32 {
	var out []uint32
	for i := range evs {
		e := &evs[i]
		if !e.participates() || (mask != 0 && e.steps&mask == 0) {
			continue
		}
		if !slices.Contains(out, e.val) {
			out = append(out, e.val)
		}
	}
	return out
}

// stepsAgg counts the units of one funnel (or one breakdown value) per
// step.
type stepsAgg struct {
	count   []int
	times   []cm.Durations
	reached [][]string
	dropped [][]string
}

func newStepsAgg(n int, list bool) *stepsAgg {
	a := &stepsAgg{count: make([]int, n), times: make([]cm.Durations, n)}
	if list {
		a.reached, a.dropped = make([][]string, n), make([][]string, n)
	}
	return a
}

// add counts a unit's path: every step on it, the time of each required
// step from the previous required one, and (when listing) the unit under
// the steps it reached and those it dropped before.
func (a *stepsAgg) add(c *compiled, p *path, id string) {
	for j := 0; j < c.n; j++ {
		on := p.done&(1<<j) != 0
		pr := c.prevReq[j]
		if on {
			a.count[j]++
			if a.reached != nil {
				a.reached[j] = append(a.reached[j], id)
			}
			if pr >= 0 && c.optional&(1<<j) == 0 {
				a.times[j].Add(time.Duration(p.t[j] - p.t[pr]))
			}
		} else if pr >= 0 && p.done&(1<<pr) != 0 && a.dropped != nil {
			a.dropped[j] = append(a.dropped[j], id)
		}
	}
}

func (a *stepsAgg) merge(o *stepsAgg) {
	for j := range a.count {
		a.count[j] += o.count[j]
		a.times[j].Merge(&o.times[j])
		if a.reached != nil && o.reached != nil {
			a.reached[j] = append(a.reached[j], o.reached[j]...)
			a.dropped[j] = append(a.dropped[j], o.dropped[j]...)
		}
	}
}

// Accumulator folds contacts into a funnel's step counts. It is the
// mergeable state behind [Steps]: [Fold] reads a query's events (one
// partition of the tenant's contacts when the query names one) into an
// accumulator, [Accumulator.Merge] adds accumulators of the same query
// over disjoint sets of contacts (in any order), and [Accumulator.Result]
// reads the funnel. An Accumulator is not safe for concurrent use.
type Accumulator struct {
	c     *compiled
	key   string
	all   *stepsAgg
	bd    map[string]*stepsAgg
	w     *worker
	lastF *frame.Frame
	lastB *binding
}

// Fold reads the events q asks about (those of q.Partition's contacts
// only, when q names a partition) and folds them into an accumulator. It
// is what [Steps] runs; fold the partitions of a tenant separately and
// merge the accumulators to get the same answer.
func Fold(ctx context.Context, r cm.Reader, q Query) (*Accumulator, error) {
	c, err := compile(q)
	if err != nil {
		return nil, err
	}
	f, err := frame.Get(ctx, r, c.spec)
	if err != nil {
		return nil, fmt.Errorf("funnel: %w", err)
	}
	return fold(ctx, f, func() *Accumulator { return newAccumulator(c) }, (*Accumulator).add, (*Accumulator).merge)
}

func newAccumulator(c *compiled) *Accumulator {
	a := &Accumulator{c: c, key: c.key(), all: newStepsAgg(c.n, c.q.List), w: newWorker(c)}
	if c.bd != nil {
		a.bd = map[string]*stepsAgg{}
	}
	return a
}

// key identifies a compiled query, for checking merges: the query as JSON
// without its partition (accumulators of different partitions of one
// query merge).
func (c *compiled) key() string {
	q := c.q
	q.Partition = cm.Partition{}
	b, _ := json.Marshal(q)
	return string(b)
}

func (c *compiled) bindCached(f *frame.Frame, lastF **frame.Frame, lastB **binding) *binding {
	if *lastF != f {
		*lastF, *lastB = f, c.bind(f)
	}
	return *lastB
}

// add folds contact group g of frame f (built with c.spec, or any
// partition of it).
func (a *Accumulator) add(f *frame.Frame, g int) {
	b := a.c.bindCached(f, &a.lastF, &a.lastB)
	lo, hi := f.Group(g)
	w := a.w
	w.units(b, lo, hi, func(id string, evs []evt) {
		p, out := w.run(evs, -1, 0)
		if out == entered {
			a.all.add(a.c, &p, id)
		}
		if a.bd == nil {
			return
		}
		w.breakdowns(evs, func(v uint32, sub []evt, bdStep int, reuse bool) {
			if !reuse {
				p, out = w.run(sub, bdStep, v)
			}
			if out != entered {
				return
			}
			s := b.bd.str(v)
			agg := a.bd[s]
			if agg == nil {
				agg = newStepsAgg(a.c.n, false)
				a.bd[s] = agg
			}
			agg.add(a.c, &p, id)
		})
	})
}

// Merge adds o's counts to a. Both must answer the same query (their
// partitions aside), else Merge returns an error wrapping [cm.ErrMismatch]
// and leaves a unchanged; o must not be used afterwards.
func (a *Accumulator) Merge(o *Accumulator) error {
	return mergeChecked(a, o, func() bool { return a.key == o.key }, (*Accumulator).merge)
}

// mergeChecked merges o into a with merge, unless o is nil, is a itself,
// or answers another query (same, asked only of a distinct o, reports
// false): then it returns an error wrapping [cm.ErrMismatch] and leaves a
// unchanged. Every accumulator's Merge is this.
func mergeChecked[A any](a, o *A, same func() bool, merge func(a, o *A)) error {
	switch {
	case o == nil:
		return fmt.Errorf("funnel: merge: %w: a nil accumulator", cm.ErrMismatch)
	case a == o:
		return fmt.Errorf("funnel: merge: %w: an accumulator into itself", cm.ErrMismatch)
	case !same():
		return fmt.Errorf("funnel: merge: %w", cm.ErrMismatch)
	}
	merge(a, o)
	return nil
}

func (a *Accumulator) merge(o *Accumulator) {
	a.all.merge(o.all)
	for v, agg := range o.bd {
		if mine := a.bd[v]; mine != nil {
			mine.merge(agg)
		} else {
			a.bd[v] = agg
		}
	}
}

// fold runs accumulators made by newAcc over every contact group of f on
// both cores, merges them in run order and returns the result. It checks
// ctx between groups and returns its error if it is done.
func fold[A any](ctx context.Context, f *frame.Frame, newAcc func() A, add func(A, *frame.Frame, int), merge func(A, A)) (A, error) {
	n := max(1, runtime.GOMAXPROCS(0))
	accs := make([]A, n)
	errs := make([]error, n)
	runs := f.Parallel(n, func(run, lo, hi int) {
		a := newAcc()
		accs[run] = a
		for g := lo; g < hi; g++ {
			if (g-lo)&1023 == 0 {
				if err := ctx.Err(); err != nil {
					errs[run] = err
					return
				}
			}
			add(a, f, g)
		}
	})
	if err := ctx.Err(); err != nil {
		var zero A
		return zero, err
	}
	for _, err := range errs {
		if err != nil {
			var zero A
			return zero, err
		}
	}
	if runs == 0 {
		return newAcc(), nil
	}
	for i := 1; i < runs; i++ {
		merge(accs[0], accs[i])
	}
	return accs[0], nil
}
