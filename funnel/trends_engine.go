package funnel

import "math/bits"

// interval is a unit's attempt for one entry period (trends).
type interval struct {
	bucket  int
	maxStep int   // deepest step position reached (1-based)
	maxT    int64 // time of the event that reached it
	excl    uint8 // exclNot, exclPartial or exclFull
	alive   bool
	set, ex [MaxSteps + 1]bool
	entry   [MaxSteps + 1]int64
}

const (
	exclNot uint8 = iota
	exclPartial
	exclFull
)

// trendResult is one entry period of a unit: converted or only entered.
type trendResult struct {
	bucket    int
	converted bool
}

// trends runs the trends funnel of one unit and returns its entry periods
// (see the package documentation, "Trends"). bucketOf maps an instant to
// its period. fromSlot and toSlot are the 1-based step positions.
func (w *worker) trends(evs []evt, bucketOf func(int64) int, fromSlot, toSlot, bdStep int, want uint32) []trendResult {
	w.ivs = w.ivs[:0]
	w.results = w.results[:0]
	for i := 0; i < len(evs); {
		j := i + 1
		for j < len(evs) && evs[j].t == evs[i].t {
			j++
		}
		g := evs[i:j]
		if len(g) == 1 || sameMasks(g) {
			for k := range g {
				w.trendEvent(&g[k], bucketOf, toSlot, bdStep, want)
			}
		} else {
			for _, x := range w.tieOrder(g) {
				w.trendStep(&g[x.k], x.s+1, false, bucketOf, toSlot, bdStep, want)
			}
		}
		i = j
	}
	full := false
	for k := range w.ivs {
		if w.ivs[k].alive && w.ivs[k].excl == exclFull {
			full = true
		}
	}
	if !full {
		for k := range w.ivs {
			iv := &w.ivs[k]
			if iv.alive && !w.hasResult(iv.bucket) && iv.maxStep >= fromSlot && iv.excl != exclPartial {
				w.results = append(w.results, trendResult{bucket: iv.bucket})
			}
		}
	}
	return w.results
}

func (w *worker) hasResult(b int) bool {
	for _, r := range w.results {
		if r.bucket == b {
			return true
		}
	}
	return false
}

func (w *worker) trendEvent(e *evt, bucketOf func(int64) int, toSlot, bdStep int, want uint32) {
	for b := e.excl; b != 0; {
		i := 31 - bits.LeadingZeros32(b)
		b &^= 1 << i
		w.trendStep(e, i+1, true, bucketOf, toSlot, bdStep, want)
	}
	for b := e.steps; b != 0; {
		j := 31 - bits.LeadingZeros32(b)
		b &^= 1 << j
		w.trendStep(e, j+1, false, bucketOf, toSlot, bdStep, want)
	}
	if w.c.order == Strict {
		for k := range w.ivs {
			for s := 1; s <= w.c.n; s++ {
				if e.steps&(1<<(s-1)) == 0 {
					w.ivs[k].set[s] = false
				}
			}
		}
	}
}

func (w *worker) trendStep(e *evt, s int, excl bool, bucketOf func(int64) int, toSlot, bdStep int, want uint32) {
	c := w.c
	unmatched := bdStep >= 0 && s-1 == bdStep && e.val != want
	if s == 1 && !excl {
		b := bucketOf(e.t)
		if unmatched || b < 0 || w.hasResult(b) {
			return
		}
		var iv *interval
		for k := range w.ivs {
			if w.ivs[k].alive && w.ivs[k].bucket == b {
				iv = &w.ivs[k]
			}
		}
		if iv == nil || (iv.maxStep == 1 && iv.excl != exclNot) {
			if iv == nil {
				w.ivs = append(w.ivs, interval{})
				iv = &w.ivs[len(w.ivs)-1]
			}
			*iv = interval{bucket: b, maxStep: 1, maxT: e.t, alive: true}
		}
		iv.set[1], iv.ex[1], iv.entry[1] = true, false, e.t
		return
	}
	for k := range w.ivs {
		iv := &w.ivs[k]
		if !iv.alive {
			continue
		}
		if !iv.set[s-1] || e.t-iv.entry[s-1] > c.window {
			continue
		}
		if iv.set[s] && iv.entry[s] == iv.entry[s-1] {
			continue
		}
		prevEx := iv.ex[s-1]
		if excl {
			if !prevEx {
				iv.ex[s-1] = true
				if iv.maxStep == s-1 && e.t-iv.maxT <= c.window {
					iv.excl = exclPartial
				}
			}
			continue
		}
		if unmatched {
			continue
		}
		if !prevEx {
			iv.set[s], iv.ex[s], iv.entry[s] = true, false, iv.entry[s-1]
		}
		if iv.set[toSlot] {
			w.results = append(w.results, trendResult{bucket: iv.bucket, converted: true})
			iv.alive = false
			continue
		}
		if s > iv.maxStep || (s == iv.maxStep && iv.excl == exclPartial) {
			iv.maxStep, iv.maxT = s, e.t
			iv.excl = exclNot
			if prevEx {
				iv.excl = exclFull
			}
		}
	}
}
