package main

// This file is the attribution engine's command line: attribution,
// payments, and its section of report.

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/attribution"
	"github.com/shopspring/decimal"
)

// attrParseSpan parses a duration that may start with whole days ("30d",
// "7d12h"), then anything time.ParseDuration accepts ("72h", "90m").
func attrParseSpan(flagName, s string) (time.Duration, error) {
	bad := fmt.Errorf("-%s %q: want a duration such as 30d, 72h or 7d12h", flagName, s)
	var d time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		days, err := strconv.Atoi(s[:i])
		if err != nil || days < 0 {
			return 0, bad
		}
		d = time.Duration(days) * 24 * time.Hour
		s = s[i+1:]
		if s == "" {
			return d, nil
		}
	}
	x, err := time.ParseDuration(s)
	if err != nil || x < 0 {
		return 0, bad
	}
	return d + x, nil
}

// attrDefinitionFlags are the flags of an attribution definition.
type attrDefinitionFlags struct {
	model, by, lookback, halfLife, refWindow, kinds string
	first, last                                     float64
}

func (f *attrDefinitionFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.model, "model", "last_touch", "attribution model: "+attrJoin(attribution.Models())+", or all (every model side by side)")
	fs.StringVar(&f.by, "by", "campaign", "dimension credit is reported by: "+attrJoin(attribution.Dimensions()))
	fs.StringVar(&f.lookback, "lookback", "30d", "how long before a conversion a touch still earns credit (inclusive)")
	fs.StringVar(&f.halfLife, "half-life", "7d", "half-life of the time_decay model")
	fs.Float64Var(&f.first, "first-share", attribution.DefaultFirstShare, "position_based: share of the first touch")
	fs.Float64Var(&f.last, "last-share", attribution.DefaultLastShare, "position_based: share of the last touch")
	fs.StringVar(&f.refWindow, "reference-window", "7d", "longest time from a link to a payment that names only its reference")
	fs.StringVar(&f.kinds, "kinds", "", "comma-separated touch kinds that earn credit (default all): "+attrJoin(attribution.Kinds()))
}

// definition returns the definition the flags describe (the model is
// left to the caller when it is "all").
func (f *attrDefinitionFlags) definition() (attribution.Definition, error) {
	var def attribution.Definition
	var err error
	if f.model != "all" {
		if def.Model, err = attribution.ParseModel(f.model); err != nil {
			return def, fmt.Errorf("-model: %w", err)
		}
	}
	if def.Dimension, err = attribution.ParseDimension(f.by); err != nil {
		return def, fmt.Errorf("-by: %w", err)
	}
	if def.Lookback, err = attrParseSpan("lookback", f.lookback); err != nil {
		return def, err
	}
	if def.Lookback == 0 {
		return def, fmt.Errorf("-lookback %q: must be more than 0", f.lookback)
	}
	if def.HalfLife, err = attrParseSpan("half-life", f.halfLife); err != nil {
		return def, err
	}
	if def.HalfLife == 0 {
		return def, fmt.Errorf("-half-life %q: must be more than 0", f.halfLife)
	}
	if def.ReferenceWindow, err = attrParseSpan("reference-window", f.refWindow); err != nil {
		return def, err
	}
	if def.ReferenceWindow == 0 {
		return def, fmt.Errorf("-reference-window %q: must be more than 0", f.refWindow)
	}
	def.FirstShare, def.LastShare = &f.first, &f.last
	if f.kinds != "" {
		for _, k := range strings.Split(f.kinds, ",") {
			def.Kinds = append(def.Kinds, attribution.Kind(strings.TrimSpace(k)))
		}
	}
	if err := def.Validate(); err != nil {
		return def, err
	}
	return def, nil
}

func attrJoin[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

func runAttribution(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "attribution", "[-demo | file | -paths file.csv] [-model M|all] [-by campaign|template|flow|agent|team|channel|referral|touchpoint] [-lookback 30d] [-format text|json|csv]")
	var cf engineFlags
	var df attrDefinitionFlags
	var paths, pathSep, comma string
	var detail bool
	cf.register(fs)
	df.register(fs)
	fs.StringVar(&paths, "paths", "", "path-data mode: attribute the aggregated journeys of a ChannelAttribution-style CSV (path;total_conversions;total_conversion_value;total_null) instead of events")
	fs.StringVar(&pathSep, "path-sep", ">", "with -paths: the separator between the channels of a path")
	fs.StringVar(&comma, "comma", "", "with -paths: the field separator (default: ';' if the header has one, else ',')")
	fs.BoolVar(&detail, "detail", false, "also list the credit of every conversion")
	if err := cf.parse(fs, args); err != nil {
		return err
	}
	if paths != "" {
		return runAttrPaths(e, &cf.out, fs, paths, pathSep, comma)
	}
	def, err := df.definition()
	if err != nil {
		return err
	}
	ds, s, err := cf.load(ctx, e, fs)
	if err != nil {
		return err
	}
	q := attribution.Query{Tenant: s.Tenant, Range: s.Range, AllowLongRange: cf.sc.allowLong, Calendar: s.Calendar(), Granularity: s.Granularity,
		IncludeTest: s.IncludeTest, Definition: def, Detail: detail}
	if df.model != "all" {
		res, err := attribution.Attribute(ctx, ds.store, q)
		if err != nil {
			return err
		}
		if cf.out.format == "text" {
			fmt.Fprintf(e.stdout, "attribution: tenant %s, %s (%s), %s by %s, lookback %s\n\n", s.Tenant, s.Period, s.TimeZone, def.Model, def.Dimension, df.lookback)
			for _, w := range res.Warnings {
				fmt.Fprintf(e.stdout, "warning: %s\n\n", w)
			}
		}
		return cf.out.write(e.stdout, res.Tables(), map[string]any{"scope": s, "attribution": res})
	}
	results := map[attribution.Model]*attribution.Result{}
	for _, m := range attribution.Models() {
		q.Definition.Model = m
		res, err := attribution.Attribute(ctx, ds.store, q)
		if err != nil {
			return fmt.Errorf("%s: %w", m, err)
		}
		results[m] = res
	}
	if cf.out.format == "text" {
		fmt.Fprintf(e.stdout, "attribution: tenant %s, %s (%s), every model by %s, lookback %s\n\n", s.Tenant, s.Period, s.TimeZone, def.Dimension, df.lookback)
	}
	return cf.out.write(e.stdout, attrCompareTables(results, string(def.Dimension)), map[string]any{"scope": s, "models": results})
}

