package session

import (
	"math"
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
			d.add(v, nil)
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
	// exact means of large sums: 10 values of 200 years overflow int64 sums.
	// The values are big+0 … big+9: mean big + 45/10, truncated big+4;
	// median the midpoint of big+4 and big+5, rounded down big+4; p90 the
	// nearest rank ⌈0.9·10⌉ = 9, the 9th value big+8
	var d durs
	big := int64(200 * 365 * 24 * time.Hour)
	for i := 0; i < 10; i++ {
		d.add(big+int64(i), nil)
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

// The histogram summary of many durations is exactly the selection's, on
// spread, clustered, repeated, tiny and huge values.
func TestHistStatsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	gens := map[string]func(i int) int64{
		"uniform":  func(int) int64 { return r.Int64N(int64(48 * time.Hour)) },
		"lognorm":  func(int) int64 { return int64(math.Exp(r.NormFloat64()*2 + 20)) },
		"repeats":  func(i int) int64 { return int64(i%5) * int64(time.Minute) },
		"one":      func(int) int64 { return int64(time.Second) },
		"small":    func(int) int64 { return r.Int64N(600) },
		"huge":     func(int) int64 { return math.MaxInt64 - r.Int64N(1<<40) },
		"zeros":    func(i int) int64 { return int64(i % 2 * 1000) },
		"outliers": func(i int) int64 { return int64(i%1000/999)*math.MaxInt64/3 + r.Int64N(1000) },
	}
	for name, gen := range gens {
		for _, n := range []int{1, 2, 3, 10, 11, 1000, 1001, 3000, 40000, 40001} {
			v := make([]int64, n)
			for i := range v {
				v[i] = gen(i)
			}
			want := selectStats(slices.Clone(v))
			if got := histStats(v); got != want {
				t.Errorf("%s n=%d: %+v, want %+v", name, n, got, want)
			}
		}
	}
	for mb := uint(3); mb <= 8; mb++ {
		for x := int64(0); x < 1<<40; x += 1 + x/1000 {
			b := binOf(x, mb)
			lo, hi := binBounds(b, mb)
			if uint64(x) < lo || uint64(x) >= hi || binOf(int64(hi), mb) != b+1 || b >= numBins(mb) {
				t.Fatalf("bin of %d (%d bits): %d [%d, %d)", x, mb, b, lo, hi)
			}
		}
		if b := binOf(math.MaxInt64, mb); b >= numBins(mb) {
			t.Fatalf("bin of the largest duration (%d bits): %d of %d", mb, b, numBins(mb))
		}
	}
}
