package attribution

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
)

func TestDefinitionValidate(t *testing.T) {
	neg, big, nan := -0.1, 0.7, math.NaN()
	for _, c := range []struct {
		def  Definition
		want error
		text string
	}{
		{Definition{Model: "first_click"}, cm.ErrUnknownValue, `attribution: model: unknown value: "first_click"`},
		{Definition{Model: "Linear"}, cm.ErrUnknownValue, `model: unknown value: "Linear"`},
		{Definition{Dimension: "colour"}, cm.ErrUnknownValue, `attribution: dimension: unknown value: "colour"`},
		{Definition{Lookback: -time.Hour}, cm.ErrInvalidValue, "attribution: lookback: invalid value: -1h0m0s is negative"},
		{Definition{HalfLife: -1}, cm.ErrInvalidValue, "half_life: invalid value"},
		{Definition{ReferenceWindow: -1}, cm.ErrInvalidValue, "reference_window: invalid value"},
		{Definition{FirstShare: &neg}, cm.ErrInvalidValue, "first_share: invalid value: -0.1 is not in [0, 1]"},
		{Definition{LastShare: &nan}, cm.ErrInvalidValue, "last_share: invalid value: NaN"},
		{Definition{FirstShare: &big}, cm.ErrInvalidValue, "first_share + last_share: invalid value: 0.7 + 0.4 is more than 1"},
		{Definition{Kinds: []Kind{CampaignSend, "pigeon"}}, cm.ErrUnknownValue, `kinds[1]: unknown value: "pigeon"`},
	} {
		err := c.def.Validate()
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%+v: %v, want %v naming %q", c.def, err, c.want, c.text)
		}
	}
	if err := (&Definition{}).Validate(); err != nil {
		t.Errorf("the zero definition: %v", err)
	}
	// Several problems are reported together.
	err := (&Definition{Model: "x", Lookback: -1}).Validate()
	if !errors.Is(err, cm.ErrUnknownValue) || !errors.Is(err, cm.ErrInvalidValue) {
		t.Errorf("joined: %v", err)
	}
}

func TestQueryValidate(t *testing.T) {
	r := cm.Range{From: t0, To: t0.Add(day)}
	// 91 calendar days: 2026-10-01 … 2026-12-30 in UTC.
	long := cm.Range{From: t0, To: t0.Add(90 * day)}
	// 90 days of Istanbul (UTC+3), 2026-10-01 00:00 +03 to 2026-12-30
	// 00:00 +03, touch 91 UTC days: the limit counts the query's calendar.
	ist := cm.NewCalendar(mustLoad("Europe/Istanbul"))
	istFrom := time.Date(2026, 10, 1, 0, 0, 0, 0, ist.Location())
	ist90 := cm.Range{From: istFrom, To: istFrom.AddDate(0, 0, 90)}
	for _, c := range []struct {
		q    Query
		want error
		text string
	}{
		{Query{Range: r}, cm.ErrNoTenant, "attribution: tenant"},
		{Query{Tenant: "t"}, cm.ErrEmptyRange, "attribution: range"},
		{Query{Tenant: "t", Range: cm.Range{From: t0}}, cm.ErrEmptyRange, "range"},
		{Query{Tenant: "t", Range: cm.Range{To: t0}}, cm.ErrEmptyRange, "range"},
		{Query{Tenant: "t", Range: long}, cm.ErrRangeTooLong, "attribution: range: "},
		{Query{Tenant: "t", Range: ist90}, cm.ErrRangeTooLong, "spans 91 days"},
		{Query{Tenant: "t", Range: r, Partition: cm.Partition{Index: 3, Count: 2}}, cm.ErrInvalidValue, "attribution: partition"},
		{Query{Tenant: "t", Range: r, Granularity: "fortnight"}, cm.ErrUnknownValue, `granularity: unknown value: "fortnight"`},
		{Query{Tenant: "t", Range: r, Definition: Definition{Model: "magic"}}, cm.ErrUnknownValue, "model"},
	} {
		_, err := Attribute(context.Background(), newStore(t, nil), c.q)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%+v: %v, want %v naming %q", c.q, err, c.want, c.text)
		}
		if _, err := Fold(context.Background(), newStore(t, nil), c.q); !errors.Is(err, c.want) {
			t.Errorf("Fold %+v: %v", c.q, err)
		}
	}
	for _, q := range []Query{
		{Tenant: "t", Range: long, AllowLongRange: true},
		{Tenant: "t", Range: ist90, Calendar: ist},
	} {
		if err := q.Validate(); err != nil {
			t.Errorf("%+v: %v", q, err)
		}
	}
	// Validate fills in no default.
	q := Query{Tenant: "t", Range: r}
	if err := q.Validate(); err != nil || q.Definition.Model != "" || q.Definition.Lookback != 0 || q.Granularity != "" {
		t.Errorf("Validate changed the query: %+v (%v)", q, err)
	}
}

