package convometrics_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
)

func load(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// bucketsUTC returns the bucket starts of r as UTC RFC 3339 strings.
func bucketsUTC(t *testing.T, c cm.Calendar, r cm.Range, g cm.Granularity) []string {
	t.Helper()
	b, err := c.Buckets(r, g)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, b.Len())
	for i, s := range b.Starts {
		out[i] = s.UTC().Format(time.RFC3339)
	}
	return out
}

func eq(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d buckets %v, want %d %v", what, len(got), got, len(want), want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: bucket %d = %s, want %s (all: %v)", what, i, got[i], want[i], got)
		}
	}
}

// Day buckets across the 2026 DST changes, worked out by hand:
// New York is UTC-5 (EST) until 2026-03-08 02:00 local, then UTC-4 (EDT)
// until 2026-11-01 02:00 local. Berlin is UTC+1 until 2026-03-29 02:00, then
// UTC+2 until 2026-10-25 03:00. Istanbul is UTC+3 all year.
func TestCalendarDaysAcrossDST(t *testing.T) {
	ny := cm.NewCalendar(load(t, "America/New_York"))
	eq(t, "New York spring", bucketsUTC(t, ny, cm.Range{From: utc("2026-03-07T12:00:00Z"), To: utc("2026-03-09T12:00:00Z")}, cm.Day),
		[]string{"2026-03-07T05:00:00Z", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z"}) // 03-08 has 23 h
	eq(t, "New York autumn", bucketsUTC(t, ny, cm.Range{From: utc("2026-10-31T12:00:00Z"), To: utc("2026-11-02T12:00:00Z")}, cm.Day),
		[]string{"2026-10-31T04:00:00Z", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z"}) // 11-01 has 25 h

	be := cm.NewCalendar(load(t, "Europe/Berlin"))
	eq(t, "Berlin spring", bucketsUTC(t, be, cm.Range{From: utc("2026-03-28T12:00:00Z"), To: utc("2026-03-30T12:00:00Z")}, cm.Day),
		[]string{"2026-03-27T23:00:00Z", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"})
	eq(t, "Berlin autumn", bucketsUTC(t, be, cm.Range{From: utc("2026-10-24T12:00:00Z"), To: utc("2026-10-26T12:00:00Z")}, cm.Day),
		[]string{"2026-10-23T22:00:00Z", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"})

	ist := cm.NewCalendar(load(t, "Europe/Istanbul"))
	eq(t, "Istanbul", bucketsUTC(t, ist, cm.Range{From: utc("2026-10-24T12:00:00Z"), To: utc("2026-10-26T12:00:00Z")}, cm.Day),
		[]string{"2026-10-23T21:00:00Z", "2026-10-24T21:00:00Z", "2026-10-25T21:00:00Z"})
}

// Hours: New York's 2026-11-01 has 25 hour buckets (01:00 twice), and
// 2026-03-08 has 23 (02:00 never happens).
func TestCalendarHoursAcrossDST(t *testing.T) {
	loc := load(t, "America/New_York")
	ny := cm.NewCalendar(loc)
	day := func(y int, m time.Month, d int) cm.Range {
		return cm.Range{From: time.Date(y, m, d, 0, 0, 0, 0, loc), To: time.Date(y, m, d+1, 0, 0, 0, 0, loc)}
	}
	hours := bucketsUTC(t, ny, day(2026, 11, 1), cm.Hour)
	if len(hours) != 25 {
		t.Fatalf("2026-11-01 has %d hour buckets, want 25", len(hours))
	}
	// 01:00 EDT = 05:00Z and 01:00 EST = 06:00Z are both bucket starts.
	if hours[1] != "2026-11-01T05:00:00Z" || hours[2] != "2026-11-01T06:00:00Z" {
		t.Fatalf("repeated hour: %v", hours[:4])
	}
	if n := len(bucketsUTC(t, ny, day(2026, 3, 8), cm.Hour)); n != 23 {
		t.Fatalf("2026-03-08 has %d hour buckets, want 23", n)
	}
	// Kolkata is UTC+5:30: local hours start at :30 UTC.
	kol := cm.NewCalendar(load(t, "Asia/Kolkata"))
	if got := kol.Start(utc("2026-11-01T10:10:00Z"), cm.Hour).UTC().Format(time.RFC3339); got != "2026-11-01T09:30:00Z" {
		t.Fatalf("Kolkata hour start %s, want 09:30Z", got)
	}
}

// Weeks start on Monday by default, or on the configured day; months are
// calendar months (Berlin's October 2026 has 31 days and 1 hour).
func TestCalendarWeeksAndMonths(t *testing.T) {
	be := cm.NewCalendar(load(t, "Europe/Berlin"))
	// 2026-10-25 is a Sunday.
	r := cm.Range{From: utc("2026-10-25T10:00:00Z"), To: utc("2026-10-27T10:00:00Z")}
	eq(t, "Monday weeks", bucketsUTC(t, be, r, cm.Week), []string{"2026-10-18T22:00:00Z", "2026-10-25T23:00:00Z"})
	eq(t, "Sunday weeks", bucketsUTC(t, be.WithWeekStart(time.Sunday), r, cm.Week), []string{"2026-10-24T22:00:00Z"})
	if be.WeekStart() != time.Monday || be.WithWeekStart(time.Sunday).WeekStart() != time.Sunday {
		t.Fatal("WeekStart")
	}
	b, err := be.Buckets(cm.Range{From: utc("2026-10-15T00:00:00Z"), To: utc("2026-11-15T00:00:00Z")}, cm.Month)
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != 2 || b.End(0).Sub(b.Starts[0]) != 31*24*time.Hour+time.Hour {
		t.Fatalf("October: %d buckets, first lasts %v", b.Len(), b.End(0).Sub(b.Starts[0]))
	}
	// Index: the instant the clocks go back (01:00Z) is still in October 25's day.
	days, _ := be.Buckets(cm.Range{From: utc("2026-10-24T00:00:00Z"), To: utc("2026-10-27T00:00:00Z")}, cm.Day)
	for _, c := range []struct {
		at   string
		want int
	}{
		{"2026-10-23T21:59:59Z", -1}, {"2026-10-23T22:00:00Z", 0}, {"2026-10-25T01:00:00Z", 1},
		{"2026-10-25T22:59:59Z", 1}, {"2026-10-25T23:00:00Z", 2}, {"2026-10-26T23:00:00Z", 3}, {"2026-10-27T23:00:00Z", -1},
	} {
		if got := days.Index(utc(c.at)); got != c.want {
			t.Errorf("Index(%s) = %d, want %d", c.at, got, c.want)
		}
	}
}

func TestPresetsAndCustomRanges(t *testing.T) {
	loc := load(t, "America/New_York")
	ny := cm.NewCalendar(loc)
	now := utc("2026-11-04T15:00:00Z") // 10:00 EST on Wednesday 2026-11-04
	r, err := ny.PresetRange(cm.Last7Days, now)
	if err != nil {
		t.Fatal(err)
	}
	// 2026-10-29 00:00 EDT (04:00Z) through the end of 2026-11-04 (05:00Z on 11-05).
	if r.From.UTC().Format(time.RFC3339) != "2026-10-29T04:00:00Z" || r.To.UTC().Format(time.RFC3339) != "2026-11-05T05:00:00Z" {
		t.Fatalf("last 7 days = %v", r)
	}
	if d := ny.DaysSpanned(r); d != 7 {
		t.Fatalf("spans %d days", d)
	}
	r30, _ := ny.PresetRange(cm.Last30Days, now)
	if ny.DaysSpanned(r30) != 30 {
		t.Fatalf("last 30 days spans %d days", ny.DaysSpanned(r30))
	}
	if _, err := ny.PresetRange("last_year", now); !errors.Is(err, cm.ErrUnknownValue) {
		t.Fatalf("unknown preset: %v", err)
	}

	from, _ := cm.ParseDate("2026-08-07")
	to90, _ := cm.ParseDate("2026-11-04") // 90 days inclusive
	to91, _ := cm.ParseDate("2026-11-05")
	if _, err := ny.DateRange(from, to90, cm.RangeOptions{}); err != nil {
		t.Fatalf("90 days refused: %v", err)
	}
	if _, err := ny.DateRange(from, to91, cm.RangeOptions{}); !errors.Is(err, cm.ErrRangeTooLong) {
		t.Fatalf("91 days: %v, want ErrRangeTooLong", err)
	}
	if _, err := ny.DateRange(from, to91, cm.RangeOptions{AllowLong: true}); err != nil {
		t.Fatalf("91 days with AllowLong: %v", err)
	}
	if _, err := ny.DateRange(to90, from, cm.RangeOptions{}); !errors.Is(err, cm.ErrEmptyRange) {
		t.Fatalf("reversed range: %v", err)
	}
	if _, err := cm.ParseDate("2026-13-01"); err == nil {
		t.Fatal("bad date accepted")
	}
}

func TestRange(t *testing.T) {
	r := cm.Range{From: utc("2026-01-01T00:00:00Z"), To: utc("2026-01-02T00:00:00Z")}
	if !r.Contains(r.From) || r.Contains(r.To) || !r.ContainsUnixNano(r.To.UnixNano()-1) {
		t.Fatal("half-open bounds")
	}
	if !(cm.Range{}).Contains(time.Unix(0, 0)) || !(cm.Range{From: r.From}).Contains(utc("2100-01-01T00:00:00Z")) {
		t.Fatal("open bounds")
	}
}

func TestCalendarJSON(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	cal := cm.NewCalendar(berlin).WithWeekStart(time.Sunday)
	b, err := json.Marshal(cal)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"time_zone":"Europe/Berlin","week_start":"sunday"}` {
		t.Fatalf("marshal: %s", b)
	}
	var back cm.Calendar
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Location().String() != "Europe/Berlin" || back.WeekStart() != time.Sunday {
		t.Fatalf("round trip: %v %v", back.Location(), back.WeekStart())
	}
	var zero cm.Calendar
	if err := json.Unmarshal([]byte(`{}`), &zero); err != nil || zero.Location() != time.UTC || zero.WeekStart() != time.Monday {
		t.Fatalf("empty object: %v %v %v", err, zero.Location(), zero.WeekStart())
	}
	for _, in := range []string{`{"time_zone":"Mars/Olympus"}`, `{"week_start":"someday"}`} {
		if err := json.Unmarshal([]byte(in), &zero); !errors.Is(err, cm.ErrUnknownValue) {
			t.Errorf("%s: %v, want ErrUnknownValue", in, err)
		}
	}
}

func TestCheckRange(t *testing.T) {
	cal := cm.NewCalendar(time.UTC)
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := cal.CheckRange(cm.Range{From: from, To: from.AddDate(0, 0, 90)}, cm.RangeOptions{}); err != nil {
		t.Errorf("90 days: %v", err)
	}
	if err := cal.CheckRange(cm.Range{From: from, To: from.AddDate(0, 0, 91)}, cm.RangeOptions{}); !errors.Is(err, cm.ErrRangeTooLong) {
		t.Errorf("91 days: %v", err)
	}
	if err := cal.CheckRange(cm.Range{From: from, To: from.AddDate(0, 0, 91)}, cm.RangeOptions{AllowLong: true}); err != nil {
		t.Errorf("91 days allowed: %v", err)
	}
	if err := cal.CheckRange(cm.Range{From: from}, cm.RangeOptions{}); !errors.Is(err, cm.ErrEmptyRange) {
		t.Errorf("open range: %v", err)
	}
}

// Bounds beyond 1970 to 2262 (where times stop fitting in int64
// nanoseconds) are refused by Check and read as the span's ends by
// UnixNano, never wrapped around.
func TestRangeOutsideSpan(t *testing.T) {
	nov := utc("2026-11-01T00:00:00Z")
	y2300 := utc("2300-01-01T00:00:00Z")
	y1960 := utc("1960-01-01T00:00:00Z")
	for _, r := range []cm.Range{{From: nov, To: y2300}, {From: y1960, To: nov}} {
		if err := r.Check(); !errors.Is(err, cm.ErrInvalidValue) {
			t.Errorf("%s: Check %v, want ErrInvalidValue", r, err)
		}
	}
	if err := (cm.Range{From: nov, To: utc("2262-01-01T00:00:00Z")}).Check(); err != nil {
		t.Errorf("up to 2262-01-01: %v", err)
	}
	const lo, hi = -1 << 63, 1<<63 - 1
	for _, tc := range []struct {
		r           cm.Range
		from, to    int64
		containsNov bool
	}{
		{cm.Range{From: nov, To: y2300}, nov.UnixNano(), hi, true},
		{cm.Range{From: y1960, To: nov.Add(time.Nanosecond)}, lo, nov.UnixNano() + 1, true},
		{cm.Range{From: y2300, To: y2300.AddDate(1, 0, 0)}, hi, hi, false},
		{cm.Range{From: y1960.AddDate(-1, 0, 0), To: y1960}, lo, lo, false},
	} {
		from, to := tc.r.UnixNano()
		if from != tc.from || to != tc.to || tc.r.ContainsUnixNano(nov.UnixNano()) != tc.containsNov {
			t.Errorf("%s: UnixNano %d, %d, want %d, %d (contains 1 Nov 2026: want %v)", tc.r, from, to, tc.from, tc.to, tc.containsNov)
		}
	}
	if err := cm.CheckInstant(y2300); !errors.Is(err, cm.ErrInvalidValue) {
		t.Errorf("CheckInstant(2300): %v", err)
	}
	if err := cm.CheckInstant(time.Time{}); err != nil {
		t.Errorf("CheckInstant(zero): %v", err)
	}
}
