package attribution

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
)

func transitionsOf(ts []Transition) string {
	var out []string
	for _, t := range ts {
		out = append(out, fmt.Sprintf("%s>%s %g %.6f", t.From, t.To, t.Count, t.Probability))
	}
	return strings.Join(out, "|")
}

func channelsOf(r *PathResult) map[string]PathChannel {
	m := map[string]PathChannel{}
	for _, c := range r.Channels {
		m[c.Channel] = c
	}
	return m
}

func readPathString(t *testing.T, s string) []PathRow {
	t.Helper()
	rows, err := ReadPaths(strings.NewReader(s), PathFormat{})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// The textbook three journeys (notes §4.6): C1 > C2 > C3 converts once
// (worth 10.00), C1 and C2 > C3 each end once in null.
const threeJourneys = `path;total_conversions;total_conversion_value;total_null
C1 > C2 > C3;1;10.00;0
C1;0;0;1
C2 > C3;0;0;1
`

func TestPathsThreeJourneys(t *testing.T) {
	res, err := AttributePaths(readPathString(t, threeJourneys))
	if err != nil {
		t.Fatal(err)
	}
	// start→C1 2 of 3, start→C2 1 of 3; C1→C2 1/2, C1→null 1/2; C2→C3 2
	// of 2; C3→conv 1/2, C3→null 1/2.
	want := "(start)>C1 2 0.666667|(start)>C2 1 0.333333|C1>C2 1 0.500000|C1>(null) 1 0.500000|" +
		"C2>C3 2 1.000000|C3>(conversion) 1 0.500000|C3>(null) 1 0.500000"
	if got := transitionsOf(res.Transitions); got != want {
		t.Errorf("transitions\n%s\nwant\n%s", got, want)
	}
	// P(conv) = (2/3·1/2 + 1/3)·1·1/2 = 1/3. Without C1: 1/3·1/2 = 1/6,
	// RE 1/2; without C2 or C3: 0, RE 1. Shares 0.5/2.5 = 0.2, 0.4, 0.4.
	if !near(res.ConversionProbability, 1.0/3) {
		t.Errorf("P(conv) = %v, want 1/3", res.ConversionProbability)
	}
	ch := channelsOf(res)
	for _, c := range []struct {
		name             string
		re, conv         float64
		value            string
		first, last, lin float64
	}{
		// Value: the only last state is C3 with mean value 10.00, so the
		// value lost is 10·(C_C3 − C_C3 without x): 5/3, 10/3, 10/3 →
		// 2.00, 4.00, 4.00.
		{"C1", 0.5, 0.2, "2", 1, 0, 1.0 / 3},
		{"C2", 1, 0.4, "4", 0, 0, 1.0 / 3},
		{"C3", 1, 0.4, "4", 0, 1, 1.0 / 3},
	} {
		got := ch[c.name]
		if !near(got.RemovalEffect, c.re) || !near(got.Markov.Conversions, c.conv) || got.Markov.Value.String() != c.value {
			t.Errorf("%s markov: RE %v conv %v value %s, want %v %v %s", c.name, got.RemovalEffect, got.Markov.Conversions, got.Markov.Value, c.re, c.conv, c.value)
		}
		if !near(got.FirstTouch.Conversions, c.first) || !near(got.LastTouch.Conversions, c.last) || !near(got.Linear.Conversions, c.lin) {
			t.Errorf("%s heuristics: %+v", c.name, got)
		}
		if !near(got.RemovalEffectValue, c.re) {
			t.Errorf("%s value RE %v, want %v", c.name, got.RemovalEffectValue, c.re)
		}
	}
	// Linear value: 10.00 in thirds of cents: 3.34, 3.33, 3.33.
	if ch["C1"].Linear.Value.String() != "3.34" || ch["C2"].Linear.Value.String() != "3.33" || ch["C3"].LastTouch.Value.String() != "10" {
		t.Errorf("heuristic values: %+v", res.Channels)
	}
}

func TestPathsRepeats(t *testing.T) {
	// A > B > A with one conversion worth 30: first A, last A, linear A
	// 2/3 (20) and B 1/3 (10). Markov: start→A 1; A→B 1/2, A→conv 1/2;
	// B→A 1, so P(conv) = 1. Removing A gives 0 (RE 1); removing B leaves
	// start→A→conv with probability 1/2 (RE 1/2): shares 2/3 and 1/3.
	res, err := AttributePaths([]PathRow{{Path: []string{"A", "B", "A"}, Conversions: 1, Value: dec("30")}})
	if err != nil {
		t.Fatal(err)
	}
	ch := channelsOf(res)
	a, b := ch["A"], ch["B"]
	if a.FirstTouch.Value.String() != "30" || a.LastTouch.Value.String() != "30" || a.Linear.Value.String() != "20" || b.Linear.Value.String() != "10" ||
		!near(a.Linear.Conversions, 2.0/3) || !near(b.Linear.Conversions, 1.0/3) {
		t.Errorf("heuristics: %+v", res.Channels)
	}
	if !near(a.RemovalEffect, 1) || !near(b.RemovalEffect, 0.5) || !near(a.Markov.Conversions, 2.0/3) || !near(b.Markov.Conversions, 1.0/3) ||
		a.Markov.Value.String() != "20" || b.Markov.Value.String() != "10" {
		t.Errorf("markov: %+v", res.Channels)
	}
	if want := "(start)>A 1 1.000000|A>B 1 0.500000|A>(conversion) 1 0.500000|B>A 1 1.000000"; transitionsOf(res.Transitions) != want {
		t.Errorf("transitions %s, want %s", transitionsOf(res.Transitions), want)
	}

	// A > A > A is one visit to A for the chain (no self-loop), three
	// occurrences for linear.
	res, err = AttributePaths([]PathRow{
		{Path: []string{"A", "A", "A"}, Conversions: 1, Value: dec("9"), Nulls: 1},
		{Path: []string{"B"}, Nulls: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "(start)>A 2 0.666667|(start)>B 1 0.333333|A>(conversion) 1 0.500000|A>(null) 1 0.500000|B>(null) 1 1.000000"; transitionsOf(res.Transitions) != want {
		t.Errorf("merged repeats: %s, want %s", transitionsOf(res.Transitions), want)
	}
	if ch := channelsOf(res); !near(ch["A"].Linear.Conversions, 1) || ch["A"].Markov.Value.String() != "9" || !near(ch["B"].RemovalEffect, 0) {
		t.Errorf("merged repeats: %+v", res.Channels)
	}
}

func TestReadPathsErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "empty input"},
		{"route;conv\nA;1\n", `no path column "path"`},
		{"path;total_conversions\nA > > B;1\n", "line 2: path[1]: bad path data: empty channel name"},
		{"path;total_conversions\nA;x\n", `line 2: total_conversions: bad path data: not a number: "x"`},
		{"path;total_conversions;total_conversion_value\nA;1;1,5\n", `line 2: total_conversion_value: bad path data: not a decimal: "1,5"`},
		{"path;total_conversions;total_null\nA;1;-2\n", "line 2: nulls: bad path data: -2 is not a non-negative number"},
		{"path;total_conversions;total_conversion_value\nA;0;3\n", "line 2: value: bad path data: 3 with no conversions"},
	} {
		_, err := ReadPaths(strings.NewReader(c.in), PathFormat{})
		if !errors.Is(err, ErrPathData) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.in, err, c.want)
		}
	}
	// Commas and another separator and column names.
	rows, err := ReadPaths(strings.NewReader("journey,conv\nx|y,2\n"), PathFormat{Separator: "|", Path: "journey", Conversions: "conv"})
	if err != nil || len(rows) != 1 || strings.Join(rows[0].Path, ",") != "x,y" || rows[0].Conversions != 2 {
		t.Errorf("custom format: %+v %v", rows, err)
	}
	if _, err := AttributePaths([]PathRow{{Path: nil, Conversions: 1}}); !errors.Is(err, ErrPathData) || !strings.Contains(err.Error(), "rows[0]: path") {
		t.Errorf("empty path: %v", err)
	}
}

