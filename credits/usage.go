package credits

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/shopspring/decimal"
)

// Usage is the credits used per bucket broken down by one dimension.
type Usage struct {
	Tenant      string         `json:"tenant"`
	Range       cm.Range       `json:"range"`
	TimeZone    string         `json:"time_zone"`
	Granularity cm.Granularity `json:"granularity"`
	By          Dimension      `json:"by"`
	Card        CardInfo       `json:"card"`
	// Lines holds one line per value of the dimension with a delivered
	// message in the period: for categories in [Categories] order (then
	// referral_conversion for free-entry-point messages and "" for
	// messages whose cost is unknown), for the others sorted by key.
	Lines []UsageLine `json:"lines"`
}

// UsageLine is the usage of one value of the dimension: totals over the
// period and the series of every bucket.
type UsageLine struct {
	Key       string                `json:"key"`
	Delivered int                   `json:"delivered"`
	Charged   int                   `json:"charged"`
	Unpriced  int                   `json:"unpriced"`
	Cost      cm.Amounts            `json:"cost"`
	Series    cm.Series[UsagePoint] `json:"series"`
}

// UsagePoint is the usage of one value of the dimension in one bucket.
type UsagePoint struct {
	Delivered int        `json:"delivered"`
	Charged   int        `json:"charged"`
	Unpriced  int        `json:"unpriced"`
	Cost      cm.Amounts `json:"cost"`
}

// UsageBy computes the credits used in q's period per bucket of
// q.Granularity, broken down by q.By (category when empty). It reads only
// what that needs, which makes it the fastest question of the package.
func UsageBy(ctx context.Context, r cm.Reader, q Query) (*Usage, error) {
	if q.By == "" {
		q.By = ByCategory
	}
	o, err := compute(ctx, r, &q, needs{dim: q.By})
	if err != nil {
		return nil, err
	}
	return usageOf(o), nil
}

func usageOf(o *outcome) *Usage {
	e, s, cc := o.e, o.s, o.e.cc
	q := e.q
	u := &Usage{Tenant: q.Tenant, Range: q.Range, TimeZone: e.loc.String(), Granularity: q.granularity(), By: q.By, Card: cardInfo(q.Card)}
	type keyed struct {
		key  string
		rank int
		sr   *series
	}
	var ks []keyed
	switch q.By {
	case ByCategory:
		for c, sr := range s.dimSmall {
			if sr != nil {
				rank := c
				if c == int(catNone) {
					rank = int(numCats)
				}
				ks = append(ks, keyed{string(catNames[c]), rank, sr})
			}
		}
	case ByMarket:
		for m, sr := range s.dimSmall {
			if sr != nil {
				ks = append(ks, keyed{cc.markets[m], 0, sr})
			}
		}
	default:
		str := map[Dimension]func(uint32) string{ByCampaign: o.d.campaign.Str, ByCountry: o.d.country.Str, ByInbox: o.d.inbox.Str, ByTemplate: o.d.template.Str}[q.By]
		for k, sr := range s.dimMap {
			ks = append(ks, keyed{str(k), 0, sr})
		}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if a.rank != b.rank {
			return cmp.Compare(a.rank, b.rank)
		}
		return cmp.Compare(a.key, b.key)
	})
	for _, k := range ks {
		l := UsageLine{Key: k.key, Series: cm.NewSeries[UsagePoint](e.bk)}
		for b := range l.Series {
			p := UsagePoint{Delivered: int(k.sr.delivered[b]), Charged: int(k.sr.charged[b]), Unpriced: int(k.sr.unpriced[b]), Cost: cm.Amounts{}}
			if p.Charged > p.Unpriced {
				p.Cost = nonNil(cc.amounts(&k.sr.use, b, b+1, nil))
			}
			l.Delivered += p.Delivered
			l.Charged += p.Charged
			l.Unpriced += p.Unpriced
			l.Series[b].Value = p
		}
		l.Cost = nonNil(cc.amounts(&k.sr.use, 0, s.nb, nil))
		u.Lines = append(u.Lines, l)
	}
	return u
}

