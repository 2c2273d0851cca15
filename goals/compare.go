package goals

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// CompareQuery asks how the versions of a flow compare on a goal.
type CompareQuery struct {
	// Tenant is required.
	Tenant string `json:"tenant"`
	// Range: conversations count when the flow started in them in the
	// range. At most 90 calendar days of Calendar unless AllowLongRange
	// (see [Query.Range]).
	Range          cm.Range `json:"range"`
	AllowLongRange bool     `json:"allow_long_range,omitempty"`
	// Calendar is the zone whose calendar days the range limit counts and
	// in which the result's range is given; the zero Calendar is UTC.
	Calendar cm.Calendar `json:"calendar,omitzero"`
	// Flow is the flow whose versions are compared; required.
	Flow string `json:"flow"`
	// Goal is the goal compared on; nil means the flow's completion
	// ([CompletionGoal]).
	Goal *Goal `json:"goal,omitempty"`
	// Baseline is the version the others are tested against; empty means
	// the first version in natural order (v2 before v10), usually the
	// oldest.
	Baseline string `json:"baseline,omitempty"`
	// IncludeTest, Lookback and Partition: see [Query].
	IncludeTest bool          `json:"include_test,omitempty"`
	Lookback    time.Duration `json:"lookback_ns,omitempty"`
	Partition   cm.Partition  `json:"partition,omitzero"`
}

// CompletionGoal returns the goal "completed:FLOW": a flow.completed event
// of the flow.
func CompletionGoal(flow string) Goal {
	return Goal{
		Name:        "completed:" + flow,
		Description: "conversations with a flow.completed event of flow " + flow,
		When:        Condition{Event: &EventMatch{Type: cm.FlowCompleted, Match: map[string]string{"flow": flow}}},
	}
}

// Validate checks the query without modifying it. Errors start with
// "goals: compare query: ", name the field and wrap the sentinels, as for
// [Query.Validate].
func (q *CompareQuery) Validate() error {
	if err := checkScope(q.Tenant, q.Calendar, q.Range, q.AllowLongRange, "", q.Lookback, q.Partition); err != nil {
		return fmt.Errorf("goals: compare query: %w", err)
	}
	if q.Flow == "" {
		return fmt.Errorf("goals: compare query: flow: %w", cm.ErrRequired)
	}
	if q.Goal != nil {
		if err := q.Goal.validate(); err != nil {
			return fmt.Errorf("goals: compare query: goal.%w", err)
		}
	}
	return nil
}

// compiled returns a copy of the validated q with the defaults applied:
// the goal (the flow's completion when nil, copied otherwise) and the
// calendar in its explicit form.
func (q CompareQuery) compiled() CompareQuery {
	g := q.goal()
	q.Goal = &g
	q.Calendar = explicit(q.Calendar)
	return q
}

func (q *CompareQuery) goal() Goal {
	if q.Goal != nil {
		return *q.Goal
	}
	return CompletionGoal(q.Flow)
}

// Comparison is the answer to a [CompareQuery].
type Comparison struct {
	Tenant   string   `json:"tenant"`
	Range    cm.Range `json:"range"`
	Flow     string   `json:"flow"`
	Goal     string   `json:"goal"`
	Baseline string   `json:"baseline"`
	// Versions has one entry per version, in natural order.
	Versions []VersionConversion `json:"versions"`
	// Tests compares each other version with the baseline, in natural
	// order.
	Tests []VersionTest `json:"tests"`
}

// VersionConversion is the goal conversion of the conversations exposed to
// one version of the flow.
type VersionConversion struct {
	Version string `json:"version"`
	// Conversations counts the conversations whose first run of the flow
	// in the range was of this version, less Excluded.
	Conversations int `json:"conversations"`
	// Converted counts those that reached the goal at or after that run
	// started.
	Converted int `json:"converted"`
	// Excluded counts conversations that had reached the goal before the
	// flow started: the flow cannot have caused their conversion.
	Excluded int `json:"excluded"`
	// Rate is Converted over Conversations.
	Rate cm.Rate `json:"conversion_rate"`
	// Interval is the Wilson 95% interval of Rate; nil with no
	// conversations.
	Interval *Interval `json:"interval_95"`
}

