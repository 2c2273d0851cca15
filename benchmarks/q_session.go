package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/demo"
	"github.com/convometrics/convometrics/session"
)

// sessionQuestions are the session engine's questions (see questions).
func sessionQuestions() []question {
	return []question{
		{name: "session overview 30 days", ours: overviewOurs, duck: overviewDuck},
		{name: "agent first response", ours: firstResponseOurs, duck: firstResponseDuck},
	}
}

// The overview question: the dashboard of tenant acme (host conversation
// ids) over its last 30 days, by local day — messages received and sent
// by each sender, new sessions, contacts who wrote and new contacts — with
// the totals of the distinct counts. Test traffic is excluded. Ours is the
// whole session.Overview (responses, windows, snapshots, cost and bot
// outcomes included), of which these lines are a part.
func overviewOurs(ctx context.Context, w *workload) ([]string, error) {
	cal, r, err := thirtyDays(ctx, w)
	if err != nil {
		return nil, err
	}
	ov, err := session.Overview(ctx, w.store, session.Query{Tenant: "acme", Range: r, Calendar: cal})
	if err != nil {
		return nil, err
	}
	var out []string
	line := func(day time.Time, what string, n int) {
		if n > 0 {
			out = append(out, fmt.Sprintf("%s %s %d", day.Format("2006-01-02"), what, n))
		}
	}
	m := ov.Messages
	for i, p := range ov.NewSessions.Series {
		line(p.Start, "received", m.Received.Series[i].Value)
		line(p.Start, "sent:agent", m.ByAgent.Series[i].Value)
		line(p.Start, "sent:bot", m.ByBot.Series[i].Value)
		line(p.Start, "sent:ai", m.ByAI.Series[i].Value)
		line(p.Start, "sent:campaign", m.ByCampaign.Series[i].Value)
		line(p.Start, "sent:broadcast", m.ByBroadcast.Series[i].Value)
		line(p.Start, "new_sessions", p.Value)
		line(p.Start, "contacts", ov.Contacts.Series[i].Value)
		line(p.Start, "new_contacts", ov.NewContacts.Series[i].Value)
	}
	out = append(out, fmt.Sprintf("total contacts %d", ov.Contacts.Total), fmt.Sprintf("total new_sessions %d", ov.NewSessions.Total),
		fmt.Sprintf("total new_contacts %d", ov.NewContacts.Total))
	slices.Sort(out)
	return out, nil
}

