package funnel

import (
	"math"
	"math/bits"
	"slices"
)

// evt is one event of a unit, as the engine sees it.
type evt struct {
	t     int64  // Unix ns
	steps uint32 // bit j: matches step j
	excl  uint32 // bit i: an exclusion applies to the attempt moving to step i
	row   int32  // frame row
	val   uint32 // breakdown value id
	conv  uint32 // conversation id (unit conversation)
}

// path is the reported path of one unit: how far it got and when.
type path struct {
	// depth: ordered and strict, the deepest step position reached
	// (1-based, optional steps included); unordered, the number of
	// distinct steps completed.
	depth int
	done  uint32          // bit j: step j is on the path
	t     [MaxSteps]int64 // time of each step on the path
}

// outcome of a unit's run.
type outcome uint8

const (
	notEntered outcome = iota // never matched the first step
	removed                   // its reported attempt was excluded
	entered
)

// slot is the attempt sitting at one step: the entry time of its first
// step, its steps and their times.
type slot struct {
	set, excluded bool
	entry         int64
	done          uint32
	t             [MaxSteps]int64
	row           [MaxSteps]int32
}

// flat is one (event, step) pair of a tie group replayed step by step.
type flat struct {
	k, s int
}

// worker holds the scratch state of one goroutine; it allocates only when
// a unit has more events than any before.
type worker struct {
	c     *compiled
	evs   []evt
	sub   []evt
	slots [MaxSteps + 1]slot
	max   slot
	depth int
	flat  []flat
	// unordered
	q    [MaxSteps][]int64
	head [MaxSteps]int
	// trends
	ivs     []interval
	results []trendResult
}

func newWorker(c *compiled) *worker { return &worker{c: c} }

// run computes the reported path of a unit from its events (in time
// order). bdStep ≥ 0 with want restricts the event filling step bdStep to
// those carrying breakdown value want (step attribution).
func (w *worker) run(evs []evt, bdStep int, want uint32) (path, outcome) {
	if w.c.order == Unordered {
		return w.unordered(evs, bdStep, want)
	}
	return w.ordered(evs, bdStep, want)
}

// ordered runs the ordered and strict funnel: see the package
// documentation, "Ordered and strict funnels".
func (w *worker) ordered(evs []evt, bdStep int, want uint32) (path, outcome) {
	c := w.c
	n := c.n
	for i := 0; i <= n; i++ {
		w.slots[i].set = false
	}
	w.max.set, w.max.excluded, w.depth = false, false, 0
	for i := 0; i < len(evs); {
		j := i + 1
		for j < len(evs) && evs[j].t == evs[i].t {
			j++
		}
		s0 := &w.slots[0]
		s0.set, s0.excluded, s0.entry, s0.done = true, false, evs[i].t, 0
		g := evs[i:j]
		switch {
		case len(g) == 1:
			w.event(&g[0], bdStep, want)
		case sameMasks(g):
			for k := range g {
				w.event(&g[k], bdStep, want)
			}
		default:
			// Different events at one instant: replay each (event, step)
			// pair in step order, without exclusions or strict breaks.
			for _, x := range w.tieOrder(g) {
				w.step(&g[x.k], x.s+1, false, true, bdStep, want)
			}
		}
		if w.slots[n].set {
			break
		}
		i = j
	}
	if w.depth == 0 {
		return path{}, notEntered
	}
	if w.max.excluded {
		return path{}, removed
	}
	return path{depth: w.depth, done: w.max.done, t: w.max.t}, entered
}

// tieOrder returns the (event, step) pairs of tie group g in step order,
// the events of one step in their order, in the worker's reused buffer.
func (w *worker) tieOrder(g []evt) []flat {
	fl := w.flat[:0]
	for k := range g {
		for b := g[k].steps; b != 0; b &= b - 1 {
			fl = append(fl, flat{k, bits.TrailingZeros32(b)})
		}
	}
	slices.SortStableFunc(fl, func(a, b flat) int { return a.s - b.s })
	w.flat = fl
	return fl
}

func sameMasks(g []evt) bool {
	for k := 1; k < len(g); k++ {
		if g[k].steps != g[0].steps || g[k].excl != g[0].excl {
			return false
		}
	}
	return true
}

// event offers one event: its exclusions, then its steps from the last
// down (so one event never advances two steps of one attempt), then, in a
// strict funnel, clears every step the event does not match.
func (w *worker) event(e *evt, bdStep int, want uint32) {
	for b := e.excl; b != 0; {
		i := 31 - bits.LeadingZeros32(b)
		b &^= 1 << i
		w.step(e, i+1, true, false, bdStep, want)
	}
	for b := e.steps; b != 0; {
		j := 31 - bits.LeadingZeros32(b)
		b &^= 1 << j
		w.step(e, j+1, false, false, bdStep, want)
	}
	if w.c.order == Strict {
		for s := 1; s <= w.c.n; s++ {
			if e.steps&(1<<(s-1)) == 0 {
				w.slots[s].set = false
			}
		}
	}
}

