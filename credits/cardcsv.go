package credits

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	cm "github.com/convometrics/convometrics"
	"github.com/shopspring/decimal"
)

// csvColumns lists the columns of each section of the CSV form.
var csvColumns = map[string][]string{
	"card":    {"name", "example", "note"},
	"markets": {"effective", "key", "market"},
	"rules":   {"effective", "model", "free_in_service_window", "charge_entry_point"},
	"rates":   {"effective", "market", "category", "currency", "price", "up_to"},
}

// csvRequired lists the columns each section must have.
var csvRequired = map[string][]string{
	"card":    {"name"},
	"markets": {"effective", "key", "market"},
	"rules":   {"effective", "model"},
	"rates":   {"effective", "market", "category", "currency", "price"},
}

// ParseCardCSV reads a rate card in its CSV form and validates it. Errors
// name the line and the column.
//
// The CSV form is a sequence of sections, each a line
// "# <section>" followed by a header line and rows (blank lines are
// ignored):
//
//	# card
//	name,example,note
//	example-2026,true,"EXAMPLE ONLY: illustrative prices"
//
//	# markets
//	effective,key,market
//	2025-07-01,*,other
//	2025-07-01,US,north_america
//	2025-07-01,+1809,rest_of_latin_america
//
//	# rules
//	effective,model,free_in_service_window,charge_entry_point
//	2025-07-01,PMP,service utility,false
//
//	# rates
//	effective,market,category,currency,price,up_to
//	2025-07-01,north_america,marketing,USD,0.0250,
//	2026-01-01,india,utility,USD,0.0014,750000
//	2026-01-01,india,utility,USD,0.0013,
//
// Markets rows with the same effective date form one market map; the key is
// an ISO 3166-1 alpha-2 country, a calling code ("+" and digits) or "*" for
// the default market. Rates rows with the same effective date, market and
// category are the tiers of one rate, in ascending up_to order with the
// last up_to empty; a single row with an empty up_to is a flat price. The
// free_in_service_window cell lists categories separated by spaces or "|".
// Columns may come in any order; unknown columns are errors. The rules
// section is optional ([DefaultRules] apply without it), and so is the card
// section (the name then defaults to "csv").
func ParseCardCSV(r io.Reader) (*RateCard, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var ce cardErrs
	c := &RateCard{}
	section, header := "", map[string]int(nil)
	sawCard := false
	// lines of entries, for naming them in errors
	mapLine := map[string]int{}     // effective -> map index
	keyLine := map[[2]string]int{}  // (map index, key) -> line
	entryLine := map[string][]int{} // kind -> line of entry i
	tierLines := map[int][]int{}    // rate index -> line of each tier
	rateIdx := map[[3]string]int{}  // (effective, market, category) -> rate index
	lineErr := func(line int, col, detail string, err error) {
		ce.add(fmt.Sprintf("line %d: %s", line, col), err, detail)
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("credits: card: line %d: %w: %v", pe.Line, cm.ErrSyntax, pe.Err)
			}
			return nil, fmt.Errorf("credits: card: %w", err)
		}
		if len(rec) == 1 && strings.HasPrefix(strings.TrimSpace(rec[0]), "#") {
			section = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rec[0]), "#")))
			if _, ok := csvColumns[section]; !ok {
				return nil, fmt.Errorf("credits: card: line %d: section %q: %w (want card, markets, rules or rates)", line, section, cm.ErrUnknownValue)
			}
			header = nil
			continue
		}
		if section == "" {
			section = "rates" // a file of rates alone
		}
		if header == nil {
			header = map[string]int{}
			for i, h := range rec {
				h = strings.ToLower(strings.TrimSpace(h))
				if !slices.Contains(csvColumns[section], h) {
					return nil, fmt.Errorf("credits: card: line %d: %s: column %q: %w (want %s)", line, section, h, cm.ErrUnknownValue, strings.Join(csvColumns[section], ", "))
				}
				header[h] = i
			}
			for _, h := range csvRequired[section] {
				if _, ok := header[h]; !ok {
					return nil, fmt.Errorf("credits: card: line %d: %s: column %q: %w", line, section, h, cm.ErrRequired)
				}
			}
			continue
		}
		get := func(col string) string {
			if i, ok := header[col]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if len(rec) > len(header) {
			lineErr(line, section, fmt.Sprintf("%d cells, the header has %d", len(rec), len(header)), cm.ErrInvalidValue)
			continue
		}
		switch section {
		case "card":
			if sawCard {
				lineErr(line, "card", "one card row only", ErrDuplicate)
				continue
			}
			sawCard = true
			c.Name, c.Note = get("name"), get("note")
			if v := get("example"); v != "" {
				b, err := strconv.ParseBool(v)
				if err != nil {
					lineErr(line, "example", strconv.Quote(v)+" (want true or false)", cm.ErrInvalidValue)
				}
				c.Example = b
			}
		case "markets":
			eff, key, market := get("effective"), get("key"), get("market")
			mi, ok := mapLine[eff]
			if !ok {
				mi = len(c.Markets)
				mapLine[eff] = mi
				c.Markets = append(c.Markets, MarketMap{Effective: eff})
				entryLine["markets"] = append(entryLine["markets"], line)
			}
			m := &c.Markets[mi]
			k := [2]string{strconv.Itoa(mi), key}
			switch {
			case key == "":
				lineErr(line, "key", "a country, a calling code (+digits) or *", cm.ErrRequired)
				continue
			case key == "*":
				if m.Default != "" {
					lineErr(line, "key", "a second default market for "+eff, ErrDuplicate)
					continue
				}
				m.Default = market
				if market == "" {
					m.Default = " " // reported as invalid by check, with this line
				}
				keyLine[[2]string{strconv.Itoa(mi), ""}] = line
				continue
			case strings.HasPrefix(key, "+"):
				if m.CallingCodes == nil {
					m.CallingCodes = map[string]string{}
				}
				if _, dup := m.CallingCodes[key[1:]]; dup {
					lineErr(line, "key", key+" twice for "+eff, ErrDuplicate)
					continue
				}
				m.CallingCodes[key[1:]] = market
				k[1] = "+" + key[1:]
			default:
				if m.Countries == nil {
					m.Countries = map[string]string{}
				}
				if _, dup := m.Countries[key]; dup {
					lineErr(line, "key", key+" twice for "+eff, ErrDuplicate)
					continue
				}
				m.Countries[key] = market
			}
			keyLine[k] = line
		case "rules":
			r := RuleSet{Effective: get("effective"), Model: get("model")}
			for _, f := range strings.FieldsFunc(get("free_in_service_window"), func(r rune) bool { return r == ' ' || r == '|' }) {
				cat, err := ParseCategory(f)
				if err != nil {
					cat = Category(f) // reported by check
				}
				r.FreeInServiceWindow = append(r.FreeInServiceWindow, cat)
			}
			if v := get("charge_entry_point"); v != "" {
				b, err := strconv.ParseBool(v)
				if err != nil {
					lineErr(line, "charge_entry_point", strconv.Quote(v)+" (want true or false)", cm.ErrInvalidValue)
				}
				r.ChargeEntryPoint = b
			}
			c.Rules = append(c.Rules, r)
			entryLine["rules"] = append(entryLine["rules"], line)
		case "rates":
			eff, market, catS, cur := get("effective"), get("market"), get("category"), get("currency")
			cat := Category(catS)
			if p, err := ParseCategory(catS); err == nil {
				cat = p
			}
			price := decimal.Zero
			if v := get("price"); v == "" {
				lineErr(line, "price", "", cm.ErrRequired)
			} else {
				price = parsePrice(&ce, fmt.Sprintf("line %d: price", line), v)
			}
			var upTo int64
			if v := get("up_to"); v != "" {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n <= 0 {
					lineErr(line, "up_to", strconv.Quote(v)+" (want a positive whole number)", cm.ErrInvalidValue)
				}
				upTo = n
			}
			k := [3]string{eff, market, string(cat)}
			ri, ok := rateIdx[k]
			if !ok {
				ri = len(c.Rates)
				rateIdx[k] = ri
				c.Rates = append(c.Rates, Rate{Effective: eff, Market: market, Category: cat, Currency: cur})
				entryLine["rates"] = append(entryLine["rates"], line)
			}
			rt := &c.Rates[ri]
			if rt.Currency != cur {
				lineErr(line, "currency", fmt.Sprintf("%q, but line %d gives %q for the same rate", cur, entryLine["rates"][ri], rt.Currency), cm.ErrInvalidValue)
			}
			tierLines[ri] = append(tierLines[ri], line)
			rt.Tiers = append(rt.Tiers, Tier{UpTo: upTo, Price: price})
		}
	}
	if !sawCard && c.Name == "" {
		c.Name = "csv"
	}
	// A rate of one row with no bound is a flat price.
	for i := range c.Rates {
		if rt := &c.Rates[i]; len(rt.Tiers) == 1 && rt.Tiers[0].UpTo == 0 {
			rt.Price, rt.Tiers = rt.Tiers[0].Price, nil
		}
	}
	where := func(kind string, i int, key string) string {
		line := 0
		switch {
		case kind == "markets": // key "" is the default market's line
			line = keyLine[[2]string{strconv.Itoa(i), key}]
		case kind == "rates" && key != "":
			k, _ := strconv.Atoi(key)
			if k < len(tierLines[i]) {
				line = tierLines[i][k]
			}
		}
		if line == 0 && i < len(entryLine[kind]) {
			line = entryLine[kind][i]
		}
		return fmt.Sprintf("line %d: %s: ", line, kind)
	}
	for i := range c.Markets {
		if c.Markets[i].Default == " " {
			c.Markets[i].Default = "" // reported as required
		}
	}
	c.check(&ce, where)
	if err := ce.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// WriteCSV writes the card in the CSV form [ParseCardCSV] reads.