// overviewDuck asks DuckDB the same. For a tenant with conversation ids
// (acme, whose events without one are only campaign and broadcast sends),
// a session is a (contact, conversation) and starts at its first event of
// the session engine's types; a new contact is one whose first inbound
// message ever is in the range. The engine counts a message id once per
// contact (a message stored under two event ids); the demo workload never
// repeats a message id, so the SQL does not deduplicate them.
func overviewDuck(ctx context.Context, w *workload) ([]string, error) {
	_, r, err := thirtyDays(ctx, w)
	if err != nil {
		return nil, err
	}
	rows, err := w.db.QueryContext(ctx, `
		WITH ev AS (
			SELECT * FROM events WHERE tenant = 'acme' AND coalesce(channel, '') <> 'test'
		),
		msgs AS (
			SELECT strftime(date_trunc('day', local_time), '%Y-%m-%d') AS day,
			       CASE WHEN type = 'message.received' THEN 'received' ELSE 'sent:' || sender END AS what, count(*) AS n
			FROM ev WHERE type IN ('message.received', 'message.sent') AND time >= $1 AND time < $2
			GROUP BY ALL
		),
		sess AS (
			SELECT strftime(date_trunc('day', arg_min(local_time, time)), '%Y-%m-%d') AS day, min(time) AS start
			FROM ev
			WHERE conversation IS NOT NULL AND type IN ('message.received', 'message.sent', 'conversation.opened',
			      'conversation.assigned', 'conversation.unassigned', 'conversation.handoff', 'conversation.resolved', 'conversation.reopened')
			GROUP BY contact, conversation
		),
		news AS (
			SELECT day, 'new_sessions' AS what, count(*) AS n FROM sess WHERE start >= $1 AND start < $2 GROUP BY ALL
		),
		wrote AS (
			SELECT strftime(date_trunc('day', local_time), '%Y-%m-%d') AS day, 'contacts' AS what, count(DISTINCT contact) AS n
			FROM ev WHERE type = 'message.received' AND time >= $1 AND time < $2 GROUP BY ALL
		),
		firsts AS (
			SELECT contact, min(time) AS first, strftime(date_trunc('day', arg_min(local_time, time)), '%Y-%m-%d') AS day
			FROM ev WHERE type = 'message.received' GROUP BY contact
		),
		newc AS (
			SELECT day, 'new_contacts' AS what, count(*) AS n FROM firsts WHERE first >= $1 AND first < $2 GROUP BY ALL
		)
		SELECT day || ' ' || what || ' ' || n FROM (SELECT * FROM msgs UNION ALL SELECT * FROM news UNION ALL SELECT * FROM wrote UNION ALL SELECT * FROM newc)
		UNION ALL SELECT 'total contacts ' || count(DISTINCT contact) FROM ev WHERE type = 'message.received' AND time >= $1 AND time < $2
		UNION ALL SELECT 'total new_sessions ' || count(*) FROM sess WHERE start >= $1 AND start < $2
		UNION ALL SELECT 'total new_contacts ' || count(*) FROM firsts WHERE first >= $1 AND first < $2`, r.From, r.To)
	if err != nil {
		return nil, err
	}
	return sortedLines(rows)
}

