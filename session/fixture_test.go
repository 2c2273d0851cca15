package session

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/memstore"
	"github.com/shopspring/decimal"
)

// fx builds the events of a hand-worked fixture. Ids are numbered in
// creation order, so that events at the same instant are ordered as
// written.
type fx struct {
	tenant string
	evs    []cm.Event
}

type mod func(*cm.Event)

// ts is 2026-11-day hh:mm:ss UTC (2 November 2026 is a Monday).
func ts(day, hh, mm int, ss ...int) time.Time {
	s := 0
	if len(ss) > 0 {
		s = ss[0]
	}
	return time.Date(2026, 11, day, hh, mm, s, 0, time.UTC)
}

func (f *fx) add(typ cm.Type, contact string, at time.Time, mods ...mod) *fx {
	e := cm.Event{ID: fmt.Sprintf("%s-%04d", f.tenant, len(f.evs)+1), Tenant: f.tenant, Type: typ, Time: at,
		Contact: contact, Channel: cm.ChannelWhatsApp, Inbox: "inbox-1"}
	if typ == cm.MessageReceived || typ == cm.MessageSent {
		e.Message = "m" + e.ID
	}
	for _, m := range mods {
		m(&e)
	}
	f.evs = append(f.evs, e)
	return f
}

func (f *fx) in(contact string, at time.Time, mods ...mod) *fx {
	return f.add(cm.MessageReceived, contact, at, mods...)
}
func (f *fx) bot(contact string, at time.Time, mods ...mod) *fx {
	return f.add(cm.MessageSent, contact, at, append([]mod{sender(cm.SenderBot)}, mods...)...)
}
func (f *fx) reply(contact, agent string, at time.Time, mods ...mod) *fx {
	return f.add(cm.MessageSent, contact, at, append([]mod{sender(cm.SenderAgent), byAgent(agent)}, mods...)...)
}
func (f *fx) resolved(contact string, at time.Time, mods ...mod) *fx {
	return f.add(cm.ConversationResolved, contact, at, mods...)
}

func conv(id string) mod       { return func(e *cm.Event) { e.Conversation = id } }
func inbox(id string) mod      { return func(e *cm.Event) { e.Inbox = id } }
func sender(s cm.Sender) mod   { return func(e *cm.Event) { e.Sender = s } }
func byAgent(a string) mod     { return func(e *cm.Event) { e.Agent = a } }
func team(t string) mod        { return func(e *cm.Event) { e.Team = t } }
func channel(c cm.Channel) mod { return func(e *cm.Event) { e.Channel = c } }
func msgType(t string) mod     { return func(e *cm.Event) { e.MessageType = t } }
func template(name string) mod { return func(e *cm.Event) { e.Template = name } }
func assistant(a string) mod   { return func(e *cm.Event) { e.Assistant = a } }
func msgID(id string) mod      { return func(e *cm.Event) { e.Message = id } }
func price(amount, cur string) mod {
	return func(e *cm.Event) { e.Amount, e.Currency = decimal.RequireFromString(amount), cur }
}

// week is the query over Monday 2 to Monday 9 November 2026, UTC, by day.
func week(tenant string) Query {
	return Query{Tenant: tenant, Range: cm.Range{From: ts(2, 0, 0), To: ts(9, 0, 0)}}
}

func store(t testing.TB, evs ...[]cm.Event) *memstore.Store {
	t.Helper()
	s := memstore.New()
	for _, e := range evs {
		if _, err := s.Append(context.Background(), e...); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// byContact groups events into contact logs.
func byContact(evs []cm.Event) []cm.ContactLog {
	m := map[string][]cm.Event{}
	for _, e := range evs {
		m[e.Contact] = append(m[e.Contact], e)
	}
	var out []cm.ContactLog
	for _, c := range sortedKeys(m) {
		out = append(out, cm.ContactLog{Contact: c, Events: m[c]})
	}
	return out
}

// results computes q over evs through a store, and again through
// Accumulator.Add with each contact's events reversed, and checks that
// both agree.
func results(t *testing.T, evs []cm.Event, q Query) (*OverviewResult, *AgentsResult, *AssistResult) {
	t.Helper()
	s := store(t, evs)
	ctx := context.Background()
	ov, err := Overview(ctx, s, q)
	if err != nil {
		t.Fatal(err)
	}
	ag, err := Agents(ctx, s, q)
	if err != nil {
		t.Fatal(err)
	}
	as, err := Assist(ctx, s, q)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAccumulator(q)
	if err != nil {
		t.Fatal(err)
	}
	for _, log := range byContact(evs) {
		slices.Reverse(log.Events)
		a.Add(log)
	}
	same(t, "overview through Add", ov, a.Overview())
	same(t, "agents through Add", ag, a.Agents())
	same(t, "assist through Add", as, a.Assist())
	return ov, ag, as
}

func same(t *testing.T, what string, want, got any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		w, _ := json.Marshal(want)
		g, _ := json.Marshal(got)
		t.Errorf("%s differs:\nwant %s\n got %s", what, w, g)
	}
}

func values(c Count) []int {
	out := make([]int, len(c.Series))
	for i, p := range c.Series {
		out[i] = p.Value
	}
	return out
}

func eqInts(t *testing.T, name string, c Count, total int, series ...int) {
	t.Helper()
	if c.Total != total {
		t.Errorf("%s: total %d, want %d", name, c.Total, total)
	}
	if len(series) > 0 {
		got := values(c)[:len(series)]
		if !slices.Equal(got, series) {
			t.Errorf("%s: series %v, want %v", name, got, series)
		}
	}
}

func eqRate(t *testing.T, name string, r cm.Rate, num, den float64) {
	t.Helper()
	if r.Numerator != num || r.Denominator != den {
		t.Errorf("%s: %v/%v, want %v/%v", name, r.Numerator, r.Denominator, num, den)
	}
}

func eqStats(t *testing.T, name string, s cm.DurationStats, count int, mean, median time.Duration) {
	t.Helper()
	if s.Count != count || s.Mean != mean || s.Median != median {
		t.Errorf("%s: count %d mean %v median %v, want %d %v %v", name, s.Count, s.Mean, s.Median, count, mean, median)
	}
}

// eqSLA checks an SLA target's met, breached and pending sessions.
func eqSLA(t *testing.T, name string, s *SLATarget, met, breached, pending int) {
	t.Helper()
	if s == nil {
		t.Fatalf("%s: no SLA target reported", name)
	}
	if s.Met != met || s.Breached != breached || s.Pending != pending {
		t.Errorf("%s: met %d breached %d pending %d, want %d %d %d", name, s.Met, s.Breached, s.Pending, met, breached, pending)
	}
}

func perfOf(t *testing.T, ps []Performance, name string) Performance {
	t.Helper()
	for _, p := range ps {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no row %q", name)
	return Performance{}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// failing is a store whose every scan fails.
type failing struct{ err error }

func (f failing) Scan(ctx context.Context, q cm.Query) iter.Seq2[cm.Event, error] {
	return func(yield func(cm.Event, error) bool) { yield(cm.Event{}, f.err) }
}
