package session

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
)

// durs.stats agrees with cm.Durations, the root package's definition.
func TestDursMatchRootStats(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 3, 4, 9, 10, 11, 100, 1001} {
		var d durs
		var ref cm.Durations
		for i := 0; i < n; i++ {
			v := r.Int64N(int64(48 * time.Hour))
			if i%7 == 0 {
				v = int64(time.Minute) // repeats
			}
			d.add(v)
			ref.Add(time.Duration(v))
		}
		got, want := d.stats(), ref.Stats()
		// the root package's mean goes through float64; ours is exact
		if diff := got.Mean - want.Mean; diff < -2 || diff > 2 {
			t.Errorf("n=%d: mean %v, want %v", n, got.Mean, want.Mean)
		}
		got.Mean = want.Mean
		if got != want {
			t.Errorf("n=%d: %+v, want %+v", n, got, want)
		}
	}
	// exact means of large sums: 10 values of 200 years overflow int64 sums
	var d durs
	big := int64(200 * 365 * 24 * time.Hour)
	for i := 0; i < 10; i++ {
		d.add(big + int64(i))
	}
	if s := d.stats(); int64(s.Mean) != big+4 || int64(s.Median) != big+4 || int64(s.P90) != big+8 {
		t.Errorf("large: %+v", s)
	}
	// selectK leaves the k-th smallest in place
	v := []int64{5, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4}
	sorted := slices.Sorted(slices.Values(v))
	for k := range v {
		if got := selectK(slices.Clone(v), k); got != sorted[k] {
			t.Errorf("selectK %d = %d, want %d", k, got, sorted[k])
		}
	}
}