// Tables returns the usage as two tables: the totals per value and the
// rows of every bucket with a delivered message.
func (u *Usage) Tables() []cm.Table {
	tot := cm.Table{Name: fmt.Sprintf("Credits used by %s: %s, card %s", u.By, u.Tenant, cardLabel(u.Card)),
		Columns: []string{string(u.By), "delivered", "charged", "unpriced", "currency", "cost"}}
	per := cm.Table{Name: fmt.Sprintf("Credits used by %s per %s (%s)", u.By, u.Granularity, u.TimeZone),
		Columns: []string{"start", string(u.By), "delivered", "charged", "unpriced", "currency", "cost"}}
	for _, l := range u.Lines {
		k := l.Key
		if k == "" {
			k = "(none)"
		}
		for _, row := range moneyRows(l.Cost) {
			tot.Rows = append(tot.Rows, append([]string{k, strconv.Itoa(l.Delivered), strconv.Itoa(l.Charged), strconv.Itoa(l.Unpriced)}, row...))
		}
	}
	// bucket-major order: every value of a bucket together
	if len(u.Lines) > 0 {
		for b := range u.Lines[0].Series {
			for _, l := range u.Lines {
				p := l.Series[b]
				if p.Value.Delivered == 0 {
					continue
				}
				k := l.Key
				if k == "" {
					k = "(none)"
				}
				for _, row := range moneyRows(p.Value.Cost) {
					per.Rows = append(per.Rows, append([]string{bucketLabel(p.Start, u.Granularity), k, strconv.Itoa(p.Value.Delivered),
						strconv.Itoa(p.Value.Charged), strconv.Itoa(p.Value.Unpriced)}, row...))
				}
			}
		}
	}
	return []cm.Table{tot, per}
}

// Reconciliation groups the period's delivered messages the way WhatsApp's
// pricing_analytics does, so that a host can compare them line by line.
type Reconciliation struct {
	Tenant      string         `json:"tenant"`
	Range       cm.Range       `json:"range"`
	TimeZone    string         `json:"time_zone"`
	Granularity cm.Granularity `json:"granularity"`
	Card        CardInfo       `json:"card"`
	Rows        []ReconRow     `json:"rows"`
}

// ReconRow is one data point: the delivered messages of one bucket,
// recipient country, pricing category, pricing type, business phone number
// and tier (in one currency), with their volume and cost.
type ReconRow struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Country is the recipient's ISO 3166-1 code as reported on the
	// statuses, "" when none was.
	Country string `json:"country"`
	// PricingCategory and PricingType are in pricing_analytics' upper case
	// (MARKETING, …; REGULAR, FREE_CUSTOMER_SERVICE, FREE_ENTRY_POINT), ""
	// for messages whose cost is unknown.
	PricingCategory string `json:"pricing_category"`
	PricingType     string `json:"pricing_type"`
	// Phone is the business phone number id (the inbox).
	Phone string `json:"phone"`
	// Tier is the volume band of the charge as pricing_analytics writes it
	// ("0:750000", "750001:MAX"; "0:MAX" for an untiered price), "" for
	// free and unpriced messages.
	Tier     string `json:"tier"`
	Currency string `json:"currency"`
	// Volume is the number of delivered messages, Cost their cost.
	Volume    int             `json:"volume"`
	Cost      decimal.Decimal `json:"cost"`
	Estimated int             `json:"estimated"`
	Unpriced  int             `json:"unpriced"`
}

// Reconcile computes the reconciliation rows for q's period, in buckets of
// q.Granularity, which must be day or month ("" means day).
func Reconcile(ctx context.Context, r cm.Reader, q Query) (*Reconciliation, error) {
	if err := reconGranularity(&q); err != nil {
		return nil, err
	}
	o, err := compute(ctx, r, &q, needs{recon: true})
	if err != nil {
		return nil, err
	}
	return reconciliationOf(o), nil
}

func reconGranularity(q *Query) error {
	switch q.Granularity {
	case "", cm.Day, cm.Month:
		return nil
	}
	return fmt.Errorf("credits: query: granularity: %w: %q (reconciliation buckets are day or month)", cm.ErrInvalidValue, q.Granularity)
}

