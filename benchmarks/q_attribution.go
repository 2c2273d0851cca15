package main

import (
	"context"
	"fmt"
	"math"
	"slices"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/attribution"
	"github.com/convometrics/convometrics/internal/demo"
	"github.com/shopspring/decimal"
)

// attributionQuestions are the attribution engine's questions (see questions).
func attributionQuestions() []question {
	return []question{
		{name: "last-touch revenue by campaign", ours: lastTouchOurs, duck: lastTouchDuck},
	}
}

// attributionRange is the whole demo period (with the sessions that run
// past its end), the same instants for every tenant.
func attributionRange() cm.Range {
	return cm.Range{From: demo.Start(), To: demo.Start().AddDate(0, 0, demo.Days+3)}
}

// attributionLine is one answer line: tenant, campaign ((none) for
// conversions without a campaign touch), currency, revenue as an exact
// decimal in the currency's minor units, conversions.
func attributionLine(tenant, campaign, currency string, revenue decimal.Decimal, conversions int) string {
	if campaign == "" {
		campaign = attribution.NoneLabel
	}
	minor := int32(cm.MinorUnits(currency))
	rev := revenue.String()
	if revenue.Round(minor).Equal(revenue) {
		rev = revenue.StringFixed(minor)
	}
	return fmt.Sprintf("%s %s %s %s %d", tenant, campaign, currency, rev, conversions)
}

// The attribution question: every tenant's successful payments over the
// whole workload that matched a payment link (by link id, else by
// reference within 7 days), net of refunds, credited to the campaign of
// the last campaign touch (a campaign, broadcast or template send, or an
// agent reply, carrying a campaign; or a flow start carrying one) in the
// 30 days before the payment, test traffic excluded.
func lastTouchOurs(ctx context.Context, w *workload) ([]string, error) {
	tenants, err := w.store.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range tenants {
		res, err := attribution.Attribute(ctx, w.store, attribution.Query{Tenant: t, Range: attributionRange(), AllowLongRange: true,
			Definition: attribution.Definition{Model: attribution.LastTouch, Dimension: attribution.Campaign}})
		if err != nil {
			return nil, err
		}
		for _, r := range res.Rows {
			for _, cur := range r.Revenue.Currencies() {
				if n := int(math.Round(r.ByCurrency[cur])); n > 0 {
					out = append(out, attributionLine(t, r.Value, cur, r.Revenue[cur], n))
				}
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// lastTouchDuck asks DuckDB the same in SQL, rule for rule: payments
// de-duplicated by payment id (first by time, id), links by link id;
// matched by link id, else the latest link with the reference at or
// before the payment (ties by the larger event id) if at most 7 days
// before; refunds in the payment's currency subtracted, capped at the
// amount; the contact is the payment's, else the link's; the last touch
// is the latest (time, id) in [payment − 30 days, payment].
func lastTouchDuck(ctx context.Context, w *workload) ([]string, error) {
	r := attributionRange()
	rows, err := w.db.QueryContext(ctx, `
		WITH pay AS (
			SELECT tenant, payment, id, epoch_us(time) AS t, link, reference, contact, amount, currency, channel
			FROM events WHERE type = 'payment.succeeded'
			QUALIFY row_number() OVER (PARTITION BY tenant, payment ORDER BY time, id) = 1
		),
		links AS (
			SELECT tenant, link, id, epoch_us(time) AS t, reference, contact, channel
			FROM events WHERE type = 'payment.link'
			QUALIFY row_number() OVER (PARTITION BY tenant, link ORDER BY time, id) = 1
		),
		m1 AS (
			SELECT p.*, l.contact AS lcontact, l.channel AS lchannel, l.link IS NOT NULL AS bylink
			FROM pay p LEFT JOIN links l ON l.tenant = p.tenant AND l.link = p.link
		),
		byref AS (
			SELECT p.tenant, p.payment, l.contact AS lcontact, l.channel AS lchannel, p.t - l.t AS gap
			FROM m1 p JOIN links l ON l.tenant = p.tenant AND l.reference = p.reference AND l.t <= p.t
			WHERE NOT p.bylink
			QUALIFY row_number() OVER (PARTITION BY p.tenant, p.payment ORDER BY l.t DESC, l.id DESC) = 1
		),
		refunds AS (
			SELECT tenant, payment, currency, sum(amount) AS refunded
			FROM events WHERE type = 'payment.refunded' GROUP BY ALL
		),
		conv AS (
			SELECT p.tenant, p.payment, p.t, coalesce(p.contact, CASE WHEN p.bylink THEN p.lcontact ELSE r.lcontact END) AS contact, p.currency,
			       p.amount - least(coalesce(f.refunded, 0), p.amount) AS net
			FROM m1 p LEFT JOIN byref r ON r.tenant = p.tenant AND r.payment = p.payment
			LEFT JOIN refunds f ON f.tenant = p.tenant AND f.payment = p.payment AND f.currency = p.currency
			WHERE (p.bylink OR r.gap <= 604800000000)
			  AND coalesce(p.channel, '') <> 'test' AND coalesce(CASE WHEN p.bylink THEN p.lchannel ELSE r.lchannel END, '') <> 'test'
			  AND p.t >= ? AND p.t < ?
		),
		touch AS (
			SELECT tenant, contact, epoch_us(time) AS t, id, campaign FROM events
			WHERE campaign IS NOT NULL AND coalesce(channel, '') <> 'test' AND (
				(type = 'message.sent' AND (sender IN ('campaign', 'broadcast', 'agent') OR template IS NOT NULL))
				OR type = 'flow.started')
		),
		last AS (
			SELECT c.tenant, c.payment, c.currency, c.net, t.campaign
			FROM conv c LEFT JOIN touch t ON t.tenant = c.tenant AND t.contact = c.contact
			     AND t.t <= c.t AND t.t >= c.t - 2592000000000
			QUALIFY row_number() OVER (PARTITION BY c.tenant, c.payment ORDER BY t.t DESC NULLS LAST, t.id DESC) = 1
		)
		SELECT tenant, coalesce(campaign, ''), currency, CAST(sum(net) AS VARCHAR), count(*)
		FROM last GROUP BY ALL`, r.From.UnixMicro(), r.To.UnixMicro())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var tenant, campaign, currency, sum string
		var n int
		if err := rows.Scan(&tenant, &campaign, &currency, &sum, &n); err != nil {
			return nil, err
		}
		d, err := decimal.NewFromString(sum)
		if err != nil {
			return nil, fmt.Errorf("duckdb sum %q: %w", sum, err)
		}
		out = append(out, attributionLine(tenant, campaign, currency, d, n))
	}
	slices.Sort(out)
	return out, rows.Err()
}
