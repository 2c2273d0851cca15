package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/credits"
)

// section is one engine's part of the report.
type section struct {
	Key    string     // JSON key of the section
	Tables []cm.Table // for text and CSV
	Data   any        // for JSON
}

// reportInput is what every section is computed from.
type reportInput struct {
	ds    *dataset
	scope scope
	// card prices messages for the credits section and the sessions'
	// conversation cost; example reports that it is the illustrative card
	// shipped with convometrics (the default).
	card    *credits.RateCard
	example bool
	// inactivity is the sessions' InactivityTimeout (0: off).
	inactivity time.Duration
}

// reportFlags are the flags of the report itself, shared by report and
// webhooks -report.
type reportFlags struct {
	rates      string
	inactivity time.Duration
}

// register registers the report flags; inactivity is the default of
// -inactivity.
func (f *reportFlags) register(fs *flag.FlagSet, inactivity time.Duration) {
	fs.StringVar(&f.rates, "rates", "", "rate card pricing the credits section and the conversation cost (default: the example card shipped with convometrics, illustrative prices)")
	fs.DurationVar(&f.inactivity, "inactivity", inactivity, "end a session that is not resolved after this long without an event (0: sessions stay open until resolved)")
}

// newReportInput loads the rate card named by f ("" for the example card).
func newReportInput(ds *dataset, s scope, f reportFlags) (*reportInput, error) {
	if f.inactivity < 0 {
		return nil, fmt.Errorf("-inactivity: %v is negative", f.inactivity)
	}
	card, example, err := (&creditsFlags{rates: f.rates}).card()
	if err != nil {
		return nil, err
	}
	return &reportInput{ds: ds, scope: s, card: card, example: example, inactivity: f.inactivity}, nil
}

// sectionFunc computes one section; it returns nil when it has nothing to show.
type sectionFunc func(ctx context.Context, in *reportInput) (*section, error)

// reportSections lists the sections in print order. Each engine's file
// defines its own function.
func reportSections() []sectionFunc {
	return []sectionFunc{
		eventsSection,
		sessionSection,
		funnelSection,
		goalsSection,
		attributionSection,
		creditsSection,
	}
}

func runReport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "report", "[-demo | file] [-tenant T] [-preset P | -from D -to D] [-rates card.json|card.csv] [-inactivity 24h] [-format text|json|csv]")
	var rf reportFlags
	rf.register(fs, 0)
	var cf engineFlags
	cf.register(fs)
	if err := cf.parse(fs, args); err != nil {
		return err
	}
	ds, s, err := cf.load(ctx, e, fs)
	if err != nil {
		return err
	}
	return printReport(ctx, e.stdout, &cf.out, ds, s, rf)
}

// printReport computes every section of the report of ds in scope s, as f
// asks, and writes it.
func printReport(ctx context.Context, w io.Writer, out *outputFlags, ds *dataset, s scope, f reportFlags) error {
	ri, err := newReportInput(ds, s, f)
	if err != nil {
		return err
	}
	var sections []*section
	for _, f := range reportSections() {
		sec, err := f(ctx, ri)
		if err != nil {
			return err
		}
		if sec != nil {
			sections = append(sections, sec)
		}
	}
	return writeReport(w, out, ri, sections)
}

func writeReport(w io.Writer, out *outputFlags, ri *reportInput, sections []*section) error {
	s := ri.scope
	if out.format == "json" {
		doc := map[string]any{"scope": s}
		for _, sec := range sections {
			doc[sec.Key] = sec.Data
		}
		return out.write(w, nil, doc)
	}
	var tables []cm.Table
	for _, sec := range sections {
		tables = append(tables, sec.Tables...)
	}
	if out.format == "text" {
		scopeHeader(w, "report", s)
	}
	return out.write(w, tables, nil)
}

// eventsSection counts the tenant's events in the period by type: the raw
// material every other section is computed from.
func eventsSection(ctx context.Context, in *reportInput) (*section, error) {
	s := in.scope
	counts := map[cm.Type]int{}
	contacts := map[string]struct{}{}
	total := 0
	for ev, err := range in.ds.store.Scan(ctx, cm.Query{Tenant: s.Tenant, Range: s.Range}) {
		if err != nil {
			return nil, err
		}
		if ev.IsTest() && !s.IncludeTest {
			continue
		}
		counts[ev.Type]++
		total++
		if ev.Contact != "" {
			contacts[ev.Contact] = struct{}{}
		}
	}
	t := cm.Table{Name: "Events in the period", Columns: []string{"type", "events"}}
	data := map[string]int{}
	for _, typ := range cm.Types() {
		if n := counts[typ]; n > 0 {
			t.Rows = append(t.Rows, []string{string(typ), strconv.Itoa(n)})
			data[string(typ)] = n
		}
	}
	t.Rows = append(t.Rows, []string{"all", strconv.Itoa(total)}, []string{"contacts with events", strconv.Itoa(len(contacts))})
	return &section{Key: "events", Tables: []cm.Table{t}, Data: map[string]any{"by_type": data, "total": total, "contacts": len(contacts)}}, nil
}
