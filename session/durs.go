package session

import (
	"math/bits"
	"sync"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// durs collects durations exactly, like cm.Durations, but summarises them
// with selection instead of a full sort (linear time), which matters for
// the hundreds of thousands of response times of a large tenant. The zero
// value is empty.
type durs struct{ v []int64 }

// add adds a duration, taking d's first buffer from p (nil: a new one).
func (d *durs) add(ns int64, p *bufPools) {
	if d.v == nil {
		d.v = p.take()
	}
	d.v = append(d.v, ns)
}

func (d *durs) merge(o *durs) { d.v = append(d.v, o.v...) }

// bufPools recycles the buffers of durations from one question to the
// next on the same frame (see [Accumulator.recycle]): a large tenant's
// response times are megabytes, which each question would otherwise take
// fresh from the heap. They live in the frame's memo (framePools), as long
// as the frame, so that the package keeps no state of its own; a nil
// *bufPools recycles nothing. The buffers hold no data: they are emptied
// before they are offered.
type bufPools struct {
	durs   sync.Pool // of *[]int64, empty
	concat sync.Pool // of *[]int64, empty: the durations of a whole range
}

// poolsKey is the frame memo key of the buffer pools.
type poolsKey struct{}

// framePools returns the buffer pools of questions on f.
func framePools(f *frame.Frame) *bufPools {
	return f.Memo(poolsKey{}, func() any { return new(bufPools) }).(*bufPools)
}

// minDurBuf is the smallest buffer worth recycling.
const minDurBuf = 256

// take returns an empty recycled buffer, or nil.
func (p *bufPools) take() []int64 {
	if p == nil {
		return nil
	}
	if b, _ := p.durs.Get().(*[]int64); b != nil {
		return (*b)[:0]
	}
	return nil
}

// put offers v's buffer for recycling; v must not be used again.
func (p *bufPools) put(v []int64) {
	if p != nil && cap(v) >= minDurBuf {
		v = v[:0]
		p.durs.Put(&v)
	}
}

// takeConcat returns an empty buffer for the durations of a whole range.
func (p *bufPools) takeConcat() *[]int64 {
	if p != nil {
		if b, _ := p.concat.Get().(*[]int64); b != nil {
			return b
		}
	}
	return new([]int64)
}

// putConcat offers a buffer of takeConcat for recycling, emptied.
func (p *bufPools) putConcat(b *[]int64) {
	if p != nil {
		*b = (*b)[:0]
		p.concat.Put(b)
	}
}

// recycle offers the buffers of d to p and empties d.
func (d *durs) recycle(p *bufPools) {
	p.put(d.v)
	d.v = nil
}

// mergeFrom merges o into d; with steal set, o is left empty and d may take
// its buffer: the longer of the two is kept and the shorter appended to it
// (the durations are a multiset, their order never matters) and offered
// to p.
func (d *durs) mergeFrom(o *durs, steal bool, p *bufPools) {
	if !steal {
		d.merge(o)
		return
	}
	if len(o.v) > len(d.v) {
		d.v, o.v = o.v, d.v
	}
	d.v = append(d.v, o.v...)
	o.recycle(p)
}

// stats summarises the durations as cm.DurationStats defines: mean
// truncated to the nanosecond (computed exactly, in 128 bits), median the
// middle value or the midpoint of the two middle values (rounded down),
// P90 the nearest-rank 90th percentile. It may reorder d.v.
func (d *durs) stats() cm.DurationStats {
	v := d.v
	n := len(v)
	if n == 0 {
		return cm.DurationStats{}
	}
	if n >= minHistRanks {
		return histStats(v)
	}
	return selectStats(v)
}

// selectStats is stats by selection, for any number of durations (stats
// uses it below minHistRanks, where it is faster than the histogram).
func selectStats(v []int64) cm.DurationStats {
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
	p90 := p90Rank(n)
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

// p90Rank is the position of the nearest-rank 90th percentile among n
// sorted values.
func p90Rank(n int) int { return max((90*n+99)/100-1, 0) }

// minHistRanks is the smallest set of durations that histStats
// summarises; below it, selection is faster.
const minHistRanks = 1 << 13

// mantissaBits is the precision of the bins for n durations: finer for
// more durations, so that the median's and the p90's bins stay small
// while counting into few bins costs little.
func mantissaBits(n int) uint {
	return uint(min(max(bits.Len(uint(n))-8, 3), 8))
}

// numBins is the number of bins with m mantissa bits (bit lengths up to
// 64).
func numBins(m uint) int { return (65 - int(m)) << m }

// binOf returns the bin of histStats that holds x, with m mantissa bits:
// a value below 2^(m+1) has a bin of its own; a larger one shares its bin
// with the values of the same bit length and the same m bits after the
// leading one (a bin is less than 2^-m of its values wide). Bins ascend
// with the values.
func binOf(x int64, m uint) int {
	u := uint64(x)
	n := uint(bits.Len64(u))
	if n <= m+1 {
		return int(u)
	}
	shift := n - m - 1
	return int(shift<<m) + int(u>>shift)
}

// binBounds returns the values [lo, hi) of bin b with m mantissa bits.
func binBounds(b int, m uint) (lo, hi uint64) {
	if b < 2<<m {
		return uint64(b), uint64(b) + 1
	}
	shift := uint(b>>m) - 1
	top := uint64(b) - uint64(shift)<<m
	return top << shift, (top + 1) << shift
}

// histStats is stats for many durations, without reordering them: one
// pass counts the values per bin (and sums them), which tells the bins
// that hold the median's and the p90's positions; a second pass gathers
// the values of those bins, few, and selects among them.
func histStats(v []int64) cm.DurationStats {
	n := len(v)
	mb := mantissaBits(n)
	counts := make([]int32, numBins(mb))
	var hi, lo uint64
	mn, mx := v[0], v[0]
	for _, x := range v {
		mn, mx = min(mn, x), max(mx, x)
		var c uint64
		lo, c = bits.Add64(lo, uint64(x), 0)
		hi += c
		counts[binOf(x, mb)]++
	}
	q, _ := bits.Div64(hi, lo, uint64(n))
	m, p90 := n/2, p90Rank(n)
	first := m
	if n%2 == 0 {
		first = m - 1 // the lower of the two middle values
	}
	ws := rankWindows(counts, mb, [2][2]int{{first, m}, {p90, p90}})
	med, p := &ws[0], &ws[1]
	gather(v, med, p)
	median := med.at(m)
	if first != m {
		a := med.at(first)
		median = a + (median-a)/2
	}
	return cm.DurationStats{Count: n, Mean: time.Duration(int64(q)), Median: time.Duration(median),
		P90: time.Duration(p.at(p90)), Min: time.Duration(mn), Max: time.Duration(mx)}
}

// window is the values [lo, lo+width) of some adjacent bins, base values
// being smaller, and once gathered the values themselves.
type window struct {
	lo, width uint64
	base      int
	vals      []int64
}

// rankWindows returns, for each pair of positions r1 <= r2 of the sorted
// values counted in counts (bins of mb mantissa bits), the window of the bins holding them; the pairs
// come in ascending order.
func rankWindows(counts []int32, mb uint, rs [2][2]int) [2]window {
	var ws [2]window
	k, open := 0, false
	seen := 0
	for b, c := range counts {
		for c > 0 && k < len(rs) {
			if !open && seen+int(c) > rs[k][0] {
				ws[k].lo, _ = binBounds(b, mb)
				ws[k].base, open = seen, true
			}
			if !open || seen+int(c) <= rs[k][1] {
				break
			}
			_, hi := binBounds(b, mb)
			ws[k].width = hi - ws[k].lo
			k, open = k+1, false
		}
		seen += int(c)
	}
	if k < len(rs) {
		panic("session: rank beyond the durations")
	}
	return ws
}

// gather collects the values of windows a and b (which may overlap).
func gather(v []int64, a, b *window) {
	// one unsigned comparison per window, which is rarely true: well
	// predicted
	for _, x := range v {
		u := uint64(x)
		if u-a.lo < a.width {
			a.vals = append(a.vals, x)
		}
		if u-b.lo < b.width {
			b.vals = append(b.vals, x)
		}
	}
}

// at returns the value at position r of all the sorted values; r must be
// in the window.
func (w *window) at(r int) int64 { return selectK(w.vals, r-w.base) }

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
