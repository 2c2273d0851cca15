package goals

import (
	"context"
	"fmt"
	"slices"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// PaymentSucceededGoal is the default goal "payment_succeeded": it holds
// at any payment.succeeded event of the conversation, whether or not the
// payment is matched to a payment link, so it counts conversations with a
// successful payment, each once. It is not the commerce funnel's or the
// attribution engine's conversions, which count matched payments (see the
// package documentation, § Defaults). Payments usually carry no
// conversation id; they join the contact's open conversation (§
// Conversations).
func PaymentSucceededGoal() Goal {
	return Goal{
		Name:        "payment_succeeded",
		Description: "conversations with a payment.succeeded event, matched to a payment link or not",
		When:        Condition{Event: &EventMatch{Type: cm.PaymentSucceeded}},
	}
}

// DefaultGoals returns the goal set to use when the host defines none,
// built from the tenant's events in rng (test traffic excluded):
//
//   - one goal per goal name on goal.reached events, named as the events'
//     goal and holding at them ({"goal": NAME});
//   - "payment_succeeded" ([PaymentSucceededGoal]) when the tenant has
//     payment.succeeded events;
//   - "completed:FLOW" ([CompletionGoal]) for each flow started.
//
// Goals come in that order, each group sorted by name; a name already taken
// by an earlier goal is skipped.
func DefaultGoals(ctx context.Context, r cm.Reader, tenant string, rng cm.Range) ([]Goal, error) {
	if tenant == "" {
		return nil, fmt.Errorf("goals: default goals: tenant: %w", cm.ErrNoTenant)
	}
	f, err := frame.Get(ctx, r, frame.Spec{
		Query:  cm.Query{Tenant: tenant, Range: rng, Types: []cm.Type{cm.FlowStarted, cm.PaymentSucceeded, cm.GoalReached}},
		Fields: frame.Of(frame.Goal, frame.Flow, frame.Channel),
	})
	if err != nil {
		return nil, fmt.Errorf("goals: default goals: %w", err)
	}
	test, hasTest := f.Lookup(frame.Channel, string(cm.ChannelTest))
	ch, gl, fl := f.Col(frame.Channel), f.Col(frame.Goal), f.Col(frame.Flow)
	goalIDs, flowIDs := map[uint32]bool{}, map[uint32]bool{}
	payment := false
	for r := range f.Len() {
		if hasTest && ch[r] == test {
			continue
		}
		switch f.Type[r] {
		case tGoal:
			if gl[r] != 0 {
				goalIDs[gl[r]] = true
			}
		case tStarted:
			if fl[r] != 0 {
				flowIDs[fl[r]] = true
			}
		default:
			payment = true
		}
	}
	strs := func(ids map[uint32]bool, d frame.Dict) []string {
		var out []string
		for id := range ids {
			out = append(out, d.Str(id))
		}
		slices.Sort(out)
		return out
	}
	var out []Goal
	taken := map[string]bool{}
	add := func(g Goal) {
		if !taken[g.Name] {
			taken[g.Name] = true
			out = append(out, g)
		}
	}
	for _, name := range strs(goalIDs, f.Dict(frame.Goal)) {
		add(Goal{Name: name, Description: "conversations with a goal.reached event of goal " + name, When: Condition{Goal: name}})
	}
	if payment {
		add(PaymentSucceededGoal())
	}
	for _, flow := range strs(flowIDs, f.Dict(frame.Flow)) {
		add(CompletionGoal(flow))
	}
	return out, nil
}
