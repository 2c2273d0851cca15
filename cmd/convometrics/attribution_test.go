package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// attrFixture is the worked example of the attribution notes (§2.5) as
// JSON Lines: 100.00 TRY paid at 2026-10-01 12:00 UTC after a campaign
// send 14 days before, a template send 7 days before, a flow start 1 day
// before and an agent assignment 2 hours before.
const attrFixture = `{"id":"e1","tenant":"t","type":"message.sent","time":"2026-09-17T12:00:00Z","contact":"c1","sender":"campaign","campaign":"spring_sale","template":"spring_offer"}
{"id":"e2","tenant":"t","type":"message.sent","time":"2026-09-24T12:00:00Z","contact":"c1","sender":"bot","template":"cart_reminder"}
{"id":"e3","tenant":"t","type":"flow.started","time":"2026-09-30T12:00:00Z","contact":"c1","flow":"checkout_bot"}
{"id":"e4","tenant":"t","type":"conversation.assigned","time":"2026-10-01T10:00:00Z","contact":"c1","agent":"ayse"}
{"id":"e5","tenant":"t","type":"payment.link","time":"2026-10-01T11:00:00Z","contact":"c1","link":"plink_1","reference":"ORD-1","amount":"100.00","currency":"TRY"}
{"id":"e6","tenant":"t","type":"payment.succeeded","time":"2026-10-01T12:00:00Z","payment":"pay_1","link":"plink_1","amount":"100.00","currency":"TRY"}
{"id":"e7","tenant":"t","type":"payment.succeeded","time":"2026-10-01T13:00:00Z","payment":"pay_2","reference":"WEB-9","amount":"5.00","currency":"TRY"}
{"id":"e8","tenant":"t","type":"payment.link","time":"2026-10-01T14:00:00Z","contact":"c2","link":"plink_2","amount":"20.00","currency":"TRY"}
`

