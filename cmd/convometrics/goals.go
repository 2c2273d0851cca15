package main

// This file is the goals engine's command line: goals, flows, and its
// section of report.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/goals"
)

// goalsDefFlags choose the goal definitions: a JSON file, or the default
// set found in the tenant's events, and optionally some goals of them.
type goalsDefFlags struct {
	file     string
	only     string
	lookback time.Duration
}

func (f *goalsDefFlags) register(fs *flag.FlagSet, onlyUsage string) {
	fs.StringVar(&f.file, "goals", "", "goal definitions, a JSON file ({\"goals\": [...]}); default: one goal per goal.reached name, \"payment_succeeded\" (conversations with any payment.succeeded), and \"completed:FLOW\" per flow")
	fs.StringVar(&f.only, "goal", "", onlyUsage)
	fs.DurationVar(&f.lookback, "lookback", 0, "read events only this long before the period to find conversations in progress (default: all history, exact)")
}

// load returns the goal set, from the file or the defaults, and whether it
// is the default set.
func (f *goalsDefFlags) load(ctx context.Context, ds *dataset, s scope) ([]goals.Goal, bool, error) {
	if f.lookback < 0 {
		return nil, false, fmt.Errorf("-lookback %s: must not be negative", f.lookback)
	}
	if f.file == "" {
		gs, err := goals.DefaultGoals(ctx, ds.store, s.Tenant, s.Range)
		return gs, true, err
	}
	file, err := os.Open(f.file)
	if err != nil {
		return nil, false, fmt.Errorf("-goals: %w", err)
	}
	defer file.Close()
	gs, err := goals.ParseGoals(file)
	if err != nil {
		return nil, false, fmt.Errorf("-goals %s: %w", f.file, err)
	}
	return gs, false, nil
}

