package goals_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/goals"
)

func near(a, b float64) bool { return math.Abs(a-b) < 5e-7 }

// versionsFixture: conv conversations of v1 from t0 (won of them complete
// the flow) and of v2 from t0 + 1 h, as many as given; each conversation
// is its own contact.
func versionsFixture(fx *fixture, n1, x1, n2, x2 int) {
	for i := range n1 {
		tok := "U S:shop:v1 N:shop:a"
		if i < x1 {
			tok += " C:shop"
		}
		fx.script(fmt.Sprintf("a%02d", i), "", t0.Add(time.Duration(i)*time.Minute), tok)
	}
	for i := range n2 {
		tok := "U S:shop:v2 N:shop:a"
		if i < x2 {
			tok += " C:shop"
		}
		fx.script(fmt.Sprintf("b%02d", i), "", t0.Add(time.Hour+time.Duration(i)*time.Minute), tok)
	}
}

func TestCompareVersions(t *testing.T) {
	var fx fixture
	// 20 conversations on v1, 8 completing; 19 on v2, 14 completing, and:
	versionsFixture(&fx, 20, 8, 19, 14)
	// z: a run of v2, then one of v1 that completes: the first run in the
	// range (v2) decides; the completion after it converts: v2 20, 15.
	fx.script("z", "", t0.Add(3*time.Hour), "U S:shop:v2 S:shop:v1 C:shop")
	// x: completed shop before the range, then starts it again (v1) in
	// the same open conversation: converted before the flow, excluded.
	fx.script("x", "X", time.Date(2026, 10, 31, 23, 50, 0, 0, time.UTC), "U S:shop:v1 C:shop")
	fx.script("x", "X", t0, "S:shop:v1 N:shop:a")
	// y: a v2 run outside any conversation (no inbound message): not exposed.
	fx.script("y", "", t0, "S:shop:v2 C:shop")
	res, err := goals.CompareVersions(context.Background(), fx.store(t), goals.CompareQuery{Tenant: "t", Range: days(1, 30), Flow: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Goal != "completed:shop" || res.Baseline != "v1" || len(res.Versions) != 2 || len(res.Tests) != 1 {
		t.Fatalf("comparison %+v", res)
	}
	v1, v2 := res.Versions[0], res.Versions[1]
	if v1.Conversations != 20 || v1.Converted != 8 || v1.Excluded != 1 || v2.Conversations != 20 || v2.Converted != 15 || v2.Excluded != 0 {
		t.Errorf("versions %+v %+v", v1, v2)
	}
	// Wilson 95%, z = 1.959964, z² = 3.841459:
	//   8/20: p = 0.4, 1 + z²/n = 1.192073, centre = (0.4 + 0.096036)/1.192073 = 0.416113,
	//         half = 1.959964/1.192073 · √(0.24/20 + 3.841459/1600) = 1.644167 · 0.120004 = 0.197306,
	//         [0.218807, 0.613418]
	//   15/20: p = 0.75, centre = (0.75 + 0.096036)/1.192073 = 0.709719,
	//         half = 1.644167 · √(0.1875/20 + 0.002401) = 1.644167 · 0.108517 = 0.178420,
	//         [0.531299, 0.888138]
	if v1.Interval == nil || !near(v1.Interval.Low, 0.2188065) || !near(v1.Interval.High, 0.6134185) {
		t.Errorf("v1 interval %+v", v1.Interval)
	}
	if v2.Interval == nil || !near(v2.Interval.Low, 0.5312991) || !near(v2.Interval.High, 0.8881383) {
		t.Errorf("v2 interval %+v", v2.Interval)
	}
	// Two-proportion z: pooled p = 23/40 = 0.575,
	//   se = √(0.575 · 0.425 · (1/20 + 1/20)) = √0.0244375 = 0.156325,
	//   z = (0.75 − 0.4)/0.156325 = 2.238926, p = erfc(2.238926/√2) = 0.025161.
	// Expected counts 20 · 0.575 = 11.5 and 20 · 0.425 = 8.5, both ≥ 5: enough.
	// Needed: p̄ = 0.575, (1.959964·√(2·0.575·0.425) + 0.841621·√(0.24 + 0.1875))²/0.35²
	//   = (1.370224 + 0.550281)²/0.1225 = 3.688344/0.1225 = 30.11 → 31.
	tst := res.Tests[0]
	if !tst.Tested || !near(tst.Z, 2.2389256) || !near(tst.P, 0.0251608) || !near(tst.Difference, 0.35) ||
		!tst.Enough || !tst.Significant || tst.NeededPerVersion != 31 {
		t.Errorf("test %+v", tst)
	}
	if tst.Verdict != "v2 converts better than v1 (+35.0 points, p = 0.0252)" {
		t.Errorf("verdict %q", tst.Verdict)
	}

	// The other way round with v2 as the baseline: z = −2.238926, worse.
	res, err = goals.CompareVersions(context.Background(), fx.store(t), goals.CompareQuery{Tenant: "t", Range: days(1, 30), Flow: "shop", Baseline: "v2"})
	if err != nil {
		t.Fatal(err)
	}
	if tst := res.Tests[0]; tst.Version != "v1" || !near(tst.Z, -2.2389256) || tst.Verdict != "v1 converts worse than v2 (-35.0 points, p = 0.0252)" {
		t.Errorf("against v2: %+v", tst)
	}
	tabs := res.Tables()
	if len(tabs) != 2 || tabs[0].Rows[0][5] != "0.2188" || tabs[1].Rows[0][3] != "-2.2389" {
		t.Errorf("tables %+v", tabs)
	}
}

// TestCompareSmallSample: 2/5 against 4/5 differ by 40 points but are too
// few to conclude.
func TestCompareSmallSample(t *testing.T) {
	var fx fixture
	versionsFixture(&fx, 5, 2, 5, 4)
	res, err := goals.CompareVersions(context.Background(), fx.store(t), goals.CompareQuery{Tenant: "t", Range: days(1, 30), Flow: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	// Pooled p = 6/10 = 0.6; expected non-conversions 5 · 0.4 = 2 < 5: not enough.
	// z = 0.4/√(0.6 · 0.4 · 0.4) = 0.4/0.309839 = 1.290994, p = 0.196706.
	// Needed: p̄ = 0.6, (1.959964·√0.48 + 0.841621·√(0.24 + 0.16))²/0.16
	//   = (1.357903 + 0.532288)²/0.16 = 3.572822/0.16 = 22.33 → 23.
	tst := res.Tests[0]
	if tst.Enough || tst.Significant || !tst.Tested || !near(tst.Z, 1.2909944) || !near(tst.P, 0.1967056) || tst.NeededPerVersion != 23 {
		t.Errorf("test %+v", tst)
	}
	want := "too few conversations to conclude (each version needs at least 5 expected conversions and non-conversions); about 23 conversations per version are needed to detect a difference this size"
	if tst.Verdict != want {
		t.Errorf("verdict %q", tst.Verdict)
	}
}

// TestCompareCustomGoal compares on a goal other than the completion, and
// names a baseline without data.
func TestCompareCustomGoal(t *testing.T) {
	var fx fixture
	fx.script("a", "", t0, "U S:shop:v1 N:shop:a booked")
	fx.script("b", "", t0, "U S:shop:v1 N:shop:a")
	fx.script("c", "", t0, "U booked S:shop:v2 N:shop:a")
	g := goals.Goal{Name: "booked", When: goals.Condition{Goal: "booked"}}
	res, err := goals.CompareVersions(context.Background(), fx.store(t), goals.CompareQuery{Tenant: "t", Range: days(1, 30), Flow: "shop", Goal: &g, Baseline: "v9"})
	if err != nil {
		t.Fatal(err)
	}
	// v1: a converts, b does not: 1/2. v2: c had booked before the flow:
	// excluded, so 0/0 and no interval.
	v1, v2 := res.Versions[0], res.Versions[1]
	if v1.Rate != cm.RateOf(1, 2) || v2.Excluded != 1 || v2.Conversations != 0 || v2.Interval != nil {
		t.Errorf("versions %+v %+v", v1, v2)
	}
	if len(res.Tests) != 2 || res.Tests[0].Tested || !strings.HasPrefix(res.Tests[0].Verdict, "no conversations for the baseline v9") {
		t.Errorf("tests %+v", res.Tests)
	}
	_, err = goals.CompareVersions(context.Background(), fx.store(t), goals.CompareQuery{Tenant: "t", Range: days(1, 30)})
	if !errors.Is(err, cm.ErrRequired) || !strings.Contains(err.Error(), "flow: required") {
		t.Errorf("no flow: %v", err)
	}
	_, err = goals.CompareVersions(context.Background(), fx.store(t), goals.CompareQuery{Tenant: "t", Range: days(1, 30), Flow: "shop", Goal: &goals.Goal{Name: "x"}})
	if !errors.Is(err, cm.ErrRequired) || !strings.Contains(err.Error(), "goal.when: required") {
		t.Errorf("bad goal: %v", err)
	}
}

func TestStatistics(t *testing.T) {
	// 0/10: p = 0, centre = (0 + 0.192073)/1.384146 = 0.138766 = half: [0, 0.277533].
	if lo, hi, ok := goals.Wilson(0, 10); !ok || lo != 0 || !near(hi, 0.2775328) {
		t.Errorf("Wilson(0, 10) = %v %v %v", lo, hi, ok)
	}
	// 10/10 mirrors it: [0.722467, 1].
	if lo, hi, ok := goals.Wilson(10, 10); !ok || !near(lo, 0.7224672) || !near(hi, 1) {
		t.Errorf("Wilson(10, 10) = %v %v %v", lo, hi, ok)
	}
	// 1/4: p = 0.25, 1 + z²/4 = 1.960365, centre = (0.25 + 0.480182)/1.960365 = 0.372473,
	// half = 1.959964/1.960365 · √(0.1875/4 + 3.841459/64) = 0.999796 · 0.326952 = 0.326885: [0.045587, 0.699358].
	if lo, hi, ok := goals.Wilson(1, 4); !ok || !near(lo, 0.0455873) || !near(hi, 0.6993582) {
		t.Errorf("Wilson(1, 4) = %v %v %v", lo, hi, ok)
	}
	if _, _, ok := goals.Wilson(0, 0); ok {
		t.Error("Wilson(0, 0) gave an interval")
	}
	if _, _, ok := goals.Wilson(3, 2); ok {
		t.Error("Wilson(3, 2) gave an interval")
	}
	// Every trial alike: no test.
	if _, _, ok := goals.TwoProportion(0, 10, 0, 12); ok {
		t.Error("TwoProportion(0/10, 0/12) tested")
	}
	if _, _, ok := goals.TwoProportion(1, 0, 1, 2); ok {
		t.Error("TwoProportion with an empty group tested")
	}
	if _, ok := goals.SampleSize(0.3, 0.3); ok {
		t.Error("SampleSize of equal rates")
	}
}
