package credits

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/shopspring/decimal"
)

// RateCard says what messages cost: which market each recipient belongs to,
// which WhatsApp pricing rules apply when a status carries no pricing, and
// the price per market and category. Every part is data with the local date
// it takes effect, so a pricing change is a new entry, not new code.
//
// Dates are calendar dates (YYYY-MM-DD) in the account's time zone (the
// query's calendar): an entry takes effect at local midnight of its date and
// stays in force until the next entry of the same kind (for rates: of the
// same market and category) takes effect. Meta changes rates only on
// January 1, April 1, July 1 and October 1, at midnight in the WhatsApp
// Business Account's zone.
//
// Load a card with [LoadCard], [ParseCardJSON] or [ParseCardCSV]; a card
// built in Go is checked with [RateCard.Validate].
type RateCard struct {
	// Name identifies the card in results.
	Name string `json:"name"`
	// Example marks a card whose prices are illustrative, such as the one
	// shipped in testdata. Results carry the flag so that nobody reads an
	// example as an invoice.
	Example bool `json:"example,omitempty"`
	// Note is free text carried into results (the source of the prices).
	Note string `json:"note,omitempty"`
	// Markets are the versions of the market map; at least one is required.
	Markets []MarketMap `json:"markets"`
	// Rules are the versions of WhatsApp's pricing rules used when a
	// message's statuses carry no usable pricing. Empty means
	// [DefaultRules].
	Rules []RuleSet `json:"rules,omitempty"`
	// Rates are the prices; at least one is required.
	Rates []Rate `json:"rates"`
}

// MarketMap assigns recipients to pricing markets from a date on. A
// recipient's market is, in order: Countries[country] for the country
// WhatsApp reported on the message's statuses (ISO 3166-1 alpha-2); else
// the longest prefix of the recipient's phone number (the contact, when it
// is an international number of 6 to 15 digits) found in CallingCodes; else
// Default.
type MarketMap struct {
	// Effective is the local date (YYYY-MM-DD) the map takes effect.
	Effective string `json:"effective"`
	// Countries maps ISO 3166-1 alpha-2 codes (upper case) to markets.
	Countries map[string]string `json:"countries,omitempty"`
	// CallingCodes maps calling-code prefixes (1 to 7 digits, e.g. "1",
	// "1809", "90", with or without a leading "+") to markets; the longest
	// matching prefix wins.
	CallingCodes map[string]string `json:"calling_codes,omitempty"`
	// Default is the market of every other recipient (Meta's "Other").
	Default string `json:"default"`
}

// RuleSet is one version of WhatsApp's pricing rules, applied to messages
// delivered from its effective date on when their statuses carry no usable
// pricing (see the package documentation, "Cost of a message").
type RuleSet struct {
	// Effective is the local date (YYYY-MM-DD) the rules take effect.
	Effective string `json:"effective"`
	// Model is "PMP" (per-message pricing: every charged message is a
	// charge) or "CBP" (conversation-based pricing: one charge per 24-hour
	// conversation of a category).
	Model string `json:"model"`
	// FreeInServiceWindow lists the categories that are free when the
	// message is sent inside an open customer-service window: service and
	// utility from 2025-07-01, none from 2026-10-01.
	FreeInServiceWindow []Category `json:"free_in_service_window,omitempty"`
	// ChargeEntryPoint charges messages sent inside a free-entry-point
	// window like any other. No WhatsApp rule set so far does: the zero
	// value keeps them free.
	ChargeEntryPoint bool `json:"charge_entry_point,omitempty"`
}

// Rate is the price of one category in one market from a date on: a flat
// Price, or marginal monthly volume Tiers.
type Rate struct {
	// Effective is the local date (YYYY-MM-DD) the price takes effect.
	Effective string `json:"effective"`
	// Market is a market named by the market maps.
	Market string `json:"market"`
	// Category is the pricing category priced.
	Category Category `json:"category"`
	// Currency is the ISO 4217 code of the price.
	Currency string `json:"currency"`
	// Price is the price of one charged message (or, under
	// conversation-based pricing, of one conversation). It is ignored when
	// Tiers are given.
	Price decimal.Decimal `json:"price"`
	// Tiers, when given, replace Price with marginal volume tiers counted
	// per calendar month, market and category (see the package
	// documentation, "Volume tiers").
	Tiers []Tier `json:"tiers,omitempty"`
}

