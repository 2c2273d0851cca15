package main

// This file is the credits engine's command line: credits, and its section
// of report (credits used by category, the balance, the history and the
// forecast).

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/credits"
)

// exampleCardNote is printed whenever the shipped example card prices a
// result.
const exampleCardNote = "priced with the example rate card shipped with convometrics (illustrative prices, not an invoice); give -rates FILE for your own"

// creditsFlags are the credits command's own flags.
type creditsFlags struct {
	rates       string
	daily       bool
	by          string
	reconcile   bool
	homeCountry string
	burnDays    int
}

func (f *creditsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.rates, "rates", "", "rate card, a .json or .csv file (default: the example card shipped with convometrics, illustrative prices)")
	fs.BoolVar(&f.daily, "daily", false, "print the usage history, one line per day (or per -bucket bucket)")
	fs.StringVar(&f.by, "by", "", "break usage down by category, campaign, country, market, inbox or template")
	fs.BoolVar(&f.reconcile, "reconcile", false, "print the rows to compare with WhatsApp's pricing_analytics (-bucket day or month)")
	fs.StringVar(&f.homeCountry, "home-country", "", "primary business location (ISO 3166-1, e.g. TR) of an account with authentication-international rates")
	fs.IntVar(&f.burnDays, "burn-days", 7, "days of usage the forecast's burn rate averages")
}

// card returns the rate card the flags name, and whether it is the
// shipped example.
func (f *creditsFlags) card() (*credits.RateCard, bool, error) {
	if f.rates == "" {
		return credits.DemoCard(), true, nil
	}
	c, err := credits.LoadCard(f.rates)
	if err != nil {
		return nil, false, fmt.Errorf("-rates: %w", err)
	}
	return c, c.Example, nil
}

func runCredits(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "credits", "[-demo | file] [-rates card.json|card.csv] [-tenant T] [-preset P | -from D -to D] [-daily] [-by category|campaign|country|market|inbox|template] [-reconcile] [-format text|json|csv]")
	var ef engineFlags
	var cf creditsFlags
	ef.register(fs)
	cf.register(fs)
	if err := ef.parse(fs, args); err != nil {
		return err
	}
	var by credits.Dimension
	if cf.by != "" {
		d, err := credits.ParseDimension(cf.by)
		if err != nil {
			return fmt.Errorf("-by: %w", err)
		}
		by = d
	}
	if cf.burnDays < 1 {
		return fmt.Errorf("-burn-days %d: want at least 1", cf.burnDays)
	}
	card, example, err := cf.card()
	if err != nil {
		return err
	}
	ds, s, err := ef.load(ctx, e, fs)
	if err != nil {
		return err
	}
	if cf.rates == "" && ef.out.format != "text" { // text output says it in its header
		fmt.Fprintf(e.stderr, "convometrics credits: %s\n", exampleCardNote)
	}
	q := credits.Query{Tenant: s.Tenant, Range: s.Range, AllowLongRange: ef.sc.allowLong, Calendar: s.Calendar(), Granularity: s.Granularity, Card: card,
		By: by, IncludeTest: s.IncludeTest, HomeCountry: strings.ToUpper(cf.homeCountry), Now: s.Now, BurnDays: cf.burnDays}
	doc := map[string]any{"scope": s}
	if example {
		doc["card_note"] = exampleCardNote
	}
	var tables []cm.Table
	if cf.reconcile {
		rc, err := credits.Reconcile(ctx, ds.store, q)
		if err != nil {
			return err
		}
		doc["reconciliation"] = rc
		tables = rc.Tables()
	} else {
		sm, err := credits.Summarize(ctx, ds.store, q)
		if err != nil {
			return err
		}
		doc["summary"] = sm
		all := sm.Tables() // totals, by category, history, unit costs, by campaign, by country, forecast
		tables = append(tables, all[0], all[1])
		if cf.daily && by == "" {
			tables = append(tables, all[2])
		}
		if by != "" {
			u, err := credits.UsageBy(ctx, ds.store, q)
			if err != nil {
				return err
			}
			doc["usage"] = u
			ut := u.Tables()
			if cf.daily {
				tables = append(tables, ut[1])
			} else {
				tables = append(tables, ut[0])
			}
		}
		tables = append(tables, all[3], all[6])
	}
	if ef.out.format == "json" {
		return ef.out.write(e.stdout, nil, doc)
	}
	if ef.out.format == "text" {
		writeCreditsHeader(e.stdout, s, card, example)
	}
	return ef.out.write(e.stdout, tables, nil)
}

func writeCreditsHeader(w io.Writer, s scope, card *credits.RateCard, example bool) {
	fmt.Fprintf(w, "convometrics credits: %s\n", s.describe())
	fmt.Fprintf(w, "rate card: %s", card.Name)
	if example {
		fmt.Fprintf(w, " (%s)", exampleCardNote)
	}
	fmt.Fprint(w, "\n\n")
}

// creditsSection is the credits part of report: the totals, usage by
// category, the history and the forecast, priced with the card of report's
// -rates (the shipped example card by default, and then it says so).
func creditsSection(ctx context.Context, in *reportInput) (*section, error) {
	s := in.scope
	// The scope's range was checked when it was resolved (-allow-long-range).
	q := credits.Query{Tenant: s.Tenant, Range: s.Range, AllowLongRange: true, Calendar: s.Calendar(), Granularity: s.Granularity, Card: in.card,
		IncludeTest: s.IncludeTest, Now: s.Now}
	sm, err := credits.Summarize(ctx, in.ds.store, q)
	if err != nil {
		return nil, err
	}
	all := sm.Tables()
	tables := []cm.Table{all[0], all[1], all[2], all[6]}
	data := map[string]any{"summary": sm}
	if in.example {
		const reportNote = "priced with the example rate card shipped with convometrics (illustrative prices, not an invoice); -rates FILE prices with your own"
		tables = append([]cm.Table{{Name: "Credits", Columns: []string{"note"}, Rows: [][]string{{reportNote}}}}, tables...)
		data["card_note"] = reportNote
	}
	return &section{Key: "credits", Tables: tables, Data: data}, nil
}