// Interval is a confidence interval of a proportion.
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// VersionTest is a two-proportion z-test of a version against the baseline.
type VersionTest struct {
	Baseline string `json:"baseline"`
	Version  string `json:"version"`
	// Difference is the version's rate minus the baseline's.
	Difference float64 `json:"difference"`
	// Tested is false when the test cannot be made (a version without
	// conversations, or every conversation alike); Z and P are then 0.
	Tested bool    `json:"tested"`
	Z      float64 `json:"z"`
	P      float64 `json:"p_value"`
	// Significant: tested, enough data, and P < 0.05.
	Significant bool `json:"significant"`
	// Enough is true when every expected count of the 2×2 table is at
	// least MinExpected (Cochran's rule), so the normal approximation
	// holds.
	Enough bool `json:"enough_data"`
	// NeededPerVersion is the number of conversations per version needed
	// to detect the observed difference at the 5% level with 80% power
	// ([SampleSize]), and at least enough for Cochran's rule at the mean
	// of the two rates p̃: ⌈MinExpected / min(p̃, 1 − p̃)⌉. 0 when the
	// rates are equal.
	NeededPerVersion int `json:"needed_per_version"`
	// Verdict says in words what the numbers allow to conclude.
	Verdict string `json:"verdict"`
}

// CompareVersions compares the versions of q.Flow on q.Goal (by default
// the flow's completion): conversion per version with Wilson 95%
// intervals, and a two-proportion z-test of each version against the
// baseline with a verdict and the sample size needed. Errors as for
// [Conversions].
func CompareVersions(ctx context.Context, r cm.Reader, q CompareQuery) (*Comparison, error) {
	a, err := FoldCompare(ctx, r, q)
	if err != nil {
		return nil, err
	}
	return a.Result(), nil
}

// FoldCompare reads q's events from r (q.Partition's contacts only, when
// it names one) and returns their accumulator; see [Fold].
func FoldCompare(ctx context.Context, r cm.Reader, q CompareQuery) (*CompareAccumulator, error) {
	a, err := newCompareAccumulator(q)
	if err != nil {
		return nil, err
	}
	return foldAll(ctx, r, a)
}

// CompareAccumulator holds a version comparison folded from contacts; see
// [Accumulator].
type CompareAccumulator struct {
	q      CompareQuery // compiled: Goal set
	key    string
	goal   Goal
	prog   *program
	core   core
	ev     *evaluator
	vers   local
	flowID uint32
	flowOK bool

	per     []verConv // by local version
	exposed []int32   // per conversation of the contact: run index, -1
}

type verConv struct {
	conversations, converted, excluded int
}

// newCompareAccumulator returns an empty accumulator for q (validated; q is
// not modified).
func newCompareAccumulator(q CompareQuery) (*CompareAccumulator, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	q = q.compiled()
	k := q
	k.Range, k.Partition, k.AllowLongRange = utc(q.Range), cm.Partition{}, false
	return (&CompareAccumulator{q: q, key: queryKey(k), goal: *q.Goal, prog: compile([]Goal{*q.Goal})}).init(), nil
}

func (a *CompareAccumulator) init() *CompareAccumulator {
	a.core = newCore(a.q.Range, DefaultRunTimeout, a.q.IncludeTest)
	a.ev = newEvaluator(a.prog)
	return a
}

func (a *CompareAccumulator) fresh() *CompareAccumulator {
	return (&CompareAccumulator{q: a.q, key: a.key, goal: a.goal, prog: a.prog}).init()
}

// spec returns the frame spec the accumulator needs.
func (a *CompareAccumulator) spec() frame.Spec {
	return frameSpec(a.q.Tenant, a.q.Range, a.q.Lookback, a.q.Partition, a.prog)
}

func (a *CompareAccumulator) verT(i int32) *verConv {
	for int(i) >= len(a.per) {
		a.per = append(a.per, verConv{})
	}
	return &a.per[i]
}

