package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goalsInput is a small JSON Lines input of tenant t: on 2026-11-02 (UTC)
// ayse runs the booking flow to its end, can stops at "date", and a test
// contact books too.
const goalsInput = `{"id":"e1","tenant":"t","type":"message.received","time":"2026-11-02T09:00:00Z","contact":"ayse"}
{"id":"e2","tenant":"t","type":"flow.started","time":"2026-11-02T09:01:00Z","contact":"ayse","flow":"booking","flow_version":"v1"}
{"id":"e3","tenant":"t","type":"flow.node","time":"2026-11-02T09:02:00Z","contact":"ayse","flow":"booking","node":"service"}
{"id":"e4","tenant":"t","type":"message.received","time":"2026-11-02T09:03:00Z","contact":"ayse"}
{"id":"e5","tenant":"t","type":"flow.node","time":"2026-11-02T09:04:00Z","contact":"ayse","flow":"booking","node":"date"}
{"id":"e6","tenant":"t","type":"message.received","time":"2026-11-02T09:05:00Z","contact":"ayse"}
{"id":"e7","tenant":"t","type":"flow.node","time":"2026-11-02T09:06:00Z","contact":"ayse","flow":"booking","node":"confirm"}
{"id":"e8","tenant":"t","type":"flow.completed","time":"2026-11-02T09:07:00Z","contact":"ayse","flow":"booking"}
{"id":"e9","tenant":"t","type":"message.received","time":"2026-11-02T10:00:00Z","contact":"can"}
{"id":"e10","tenant":"t","type":"flow.started","time":"2026-11-02T10:01:00Z","contact":"can","flow":"booking","flow_version":"v1"}
{"id":"e11","tenant":"t","type":"flow.node","time":"2026-11-02T10:02:00Z","contact":"can","flow":"booking","node":"service"}
{"id":"e12","tenant":"t","type":"message.received","time":"2026-11-02T10:03:00Z","contact":"can"}
{"id":"e13","tenant":"t","type":"flow.node","time":"2026-11-02T10:04:00Z","contact":"can","flow":"booking","node":"date"}
{"id":"e14","tenant":"t","type":"message.received","time":"2026-11-02T11:00:00Z","contact":"tess","channel":"test"}
{"id":"e15","tenant":"t","type":"flow.started","time":"2026-11-02T11:01:00Z","contact":"tess","channel":"test","flow":"booking","flow_version":"v1"}
{"id":"e16","tenant":"t","type":"flow.node","time":"2026-11-02T11:02:00Z","contact":"tess","channel":"test","flow":"booking","node":"confirm"}
`

func goalsFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "goals.json")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var goalsScope = []string{"-tenant", "t", "-tz", "UTC", "-from", "2026-11-02", "-to", "2026-11-02"}

