package main

// This file is the funnel engine's command line: funnel, campaigns, and
// its section of report (the commerce funnel).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/funnel"
)

// funnelFile is the JSON form of -def: a funnel definition with an
// optional breakdown, in the library's JSON (0-based step indexes).
type funnelFile struct {
	funnel.Definition
	Breakdown *funnel.Breakdown `json:"breakdown,omitempty"`
}

// funnelDefFlags choose the funnel: a JSON file, or steps and options
// from flags (which override the file's).
type funnelDefFlags struct {
	file, steps, window, order, unit string
	exclude                          []string
	breakdown, attribution           string
	limit                            int
}

func (f *funnelDefFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.file, "def", "", "funnel definition, a JSON file: {\"steps\": [{\"type\": ..., \"where\": [...]}], \"window\": {\"value\": 7, \"unit\": \"day\"}, \"order\", \"unit\", \"exclusions\", \"breakdown\"} (0-based steps)")
	fs.StringVar(&f.steps, "steps", "", "comma-separated steps: TYPE, TYPE[field=value,...] or TYPE? (optional), e.g. 'message.received,cart.added[amount>=100],payment.succeeded'; filters: = != ~a|b !~a|b field? !field > >= < <=")
	fs.StringVar(&f.window, "window", "", "conversion window from the first step, e.g. 7d, 24h, 30m, 2w, 1mo (default 14d)")
	fs.StringVar(&f.order, "order", "", "ordered (default), strict or unordered")
	fs.StringVar(&f.unit, "unit", "", "what is counted: contact (default) or conversation")
	fs.Func("exclude", "exclusion step, TYPE[filters] for the whole funnel or TYPE[filters]@FROM-TO between steps FROM and TO (1-based); repeatable", func(s string) error {
		f.exclude = append(f.exclude, s)
		return nil
	})
	fs.StringVar(&f.breakdown, "breakdown", "", "break the funnel down by a field: campaign, flow, template, channel, agent, attrs.KEY, ...")
	fs.StringVar(&f.attribution, "attribution", "", "breakdown attribution: first_touch (default), last_touch, all_events or step_N (N from 1)")
	fs.IntVar(&f.limit, "breakdown-limit", 0, "breakdown values shown, the rest summed as other (default 25; -1 for all)")
}