// attrCompareTables puts every model's revenue and conversions side by side,
// one line per value and currency, with the total (equal to the matched
// revenue in every column) last.
func attrCompareTables(results map[attribution.Model]*attribution.Result, dim string) []cm.Table {
	models := attribution.Models()
	cols := []string{dim, "currency"}
	for _, m := range models {
		cols = append(cols, string(m))
	}
	rev := cm.Table{Name: "Revenue by " + dim + " under every model", Columns: cols}
	conv := cm.Table{Name: "Conversions by " + dim + " under every model", Columns: cols}
	type key struct{ value, cur string }
	var keys []key
	seen := map[key]bool{}
	cell := map[attribution.Model]map[key]attribution.Row{}
	for _, m := range models {
		cell[m] = map[key]attribution.Row{}
		for _, r := range results[m].Rows {
			for _, cur := range r.Revenue.Currencies() {
				k := key{r.Value, cur}
				cell[m][k] = r
				if !seen[k] {
					seen[k] = true
					keys = append(keys, k)
				}
			}
		}
	}
	// Order: by last-touch revenue order of appearance (rows come sorted
	// by conversions), the empty value last.
	slices.SortStableFunc(keys, func(a, b key) int {
		if (a.value == "") != (b.value == "") {
			if a.value == "" {
				return 1
			}
			return -1
		}
		return strings.Compare(a.cur, b.cur)
	})
	for _, k := range keys {
		rr := []string{attrLabel(k.value), k.cur}
		cr := []string{attrLabel(k.value), k.cur}
		for _, m := range models {
			r, ok := cell[m][k]
			if !ok {
				rr, cr = append(rr, ""), append(cr, "")
				continue
			}
			rr = append(rr, attrMoney(r.Revenue[k.cur], k.cur))
			cr = append(cr, strconv.FormatFloat(r.ByCurrency[k.cur], 'f', 3, 64))
		}
		rev.Rows = append(rev.Rows, rr)
		conv.Rows = append(conv.Rows, cr)
	}
	tot := results[models[0]].Totals
	for _, cur := range tot.Revenue.Currencies() {
		rr := []string{"total (matched revenue " + attrMoney(tot.Revenue[cur], cur) + ")", cur}
		cr := []string{"total (" + strconv.Itoa(tot.ByCurrency[cur]) + " matched payments)", cur}
		for _, m := range models {
			var sum cm.Amounts
			var n float64
			for _, r := range results[m].Rows {
				sum = sum.Merge(r.Revenue)
				n += r.ByCurrency[cur]
			}
			rr = append(rr, attrMoney(sum[cur], cur))
			cr = append(cr, strconv.FormatFloat(n, 'f', 3, 64))
		}
		rev.Rows = append(rev.Rows, rr)
		conv.Rows = append(conv.Rows, cr)
	}
	return []cm.Table{rev, conv}
}

func attrLabel(v string) string {
	if v == "" {
		return attribution.NoneLabel
	}
	return v
}

// money formats an amount in its currency's minor units (or finer when it
// has more decimals).
func attrMoney(d decimal.Decimal, cur string) string {
	return d.StringFixed(max(int32(cm.MinorUnits(cur)), -d.Exponent()))
}

