package goals_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/goals"
)

// runsFixture: one contact per case, each in its own host conversation,
// starting at t0 (Nov 2 09:00 UTC), one event per minute. Flow shop has
// nodes a, b, c.
//
//	k1  S a b c C                   completed
//	k2  S a b                       dropped at b (timeout)
//	k3  S a b a                     dropped at a (loop: reached a and b once each)
//	k4  S a, then support S s1 C    shop dropped at a (next flow); support completed
//	k5  S, then a message in K5b    dropped before any node (conversation changed)
//	k6  S a on Nov 30 23:00         in progress at the range end (Dec 1 00:00)
//	k7  b                           unmatched: no run
//	k8  S a, b exactly 24 h later   dropped at a (timeout); the late b is unmatched
//	k9  S(v2) a b c C               completed, version v2
func runsFixture() *fixture {
	var fx fixture
	fx.script("k1", "K1", t0, "U S:shop:v1 N:shop:a N:shop:b N:shop:c C:shop")
	fx.script("k2", "K2", t0, "U S:shop:v1 N:shop:a N:shop:b")
	fx.script("k3", "K3", t0, "U S:shop:v1 N:shop:a N:shop:b N:shop:a")
	fx.script("k4", "K4", t0, "U S:shop:v1 N:shop:a S:support:v1 N:support:s1 C:support")
	fx.script("k5", "K5", t0, "U S:shop:v1")
	fx.script("k5", "K5b", t0.Add(2*time.Minute), "U")
	fx.script("k6", "K6", time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC), "U S:shop:v1 N:shop:a")
	fx.script("k7", "K7", t0, "U N:shop:b")
	fx.script("k8", "K8", t0, "U S:shop:v1 N:shop:a")
	fx.script("k8", "K8", t0.Add(2*time.Minute+24*time.Hour), "N:shop:b")
	fx.script("k9", "K9", t0, "U S:shop:v2 N:shop:a N:shop:b N:shop:c C:shop")
	return &fx
}

func TestFlowsAndDropOut(t *testing.T) {
	s := runsFixture().store(t)
	res, err := goals.Flows(context.Background(), s, goals.FlowsQuery{Tenant: "t", Range: days(1, 30), DroppedRuns: true})
	if err != nil {
		t.Fatal(err)
	}
	// Runs: shop 7 × v1 (k1–k6, k8) + 1 × v2 (k9) = 8; support 1 (k4).
	if res.FlowsTriggered != 2 || res.TimesTriggered != 9 || res.Unmatched != 2 {
		t.Errorf("flows %d, times %d, unmatched %d; want 2, 9, 2", res.FlowsTriggered, res.TimesTriggered, res.Unmatched)
	}
	if len(res.Flows) != 2 || res.Flows[0].Flow != "shop" || res.Flows[1].Flow != "support" || res.Flows[0].Rank != 1 {
		t.Fatalf("popular flows %+v", res.Flows)
	}
	// shop: completed k1, k9 = 2; dropped k2, k3, k4, k5, k8 = 5; in
	// progress k6 = 1; completion 2 / (2 + 5). 8 contacts, 8 conversations
	// (k5's run is in K5 only).
	shop := res.Flows[0]
	if shop.Triggered != 8 || shop.Completed != 2 || shop.Dropped != 5 || shop.InProgress != 1 ||
		shop.Completion != cm.RateOf(2, 7) || shop.Contacts != 8 || shop.Conversations != 8 ||
		strings.Join(shop.Versions, ",") != "v1,v2" {
		t.Errorf("shop %+v", shop)
	}
	if sup := res.Flows[1]; sup.Triggered != 1 || sup.Completed != 1 || sup.Completion != cm.RateOf(1, 1) {
		t.Errorf("support %+v", sup)
	}
	// Runs per day: 8 on Nov 2 (k1–k5, k8, k9 shop; k4 support), 1 on Nov 30 (k6).
	for _, p := range res.Series {
		want := map[int]int{2: 8, 30: 1}[p.Start.Day()]
		if p.Value != want {
			t.Errorf("%s: %d runs, want %d", p.Start.Format(time.DateOnly), p.Value, want)
		}
	}

	// shop v1 over the runs that ended (k1, k2, k3, k4, k5, k8):
	//   a: reached k1 k2 k3 k4 k8 = 5; went on k1 (completed), k2 (b after) = 2;
	//      dropped k3, k4, k8 = 3; 3/5 = 0.6
	//   b: reached k1 k2 k3 = 3; went on k1, k3 (a after its b) = 2; dropped k2 = 1; 1/3
	//   c: reached k1 = 1; went on 1; dropped 0; 0/1
	// Dropped runs 5 = 3 (a) + 1 (b) + 1 before any node (k5).
	v1 := res.Version("shop", "v1")
	if v1 == nil {
		t.Fatal("no drop-out for shop v1")
	}
	if v1.Runs != 7 || v1.Completed != 1 || v1.Dropped != 5 || v1.InProgress != 1 || v1.NoNode != 1 || v1.Completion != cm.RateOf(1, 6) {
		t.Errorf("shop v1 %+v", v1)
	}
	want := []goals.NodeDropOut{
		{Rank: 1, Node: "a", Reached: 5, WentOn: 2, Dropped: 3, DropOff: cm.RateOf(3, 5)},
		{Rank: 2, Node: "b", Reached: 3, WentOn: 2, Dropped: 1, DropOff: cm.RateOf(1, 3)},
		{Rank: 3, Node: "c", Reached: 1, WentOn: 1, Dropped: 0, DropOff: cm.RateOf(0, 1)},
	}
	if len(v1.Nodes) != len(want) {
		t.Fatalf("nodes %+v", v1.Nodes)
	}
	for i := range want {
		if v1.Nodes[i] != want[i] {
			t.Errorf("node %d: %+v, want %+v", i, v1.Nodes[i], want[i])
		}
	}
	// Order of drop-out entries: shop (most popular) v1, v2, then support.
	if len(res.DropOut) != 3 || res.DropOut[1].Version != "v2" || res.DropOut[2].Flow != "support" {
		t.Errorf("drop-out order %+v", res.DropOut)
	}
	// Dropped runs, by start then contact: every shop run started at 09:01.
	type dr struct{ contact, node, end string }
	wantRuns := []dr{{"k2", "b", "timeout"}, {"k3", "a", "timeout"}, {"k4", "a", "next_flow"}, {"k5", "", "conversation_changed"}, {"k8", "a", "timeout"}}
	if len(res.DroppedRuns) != len(wantRuns) {
		t.Fatalf("dropped runs %+v", res.DroppedRuns)
	}
	for i, w := range wantRuns {
		d := res.DroppedRuns[i]
		if d.Contact != w.contact || d.StoppedAt != w.node || d.EndedBy != w.end || d.Flow != "shop" || d.Version != "v1" {
			t.Errorf("dropped run %d: %+v, want %+v", i, d, w)
		}
	}
	if d := res.DroppedRuns[0]; !d.Started.Equal(mins(1)) || !d.LastStep.Equal(mins(3)) || d.Conversation != "K2" {
		t.Errorf("k2's run %+v", d)
	}
	// The text table ranks a first with its rate.
	tab := v1.Table()
	if tab.Rows[0][1] != "a" || tab.Rows[0][5] != "0.6000" || tab.Rows[1][5] != "0.3333" {
		t.Errorf("table %+v", tab.Rows)
	}
}

