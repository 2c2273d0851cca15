package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cm "github.com/convometrics/convometrics"
)

const samplesDir = "../../whatsapp/testdata"

// decodeEvents reads JSON Lines events.
func decodeEvents(t *testing.T, s string) []cm.Event {
	t.Helper()
	var out []cm.Event
	for ev, err := range cm.NewDecoder(strings.NewReader(s), nil).Events() {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

func TestWebhooksSamplesToEvents(t *testing.T) {
	code, out, errs := runCLI(t, "", "webhooks", samplesDir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	evs := decodeEvents(t, out)
	// 17 sample bodies give 19 events for WABA 100000000000001 and 4 for
	// 100000000000002 (see whatsapp/store_test.go), in file order.
	if len(evs) != 23 {
		t.Fatalf("%d events, want 23", len(evs))
	}
	if evs[0].ID != "wa:wamid.FAKE_INBOUND_TEXT_0001" || evs[22].ID != "wa:wamid.FAKE_OUTBOUND_OLD_0001:deleted:1773162160" {
		t.Errorf("first %s, last %s", evs[0].ID, evs[22].ID)
	}
	if !strings.Contains(errs, "17 webhook bodies, 23 events, 2 platform errors, 2 parts ignored, 0 malformed bodies") {
		t.Errorf("summary: %s", errs)
	}
	if !strings.Contains(errs, "11-value-level-errors.json: body 1: tenant 100000000000001, phone number id 200000000000001: whatsapp: error 130429: Rate limit hit") {
		t.Errorf("platform error not reported: %s", errs)
	}
	// The output is valid input for the other commands.
	if code, vout, verrs := runCLI(t, out, "validate"); code != 0 {
		t.Fatalf("validate: %s %s", vout, verrs)
	}
}

// reportEvents runs a report in JSON and returns its events section.
func reportEvents(t *testing.T, stdin string, args ...string) (byType map[string]int, total, contacts int) {
	t.Helper()
	code, out, errs := runCLI(t, stdin, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Events struct {
			ByType   map[string]int `json:"by_type"`
			Total    int            `json:"total"`
			Contacts int            `json:"contacts"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return doc.Events.ByType, doc.Events.Total, doc.Events.Contacts
}

// TestWebhooksReport feeds the samples to the report, both directly
// (-report) and through a pipe of JSON Lines, and checks the hand-worked
// counts. Tenant 100000000000001, last 30 days before its latest event
// (2026-03-10T17:01:00Z, sample 17), in UTC: 2026-02-09 to 2026-03-11.
// Sample 10 (2025-05-01) falls outside. In the period:
//
//	message.received: 01, 02, 03, 04, 05, 12, 13, 15, 16 = 9 (14 is a system message: none)
//	message.status:   06, 07, 08 ×2, 09, 17 ×3 (first entry) = 8
//	cart.added:       05 = 1
//	contacts: 15550004444, 15550002222, 919800000001, 15550003333,
//	          447700900123, BR.13491208655302741918, 15550005555,
//	          US.1111222233334444 = 8
func TestWebhooksReport(t *testing.T) {
	want := map[string]int{"message.received": 9, "message.status": 8, "cart.added": 1}
	check := func(name string, byType map[string]int, total, contacts int) {
		t.Helper()
		for k, v := range want {
			if byType[k] != v {
				t.Errorf("%s: %s = %d, want %d", name, k, byType[k], v)
			}
		}
		if total != 18 || contacts != 8 || len(byType) != 3 {
			t.Errorf("%s: total %d, contacts %d, types %v; want 18, 8", name, total, contacts, byType)
		}
	}
	byType, total, contacts := reportEvents(t, "", "webhooks", "-report", "-format", "json", "-tenant", "100000000000001", samplesDir)
	check("-report", byType, total, contacts)

	_, jsonl, _ := runCLI(t, "", "webhooks", samplesDir)
	byType, total, contacts = reportEvents(t, jsonl, "report", "-format", "json", "-tenant", "100000000000001")
	check("pipe", byType, total, contacts)

	// The second WABA: 1 message and 3 statuses (played, sent, deleted), one contact.
	byType, total, contacts = reportEvents(t, "", "webhooks", "-report", "-format", "json", "-tenant", "100000000000002", samplesDir)
	if byType["message.received"] != 1 || byType["message.status"] != 3 || total != 4 || contacts != 1 {
		t.Errorf("second WABA: %v %d %d", byType, total, contacts)
	}
}

// TestWebhooksRedeliveredAddsNothing: the same bodies twice give the same
// report (the store ignores the repeats).
func TestWebhooksRedeliveredAddsNothing(t *testing.T) {
	_, once, _ := runCLI(t, "", "webhooks", samplesDir)
	_, twice, _ := runCLI(t, "", "webhooks", samplesDir, samplesDir)
	if strings.Count(twice, "\n") != 2*strings.Count(once, "\n") {
		t.Fatal("second pass did not repeat the events")
	}
	a1, t1, c1 := reportEvents(t, once, "report", "-format", "json", "-tenant", "100000000000001")
	a2, t2, c2 := reportEvents(t, twice, "report", "-format", "json", "-tenant", "100000000000001")
	if t1 != t2 || c1 != c2 || len(a1) != len(a2) {
		t.Errorf("once %v %d %d, twice %v %d %d", a1, t1, c1, a2, t2, c2)
	}
}

func TestWebhooksStdinStreamAndRoutes(t *testing.T) {
	// Two bodies as JSON Lines (compact) on stdin, routed by phone number id.
	var lines []string
	for _, f := range []string{"06-status-sent-pmp-marketing-v23.json", "17-batch-multi-entry.json"} {
		b, err := os.ReadFile(filepath.Join(samplesDir, f))
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		c, _ := json.Marshal(v)
		lines = append(lines, string(c))
	}
	code, out, errs := runCLI(t, strings.Join(lines, "\n")+"\n", "webhooks",
		"-route", "200000000000001=acme", "-route", "200000000000002=globex")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	evs := decodeEvents(t, out)
	// 1 event from 06, 3 + 4 from 17.
	tenants := map[string]int{}
	for _, e := range evs {
		tenants[e.Tenant]++
	}
	if len(evs) != 8 || tenants["acme"] != 4 || tenants["globex"] != 4 {
		t.Errorf("%d events, tenants %v", len(evs), tenants)
	}
}

func TestWebhooksPseudonymised(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key")
	if err := os.WriteFile(key, []byte("0123456789abcdef-test-key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "webhooks", "-contact-key-file", key, filepath.Join(samplesDir, "02-inbound-interactive-button-reply.json"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	evs := decodeEvents(t, out)
	// openssl: HMAC-SHA256("0123456789abcdef-test-key", "15550002222") begins beb1173c50c7ad5f1ba2f51323efd2a0.
	if len(evs) != 1 || evs[0].Contact != "beb1173c50c7ad5f1ba2f51323efd2a0" || evs[0].Country != "US" {
		t.Errorf("%+v", evs)
	}
	if strings.Contains(out, "15550002222") {
		t.Errorf("raw number in output: %s", out)
	}
	if code, _, errs := runCLI(t, "", "webhooks", "-contact-key-file", filepath.Join(dir, "missing"), samplesDir); code != 1 || !strings.Contains(errs, "-contact-key-file") {
		t.Errorf("missing key file: %d %s", code, errs)
	}
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("short"), 0o600)
	if code, _, errs := runCLI(t, "", "webhooks", "-contact-key-file", short, samplesDir); code != 1 || !strings.Contains(errs, "want at least 16") {
		t.Errorf("short key: %d %s", code, errs)
	}
}

func TestWebhooksBadBodies(t *testing.T) {
	dir := t.TempDir()
	good, _ := os.ReadFile(filepath.Join(samplesDir, "06-status-sent-pmp-marketing-v23.json"))
	os.WriteFile(filepath.Join(dir, "a.json"), good, 0o644)
	os.WriteFile(filepath.Join(dir, "b.json"), []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"statuses":[{"id":"w","status":"sent"}]}}]}]}`), 0o644)
	os.WriteFile(filepath.Join(dir, "c.json"), good, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a body"), 0o644)

	// Stops at the first bad body, naming it and the field.
	code, out, errs := runCLI(t, "", "webhooks", dir)
	if code != 1 || !strings.Contains(errs, "b.json: body 1: whatsapp: malformed webhook: entry[0].changes[0].value.statuses[0].timestamp: required") {
		t.Errorf("exit %d: %s", code, errs)
	}
	if n := len(decodeEvents(t, out)); n != 1 {
		t.Errorf("%d events written before the bad body, want 1", n)
	}
	// -skip-bad reports it and goes on; the exit status still says so.
	code, out, errs = runCLI(t, "", "webhooks", "-skip-bad", dir)
	if code != 1 || !strings.Contains(errs, "b.json: body 1: whatsapp: malformed webhook") ||
		!strings.Contains(errs, "3 webhook bodies, 2 events, 0 platform errors, 0 parts ignored, 1 malformed bodies") {
		t.Errorf("exit %d: %s", code, errs)
	}
	if n := len(decodeEvents(t, out)); n != 2 {
		t.Errorf("%d events, want 2 (a.json and c.json; the same event, which the store keeps once)", n)
	}
	// Not JSON at all.
	code, _, errs = runCLI(t, string(good)+"\n{truncated", "webhooks")
	if code != 1 || !strings.Contains(errs, "stdin: body 2 (from byte") || !strings.Contains(errs, "not JSON") {
		t.Errorf("exit %d: %s", code, errs)
	}
	// Usage errors.
	if code, _, _ := runCLI(t, "", "webhooks", "-route", "nonsense"); code != 2 {
		t.Errorf("bad -route: exit %d", code)
	}
	if code, _, errs := runCLI(t, "", "webhooks", filepath.Join(dir, "nope")); code != 1 || !strings.Contains(errs, "no such file") {
		t.Errorf("missing file: %d %s", code, errs)
	}
	empty := t.TempDir()
	if code, _, errs := runCLI(t, "", "webhooks", empty); code != 1 || !strings.Contains(errs, "no *.json or *.jsonl files") {
		t.Errorf("empty dir: %d %s", code, errs)
	}
}
