package funnel_test

import (
	"context"
	"fmt"
	"iter"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/funnel"
	"github.com/convometrics/convometrics/memstore"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// t0 is 2026-11-02 10:00 UTC, a Monday.
var t0 = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

// at returns t0 plus m minutes.
func at(m float64) time.Time { return t0.Add(time.Duration(m * float64(time.Minute))) }

// fixture builds events for tenant "t" with generated ids.
type fixture struct {
	evs []cm.Event
}

type opt func(*cm.Event)

func (x *fixture) add(contact string, when time.Time, typ cm.Type, opts ...opt) *cm.Event {
	e := cm.Event{ID: fmt.Sprintf("e%04d", len(x.evs)), Tenant: "t", Type: typ, Time: when, Contact: contact}
	switch typ {
	case cm.MessageSent:
		e.Sender = cm.SenderBot
	case cm.CartAdded:
		e.Amount, e.Currency = decimal.NewFromInt(10), "EUR"
	case cm.PaymentSucceeded, cm.PaymentRefunded:
		e.Amount, e.Currency = decimal.NewFromInt(10), "EUR"
		e.Payment = "pay-" + e.ID
	case cm.PaymentLink:
		e.Amount, e.Currency = decimal.NewFromInt(10), "EUR"
		e.Link = "link-" + e.ID
	case cm.ConversationAssigned:
		e.Agent = "ann"
	case cm.FlowStarted, cm.FlowCompleted:
		e.Flow = "shop"
	case cm.FlowNode:
		e.Flow, e.Node = "shop", "n1"
	case cm.CampaignTargeted:
		e.Campaign = "c"
	case cm.MessageStatus:
		e.Status = cm.StatusSent
	case cm.GoalReached:
		e.Goal = "g"
	}
	for _, o := range opts {
		o(&e)
	}
	x.evs = append(x.evs, e)
	return &x.evs[len(x.evs)-1]
}

func campaign(c string) opt    { return func(e *cm.Event) { e.Campaign = c } }
func sender(s cm.Sender) opt   { return func(e *cm.Event) { e.Sender = s } }
func conv(c string) opt        { return func(e *cm.Event) { e.Conversation = c } }
func channel(c cm.Channel) opt { return func(e *cm.Event) { e.Channel = c } }
func flow(f string) opt        { return func(e *cm.Event) { e.Flow = f } }
func attrs(kv ...string) opt   { return func(e *cm.Event) { e.Attrs = pairs(kv) } }
func amount(a string) opt      { return func(e *cm.Event) { e.Amount = decimal.RequireFromString(a) } }
func message(id string) opt    { return func(e *cm.Event) { e.Message = id } }
func replyTo(id string) opt    { return func(e *cm.Event) { e.ReplyTo = id } }
func status(s cm.Status) opt   { return func(e *cm.Event) { e.Status = s } }
func errorCode(c string) opt   { return func(e *cm.Event) { e.ErrorCode = c } }
func version(v string) opt     { return func(e *cm.Event) { e.CampaignVersion = v } }
func template(name string) opt { return func(e *cm.Event) { e.Template = name } }
func tenant(t string) opt      { return func(e *cm.Event) { e.Tenant = t } }
func id(s string) opt          { return func(e *cm.Event) { e.ID = s } }
func link(l string) opt        { return func(e *cm.Event) { e.Link = l } }
func currency(c string) opt    { return func(e *cm.Event) { e.Currency = c } }
func payment(p string) opt     { return func(e *cm.Event) { e.Payment = p } }
func node(f, n string) opt     { return func(e *cm.Event) { e.Flow, e.Node = f, n } }
func inbox(i string) opt       { return func(e *cm.Event) { e.Inbox = i } }
func pairs(kv []string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// store returns a memstore holding evs.
func store(t testing.TB, evs []cm.Event) *memstore.Store {
	t.Helper()
	s := memstore.New()
	if len(evs) > 0 {
		if _, err := s.Append(context.Background(), evs...); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// scanOnly hides every optional interface of a store: engines must then
// build their frames from Scan.
type scanOnly struct{ r cm.Reader }

func (s scanOnly) Scan(ctx context.Context, q cm.Query) iter.Seq2[cm.Event, error] {
	return s.r.Scan(ctx, q)
}

// readers returns the two ways an engine reads: memstore's frames and a
// plain Reader.
func readers(t testing.TB, evs []cm.Event) map[string]cm.Reader {
	s := store(t, evs)
	return map[string]cm.Reader{"memstore": s, "scan": scanOnly{s}}
}

// steps returns plain steps of the types.
func steps(types ...cm.Type) []funnel.Step {
	out := make([]funnel.Step, len(types))
	for i, t := range types {
		out[i] = funnel.Step{Type: t}
	}
	return out
}

// counts returns the count of each step.
func counts(steps []funnel.StepResult) []int {
	out := make([]int, len(steps))
	for i, s := range steps {
		out[i] = s.Count
	}
	return out
}

// run computes q over evs with every reader and checks they agree.
func run(t *testing.T, evs []cm.Event, q funnel.Query) *funnel.Result {
	t.Helper()
	var first *funnel.Result
	for name, r := range readers(t, evs) {
		res, err := funnel.Steps(context.Background(), r, q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if first == nil {
			first = res
		} else if d := cmp.Diff(first, res); d != "" {
			t.Fatalf("readers disagree (-first +%s):\n%s", name, d)
		}
	}
	return first
}

// testRange is the range of the fixtures' funnels: October and November
// 2026 (61 days), around t0.
var testRange = cm.Range{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}

func query(def funnel.Definition) funnel.Query {
	return funnel.Query{Tenant: "t", Range: testRange, Funnel: def}
}
