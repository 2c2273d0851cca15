package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs one command line and returns its exit status and outputs.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

func TestUsage(t *testing.T) {
	if code, out, _ := runCLI(t, "", "help"); code != 0 || !strings.Contains(out, "validate") {
		t.Fatalf("help: %d %q", code, out)
	}
	if code, _, errs := runCLI(t, "", "frobnicate"); code != 2 || !strings.Contains(errs, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: %d %q", code, errs)
	}
	if code, _, _ := runCLI(t, "", "report", "-no-such-flag"); code != 2 {
		t.Fatalf("bad flag: exit %d, want 2", code)
	}
}

func TestDemoIsReproducible(t *testing.T) {
	_, a, _ := runCLI(t, "", "demo", "-events", "1000", "-seed", "7")
	_, b, _ := runCLI(t, "", "demo", "-events", "1000", "-seed", "7")
	if a != b {
		t.Fatal("same seed, different output")
	}
	if n := strings.Count(a, "\n"); n != 1000 {
		t.Fatalf("%d lines, want 1000", n)
	}
	// The output validates.
	code, out, errs := runCLI(t, a, "validate")
	if code != 0 {
		t.Fatalf("demo output does not validate: %s %s", out, errs)
	}
}

func TestValidateReportsEveryBadLine(t *testing.T) {
	input := strings.Join([]string{
		`{"id":"e1","tenant":"acme","type":"message.received","time":"2026-11-01T10:00:00Z","contact":"c1"}`,
		`{"id":"e2","tenant":"acme","type":"cart.added","time":"2026-11-01T10:01:00Z","contact":"c1","amount":"12.5","currency":"tl"}`,
		`{"id":"e3","tenant":"acme","type":"message.received","time":"2026-11-01T10:02:00Z","contact":"c1"`,
		`{"id":"e1","tenant":"acme","type":"message.received","time":"2026-11-01T10:00:00Z","contact":"c1"}`,
		`{"id":"e1","tenant":"acme","type":"message.received","time":"2026-11-01T10:00:00Z","contact":"c2"}`,
		`{"id":"e4","tenant":"acme","type":"message.sent","time":"2026-11-01T10:03:00Z","contact":"c1","sender":"robot","colour":"red"}`,
	}, "\n")
	path := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(path, []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "validate", path)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{
		path + `: line 2: event "e2": currency: invalid value`,
		path + `: line 3: event "e3": malformed JSON`,
		path + `: line 5: event "e1": conflicting event with the same id: same tenant and id as line 1 with different content`,
		path + `: line 6: event "e4": colour: unknown field`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "line 4") {
		t.Errorf("an exact repeat was reported as a problem:\n%s", out)
	}
	if !strings.Contains(errs, "6 lines, 2 valid events (1 exact repeats, which stores ignore), 4 problems") {
		t.Errorf("summary: %s", errs)
	}
}

func TestReportFromStdin(t *testing.T) {
	input := `{"id":"e1","tenant":"acme","type":"message.received","time":"2026-11-01T10:00:00Z","contact":"c1"}
{"id":"e2","tenant":"acme","type":"message.sent","time":"2026-11-01T10:01:00Z","contact":"c1","sender":"bot"}
{"id":"e3","tenant":"other","type":"message.received","time":"2026-11-01T10:00:00Z","contact":"c9"}`
	code, out, errs := runCLI(t, input, "report", "-tenant", "acme", "-tz", "Europe/Istanbul", "-preset", "last_7_days")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// Last 7 days ending with the latest event (2026-11-01 13:01 in Istanbul):
	// 2026-10-26 00:00 to 2026-11-02 00:00 local.
	if !strings.Contains(out, "tenant acme, last_7_days, 2026-10-26 00:00 to 2026-11-02 00:00 (Europe/Istanbul)") {
		t.Fatalf("header:\n%s", out)
	}
	code, _, errs = runCLI(t, input, "report", "-from", "2026-01-01", "-to", "2026-12-31")
	if code != 1 || !strings.Contains(errs, "range too long") {
		t.Fatalf("a 365-day range: exit %d %s", code, errs)
	}
}

// TestFlagChecksBeforeInput: every command checks -format and its own
// flags before it reads any input, so a bad flag is reported as such even
// when the input file does not exist.
func TestFlagChecksBeforeInput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.jsonl")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "-format", "xml"}, `-format "xml": want text, json or csv`},
		{[]string{"sessions", "-view", "bogus"}, `-view "bogus": want overview, list or windows`},
		{[]string{"agents", "-view", "bogus"}, `-view "bogus": want all, agents`},
		{[]string{"funnel", "-bins", "-1"}, "-bins -1: must not be negative"},
		{[]string{"campaigns", "-version", "v1"}, "-version needs -campaign"},
		{[]string{"goals", "-list", "-1"}, "-list -1: must not be negative"},
		{[]string{"flows", "-run-timeout", "0s"}, "-run-timeout 0s: must be more than 0"},
		{[]string{"attribution", "-lookback", "0d"}, `-lookback "0d": must be more than 0`},
		{[]string{"payments", "-reference-window", "0d"}, `-reference-window "0d": must be more than 0`},
		{[]string{"credits", "-burn-days", "0"}, "-burn-days 0: want at least 1"},
		{[]string{"webhooks", "-format", "xml"}, `-format "xml": want text, json or csv`},
	} {
		code, _, errs := runCLI(t, "", append(c.args, missing)...)
		if code != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", c.args, code, errs, c.want)
		}
	}
}