// dataCSV is ChannelAttribution's example data, kept outside the project
// (GPL-3): ../shared/testdata relative to the module root.
const dataCSV = "../../shared/testdata/channelattribution/Data.csv"

func loadDataCSV(t testing.TB) []PathRow {
	f, err := os.Open(filepath.FromSlash(dataCSV))
	if err != nil {
		t.Skipf("ChannelAttribution's Data.csv is not here (%v): it is GPL-3 test data kept outside the project; put it at %s to run this test", err, dataCSV)
	}
	defer f.Close()
	rows, err := ReadPaths(f, PathFormat{})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestPathsChannelAttributionData(t *testing.T) {
	rows := loadDataCSV(t)
	res, err := AttributePaths(rows)
	if err != nil {
		t.Fatal(err)
	}
	// The published totals of the data set: 10,000 rows, 19,785
	// conversions, 68,602 nulls, value 74,802.97158721073 summed in
	// float64; the exact decimal sum of the values as written is
	// 74,802.97158721083751036. 12 channels in this order of first
	// appearance.
	if res.Totals.Rows != 10000 || res.Totals.Conversions != 19785 || res.Totals.Nulls != 68602 || res.Totals.Value.String() != "74802.97158721083751036" {
		t.Errorf("totals %+v", res.Totals)
	}
	var names []string
	for _, c := range res.Channels {
		names = append(names, c.Channel)
	}
	if got, want := strings.Join(names, " "), "eta iota alpha beta theta lambda kappa zeta epsilon gamma delta mi"; got != want {
		t.Errorf("channels %s, want %s", got, want)
	}
	// Every model's parts add up to the totals: values exactly, conversions
	// to rounding.
	for _, m := range []struct {
		name string
		get  func(PathChannel) PathCredit
	}{
		{"first", func(c PathChannel) PathCredit { return c.FirstTouch }},
		{"last", func(c PathChannel) PathCredit { return c.LastTouch }},
		{"linear", func(c PathChannel) PathCredit { return c.Linear }},
		{"markov", func(c PathChannel) PathCredit { return c.Markov }},
	} {
		var conv float64
		value := dec("0")
		for _, c := range res.Channels {
			conv += m.get(c).Conversions
			value = value.Add(m.get(c).Value)
		}
		if !value.Equal(res.Totals.Value) || conv < 19785-1e-6 || conv > 19785+1e-6 {
			t.Errorf("%s: conversions %v, value %s; want 19785 and %s", m.name, conv, value, res.Totals.Value)
		}
	}
	for _, c := range res.Channels {
		if c.RemovalEffect <= 0 || c.RemovalEffect > 1 || c.RemovalEffectValue <= 0 || c.RemovalEffectValue > 1 {
			t.Errorf("%s: removal effects %v, %v not in (0, 1]", c.Channel, c.RemovalEffect, c.RemovalEffectValue)
		}
	}
	// Probabilities out of each state add up to 1.
	out := map[string]float64{}
	for _, tr := range res.Transitions {
		out[tr.From] += tr.Probability
	}
	for s, p := range out {
		if p < 1-1e-9 || p > 1+1e-9 {
			t.Errorf("transitions out of %s add up to %v", s, p)
		}
	}
	if testing.Verbose() {
		for _, tb := range res.Tables()[:2] {
			var b strings.Builder
			tb.WriteText(&b)
			t.Log("\n" + b.String())
		}
	}
}

// journeysFixture has the three textbook journeys as contacts: a converts
// after campaigns C1, C2, C3; b got C1 and c got C2, C3 and neither paid.
func journeysFixture() *fixture {
	f := &fixture{tenant: "t"}
	f.send(-3*time.Hour, "a", "C1").send(-2*time.Hour, "a", "C2").send(-time.Hour, "a", "C3").sale("1", 0, "a", "10.00", "EUR")
	f.send(-2*time.Hour, "b", "C1")
	f.send(-2*time.Hour, "c", "C2").send(-time.Hour, "c", "C3")
	return f
}

func TestMarkovOnEvents(t *testing.T) {
	res := attribute(t, journeysFixture().events, Definition{Model: Markov})
	m := res.Markov
	if m == nil {
		t.Fatal("no Markov section")
	}
	want := "(start)>C1 2 0.666667|(start)>C2 1 0.333333|C1>C2 1 0.500000|C1>(null) 1 0.500000|" +
		"C2>C3 2 1.000000|C3>(conversion) 1 0.500000|C3>(null) 1 0.500000"
	if got := transitionsOf(m.Transitions); got != want {
		t.Errorf("transitions\n%s\nwant\n%s", got, want)
	}
	if !near(m.ConversionProbability, 1.0/3) || m.Journeys != 1 || m.NullJourneys != 2 || res.Totals.NullJourneys != 2 {
		t.Errorf("chain: %+v", m)
	}
	re := map[string]float64{}
	for _, e := range m.RemovalEffects {
		re[e.Value] = e.Conversion
		if !near(e.Revenue["EUR"], e.Conversion) {
			t.Errorf("%s: revenue RE %v, want %v", e.Value, e.Revenue["EUR"], e.Conversion)
		}
	}
	if !near(re["C1"], 0.5) || !near(re["C2"], 1) || !near(re["C3"], 1) {
		t.Errorf("removal effects %v", re)
	}
	// The one conversion has all three: weights 0.5, 1, 1 normalised, 0.2,
	// 0.4, 0.4, of 10.00 EUR: 2.00, 4.00, 4.00. Per conversion and global
	// agree here.
	if got, want := revenueOf(res, "EUR"), "C2=4.00 C3=4.00 C1=2.00"; got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
	conv := conversionsOf(res)
	if !near(conv["C1"], 0.2) || !near(conv["C2"], 0.4) {
		t.Errorf("conversions %v", conv)
	}
	var global []string
	for _, r := range m.Attributed {
		global = append(global, fmt.Sprintf("%s=%.6f/%s", r.Value, r.Conversions, r.Revenue["EUR"].StringFixed(2)))
	}
	if got, want := strings.Join(global, " "), "C2=0.400000/4.00 C3=0.400000/4.00 C1=0.200000/2.00"; got != want {
		t.Errorf("global %s, want %s", got, want)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "fewer than 300") {
		t.Errorf("warnings %v", res.Warnings)
	}
}

func TestMarkovChainNotObservedPaths(t *testing.T) {
	// Repeats on events: A, B, A before a conversion worth 30.00. The chain
	// forgets that the journey went through B (notes §4.6): RE A 1, B 1/2;
	// A gets 2/3 (20.00), B 1/3 (10.00).
	f := (&fixture{tenant: "t"}).send(-3*time.Hour, "a", "A").send(-2*time.Hour, "a", "B").send(-time.Hour, "a", "A").sale("1", 0, "a", "30.00", "EUR")
	res := attribute(t, f.events, Definition{Model: Markov})
	if got, want := revenueOf(res, "EUR"), "A=20.00 B=10.00"; got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
}

func TestShapleyOnEvents(t *testing.T) {
	// Journeys by distinct set: {A} 2 journeys, 1 converts (r = 1/2);
	// {A,B} 2 journeys, both convert (r = 1); {B} 4 journeys, 1 converts
	// (r = 1/4). Every payment is 7.00 EUR.
	f := &fixture{tenant: "t"}
	f.send(-time.Hour, "a1", "A").sale("a1", 0, "a1", "7.00", "EUR")
	f.send(-time.Hour, "a2", "A")
	f.send(-2*time.Hour, "ab1", "A").send(-time.Hour, "ab1", "B").sale("ab1", 0, "ab1", "7.00", "EUR")
	f.send(-2*time.Hour, "ab2", "B").send(-time.Hour, "ab2", "A").sale("ab2", 0, "ab2", "7.00", "EUR")
	f.send(-time.Hour, "b1", "B").sale("b1", 0, "b1", "7.00", "EUR")
	for _, c := range []string{"b2", "b3", "b4"} {
		f.send(-time.Hour, c, "B")
	}
	res := attribute(t, f.events, Definition{Model: Shapley})
	// A journey with {A,B}: φ_A = r(A) + r(AB)/2 = 1/2 + 1/2 = 1, φ_B =
	// r(B) + r(AB)/2 = 1/4 + 1/2 = 3/4: weights 4/7 and 3/7, 4.00 and
	// 3.00 EUR. A: 1 + 2·4/7 = 15/7 conversions, 7 + 8 = 15.00 EUR; B: 1 +
	// 2·3/7 = 13/7, 7 + 6 = 13.00.
	if got, want := revenueOf(res, "EUR"), "A=15.00 B=13.00"; got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
	conv := conversionsOf(res)
	if !near(conv["A"], 15.0/7) || !near(conv["B"], 13.0/7) {
		t.Errorf("conversions %v", conv)
	}
	s := res.Shapley
	var co []string
	for _, c := range s.Coalitions {
		co = append(co, fmt.Sprintf("%s:%d/%d=%g", strings.Join(c.Values, "+"), c.Conversions, c.Journeys, c.Rate))
	}
	if got, want := strings.Join(co, " "), "B:1/4=0.25 A:1/2=0.5 A+B:2/2=1"; got != want {
		t.Errorf("coalitions %s, want %s", got, want)
	}
	// Global: φ_A = 1/2 + 1/2 = 1, φ_B = 1/4 + 1/2 = 3/4.
	if len(s.Values) != 2 || s.Values[0].Value != "A" || !near(s.Values[0].Phi, 1) || !near(s.Values[1].Phi, 0.75) || !near(s.Values[0].Share, 4.0/7) {
		t.Errorf("values %+v", s.Values)
	}
	if res.Totals.NullJourneys != 4 {
		t.Errorf("null journeys %d, want 4", res.Totals.NullJourneys)
	}
}

func TestNullJourneys(t *testing.T) {
	// Null journeys are the touches in the range after the contact's last
	// conversion, within the lookback before its last touch.
	f := &fixture{tenant: "t"}
	// c1 converts, then gets X and Y: one null journey X > Y.
	f.send(-time.Hour, "c1", "A").sale("1", 0, "c1", "5.00", "EUR").send(time.Hour, "c1", "X").send(2*time.Hour, "c1", "Y")
	// c2: W 40 days before its last touch Z: the 30-day lookback leaves Z.
	f.send(2*day, "c2", "W").send(42*day, "c2", "Z")
	// c3: a touch before the range (t0 − 1 day) is no null journey.
	f.send(-2*day, "c3", "V")
	res, err := Attribute(context.Background(), newStore(t, f.events), Query{
		Tenant: "t", Range: cm.Range{From: at(-day), To: at(50 * day)}, Definition: Definition{Model: Markov},
	})
	if err != nil {
		t.Fatal(err)
	}
	// A → conversion; X → Y → null; Z → null.
	want := "(start)>A 1 0.333333|(start)>X 1 0.333333|(start)>Z 1 0.333333|A>(conversion) 1 1.000000|X>Y 1 1.000000|Y>(null) 1 1.000000|Z>(null) 1 1.000000"
	if got := transitionsOf(res.Markov.Transitions); got != want {
		t.Errorf("transitions\n%s\nwant\n%s", got, want)
	}
}
