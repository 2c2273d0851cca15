package convometrics

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Range is a half-open interval of time [From, To). A zero From means "from
// the beginning", a zero To "to the end"; the zero Range is all of time.
type Range struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// IsZero reports whether r is all of time.
func (r Range) IsZero() bool { return r.From.IsZero() && r.To.IsZero() }

// Contains reports whether From <= t < To (open bounds always hold).
func (r Range) Contains(t time.Time) bool {
	return (r.From.IsZero() || !t.Before(r.From)) && (r.To.IsZero() || t.Before(r.To))
}

// ContainsUnixNano is Contains for a time given as Unix nanoseconds.
func (r Range) ContainsUnixNano(ns int64) bool {
	from, to := r.UnixNano()
	return ns >= from && ns < to
}

// UnixNano returns the bounds as Unix nanoseconds, open bounds as the
// smallest and largest int64. A bound outside 1970 to 2262, the span event
// times may have, is taken as the span's end it lies beyond (From before
// 1970 as open, To from 2262 on as open; From from 2262 on or To before
// 1970 select nothing), as it would not fit in int64 nanoseconds.
func (r Range) UnixNano() (from, to int64) {
	from, to = -1<<63, 1<<63-1
	if !r.From.IsZero() && !r.From.Before(minTime) {
		from = 1<<63 - 1 // from 2262 on: nothing
		if r.From.Before(maxTime) {
			from = r.From.UnixNano()
		}
	}
	if !r.To.IsZero() && r.To.Before(maxTime) {
		to = -1 << 63 // before 1970: nothing
		if !r.To.Before(minTime) {
			to = r.To.UnixNano()
		}
	}
	return from, to
}

// Check returns [ErrEmptyRange] (wrapped) unless both bounds are set and
// From is before To, and [ErrInvalidValue] (wrapped) when a bound lies
// outside 1970-01-01 to 2262-01-01 UTC, the span event times may have
// (beyond it, times no longer fit in int64 nanoseconds).
func (r Range) Check() error {
	if r.From.IsZero() || r.To.IsZero() || !r.From.Before(r.To) {
		return fmt.Errorf("convometrics: range [%s, %s): %w", fmtTime(r.From), fmtTime(r.To), ErrEmptyRange)
	}
	if r.From.Before(minTime) || r.To.After(maxTime) {
		return fmt.Errorf("convometrics: range %s: %w: outside 1970 to 2262", r, ErrInvalidValue)
	}
	return nil
}

// CheckInstant returns [ErrInvalidValue] (wrapped) when t is set and lies
// outside 1970-01-01 to 2262-01-01 UTC, as [Range.Check] does for a
// range's bounds; engines check their queries' Now with it.
func CheckInstant(t time.Time) error {
	if !t.IsZero() && (t.Before(minTime) || t.After(maxTime)) {
		return fmt.Errorf("convometrics: instant %s: %w: outside 1970 to 2262", t.Format(time.RFC3339), ErrInvalidValue)
	}
	return nil
}

// String formats r as [from, to) in RFC 3339.
func (r Range) String() string { return "[" + fmtTime(r.From) + ", " + fmtTime(r.To) + ")" }

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "open"
	}
	return t.Format(time.RFC3339)
}

// Granularity is the size of a calendar bucket.
type Granularity string

// Granularities.
const (
	Hour  Granularity = "hour"
	Day   Granularity = "day"
	Week  Granularity = "week"
	Month Granularity = "month"
)

// ParseGranularity accepts hour, day, week or month.
func ParseGranularity(s string) (Granularity, error) {
	switch g := Granularity(strings.ToLower(s)); g {
	case Hour, Day, Week, Month:
		return g, nil
	}
	return "", fmt.Errorf("convometrics: granularity %q: %w (want hour, day, week or month)", s, ErrUnknownValue)
}

// Calendar buckets instants into the calendar periods of a time zone: local
// hours, days, weeks and months. Buckets are calendar periods, not fixed
// durations: across a daylight-saving change a day has 23 or 25 hours, and
// the repeated hour of an autumn change is two distinct hour buckets. A day
// starts at the first instant of its date (time.Date normalisation applies in
// zones that skip midnight).
//
// The zero Calendar is UTC with weeks starting on Monday. A Calendar is a
// small value, safe for concurrent use.
type Calendar struct {
	loc *time.Location
	// weekShift is (WeekStart - Monday) mod 7, so that the zero value means Monday.
	weekShift uint8
}

// NewCalendar returns a Calendar for loc (nil means UTC) with weeks starting
// on Monday.
func NewCalendar(loc *time.Location) Calendar { return Calendar{loc: loc} }