// step offers event e as step position s (1-based) or, with excl, as an
// exclusion of the attempt moving to step s-1 (0-based).
func (w *worker) step(e *evt, s int, excl, multi bool, bdStep int, want uint32) {
	c := w.c
	prev := s - 1
	in := w.slots[prev].set && e.t-w.slots[prev].entry <= c.window
	for prev > 0 && !in && c.optional&(1<<(prev-1)) != 0 {
		prev--
		in = w.slots[prev].set && e.t-w.slots[prev].entry <= c.window
	}
	if !in {
		return
	}
	p := &w.slots[prev]
	if w.slots[s].set && w.slots[s].entry == p.entry {
		return // this attempt already reached s: keep its earliest event
	}
	if excl {
		if !p.excluded {
			p.excluded = true
			if w.depth == prev && e.t-w.max.entry <= c.window {
				w.max.excluded = true
			}
		}
		return
	}
	if bdStep >= 0 && prev == bdStep && e.val != want {
		return
	}
	if multi && usedOn(p, e.row, c.optional) {
		return
	}
	better := s > w.depth || (s == w.depth && w.max.excluded)
	if !p.excluded {
		fill(&w.slots[s], p, s, e)
	}
	if better {
		fill(&w.max, p, s, e)
		w.depth = s
	}
}

// fill sets dst to attempt src advanced to step position s by event e.
// Only the steps before s are copied: an attempt at s has no later ones.
func fill(dst, src *slot, s int, e *evt) {
	dst.set, dst.excluded, dst.entry, dst.done = true, src.excluded, src.entry, src.done|1<<(s-1)
	for k := 0; k < s-1; k++ {
		dst.t[k], dst.row[k] = src.t[k], src.row[k]
	}
	dst.t[s-1], dst.row[s-1] = e.t, e.row
}

// usedOn reports whether row already fills a required step of attempt p.
func usedOn(p *slot, row int32, optional uint32) bool {
	for b := p.done &^ optional; b != 0; b &= b - 1 {
		if p.row[bits.TrailingZeros32(b)] == row {
			return true
		}
	}
	return false
}

// unordered runs the unordered funnel: see the package documentation.
func (w *worker) unordered(evs []evt, bdStep int, want uint32) (path, outcome) {
	c := w.c
	n := c.n
	for s := 0; s < n; s++ {
		w.q[s], w.head[s] = w.q[s][:0], 0
	}
	count, best := 0, 0
	var bp path
	for i := range evs {
		e := &evs[i]
		// Drop the oldest queued events while they are more than a window
		// before this one.
		for {
			k, ft := -1, int64(0)
			for s := 0; s < n; s++ {
				if w.head[s] < len(w.q[s]) {
					if t := w.q[s][w.head[s]]; k < 0 || t < ft {
						k, ft = s, t
					}
				}
			}
			if k < 0 || (count < n && ft+c.window >= e.t) {
				break
			}
			w.head[k]++
			if w.head[k] == len(w.q[k]) {
				count--
			}
		}
		if e.steps == 0 {
			if e.excl != 0 { // an exclusion restarts the collection
				for s := 0; s < n; s++ {
					w.q[s], w.head[s] = w.q[s][:0], 0
				}
				count = 0
			}
			continue
		}
		// Queue it under the step it matches whose newest queued event is
		// the oldest (an empty queue first).
		k, bt := -1, int64(0)
		for b := e.steps; b != 0; b &= b - 1 {
			s := bits.TrailingZeros32(b)
			t := int64(math.MinInt64)
			if w.head[s] < len(w.q[s]) {
				t = w.q[s][len(w.q[s])-1]
			}
			if k < 0 || t < bt {
				k, bt = s, t
			}
		}
		if bdStep >= 0 && count == bdStep && e.val != want {
			continue
		}
		if w.head[k] == len(w.q[k]) {
			count++
		}
		w.q[k] = append(w.q[k], e.t)
		if count > best {
			best = count
			bp = path{depth: count, done: 1<<count - 1}
			m := 0
			for s := 0; s < n; s++ {
				if w.head[s] < len(w.q[s]) {
					bp.t[m] = w.q[s][w.head[s]]
					m++
				}
			}
			slices.Sort(bp.t[:m])
			if best == n {
				break
			}
		}
	}
	if best == 0 {
		return path{}, notEntered
	}
	return bp, entered
}