// pick returns the goals named by -goal (comma-separated), in that order.
func (f *goalsDefFlags) pick(gs []goals.Goal) ([]goals.Goal, error) {
	if f.only == "" {
		return gs, nil
	}
	var out []goals.Goal
	for _, name := range strings.Split(f.only, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(gs, func(g goals.Goal) bool { return g.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("-goal %q: %w (defined: %s)", name, goals.ErrUnknownGoal, goalsNames(gs))
		}
		out = append(out, gs[i])
	}
	return out, nil
}

func goalsNames(gs []goals.Goal) string {
	names := make([]string, len(gs))
	for i, g := range gs {
		names[i] = fmt.Sprintf("%q", g.Name)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

func runGoals(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "goals", "[-demo | file] [-goals defs.json] [-goal NAME,...] [-list N] [-tenant T] [-preset P | -from D -to D] [-bucket day|week|month] [-format text|json|csv]")
	var cf engineFlags
	var gf goalsDefFlags
	var list int
	cf.register(fs)
	gf.register(fs, "report only these goals (comma-separated names)")
	fs.IntVar(&list, "list", 20, "text output: the conversations listed per goal, latest first (0: all); CSV and JSON list all")
	if err := cf.parse(fs, args); err != nil {
		return err
	}
	if list < 0 {
		return fmt.Errorf("-list %d: must not be negative", list)
	}
	ds, s, err := cf.load(ctx, e, fs)
	if err != nil {
		return err
	}
	gs, deflt, err := gf.load(ctx, ds, s)
	if err != nil {
		return err
	}
	if gs, err = gf.pick(gs); err != nil {
		return err
	}
	if len(gs) == 0 {
		return fmt.Errorf("tenant %s has no goal.reached, payment.succeeded or flow.started events in %s to define default goals from; give -goals", s.Tenant, s.Period)
	}
	res, err := goals.Conversions(ctx, ds.store, goals.Query{Tenant: s.Tenant, Range: s.Range, AllowLongRange: cf.sc.allowLong, Calendar: s.Calendar(),
		Granularity: s.Granularity, Goals: gs, IncludeTest: s.IncludeTest, Lookback: gf.lookback})
	if err != nil {
		return err
	}
	tables := res.Tables()
	if cf.out.format == "text" {
		src := "from " + gf.file
		if deflt {
			src = "the default set"
		}
		fmt.Fprintf(e.stdout, "goals: tenant %s, %s (%s), %d goals (%s)\n\n", s.Tenant, s.Period, s.TimeZone, len(gs), src)
		tables[len(tables)-1] = goalsRecent(res, list)
	}
	return cf.out.write(e.stdout, tables, map[string]any{"scope": s, "definitions": gs, "default_definitions": deflt, "goals": res})
}

// goalsRecent lists the latest n conversations behind each goal's
// conversions (all when n is 0), latest first.
func goalsRecent(res *goals.Result, n int) cm.Table {
	t := cm.Table{Name: "Conversations behind the conversions (latest first)", Columns: []string{"goal", "time", "contact", "conversation", "flow", "flow_version", "user_turns"}}
	if n > 0 {
		t.Name = fmt.Sprintf("Conversations behind the conversions (latest %d per goal; -list 0 for all)", n)
	}
	for _, g := range res.Goals {
		for i := len(g.List) - 1; i >= 0 && (n == 0 || len(g.List)-i <= n); i-- {
			c := g.List[i]
			t.Rows = append(t.Rows, []string{c.Goal, c.Time.Format(time.RFC3339), c.Contact, c.Conversation, c.Flow, c.FlowVersion, fmt.Sprint(c.UserTurns)})
		}
		if n > 0 && len(g.List) > n {
			t.Rows = append(t.Rows, []string{g.Name, fmt.Sprintf("… and %d earlier", len(g.List)-n), "", "", "", "", ""})
		}
	}
	return t
}

func runFlows(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "flows", "[-demo | file] [-flow F [-version V]] [-run-timeout 24h] [-dropped] [-goals defs.json -goal NAME] [-baseline V] [-tenant T] [-preset P | -from D -to D] [-format text|json|csv]")
	var cf engineFlags
	var gf goalsDefFlags
	var flow, version, baseline string
	var timeout time.Duration
	var dropped bool
	cf.register(fs)
	gf.register(fs, "goal the versions are compared on, a name from -goals or the default set (default: each flow's completion)")
	fs.StringVar(&flow, "flow", "", "report only this flow")
	fs.StringVar(&version, "version", "", "with -flow: report only this version's runs and drop-out")
	fs.StringVar(&baseline, "baseline", "", "version the others are compared with (default: the first in natural order, v2 before v10)")
	fs.DurationVar(&timeout, "run-timeout", goals.DefaultRunTimeout, "a run with no step for this long has ended")
	fs.BoolVar(&dropped, "dropped", false, "list every dropped run and the node where it stopped")
	if err := cf.parse(fs, args); err != nil {
		return err
	}
	if version != "" && flow == "" {
		return errors.New("-version needs -flow")
	}
	if timeout <= 0 {
		return fmt.Errorf("-run-timeout %s: must be more than 0", timeout)
	}
	if gf.only != "" && strings.Contains(gf.only, ",") {
		return fmt.Errorf("-goal %q: the versions are compared on one goal", gf.only)
	}
	ds, s, err := cf.load(ctx, e, fs)
	if err != nil {
		return err
	}
	var goal *goals.Goal
	if gf.only != "" || gf.file != "" {
		gs, _, err := gf.load(ctx, ds, s)
		if err != nil {
			return err
		}
		if gf.only == "" {
			return errors.New("-goals needs -goal to choose the goal the versions are compared on")
		}
		picked, err := gf.pick(gs)
		if err != nil {
			return err
		}
		goal = &picked[0]
	}
	res, err := goals.Flows(ctx, ds.store, goals.FlowsQuery{Tenant: s.Tenant, Range: s.Range, AllowLongRange: cf.sc.allowLong, Calendar: s.Calendar(), Granularity: s.Granularity,
		Flow: flow, Version: version, RunTimeout: timeout, DroppedRuns: dropped, IncludeTest: s.IncludeTest, Lookback: gf.lookback})
	if err != nil {
		return err
	}
	comparisons, err := goalsCompare(ctx, ds, s, cf.sc.allowLong, res, goal, baseline, gf.lookback)
	if err != nil {
		return err
	}
	tables := res.Tables()
	for _, c := range comparisons {
		tables = append(tables, c.Tables()...)
	}
	if cf.out.format == "text" {
		what := "every flow"
		if flow != "" {
			what = "flow " + flow
			if version != "" {
				what += " version " + version
			}
		}
		fmt.Fprintf(e.stdout, "flows: tenant %s, %s (%s), %s, runs end after %s without a step\n\n", s.Tenant, s.Period, s.TimeZone, what, timeout)
	}
	return cf.out.write(e.stdout, tables, map[string]any{"scope": s, "flows": res, "versions": comparisons})
}

// goalsCompare compares the versions of every flow of res that has more
// than one, on goal (nil: each flow's completion). allowLong is
// -allow-long-range.
func goalsCompare(ctx context.Context, ds *dataset, s scope, allowLong bool, res *goals.FlowsResult, goal *goals.Goal, baseline string, lookback time.Duration) ([]*goals.Comparison, error) {
	out := []*goals.Comparison{}
	for _, f := range res.Flows {
		if len(f.Versions) < 2 && baseline == "" {
			continue
		}
		c, err := goals.CompareVersions(ctx, ds.store, goals.CompareQuery{Tenant: s.Tenant, Range: s.Range, AllowLongRange: allowLong, Calendar: s.Calendar(), Flow: f.Flow, Goal: goal,
			Baseline: baseline, IncludeTest: s.IncludeTest, Lookback: lookback})
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// goalsSection is the report's goals and flows section, over the default
// goal set: the goals, conversions per bucket, the latest conversations,
// the popular flows, the worst drop-out nodes and the version comparisons.
func goalsSection(ctx context.Context, in *reportInput) (*section, error) {
	s := in.scope
	// The scope's range was checked against -allow-long-range when it was
	// resolved; the report does not check it again.
	const allowLong = true
	gs, err := goals.DefaultGoals(ctx, in.ds.store, s.Tenant, s.Range)
	if err != nil {
		return nil, err
	}
	fr, err := goals.Flows(ctx, in.ds.store, goals.FlowsQuery{Tenant: s.Tenant, Range: s.Range, AllowLongRange: allowLong, Calendar: s.Calendar(),
		Granularity: s.Granularity, IncludeTest: s.IncludeTest})
	if err != nil {
		return nil, err
	}
	if len(gs) == 0 && fr.TimesTriggered == 0 {
		return nil, nil
	}
	data := map[string]any{"flows": fr}
	var tables []cm.Table
	if len(gs) > 0 {
		res, err := goals.Conversions(ctx, in.ds.store, goals.Query{Tenant: s.Tenant, Range: s.Range, AllowLongRange: allowLong, Calendar: s.Calendar(),
			Granularity: s.Granularity, Goals: gs, IncludeTest: s.IncludeTest})
		if err != nil {
			return nil, err
		}
		gt := res.Tables()
		recent := goalsRecent(res, 3)
		recent.Name = "Latest converted conversations (3 per goal; convometrics goals for all)"
		tables = append(tables, gt[0], gt[1], recent)
		data["goals"] = res
	}
	ft := fr.Tables()
	tables = append(tables, ft[1], goalsWorstNodes(fr, 10))
	cmps, err := goalsCompare(ctx, in.ds, s, allowLong, fr, nil, "", 0)
	if err != nil {
		return nil, err
	}
	if len(cmps) > 0 {
		tables = append(tables, goalsVerdicts(cmps))
	}
	data["versions"] = cmps
	return &section{Key: "goals", Tables: tables, Data: data}, nil
}

// goalsWorstNodes ranks the nodes of every flow version together, worst
// drop-off first, and keeps n.
func goalsWorstNodes(fr *goals.FlowsResult, n int) cm.Table {
	type row struct {
		flow, version string
		node          goals.NodeDropOut
	}
	var rows []row
	for _, v := range fr.DropOut {
		for _, nd := range v.Nodes {
			rows = append(rows, row{v.Flow, v.Version, nd})
		}
	}
	slices.SortStableFunc(rows, func(x, y row) int {
		// x.D/x.R > y.D/y.R first
		if c := int64(y.node.Dropped)*int64(x.node.Reached) - int64(x.node.Dropped)*int64(y.node.Reached); c != 0 {
			if c < 0 {
				return -1
			}
			return 1
		}
		return y.node.Dropped - x.node.Dropped
	})
	t := cm.Table{Name: fmt.Sprintf("Worst drop-out nodes (top %d; convometrics flows for every node)", n),
		Columns: []string{"flow", "version", "node", "reached", "dropped", "drop_off_rate"}}
	for i, r := range rows {
		if i == n {
			break
		}
		t.Rows = append(t.Rows, []string{r.flow, r.version, r.node.Node, fmt.Sprint(r.node.Reached), fmt.Sprint(r.node.Dropped), goalsRate(r.node.DropOff)})
	}
	return t
}

// goalsVerdicts puts the version tests of every flow in one table.
func goalsVerdicts(cmps []*goals.Comparison) cm.Table {
	t := cm.Table{Name: "Flow versions compared on completion", Columns: []string{"flow", "baseline", "baseline_rate", "version", "version_rate", "p_value", "verdict"}}
	for _, c := range cmps {
		rates := map[string]cm.Rate{}
		for _, v := range c.Versions {
			rates[v.Version] = v.Rate
		}
		for _, x := range c.Tests {
			p := ""
			if x.Tested {
				p = fmt.Sprintf("%.4g", x.P)
			}
			t.Rows = append(t.Rows, []string{c.Flow, x.Baseline, goalsRate(rates[x.Baseline]), x.Version, goalsRate(rates[x.Version]), p, x.Verdict})
		}
	}
	return t
}

func goalsRate(r cm.Rate) string {
	v, ok := r.Value()
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf("%.4f", v)
}