// WithWeekStart returns a copy of c whose weeks start on d.
func (c Calendar) WithWeekStart(d time.Weekday) Calendar {
	c.weekShift = uint8((int(d) - int(time.Monday) + 7) % 7)
	return c
}

// Location returns the calendar's time zone.
func (c Calendar) Location() *time.Location {
	if c.loc == nil {
		return time.UTC
	}
	return c.loc
}

// calendarJSON is the JSON form of a Calendar.
type calendarJSON struct {
	TimeZone  string `json:"time_zone"`
	WeekStart string `json:"week_start"`
}

// MarshalJSON writes the calendar as {"time_zone": "Europe/Istanbul",
// "week_start": "monday"}, so that a query sent to another process buckets
// in the same zone.
func (c Calendar) MarshalJSON() ([]byte, error) {
	return json.Marshal(calendarJSON{c.Location().String(), strings.ToLower(c.WeekStart().String())})
}

// UnmarshalJSON reads the form MarshalJSON writes; an empty time_zone is
// UTC and an empty week_start Monday.
func (c *Calendar) UnmarshalJSON(b []byte) error {
	var v calendarJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	loc := time.UTC
	if v.TimeZone != "" {
		l, err := time.LoadLocation(v.TimeZone)
		if err != nil {
			return fmt.Errorf("convometrics: calendar: time_zone %q: %w", v.TimeZone, ErrUnknownValue)
		}
		loc = l
	}
	cal := NewCalendar(loc)
	if v.WeekStart != "" {
		d, ok := weekdayByName(v.WeekStart)
		if !ok {
			return fmt.Errorf("convometrics: calendar: week_start %q: %w (want a day name such as monday)", v.WeekStart, ErrUnknownValue)
		}
		cal = cal.WithWeekStart(d)
	}
	*c = cal
	return nil
}

func weekdayByName(s string) (time.Weekday, bool) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.EqualFold(d.String(), s) {
			return d, true
		}
	}
	return 0, false
}

// WeekStart returns the first day of the calendar's weeks.
func (c Calendar) WeekStart() time.Weekday {
	return time.Weekday((int(time.Monday) + int(c.weekShift)) % 7)
}

