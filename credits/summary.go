package credits

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/shopspring/decimal"
)

// CardInfo names the rate card a result was priced with.
type CardInfo struct {
	Name    string `json:"name"`
	Example bool   `json:"example"`
	Note    string `json:"note,omitempty"`
}

func cardInfo(c *RateCard) CardInfo { return CardInfo{Name: c.Name, Example: c.Example, Note: c.Note} }

// Summary is the credits page of a tenant for a period: what was used, by
// category and day, what is left, what a message, conversation, campaign
// and conversion cost, and when the balance runs out. The package
// documentation defines every figure.
type Summary struct {
	Tenant      string         `json:"tenant"`
	Range       cm.Range       `json:"range"`
	TimeZone    string         `json:"time_zone"`
	Granularity cm.Granularity `json:"granularity"`
	Card        CardInfo       `json:"card"`
	// Used is the credits used in the period: the cost of the charges whose
	// charge instant lies in it.
	Used cm.Amounts `json:"used"`
	// Estimated is the part of Used priced from the rules or in a default
	// market for lack of the recipient's country.
	Estimated cm.Amounts `json:"estimated"`
	// TopUps is the credits added in the period.
	TopUps cm.Amounts `json:"top_ups"`
	// Opening is the balance at Range.From, Balance the balance at
	// Range.To: top-ups minus usage before that instant, over the whole
	// history, per currency.
	Opening cm.Amounts `json:"opening_balance"`
	Balance cm.Amounts `json:"balance"`
	// Messages counts the period's outbound messages by what they cost.
	Messages Messages `json:"messages"`
	// ByCategory is the usage per pricing category, in [Categories] order
	// (categories with no delivered message left out).
	ByCategory []CategoryUsage `json:"by_category"`
	// History is the usage per bucket (every bucket of the period).
	History cm.Series[Bucket] `json:"history"`
	// PerMessage is the cost of a delivered message, PerCharged of a
	// charge, PerConversation of a conversation and PerConversion of a
	// conversion.
	PerMessage      UnitCost `json:"per_message"`
	PerCharged      UnitCost `json:"per_charged_message"`
	PerConversation UnitCost `json:"per_conversation"`
	PerConversion   UnitCost `json:"per_conversion"`
	// ByCampaign is the usage and conversions per campaign (Key "" for
	// messages of no campaign), ByCountry the usage per recipient country
	// (Key "" when no status reported one); both sorted by key.
	ByCampaign []Line `json:"by_campaign"`
	ByCountry  []Line `json:"by_country"`
	// Forecast is the depletion forecast per currency.
	Forecast []Forecast `json:"forecast"`
}

// Messages counts the outbound messages of the period. Delivered messages
// count by their charge instant; failed and undelivered ones by their
// earliest event.
type Messages struct {
	// Delivered messages: a delivered, read or played status and no failed
	// one.
	Delivered int `json:"delivered"`
	// Charged is the number of charges: delivered messages WhatsApp (or the
	// rules) says are billable; under conversation-based pricing, the
	// messages that opened a charged conversation.
	Charged int `json:"charged"`
	// Free delivered messages, in all and by pricing type.
	Free                int `json:"free"`
	FreeCustomerService int `json:"free_customer_service"`
	FreeEntryPoint      int `json:"free_entry_point"`
	// InConversation is the delivered messages inside a conversation
	// already charged (conversation-based pricing).
	InConversation int `json:"in_conversation"`
	// Estimated delivered messages: priced from the rules, or in the
	// default market for lack of a country or phone number.
	Estimated int `json:"estimated"`
	// Unpriced charges: the card has no price for their market and
	// category at their charge instant. They are left out of every cost.
	Unpriced int `json:"unpriced"`
	// Unknown delivered messages: no usable pricing and no rule set or send
	// to apply the rules to. They are never charged.
	Unknown int `json:"unknown"`
	// Failed messages (never charged), and those among them that had
	// pricing on an earlier status.
	Failed            int `json:"failed"`
	FailedWithPricing int `json:"failed_with_pricing"`
	// Undelivered messages: with a status, but neither delivered nor
	// failed (yet).
	Undelivered int `json:"undelivered"`
	// Conversions: the payments in the period matched to a payment link
	// (attribution.MatchPayments), each payment id once; see the package
	// documentation.
	Conversions int `json:"conversions"`
}

// CategoryUsage is the usage of one pricing category in the period.
type CategoryUsage struct {
	Category  Category   `json:"category"`
	Delivered int        `json:"delivered"`
	Charged   int        `json:"charged"`
	Estimated int        `json:"estimated"`
	Unpriced  int        `json:"unpriced"`
	Cost      cm.Amounts `json:"cost"`
}

