package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// creditsCard is a one-market card (illustrative prices).
const creditsCard = `# card
name,example,note
cli-test,false,

# markets
effective,key,market
2025-07-01,*,other
2025-07-01,TR,turkey

# rates
effective,market,category,currency,price,up_to
2025-07-01,turkey,marketing,USD,0.0109,
2025-07-01,turkey,utility,USD,0.0053,
`

// creditsEvents: a 1 USD top-up; WHATSAPP.md's four sends in Istanbul on
// 2026-07-06 (marketing charged 0.0109; a text and a utility template in
// the window, free; a utility template after it, charged 0.0053, on
// 07-07).
const creditsEvents = `{"id":"t1","tenant":"acme","type":"credits.topup","time":"2026-07-06T05:00:00Z","amount":"1","currency":"USD"}
{"id":"s1","tenant":"acme","type":"message.sent","time":"2026-07-06T06:00:00Z","channel":"whatsapp","contact":"905300000001","message":"m1","sender":"campaign","template":"promo","template_category":"marketing","campaign":"summer"}
{"id":"d1","tenant":"acme","type":"message.status","time":"2026-07-06T06:00:03Z","channel":"whatsapp","contact":"905300000001","message":"m1","status":"delivered","country":"TR","pricing_model":"PMP","pricing_type":"regular","pricing_category":"marketing","billable":true}
{"id":"r1","tenant":"acme","type":"message.received","time":"2026-07-06T08:00:00Z","channel":"whatsapp","contact":"905300000001","message":"in1"}
{"id":"s2","tenant":"acme","type":"message.sent","time":"2026-07-06T09:00:00Z","channel":"whatsapp","contact":"905300000001","message":"m2","sender":"bot"}
{"id":"d2","tenant":"acme","type":"message.status","time":"2026-07-06T09:00:03Z","channel":"whatsapp","contact":"905300000001","message":"m2","status":"delivered","country":"TR","pricing_model":"PMP","pricing_type":"free_customer_service","pricing_category":"service","billable":false}
{"id":"s3","tenant":"acme","type":"message.sent","time":"2026-07-06T10:00:00Z","channel":"whatsapp","contact":"905300000001","message":"m3","sender":"bot","template":"order","template_category":"utility"}
{"id":"d3","tenant":"acme","type":"message.status","time":"2026-07-06T10:00:03Z","channel":"whatsapp","contact":"905300000001","message":"m3","status":"delivered","country":"TR","pricing_model":"PMP","pricing_type":"free_customer_service","pricing_category":"utility","billable":false}
{"id":"s4","tenant":"acme","type":"message.sent","time":"2026-07-07T12:00:00Z","channel":"whatsapp","contact":"905300000001","message":"m4","sender":"bot","template":"order","template_category":"utility"}
{"id":"d4","tenant":"acme","type":"message.status","time":"2026-07-07T12:00:03Z","channel":"whatsapp","contact":"905300000001","message":"m4","status":"read","country":"TR","pricing_model":"PMP","pricing_type":"regular","pricing_category":"utility","billable":true}
`

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCreditsCommand(t *testing.T) {
	card := writeTemp(t, "card.csv", creditsCard)
	args := []string{"credits", "-rates", card, "-tenant", "acme", "-tz", "Europe/Istanbul", "-from", "2026-07-06", "-to", "2026-07-07"}
	code, out, errs := runCLI(t, creditsEvents, append(args, "-daily")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	flat := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{
		"rate card: cli-test Credits: acme",
		"used USD 0.0162",
		"balance USD 0.9838", // 1 − 0.0162
		"marketing 1 1 0 0 USD 0.0109",
		"utility 2 1 0 0 USD 0.0053",
		// day, delivered, charged, currency, used, the seven categories, top-ups, balance
		"2026-07-06 3 1 USD 0.0109 0.0109 0 0 0 0 0 0 1 0.9891",
		"2026-07-07 1 1 USD 0.0053 0 0 0.0053 0 0 0 0 0 0.9838",
		// forecast at the latest event (07-07 12:00:03 UTC), which counts:
		// 0.0162 in the last 7 days, 0.9838 × 7 ÷ 0.0162 = 425.0988 → 425.10 days;
		// per day 0.0162 ÷ 7 = 0.0023143 → 0.002314; 07-07 12:00 UTC + 425.0988
		// days = 2027-09-05 about 14:22 UTC (2027-07-07 + 60 days: 24 in July,
		// 31 in August, 5 in September), 17:22 in Istanbul
		"USD 0.9838 0.0162 7 0.002314 425.1 2027-09-05 depleting",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "EXAMPLE") || strings.Contains(errs, "example rate card") {
		t.Errorf("a card given with -rates was called the example:\n%s\n%s", out, errs)
	}

	// -by campaign as CSV: summer is m1 (marketing, 0.0109); m2 to m4 have
	// no campaign, m4 the only charge among them (utility, 0.0053)
	code, out, errs = runCLI(t, creditsEvents, append(args, "-by", "campaign", "-format", "csv")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "campaign,delivered,charged,unpriced,currency,cost\n(none),3,1,0,USD,0.0053\nsummer,1,1,0,USD,0.0109\n") {
		t.Errorf("CSV by campaign:\n%s", out)
	}

	// JSON
	code, out, errs = runCLI(t, creditsEvents, append(args, "-format", "json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Summary struct {
			Used    map[string]string `json:"used"`
			Balance map[string]string `json:"balance"`
		} `json:"summary"`
		CardNote string `json:"card_note"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if doc.Summary.Used["USD"] != "0.0162" || doc.Summary.Balance["USD"] != "0.9838" || doc.CardNote != "" {
		t.Errorf("JSON %+v", doc)
	}

	// reconciliation by month
	code, out, errs = runCLI(t, creditsEvents, append(args, "-reconcile", "-bucket", "month", "-format", "csv")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "2026-07,phone-1,TR,UTILITY,REGULAR,0:MAX,USD,1,0.0053,0,0") && !strings.Contains(out, "2026-07,,TR,UTILITY,REGULAR,0:MAX,USD,1,0.0053,0,0") {
		t.Errorf("reconciliation:\n%s", out)
	}
}

func TestCreditsCommandDemo(t *testing.T) {
	code, out, errs := runCLI(t, "", "credits", "-demo", "-events", "20000", "-daily")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"rate card: example-usd-2026 (priced with the example rate card", "EXAMPLE prices, not an invoice",
		"Credits used by category", "marketing", "service", "Usage history (day, Europe/Istanbul)", "balance", "Forecast", "USD"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, _, errs := runCLI(t, "", "credits", "-demo", "-events", "2000", "-format", "csv"); !strings.Contains(errs, "example rate card") {
		t.Errorf("stderr does not say the example card priced the CSV: %q", errs)
	}
	code, out, _ = runCLI(t, "", "report", "-demo", "-events", "20000", "-format", "json")
	if code != 0 {
		t.Fatalf("report: exit %d", code)
	}
	var doc struct {
		Credits struct {
			CardNote string          `json:"card_note"`
			Summary  json.RawMessage `json:"summary"`
		} `json:"credits"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Credits.CardNote == "" || len(doc.Credits.Summary) == 0 {
		t.Errorf("report has no credits section (%v)", err)
	}
}

func TestCreditsCommandErrors(t *testing.T) {
	bad := writeTemp(t, "bad.csv", strings.Replace(creditsCard, "0.0109", "0.01x", 1))
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"credits", "-rates", bad}, 1, "line 12: price: invalid value"},
		{[]string{"credits", "-rates", "nope.xml"}, 1, "want a .json or .csv file"},
		{[]string{"credits", "-by", "agent"}, 1, `-by: credits: by "agent": unknown value`},
		{[]string{"credits", "-reconcile", "-bucket", "week"}, 1, "reconciliation buckets are day or month"},
		{[]string{"credits", "-burn-days", "0"}, 1, "-burn-days 0"},
		{[]string{"credits", "-no-such-flag"}, 2, ""},
	}
	for _, c := range cases {
		code, _, errs := runCLI(t, creditsEvents, c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d %q, want %d with %q", c.args, code, errs, c.code, c.want)
		}
	}
}
