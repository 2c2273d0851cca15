package goals_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/goals"
)

// TestRangeLimit: every question's range spans at most 90 calendar days
// of the query's calendar unless AllowLongRange is set.
func TestRangeLimit(t *testing.T) {
	s := runsFixture().store(t)
	ctx := context.Background()
	utc := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	ist, err := time.LoadLocation("Europe/Istanbul")
	if err != nil {
		t.Fatal(err)
	}
	gs := []goals.Goal{goals.PaymentSucceededGoal()}
	cases := []struct {
		name  string
		r     cm.Range
		cal   cm.Calendar
		long  bool
		wantE error
	}{
		// Nov 1 2026 to Jan 30 2027, UTC: 30 + 31 + 29 = 90 days.
		{"90 days", cm.Range{From: utc(2026, 11, 1), To: utc(2027, 1, 30)}, cm.Calendar{}, false, nil},
		// One more day: 91.
		{"91 days", cm.Range{From: utc(2026, 11, 1), To: utc(2027, 1, 31)}, cm.Calendar{}, false, cm.ErrRangeTooLong},
		// The same 90 UTC days in Istanbul (UTC+3) run from Nov 1 03:00 to
		// Jan 30 03:00 local: they touch Nov 1 … Jan 30, 91 local days.
		{"90 UTC days in Istanbul", cm.Range{From: utc(2026, 11, 1), To: utc(2027, 1, 30)}, cm.NewCalendar(ist), false, cm.ErrRangeTooLong},
		// The reviewer's 516 days: Jun 1 2025 to Oct 30 2026 (214 + 302).
		{"516 days", cm.Range{From: utc(2025, 6, 1), To: utc(2026, 10, 30)}, cm.Calendar{}, false, cm.ErrRangeTooLong},
		{"516 days allowed", cm.Range{From: utc(2025, 6, 1), To: utc(2026, 10, 30)}, cm.Calendar{}, true, nil},
		{"empty", cm.Range{From: utc(2026, 11, 1), To: utc(2026, 11, 1)}, cm.Calendar{}, true, cm.ErrEmptyRange},
		{"unbounded", cm.Range{From: utc(2026, 11, 1)}, cm.Calendar{}, true, cm.ErrEmptyRange},
	}
	for _, tc := range cases {
		_, err1 := goals.Conversions(ctx, s, goals.Query{Tenant: "t", Range: tc.r, Calendar: tc.cal, AllowLongRange: tc.long, Goals: gs})
		_, err2 := goals.Flows(ctx, s, goals.FlowsQuery{Tenant: "t", Range: tc.r, Calendar: tc.cal, AllowLongRange: tc.long})
		_, err3 := goals.CompareVersions(ctx, s, goals.CompareQuery{Tenant: "t", Range: tc.r, Calendar: tc.cal, AllowLongRange: tc.long, Flow: "shop"})
		for i, err := range []error{err1, err2, err3} {
			prefix := []string{"goals: query: range: ", "goals: flows query: range: ", "goals: compare query: range: "}[i]
			switch {
			case tc.wantE == nil && err != nil:
				t.Errorf("%s, question %d: %v", tc.name, i, err)
			case tc.wantE != nil && (!errors.Is(err, tc.wantE) || !strings.HasPrefix(err.Error(), prefix)):
				t.Errorf("%s, question %d: %v, want %q wrapping %v", tc.name, i, err, prefix, tc.wantE)
			}
		}
	}
}

// TestValidateDoesNotModify: Validate leaves the query as it was; the
// defaults (day, 24 hours, the flow's completion) apply in the result.
func TestValidateDoesNotModify(t *testing.T) {
	q := goals.Query{Tenant: "t", Range: days(1, 30), Goals: []goals.Goal{goals.PaymentSucceededGoal()}}
	fq := goals.FlowsQuery{Tenant: "t", Range: days(1, 30)}
	cq := goals.CompareQuery{Tenant: "t", Range: days(1, 30), Flow: "shop"}
	if err := errors.Join(q.Validate(), fq.Validate(), cq.Validate()); err != nil {
		t.Fatal(err)
	}
	if q.Granularity != "" || fq.Granularity != "" || fq.RunTimeout != 0 || cq.Goal != nil {
		t.Errorf("Validate modified the queries: %q, %q, %v, %v", q.Granularity, fq.Granularity, fq.RunTimeout, cq.Goal)
	}
	s := runsFixture().store(t)
	res, err := goals.Conversions(context.Background(), s, q)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := goals.Flows(context.Background(), s, fq)
	if err != nil {
		t.Fatal(err)
	}
	cr, err := goals.CompareVersions(context.Background(), s, cq)
	if err != nil {
		t.Fatal(err)
	}
	// Nov 1 … Nov 30: 30 day buckets.
	if res.Granularity != cm.Day || len(res.Started) != 30 || fr.Granularity != cm.Day || fr.RunTimeout != 24*time.Hour || cr.Goal != "completed:shop" {
		t.Errorf("defaults: %q (%d buckets), %q, %v, %q", res.Granularity, len(res.Started), fr.Granularity, fr.RunTimeout, cr.Goal)
	}
}