// Bucket is one bucket of the usage history.
type Bucket struct {
	Delivered int        `json:"delivered"`
	Charged   int        `json:"charged"`
	Unpriced  int        `json:"unpriced"`
	Used      cm.Amounts `json:"used"`
	// ByCategory is Used per category (categories with no cost left out).
	ByCategory map[Category]cm.Amounts `json:"by_category,omitempty"`
	TopUps     cm.Amounts              `json:"top_ups"`
	// Balance is the balance at the end of the bucket (at Range.To for a
	// bucket that ends after it).
	Balance cm.Amounts `json:"balance"`
}

// UnitCost is a cost per unit with its parts, so that 0 units stay visible:
// Per is Cost ÷ Units per currency, rounded half away from zero to six
// decimals (0.0162 ÷ 7 = 0.002314285… is 0.002314), and empty when Units
// is 0.
type UnitCost struct {
	Cost  cm.Amounts `json:"cost"`
	Units int        `json:"units"`
	Per   cm.Amounts `json:"per"`
}

func unitCost(cost cm.Amounts, units int) UnitCost {
	u := UnitCost{Cost: cost, Units: units, Per: cm.Amounts{}}
	if u.Cost == nil {
		u.Cost = cm.Amounts{}
	}
	if units > 0 {
		for c, v := range cost {
			u.Per[c] = v.DivRound(decimal.NewFromInt(int64(units)), 6)
		}
	}
	return u
}

// Line is the usage of one value of a dimension in the period.
type Line struct {
	Key       string     `json:"key"`
	Delivered int        `json:"delivered"`
	Charged   int        `json:"charged"`
	Estimated int        `json:"estimated"`
	Unpriced  int        `json:"unpriced"`
	Cost      cm.Amounts `json:"cost"`
	// Conversions credited to the campaign (last campaign message
	// delivered at most ConversionDays before the payment), and its cost
	// per conversion (campaign lines only).
	Conversions   int      `json:"conversions,omitempty"`
	PerConversion UnitCost `json:"per_conversion,omitzero"`
}

// Forecast says how long a currency's balance lasts at the recent burn
// rate.
type Forecast struct {
	Currency string `json:"currency"`
	// Balance after every event at or before the forecast instant
	// (Query.Now).
	Balance decimal.Decimal `json:"balance"`
	// Burned is the usage in the BurnDays × 24 hours up to it, PerDay that
	// divided by BurnDays, rounded half away from zero to six decimals
	// (for display: nothing below is computed from it).
	Burned   decimal.Decimal `json:"burned"`
	BurnDays int             `json:"burn_days"`
	PerDay   decimal.Decimal `json:"per_day"`
	// DaysLeft is Balance × BurnDays ÷ Burned, rounded half away from zero
	// to two decimals: the balance over the unrounded daily usage (so it
	// can differ from Balance ÷ PerDay, which divides by the rate rounded
	// to six decimals). 0 when the balance is used up, nil when nothing is
	// being used.
	DaysLeft *decimal.Decimal `json:"days_left"`
	// Depletes is the local date (in the query's calendar) of the instant
	// the balance runs out at this rate, Now + Balance × BurnDays × 24 h ÷
	// Burned (truncated to the nanosecond); "" when it does not run out,
	// or not before the end of 9999.
	Depletes string `json:"depletes,omitempty"`
	// Status is "depleted" (balance at or below zero), "depleting" or
	// "steady" (no usage in the window).
	Status string `json:"status"`
}

// Summarize computes the tenant's credits summary for q's period.
func Summarize(ctx context.Context, r cm.Reader, q Query) (*Summary, error) {
	o, err := compute(ctx, r, &q, summaryNeeds())
	if err != nil {
		return nil, err
	}
	return summaryOf(o), nil
}

// balanceAt returns the balance at ledger cut t (which must be a cut).
func (o *outcome) balanceAt(t int64) cm.Amounts {
	e, s := o.e, o.s
	k := slices.Index(e.cuts, t)
	var a cm.Amounts
	for seg := 0; seg <= k; seg++ {
		a = a.Merge(s.segTop[seg])
	}
	return sub(a, e.cc.amounts(&s.segUse, 0, k+1, nil))
}

// sub returns a - b, per currency.
func sub(a, b cm.Amounts) cm.Amounts {
	for c, v := range b {
		a = a.Add(c, v.Neg())
	}
	return a
}

