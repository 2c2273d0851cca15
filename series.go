package convometrics

import (
	"slices"
	"time"
)

// Point is one bucket of a time series: the bucket's start (in the
// calendar's zone) and its value.
type Point[T any] struct {
	Start time.Time `json:"start"`
	Value T         `json:"value"`
}

// Series is a time series over calendar buckets, in bucket order. Every
// bucket of the range appears, empty buckets with the zero value, so a
// chart needs no gap filling.
type Series[T any] []Point[T]

// NewSeries returns a series with one zero point per bucket of b.
func NewSeries[T any](b Buckets) Series[T] {
	s := make(Series[T], b.Len())
	for i, st := range b.Starts {
		s[i].Start = st
	}
	return s
}

// Durations collects durations exactly, so that means, medians and
// percentiles merge without approximation: merging two collections is
// concatenation. The zero value is empty and ready to use.
type Durations struct {
	vals   []int64 // nanoseconds
	sorted bool
}

// Add records d.
func (d *Durations) Add(v time.Duration) {
	d.vals = append(d.vals, int64(v))
	d.sorted = false
}

// Merge adds every duration of o.
func (d *Durations) Merge(o *Durations) {
	if len(o.vals) == 0 {
		return
	}
	d.vals = append(d.vals, o.vals...)
	d.sorted = false
}

// Len returns the number of durations.
func (d *Durations) Len() int { return len(d.vals) }

// Stats summarises the durations. See [DurationStats] for the definitions.
func (d *Durations) Stats() DurationStats {
	n := len(d.vals)
	if n == 0 {
		return DurationStats{}
	}
	if !d.sorted {
		slices.Sort(d.vals)
		d.sorted = true
	}
	var sum float64
	for _, v := range d.vals {
		sum += float64(v)
	}
	var median int64
	if n%2 == 1 {
		median = d.vals[n/2]
	} else {
		a, b := d.vals[n/2-1], d.vals[n/2]
		median = a + (b-a)/2
	}
	return DurationStats{
		Count:  n,
		Mean:   time.Duration(sum / float64(n)),
		Median: time.Duration(median),
		P90:    time.Duration(d.vals[nearestRank(n, 90)]),
		Min:    time.Duration(d.vals[0]),
		Max:    time.Duration(d.vals[n-1]),
	}
}

// nearestRank returns the 0-based index of the p-th percentile of n sorted
// values by the nearest-rank method: rank ceil(p/100 × n).
func nearestRank(n, p int) int {
	r := (p*n + 99) / 100
	return max(r, 1) - 1
}

// DurationStats summarises a set of durations. For n values sorted
// ascending v1 ≤ … ≤ vn: Mean is their arithmetic mean (truncated to the
// nanosecond); Median is v((n+1)/2) for odd n and the midpoint of v(n/2)
// and v(n/2+1) for even n; P90 is the nearest-rank 90th percentile,
// v(⌈0.9·n⌉); Min and Max are v1 and vn. All are zero when Count is 0,
// which callers show as "no data", never as a zero duration.
type DurationStats struct {
	Count  int           `json:"count"`
	Mean   time.Duration `json:"mean_ns"`
	Median time.Duration `json:"median_ns"`
	P90    time.Duration `json:"p90_ns"`
	Min    time.Duration `json:"min_ns"`
	Max    time.Duration `json:"max_ns"`
}