// The agent question: every tenant's human first response per agent over
// the whole workload (credited to the replier, by the reply's time), with
// the session engine's default definitions: once per resolve cycle, the
// first agent message after the contact's first message of the cycle,
// measured from the latest of that message and the cycle's assignments,
// bot hand-offs and (re)openings before the reply. The answer per agent is
// the count and the mean, median and p90 in nanoseconds.
func firstResponseOurs(ctx context.Context, w *workload) ([]string, error) {
	tenants, err := w.store.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	r := cm.Range{From: demo.Start(), To: demo.Start().AddDate(0, 0, demo.Days+5)}
	var out []string
	for _, t := range tenants {
		res, err := session.Agents(ctx, w.store, session.Query{Tenant: t, Range: r, Granularity: cm.Week, AllowLongRange: true})
		if err != nil {
			return nil, err
		}
		for _, p := range res.Agents {
			if s := p.FirstResponse.Total; s.Count > 0 {
				out = append(out, fmt.Sprintf("%s %s %d %d %d %d", t, p.Name, s.Count, int64(s.Mean), int64(s.Median), int64(s.P90)))
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// firstResponseDuck computes the same in SQL. Sessions are keyed by
// (contact, conversation), or (contact, inbox) for events without a
// conversation id (umbrella); a resolve cycle is the stretch after each
// resolution, opened by the next inbound message (not a reaction),
// conversation.opened or conversation.reopened. A derived session ends 24
// hours after a resolution not followed by a reopening, which matters for
// one thing only: an assignment repeating the current assignee is not one,
// and a new session has no assignee. The SQL counts every resolution as
// the end of a cycle, where the engine ignores one of an already resolved
// session; the demo workload has none.
func firstResponseDuck(ctx context.Context, w *workload) ([]string, error) {
	rows, err := w.db.QueryContext(ctx, `
		WITH e AS (
			SELECT tenant, type, time, id, epoch_ms(time) AS ms, contact, agent, team,
			       CASE WHEN conversation IS NOT NULL THEN 'c:' || conversation ELSE 'i:' || coalesce(inbox, '') END AS k,
			       conversation IS NULL AS derived,
			       type = 'message.received' AND coalesce(message_type, '') <> 'reaction' AS is_in,
			       type = 'message.sent' AND sender = 'agent' AND coalesce(message_type, '') <> 'reaction' AS is_agent,
			       type IN ('conversation.handoff', 'conversation.opened', 'conversation.reopened') AS is_trig,
			       (type = 'message.received' AND coalesce(message_type, '') <> 'reaction') OR type IN ('conversation.opened', 'conversation.reopened') AS opener
			FROM events
			WHERE type IN ('message.received', 'message.sent', 'conversation.opened', 'conversation.assigned',
			               'conversation.unassigned', 'conversation.handoff', 'conversation.resolved', 'conversation.reopened')
			  AND coalesce(channel, '') <> 'test' AND contact IS NOT NULL
		),
		r AS (SELECT *, row_number() OVER (PARTITION BY tenant, contact, k ORDER BY time, id) AS rn FROM e),
		o AS (
			SELECT *,
			  count(*) FILTER (WHERE type = 'conversation.resolved') OVER before AS cyc,
			  max(ms) FILTER (WHERE type = 'conversation.resolved') OVER before AS last_res,
			  max(rn) FILTER (WHERE type = 'conversation.resolved') OVER before AS last_res_rn,
			  max(rn) FILTER (WHERE opener) OVER before AS last_open_rn
			FROM r
			WINDOW before AS (PARTITION BY tenant, contact, k ORDER BY rn ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
		),
		s AS (
			SELECT *, sum(CASE WHEN opener AND derived AND last_res IS NOT NULL AND coalesce(last_open_rn, 0) < last_res_rn
			                        AND ms >= last_res + 86400000 THEN 1 ELSE 0 END) OVER (PARTITION BY tenant, contact, k ORDER BY rn) AS sess
			FROM o
		),
		a AS (
			SELECT *,
			  last_value(CASE WHEN type = 'conversation.assigned' THEN coalesce(agent, '') || '|' || coalesce(team, '')
			                  WHEN type = 'conversation.unassigned' THEN '~' END IGNORE NULLS)
			    OVER (PARTITION BY tenant, contact, k, sess ORDER BY rn ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_asg
			FROM s
		),
		b AS (
			SELECT *,
			  is_trig OR (type = 'conversation.assigned' AND (prev_asg IS NULL OR prev_asg = '~' OR prev_asg <> coalesce(agent, '') || '|' || coalesce(team, ''))) AS trig,
			  min(rn) FILTER (WHERE opener) OVER (PARTITION BY tenant, contact, k, cyc) AS open_rn
			FROM a
		),
		c AS (
			SELECT *,
			  max(ms) FILTER (WHERE trig) OVER (PARTITION BY tenant, contact, k, cyc ORDER BY rn ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS trig_ms,
			  min(rn) FILTER (WHERE is_in AND rn >= open_rn) OVER (PARTITION BY tenant, contact, k, cyc) AS in_rn
			FROM b
		),
		d AS (
			SELECT *,
			  min(rn) FILTER (WHERE is_agent AND rn > in_rn) OVER (PARTITION BY tenant, contact, k, cyc) AS rep_rn,
			  max(ms) FILTER (WHERE rn = in_rn) OVER (PARTITION BY tenant, contact, k, cyc) AS in_ms
			FROM c
		),
		frt AS (
			SELECT tenant, agent, (ms - greatest(in_ms, coalesce(trig_ms, in_ms))) * 1000000 AS d
			FROM d WHERE rn = rep_rn AND agent IS NOT NULL
		),
		agg AS (
			SELECT tenant, agent, count(*) AS n, sum(d) AS total, list_sort(list(d)) AS l FROM frt GROUP BY ALL
		)
		SELECT tenant || ' ' || agent || ' ' || n || ' ' || (total // n) || ' ' ||
		       (CASE WHEN n % 2 = 1 THEN l[n // 2 + 1] ELSE l[n // 2] + (l[n // 2 + 1] - l[n // 2]) // 2 END) || ' ' ||
		       l[greatest((90 * n + 99) // 100, 1)]
		FROM agg`)
	if err != nil {
		return nil, err
	}
	return sortedLines(rows)
}

type lineRows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}

func sortedLines(rows lineRows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out, rows.Err()
}
