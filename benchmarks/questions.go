package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/demo"
	"github.com/convometrics/convometrics/internal/frame"
)

// questions lists what is asked of both engines: a baseline (counting
// events, the cost of reading them once) and each engine's questions, which
// live in the engine's own file (q_<engine>.go).
func questions() []question {
	qs := []question{
		{name: "events by type per day", ours: eventsByDayOurs, duck: eventsByDayDuck},
	}
	qs = append(qs, sessionQuestions()...)
	qs = append(qs, funnelQuestions()...)
	qs = append(qs, goalsQuestions()...)
	qs = append(qs, attributionQuestions()...)
	qs = append(qs, creditsQuestions()...)
	return qs
}

// thirtyDays returns the demo tenant acme's last 30 days at its latest event.
func thirtyDays(ctx context.Context, w *workload) (cm.Calendar, cm.Range, error) {
	cal := cm.NewCalendar(demo.Location("acme"))
	if w.acmeLast.IsZero() {
		for e, err := range w.store.Scan(ctx, cm.Query{Tenant: "acme", Range: cm.Range{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}}) {
			if err != nil {
				return cal, cm.Range{}, err
			}
			w.acmeLast = e.Time
		}
	}
	r, err := cal.PresetRange(cm.Last30Days, w.acmeLast)
	return cal, r, err
}

// The baseline question: acme's events by type per local day over 30
// days, the cost of reading the events once (for convometrics: a frame of
// the time and type columns).
func eventsByDayOurs(ctx context.Context, w *workload) ([]string, error) {
	cal, r, err := thirtyDays(ctx, w)
	if err != nil {
		return nil, err
	}
	days, err := cal.Buckets(r, cm.Day)
	if err != nil {
		return nil, err
	}
	counts := make([][cm.NumTypes]int, days.Len())
	f, err := frame.Get(ctx, w.store, frame.Spec{Query: cm.Query{Tenant: "acme", Range: r}})
	if err != nil {
		return nil, err
	}
	for i, t := range f.Time {
		counts[days.IndexUnixNano(t)][f.Type[i]]++
	}
	var out []string
	for i, s := range days.Starts {
		for c, n := range counts[i] {
			if n > 0 {
				out = append(out, fmt.Sprintf("%s %s %d", s.Format("2006-01-02"), cm.TypeOfCode(uint8(c)), n))
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

func eventsByDayDuck(ctx context.Context, w *workload) ([]string, error) {
	_, r, err := thirtyDays(ctx, w)
	if err != nil {
		return nil, err
	}
	return dayCounts(ctx, w, `
		SELECT strftime(date_trunc('day', local_time), '%Y-%m-%d') AS day, type, count(*)
		FROM events WHERE tenant = 'acme' AND time >= ? AND time < ?
		GROUP BY ALL`, r.From, r.To)
}

// dayCounts runs a DuckDB query whose rows are (day, key, count) and
// returns them as sorted "day key count" lines.
func dayCounts(ctx context.Context, w *workload, query string, args ...any) ([]string, error) {
	rows, err := w.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var day, key string
		var n int
		if err := rows.Scan(&day, &key, &n); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("%s %s %d", day, key, n))
	}
	slices.Sort(out)
	return out, rows.Err()
}