func nonNil(a cm.Amounts) cm.Amounts {
	if a == nil {
		return cm.Amounts{}
	}
	return a
}

func summaryOf(o *outcome) *Summary {
	e, s, cc := o.e, o.s, o.e.cc
	q := e.q
	t := &s.tot
	sm := &Summary{Tenant: q.Tenant, Range: q.Range, TimeZone: e.loc.String(), Granularity: q.granularity(), Card: cardInfo(q.Card)}
	sm.Used = nonNil(cc.amounts(&s.bUse, 0, s.nb, nil))
	sm.Estimated = nonNil(cc.amounts(&s.estUse, 0, 1, nil))
	sm.Opening = nonNil(o.balanceAt(e.from))
	sm.Balance = nonNil(o.balanceAt(e.to))
	sm.TopUps = cm.Amounts{}
	for _, a := range s.bTop {
		sm.TopUps = sm.TopUps.Merge(a)
	}
	sm.Messages = Messages{
		Delivered: t.delivered, Charged: t.charged,
		FreeCustomerService: t.byPT[ptFreeCS], FreeEntryPoint: t.byPT[ptFreeEP],
		Estimated: t.estimated, Unpriced: t.unpriced, Unknown: t.unknown,
		Failed: t.failed, FailedWithPricing: t.failedPriced, Undelivered: t.undelivered, Conversions: t.conversions,
	}
	sm.Messages.Free = t.delivered - t.charged - t.unknown
	sm.Messages.InConversation = sm.Messages.Free - sm.Messages.FreeCustomerService - sm.Messages.FreeEntryPoint
	// by category
	for c := uint8(1); c < numCats; c++ {
		if t.catDeliv[c] == 0 {
			continue
		}
		cost := cc.amounts(&s.bUse, 0, s.nb, func(rt *crate) bool { return rt.cat == c })
		sm.ByCategory = append(sm.ByCategory, CategoryUsage{Category: catNames[c], Delivered: t.catDeliv[c], Charged: t.catCharged[c],
			Estimated: t.catEst[c], Unpriced: t.catUnpriced[c], Cost: nonNil(cost)})
	}
	// history
	sm.History = cm.NewSeries[Bucket](e.bk)
	bal := sm.Opening
	for b := range sm.History {
		p := Bucket{Delivered: int(s.bDeliv[b]), Charged: int(s.bCharged[b]), Used: nonNil(cc.amounts(&s.bUse, b, b+1, nil)), TopUps: nonNil(s.bTop[b])}
		for c := 0; c < int(numCats); c++ {
			p.Unpriced += int(s.bUnpriced[b*int(numCats)+c])
		}
		for k, r := range s.bUse.ids {
			if n := s.bUse.cnt[k][b]; n != 0 {
				if p.ByCategory == nil {
					p.ByCategory = map[Category]cm.Amounts{}
				}
				rt := &cc.rates[r]
				cat := catNames[rt.cat]
				p.ByCategory[cat] = p.ByCategory[cat].Add(rt.currency, rt.price.Mul(decimal.NewFromInt(n)))
			}
		}
		next := cm.Amounts{}
		next = next.Merge(bal)
		next = next.Merge(p.TopUps)
		bal = sub(next, p.Used)
		p.Balance = bal
		sm.History[b].Value = p
	}
	// unit costs
	sm.PerMessage = unitCost(sm.Used, t.delivered-t.unpriced-t.unknown)
	sm.PerCharged = unitCost(sm.Used, t.charged-t.unpriced)
	sm.PerConversation = unitCost(nonNil(cc.amounts(&s.convUse, 0, 1, nil)), popcount(s.convBits))
	sm.PerConversion = unitCost(sm.Used, t.conversions)
	sm.ByCampaign = lines(s.campaigns, o.d.campaign.Str, cc, true)
	sm.ByCountry = lines(s.countries, o.d.country.Str, cc, false)
	sm.Forecast = forecast(o)
	return sm
}

// lines turns per-key counts into lines sorted by key.
func lines(m map[uint32]*line, str func(uint32) string, cc *compiled, campaigns bool) []Line {
	out := []Line{}
	for k, l := range m {
		ln := Line{Key: str(k), Delivered: l.delivered, Charged: l.charged, Estimated: l.estimated, Unpriced: l.unpriced, Cost: nonNil(cc.amounts(&l.use, 0, 1, nil))}
		if campaigns {
			ln.Conversions = l.conversions
			ln.PerConversion = unitCost(ln.Cost, l.conversions)
		}
		out = append(out, ln)
	}
	slices.SortFunc(out, func(a, b Line) int { return cmp.Compare(a.Key, b.Key) })
	return out
}