func TestMatchQueryValidate(t *testing.T) {
	r := cm.Range{From: t0, To: t0.Add(day)}
	for _, c := range []struct {
		q    MatchQuery
		want error
		text string
	}{
		{MatchQuery{Range: r}, cm.ErrNoTenant, "attribution: tenant"},
		{MatchQuery{Tenant: "t"}, cm.ErrEmptyRange, "attribution: range"},
		{MatchQuery{Tenant: "t", Range: cm.Range{From: t0.Add(day), To: t0}}, cm.ErrEmptyRange, "attribution: range"},
		{MatchQuery{Tenant: "t", Range: cm.Range{From: t0, To: t0.Add(91 * day)}}, cm.ErrRangeTooLong, "attribution: range"},
		{MatchQuery{Tenant: "t", Range: r, ReferenceWindow: -1}, cm.ErrInvalidValue, "attribution: reference_window"},
		{MatchQuery{Tenant: "t", Range: r, Partition: cm.Partition{Index: 1}}, cm.ErrInvalidValue, "attribution: partition"},
	} {
		for name, err := range map[string]error{
			"MatchPayments": func() error { _, err := MatchPayments(context.Background(), newStore(t, nil), c.q); return err }(),
			"FoldPayments":  func() error { _, err := FoldPayments(context.Background(), newStore(t, nil), c.q); return err }(),
			"NewMatchAccumulator": func() error {
				_, err := NewMatchAccumulator(c.q)
				return err
			}(),
		} {
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
				t.Errorf("%s %+v: %v, want %v naming %q", name, c.q, err, c.want, c.text)
			}
		}
	}
	if err := (&MatchQuery{Tenant: "t", Range: cm.Range{From: t0, To: t0.Add(365 * day)}, AllowLongRange: true}).Validate(); err != nil {
		t.Errorf("a long range allowed: %v", err)
	}
}