func (c *RateCard) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	section := func(name string, rows [][]string) {
		if len(rows) == 0 {
			return
		}
		cw.Flush()
		fmt.Fprintf(w, "# %s\n", name)
		cw.Write(csvColumns[name])
		cw.WriteAll(rows)
		cw.Flush()
		io.WriteString(w, "\n")
	}
	section("card", [][]string{{c.Name, strconv.FormatBool(c.Example), c.Note}})
	var rows [][]string
	for _, m := range c.Markets {
		rows = append(rows, []string{m.Effective, "*", m.Default})
		for _, k := range slices.Sorted(maps.Keys(m.Countries)) {
			rows = append(rows, []string{m.Effective, k, m.Countries[k]})
		}
		for _, k := range slices.Sorted(maps.Keys(m.CallingCodes)) {
			rows = append(rows, []string{m.Effective, "+" + strings.TrimPrefix(k, "+"), m.CallingCodes[k]})
		}
	}
	section("markets", rows)
	rows = nil
	for _, r := range c.Rules {
		var cats []string
		for _, cat := range r.FreeInServiceWindow {
			cats = append(cats, string(cat))
		}
		rows = append(rows, []string{r.Effective, r.Model, strings.Join(cats, " "), strconv.FormatBool(r.ChargeEntryPoint)})
	}
	section("rules", rows)
	rows = nil
	for _, r := range c.Rates {
		if len(r.Tiers) == 0 {
			rows = append(rows, []string{r.Effective, r.Market, string(r.Category), r.Currency, r.Price.String(), ""})
		}
		for _, t := range r.Tiers {
			up := ""
			if t.UpTo > 0 {
				up = strconv.FormatInt(t.UpTo, 10)
			}
			rows = append(rows, []string{r.Effective, r.Market, string(r.Category), r.Currency, t.Price.String(), up})
		}
	}
	section("rates", rows)
	cw.Flush()
	return cw.Error()
}