func forecast(o *outcome) []Forecast {
	e, s := o.e, o.s
	bal := o.balanceAt(e.now)
	kb, kn := slices.Index(e.cuts, e.burnLo), slices.Index(e.cuts, e.now)
	burned := e.cc.amounts(&s.segUse, kb+1, kn+1, nil)
	days := e.q.burnDays()
	curs := cm.Amounts{}.Merge(bal).Merge(burned).Currencies()
	out := []Forecast{}
	for _, c := range curs {
		f := Forecast{Currency: c, Balance: bal[c], Burned: burned[c], BurnDays: days}
		f.PerDay = f.Burned.DivRound(decimal.NewFromInt(int64(days)), 6)
		switch {
		case !f.Balance.IsPositive():
			z := decimal.Zero
			f.DaysLeft, f.Status = &z, "depleted"
		case !f.Burned.IsPositive():
			f.Status = "steady"
		default:
			left := f.Balance.Mul(decimal.NewFromInt(int64(days))).DivRound(f.Burned, 2)
			f.DaysLeft, f.Status = &left, "depleting"
			f.Depletes = depletes(e.now, f.Balance.Mul(decimal.NewFromInt(int64(days)*nsDay)).Div(f.Burned), e.loc)
		}
		out = append(out, f)
	}
	return out
}

// lastDay is the end of the dates a forecast names: 10000-01-01 00:00 UTC
// in Unix seconds.
const lastDay = 253402300800

// depletes returns the local date of the instant ns nanoseconds (≥ 0,
// truncated to a whole nanosecond) after now, or "" when it is after 9999.
// The duration may exceed what a time.Duration holds (292 years): it is
// added as whole seconds and the nanoseconds left.
func depletes(now int64, ns decimal.Decimal, loc *time.Location) string {
	base := time.Unix(0, now)
	sec, rest := ns.Truncate(0).QuoRem(decimal.NewFromInt(1e9), 0)
	if sec.GreaterThan(decimal.NewFromInt(lastDay - base.Unix())) {
		return ""
	}
	return time.Unix(base.Unix()+sec.IntPart(), int64(base.Nanosecond())+rest.IntPart()).In(loc).Format(time.DateOnly)
}

