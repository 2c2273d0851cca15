package funnel_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/attribution"
	"github.com/convometrics/convometrics/funnel"
	"github.com/convometrics/convometrics/internal/demo"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// demoEvents returns a small demo workload (cached).
var demoCache []cm.Event

func demoEvents(t testing.TB) []cm.Event {
	if demoCache == nil {
		for e := range demo.Generate(demo.Options{Events: 20_000, Seed: 3}) {
			demoCache = append(demoCache, e)
		}
	}
	return demoCache
}

// demoRange is the whole demo workload: its events lie in the 63 days
// from demo.Start().
var demoRange = cm.Range{From: demo.Start(), To: demo.Start().AddDate(0, 0, demo.Days+3)}

// propertyQueries are the funnels the properties are checked on.
func propertyQueries() map[string]funnel.Query {
	week := funnel.Window{Value: 7, Unit: funnel.Day}
	qs := map[string]funnel.Query{
		"ordered by flow": {Funnel: funnel.Definition{Steps: inboundCartPaid, Window: week},
			Breakdown: &funnel.Breakdown{Field: "flow"}, List: true},
		"strict": {Funnel: funnel.Definition{Steps: steps(cm.MessageReceived, cm.ConversationOpened, cm.MessageSent), Order: funnel.Strict}, List: true},
		"unordered": {Funnel: funnel.Definition{Steps: steps(cm.FlowStarted, cm.CartAdded, cm.PaymentLink), Order: funnel.Unordered,
			Window: funnel.Window{Value: 1, Unit: funnel.Hour}}, Breakdown: &funnel.Breakdown{Field: "flow", Attribution: funnel.AllEvents}},
		"exclusion and optional": {Funnel: funnel.Definition{
			Steps:      []funnel.Step{{Type: cm.FlowStarted}, {Type: cm.FlowNode, Where: []funnel.Match{{Field: "node", Value: "checkout"}}, Optional: true}, {Type: cm.FlowCompleted}},
			Exclusions: []funnel.Exclusion{{Type: cm.ConversationHandoff}}},
			Breakdown: &funnel.Breakdown{Field: "attrs.size", Attribution: funnel.StepAttribution, Step: 1}, List: true},
		"conversations": {Funnel: funnel.Definition{Steps: steps(cm.MessageReceived, cm.FlowStarted, cm.CartAdded), Unit: funnel.UnitConversation},
			Breakdown: &funnel.Breakdown{Field: "campaign", Attribution: funnel.LastTouch}, List: true},
	}
	for k, q := range qs {
		q.Tenant = "acme"
		q.Range, q.AllowLongRange = demoRange, true
		qs[k] = q
	}
	return qs
}

func TestPropertiesOnDemo(t *testing.T) {
	evs := demoEvents(t)
	ctx := context.Background()
	base := store(t, evs)
	shuffled := slices.Clone(evs)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	shuffledStore := store(t, shuffled)
	twice := store(t, append(slices.Clone(shuffled), evs...))
	// Tenant isolation: another tenant with the same contacts and every
	// event type shifted by an hour.
	var other []cm.Event
	for _, e := range evs {
		if e.Tenant == "acme" {
			e.Tenant = "copy"
			e.Time = e.Time.Add(-time.Hour)
			other = append(other, e)
		}
	}
	mixed := store(t, append(slices.Clone(evs), other...))
	for name, q := range propertyQueries() {
		t.Run(name, func(t *testing.T) {
			want, err := funnel.Steps(ctx, base, q)
			if err != nil {
				t.Fatal(err)
			}
			if want.Steps[0].Count == 0 {
				t.Fatal("nobody entered: the property would hold trivially")
			}
			for sname, s := range map[string]cm.Reader{"shuffled": shuffledStore, "duplicated": twice, "other tenant": mixed, "scan": scanOnly{base}} {
				got, err := funnel.Steps(ctx, s, q)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("%s (-want +got):\n%s", sname, d)
				}
			}
			// Partitions: fold each part separately, merge in reverse.
			for _, n := range []int{2, 5} {
				var accs []*funnel.Accumulator
				for i := 0; i < n; i++ {
					pq := q
					pq.Partition = cm.Partition{Index: i, Count: n}
					a, err := funnel.Fold(ctx, base, pq)
					if err != nil {
						t.Fatal(err)
					}
					accs = append(accs, a)
				}
				for i := n - 1; i > 0; i-- {
					if err := accs[0].Merge(accs[i]); err != nil {
						t.Fatal(err)
					}
				}
				if d := cmp.Diff(want, accs[0].Result()); d != "" {
					t.Errorf("%d partitions merged (-want +got):\n%s", n, d)
				}
			}
			// Another query (test traffic included) does not merge.
			oq := q
			oq.IncludeTest = true
			other, err := funnel.Fold(ctx, base, oq)
			if err != nil {
				t.Fatal(err)
			}
			a, err := funnel.Fold(ctx, base, q)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Merge(other); !errors.Is(err, cm.ErrMismatch) {
				t.Errorf("merged accumulators of different queries: %v", err)
			}
		})
	}
}

