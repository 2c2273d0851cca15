package session

import (
	"errors"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
)

func weekdays(w ...Window) *BusinessHours {
	return &BusinessHours{Monday: w, Tuesday: w, Wednesday: w, Thursday: w, Friday: w}
}

func between(t *testing.T, b *BusinessHours, zone string, from, to time.Time) time.Duration {
	t.Helper()
	if err := b.check("hours"); err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	s := compileSchedule(b, loc, from.UnixNano(), to.UnixNano())
	return time.Duration(s.between(from.UnixNano(), to.UnixNano()))
}

// The reference values of Chatwoot's specs (support-metrics.md §2):
// Monday to Friday 09:00–17:00.
func TestBusinessHoursChatwootReference(t *testing.T) {
	b := weekdays(Window{"09:00", "17:00"})
	utc := func(d, h, m int) time.Time { return time.Date(2022, 3, d, h, m, 0, 0, time.UTC) }
	// Sunday 20 March 00:00 → Saturday 26 March 23:59: 5 × 8 h = 144 000 s
	if got := between(t, b, "UTC", utc(20, 0, 0), utc(26, 23, 59)); got != 144000*time.Second {
		t.Errorf("a week: %v, want 144000s", got)
	}
	// Sunday 12:00 → Monday 14:00: Monday 09:00–14:00 = 18 000 s
	if got := between(t, b, "UTC", utc(20, 12, 0), utc(21, 14, 0)); got != 18000*time.Second {
		t.Errorf("Sunday to Monday: %v, want 18000s", got)
	}
}

// Several windows a day (a lunch break), a window past midnight, holidays,
// and daylight-saving days in real zones.
func TestBusinessHoursWindows(t *testing.T) {
	ist, _ := time.LoadLocation("Europe/Istanbul")
	lunch := weekdays(Window{"09:00", "12:00"}, Window{"13:00", "18:00"})
	// Monday 2 Nov 2026 08:00 → 20:00 Istanbul: 3 h + 5 h
	if got := between(t, lunch, "Europe/Istanbul", time.Date(2026, 11, 2, 8, 0, 0, 0, ist), time.Date(2026, 11, 2, 20, 0, 0, 0, ist)); got != 8*time.Hour {
		t.Errorf("lunch break: %v, want 8h", got)
	}
	// Friday 22:00 → Saturday 02:00, from Friday 23:00 to Saturday 01:30
	night := &BusinessHours{Friday: []Window{{"22:00", "02:00"}}}
	if got := between(t, night, "UTC", time.Date(2026, 11, 6, 23, 0, 0, 0, time.UTC), time.Date(2026, 11, 7, 1, 30, 0, 0, time.UTC)); got != 150*time.Minute {
		t.Errorf("past midnight: %v, want 2h30m", got)
	}
	// a holiday on Wednesday: Tuesday 16:00 → Thursday 10:00 is 1 h + 1 h
	hol := weekdays(Window{"09:00", "17:00"})
	hol.Holidays = []string{"2026-11-04"}
	if got := between(t, hol, "UTC", time.Date(2026, 11, 3, 16, 0, 0, 0, time.UTC), time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)); got != 2*time.Hour {
		t.Errorf("holiday: %v, want 2h", got)
	}
	// Berlin, Sunday 25 Oct 2026: 01:00–04:00 wall clock spans the repeated
	// hour (03:00 CEST becomes 02:00 CET): 4 real hours.
	sunday := &BusinessHours{Sunday: []Window{{"01:00", "04:00"}}}
	if got := between(t, sunday, "Europe/Berlin", time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC), time.Date(2026, 10, 26, 0, 0, 0, 0, time.UTC)); got != 4*time.Hour {
		t.Errorf("autumn change: %v, want 4h", got)
	}
	// New York, Sunday 8 Mar 2026: 01:00–04:00 loses the hour 02:00–03:00.
	if got := between(t, sunday, "America/New_York", time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC), time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)); got != 2*time.Hour {
		t.Errorf("spring change: %v, want 2h", got)
	}
	// a whole day: 00:00–24:00
	all := &BusinessHours{Saturday: []Window{{"00:00", "24:00"}}}
	if got := between(t, all, "UTC", time.Date(2026, 11, 6, 12, 0, 0, 0, time.UTC), time.Date(2026, 11, 8, 12, 0, 0, 0, time.UTC)); got != 24*time.Hour {
		t.Errorf("whole Saturday: %v, want 24h", got)
	}
}

func TestBusinessHoursErrors(t *testing.T) {
	for _, c := range []struct {
		b    BusinessHours
		want string
		err  error
	}{
		{BusinessHours{}, "hours: required: no working window", cm.ErrRequired},
		{BusinessHours{Monday: []Window{{"9:00", "17:00"}}}, `hours.monday[0].from: invalid value: "9:00"`, cm.ErrInvalidValue},
		{BusinessHours{Tuesday: []Window{{"09:00", "24:30"}}}, `hours.tuesday[0].to: invalid value`, cm.ErrInvalidValue},
		{BusinessHours{Friday: []Window{{"10:00", "10:00"}}}, `hours.friday[0]: invalid value: empty window`, cm.ErrInvalidValue},
		{BusinessHours{Friday: []Window{{"10:00", "11:00"}}, Holidays: []string{"2026-13-01"}}, `hours.holidays[0]: invalid value`, cm.ErrInvalidValue},
	} {
		err := c.b.check("hours")
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, c.err) {
			t.Errorf("%+v: %v, want %q", c.b, err, c.want)
		}
	}
}