// Tables returns the summary as tables: the totals, usage by category, the
// history, unit costs, usage by campaign and by country, and the forecast.
func (sm *Summary) Tables() []cm.Table {
	var ts []cm.Table
	tot := cm.Table{Name: "Credits: " + sm.Tenant + ", card " + cardLabel(sm.Card), Columns: []string{"figure", "currency", "value"}}
	money := func(name string, a cm.Amounts) {
		if len(a) == 0 {
			tot.Rows = append(tot.Rows, []string{name, "", "0"})
		}
		for _, c := range a.Currencies() {
			tot.Rows = append(tot.Rows, []string{name, c, a[c].String()})
		}
	}
	count := func(name string, n int) { tot.Rows = append(tot.Rows, []string{name, "", strconv.Itoa(n)}) }
	money("used", sm.Used)
	money("estimated part of used", sm.Estimated)
	money("top-ups", sm.TopUps)
	money("opening balance", sm.Opening)
	money("balance", sm.Balance)
	m := sm.Messages
	count("messages delivered", m.Delivered)
	count("charges", m.Charged)
	count("free: customer service", m.FreeCustomerService)
	count("free: entry point", m.FreeEntryPoint)
	if m.InConversation > 0 {
		count("free: inside a charged conversation", m.InConversation)
	}
	count("estimated", m.Estimated)
	count("charges without a price on the card", m.Unpriced)
	count("delivered, cost unknown", m.Unknown)
	count("failed (not charged)", m.Failed)
	count("failed after pricing was reported", m.FailedWithPricing)
	count("not delivered yet", m.Undelivered)
	count("conversions", m.Conversions)
	ts = append(ts, tot)

	bc := cm.Table{Name: "Credits used by category", Columns: []string{"category", "delivered", "charged", "estimated", "unpriced", "currency", "cost"}}
	for _, c := range sm.ByCategory {
		for _, row := range moneyRows(c.Cost) {
			bc.Rows = append(bc.Rows, append([]string{string(c.Category), strconv.Itoa(c.Delivered), strconv.Itoa(c.Charged), strconv.Itoa(c.Estimated), strconv.Itoa(c.Unpriced)}, row...))
		}
	}
	ts = append(ts, bc)

	h := cm.Table{Name: "Usage history (" + string(sm.Granularity) + ", " + sm.TimeZone + ")", Columns: []string{"start", "delivered", "charged", "currency", "used"}}
	for _, c := range Categories() {
		h.Columns = append(h.Columns, string(c))
	}
	h.Columns = append(h.Columns, "top_ups", "balance")
	for _, p := range sm.History {
		v := p.Value
		curs := cm.Amounts{}.Merge(v.Used).Merge(v.TopUps).Merge(v.Balance).Currencies()
		if len(curs) == 0 {
			curs = []string{""}
		}
		for _, cur := range curs {
			row := []string{bucketLabel(p.Start, sm.Granularity), strconv.Itoa(v.Delivered), strconv.Itoa(v.Charged), cur, amountCell(v.Used, cur)}
			for _, c := range Categories() {
				row = append(row, amountCell(v.ByCategory[c], cur))
			}
			row = append(row, amountCell(v.TopUps, cur), amountCell(v.Balance, cur))
			h.Rows = append(h.Rows, row)
		}
	}
	ts = append(ts, h)

	u := cm.Table{Name: "Cost per unit", Columns: []string{"unit", "units", "currency", "cost", "per_unit"}}
	for _, x := range []struct {
		name string
		uc   UnitCost
	}{{"delivered message", sm.PerMessage}, {"charged message", sm.PerCharged}, {"conversation", sm.PerConversation}, {"conversion", sm.PerConversion}} {
		curs := x.uc.Cost.Currencies()
		if len(curs) == 0 {
			curs = []string{""}
		}
		for _, cur := range curs {
			per := "n/a"
			if x.uc.Units > 0 {
				per = amountCell(x.uc.Per, cur)
			}
			u.Rows = append(u.Rows, []string{x.name, strconv.Itoa(x.uc.Units), cur, amountCell(x.uc.Cost, cur), per})
		}
	}
	ts = append(ts, u)

	ts = append(ts, lineTable("Credits used by campaign", "campaign", sm.ByCampaign, true), lineTable("Credits used by country", "country", sm.ByCountry, false))

	f := cm.Table{Name: "Forecast", Columns: []string{"currency", "balance", "burned", "burn_days", "per_day", "days_left", "depletes", "status"}}
	for _, x := range sm.Forecast {
		left := "n/a"
		if x.DaysLeft != nil {
			left = x.DaysLeft.String()
		}
		f.Rows = append(f.Rows, []string{x.Currency, x.Balance.String(), x.Burned.String(), strconv.Itoa(x.BurnDays), x.PerDay.String(), left, x.Depletes, x.Status})
	}
	ts = append(ts, f)
	return ts
}

func cardLabel(c CardInfo) string {
	if c.Example {
		return c.Name + " (EXAMPLE prices, not an invoice)"
	}
	return c.Name
}

func lineTable(name, key string, ls []Line, campaigns bool) cm.Table {
	t := cm.Table{Name: name, Columns: []string{key, "delivered", "charged", "estimated", "unpriced", "currency", "cost"}}
	if campaigns {
		t.Columns = append(t.Columns, "conversions", "cost_per_conversion")
	}
	for _, l := range ls {
		k := l.Key
		if k == "" {
			k = "(none)"
		}
		for _, row := range moneyRows(l.Cost) {
			r := append([]string{k, strconv.Itoa(l.Delivered), strconv.Itoa(l.Charged), strconv.Itoa(l.Estimated), strconv.Itoa(l.Unpriced)}, row...)
			if campaigns {
				per := "n/a"
				if l.Conversions > 0 {
					per = amountCell(l.PerConversion.Per, row[0])
				}
				r = append(r, strconv.Itoa(l.Conversions), per)
			}
			t.Rows = append(t.Rows, r)
		}
	}
	return t
}

// moneyRows returns [currency, amount] cells, one per currency, or one
// empty row for no money.
func moneyRows(a cm.Amounts) [][]string {
	if len(a) == 0 {
		return [][]string{{"", "0"}}
	}
	var out [][]string
	for _, c := range a.Currencies() {
		out = append(out, []string{c, a[c].String()})
	}
	return out
}

func amountCell(a cm.Amounts, cur string) string {
	if v, ok := a[cur]; ok {
		return v.String()
	}
	return "0"
}

func bucketLabel(t time.Time, g cm.Granularity) string {
	switch g {
	case cm.Hour:
		return t.Format("2006-01-02 15:04")
	case cm.Month:
		return t.Format("2006-01")
	}
	return t.Format(time.DateOnly)
}