// Accumulators of different questions do not merge; partitions of one do.
func TestMergeMismatch(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, anchorJourney().events)
	base := anchorQuery(Definition{Model: Linear})
	fold := func(q Query) *Accumulator {
		t.Helper()
		a, err := Fold(ctx, s, q)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := fold(base)
	other := base
	other.Partition = cm.Partition{Index: 1, Count: 2}
	if err := a.Merge(fold(other)); err != nil {
		t.Errorf("another partition of the same query: %v", err)
	}
	half := 0.5
	for name, change := range map[string]func(q *Query){
		"tenant":      func(q *Query) { q.Tenant = "u" },
		"range":       func(q *Query) { q.Range.To = q.Range.To.Add(time.Hour) },
		"calendar":    func(q *Query) { q.Calendar = cm.NewCalendar(time.UTC) },
		"week start":  func(q *Query) { q.Calendar = q.Calendar.WithWeekStart(time.Sunday) },
		"granularity": func(q *Query) { q.Granularity = cm.Hour },
		"test":        func(q *Query) { q.IncludeTest = true },
		"detail":      func(q *Query) { q.Detail = false },
		"model":       func(q *Query) { q.Definition.Model = LastTouch },
		"dimension":   func(q *Query) { q.Definition.Dimension = Campaign },
		"lookback":    func(q *Query) { q.Definition.Lookback = day },
		"half-life":   func(q *Query) { q.Definition.HalfLife = day },
		"shares":      func(q *Query) { q.Definition.FirstShare = &half },
		"kinds":       func(q *Query) { q.Definition.Kinds = []Kind{CampaignSend} },
		"window":      func(q *Query) { q.Definition.ReferenceWindow = day },
	} {
		q := base
		change(&q)
		if err := fold(base).Merge(fold(q)); !errors.Is(err, cm.ErrMismatch) || !strings.HasPrefix(err.Error(), "attribution: merge: ") {
			t.Errorf("another %s merged: %v", name, err)
		}
	}
	// The defaults are the same question as their values written out.
	explicit := base
	explicit.Granularity = cm.Day
	explicit.Definition.Lookback = DefaultLookback
	explicit.Definition.Kinds = Kinds()
	if err := fold(base).Merge(fold(explicit)); err != nil {
		t.Errorf("defaults written out: %v", err)
	}
	if err := a.Merge(a); !errors.Is(err, cm.ErrInvalidValue) {
		t.Errorf("merged into itself: %v", err)
	}

	mq := MatchQuery{Tenant: "t", Range: base.Range}
	m, _ := NewMatchAccumulator(mq)
	mq.Partition = cm.Partition{Index: 1, Count: 2}
	p, _ := NewMatchAccumulator(mq)
	if err := m.Merge(p); err != nil {
		t.Errorf("another partition of the same match query: %v", err)
	}
	for name, change := range map[string]func(q *MatchQuery){
		"tenant": func(q *MatchQuery) { q.Tenant = "u" },
		"range":  func(q *MatchQuery) { q.Range.From = q.Range.From.Add(-time.Hour) },
		"window": func(q *MatchQuery) { q.ReferenceWindow = time.Hour },
		"test":   func(q *MatchQuery) { q.IncludeTest = true },
	} {
		q := MatchQuery{Tenant: "t", Range: base.Range}
		change(&q)
		o, err := NewMatchAccumulator(q)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Merge(o); !errors.Is(err, cm.ErrMismatch) {
			t.Errorf("match accumulators of another %s merged: %v", name, err)
		}
	}

	// FoldMatching takes only a matching of the same question.
	matching, err := MatchPayments(ctx, s, MatchQuery{Tenant: "t", Range: base.Range})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FoldMatching(ctx, s, base, matching); err != nil {
		t.Errorf("the query's own matching: %v", err)
	}
	for name, change := range map[string]func(q *Query){
		"tenant": func(q *Query) { q.Tenant = "u" },
		"range":  func(q *Query) { q.Range.To = q.Range.To.Add(time.Hour) },
		"test":   func(q *Query) { q.IncludeTest = true },
		"window": func(q *Query) { q.Definition.ReferenceWindow = day },
	} {
		q := base
		change(&q)
		if _, err := FoldMatching(ctx, s, q, matching); !errors.Is(err, cm.ErrMismatch) {
			t.Errorf("a matching of another %s: %v", name, err)
		}
	}
}

// The query's JSON form keeps its calendar.
func TestQueryJSON(t *testing.T) {
	q := anchorQuery(Definition{Model: TimeDecay})
	q.Calendar = q.Calendar.WithWeekStart(time.Sunday)
	b, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"calendar":{"time_zone":"Europe/Istanbul","week_start":"sunday"}`) {
		t.Errorf("JSON %s", b)
	}
	var back Query
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Calendar.Location().String() != "Europe/Istanbul" || back.Calendar.WeekStart() != time.Sunday {
		t.Errorf("calendar read back as %s, %s", back.Calendar.Location(), back.Calendar.WeekStart())
	}
}

func TestAttributeStoreErrors(t *testing.T) {
	boom := errors.New("disk on fire")
	q := Query{Tenant: "t", Range: cm.Range{From: t0, To: t0.Add(day)}}
	if _, err := Attribute(context.Background(), failingReader{boom}, q); !errors.Is(err, boom) || !strings.Contains(err.Error(), "attribution: reading payments") {
		t.Errorf("store error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Attribute(ctx, newStore(t, anchorJourney().events), q); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if _, err := MatchPayments(ctx, newStore(t, anchorJourney().events), MatchQuery{Tenant: "t", Range: q.Range}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled matching: %v", err)
	}
}

func TestTooManyMarkovStates(t *testing.T) {
	rows := make([]PathRow, MaxMarkovStates+1)
	for i := range rows {
		rows[i] = PathRow{Path: []string{fmt.Sprint("c", i)}, Conversions: 1, Value: dec("1")}
	}
	if _, err := AttributePaths(rows); !errors.Is(err, ErrTooManyStates) {
		t.Errorf("%d channels: %v", len(rows), err)
	}
	if _, err := AttributePaths(rows[:50]); err != nil {
		t.Errorf("50 channels: %v", err)
	}
}
