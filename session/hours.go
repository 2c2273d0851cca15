package session

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	cm "github.com/convometrics/convometrics"
)

// BusinessHours is a weekly working schedule with holidays, in a time zone.
// When a query carries one, every duration the package reports counts only
// the working time between its two instants.
//
// Each day lists its windows of local wall-clock time, "HH:MM" to "HH:MM"
// ("24:00" is the end of the day). A window whose end is not after its
// start runs past midnight into the next day ("22:00" to "02:00"); a window
// belongs to the day it starts on. Overlapping windows count once. A
// holiday (a local date) has no windows of its own; a window of the day
// before that runs past midnight still counts. Wall-clock windows are
// converted on each date, so on a daylight-saving day a window covering
// the change is an hour shorter or longer in real time.
type BusinessHours struct {
	// TimeZone is the zone of the schedule; "" means the query's zone.
	TimeZone  string   `json:"time_zone,omitempty"`
	Monday    []Window `json:"monday,omitempty"`
	Tuesday   []Window `json:"tuesday,omitempty"`
	Wednesday []Window `json:"wednesday,omitempty"`
	Thursday  []Window `json:"thursday,omitempty"`
	Friday    []Window `json:"friday,omitempty"`
	Saturday  []Window `json:"saturday,omitempty"`
	Sunday    []Window `json:"sunday,omitempty"`
	// Holidays are local dates (YYYY-MM-DD) without working time.
	Holidays []string `json:"holidays,omitempty"`
}

// Window is a span of local wall-clock time within a day.
type Window struct {
	From string `json:"from"` // "HH:MM"
	To   string `json:"to"`   // "HH:MM"; "24:00" for the end of the day
}

// Day returns the windows of weekday d.
func (b *BusinessHours) Day(d time.Weekday) []Window {
	switch d {
	case time.Monday:
		return b.Monday
	case time.Tuesday:
		return b.Tuesday
	case time.Wednesday:
		return b.Wednesday
	case time.Thursday:
		return b.Thursday
	case time.Friday:
		return b.Friday
	case time.Saturday:
		return b.Saturday
	}
	return b.Sunday
}

// clock parses "HH:MM" into minutes; "24:00" is allowed when end is set.
func clock(s string, end bool) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || m < 0 || m > 59 || h < 0 {
		return 0, false
	}
	if h == 24 && m == 0 && end {
		return 24 * 60, true
	}
	if h > 23 {
		return 0, false
	}
	return h*60 + m, true
}

func (b *BusinessHours) check(field string) error {
	any := false
	for d := time.Sunday; d <= time.Saturday; d++ {
		for i, w := range b.Day(d) {
			name := fmt.Sprintf("%s.%s[%d]", field, lowerDay(d), i)
			f, ok := clock(w.From, false)
			if !ok {
				return fieldError(name+".from", cm.ErrInvalidValue, strconv.Quote(w.From)+" (want HH:MM)")
			}
			t, ok := clock(w.To, true)
			if !ok {
				return fieldError(name+".to", cm.ErrInvalidValue, strconv.Quote(w.To)+" (want HH:MM or 24:00)")
			}
			if f == t {
				return fieldError(name, cm.ErrInvalidValue, "empty window (from equals to)")
			}
			any = true
		}
	}
	if !any {
		return fieldError(field, cm.ErrRequired, "no working window on any day")
	}
	for i, h := range b.Holidays {
		if _, err := cm.ParseDate(h); err != nil {
			return fieldError(fmt.Sprintf("%s.holidays[%d]", field, i), cm.ErrInvalidValue, strconv.Quote(h)+" (want YYYY-MM-DD)")
		}
	}
	return nil
}

func lowerDay(d time.Weekday) string {
	s := d.String()
	return string(s[0]+'a'-'A') + s[1:]
}

// schedule is a compiled BusinessHours: disjoint working intervals in Unix
// ns over a span of dates, with the working time before each.
type schedule struct {
	starts, ends, before []int64
}

// maxScheduleDays bounds the span a schedule is built for.
const maxScheduleDays = 20 * 366

// compileSchedule builds the working intervals of b for every local date
// from the day before lo to the day after hi.
func compileSchedule(b *BusinessHours, loc *time.Location, lo, hi int64) *schedule {
	type iv struct{ s, e int64 }
	holidays := map[cm.Date]bool{}
	for _, h := range b.Holidays {
		d, _ := cm.ParseDate(h)
		holidays[d] = true
	}
	first := time.Unix(0, lo).In(loc)
	last := time.Unix(0, hi).In(loc)
	y, m, d := first.Date()
	day := time.Date(y, m, d-1, 0, 0, 0, 0, loc)
	ly, lm, ld := last.Date()
	end := time.Date(ly, lm, ld+1, 0, 0, 0, 0, loc)
	var ivs []iv
	for n := 0; !day.After(end) && n < maxScheduleDays; n++ {
		y, m, d := day.Date()
		if !holidays[cm.Date{Year: y, Month: m, Day: d}] {
			for _, w := range b.Day(day.Weekday()) {
				f, _ := clock(w.From, false)
				t, _ := clock(w.To, true)
				s := time.Date(y, m, d, f/60, f%60, 0, 0, loc).UnixNano()
				var e int64
				if t > f {
					e = time.Date(y, m, d, t/60, t%60, 0, 0, loc).UnixNano()
				} else { // runs past midnight
					e = time.Date(y, m, d+1, t/60, t%60, 0, 0, loc).UnixNano()
				}
				if e > s {
					ivs = append(ivs, iv{s, e})
				}
			}
		}
		day = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	}
	sort.Slice(ivs, func(i, j int) bool { return ivs[i].s < ivs[j].s })
	sc := &schedule{}
	var acc int64
	for _, v := range ivs {
		n := len(sc.starts)
		if n > 0 && v.s <= sc.ends[n-1] {
			if v.e > sc.ends[n-1] {
				acc += v.e - sc.ends[n-1]
				sc.ends[n-1] = v.e
			}
			continue
		}
		sc.starts = append(sc.starts, v.s)
		sc.ends = append(sc.ends, v.e)
		sc.before = append(sc.before, acc)
		acc += v.e - v.s
	}
	return sc
}

// worked returns the working time from the schedule's beginning to t.
func (s *schedule) worked(t int64) int64 {
	i := firstAtOrAfter(s.starts, t+1) - 1 // last interval starting at or before t
	if i < 0 {
		return 0
	}
	return s.before[i] + min(t, s.ends[i]) - s.starts[i]
}

// between returns the working time in [a, b) (0 when b <= a).
func (s *schedule) between(a, b int64) int64 {
	if b <= a {
		return 0
	}
	return s.worked(b) - s.worked(a)
}