// Tier is one band of a tiered rate: the messages numbered up to UpTo
// (inclusive, counted from 1 in the month) that are above the previous
// band cost Price each. The last tier has UpTo 0: no upper bound.
type Tier struct {
	UpTo  int64           `json:"up_to,omitempty"`
	Price decimal.Decimal `json:"price"`
}

// DefaultRules returns WhatsApp's rules as documented by Meta (WHATSAPP.md
// §3): conversation-based pricing from 2023-06-01 (service conversations
// charged; the 1,000 free service conversations a month of that time are
// not modelled), with service conversations free from 2024-11-01;
// per-message pricing from 2025-07-01 with service messages and utility
// templates free inside the customer-service window; and from 2026-10-01
// both charged. Messages in a free-entry-point window are free throughout.
func DefaultRules() []RuleSet {
	return []RuleSet{
		{Effective: "2023-06-01", Model: "CBP"},
		{Effective: "2024-11-01", Model: "CBP", FreeInServiceWindow: []Category{Service}},
		{Effective: "2025-07-01", Model: "PMP", FreeInServiceWindow: []Category{Service, Utility}},
		{Effective: "2026-10-01", Model: "PMP"},
	}
}

// ErrDuplicate is wrapped by the errors of a rate card that gives two
// entries for the same thing (two prices for one market, category and
// date; two market maps or rule sets for one date).
var ErrDuplicate = errors.New("duplicate")

// cardErrs collects the problems of a card, each naming its field.
type cardErrs struct {
	errs []error
}

func (c *cardErrs) add(field string, err error, detail string) {
	if detail != "" {
		err = fmt.Errorf("%w: %s", err, detail)
	}
	c.errs = append(c.errs, fmt.Errorf("credits: card: %s: %w", field, err))
}

func (c *cardErrs) err() error { return errors.Join(c.errs...) }

// Validate checks the card and returns nil or an error joining one error
// per problem, each naming the field (`credits: card: rates[2].currency:
// invalid value: "usd" is not an ISO 4217 code`) and wrapping
// [cm.ErrRequired], [cm.ErrUnknownValue], [cm.ErrInvalidValue] or
// [ErrDuplicate].
func (c *RateCard) Validate() error {
	var ce cardErrs
	c.check(&ce, nil)
	return ce.err()
}

