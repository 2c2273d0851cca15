package main

import (
	"context"
	"fmt"
	"slices"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/funnel"
	"github.com/convometrics/convometrics/internal/demo"
)

// funnelQuestions are the funnel engine's questions (see questions).
func funnelQuestions() []question {
	return []question{
		{name: "funnel 3 steps 7 days", ours: funnelOurs, duck: funnelDuck},
	}
}

// funnelRange is the demo period and three days after it. A few events of
// the workload (a payment made days after its cart) fall after it; the
// funnel sees only the events of its range, and so does the SQL.
var funnelRange = cm.Range{From: demo.Start(), To: demo.Start().AddDate(0, 0, demo.Days+3)}

// The funnel question: inbound message → cart added → payment succeeded,
// ordered, a 7-day window from the first step, every contact of every
// tenant over the whole workload, test traffic excluded. The answer is the
// number of contacts at each step, per tenant.
func funnelOurs(ctx context.Context, w *workload) ([]string, error) {
	tenants, err := w.store.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	def := funnel.Definition{
		Steps:  []funnel.Step{{Type: cm.MessageReceived}, {Type: cm.CartAdded}, {Type: cm.PaymentSucceeded}},
		Window: funnel.Window{Value: 7, Unit: funnel.Day},
	}
	var out []string
	for _, t := range tenants {
		res, err := funnel.Steps(ctx, w.store, funnel.Query{Tenant: t, Range: funnelRange, AllowLongRange: true, Funnel: def})
		if err != nil {
			return nil, err
		}
		for _, s := range res.Steps {
			out = append(out, fmt.Sprintf("%s step %d %d", t, s.Index+1, s.Count))
		}
	}
	slices.Sort(out)
	return out, nil
}

// funnelDuck asks DuckDB the same with PostHog's semantics, on the events
// of funnelRange. A contact's
// depth is the best over its inbound messages (each a possible step 1) of
// the greedy chain: the first cart at or after it, then the first payment
// at or after that cart, each within 7 days of the message. This is what
// the funnel engine's attempt-per-step algorithm reports for a funnel of
// three distinct event types without exclusions or optional steps.
func funnelDuck(ctx context.Context, w *workload) ([]string, error) {
	rows, err := w.db.QueryContext(ctx, `
		WITH ev AS (
			SELECT tenant, contact, type, time FROM events
			WHERE type IN ('message.received', 'cart.added', 'payment.succeeded')
			  AND time >= $1 AND time < $2
			  AND contact IS NOT NULL AND coalesce(channel, '') <> 'test'
		),
		s1 AS (SELECT tenant, contact, epoch_us(time) AS t1 FROM ev WHERE type = 'message.received'),
		s2 AS (SELECT tenant, contact, epoch_us(time) AS t2 FROM ev WHERE type = 'cart.added'),
		s3 AS (SELECT tenant, contact, epoch_us(time) AS t3 FROM ev WHERE type = 'payment.succeeded'),
		a AS (
			SELECT s1.tenant, s1.contact, s1.t1, s2.t2 FROM s1 ASOF LEFT JOIN s2
			ON s1.tenant = s2.tenant AND s1.contact = s2.contact AND s2.t2 >= s1.t1
		),
		b AS (
			SELECT a.tenant, a.contact, a.t1, a.t2, s3.t3 FROM a ASOF LEFT JOIN s3
			ON a.tenant = s3.tenant AND a.contact = s3.contact AND s3.t3 >= a.t2
		),
		depth AS (
			SELECT tenant, contact, max(CASE
				WHEN t2 IS NULL OR t2 > t1 + 604800000000 THEN 1
				WHEN t3 IS NULL OR t3 > t1 + 604800000000 THEN 2
				ELSE 3 END) AS d
			FROM b GROUP BY tenant, contact
		)
		SELECT tenant, count(*), count(*) FILTER (WHERE d >= 2), count(*) FILTER (WHERE d >= 3)
		FROM depth GROUP BY tenant`, funnelRange.From, funnelRange.To)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		var n [3]int
		if err := rows.Scan(&t, &n[0], &n[1], &n[2]); err != nil {
			return nil, err
		}
		for i, c := range n {
			out = append(out, fmt.Sprintf("%s step %d %d", t, i+1, c))
		}
	}
	slices.Sort(out)
	return out, rows.Err()
}
