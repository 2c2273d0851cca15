package goals_test

import (
	"context"
	"testing"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/goals"
	"github.com/convometrics/convometrics/internal/demo"
	"github.com/convometrics/convometrics/session"
)

// TestConversationsMatchSessions: the goals engine derives conversations
// by the session engine's rule, so over the demo workload both count the
// same conversations starting each day, with host ids (acme, globex,
// initech) and without (umbrella).
func TestConversationsMatchSessions(t *testing.T) {
	s := storeOf(t, demoWorkload())
	ctx := context.Background()
	for _, tenant := range []string{"acme", "globex", "initech", "umbrella"} {
		cal := cm.NewCalendar(demo.Location(tenant))
		r := cm.Range{From: demo.Start(), To: demo.Start().AddDate(0, 0, demo.Days+3)}
		res, err := goals.Conversions(ctx, s, goals.Query{Tenant: tenant, Range: r, Calendar: cal, Goals: []goals.Goal{goals.PaymentSucceededGoal()}})
		if err != nil {
			t.Fatal(err)
		}
		ss, err := session.Sessions(ctx, s, session.Query{Tenant: tenant, Range: r, Calendar: cal})
		if err != nil {
			t.Fatal(err)
		}
		days, err := cal.Buckets(r, cm.Day)
		if err != nil {
			t.Fatal(err)
		}
		perDay := make([]int, days.Len())
		n := 0
		for _, row := range ss.Sessions {
			if r.Contains(row.Start) {
				perDay[days.Index(row.Start)]++
				n++
			}
		}
		if res.Conversations != n || n == 0 {
			t.Errorf("%s: %d conversations, the session engine %d sessions", tenant, res.Conversations, n)
		}
		for i, p := range res.Started {
			if p.Value != perDay[i] {
				t.Errorf("%s %s: %d conversations started, %d sessions", tenant, p.Start.Format("2006-01-02"), p.Value, perDay[i])
			}
		}
	}
}