func TestAttributionCommandWorkedExample(t *testing.T) {
	code, out, errs := runCLI(t, attrFixture, "attribution", "-model", "time_decay", "-by", "touchpoint", "-tz", "Europe/Istanbul",
		"-from", "2026-10-01", "-to", "2026-10-01", "-format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// Time decay with a 7-day half-life: 37.46, 34.21, 18.89, 9.44 (notes §2.5).
	for _, want := range []string{
		"# Attribution: time_decay by touchpoint\ntouchpoint,conversions,touches,currency,revenue\n" +
			"agent:ayse,0.37461,1,TRY,37.46\nflow:checkout_bot,0.342104,1,TRY,34.21\ntemplate:cart_reminder,0.188857,1,TRY,18.89\ncampaign:spring_sale,0.094428,1,TRY,9.44\n",
		"TRY,1,100.00,0.00,100.00",
		"2026-10-01T00:00:00+03:00,1,TRY,100.00",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// A 7-day lookback keeps T2 at exactly 7 days: 20.85, 37.78, 41.37.
	code, out, errs = runCLI(t, attrFixture, "attribution", "-model", "time_decay", "-by", "touchpoint", "-lookback", "7d",
		"-from", "2026-10-01", "-to", "2026-10-01", "-format", "csv")
	if code != 0 || !strings.Contains(out, "agent:ayse,0.413672,1,TRY,41.37\nflow:checkout_bot,0.377777,1,TRY,37.78\ntemplate:cart_reminder,0.20855,1,TRY,20.85\n") {
		t.Errorf("7-day lookback: exit %d %s\n%s", code, errs, out)
	}
}

func TestAttributionCommandEveryModelAddsUp(t *testing.T) {
	args := []string{"-demo", "-events", "20000", "-tenant", "acme", "-format", "json"}
	code, out, errs := runCLI(t, "", append([]string{"payments"}, args...)...)
	if code != 0 {
		t.Fatalf("payments: exit %d: %s", code, errs)
	}
	var pay struct {
		Payments struct {
			Totals struct {
				Matched int                        `json:"matched"`
				Revenue map[string]decimal.Decimal `json:"revenue"`
			} `json:"totals"`
		} `json:"payments"`
	}
	if err := json.Unmarshal([]byte(out), &pay); err != nil {
		t.Fatal(err)
	}
	if pay.Payments.Totals.Matched == 0 {
		t.Fatal("no matched payments in the demo")
	}
	code, out, errs = runCLI(t, "", append([]string{"attribution", "-model", "all", "-by", "campaign"}, args...)...)
	if code != 0 {
		t.Fatalf("attribution: exit %d: %s", code, errs)
	}
	var all struct {
		Models map[string]struct {
			Rows []struct {
				Value       string                     `json:"value"`
				Conversions float64                    `json:"conversions"`
				Revenue     map[string]decimal.Decimal `json:"revenue"`
			} `json:"rows"`
		} `json:"models"`
	}
	if err := json.Unmarshal([]byte(out), &all); err != nil {
		t.Fatal(err)
	}
	if len(all.Models) != 7 {
		t.Fatalf("%d models", len(all.Models))
	}
	for model, res := range all.Models {
		sum := map[string]decimal.Decimal{}
		var conv float64
		for _, r := range res.Rows {
			conv += r.Conversions
			for c, v := range r.Revenue {
				sum[c] = sum[c].Add(v)
			}
		}
		for c, v := range pay.Payments.Totals.Revenue {
			if !sum[c].Equal(v) {
				t.Errorf("%s: rows add up to %s %s, matched revenue is %s", model, sum[c], c, v)
			}
		}
		if d := conv - float64(pay.Payments.Totals.Matched); d > 1e-9 || d < -1e-9 {
			t.Errorf("%s: %v conversions, %d matched payments", model, conv, pay.Payments.Totals.Matched)
		}
	}
	// The text form ends with a total row per currency.
	code, out, _ = runCLI(t, "", "attribution", "-demo", "-events", "20000", "-tenant", "acme", "-model", "all")
	if code != 0 || !strings.Contains(out, "total (matched revenue ") {
		t.Errorf("text: exit %d\n%s", code, out)
	}
}

func TestPaymentsCommand(t *testing.T) {
	code, out, errs := runCLI(t, attrFixture, "payments", "-from", "2026-10-01", "-to", "2026-10-01", "-format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"TRY,1,100.00,0.00,100.00,1,5.00,1,20.00",
		"pay_1,2026-10-01T12:00:00Z,c1,link,plink_1,2026-10-01T11:00:00Z,TRY,100.00,0.00,100.00,false",
		"pay_2,2026-10-01T13:00:00Z,,,WEB-9,,TRY,5.00,unknown_reference",
		"plink_2,,2026-10-01T14:00:00Z,c2,,,,,TRY,20.00,0",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestAttributionPathsMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "paths.csv")
	data := "path;total_conversions;total_conversion_value;total_null\nC1 > C2 > C3;1;10.00;0\nC1;0;0;1\nC2 > C3;0;0;1\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "attribution", "-paths", path, "-format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// Removal effects 0.5, 1, 1: shares 0.2, 0.4, 0.4 of one conversion
	// and of 10.00.
	for _, want := range []string{"C1,0.2,2,0.5,0.5", "C2,0.4,4,1,1", "C3,0.4,4,1,1", "C1,1,10,0,0,0.333333,3.34", "(start),C1,2,0.666667"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, _, errs = runCLI(t, "", "attribution", "-paths", filepath.Join(t.TempDir(), "missing.csv"))
	if code != 1 || !strings.Contains(errs, "missing.csv") {
		t.Errorf("missing file: exit %d %s", code, errs)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("path;total_conversions\nA;many\n"), 0o644)
	code, _, errs = runCLI(t, "", "attribution", "-paths", bad)
	if code != 1 || !strings.Contains(errs, `line 2: total_conversions: bad path data: not a number: "many"`) {
		t.Errorf("bad file: exit %d %s", code, errs)
	}
}

func TestAttributionCommandBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-model", "first_click"}, `-model: attribution: model "first_click": unknown value`},
		{[]string{"-by", "colour"}, `-by: attribution: dimension "colour": unknown value`},
		{[]string{"-lookback", "a while"}, `-lookback "a while": want a duration`},
		{[]string{"-lookback", "0d"}, `-lookback "0d": must be more than 0`},
		{[]string{"-half-life", "-3h"}, `-half-life "-3h": want a duration`},
		{[]string{"-first-share", "0.7"}, "first_share + last_share: invalid value: 0.7 + 0.4 is more than 1"},
		{[]string{"-kinds", "campaign_send,smoke_signal"}, `kinds[1]: unknown value: "smoke_signal"`},
		{[]string{"-format", "xml"}, `-format "xml"`},
		{[]string{"-bucket", "fortnight"}, `granularity "fortnight"`},
	} {
		code, _, errs := runCLI(t, attrFixture, append([]string{"attribution"}, c.args...)...)
		if code != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", c.args, code, errs, c.want)
		}
	}
	if code, _, errs := runCLI(t, attrFixture, "payments", "-reference-window", "soon"); code != 1 || !strings.Contains(errs, `-reference-window "soon"`) {
		t.Errorf("payments: exit %d %s", code, errs)
	}
}

func TestReportAttributionSection(t *testing.T) {
	code, out, errs := runCLI(t, attrFixture, "report", "-from", "2026-10-01", "-to", "2026-10-01", "-format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// Last touch by each dimension: the only touch carrying it.
	for _, want := range []string{
		"# Chatbot revenue (payments through links sent in conversations)\ncurrency,payments,gross,refunded,revenue,unmatched_payments,unmatched_amount,unpaid_links\nTRY,1,100.00,0.00,100.00,1,5.00,1\n",
		"campaign,spring_sale,1,TRY,100.00\nflow,checkout_bot,1,TRY,100.00\nagent,ayse,1,TRY,100.00\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}