// Start returns the start of the g-bucket that contains t, in the calendar's
// location.
func (c Calendar) Start(t time.Time, g Granularity) time.Time {
	loc := c.Location()
	lt := t.In(loc)
	switch g {
	case Hour:
		_, off := lt.Zone()
		u := lt.Unix() + int64(off)
		u -= floorMod(u, 3600)
		return time.Unix(u-int64(off), 0).In(loc)
	case Week:
		y, m, d := lt.Date()
		back := (int(lt.Weekday()) - int(c.WeekStart()) + 7) % 7
		return time.Date(y, m, d-back, 0, 0, 0, 0, loc)
	case Month:
		y, m, _ := lt.Date()
		return time.Date(y, m, 1, 0, 0, 0, 0, loc)
	default: // Day
		y, m, d := lt.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
}

// Next returns the start of the g-bucket after the one starting at start
// (start must be a bucket start, as returned by [Calendar.Start]).
func (c Calendar) Next(start time.Time, g Granularity) time.Time {
	loc := c.Location()
	lt := start.In(loc)
	y, m, d := lt.Date()
	switch g {
	case Hour:
		return c.Start(start.Add(time.Hour), Hour)
	case Week:
		return time.Date(y, m, d+7, 0, 0, 0, 0, loc)
	case Month:
		return time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
	default:
		return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	}
}

// Buckets returns the buckets of size g that overlap r, in order. The first
// may start before r.From and the last may end after r.To. r must be bounded
// (see [Range.Check]).
func (c Calendar) Buckets(r Range, g Granularity) (Buckets, error) {
	if err := r.Check(); err != nil {
		return Buckets{}, err
	}
	switch g {
	case Hour, Day, Week, Month:
	default:
		return Buckets{}, fmt.Errorf("convometrics: granularity %q: %w", g, ErrUnknownValue)
	}
	b := Buckets{Granularity: g}
	for s := c.Start(r.From, g); s.Before(r.To); s = c.Next(s, g) {
		b.Starts = append(b.Starts, s)
		b.bounds = append(b.bounds, s.UnixNano())
	}
	b.end = c.Next(b.Starts[len(b.Starts)-1], g).UnixNano()
	return b, nil
}

// Buckets is the list of calendar buckets covering a range, with a fast
// lookup from an instant to its bucket. Build it with [Calendar.Buckets].
type Buckets struct {
	Granularity Granularity
	Starts      []time.Time // bucket start instants, in the calendar's location
	bounds      []int64
	end         int64
}

// Len returns the number of buckets.
func (b Buckets) Len() int { return len(b.Starts) }

// End returns the end (exclusive) of bucket i.
func (b Buckets) End(i int) time.Time {
	if i+1 < len(b.bounds) {
		return time.Unix(0, b.bounds[i+1]).In(b.Starts[i].Location())
	}
	return time.Unix(0, b.end).In(b.Starts[i].Location())
}

// Index returns the bucket holding t, or -1 if t lies outside every bucket.
func (b Buckets) Index(t time.Time) int { return b.IndexUnixNano(t.UnixNano()) }

// IndexUnixNano is Index for Unix nanoseconds. It costs a binary search and
// does no allocation.
func (b Buckets) IndexUnixNano(ns int64) int {
	if len(b.bounds) == 0 || ns < b.bounds[0] || ns >= b.end {
		return -1
	}
	return sort.Search(len(b.bounds), func(i int) bool { return b.bounds[i] > ns }) - 1
}

// Preset names a range relative to "now" in a tenant's calendar.
type Preset string

// Presets. LastNDays is the N calendar days ending with the day that
// contains now, in the calendar's zone: [start of (today - N + 1), start of
// tomorrow).
const (
	Last7Days  Preset = "last_7_days"
	Last15Days Preset = "last_15_days"
	Last30Days Preset = "last_30_days"
)

// MaxCustomDays is the longest custom range accepted by [Calendar.CustomRange]
// unless [RangeOptions.AllowLong] is set, in calendar days.
const MaxCustomDays = 90

// PresetRange returns the range p denotes at instant now.
func (c Calendar) PresetRange(p Preset, now time.Time) (Range, error) {
	var n int
	switch p {
	case Last7Days:
		n = 7
	case Last15Days:
		n = 15
	case Last30Days:
		n = 30
	default:
		return Range{}, fmt.Errorf("convometrics: preset %q: %w (want last_7_days, last_15_days or last_30_days)", p, ErrUnknownValue)
	}
	return c.LastDays(n, now), nil
}

// LastDays returns the n calendar days ending with the day containing now.
func (c Calendar) LastDays(n int, now time.Time) Range {
	loc := c.Location()
	y, m, d := now.In(loc).Date()
	return Range{
		From: time.Date(y, m, d-n+1, 0, 0, 0, 0, loc),
		To:   time.Date(y, m, d+1, 0, 0, 0, 0, loc),
	}
}

// RangeOptions configures [Calendar.CustomRange].
type RangeOptions struct {
	// AllowLong lifts the MaxCustomDays limit.
	AllowLong bool
}

// CustomRange checks the custom range [from, to): it must be non-empty and,
// unless opts.AllowLong, span at most MaxCustomDays calendar days of c (a day
// counts when any part of it is covered). Errors wrap [ErrEmptyRange] or
// [ErrRangeTooLong].
func (c Calendar) CustomRange(from, to time.Time, opts RangeOptions) (Range, error) {
	r := Range{From: from, To: to}
	if err := r.Check(); err != nil {
		return Range{}, err
	}
	if !opts.AllowLong {
		if days := c.DaysSpanned(r); days > MaxCustomDays {
			return Range{}, fmt.Errorf("convometrics: range %s spans %d days, more than %d: %w", r, days, MaxCustomDays, ErrRangeTooLong)
		}
	}
	return r, nil
}

// CheckRange checks the range of a question as [Calendar.CustomRange]
// does: bounded, non-empty, and at most MaxCustomDays calendar days of c
// unless opts.AllowLong. Every engine checks its query's range with it.
func (c Calendar) CheckRange(r Range, opts RangeOptions) error {
	_, err := c.CustomRange(r.From, r.To, opts)
	return err
}

// DateRange returns the range of whole local days from the start of date
// from through the end of date to (both inclusive), checked as by
// [Calendar.CustomRange].
func (c Calendar) DateRange(from, to Date, opts RangeOptions) (Range, error) {
	loc := c.Location()
	start := time.Date(from.Year, from.Month, from.Day, 0, 0, 0, 0, loc)
	end := time.Date(to.Year, to.Month, to.Day+1, 0, 0, 0, 0, loc)
	return c.CustomRange(start, end, opts)
}

// DaysSpanned returns the number of local calendar days r touches.
func (c Calendar) DaysSpanned(r Range) int {
	first := c.Start(r.From, Day)
	last := c.Start(r.To.Add(-1), Day)
	fy, fm, fd := first.Date()
	ly, lm, ld := last.Date()
	a := time.Date(fy, fm, fd, 0, 0, 0, 0, time.UTC)
	b := time.Date(ly, lm, ld, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a)/(24*time.Hour)) + 1
}

// Date is a calendar date without a zone, as typed by a user (2026-10-31).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("convometrics: date %q: %w (want YYYY-MM-DD)", s, ErrInvalidValue)
	}
	y, m, d := t.Date()
	return Date{y, m, d}, nil
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

func floorMod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}