// runAttrPaths is the path-data mode of the attribution command.
func runAttrPaths(e *env, out *outputFlags, fs *flag.FlagSet, path, sep, comma string) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("-paths %s and an event file %q given; choose one", path, fs.Arg(0))
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	format := attribution.PathFormat{Separator: sep}
	switch {
	case comma == "":
	case len([]rune(comma)) == 1:
		format.Comma = []rune(comma)[0]
	default:
		return fmt.Errorf("-comma %q: want one character", comma)
	}
	rows, err := attribution.ReadPaths(f, format)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	res, err := attribution.AttributePaths(rows)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if out.format == "text" {
		t := res.Totals
		fmt.Fprintf(e.stdout, "path data %s: %d rows, %s conversions, value %s, %s null journeys; P(conversion) %.6f\n\n",
			path, t.Rows, strconv.FormatFloat(t.Conversions, 'f', -1, 64), t.Value, strconv.FormatFloat(t.Nulls, 'f', -1, 64), res.ConversionProbability)
	}
	return out.write(e.stdout, res.Tables(), res)
}

func runPayments(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "payments", "[-demo | file] [-tenant T] [-preset P | -from D -to D] [-reference-window 7d] [-format text|json|csv]")
	var cf engineFlags
	var window string
	cf.register(fs)
	fs.StringVar(&window, "reference-window", "7d", "longest time from a link to a payment that names only its reference")
	if err := cf.parse(fs, args); err != nil {
		return err
	}
	w, err := attrParseSpan("reference-window", window)
	if err != nil {
		return err
	}
	if w == 0 {
		return fmt.Errorf("-reference-window %q: must be more than 0", window)
	}
	ds, s, err := cf.load(ctx, e, fs)
	if err != nil {
		return err
	}
	m, err := attribution.MatchPayments(ctx, ds.store, attribution.MatchQuery{Tenant: s.Tenant, Range: s.Range, AllowLongRange: cf.sc.allowLong,
		Calendar: s.Calendar(), ReferenceWindow: w, IncludeTest: s.IncludeTest})
	if err != nil {
		return err
	}
	if cf.out.format == "text" {
		fmt.Fprintf(e.stdout, "payments: tenant %s, %s (%s), reference window %s\n\n", s.Tenant, s.Period, s.TimeZone, window)
	}
	return cf.out.write(e.stdout, m.Tables(), map[string]any{"scope": s, "payments": m})
}

// attrTopEarners is how many values per dimension the report lists.
const attrTopEarners = 5

// attributionSection is the report's chatbot revenue (payments matched to
// links sent in conversations) and the top earners by campaign, flow and
// agent under last touch.
func attributionSection(ctx context.Context, in *reportInput) (*section, error) {
	s := in.scope
	// The scope's range was checked when it was resolved (-allow-long-range).
	m, err := attribution.MatchPayments(ctx, in.ds.store, attribution.MatchQuery{Tenant: s.Tenant, Range: s.Range, AllowLongRange: true,
		Calendar: s.Calendar(), IncludeTest: s.IncludeTest})
	if err != nil {
		return nil, err
	}
	t := m.Totals
	rev := cm.Table{Name: "Chatbot revenue (payments through links sent in conversations)", Columns: []string{"currency", "payments", "gross", "refunded", "revenue", "unmatched_payments", "unmatched_amount", "unpaid_links"}}
	curs := cm.Amounts{}.Merge(t.Gross).Merge(t.UnmatchedAmount).Merge(t.UnpaidAmount)
	for _, cur := range curs.Currencies() {
		var nm, nu, np int
		for _, p := range m.Matched {
			if p.Currency == cur {
				nm++
			}
		}
		for _, p := range m.Unmatched {
			if p.Currency == cur {
				nu++
			}
		}
		for _, l := range m.Unpaid {
			if l.Currency == cur {
				np++
			}
		}
		rev.Rows = append(rev.Rows, []string{cur, strconv.Itoa(nm), attrMoney(t.Gross[cur], cur), attrMoney(t.Refunded[cur], cur), attrMoney(t.Revenue[cur], cur),
			strconv.Itoa(nu), attrMoney(t.UnmatchedAmount[cur], cur), strconv.Itoa(np)})
	}
	top := cm.Table{Name: "Top earners (last touch, 30-day lookback)", Columns: []string{"dimension", "value", "conversions", "currency", "revenue"}}
	data := map[string]any{"payments": t}
	earners := map[string][]attribution.Row{}
	for _, dim := range []attribution.Dimension{attribution.Campaign, attribution.Flow, attribution.Agent} {
		res, err := attribution.Attribute(ctx, in.ds.store, attribution.Query{Tenant: s.Tenant, Range: s.Range, AllowLongRange: true, Calendar: s.Calendar(),
			IncludeTest: s.IncludeTest, Definition: attribution.Definition{Model: attribution.LastTouch, Dimension: dim}})
		if err != nil {
			return nil, err
		}
		var rows []attribution.Row
		for _, r := range res.Rows {
			if r.Value != "" && r.Conversions > 0 && len(rows) < attrTopEarners {
				rows = append(rows, r)
				for _, cur := range r.Revenue.Currencies() {
					top.Rows = append(top.Rows, []string{string(dim), r.Value, strconv.FormatFloat(r.ByCurrency[cur], 'f', -1, 64), cur, attrMoney(r.Revenue[cur], cur)})
				}
			}
		}
		for i := range rows {
			rows[i].Series = nil
		}
		earners[string(dim)] = rows
	}
	data["top_earners"] = earners
	return &section{Key: "attribution", Tables: []cm.Table{rev, top}, Data: data}, nil
}
