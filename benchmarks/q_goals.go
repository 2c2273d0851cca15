package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/convometrics/convometrics/goals"
)

// goalsQuestions are the goals engine's questions (see questions).
func goalsQuestions() []question {
	return []question{
		{name: "flows triggered per day", ours: flowsOurs, duck: flowsDuck},
	}
}

// The flows question: how many runs of each flow started on each local day
// of tenant acme's last 30 days, test traffic excluded — the "Chat Flows"
// card of the inbox dashboard. The goals engine computes it with the rest
// of its flow statistics (runs, completions, drop-out), which DuckDB is not
// asked for.
func flowsOurs(ctx context.Context, w *workload) ([]string, error) {
	cal, r, err := thirtyDays(ctx, w)
	if err != nil {
		return nil, err
	}
	res, err := goals.Flows(ctx, w.store, goals.FlowsQuery{Tenant: "acme", Range: r, Calendar: cal})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range res.Flows {
		for _, p := range f.Series {
			if p.Value > 0 {
				out = append(out, fmt.Sprintf("%s %s %d", p.Start.Format("2006-01-02"), f.Flow, p.Value))
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

func flowsDuck(ctx context.Context, w *workload) ([]string, error) {
	_, r, err := thirtyDays(ctx, w)
	if err != nil {
		return nil, err
	}
	return dayCounts(ctx, w, `
		SELECT strftime(date_trunc('day', local_time), '%Y-%m-%d'), flow, count(*)
		FROM events
		WHERE tenant = 'acme' AND type = 'flow.started' AND time >= ? AND time < ?
		  AND contact IS NOT NULL AND coalesce(channel, '') <> 'test'
		GROUP BY ALL`, r.From, r.To)
}