// add folds contact group g of f, a frame built with
// [CompareAccumulator.spec] (see [Accumulator.add]).
func (a *CompareAccumulator) add(f *frame.Frame, g int) {
	if a.core.bind(f) {
		a.ev.bind(f)
		a.vers.bind(f.Dict(frame.FlowVersion))
		a.flowID, a.flowOK = f.Lookup(frame.Flow, a.q.Flow)
	}
	if !a.flowOK {
		return
	}
	c := &a.core
	c.contact(g)
	a.exposed = slices.Grow(a.exposed[:0], len(c.convs))[:len(c.convs)]
	for i := range a.exposed {
		a.exposed[i] = -1
	}
	exposed := false
	for j := range c.runs {
		ru := &c.runs[j]
		if ru.flow == a.flowID && ru.conv >= 0 && c.inRange(ru.start) && a.exposed[ru.conv] < 0 {
			a.exposed[ru.conv] = int32(j)
			exposed = true
		}
	}
	if !exposed {
		return
	}
	for k, j := range a.exposed {
		if j < 0 {
			continue
		}
		ru := &c.runs[j]
		vt := a.verT(a.vers.of(ru.version))
		rows := c.rowsOf(int32(k))
		a.ev.reset(rows, c.convs[k].types)
		pos := a.ev.goal(0)
		switch {
		case pos >= 0 && rows[pos] < ru.row:
			vt.excluded++
		case pos >= 0:
			vt.conversations++
			vt.converted++
		default:
			vt.conversations++
		}
	}
}

// Merge adds o's tallies to a. Both must answer the same query, as for
// [Accumulator.Merge] (a nil Goal and the flow's [CompletionGoal] are the
// same); otherwise it changes nothing and returns an error wrapping
// cm.ErrMismatch.
func (a *CompareAccumulator) Merge(o *CompareAccumulator) error {
	if o == nil {
		return fmt.Errorf("goals: merge: %w: a nil accumulator", cm.ErrMismatch)
	}
	if err := sameQuery(a == o, a.key, o.key); err != nil {
		return err
	}
	vr := remap(&a.vers.n, &o.vers.n)
	for i, y := range o.per {
		x := a.verT(vr[i])
		x.conversations += y.conversations
		x.converted += y.converted
		x.excluded += y.excluded
	}
	return nil
}

// Result returns the answer; see [Accumulator.Result].
func (a *CompareAccumulator) Result() *Comparison {
	loc := a.q.Calendar.Location()
	res := &Comparison{Tenant: a.q.Tenant, Range: cm.Range{From: a.q.Range.From.In(loc), To: a.q.Range.To.In(loc)}, Flow: a.q.Flow, Goal: a.goal.Name,
		Versions: []VersionConversion{}, Tests: []VersionTest{}}
	for i, v := range a.per {
		if v.conversations+v.excluded == 0 {
			continue
		}
		vc := VersionConversion{Version: a.vers.n.list[i], Conversations: v.conversations, Converted: v.converted,
			Excluded: v.excluded, Rate: cm.RateOf(v.converted, v.conversations)}
		if lo, hi, ok := Wilson(v.converted, v.conversations); ok {
			vc.Interval = &Interval{Low: lo, High: hi}
		}
		res.Versions = append(res.Versions, vc)
	}
	slices.SortFunc(res.Versions, func(x, y VersionConversion) int { return compareNatural(x.Version, y.Version) })
	res.Baseline = a.q.Baseline
	if res.Baseline == "" && len(res.Versions) > 0 {
		res.Baseline = res.Versions[0].Version
	}
	base := VersionConversion{Version: res.Baseline}
	for _, v := range res.Versions {
		if v.Version == res.Baseline {
			base = v
		}
	}
	for _, v := range res.Versions {
		if v.Version != res.Baseline {
			res.Tests = append(res.Tests, test(base, v))
		}
	}
	return res
}

