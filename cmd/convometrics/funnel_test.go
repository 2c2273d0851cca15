package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/shopspring/decimal"
)

// funnelInput is a JSON Lines input for the funnel commands: three
// contacts of tenant acme (Istanbul), a campaign deployment and a payment.
func funnelInput(t *testing.T) string {
	t0 := time.Date(2026, 11, 2, 7, 0, 0, 0, time.UTC) // 10:00 in Istanbul
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	try := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
	evs := []cm.Event{
		// ayse: writes, adds to her cart (10 min), pays through the link (20 min later).
		{ID: "a1", Type: cm.MessageReceived, Time: at(0), Contact: "ayse", Conversation: "v1"},
		{ID: "a2", Type: cm.CartAdded, Time: at(10), Contact: "ayse", Conversation: "v1", Amount: try("149.90"), Currency: "TRY", Flow: "shop"},
		{ID: "a3", Type: cm.PaymentLink, Time: at(11), Contact: "ayse", Conversation: "v1", Link: "L1", Amount: try("149.90"), Currency: "TRY"},
		{ID: "a4", Type: cm.PaymentSucceeded, Time: at(30), Contact: "ayse", Link: "L1", Payment: "P1", Amount: try("149.90"), Currency: "TRY"},
		// can: writes, adds to his cart 5 min later.
		{ID: "c1", Type: cm.MessageReceived, Time: at(0), Contact: "can", Conversation: "v2"},
		{ID: "c2", Type: cm.CartAdded, Time: at(5), Contact: "can", Conversation: "v2", Amount: try("299.90"), Currency: "TRY"},
		// ece: targeted by black-friday v1, sent, read, answers with a button.
		{ID: "e1", Type: cm.CampaignTargeted, Time: at(-60), Contact: "ece", Campaign: "black-friday", CampaignVersion: "1", Attrs: map[string]string{"first_name": "Ece"}},
		{ID: "e2", Type: cm.MessageSent, Time: at(-59), Contact: "ece", Sender: cm.SenderCampaign, Campaign: "black-friday", CampaignVersion: "1", Template: "bf_offer", Message: "w1"},
		{ID: "e3", Type: cm.MessageStatus, Time: at(-58), Contact: "ece", Message: "w1", Status: cm.StatusRead},
		{ID: "e4", Type: cm.MessageReceived, Time: at(-50), Contact: "ece", Conversation: "v3", ReplyTo: "w1", MessageType: "button"},
		// deniz: targeted, the send failed (131049).
		{ID: "d1", Type: cm.CampaignTargeted, Time: at(-60), Contact: "deniz", Campaign: "black-friday", CampaignVersion: "1"},
		{ID: "d2", Type: cm.MessageSent, Time: at(-59), Contact: "deniz", Sender: cm.SenderCampaign, Campaign: "black-friday", CampaignVersion: "1", Template: "bf_offer", Message: "w2"},
		{ID: "d3", Type: cm.MessageStatus, Time: at(-57), Contact: "deniz", Message: "w2", Status: cm.StatusFailed, ErrorCode: "131049"},
	}
	var b strings.Builder
	for _, e := range evs {
		e.Tenant = "acme"
		line, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

var funnelScope = []string{"-tenant", "acme", "-tz", "Europe/Istanbul", "-from", "2026-11-02", "-to", "2026-11-02"}

func TestFunnelCommand(t *testing.T) {
	in := funnelInput(t)
	args := append([]string{"funnel", "-steps", "message.received,cart.added,payment.succeeded", "-window", "7d", "-format", "csv"}, funnelScope...)
	code, out, errs := runCLI(t, in, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// ayse, can and ece write (3); ayse and can add to a cart, in 10 and 5
	// min (mean 450 s); ayse pays 20 min after her cart.
	want := "step,name,count,dropped_off,conversion_from_previous,conversion_from_first,mean_time_from_previous_s,median_time_from_previous_s\n" +
		"1,message.received,3,0,1.0000,1.0000,,\n" +
		"2,cart.added,2,1,0.6667,0.6667,450,450\n" +
		"3,payment.succeeded,1,1,0.5000,0.3333,1200,1200\n"
	if out != want {
		t.Errorf("csv:\n%s\nwant:\n%s", out, want)
	}

	// A filter, a breakdown and the unit lists, as text.
	code, out, errs = runCLI(t, in, append([]string{"funnel", "-steps", "message.received,cart.added[amount>=200]", "-breakdown", "flow", "-list"}, funnelScope...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// Only can's cart is at least 200: one conversion, under flow ""
	// (first touch: his funnel events carry no flow).
	for _, w := range []string{"steps message.received → cart.added[amount>=200]; order ordered, window 14 days, unit contact",
		"Funnel by flow", "(none)", "Funnel units", "   2  reached  can", "   2  dropped  ayse"} {
		if !strings.Contains(out, w) {
			t.Errorf("text output lacks %q:\n%s", w, out)
		}
	}

	// JSON, from a definition file.
	def := filepath.Join(t.TempDir(), "funnel.json")
	os.WriteFile(def, []byte(`{"steps": [{"type": "message.received"}, {"type": "cart.added"}], "order": "strict", "breakdown": {"field": "conversation", "attribution": "all_events"}}`), 0o644)
	code, out, errs = runCLI(t, in, append([]string{"funnel", "-def", def, "-format", "json"}, funnelScope...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Result struct {
			Steps []struct {
				Count int `json:"count"`
			} `json:"steps"`
			Breakdown []struct {
				Value string `json:"value"`
			} `json:"breakdown"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	// Strict: ayse's and can's carts follow their messages directly (2).
	// All events by conversation: the events matching a step carry v1
	// (ayse), v2 (can) and v3 (ece's reply) = 3 rows.
	if len(doc.Result.Steps) != 2 || doc.Result.Steps[1].Count != 2 || len(doc.Result.Breakdown) != 3 {
		t.Errorf("json: %+v", doc.Result)
	}

	// Trends and time to convert. Trends by day in Istanbul: ayse and can
	// write at 10:00, ece at 09:10, all on 2026-11-02: 3 entered; ayse's
	// and can's carts convert 2: 2/3 = 0.6667.
	code, out, _ = runCLI(t, in, append([]string{"funnel", "-steps", "message.received,cart.added", "-view", "trends", "-format", "csv"}, funnelScope...)...)
	if code != 0 || !strings.Contains(out, "2026-11-02T00:00:00+03:00,3,2,0.6667") {
		t.Errorf("trends: %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, in, append([]string{"funnel", "-steps", "message.received,cart.added", "-view", "time-to-convert", "-bins", "1", "-format", "csv"}, funnelScope...)...)
	// 300 s and 600 s, one bin: width 300, rows 300 and 600.
	if code != 0 || !strings.Contains(out, "bin_start_s,bin_end_s,units\n300,600,1\n600,900,1\n") {
		t.Errorf("time to convert: %d\n%s", code, out)
	}
}

func TestFunnelCommandErrors(t *testing.T) {
	in := funnelInput(t)
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"steps": [{"type": "message.received"}, {"type": "cart.added"}], "windo": "7d"}`), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"funnel"}, "no funnel: give -steps or -def"},
		{[]string{"funnel", "-steps", "message.received,cart"}, `-steps: funnel: step 2 "cart": type: unknown value "cart"`},
		{[]string{"funnel", "-steps", "message.received"}, "funnel: steps: invalid value: 1 steps, want at least 2"},
		{[]string{"funnel", "-steps", "message.received,cart.added", "-window", "7y"}, `-window: funnel: window "7y": unit: unknown value`},
		{[]string{"funnel", "-steps", "message.received,cart.added", "-order", "sideways"}, `funnel: order: unknown value "sideways"`},
		{[]string{"funnel", "-steps", "message.received,cart.added", "-view", "pie"}, `-view "pie"`},
		{[]string{"funnel", "-steps", "message.received,cart.added", "-attribution", "last_touch"}, "-attribution and -breakdown-limit need -breakdown"},
		{[]string{"funnel", "-steps", "message.received,cart.added", "-breakdown", "flow", "-attribution", "step_0"}, "steps are numbered from 1"},
		{[]string{"funnel", "-steps", "message.received,cart.added", "-exclude", "conversation.handoff@2-1"}, "-exclude: funnel: exclusion"},
		{[]string{"funnel", "-steps", "message.received,cart.added", "-from-step", "-1"}, "-from-step -1: steps are numbered from 1"},
		{[]string{"funnel", "-steps", "message.received,cart.added", "-view", "trends", "-from-step", "2"}, "funnel: from_step: invalid value: 1 must be before to_step 1"},
		{[]string{"funnel", "-def", bad}, `unknown field "windo"`},
		{[]string{"campaigns", "-version", "2"}, "-version needs -campaign"},
		{[]string{"campaigns", "-status", "read"}, "add -users"},
		{[]string{"campaigns", "-users", "-status", "lost"}, `funnel: status: unknown value "lost"`},
		{[]string{"campaigns", "-history", "ece"}, "-history needs -campaign"},
		{[]string{"campaigns", "-history", "nobody", "-campaign", "black-friday"}, "no such deployment"},
	} {
		code, _, errs := runCLI(t, in, append(c.args, funnelScope...)...)
		if code != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, code, errs, c.want)
		}
	}
}

func TestCampaignsCommand(t *testing.T) {
	in := funnelInput(t)
	code, out, errs := runCLI(t, in, append([]string{"campaigns", "-format", "csv"}, funnelScope...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// ece: read and answered; deniz: failed (recipient). 2 users in 2
	// deployments, 1 sent, 1 response: 100%.
	want := "campaign,version,users,deployments,sent,in_process,failed,failed_recipient,failed_template,failed_rate_limit,failed_account,failed_window_policy,failed_transient,failed_unknown,delivered,read,responses,response_rate\n" +
		"black-friday,all,2,2,1,0,1,1,0,0,0,0,0,0,1,1,1,1.0000\n" +
		"black-friday,1,2,2,1,0,1,1,0,0,0,0,0,0,1,1,1,1.0000\n"
	if out != want {
		t.Errorf("summary:\n%s\nwant:\n%s", out, want)
	}
	code, out, errs = runCLI(t, in, append([]string{"campaigns", "-users", "-status", "read"}, funnelScope...)...)
	if code != 0 || !strings.Contains(out, "ece") || strings.Contains(out, "deniz") || !strings.Contains(out, "first_name=Ece") {
		t.Errorf("users: %d %s\n%s", code, errs, out)
	}
	code, out, errs = runCLI(t, in, append([]string{"campaigns", "-history", "ece", "-campaign", "black-friday", "-format", "csv"}, funnelScope...)...)
	if code != 0 || !strings.Contains(out, "outbound,w1,,campaign,bf_offer,,read,") || !strings.Contains(out, ",inbound,,button,,,w1,,") {
		t.Errorf("history: %d %s\n%s", code, errs, out)
	}
}

func TestReportHasTheCommerceFunnel(t *testing.T) {
	code, out, errs := runCLI(t, funnelInput(t), append([]string{"report", "-format", "csv"}, funnelScope...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// Initiated: ayse's and can's sessions (by themselves), ece's
	// black-friday send (her button reply starts session v3, which is the
	// campaign's; the failed send to deniz initiates nothing) = 3; carts 2;
	// conversions 1 (ayse's payment P1), of 1 paid link (L1): 149.90 TRY.
	for _, w := range []string{"# Commerce funnel", "all,3,2,1,2,2,0.6667,1,0.3333,1", "black-friday,1,0,1,0,0,0.0000,0,0.0000,0",
		"# Commerce revenue", "all,TRY,149.90,0.00,149.90"} {
		if !strings.Contains(out, w) {
			t.Errorf("report lacks %q:\n%s", w, out)
		}
	}
}

func TestFunnelCommandsOnTheDemo(t *testing.T) {
	// Every number of the conversational-commerce and campaign pages comes
	// out of the command line.
	code, out, errs := runCLI(t, "", "funnel", "-demo", "-events", "20000", "-view", "commerce", "-bucket", "week")
	if code != 0 {
		t.Fatalf("commerce: exit %d: %s", code, errs)
	}
	for _, w := range []string{"initiated_conversations", "add_to_carts", "add_to_cart_rate", "conversions", "conversion_rate", "revenue", "Commerce funnel by campaign and week"} {
		if !strings.Contains(out, w) {
			t.Errorf("commerce lacks %q", w)
		}
	}
	code, out, errs = runCLI(t, "", "campaigns", "-demo", "-events", "20000")
	if code != 0 {
		t.Fatalf("campaigns: exit %d: %s", code, errs)
	}
	for _, w := range []string{"users", "sent", "in_process", "failed_recipient", "delivered", "read", "responses", "response_rate"} {
		if !strings.Contains(out, w) {
			t.Errorf("campaigns lack %q", w)
		}
	}
	code, out, errs = runCLI(t, "", "campaigns", "-demo", "-events", "20000", "-users", "-format", "json")
	if code != 0 || !strings.Contains(out, `"stage"`) || !strings.Contains(out, `"session"`) {
		t.Fatalf("users: exit %d: %s", code, errs)
	}
}

func TestFunnelCommandsLongRange(t *testing.T) {
	in := funnelInput(t)
	// 2026-08-01 to 2026-11-02 is 31 + 30 + 31 + 2 = 94 days: refused
	// without -allow-long-range, answered with it.
	long := []string{"-tenant", "acme", "-tz", "Europe/Istanbul", "-from", "2026-08-01", "-to", "2026-11-02"}
	for _, args := range [][]string{
		{"funnel", "-steps", "message.received,cart.added"},
		{"funnel", "-view", "commerce"},
		{"funnel", "-steps", "message.received,cart.added", "-view", "trends"},
		{"campaigns"},
		{"campaigns", "-history", "ece", "-campaign", "black-friday"},
	} {
		code, _, errs := runCLI(t, in, append(args, long...)...)
		if code != 1 || !strings.Contains(errs, "range too long") {
			t.Errorf("%v: exit %d, %s", args, code, errs)
		}
		code, _, errs = runCLI(t, in, append(append(args, long...), "-allow-long-range")...)
		if code != 0 {
			t.Errorf("%v -allow-long-range: exit %d, %s", args, code, errs)
		}
	}
}