// TestQueryJSON: a query keeps its calendar through JSON, so a query sent
// to another process buckets in the same zone.
func TestQueryJSON(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	cal := cm.NewCalendar(ny).WithWeekStart(time.Sunday)
	q := goals.Query{Tenant: "t", Range: days(1, 30), Calendar: cal, Goals: []goals.Goal{goals.PaymentSucceededGoal()}}
	b, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"calendar":{"time_zone":"America/New_York","week_start":"sunday"}`) {
		t.Errorf("query JSON lacks the calendar: %s", b)
	}
	var back goals.Query
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Calendar.Location().String() != "America/New_York" || back.Calendar.WeekStart() != time.Sunday {
		t.Errorf("calendar after JSON: %v, %v", back.Calendar.Location(), back.Calendar.WeekStart())
	}
	// The zero calendar is left out, and means UTC.
	b, _ = json.Marshal(goals.FlowsQuery{Tenant: "t", Range: days(1, 2)})
	if strings.Contains(string(b), "calendar") {
		t.Errorf("zero calendar marshalled: %s", b)
	}
	for _, v := range []any{goals.FlowsQuery{Calendar: cal}, goals.CompareQuery{Calendar: cal}} {
		if b, _ := json.Marshal(v); !strings.Contains(string(b), `"calendar":{"time_zone":"America/New_York"`) {
			t.Errorf("%T JSON lacks the calendar: %s", v, b)
		}
	}
}

// TestErrorPrefixes: errors start with the package name and name the
// field.
func TestErrorPrefixes(t *testing.T) {
	bad := goals.Goal{Name: "x", When: goals.Condition{Event: &goals.EventMatch{Type: "cart"}}}
	q := goals.Query{Tenant: "t", Range: days(1, 2), Goals: []goals.Goal{goals.PaymentSucceededGoal()}, Partition: cm.Partition{Index: 3, Count: 2}}
	fq := goals.FlowsQuery{Tenant: "t", Range: days(1, 2), Partition: cm.Partition{Index: -1, Count: 2}}
	cq := goals.CompareQuery{Tenant: "t", Range: days(1, 2), Flow: "shop", Goal: &bad}
	for _, tc := range []struct {
		err  error
		want string
		is   error
	}{
		{bad.Validate(), `goals: goal: when.event.type: unknown value: "cart"`, cm.ErrUnknownValue},
		{(&goals.Goal{}).Validate(), "goals: goal: name: required", cm.ErrRequired},
		{goals.ValidateGoals([]goals.Goal{goals.PaymentSucceededGoal(), bad}), `goals: goals[1].when.event.type: unknown value: "cart"`, cm.ErrUnknownValue},
		{goals.ValidateGoals([]goals.Goal{goals.PaymentSucceededGoal(), goals.PaymentSucceededGoal()}), `goals: goals[1].name: duplicate goal name: "payment_succeeded" (also goals[0])`, goals.ErrDuplicateGoal},
		{q.Validate(), "goals: query: partition: convometrics: partition 3 of 2: invalid value", cm.ErrInvalidValue},
		{fq.Validate(), "goals: flows query: partition: convometrics: partition -1 of 2: invalid value", cm.ErrInvalidValue},
		{cq.Validate(), `goals: compare query: goal.when.event.type: unknown value: "cart"`, cm.ErrUnknownValue},
		{(&goals.CompareQuery{Range: days(1, 2), Flow: "shop"}).Validate(), "goals: compare query: tenant: tenant required", cm.ErrNoTenant},
	} {
		if tc.err == nil || tc.err.Error() != tc.want || !errors.Is(tc.err, tc.is) {
			t.Errorf("error %v, want %q wrapping %v", tc.err, tc.want, tc.is)
		}
	}
}
