package credits_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/credits"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

var update = flag.Bool("update", false, "rewrite testdata/example_card.csv from example_card.json")

// The example card ships in JSON and CSV; both must say the same, and say
// that they are an example.
func TestExampleCard(t *testing.T) {
	j, err := credits.LoadCard("testdata/example_card.json")
	if err != nil {
		t.Fatal(err)
	}
	if !j.Example || !strings.Contains(j.Note, "EXAMPLE ONLY") {
		t.Errorf("the example card is not marked as one: example %v, note %q", j.Example, j.Note)
	}
	var b bytes.Buffer
	if err := j.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("testdata/example_card.csv", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := credits.LoadCard("testdata/example_card.csv")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(j, c, cmpOpts); d != "" {
		t.Errorf("JSON and CSV cards differ (-json +csv):\n%s", d)
	}
	// JSON round trip
	out, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	back, err := credits.ParseCardJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(j, back, cmpOpts); d != "" {
		t.Errorf("JSON round trip (-before +after):\n%s", d)
	}
}

func TestCardJSONErrors(t *testing.T) {
	cases := []struct {
		name, json string
		want       []string
		is         error
	}{
		{"unknown key", `{"name":"x","markets":[],"rates":[],"colour":"red"}`, []string{`unknown field "colour"`}, cm.ErrSyntax},
		{"missing price", `{"name":"x","markets":[{"effective":"2025-07-01","default":"other"}],
			"rates":[{"effective":"2025-07-01","market":"other","category":"marketing","currency":"USD"}]}`,
			[]string{"rates[0].price: required"}, cm.ErrRequired},
		{"price as exponent", `{"name":"x","markets":[{"effective":"2025-07-01","default":"other"}],
			"rates":[{"effective":"2025-07-01","market":"other","category":"marketing","currency":"USD","price":"1e-2"}]}`,
			[]string{`rates[0].price: invalid value: "1e-2" is not a plain decimal`}, cm.ErrInvalidValue},
		{"many problems", `{"markets":[{"effective":"2025-13-01","default":"Other","countries":{"tr":"turkey"},"calling_codes":{"9x":"turkey"}}],
			"rules":[{"effective":"2025-07-01","model":"XYZ","free_in_service_window":["gratis"]}],
			"rates":[{"effective":"2025-07-01","market":"mars","category":"spam","currency":"usd","price":"-1"},
			         {"effective":"2025-07-01","market":"turkey","category":"utility","currency":"USD","tiers":[{"up_to":10,"price":"0.1"},{"up_to":5,"price":"0.2"},{"up_to":20,"price":"0.3"}]},
			         {"effective":"2025-07-01","market":"turkey","category":"utility","currency":"EUR","price":"0.1"}]}`,
			[]string{
				"credits: card: name: required",
				`markets[0].effective: invalid value: "2025-13-01"`,
				`markets[0].default: invalid value: "Other"`,
				`markets[0].countries["tr"]: invalid value: want an upper-case ISO 3166-1 alpha-2 code`,
				`markets[0].calling_codes["9x"]: invalid value: want 1 to 7 digits`,
				`rules[0].model: unknown value: "XYZ"`,
				`rules[0].free_in_service_window[0]: unknown value: "gratis"`,
				`rates[0].market: unknown value: "mars" is in no market map`,
				`rates[0].category: unknown value: "spam"`,
				`rates[0].currency: invalid value: "usd" is not an ISO 4217 code`,
				`rates[0].price: invalid value: negative`,
				`rates[1].tiers[1].up_to: invalid value: 5: want more than 10`,
				`rates[1].tiers[2].up_to: invalid value: the last tier has no upper bound`,
				`rates[2].effective: duplicate: turkey utility already has a price from 2025-07-01 (rates[1])`,
			}, cm.ErrInvalidValue},
	}
	for _, c := range cases {
		_, err := credits.ParseCardJSON(strings.NewReader(c.json))
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error lacks %q:\n%v", c.name, w, err)
			}
		}
		if !errors.Is(err, c.is) {
			t.Errorf("%s: error is not %v", c.name, c.is)
		}
	}
}

