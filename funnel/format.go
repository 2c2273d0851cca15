package funnel

import (
	"strconv"
	"time"

	cm "github.com/convometrics/convometrics"
)

// rate formats a rate for tables: a decimal between 0 and 1 with four
// decimals, or "" for 0/0.
func rate(r cm.Rate) string {
	v, ok := r.Value()
	if !ok {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

// seconds formats a duration in seconds, to the millisecond.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Round(time.Millisecond).Seconds(), 'f', -1, 64)
}

// stamp formats an instant for tables (RFC 3339 in its location), or "".
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}