// check validates the card. where names an entry (kind "markets",
// "rules" or "rates", index i; key names a part of it: a country or calling
// code of a market map, a tier of a rate, or "" for the entry) as a prefix
// of the field; nil names JSON paths.
func (c *RateCard) check(ce *cardErrs, where func(kind string, i int, key string) string) {
	if where == nil {
		where = func(kind string, i int, _ string) string { return fmt.Sprintf("%s[%d].", kind, i) }
	}
	// names are built only when a problem is reported
	name := func(kind string, i int, field string) fieldRef {
		return fieldRef{where: where, kind: kind, i: i, field: field}
	}
	dates := map[string]bool{} // dates already checked: cards repeat a few
	if c.Name == "" {
		ce.add("name", cm.ErrRequired, "")
	}
	if len(c.Markets) == 0 {
		ce.add("markets", cm.ErrRequired, "at least one market map")
	}
	if len(c.Rates) == 0 {
		ce.add("rates", cm.ErrRequired, "at least one rate")
	}
	known := make(map[string]bool, 64)
	mapDates := map[string]int{}
	for i, m := range c.Markets {
		if d, ok := checkDate(ce, dates, name("markets", i, "effective"), m.Effective); ok {
			if j, dup := mapDates[d]; dup {
				ce.add(name("markets", i, "effective").String(), ErrDuplicate, fmt.Sprintf("markets[%d] takes effect on %s too", j, d))
			}
			mapDates[d] = i
		}
		if checkMarket(ce, name("markets", i, "default"), m.Default) {
			known[m.Default] = true
		}
		// The common case, a valid map, costs no sorting; problems are
		// reported in key order.
		ok := true
		for k, mk := range m.Countries {
			ok = ok && isCountry(k) && validMarket(mk)
			known[mk] = true
		}
		for k, mk := range m.CallingCodes {
			ok = ok && isCallingCode(k) && validMarket(mk)
			known[mk] = true
		}
		if ok {
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(m.Countries)) {
			f := fieldRef{where: where, kind: "markets", i: i, key: k, field: "countries[" + strconv.Quote(k) + "]"}
			if !isCountry(k) {
				ce.add(f.String(), cm.ErrInvalidValue, "want an upper-case ISO 3166-1 alpha-2 code")
			}
			checkMarket(ce, f, m.Countries[k])
		}
		for _, k := range slices.Sorted(maps.Keys(m.CallingCodes)) {
			f := fieldRef{where: where, kind: "markets", i: i, key: "+" + strings.TrimPrefix(k, "+"), field: "calling_codes[" + strconv.Quote(k) + "]"}
			if !isCallingCode(k) {
				ce.add(f.String(), cm.ErrInvalidValue, "want 1 to 7 digits")
			}
			checkMarket(ce, f, m.CallingCodes[k])
		}
	}
	ruleDates := map[string]int{}
	for i, r := range c.Rules {
		if d, ok := checkDate(ce, dates, name("rules", i, "effective"), r.Effective); ok {
			if j, dup := ruleDates[d]; dup {
				ce.add(name("rules", i, "effective").String(), ErrDuplicate, fmt.Sprintf("rules[%d] takes effect on %s too", j, d))
			}
			ruleDates[d] = i
		}
		switch strings.ToUpper(r.Model) {
		case "PMP", "CBP":
		case "":
			ce.add(name("rules", i, "model").String(), cm.ErrRequired, "PMP or CBP")
		default:
			ce.add(name("rules", i, "model").String(), cm.ErrUnknownValue, strconv.Quote(r.Model)+" (want PMP or CBP)")
		}
		for k, cat := range r.FreeInServiceWindow {
			if cat.code() == catNone || cat == ReferralConversion {
				ce.add(fmt.Sprintf("%s[%d]", name("rules", i, "free_in_service_window").String(), k), cm.ErrUnknownValue, strconv.Quote(string(cat)))
			}
		}
	}
	type rateKey struct {
		date, market string
		cat          Category
	}
	rateAt := make(map[rateKey]int, len(c.Rates))
	for i, r := range c.Rates {
		d, dateOK := checkDate(ce, dates, name("rates", i, "effective"), r.Effective)
		if checkMarket(ce, name("rates", i, "market"), r.Market) && !known[r.Market] {
			ce.add(name("rates", i, "market").String(), cm.ErrUnknownValue, strconv.Quote(r.Market)+" is in no market map")
		}
		switch {
		case r.Category == "":
			ce.add(name("rates", i, "category").String(), cm.ErrRequired, "")
		case r.Category.code() == catNone || r.Category == ReferralConversion:
			ce.add(name("rates", i, "category").String(), cm.ErrUnknownValue, strconv.Quote(string(r.Category)))
		}
		checkCurrency(ce, name("rates", i, "currency"), r.Currency)
		if dateOK && r.Market != "" && r.Category != "" {
			k := rateKey{d, r.Market, r.Category}
			if j, dup := rateAt[k]; dup {
				ce.add(name("rates", i, "effective").String(), ErrDuplicate, fmt.Sprintf("%s %s already has a price from %s (rates[%d])", r.Market, r.Category, d, j))
			}
			rateAt[k] = i
		}
		if len(r.Tiers) == 0 {
			if r.Price.IsNegative() {
				ce.add(name("rates", i, "price").String(), cm.ErrInvalidValue, "negative")
			}
			continue
		}
		if !r.Price.IsZero() {
			ce.add(name("rates", i, "price").String(), cm.ErrInvalidValue, "give a price or tiers, not both")
		}
		var prev int64
		for k, t := range r.Tiers {
			f := fmt.Sprintf("%stiers[%d]", where("rates", i, strconv.Itoa(k)), k) // tiers are few
			if t.Price.IsNegative() {
				ce.add(f+".price", cm.ErrInvalidValue, "negative")
			}
			last := k == len(r.Tiers)-1
			switch {
			case last && t.UpTo != 0:
				ce.add(f+".up_to", cm.ErrInvalidValue, "the last tier has no upper bound (omit up_to)")
			case !last && t.UpTo <= prev:
				ce.add(f+".up_to", cm.ErrInvalidValue, fmt.Sprintf("%d: want more than %d", t.UpTo, prev))
			}
			prev = t.UpTo
		}
	}
}