// TestFlowsFilterAndTimeout: Flow and Version restrict the numbers but not
// how runs end; a shorter RunTimeout ends runs sooner.
func TestFlowsFilterAndTimeout(t *testing.T) {
	s := runsFixture().store(t)
	res, err := goals.Flows(context.Background(), s, goals.FlowsQuery{Tenant: "t", Range: days(1, 30), Flow: "shop", Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	// Only shop v1: 7 runs (k1–k6, k8); k4's run still ends at the support
	// flow, so node a still has 3 drops (k3, k4, k8).
	if res.TimesTriggered != 7 || res.FlowsTriggered != 1 || len(res.DropOut) != 1 || res.DropOut[0].Nodes[0].Dropped != 3 {
		t.Errorf("filtered %+v", res)
	}
	if res.DroppedRuns != nil {
		t.Error("dropped runs listed without being asked for")
	}
	res, err = goals.Flows(context.Background(), s, goals.FlowsQuery{Tenant: "t", Range: days(1, 30), Flow: "nonesuch"})
	if err != nil || res.TimesTriggered != 0 || len(res.Flows) != 0 {
		t.Errorf("unknown flow: %v %+v", err, res)
	}
	// Timeout of 90 s: k1's steps are a minute apart and go on; the
	// in-progress run k6 (last step Nov 30 23:01) has timed out by Dec 1:
	// dropped 5 + k6 = 6, completed k1, k9 = 2, none in progress.
	res, err = goals.Flows(context.Background(), s, goals.FlowsQuery{Tenant: "t", Range: days(1, 30), RunTimeout: 90 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if shop := res.Flow("shop"); shop.InProgress != 0 || shop.Dropped != 6 || shop.Completed != 2 {
		t.Errorf("short timeout: %+v", shop)
	}
	// Timeout of 30 s: every step comes a minute after the previous one,
	// so every run ends at its start, before its first node, and every
	// node event is unmatched: all 7 v1 runs (k1–k6, k8) end before a node.
	res, err = goals.Flows(context.Background(), s, goals.FlowsQuery{Tenant: "t", Range: days(1, 30), RunTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if v1 := res.Version("shop", "v1"); v1.NoNode != 7 || len(v1.Nodes) != 0 {
		t.Errorf("30 s timeout: %+v", v1)
	}
}

func TestFlowsQueryValidation(t *testing.T) {
	cases := []struct {
		q    goals.FlowsQuery
		want string
		err  error
	}{
		{goals.FlowsQuery{Range: days(1, 2)}, "goals: flows query: tenant", cm.ErrNoTenant},
		{goals.FlowsQuery{Tenant: "t", Range: days(1, 2), Version: "v2"}, "flow: required: version \"v2\" given without a flow", cm.ErrRequired},
		{goals.FlowsQuery{Tenant: "t", Range: days(1, 2), RunTimeout: -1}, "run_timeout: invalid value", cm.ErrInvalidValue},
		{goals.FlowsQuery{Tenant: "t", Range: cm.Range{From: t0, To: t0}}, "range:", cm.ErrEmptyRange},
	}
	for _, tc := range cases {
		_, err := goals.Flows(context.Background(), (&fixture{}).store(t), tc.q)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, tc.err) {
			t.Errorf("error %v, want %q wrapping %v", err, tc.want, tc.err)
		}
	}
}