// test compares version v with the baseline b.
func test(b, v VersionConversion) VersionTest {
	t := VersionTest{Baseline: b.Version, Version: v.Version}
	pb, okb := b.Rate.Value()
	pv, okv := v.Rate.Value()
	if !okb {
		t.Verdict = "no conversations for the baseline " + versionLabel(b.Version) + ": nothing to compare"
		return t
	}
	if !okv {
		t.Verdict = "no conversations for " + versionLabel(v.Version) + ": nothing to compare"
		return t
	}
	t.Difference = pv - pb
	t.Z, t.P, t.Tested = TwoProportion(b.Converted, b.Conversations, v.Converted, v.Conversations)
	p := float64(b.Converted+v.Converted) / float64(b.Conversations+v.Conversations)
	t.Enough = true
	for _, n := range []int{b.Conversations, v.Conversations} {
		if float64(n)*p < MinExpected || float64(n)*(1-p) < MinExpected {
			t.Enough = false
		}
	}
	// Enough conversations per version for the observed difference (power)
	// and for Cochran's rule at the mean of the two rates.
	t.NeededPerVersion, _ = SampleSize(pb, pv)
	if m := min(pb+pv, 2-pb-pv) / 2; m > 0 && t.NeededPerVersion > 0 {
		t.NeededPerVersion = max(t.NeededPerVersion, int(math.Ceil(MinExpected/m)))
	}
	t.Significant = t.Tested && t.Enough && t.P < 0.05
	name, base := versionLabel(v.Version), versionLabel(b.Version)
	need := ""
	if t.NeededPerVersion > 0 {
		need = "; about " + strconv.Itoa(t.NeededPerVersion) + " conversations per version are needed to detect a difference this size"
	}
	switch {
	case !t.Tested:
		t.Verdict = "no test possible: every conversation of both versions ended alike"
	case !t.Enough:
		t.Verdict = fmt.Sprintf("too few conversations to conclude (each version needs at least %d expected conversions and non-conversions)%s", MinExpected, need)
	case t.Significant && t.Difference > 0:
		t.Verdict = fmt.Sprintf("%s converts better than %s (%+.1f points, p = %.3g)", name, base, 100*t.Difference, t.P)
	case t.Significant:
		t.Verdict = fmt.Sprintf("%s converts worse than %s (%+.1f points, p = %.3g)", name, base, 100*t.Difference, t.P)
	case t.NeededPerVersion > min(b.Conversations, v.Conversations):
		t.Verdict = fmt.Sprintf("no significant difference (p = %.3g), but too few conversations to rule one out%s", t.P, need)
	default:
		t.Verdict = fmt.Sprintf("no significant difference (p = %.3g)", t.P)
	}
	return t
}

// Tables returns the comparison as two tables: conversion per version, and
// the tests against the baseline.
func (c *Comparison) Tables() []cm.Table {
	v := cm.Table{Name: fmt.Sprintf("Versions of flow %s on goal %s", c.Flow, c.Goal),
		Columns: []string{"version", "conversations", "converted", "excluded", "conversion_rate", "wilson95_low", "wilson95_high"}}
	for _, x := range c.Versions {
		lo, hi := "", ""
		if x.Interval != nil {
			lo, hi = strconv.FormatFloat(x.Interval.Low, 'f', 4, 64), strconv.FormatFloat(x.Interval.High, 'f', 4, 64)
		}
		v.Rows = append(v.Rows, []string{versionLabel(x.Version), itoa(x.Conversations), itoa(x.Converted), itoa(x.Excluded), rateCell(x.Rate), lo, hi})
	}
	t := cm.Table{Name: fmt.Sprintf("Flow %s: versions against the baseline %s", c.Flow, versionLabel(c.Baseline)),
		Columns: []string{"baseline", "version", "difference", "z", "p_value", "enough_data", "needed_per_version", "significant", "verdict"}}
	for _, x := range c.Tests {
		z, p := "", ""
		if x.Tested {
			z, p = strconv.FormatFloat(x.Z, 'f', 4, 64), strconv.FormatFloat(x.P, 'g', 4, 64)
		}
		t.Rows = append(t.Rows, []string{versionLabel(x.Baseline), versionLabel(x.Version), strconv.FormatFloat(x.Difference, 'f', 4, 64),
			z, p, strconv.FormatBool(x.Enough), itoa(x.NeededPerVersion), strconv.FormatBool(x.Significant), x.Verdict})
	}
	return []cm.Table{v, t}
}
