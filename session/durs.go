package session

import (
	"math/bits"
	"time"

	cm "github.com/convometrics/convometrics"
)

// durs collects durations exactly, like cm.Durations, but summarises them
// with selection instead of a full sort (linear time), which matters for
// the hundreds of thousands of response times of a large tenant. The zero
// value is empty.
type durs struct{ v []int64 }

func (d *durs) add(ns int64)  { d.v = append(d.v, ns) }
func (d *durs) merge(o *durs) { d.v = append(d.v, o.v...) }

// mergeFrom merges o into d; with steal set, o is left empty and d may take
// its buffer: the longer of the two is kept and the shorter appended to it
// (the durations are a multiset, their order never matters).
func (d *durs) mergeFrom(o *durs, steal bool) {
	if !steal {
		d.merge(o)
		return
	}
	if len(o.v) > len(d.v) {
		d.v, o.v = o.v, d.v
	}
	d.v = append(d.v, o.v...)
	o.v = nil
}

// stats summarises the durations as cm.DurationStats defines: mean
// truncated to the nanosecond (computed exactly, in 128 bits), median the
// middle value or the midpoint of the two middle values (rounded down),
// P90 the nearest-rank 90th percentile. It reorders d.v.
func (d *durs) stats() cm.DurationStats {
	v := d.v
	n := len(v)
	if n == 0 {
		return cm.DurationStats{}
	}
	// durations are never negative: the sum is exact in 128 bits, and the
	// mean (at most the maximum) fits in 64
	var hi, lo uint64
	mn, mx := v[0], v[0]
	for _, x := range v {
		mn, mx = min(mn, x), max(mx, x)
		var c uint64
		lo, c = bits.Add64(lo, uint64(x), 0)
		hi += c
	}
	q, _ := bits.Div64(hi, lo, uint64(n))
	mean := int64(q)
	p90 := (90*n+99)/100 - 1
	p90 = max(p90, 0)
	var median int64
	if n%2 == 1 {
		median = selectK(v, n/2)
	} else {
		b := selectK(v, n/2)
		// the largest value below position n/2 is the max of the left part
		a := v[0]
		for _, x := range v[:n/2] {
			a = max(a, x)
		}
		median = a + (b-a)/2
	}
	// after selecting position n/2, every value from it on is not smaller:
	// the p90 (at or after it) is selected in that part alone
	var p int64
	if h := n / 2; p90 >= h {
		p = selectK(v[h:], p90-h)
	} else {
		p = selectK(v, p90)
	}
	return cm.DurationStats{Count: n, Mean: time.Duration(mean), Median: time.Duration(median), P90: time.Duration(p),
		Min: time.Duration(mn), Max: time.Duration(mx)}
}

// selectK reorders v so that v[k] is the k-th smallest value, everything
// before it is not larger and everything after it not smaller, and returns
// v[k] (Hoare's selection with median-of-three pivots).
func selectK(v []int64, k int) int64 {
	lo, hi := 0, len(v)-1
	for hi > lo {
		if hi-lo < 16 {
			for i := lo + 1; i <= hi; i++ {
				for j := i; j > lo && v[j] < v[j-1]; j-- {
					v[j], v[j-1] = v[j-1], v[j]
				}
			}
			return v[k]
		}
		m := int(uint(lo+hi) >> 1)
		if v[m] < v[lo] {
			v[m], v[lo] = v[lo], v[m]
		}
		if v[hi] < v[lo] {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if v[hi] < v[m] {
			v[hi], v[m] = v[m], v[hi]
		}
		pivot := v[m]
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for v[j] > pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k]
		}
	}
	return v[k]
}