func TestTrendsAndTimeToConvertProperties(t *testing.T) {
	evs := demoEvents(t)
	ctx := context.Background()
	base := store(t, evs)
	shuffled := slices.Clone(evs)
	rand.New(rand.NewPCG(5, 6)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	twice := store(t, append(shuffled, evs...))
	cal := cm.NewCalendar(demo.Location("acme"))
	r, err := cal.DateRange(cm.Date{Year: 2026, Month: 9, Day: 16}, cm.Date{Year: 2026, Month: 11, Day: 15}, cm.RangeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q := funnel.Query{Tenant: "acme", Range: r, Funnel: funnel.Definition{Steps: inboundCartPaid, Window: funnel.Window{Value: 7, Unit: funnel.Day}},
		Breakdown: &funnel.Breakdown{Field: "flow"}}
	q.Calendar = cal
	tq := funnel.TrendsQuery{Query: q, Granularity: cm.Week}
	want, err := funnel.Trends(ctx, base, tq)
	if err != nil {
		t.Fatal(err)
	}
	got, err := funnel.Trends(ctx, twice, tq)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("trends, shuffled and duplicated (-want +got):\n%s", d)
	}
	entered := 0
	for _, p := range want.Points {
		entered += p.Value.Entered
	}
	if entered == 0 {
		t.Fatal("no entries")
	}
	ttq := funnel.TimeToConvertQuery{Query: q}
	wt, err := funnel.TimeToConvert(ctx, base, ttq)
	if err != nil {
		t.Fatal(err)
	}
	gt, err := funnel.TimeToConvert(ctx, twice, ttq)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(wt, gt); d != "" {
		t.Errorf("time to convert (-want +got):\n%s", d)
	}
	// The histogram's sample is the funnel's converted units.
	res, _ := funnel.Steps(ctx, base, q)
	if wt.Stats.Count != res.Steps[2].Count || wt.Stats.Count == 0 {
		t.Errorf("time-to-convert sample %d, funnel conversions %d", wt.Stats.Count, res.Steps[2].Count)
	}
	n := 0
	for _, b := range wt.Bins {
		n += b.Count
	}
	if n != wt.Stats.Count {
		t.Errorf("bins hold %d of %d", n, wt.Stats.Count)
	}
	// Partitions merged.
	var tas []*funnel.TrendsAccumulator
	var cas []*funnel.TimeToConvertAccumulator
	for i := 0; i < 3; i++ {
		ptq, pttq := tq, ttq
		ptq.Partition = cm.Partition{Index: i, Count: 3}
		pttq.Partition = ptq.Partition
		ta, err := funnel.FoldTrends(ctx, base, ptq)
		if err != nil {
			t.Fatal(err)
		}
		ca, err := funnel.FoldTimeToConvert(ctx, base, pttq)
		if err != nil {
			t.Fatal(err)
		}
		tas, cas = append(tas, ta), append(cas, ca)
	}
	for i := 1; i < 3; i++ {
		if err := tas[0].Merge(tas[i]); err != nil {
			t.Fatal(err)
		}
		if err := cas[0].Merge(cas[i]); err != nil {
			t.Fatal(err)
		}
	}
	if d := cmp.Diff(want, tas[0].Result()); d != "" {
		t.Errorf("trends, partitions merged (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wt, cas[0].Result()); d != "" {
		t.Errorf("time to convert, partitions merged (-want +got):\n%s", d)
	}
	// Accumulators of different queries do not merge, nor does an
	// accumulator with itself.
	other, err := funnel.FoldTimeToConvert(ctx, base, funnel.TimeToConvertQuery{Query: q, Bins: 7})
	if err != nil {
		t.Fatal(err)
	}
	if err := cas[0].Merge(other); !errors.Is(err, cm.ErrMismatch) {
		t.Errorf("merged accumulators of different queries: %v", err)
	}
	if err := tas[0].Merge(tas[0]); !errors.Is(err, cm.ErrMismatch) {
		t.Errorf("merged an accumulator into itself: %v", err)
	}
}

func TestCampaignProperties(t *testing.T) {
	evs := demoEvents(t)
	ctx := context.Background()
	base := store(t, evs)
	shuffled := slices.Clone(evs)
	rand.New(rand.NewPCG(7, 8)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	twice := store(t, append(shuffled, evs...))
	var other []cm.Event
	for _, e := range evs {
		if e.Tenant == "acme" {
			e.Tenant = "copy"
			if e.Type == cm.MessageStatus {
				e.Status = cm.StatusFailed
			}
			other = append(other, e)
		}
	}
	mixed := store(t, append(slices.Clone(evs), other...))
	q := funnel.CampaignQuery{Tenant: "acme", Range: demoRange}
	want, err := funnel.Campaigns(ctx, base, q)
	if err != nil {
		t.Fatal(err)
	}
	wantUsers, err := funnel.CampaignUsers(ctx, base, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Campaigns) == 0 || len(wantUsers.Users) == 0 {
		t.Fatal("no deployments")
	}
	// The demo exercises every state, responses and failures.
	var total funnel.DeploymentCounts
	for _, c := range want.Campaigns {
		total.Deployments += c.Deployments
		total.Failed += c.Failed
		total.Read += c.Read
		total.InProcess += c.InProcess
		total.Responses += c.Responses
		// Users are distinct contacts: at most the deployments, and at
		// least the users of the largest version.
		for _, v := range c.Versions {
			if v.Users != v.Deployments || v.Users > c.Users {
				t.Errorf("%s version %s: %d users, %d deployments, campaign %d users", c.Campaign, v.Version, v.Users, v.Deployments, c.Users)
			}
		}
		if c.Users > c.Deployments || c.Sent+c.InProcess+c.Failed != c.Deployments {
			t.Errorf("%s: %+v", c.Campaign, c.DeploymentCounts)
		}
	}
	if total.Failed == 0 || total.Read == 0 || total.InProcess == 0 || total.Responses == 0 || total.Deployments != len(wantUsers.Users) {
		t.Errorf("demo totals %+v, %d rows", total, len(wantUsers.Users))
	}
	for name, s := range map[string]cm.Reader{"shuffled and duplicated": twice, "other tenant": mixed, "scan": scanOnly{base}} {
		got, err := funnel.Campaigns(ctx, s, q)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
		gotUsers, err := funnel.CampaignUsers(ctx, s, q)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(wantUsers, gotUsers); d != "" {
			t.Errorf("%s users (-want +got):\n%s", name, d)
		}
	}
	var accs []*funnel.CampaignAccumulator
	for i := 0; i < 4; i++ {
		pq := q
		pq.Partition = cm.Partition{Index: i, Count: 4}
		a, err := funnel.FoldCampaigns(ctx, base, pq)
		if err != nil {
			t.Fatal(err)
		}
		accs = append(accs, a)
	}
	for i := 3; i > 0; i-- {
		if err := accs[i-1].Merge(accs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if d := cmp.Diff(want, accs[0].Result()); d != "" {
		t.Errorf("partitions merged (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantUsers, accs[0].Users()); d != "" {
		t.Errorf("partitions merged, users (-want +got):\n%s", d)
	}
}

func TestCommerceProperties(t *testing.T) {
	evs := demoEvents(t)
	ctx := context.Background()
	base := store(t, evs)
	shuffled := slices.Clone(evs)
	rand.New(rand.NewPCG(9, 10)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	twice := store(t, append(shuffled, evs...))
	var other []cm.Event
	for _, e := range evs {
		if e.Tenant == "acme" {
			e.Tenant = "copy"
			e.Time = e.Time.Add(-2 * time.Hour)
			other = append(other, e)
		}
	}
	mixed := store(t, append(slices.Clone(evs), other...))
	cal := cm.NewCalendar(demo.Location("acme"))
	r, err := cal.DateRange(cm.Date{Year: 2026, Month: 9, Day: 20}, cm.Date{Year: 2026, Month: 11, Day: 10}, cm.RangeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q := funnel.CommerceQuery{Tenant: "acme", Range: r, Calendar: cal, Granularity: cm.Week}
	want, err := funnel.Commerce(ctx, base, q)
	if err != nil {
		t.Fatal(err)
	}
	if want.Initiated == 0 || want.AddToCarts == 0 || want.Conversions == 0 || want.ByCampaign == 0 || len(want.Revenue) == 0 {
		t.Fatalf("demo commerce funnel is empty: %+v", want.CommerceStats)
	}
	// The series adds up to the totals.
	var sum funnel.CommerceStats
	for _, p := range want.Series {
		sum.Initiated += p.Value.Initiated
		sum.AddToCarts += p.Value.AddToCarts
		sum.Conversions += p.Value.Conversions
	}
	if sum.Initiated != want.Initiated || sum.AddToCarts != want.AddToCarts || sum.Conversions != want.Conversions {
		t.Errorf("series sums %+v, totals %+v", sum, want.CommerceStats)
	}
	opts := cmp.Options{amountsEqual, cmp.Comparer(func(a, b decimalT) bool { return a.Equal(b) })}
	for name, s := range map[string]cm.Reader{"shuffled and duplicated": twice, "other tenant": mixed, "scan": scanOnly{base}} {
		got, err := funnel.Commerce(ctx, s, q)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got, opts); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
	}
	var accs []*funnel.CommerceAccumulator
	for i := 0; i < 3; i++ {
		pq := q
		pq.Partition = cm.Partition{Index: i, Count: 3}
		a, err := funnel.FoldCommerce(ctx, base, pq)
		if err != nil {
			t.Fatal(err)
		}
		accs = append(accs, a)
	}
	for i := 1; i < 3; i++ {
		if err := accs[0].Merge(accs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if d := cmp.Diff(want, accs[0].Result(), opts); d != "" {
		t.Errorf("partitions merged (-want +got):\n%s", d)
	}
	// The conversions are the attribution engine's: every matched payment
	// of the range is credited here or counted elsewhere.
	m, err := attribution.MatchPayments(ctx, base, attribution.MatchQuery{Tenant: "acme", Range: r})
	if err != nil {
		t.Fatal(err)
	}
	if want.Conversions+want.Elsewhere.Conversions != m.Totals.Matched {
		t.Errorf("conversions %d + elsewhere %d, attribution matched %d", want.Conversions, want.Elsewhere.Conversions, m.Totals.Matched)
	}
	// Another query's accumulator does not merge.
	oq := q
	oq.Granularity = cm.Day
	otherAcc, err := funnel.FoldCommerce(ctx, base, oq)
	if err != nil {
		t.Fatal(err)
	}
	if err := accs[0].Merge(otherAcc); !errors.Is(err, cm.ErrMismatch) {
		t.Errorf("merged a commerce accumulator of another query: %v", err)
	}
}

type decimalT = decimal.Decimal
