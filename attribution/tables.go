package attribution

import (
	"maps"
	"slices"
	"strconv"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/shopspring/decimal"
)

// NoneLabel is how tables show the empty value: conversions without a
// touch.
const NoneLabel = "(none)"

func label(v string) string {
	if v == "" {
		return NoneLabel
	}
	return v
}

// fmtMoney formats an amount with its currency's minor units, or all its
// decimals when it has more.
func fmtMoney(d decimal.Decimal, currency string) string {
	return d.StringFixed(max(int32(cm.MinorUnits(currency)), -d.Exponent()))
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Tables returns the result for text and CSV export: the rows (one line
// per value and currency), the series, the totals, the per-conversion
// credit when asked for, and the Markov or Shapley details.
func (r *Result) Tables() []cm.Table {
	def := r.Query.Definition
	dim := string(def.Dimension)
	rows := cm.Table{
		Name:    "Attribution: " + string(def.Model) + " by " + dim,
		Columns: []string{dim, "conversions", "touches", "currency", "revenue"},
	}
	for _, row := range r.Rows {
		for _, cur := range row.Revenue.Currencies() {
			rows.Rows = append(rows.Rows, []string{label(row.Value), fmtFloat(row.ByCurrency[cur]), strconv.Itoa(row.Touches), cur, fmtMoney(row.Revenue[cur], cur)})
		}
	}
	tot := cm.Table{Name: "Attribution totals", Columns: []string{"currency", "conversions", "gross", "refunded", "revenue"}}
	for _, cur := range r.Totals.Gross.Currencies() {
		tot.Rows = append(tot.Rows, []string{cur, strconv.Itoa(r.Totals.ByCurrency[cur]), fmtMoney(r.Totals.Gross[cur], cur), fmtMoney(r.Totals.Refunded[cur], cur), fmtMoney(r.Totals.Revenue[cur], cur)})
	}
	tot.Rows = append(tot.Rows, []string{"all", strconv.Itoa(r.Totals.Conversions), "", "", ""})
	series := cm.Table{Name: "Attribution by " + string(r.Query.Granularity) + " of conversion", Columns: []string{"start", "conversions", "currency", "revenue"}}
	for _, p := range r.Series {
		start := p.Start.Format("2006-01-02T15:04:05-07:00")
		if len(p.Value.Revenue) == 0 {
			series.Rows = append(series.Rows, []string{start, fmtFloat(p.Value.Conversions), "", ""})
		}
		for _, cur := range p.Value.Revenue.Currencies() {
			series.Rows = append(series.Rows, []string{start, fmtFloat(p.Value.Conversions), cur, fmtMoney(p.Value.Revenue[cur], cur)})
		}
	}
	out := []cm.Table{rows, tot, series}
	if r.Query.Detail {
		d := cm.Table{Name: "Credit per conversion", Columns: []string{"payment", "time", "contact", "link", dim, "weight", "touches", "currency", "revenue"}}
		for _, c := range r.Conversions {
			for _, cr := range c.Credits {
				d.Rows = append(d.Rows, []string{c.Payment, fmtTime(c.Time), c.Contact, c.Link, label(cr.Value), fmtFloat(cr.Weight),
					strconv.Itoa(cr.Touches), c.Currency, fmtMoney(cr.Revenue, c.Currency)})
			}
		}
		out = append(out, d)
	}
	if m := r.Markov; m != nil {
		out = append(out, m.tables(dim)...)
	}
	if s := r.Shapley; s != nil {
		c := cm.Table{Name: "Shapley coalitions", Columns: []string{"values", "journeys", "conversions", "rate"}}
		for _, co := range s.Coalitions {
			vs := ""
			for i, v := range co.Values {
				if i > 0 {
					vs += " + "
				}
				vs += v
			}
			c.Rows = append(c.Rows, []string{vs, strconv.Itoa(co.Journeys), strconv.Itoa(co.Conversions), fmtFloat(co.Rate)})
		}
		v := cm.Table{Name: "Shapley values", Columns: []string{dim, "phi", "share"}}
		for _, x := range s.Values {
			v.Rows = append(v.Rows, []string{x.Value, fmtFloat(x.Phi), fmtFloat(x.Share)})
		}
		out = append(out, c, v)
	}
	return out
}

func (m *MarkovResult) tables(dim string) []cm.Table {
	tr := cm.Table{Name: "Markov transition matrix", Columns: []string{"from", "to", "count", "probability"}}
	for _, t := range m.Transitions {
		tr.Rows = append(tr.Rows, []string{t.From, t.To, fmtFloat(t.Count), fmtFloat(t.Probability)})
	}
	re := cm.Table{Name: "Markov removal effects", Columns: []string{dim, "conversion", "currency", "revenue"}}
	for _, e := range m.RemovalEffects {
		if len(e.Revenue) == 0 {
			re.Rows = append(re.Rows, []string{e.Value, fmtFloat(e.Conversion), "", ""})
		}
		for _, cur := range slices.Sorted(maps.Keys(e.Revenue)) {
			re.Rows = append(re.Rows, []string{e.Value, fmtFloat(e.Conversion), cur, fmtFloat(e.Revenue[cur])})
		}
	}
	g := cm.Table{Name: "Markov global attribution (ChannelAttribution's totals)", Columns: []string{dim, "conversions", "currency", "revenue"}}
	for _, row := range m.Attributed {
		for _, cur := range row.Revenue.Currencies() {
			g.Rows = append(g.Rows, []string{label(row.Value), fmtFloat(row.Conversions), cur, fmtMoney(row.Revenue[cur], cur)})
		}
	}
	p := cm.Table{Name: "Markov chain", Columns: []string{"journeys", "null_journeys", "conversion_probability"}}
	p.Rows = [][]string{{strconv.Itoa(m.Journeys), strconv.Itoa(m.NullJourneys), fmtFloat(m.ConversionProbability)}}
	return []cm.Table{p, tr, re, g}
}

// Tables returns the matching for text and CSV export: totals per
// currency, matched payments, unmatched payments with their reason, and
// unpaid links.
func (m *Matching) Tables() []cm.Table {
	t := m.Totals
	sum := cm.Table{Name: "Payment matching", Columns: []string{"currency", "matched", "gross", "refunded", "revenue", "unmatched", "unmatched_amount", "unpaid_links", "unpaid_amount"}}
	curs := cm.Amounts{}
	curs = curs.Merge(t.Gross).Merge(t.UnmatchedAmount).Merge(t.UnpaidAmount)
	count := func(cur string) (matched, unmatched, unpaid int) {
		for _, p := range m.Matched {
			if p.Currency == cur {
				matched++
			}
		}
		for _, p := range m.Unmatched {
			if p.Currency == cur {
				unmatched++
			}
		}
		for _, l := range m.Unpaid {
			if l.Currency == cur {
				unpaid++
			}
		}
		return
	}
	for _, cur := range curs.Currencies() {
		a, b, c := count(cur)
		sum.Rows = append(sum.Rows, []string{cur, strconv.Itoa(a), fmtMoney(t.Gross[cur], cur), fmtMoney(t.Refunded[cur], cur), fmtMoney(t.Revenue[cur], cur),
			strconv.Itoa(b), fmtMoney(t.UnmatchedAmount[cur], cur), strconv.Itoa(c), fmtMoney(t.UnpaidAmount[cur], cur)})
	}
	sum.Rows = append(sum.Rows, []string{"all", strconv.Itoa(t.Matched), "", "", "", strconv.Itoa(t.Unmatched), "", strconv.Itoa(t.Unpaid), ""})
	reasons := cm.Table{Name: "Unmatched payments by reason", Columns: []string{"reason", "payments"}}
	for _, r := range Reasons() {
		reasons.Rows = append(reasons.Rows, []string{string(r), strconv.Itoa(t.UnmatchedBy[r])})
	}
	matched := cm.Table{Name: "Matched payments", Columns: []string{"payment", "time", "contact", "by", "link", "link_time", "currency", "amount", "refunded",
		"revenue", "currency_mismatch", "campaign", "template", "flow", "agent", "conversation"}}
	for _, p := range m.Matched {
		matched.Rows = append(matched.Rows, []string{p.Payment, fmtTime(p.Time), p.Contact, string(p.By), p.Link, fmtTime(p.LinkTime), p.Currency,
			fmtMoney(p.Amount, p.Currency), fmtMoney(p.Refunded, p.Currency), fmtMoney(p.Net(), p.Currency), strconv.FormatBool(p.CurrencyMismatch),
			p.Campaign, p.Template, p.Flow, p.Agent, p.Conversation})
	}
	unmatched := cm.Table{Name: "Unmatched payments", Columns: []string{"payment", "time", "contact", "link", "reference", "provider", "currency", "amount", "reason"}}
	for _, p := range m.Unmatched {
		unmatched.Rows = append(unmatched.Rows, []string{p.Payment, fmtTime(p.Time), p.Contact, p.Link, p.Reference, p.Provider, p.Currency,
			fmtMoney(p.Amount, p.Currency), string(p.Reason)})
	}
	unpaid := cm.Table{Name: "Unpaid links", Columns: []string{"link", "reference", "time", "contact", "conversation", "campaign", "flow", "agent", "currency", "amount", "failed_attempts"}}
	for _, l := range m.Unpaid {
		unpaid.Rows = append(unpaid.Rows, []string{l.Link, l.Reference, fmtTime(l.Time), l.Contact, l.Conversation, l.Campaign, l.Flow, l.Agent, l.Currency,
			fmtMoney(l.Amount, l.Currency), strconv.Itoa(l.FailedAttempts)})
	}
	return []cm.Table{sum, reasons, matched, unmatched, unpaid}
}