func TestGoalsCommandExact(t *testing.T) {
	defs := goalsFile(t, `{"goals": [{"name": "booked", "when": {"node": {"flow": "booking", "node": "confirm"}}}]}`)
	code, out, errs := runCLI(t, goalsInput, append([]string{"goals", "-goals", defs}, goalsScope...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// Two conversations (ayse's and can's; tess is test traffic), one
	// conversion: 1/2 = 0.5000, 3 inbound messages before it, 09:06 − 09:00
	// = 360 s after the start. In the summary each number is right-aligned
	// under its column name, two spaces apart: "booked", 22 spaces and 1
	// under conversations_converted (23 wide), 20 and 2 under
	// conversations_started (21), 19 and 1 under converted_of_started (20),
	// 9 and 0.5000 under conversion_rate (15), 11 and 3.00 under
	// user_turns_mean (15), 13 and 3.00 under user_turns_median (17), 21
	// and 360 under time_to_convert_median_s (24); the goal has no
	// description, so the definition is empty.
	sp := strings.Repeat(" ", 2)
	row := "booked" + sp + strings.Repeat(" ", 22) + "1" + sp + strings.Repeat(" ", 20) + "2" + sp + strings.Repeat(" ", 19) + "1" +
		sp + strings.Repeat(" ", 9) + "0.5000" + sp + strings.Repeat(" ", 11) + "3.00" + sp + strings.Repeat(" ", 13) + "3.00" +
		sp + strings.Repeat(" ", 21) + "360" + sp + "\n"
	for _, want := range []string{
		"goals: tenant t, 2026-11-02 to 2026-11-02 (UTC), 1 goals (from " + defs + ")",
		"goal    conversations_converted  conversations_started  converted_of_started  conversion_rate  user_turns_mean  user_turns_median  time_to_convert_median_s  definition\n",
		row,
		"Converted conversations per day\n",
		"2026-11-02T00:00:00Z                      2       1",
		"booked  2026-11-02T09:06:00Z  ayse     derived@2026-11-02T09:00:00Z  booking  v1                     3",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// With test traffic the test contact books too: 2 of 3.
	_, out, _ = runCLI(t, goalsInput, append([]string{"goals", "-goals", defs, "-include-test", "-format", "json"}, goalsScope...)...)
	var doc struct {
		Goals struct {
			Conversations int `json:"conversations"`
			Goals         []struct {
				Conversions int `json:"conversions"`
			} `json:"goals"`
		} `json:"goals"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if doc.Goals.Conversations != 3 || doc.Goals.Goals[0].Conversions != 2 {
		t.Errorf("with test traffic: %+v", doc.Goals)
	}
}

func TestFlowsCommandExact(t *testing.T) {
	code, out, errs := runCLI(t, goalsInput, append([]string{"flows", "-run-timeout", "1h", "-dropped"}, goalsScope...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// Two runs of booking v1: ayse's completes, can's stops at date (its
	// last step 10:04 is more than an hour before the end of the day).
	//   service: reached 2, went on 2; date: reached 2, went on 1 (ayse),
	//   dropped 1 (can): 1/2; confirm: reached 1, went on 1. Ranked: date
	//   (1/2), then service and confirm (0), more reached first.
	for _, want := range []string{
		"flows: tenant t, 2026-11-02 to 2026-11-02 (UTC), every flow, runs end after 1h0m0s without a step",
		"   1  booking          2              2         2          1        1            0           0.5000  v1",
		"Drop-out: flow booking, version v1 (2 runs: 1 completed, 1 dropped, 0 before the first node, 0 in progress)",
		"   1  date           2        1        1         0.5000",
		"   2  service        2        2        0         0.0000",
		"   3  confirm        1        1        0         0.0000",
		"2026-11-02T10:01:00Z  can      derived@2026-11-02T10:00:00Z  booking  v1       date        2026-11-02T10:04:00Z  timeout",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// With the default 24-hour timeout can's run is still in progress.
	_, out, _ = runCLI(t, goalsInput, append([]string{"flows", "-format", "csv"}, goalsScope...)...)
	if !strings.Contains(out, "# Popular flows\nrank,flow,triggered,conversations,contacts,completed,dropped,in_progress,completion_rate,versions\n1,booking,2,2,2,1,0,1,1.0000,v1\n") {
		t.Errorf("csv:\n%s", out)
	}
}

func TestGoalsCommandErrors(t *testing.T) {
	bad := filepath.Join("..", "..", "goals", "testdata", "bad_goals.json")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"goals", "-goals", bad}, `-goals ` + bad + `: goals: goals[1].when.seq[1].event.type: unknown value: "cart"`},
		{[]string{"goals", "-goals", "nonesuch.json"}, "-goals: open nonesuch.json"},
		{[]string{"goals", "-goal", "nonesuch"}, `-goal "nonesuch": unknown goal (defined: "completed:booking")`},
		{[]string{"goals", "-list", "-1"}, "-list -1: must not be negative"},
		{[]string{"goals", "-lookback", "-1h"}, "-lookback -1h0m0s: must not be negative"},
		{[]string{"flows", "-version", "v1"}, "-version needs -flow"},
		{[]string{"flows", "-run-timeout", "0s"}, "-run-timeout 0s: must be more than 0"},
		{[]string{"flows", "-goals", bad}, "unknown value"},
		{[]string{"flows", "-goal", "a,b"}, "the versions are compared on one goal"},
	}
	for _, tc := range cases {
		args := append(tc.args, goalsScope...)
		code, _, errs := runCLI(t, goalsInput, args...)
		if code != 1 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", tc.args, code, errs, tc.want)
		}
	}
}

func TestGoalsCommandsOnDemo(t *testing.T) {
	code, out, errs := runCLI(t, "", "goals", "-demo", "-events", "20000", "-goals", filepath.Join("..", "..", "goals", "testdata", "demo_goals.json"), "-list", "2")
	if code != 0 {
		t.Fatalf("goals: exit %d: %s", code, errs)
	}
	for _, want := range []string{"Goals\n", "Converted conversations per day\n", "Converted conversations by credited flow\n", "Conversations behind the conversions (latest 2 per goal", "paid after link", "self-served purchase"} {
		if !strings.Contains(out, want) {
			t.Errorf("goals output lacks %q:\n%s", want, out)
		}
	}
	code, out, errs = runCLI(t, "", "flows", "-demo", "-events", "20000", "-flow", "shop")
	if code != 0 {
		t.Fatalf("flows: exit %d: %s", code, errs)
	}
	for _, want := range []string{"Drop-out: flow shop, version v1", "Drop-out: flow shop, version v2", "Versions of flow shop on goal completed:shop", "Flow shop: versions against the baseline v1", "verdict"} {
		if !strings.Contains(out, want) {
			t.Errorf("flows output lacks %q:\n%s", want, out)
		}
	}
	code, out, errs = runCLI(t, "", "report", "-demo", "-events", "20000", "-format", "json")
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, errs)
	}
	var doc struct {
		Goals struct {
			Goals struct {
				Goals []struct{ Name string } `json:"goals"`
			} `json:"goals"`
			Flows struct {
				TimesTriggered int `json:"times_triggered"`
			} `json:"flows"`
			Versions []struct{ Flow string } `json:"versions"`
		} `json:"goals"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Goals.Goals.Goals) == 0 || doc.Goals.Flows.TimesTriggered == 0 || len(doc.Goals.Versions) == 0 {
		t.Errorf("report's goals section: %+v", doc.Goals)
	}
	_, out, _ = runCLI(t, "", "report", "-demo", "-events", "20000")
	for _, want := range []string{"Popular flows\n", "Worst drop-out nodes (top 10", "Flow versions compared on completion\n", "Latest converted conversations (3 per goal",
		"payment_succeeded", "conversations with a payment.succeeded event, matched to a payment link or not"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// paymentsInput: ayse's conversation (no conversation ids) of 2026-11-02
// 09:00 receives links L1 and L2, both paid by id (P1, P2), and a payment
// P3 naming no link; can's conversation is resolved at 10:10 and his
// payment P4, naming no link, comes exactly 24 hours later, when it is
// closed.
const paymentsInput = `{"id":"p1","tenant":"t","type":"message.received","time":"2026-11-02T09:00:00Z","contact":"ayse"}
{"id":"p2","tenant":"t","type":"payment.link","time":"2026-11-02T09:01:00Z","contact":"ayse","link":"L1","amount":"10","currency":"EUR"}
{"id":"p3","tenant":"t","type":"payment.link","time":"2026-11-02T09:02:00Z","contact":"ayse","link":"L2","amount":"20","currency":"EUR"}
{"id":"p4","tenant":"t","type":"payment.succeeded","time":"2026-11-02T09:03:00Z","contact":"ayse","payment":"P1","link":"L1","amount":"10","currency":"EUR"}
{"id":"p5","tenant":"t","type":"payment.succeeded","time":"2026-11-02T09:04:00Z","contact":"ayse","payment":"P2","link":"L2","amount":"20","currency":"EUR"}
{"id":"p6","tenant":"t","type":"payment.succeeded","time":"2026-11-02T09:05:00Z","contact":"ayse","payment":"P3","amount":"5","currency":"EUR"}
{"id":"p7","tenant":"t","type":"message.received","time":"2026-11-02T10:00:00Z","contact":"can"}
{"id":"p8","tenant":"t","type":"conversation.resolved","time":"2026-11-02T10:10:00Z","contact":"can"}
{"id":"p9","tenant":"t","type":"payment.succeeded","time":"2026-11-03T10:10:00Z","contact":"can","payment":"P4","amount":"7","currency":"EUR"}
`

// TestReportPaymentGoal: on one report the goal payment_succeeded counts
// conversations with a payment (1: ayse's; P2 and P3 are in the same
// conversation, P4 in none), while the commerce funnel counts paid links
// (L1, L2: 2) and attribution matched payments (P1, P2: 2); the goals
// table says what it counts.
func TestReportPaymentGoal(t *testing.T) {
	scope := []string{"-tenant", "t", "-tz", "UTC", "-from", "2026-11-02", "-to", "2026-11-03"}
	code, out, errs := runCLI(t, paymentsInput, append([]string{"report", "-format", "json"}, scope...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Goals struct {
			Goals struct {
				Conversations int `json:"conversations"`
				Goals         []struct {
					Name        string `json:"name"`
					Conversions int    `json:"conversions"`
				} `json:"goals"`
			} `json:"goals"`
		} `json:"goals"`
		Commerce struct {
			Conversions int `json:"conversions"`
		} `json:"commerce"`
		Attribution struct {
			Payments struct {
				Matched int `json:"matched"`
			} `json:"payments"`
		} `json:"attribution"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	g := doc.Goals.Goals
	if len(g.Goals) != 1 || g.Goals[0].Name != "payment_succeeded" || g.Goals[0].Conversions != 1 || g.Conversations != 2 {
		t.Errorf("goals: %+v; want payment_succeeded alone, 1 of 2 conversations", g)
	}
	if doc.Commerce.Conversions != 2 || doc.Attribution.Payments.Matched != 2 {
		t.Errorf("commerce conversions %d, attribution matched %d; want 2 and 2", doc.Commerce.Conversions, doc.Attribution.Payments.Matched)
	}
	_, out, _ = runCLI(t, paymentsInput, append([]string{"report", "-format", "csv"}, scope...)...)
	// 1 of the 2 conversations started: 0.5000; one inbound message
	// (09:00) before P1: 1 user turn; P1 at 09:03, 180 s after the start.
	want := "# Goals\ngoal,conversations_converted,conversations_started,converted_of_started,conversion_rate,user_turns_mean,user_turns_median,time_to_convert_median_s,definition\n" +
		"payment_succeeded,1,2,1,0.5000,1.00,1.00,180,\"conversations with a payment.succeeded event, matched to a payment link or not\"\n"
	if !strings.Contains(out, want) {
		t.Errorf("report CSV lacks %q:\n%s", want, out)
	}
}

// TestGoalsLongRange: -allow-long-range reaches the engine, which accepts
// ranges over 90 days only with it (2025-06-01 to 2026-11-02 is 520 days).
func TestGoalsLongRange(t *testing.T) {
	long := []string{"-tenant", "t", "-tz", "UTC", "-from", "2025-06-01", "-to", "2026-11-02"}
	for _, cmd := range []string{"goals", "flows"} {
		if code, _, errs := runCLI(t, goalsInput, append([]string{cmd}, long...)...); code != 1 || !strings.Contains(errs, "range too long") {
			t.Errorf("%s without -allow-long-range: exit %d, %s", cmd, code, errs)
		}
		if code, _, errs := runCLI(t, goalsInput, append([]string{cmd, "-allow-long-range"}, long...)...); code != 0 {
			t.Errorf("%s -allow-long-range: exit %d, %s", cmd, code, errs)
		}
	}
}