func TestCardCSVErrors(t *testing.T) {
	good := "# markets\neffective,key,market\n2025-07-01,*,other\n2025-07-01,TR,turkey\n\n# rates\neffective,market,category,currency,price,up_to\n"
	cases := []struct {
		name, csv string
		want      []string
	}{
		{"unknown section", "# prices\na,b\n", []string{`line 1: section "prices": unknown value`}},
		{"unknown column", "# rates\neffective,market,colour\n", []string{`line 2: rates: column "colour": unknown value`}},
		{"missing column", "# markets\neffective,key\n", []string{`line 2: markets: column "market": required`}},
		{"bad rows", good +
			"2025-07-01,turkey,marketing,USD,0.01x,\n" + // line 8
			"2025-07-01,turkey,utility,USD,0.01,abc\n" + // line 9
			"2025-07-01,mars,marketing,USD,0.01,\n" + // line 10
			"2025-07-01,turkey,authentication,USD,0.01,100\n" + // line 11: tiers...
			"2025-07-01,turkey,authentication,EUR,0.02,\n", // line 12: ...in another currency
			[]string{
				`line 8: price: invalid value: "0.01x" is not a plain decimal`,
				`line 9: up_to: invalid value: "abc"`,
				`line 10: rates: market: unknown value: "mars" is in no market map`,
				`line 12: currency: invalid value: "EUR", but line 11 gives "USD" for the same rate`,
			}},
		{"bad market rows", "# markets\neffective,key,market\n2025-07-01,*,other\n2025-07-01,*,rest\n2025-07-01,tr,turkey\n2025-07-01,+9x,turkey\n# rates\neffective,market,category,currency,price\n2025-07-01,other,marketing,USD,1\n",
			[]string{
				`line 4: key: duplicate: a second default market for 2025-07-01`,
				`line 5: markets: countries["tr"]: invalid value`,
				`line 6: markets: calling_codes["9x"]: invalid value: want 1 to 7 digits`,
			}},
		{"ragged row", good + "2025-07-01,turkey,marketing,USD,0.01,,extra\n", []string{"line 8: rates: invalid value: 7 cells, the header has 6"}},
	}
	for _, c := range cases {
		_, err := credits.ParseCardCSV(strings.NewReader(c.csv))
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error lacks %q:\n%v", c.name, w, err)
			}
		}
	}
	// A tiered rate and a rules section read back as written.
	c, err := credits.ParseCardCSV(strings.NewReader(good +
		"2025-07-01,turkey,utility,USD,0.0053,1000\n2025-07-01,turkey,utility,USD,0.0040,\n" +
		"\n# rules\neffective,model,free_in_service_window\n2025-07-01,pmp,service|Utility\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Rates) != 1 || len(c.Rates[0].Tiers) != 2 || c.Rates[0].Tiers[0].UpTo != 1000 || c.Rates[0].Tiers[1].UpTo != 0 {
		t.Errorf("tiers %+v", c.Rates)
	}
	if len(c.Rules) != 1 || len(c.Rules[0].FreeInServiceWindow) != 2 || c.Rules[0].FreeInServiceWindow[1] != credits.Utility || c.Name != "csv" {
		t.Errorf("rules %+v, name %q", c.Rules, c.Name)
	}
}

func TestParseCategory(t *testing.T) {
	for in, want := range map[string]credits.Category{
		"marketing": credits.Marketing, "AUTHENTICATION-INTERNATIONAL": credits.AuthenticationInternational,
		"authentication_international": credits.AuthenticationInternational, " Marketing_Lite ": credits.MarketingLite,
	} {
		if got, err := credits.ParseCategory(in); err != nil || got != want {
			t.Errorf("ParseCategory(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := credits.ParseCategory("referral_conversion"); !errors.Is(err, cm.ErrUnknownValue) || !strings.HasPrefix(err.Error(), "credits: category ") {
		t.Errorf("referral_conversion is not a card category: %v", err)
	}
}

func TestDemoCardIsTheExampleCard(t *testing.T) {
	j, err := credits.LoadCard("testdata/example_card.json")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(j, credits.DemoCard(), cmpOpts); d != "" {
		t.Errorf("DemoCard differs from testdata/example_card.json:\n%s", d)
	}
}

// A card changed between two queries prices the second with its new
// content: nothing compiled is kept between queries. In the four-send
// example (marketing 0.0109 + utility 0.0053 = 0.0162), marketing at
// 0.0209 from 2025-07-01 makes 0.0209 + 0.0053 = 0.0262; a card made
// invalid after a valid use is refused.
func TestCardChangedBetweenQueries(t *testing.T) {
	st := fourSends(t, true).store(t)
	q := query(t, "Europe/Istanbul", "2026-07-06", "2026-07-07")
	eqAmounts(t, "used", summarize(t, st, q).Used, usd("0.0162"))
	q.Card.Rates[1].Price = decimal.RequireFromString("0.0209") // turkey marketing from 2025-07-01
	eqAmounts(t, "used after the change", summarize(t, st, q).Used, usd("0.0262"))
	q.Card.Rates[1].Currency = "usd"
	if _, err := credits.Summarize(context.Background(), st, q); !errors.Is(err, cm.ErrInvalidValue) || !strings.Contains(err.Error(), "rates[1].currency") {
		t.Errorf("a card made invalid: %v", err)
	}
}