// load returns the definition and breakdown.
func (f *funnelDefFlags) load() (funnel.Definition, *funnel.Breakdown, error) {
	var ff funnelFile
	if f.file != "" {
		b, err := os.ReadFile(f.file)
		if err != nil {
			return ff.Definition, nil, fmt.Errorf("-def: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ff); err != nil {
			return ff.Definition, nil, fmt.Errorf("-def %s: %w", f.file, err)
		}
	}
	d, bd := ff.Definition, ff.Breakdown
	if f.steps != "" {
		steps, err := funnel.ParseSteps(f.steps)
		if err != nil {
			return d, nil, fmt.Errorf("-steps: %w", err)
		}
		d.Steps = steps
	}
	if len(d.Steps) == 0 {
		return d, nil, errors.New("no funnel: give -steps or -def")
	}
	if f.window != "" {
		w, err := funnel.ParseWindow(f.window)
		if err != nil {
			return d, nil, fmt.Errorf("-window: %w", err)
		}
		d.Window = w
	}
	if f.order != "" {
		d.Order = funnel.Order(f.order)
	}
	if f.unit != "" {
		d.Unit = funnel.Unit(f.unit)
	}
	for _, s := range f.exclude {
		x, err := funnel.ParseExclusion(s)
		if err != nil {
			return d, nil, fmt.Errorf("-exclude: %w", err)
		}
		d.Exclusions = append(d.Exclusions, x)
	}
	if f.breakdown != "" {
		bd = &funnel.Breakdown{Field: f.breakdown}
	}
	if f.attribution != "" || f.limit != 0 {
		if bd == nil {
			return d, nil, errors.New("-attribution and -breakdown-limit need -breakdown")
		}
	}
	if f.attribution != "" {
		a, n, err := funnel.ParseAttribution(f.attribution)
		if err != nil {
			return d, nil, fmt.Errorf("-attribution: %w", err)
		}
		if a == funnel.StepAttribution {
			if n < 1 {
				return d, nil, fmt.Errorf("-attribution %s: steps are numbered from 1", f.attribution)
			}
			n--
		}
		bd.Attribution, bd.Step = a, n
	}
	if f.limit != 0 {
		bd.Limit = f.limit
	}
	return d, bd, nil
}

// stepFlag converts a 1-based step flag (0: not given) to the library's
// 0-based index (0: the default).
func stepFlag(name string, v, def int) (int, error) {
	if v == 0 {
		return def, nil
	}
	if v < 1 {
		return 0, fmt.Errorf("-%s %d: steps are numbered from 1", name, v)
	}
	return v - 1, nil
}

func runFunnel(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "funnel", "[-demo | file] (-steps S | -def file.json) [-window 7d] [-order ordered|strict|unordered] [-unit contact|conversation] [-exclude X@A-B] [-breakdown F [-attribution A]] [-view steps|trends|time-to-convert|commerce] [-list] [-tenant T] [-preset P | -from D -to D] [-bucket day] [-format text|json|csv]")
	var cf engineFlags
	var df funnelDefFlags
	var view string
	var fromStep, toStep, bins int
	var list bool
	cf.register(fs)
	df.register(fs)
	fs.StringVar(&view, "view", "steps", "steps (counts, drop-off, conversion, times), trends (conversion by entry period, see -bucket), time-to-convert (histogram), or commerce (initiated conversations → add to carts → conversions; no -steps needed)")
	fs.IntVar(&fromStep, "from-step", 0, "trends and time-to-convert: the step conversion is measured from (1-based; default the first)")
	fs.IntVar(&toStep, "to-step", 0, "trends and time-to-convert: the step conversion is measured to (1-based; default the last)")
	fs.IntVar(&bins, "bins", 0, "time-to-convert: histogram bins (default ⌈∛n⌉)")
	fs.BoolVar(&list, "list", false, "steps: list the units that reached each step and those that dropped before it")
	if err := cf.parse(fs, args); err != nil {
		return err
	}
	switch view {
	case "steps", "trends", "time-to-convert", "commerce":
	default:
		return fmt.Errorf("-view %q: want steps, trends, time-to-convert or commerce", view)
	}
	if bins < 0 {
		return fmt.Errorf("-bins %d: must not be negative", bins)
	}
	var def funnel.Definition
	var bd *funnel.Breakdown
	if view != "commerce" {
		var err error
		if def, bd, err = df.load(); err != nil {
			return err
		}
	}
	from, err := stepFlag("from-step", fromStep, 0)
	if err != nil {
		return err
	}
	to, err := stepFlag("to-step", toStep, 0)
	if err != nil {
		return err
	}
	ds, s, err := cf.load(ctx, e, fs)
	if err != nil {
		return err
	}
	q := funnel.Query{Tenant: s.Tenant, Range: s.Range, AllowLongRange: cf.sc.allowLong, Calendar: s.Calendar(), Funnel: def, Breakdown: bd,
		IncludeTest: s.IncludeTest, List: list}
	var tables []cm.Table
	var res any
	switch view {
	case "steps":
		tables, res, err = tabulate(funnel.Steps(ctx, ds.store, q))
	case "trends":
		tables, res, err = tabulate(funnel.Trends(ctx, ds.store, funnel.TrendsQuery{Query: q, Granularity: s.Granularity, FromStep: from, ToStep: to}))
	case "time-to-convert":
		tables, res, err = tabulate(funnel.TimeToConvert(ctx, ds.store, funnel.TimeToConvertQuery{Query: q, FromStep: from, ToStep: to, Bins: bins}))
	case "commerce":
		tables, res, err = tabulate(funnel.Commerce(ctx, ds.store, funnel.CommerceQuery{Tenant: s.Tenant, Range: s.Range, AllowLongRange: cf.sc.allowLong,
			Calendar: s.Calendar(), Granularity: s.Granularity, IncludeTest: s.IncludeTest}))
	}
	if err != nil {
		return err
	}
	if cf.out.format == "text" {
		fmt.Fprintf(e.stdout, "funnel (%s): %s\n", view, s.describe())
		if view != "commerce" {
			fmt.Fprintf(e.stdout, "steps %s; order %s, window %s, unit %s\n", describeSteps(def), orDefault(string(def.Order), "ordered"), def.Window, orDefault(string(def.Unit), "contact"))
		}
		fmt.Fprintln(e.stdout)
	}
	doc := map[string]any{"scope": s, "result": res}
	if view != "commerce" {
		doc["funnel"] = def
		if bd != nil {
			doc["breakdown"] = bd
		}
	}
	return cf.out.write(e.stdout, tables, doc)
}