func reconciliationOf(o *outcome) *Reconciliation {
	e, s, cc := o.e, o.s, o.e.cc
	q := e.q
	rc := &Reconciliation{Tenant: q.Tenant, Range: q.Range, TimeZone: e.loc.String(), Granularity: q.granularity(), Card: cardInfo(q.Card), Rows: []ReconRow{}}
	for k, v := range s.recon {
		row := ReconRow{Start: e.bk.Starts[k.bucket], End: e.bk.End(int(k.bucket)), Country: o.d.country.Str(k.country), Phone: o.d.inbox.Str(k.inbox),
			PricingCategory: strings.ToUpper(string(catNames[k.cat])), PricingType: strings.ToUpper(ptNames[k.ptype]),
			Volume: v.volume, Estimated: v.estimated, Unpriced: v.unpriced}
		if k.rate >= 0 {
			rt := &cc.rates[k.rate]
			row.Currency = rt.currency
			row.Cost = rt.price.Mul(decimal.NewFromInt(int64(v.volume)))
			row.Tier = tierLabel(rt, len(cc.entries[rt.entry].bands))
		}
		rc.Rows = append(rc.Rows, row)
	}
	slices.SortFunc(rc.Rows, func(a, b ReconRow) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Phone, b.Phone), cmp.Compare(a.Country, b.Country),
			cmp.Compare(a.PricingCategory, b.PricingCategory), cmp.Compare(a.PricingType, b.PricingType), cmp.Compare(a.Tier, b.Tier), cmp.Compare(a.Currency, b.Currency))
	})
	// Rows that differ only in rate id (same tier label and currency) are
	// one data point.
	out := rc.Rows[:0]
	for _, r := range rc.Rows {
		if n := len(out); n > 0 {
			p := &out[n-1]
			if p.Start.Equal(r.Start) && p.Phone == r.Phone && p.Country == r.Country && p.PricingCategory == r.PricingCategory &&
				p.PricingType == r.PricingType && p.Tier == r.Tier && p.Currency == r.Currency {
				p.Volume += r.Volume
				p.Cost = p.Cost.Add(r.Cost)
				p.Estimated += r.Estimated
				p.Unpriced += r.Unpriced
				continue
			}
		}
		out = append(out, r)
	}
	rc.Rows = out
	return rc
}

func tierLabel(rt *crate, bands int) string {
	if bands <= 1 {
		return "0:MAX"
	}
	hi := "MAX"
	if rt.hi > 0 {
		hi = strconv.FormatInt(rt.hi, 10)
	}
	return strconv.FormatInt(rt.lo, 10) + ":" + hi
}

// Tables returns the rows as one table.
func (rc *Reconciliation) Tables() []cm.Table {
	t := cm.Table{Name: fmt.Sprintf("Reconciliation with pricing_analytics: %s, %s buckets (%s), card %s", rc.Tenant, rc.Granularity, rc.TimeZone, cardLabel(rc.Card)),
		Columns: []string{"start", "phone", "country", "pricing_category", "pricing_type", "tier", "currency", "volume", "cost", "estimated", "unpriced"}}
	for _, r := range rc.Rows {
		cost := r.Cost.String()
		if r.Currency == "" {
			cost = "0"
		}
		t.Rows = append(t.Rows, []string{bucketLabel(r.Start, rc.Granularity), r.Phone, r.Country, r.PricingCategory, r.PricingType, r.Tier,
			r.Currency, strconv.Itoa(r.Volume), cost, strconv.Itoa(r.Estimated), strconv.Itoa(r.Unpriced)})
	}
	return []cm.Table{t}
}

// MessageCosts returns the cost of each charged outbound message of the
// tenant sent in q's period, keyed by message id: a message whose
// message.sent event lies in Range (a message without one: whose earliest
// status does), whenever it was charged, as its statuses may come after
// the period (a message sent at 23:59:59 on the last day and delivered
// after midnight is priced; one sent before the period and delivered in it
// is not). The tenant's statuses are read to the end of its history; a
// message's price is that of its charge instant, as everywhere in the
// package. Free messages, messages inside an already charged conversation
// (conversation-based pricing), unpriced charges and messages whose cost
// is unknown are absent; under conversation-based pricing the message
// that opened a conversation carries the conversation's charge. The costs
// of a host conversation's messages sum to its cost. This is the selection
// a host summing costs by the send time of its messages needs (the
// session engine's conversation cost); the period's credits used
// ([Summary.Used]) select charges by charge instant instead. Query.Now is
// not used.
func MessageCosts(ctx context.Context, r cm.Reader, q Query) (map[string]cm.Money, error) {
	o, err := compute(ctx, r, &q, needs{costs: true})
	if err != nil {
		return nil, err
	}
	return messageCostsOf(o), nil
}

func messageCostsOf(o *outcome) map[string]cm.Money {
	cc := o.e.cc
	out := make(map[string]cm.Money, len(o.s.costs))
	for _, c := range o.s.costs {
		rt := &cc.rates[c.rate]
		out[o.d.msg.Str(c.msg)] = cm.Money{Amount: rt.price, Currency: rt.currency}
	}
	return out
}

// BalanceAt returns the tenant's balance at instant at: every top-up minus
// the cost of every charge before it, per currency. q.Range and q.Now are
// ignored.
func BalanceAt(ctx context.Context, r cm.Reader, q Query, at time.Time) (cm.Amounts, error) {
	q.Range = cm.Range{From: at.Add(-time.Nanosecond), To: at}
	q.Now = at
	q.Granularity = cm.Day
	o, err := compute(ctx, r, &q, needs{ledger: true})
	if err != nil {
		return nil, err
	}
	return nonNil(o.balanceAt(o.e.to)), nil
}
