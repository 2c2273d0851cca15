package convometrics_test

import (
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
)

func TestDurationStats(t *testing.T) {
	var d cm.Durations
	if got := d.Stats(); got != (cm.DurationStats{}) {
		t.Fatalf("empty: %+v", got)
	}
	// 10 values 1s..10s: mean 5.5s, median (5s+6s)/2, p90 rank ceil(9) = 9s.
	var a, b cm.Durations
	for i := 1; i <= 10; i++ {
		if i%2 == 0 {
			a.Add(time.Duration(i) * time.Second)
		} else {
			b.Add(time.Duration(i) * time.Second)
		}
	}
	a.Merge(&b)
	want := cm.DurationStats{Count: 10, Mean: 5500 * time.Millisecond, Median: 5500 * time.Millisecond, P90: 9 * time.Second, Min: time.Second, Max: 10 * time.Second}
	if got := a.Stats(); got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	// 3 values: median is the middle, p90 rank ceil(2.7) = 3.
	var c cm.Durations
	for _, s := range []int{30, 10, 20} {
		c.Add(time.Duration(s) * time.Second)
	}
	if got := c.Stats(); got.Median != 20*time.Second || got.P90 != 30*time.Second || got.Mean != 20*time.Second {
		t.Fatalf("got %+v", got)
	}
}

func TestNewSeries(t *testing.T) {
	cal := cm.NewCalendar(time.UTC)
	b, err := cal.Buckets(cm.Range{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC)}, cm.Day)
	if err != nil {
		t.Fatal(err)
	}
	s := cm.NewSeries[int](b)
	if len(s) != 3 || !s[2].Start.Equal(time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)) || s[1].Value != 0 {
		t.Fatalf("%+v", s)
	}
}
