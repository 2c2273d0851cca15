package main

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/credits"
	"github.com/convometrics/convometrics/internal/demo"
	"github.com/shopspring/decimal"
)

// creditsQuestions are the credits engine's questions (see questions).
func creditsQuestions() []question {
	return []question{
		{name: "credits by category per day", ours: creditsOurs, duck: creditsDuck},
	}
}

// The credits question: for every tenant, in its own time zone, the credits
// used per local day and pricing category from 2026-09-16 to 2026-11-18
// (the whole workload), priced with the example rate card shipped in
// credits/testdata. The answer is one line per tenant, day, category and
// currency with a charge: the number of charges and their cost as an exact
// decimal. The card is credits.DemoCard, that file embedded in the package.
var creditsCard = sync.OnceValue(credits.DemoCard)

func creditsPeriod(tenant string) (cm.Calendar, cm.Range, error) {
	cal := cm.NewCalendar(demo.Location(tenant))
	r, err := cal.DateRange(cm.Date{Year: 2026, Month: 9, Day: 16}, cm.Date{Year: 2026, Month: 11, Day: 18}, cm.RangeOptions{})
	return cal, r, err
}

func creditsOurs(ctx context.Context, w *workload) ([]string, error) {
	card := creditsCard()
	tenants, err := w.store.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range tenants {
		cal, r, err := creditsPeriod(t)
		if err != nil {
			return nil, err
		}
		u, err := credits.UsageBy(ctx, w.store, credits.Query{Tenant: t, Range: r, AllowLongRange: true, Calendar: cal, Card: card, By: credits.ByCategory})
		if err != nil {
			return nil, err
		}
		for _, l := range u.Lines {
			for _, p := range l.Series {
				if p.Value.Charged == 0 {
					continue
				}
				for _, c := range p.Value.Cost.Currencies() {
					out = append(out, fmt.Sprintf("%s %s %s %d %s %s", t, p.Start.Format(time.DateOnly), l.Key, p.Value.Charged, c, p.Value.Cost[c].String()))
				}
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// creditsTables loads the rate card into DuckDB once per database: the
// market map versions (effective local midnight, default market), their
// countries, the rate entries (market, category, currency, effective) and
// their bands (first and last message number of the band in the month,
// price).
var creditsLoaded sync.Map // *sql.DB -> error

func creditsTables(ctx context.Context, db *sql.DB) error {
	if v, ok := creditsLoaded.Load(db); ok {
		err, _ := v.(error)
		return err
	}
	err := loadCreditsTables(ctx, db)
	creditsLoaded.Store(db, err)
	return err
}

func loadCreditsTables(ctx context.Context, db *sql.DB) error {
	card := creditsCard()
	ts := func(d string) string { return fmt.Sprintf("TIMESTAMP '%s 00:00:00'", d) }
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	var versions, countries, entries, bands []string
	for _, m := range card.Markets {
		versions = append(versions, fmt.Sprintf("(%s, %s)", ts(m.Effective), q(m.Default)))
		for c, mk := range m.Countries {
			countries = append(countries, fmt.Sprintf("(%s, %s, %s)", ts(m.Effective), q(c), q(mk)))
		}
	}
	for i, r := range card.Rates {
		entries = append(entries, fmt.Sprintf("(%d, %s, %s, %s, %s)", i, q(r.Market), q(string(r.Category)), q(r.Currency), ts(r.Effective)))
		if len(r.Tiers) == 0 {
			bands = append(bands, fmt.Sprintf("(%d, 1, 9223372036854775807, %s)", i, r.Price.String()))
		}
		lo := int64(1)
		for _, t := range r.Tiers {
			hi := t.UpTo
			if hi == 0 {
				hi = 9223372036854775807
			}
			bands = append(bands, fmt.Sprintf("(%d, %d, %d, %s)", i, lo, hi, t.Price.String()))
			lo = hi + 1
		}
	}
	stmts := []string{
		`CREATE OR REPLACE TABLE cr_versions (effective TIMESTAMP, default_market VARCHAR)`,
		`INSERT INTO cr_versions VALUES ` + strings.Join(versions, ", "),
		`CREATE OR REPLACE TABLE cr_countries (effective TIMESTAMP, country VARCHAR, market VARCHAR)`,
		`INSERT INTO cr_countries VALUES ` + strings.Join(countries, ", "),
		`CREATE OR REPLACE TABLE cr_entries (entry INTEGER, market VARCHAR, category VARCHAR, currency VARCHAR, effective TIMESTAMP)`,
		`INSERT INTO cr_entries VALUES ` + strings.Join(entries, ", "),
		`CREATE OR REPLACE TABLE cr_bands (entry INTEGER, lo BIGINT, hi BIGINT, price DECIMAL(18,8))`,
		`INSERT INTO cr_bands VALUES ` + strings.Join(bands, ", "),
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("loading the rate card: %w", err)
		}
	}
	return nil
}

// creditsDuck asks DuckDB the same, following the engine's definitions for
// what the demo workload contains: every WhatsApp status of the demo
// carries the recipient's country and WhatsApp's pricing (on sent and on
// one of delivered or read), so the SQL prices from the reported pricing
// and the country; the engine's fallbacks (rules without pricing, the
// calling code without a country) are not needed here. A message is
// charged when it has a delivered, read or played status, no failed one,
// is not test traffic (its send or a status on the test channel), and the
// pricing of its earliest delivery status with pricing (else of its
// earliest other status with pricing; ties by the values) says type
// regular (or, without a type, billable). Its category is the reported
// one, normalised (without one: the send's template category, or service
// for a non-template). The charge instant is the first delivery status;
// the market is the country's under the market map in force at that local
// time (else the map's default); the rate entry is the latest of the
// market and category in force; the band is chosen by the charge's rank
// in its market, category and local month (by instant, then message id).
func creditsDuck(ctx context.Context, w *workload) ([]string, error) {
	if err := creditsTables(ctx, w.db); err != nil {
		return nil, err
	}
	var out []string
	tenants := make([]string, 0, 4)
	for _, t := range demo.Tenants() {
		tenants = append(tenants, t.ID)
	}
	// The period is the same local dates for every tenant: local_time
	// holds each event's time in its tenant's zone.
	rows, err := w.db.QueryContext(ctx, `
		WITH st AS (
			SELECT tenant, message, status, time, local_time, channel, country,
			       pricing_type, pricing_category, pricing_model, billable
			FROM events WHERE type = 'message.status' AND message IS NOT NULL
		),
		per AS (
			SELECT tenant, message,
			       min(time) FILTER (WHERE status IN ('delivered', 'read', 'played')) AS at,
			       min(local_time) FILTER (WHERE status IN ('delivered', 'read', 'played')) AS lt,
			       bool_or(status = 'failed') AS failed,
			       bool_or(coalesce(channel, '') = 'test') AS test
			FROM st GROUP BY tenant, message
		),
		pr AS (
			SELECT tenant, message, lower(pricing_type) AS ptype, pricing_category AS pcat, billable
			FROM st
			WHERE status <> 'failed' AND (pricing_type IS NOT NULL OR pricing_category IS NOT NULL OR billable IS NOT NULL OR pricing_model IS NOT NULL)
			QUALIFY row_number() OVER (PARTITION BY tenant, message ORDER BY
				CASE WHEN status IN ('delivered', 'read', 'played') THEN 0 ELSE 1 END, time,
				upper(coalesce(pricing_model, '')), lower(coalesce(pricing_type, '')), pricing_category, billable) = 1
		),
		ct AS (
			SELECT tenant, message, country FROM st WHERE country IS NOT NULL
			QUALIFY row_number() OVER (PARTITION BY tenant, message ORDER BY time, country) = 1
		),
		sd AS (
			SELECT tenant, message, channel,
			       template IS NOT NULL OR message_type = 'template' AS is_template,
			       replace(lower(template_category), '-', '_') AS tcat
			FROM events WHERE type = 'message.sent' AND message IS NOT NULL
			QUALIFY row_number() OVER (PARTITION BY tenant, message ORDER BY time, contact) = 1
		),
		m AS (
			SELECT per.tenant, per.message, per.at, per.lt, ct.country,
			       CASE
			         WHEN pr.pcat IS NULL THEN
			           CASE WHEN coalesce(sd.is_template, false) THEN
			             CASE WHEN sd.tcat IN ('marketing', 'marketing_lite', 'utility', 'authentication', 'authentication_international', 'service', 'other') THEN sd.tcat
			                  WHEN sd.tcat IN ('user_initiated', 'customer_initiated') THEN 'service'
			                  ELSE 'other' END
			           ELSE 'service' END
			         WHEN replace(lower(pr.pcat), '-', '_') IN ('marketing', 'marketing_lite', 'utility', 'authentication', 'authentication_international', 'service', 'other') THEN replace(lower(pr.pcat), '-', '_')
			         WHEN lower(pr.pcat) IN ('user_initiated', 'customer_initiated') THEN 'service'
			         ELSE 'other'
			       END AS category
			FROM per
			JOIN pr USING (tenant, message)
			LEFT JOIN sd USING (tenant, message)
			LEFT JOIN ct USING (tenant, message)
			WHERE per.at IS NOT NULL AND NOT per.failed AND NOT per.test AND coalesce(sd.channel, '') <> 'test'
			  AND (pr.ptype = 'regular' OR ((pr.ptype IS NULL OR pr.ptype NOT IN ('free_customer_service', 'free_entry_point')) AND pr.billable))
			  AND per.lt < TIMESTAMP '2026-11-19 00:00:00'
		),
		mv AS (
			SELECT m.*, v.effective AS version, v.default_market FROM m ASOF JOIN cr_versions v ON m.lt >= v.effective
		),
		mk AS (
			SELECT mv.*, coalesce(c.market, mv.default_market) AS market
			FROM mv LEFT JOIN cr_countries c ON c.effective = mv.version AND c.country = mv.country
		),
		en AS (
			SELECT mk.*, e.entry, e.currency,
			       row_number() OVER (PARTITION BY mk.tenant, mk.market, mk.category, date_trunc('month', mk.lt) ORDER BY mk.at, mk.message) AS rank
			FROM mk ASOF JOIN cr_entries e ON e.market = mk.market AND e.category = mk.category AND mk.lt >= e.effective
		)
		SELECT en.tenant, strftime(en.lt, '%Y-%m-%d') AS day, en.category, count(*), en.currency, sum(b.price)::VARCHAR
		FROM en JOIN cr_bands b ON b.entry = en.entry AND en.rank BETWEEN b.lo AND b.hi
		WHERE en.lt >= TIMESTAMP '2026-09-16 00:00:00'
		GROUP BY ALL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var t, day, cat, cur, cost string
		var n int
		if err := rows.Scan(&t, &day, &cat, &n, &cur, &cost); err != nil {
			return nil, err
		}
		d, err := decimal.NewFromString(cost)
		if err != nil {
			return nil, err
		}
		if slices.Contains(tenants, t) {
			out = append(out, fmt.Sprintf("%s %s %s %d %s %s", t, day, cat, n, cur, d.String()))
		}
	}
	slices.Sort(out)
	return out, rows.Err()
}