// fieldRef names a field of a card entry (see check); its String is built
// only when a problem is reported.
type fieldRef struct {
	where            func(kind string, i int, key string) string
	kind, key, field string
	i                int
}

func (f fieldRef) String() string { return f.where(f.kind, f.i, f.key) + f.field }

// checkDate checks a date and returns it as YYYY-MM-DD (a valid date is
// written so already: cm.ParseDate takes no other form). checked holds
// the dates already found valid.
func checkDate(ce *cardErrs, checked map[string]bool, field fieldRef, s string) (string, bool) {
	if checked[s] {
		return s, true
	}
	if s == "" {
		ce.add(field.String(), cm.ErrRequired, "")
		return "", false
	}
	if _, err := cm.ParseDate(s); err != nil {
		ce.add(field.String(), cm.ErrInvalidValue, strconv.Quote(s)+" (want YYYY-MM-DD)")
		return "", false
	}
	checked[s] = true
	return s, true
}

func validMarket(m string) bool {
	if m == "" || len(m) > 64 {
		return false
	}
	for i := 0; i < len(m); i++ {
		if c := m[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func checkMarket(ce *cardErrs, field fieldRef, m string) bool {
	if m == "" {
		ce.add(field.String(), cm.ErrRequired, "a market name")
		return false
	}
	if !validMarket(m) {
		ce.add(field.String(), cm.ErrInvalidValue, strconv.Quote(m)+" (market names are lower-case letters, digits, _ and -)")
		return false
	}
	return true
}

func checkCurrency(ce *cardErrs, field fieldRef, c string) {
	if c == "" {
		ce.add(field.String(), cm.ErrRequired, "")
		return
	}
	if len(c) != 3 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' || c[2] < 'A' || c[2] > 'Z' {
		ce.add(field.String(), cm.ErrInvalidValue, strconv.Quote(c)+" is not an ISO 4217 code")
	}
}

func isCountry(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

func isCallingCode(s string) bool {
	s = strings.TrimPrefix(s, "+")
	if len(s) < 1 || len(s) > 7 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// LoadCard reads a rate card from a file: JSON when the name ends in
// .json, CSV when it ends in .csv.
func LoadCard(path string) (*RateCard, error) {
	parse := map[string]func(io.Reader) (*RateCard, error){".json": ParseCardJSON, ".csv": ParseCardCSV}[strings.ToLower(filepath.Ext(path))]
	if parse == nil {
		return nil, fmt.Errorf("credits: card: %s: %w: want a .json or .csv file", path, cm.ErrInvalidValue)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("credits: card: %w", err)
	}
	c, err := parse(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// wire forms of the JSON card: strict (unknown keys are errors) and with
// prices kept raw so that a missing price is an error, not a free rate.
type wireCard struct {
	Name    string      `json:"name"`
	Example bool        `json:"example"`
	Note    string      `json:"note"`
	Markets []MarketMap `json:"markets"`
	Rules   []RuleSet   `json:"rules"`
	Rates   []wireRate  `json:"rates"`
}

type wireRate struct {
	Effective string          `json:"effective"`
	Market    string          `json:"market"`
	Category  string          `json:"category"`
	Currency  string          `json:"currency"`
	Price     json.RawMessage `json:"price"`
	Tiers     []wireTier      `json:"tiers"`
}

type wireTier struct {
	UpTo  int64           `json:"up_to"`
	Price json.RawMessage `json:"price"`
}

// ParseCardJSON reads a rate card in its JSON form (the field tags of
// [RateCard]; prices as decimal strings or JSON numbers, read exactly) and
// validates it. Unknown keys are errors.
func ParseCardJSON(r io.Reader) (*RateCard, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var w wireCard
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("credits: card: %w: %v", cm.ErrSyntax, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("credits: card: %w: more than one JSON value", cm.ErrSyntax)
	}
	var ce cardErrs
	c := &RateCard{Name: w.Name, Example: w.Example, Note: w.Note, Markets: w.Markets, Rules: w.Rules}
	for i, wr := range w.Rates {
		rt := Rate{Effective: wr.Effective, Market: wr.Market, Currency: wr.Currency}
		if wr.Category != "" {
			if cat, err := ParseCategory(wr.Category); err == nil {
				rt.Category = cat
			} else {
				rt.Category = Category(wr.Category) // reported by check
			}
		}
		if len(wr.Tiers) == 0 {
			rt.Price = rawPrice(&ce, fmt.Sprintf("rates[%d].price", i), wr.Price)
		} else if len(wr.Price) > 0 && string(wr.Price) != "null" {
			ce.add(fmt.Sprintf("rates[%d].price", i), cm.ErrInvalidValue, "give a price or tiers, not both")
		}
		for k, wt := range wr.Tiers {
			rt.Tiers = append(rt.Tiers, Tier{UpTo: wt.UpTo, Price: rawPrice(&ce, fmt.Sprintf("rates[%d].tiers[%d].price", i, k), wt.Price)})
		}
		c.Rates = append(c.Rates, rt)
	}
	c.check(&ce, nil)
	if err := ce.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// rawPrice reads a price given as a JSON string or number.
func rawPrice(ce *cardErrs, field string, raw json.RawMessage) decimal.Decimal {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		ce.add(field, cm.ErrRequired, "")
		return decimal.Zero
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			ce.add(field, cm.ErrInvalidValue, err.Error())
			return decimal.Zero
		}
	}
	return parsePrice(ce, field, s)
}

func parsePrice(ce *cardErrs, field, s string) decimal.Decimal {
	d, err := decimal.NewFromString(s)
	if err != nil || strings.ContainsAny(s, "eE") {
		ce.add(field, cm.ErrInvalidValue, strconv.Quote(s)+" is not a plain decimal")
		return decimal.Zero
	}
	return d
}

// MarshalJSON writes the card in the form [ParseCardJSON] reads: prices
// as decimal strings, a tiered rate without a price.
func (c *RateCard) MarshalJSON() ([]byte, error) {
	type tier struct {
		UpTo  int64  `json:"up_to,omitempty"`
		Price string `json:"price"`
	}
	type rate struct {
		Effective string   `json:"effective"`
		Market    string   `json:"market"`
		Category  Category `json:"category"`
		Currency  string   `json:"currency"`
		Price     *string  `json:"price,omitempty"`
		Tiers     []tier   `json:"tiers,omitempty"`
	}
	out := struct {
		Name    string      `json:"name"`
		Example bool        `json:"example,omitempty"`
		Note    string      `json:"note,omitempty"`
		Markets []MarketMap `json:"markets"`
		Rules   []RuleSet   `json:"rules,omitempty"`
		Rates   []rate      `json:"rates"`
	}{Name: c.Name, Example: c.Example, Note: c.Note, Markets: c.Markets, Rules: c.Rules}
	for _, r := range c.Rates {
		w := rate{Effective: r.Effective, Market: r.Market, Category: r.Category, Currency: r.Currency}
		if len(r.Tiers) == 0 {
			p := r.Price.String()
			w.Price = &p
		}
		for _, t := range r.Tiers {
			w.Tiers = append(w.Tiers, tier{t.UpTo, t.Price.String()})
		}
		out.Rates = append(out.Rates, w)
	}
	return json.Marshal(out)
}

// compiled is a card resolved for one query: dates as instants in the
// account's zone, markets and rates as dense ids.
type compiled struct {
	markets []string // market id -> name
	maps    []cmap   // by effective instant, ascending
	rules   []crule  // by effective instant, ascending
	entries []centry
	mc      [][]int32 // market*numCats+cat -> entry ids, ascending effective
	rates   []crate   // rate id -> price
	// tieredMC marks the market-category pairs with a tiered entry: their
	// charges are ranked in the month.
	tieredMC []bool
}

type cmap struct {
	from      int64
	countries map[string]uint16
	codes     map[string]uint16
	maxCode   int
	def       uint16
}

type crule struct {
	from      int64
	cbp       bool
	freeCSW   [numCats]bool
	chargeFEP bool
}

type centry struct {
	from   int64
	market uint16
	cat    uint8
	bands  []cband // one band (UpTo 0) for a flat price
}

type cband struct {
	upTo int64 // inclusive; 0 = no bound
	rate int32
}

type crate struct {
	entry    int32
	price    decimal.Decimal
	currency string
	cat      uint8
	market   uint16
	lo, hi   int64 // band bounds for reporting (hi 0 = MAX)
}

// compile resolves the card in loc. The card must be valid. It is cheap
// enough to run for every query (about 0.1 ms for the example card's 178
// rates and two market maps of some 100 countries and 60 calling codes),
// so compiled cards are not kept anywhere.
func compile(c *RateCard, loc *time.Location) *compiled {
	cc := &compiled{}
	// Market ids in name order, so that they do not depend on map order.
	ids := map[string]uint16{}
	seen := func(name string) {
		if _, ok := ids[name]; !ok {
			ids[name] = 0
			cc.markets = append(cc.markets, name)
		}
	}
	for _, m := range c.Markets {
		seen(m.Default)
		for _, mk := range m.Countries {
			seen(mk)
		}
		for _, mk := range m.CallingCodes {
			seen(mk)
		}
	}
	for _, r := range c.Rates {
		seen(r.Market)
	}
	slices.Sort(cc.markets)
	for i, name := range cc.markets {
		ids[name] = uint16(i)
	}
	instants := map[string]int64{} // cards repeat a few dates
	at := func(s string) int64 {
		if t, ok := instants[s]; ok {
			return t
		}
		d, _ := cm.ParseDate(s)
		t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc).UnixNano()
		instants[s] = t
		return t
	}
	cc.maps = make([]cmap, 0, len(c.Markets))
	for _, m := range c.Markets {
		mm := cmap{from: at(m.Effective), countries: make(map[string]uint16, len(m.Countries)), codes: make(map[string]uint16, len(m.CallingCodes)), def: ids[m.Default]}
		for k, mk := range m.Countries {
			mm.countries[k] = ids[mk]
		}
		for k, mk := range m.CallingCodes {
			d := strings.TrimPrefix(k, "+")
			mm.codes[d] = ids[mk]
			mm.maxCode = max(mm.maxCode, len(d))
		}
		cc.maps = append(cc.maps, mm)
	}
	slices.SortFunc(cc.maps, func(a, b cmap) int { return cmp.Compare(a.from, b.from) })
	rules := c.Rules
	if len(rules) == 0 {
		rules = DefaultRules()
	}
	for _, r := range rules {
		cr := crule{from: at(r.Effective), cbp: strings.EqualFold(r.Model, "CBP"), chargeFEP: r.ChargeEntryPoint}
		for _, cat := range r.FreeInServiceWindow {
			cr.freeCSW[cat.code()] = true
		}
		cc.rules = append(cc.rules, cr)
	}
	slices.SortFunc(cc.rules, func(a, b crule) int { return cmp.Compare(a.from, b.from) })
	nrates := 0
	for _, r := range c.Rates {
		nrates += max(1, len(r.Tiers))
	}
	cc.rates = make([]crate, 0, nrates)
	cc.entries = make([]centry, 0, len(c.Rates))
	bands := make([]cband, 0, nrates) // every entry's bands, one after another
	count := make([]int32, len(cc.markets)*int(numCats))
	for _, r := range c.Rates {
		e := centry{from: at(r.Effective), market: ids[r.Market], cat: r.Category.code()}
		eid := int32(len(cc.entries))
		add := func(price decimal.Decimal, lo, hi int64) {
			cc.rates = append(cc.rates, crate{entry: eid, price: price, currency: r.Currency, cat: e.cat, market: e.market, lo: lo, hi: hi})
		}
		first := len(bands)
		if len(r.Tiers) == 0 {
			bands = append(bands, cband{0, int32(len(cc.rates))})
			add(r.Price, 0, 0)
		} else {
			var lo int64
			for _, t := range r.Tiers {
				bands = append(bands, cband{t.UpTo, int32(len(cc.rates))})
				add(t.Price, lo, t.UpTo)
				lo = t.UpTo + 1
			}
		}
		e.bands = bands[first:len(bands):len(bands)]
		cc.entries = append(cc.entries, e)
		count[int(e.market)*int(numCats)+int(e.cat)]++
	}
	// mc: the entries of each market and category, in one backing array.
	all := make([]int32, len(cc.entries))
	cc.mc = make([][]int32, len(count))
	off := 0
	for k, n := range count {
		cc.mc[k] = all[off : off : off+int(n)]
		off += int(n)
	}
	cc.tieredMC = make([]bool, len(cc.mc))
	for i, e := range cc.entries {
		k := int(e.market)*int(numCats) + int(e.cat)
		cc.mc[k] = append(cc.mc[k], int32(i))
		if len(e.bands) > 1 {
			cc.tieredMC[k] = true
		}
	}
	for _, list := range cc.mc {
		slices.SortFunc(list, func(a, b int32) int { return cmp.Compare(cc.entries[a].from, cc.entries[b].from) })
	}
	return cc
}

// rule returns the rule set in force at t, or nil before the first.
func (cc *compiled) rule(t int64) *crule {
	for i := len(cc.rules) - 1; i >= 0; i-- {
		if cc.rules[i].from <= t {
			return &cc.rules[i]
		}
	}
	return nil
}

// mapAt returns the index of the market map in force at t, or -1.
func (cc *compiled) mapAt(t int64) int {
	for i := len(cc.maps) - 1; i >= 0; i-- {
		if cc.maps[i].from <= t {
			return i
		}
	}
	return -1
}

// entry returns the rate entry in force at t for market and category, or -1.
func (cc *compiled) entry(market uint16, cat uint8, t int64) int32 {
	list := cc.mc[int(market)*int(numCats)+int(cat)]
	for i := len(list) - 1; i >= 0; i-- {
		if cc.entries[list[i]].from <= t {
			return list[i]
		}
	}
	return -1
}

// marketOfCountry returns the market of an ISO country under map mi, and
// whether the map names the country.
func (cc *compiled) marketOfCountry(mi int, country string) (uint16, bool) {
	id, ok := cc.maps[mi].countries[country]
	return id, ok
}

// marketOfPhone returns the market of the longest calling-code prefix of
// digits under map mi.
func (cc *compiled) marketOfPhone(mi int, digits string) (uint16, bool) {
	m := &cc.maps[mi]
	for n := min(m.maxCode, len(digits)); n >= 1; n-- {
		if id, ok := m.codes[digits[:n]]; ok {
			return id, true
		}
	}
	return 0, false
}

// fingerprint hashes every field of the card, so that accumulators of
// queries with equal cards (a card loaded again, as in another process)
// merge; map entries are combined in an order-independent way.
func (c *RateCard) fingerprint() uint64 {
	h := fnvOffset
	num := func(n int64) {
		for i := 0; i < 64; i += 8 {
			h = (h ^ uint64(byte(n>>i))) * fnvPrime
		}
	}
	str := func(s string) {
		num(int64(len(s)))
		h = fnvString(h, s)
	}
	entries := func(m map[string]string) {
		var sum uint64
		for k, v := range m {
			sum += fnvString(fnvString(fnvOffset, k)*31, v)
		}
		num(int64(len(m)))
		num(int64(sum))
	}
	price := func(d decimal.Decimal) {
		if d.NumDigits() > 18 {
			str(d.String()) // rare: the coefficient does not fit an int64
			return
		}
		num(d.CoefficientInt64())
		num(int64(d.Exponent()))
	}
	str(c.Name)
	str(c.Note)
	if c.Example {
		num(1)
	}
	num(int64(len(c.Markets)))
	for _, m := range c.Markets {
		str(m.Effective)
		str(m.Default)
		entries(m.Countries)
		entries(m.CallingCodes)
	}
	num(int64(len(c.Rules)))
	for _, r := range c.Rules {
		str(r.Effective)
		str(r.Model)
		if r.ChargeEntryPoint {
			num(1)
		}
		num(int64(len(r.FreeInServiceWindow)))
		for _, cat := range r.FreeInServiceWindow {
			str(string(cat))
		}
	}
	num(int64(len(c.Rates)))
	for _, r := range c.Rates {
		str(r.Effective)
		str(r.Market)
		str(string(r.Category))
		str(r.Currency)
		price(r.Price)
		num(int64(len(r.Tiers)))
		for _, t := range r.Tiers {
			num(t.UpTo)
			price(t.Price)
		}
	}
	return h
}

// FNV-1a, 64 bits: a fixed hash, so a fingerprint needs no seed (and no
// package state).
const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
)

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}