func describeSteps(d funnel.Definition) string {
	s := ""
	for i, st := range d.Steps {
		if i > 0 {
			s += " → "
		}
		s += st.Label()
		if st.Optional {
			s += " (optional)"
		}
	}
	return s
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func runCampaigns(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "campaigns", "[-demo | file] [-campaign C [-version V]] [-users [-status S] [-stage S] [-session S]] [-history CONTACT -campaign C] [-tenant T] [-preset P | -from D -to D] [-format text|json|csv]")
	var cf engineFlags
	var camp, version, status, stage, session, history string
	var users bool
	cf.register(fs)
	fs.StringVar(&camp, "campaign", "", "only this campaign")
	fs.StringVar(&version, "version", "", "with -campaign: only this version")
	fs.BoolVar(&users, "users", false, "the per-user table instead of the summary")
	fs.StringVar(&status, "status", "", "with -users: only deployments in this status: in_process, sent, delivered, read or failed")
	fs.StringVar(&stage, "stage", "", "with -users: only users at this stage: none, in_flow or finished")
	fs.StringVar(&session, "session", "", "with -users: only users whose 24-hour session is open or closed (at -now)")
	fs.StringVar(&history, "history", "", "the message history of this contact's deployment of -campaign (its latest in the period, or -version)")
	if err := cf.parse(fs, args); err != nil {
		return err
	}
	if version != "" && camp == "" {
		return errors.New("-version needs -campaign")
	}
	if (status != "" || stage != "" || session != "") && !users {
		return errors.New("-status, -stage and -session filter the per-user table: add -users")
	}
	if history != "" && (camp == "" || users) {
		return errors.New("-history needs -campaign (and no -users)")
	}
	ds, s, err := cf.load(ctx, e, fs)
	if err != nil {
		return err
	}
	q := funnel.CampaignQuery{Tenant: s.Tenant, Range: s.Range, AllowLongRange: cf.sc.allowLong, Campaign: camp, Version: version, IncludeTest: s.IncludeTest,
		Now: s.Now, Status: funnel.DeploymentStatus(status), Stage: funnel.Stage(stage), Session: funnel.SessionStatus(session), Calendar: s.Calendar()}
	// write prints r under a text header saying what it is, or as JSON
	// under key.
	write := func(what, key string, r interface{ Tables() []cm.Table }) error {
		if cf.out.format == "text" {
			fmt.Fprintf(e.stdout, "%s: %s\n\n", what, s.describe())
		}
		return cf.out.write(e.stdout, r.Tables(), map[string]any{"scope": s, key: r})
	}
	switch {
	case history != "":
		h, err := funnel.MessageHistory(ctx, ds.store, funnel.HistoryQuery{Tenant: s.Tenant, Range: s.Range, AllowLongRange: cf.sc.allowLong, Contact: history,
			Campaign: camp, Version: version, IncludeTest: s.IncludeTest, Calendar: s.Calendar()})
		if err != nil {
			return err
		}
		return write("campaign message history", "history", h)
	case users:
		res, err := funnel.CampaignUsers(ctx, ds.store, q)
		if err != nil {
			return err
		}
		return write("campaign users (sessions at "+s.Now.Format(time.RFC3339)+", "+strconv.Itoa(len(res.Users))+" rows)", "users", res)
	default:
		res, err := funnel.Campaigns(ctx, ds.store, q)
		if err != nil {
			return err
		}
		return write("campaign deployments", "campaigns", res)
	}
}

// funnelSection is the report's commerce funnel: totals per campaign,
// revenue and the series. The scope's range was already checked against
// -allow-long-range.
func funnelSection(ctx context.Context, in *reportInput) (*section, error) {
	s := in.scope
	res, err := funnel.Commerce(ctx, in.ds.store, funnel.CommerceQuery{Tenant: s.Tenant, Range: s.Range, AllowLongRange: true, Calendar: s.Calendar(),
		Granularity: s.Granularity, IncludeTest: s.IncludeTest})
	if err != nil {
		return nil, err
	}
	if res.Initiated == 0 && res.Conversions == 0 && res.Elsewhere.Conversions == 0 {
		return nil, nil
	}
	t := res.Tables()
	return &section{Key: "commerce", Tables: t[:3], Data: res}, nil
}
