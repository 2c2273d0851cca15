package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// sessionsInput: c1's conversation v1 (the bot answers, hands off, ann is
// assigned at 09:03, replies at 09:10 and resolves); c2 writes twice
// without a conversation id and the bot answers the second message.
const sessionsInput = `{"id":"e1","tenant":"acme","type":"message.received","time":"2026-11-02T09:00:00Z","channel":"whatsapp","inbox":"p1","contact":"c1","conversation":"v1"}
{"id":"e2","tenant":"acme","type":"message.sent","time":"2026-11-02T09:01:00Z","channel":"whatsapp","inbox":"p1","contact":"c1","conversation":"v1","sender":"bot"}
{"id":"e3","tenant":"acme","type":"conversation.handoff","time":"2026-11-02T09:02:00Z","channel":"whatsapp","inbox":"p1","contact":"c1","conversation":"v1"}
{"id":"e4","tenant":"acme","type":"conversation.assigned","time":"2026-11-02T09:03:00Z","channel":"whatsapp","inbox":"p1","contact":"c1","conversation":"v1","agent":"ann","team":"sales"}
{"id":"e5","tenant":"acme","type":"message.sent","time":"2026-11-02T09:10:00Z","channel":"whatsapp","inbox":"p1","contact":"c1","conversation":"v1","sender":"agent","agent":"ann","team":"sales"}
{"id":"e6","tenant":"acme","type":"conversation.resolved","time":"2026-11-02T09:30:00Z","channel":"whatsapp","inbox":"p1","contact":"c1","conversation":"v1","agent":"ann"}
{"id":"e7","tenant":"acme","type":"message.received","time":"2026-11-02T10:00:00Z","channel":"whatsapp","inbox":"p1","contact":"c2"}
{"id":"e8","tenant":"acme","type":"message.received","time":"2026-11-02T10:02:00Z","channel":"whatsapp","inbox":"p1","contact":"c2"}
{"id":"e9","tenant":"acme","type":"message.sent","time":"2026-11-02T10:03:00Z","channel":"whatsapp","inbox":"p1","contact":"c2","sender":"bot"}
`

var day = []string{"-tenant", "acme", "-tz", "UTC", "-from", "2026-11-02", "-to", "2026-11-02"}

func cliArgs(cmd string, extra ...string) []string {
	return append(append([]string{cmd}, day...), extra...)
}

// csvRow returns the first CSV line of out that starts with prefix.
func csvRow(t *testing.T, out, prefix string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	t.Fatalf("no line %q in:\n%s", prefix, out)
	return ""
}

func TestSessionsCommand(t *testing.T) {
	code, out, errs := runCLI(t, sessionsInput, cliArgs("sessions", "-format", "csv")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// two sessions (c1's v1 and c2's derived one) of two contacts; e1, e7
	// and e8 received; of the two bot sessions, v1 was handed off: 1/2
	for prefix, want := range map[string]string{
		"new sessions,":      "new sessions,2,,",
		"contacts,":          "contacts,2,,",
		"messages received,": "messages received,3,,",
		// e1 answered; e7 followed by e8 before the reply; e8 answered
		"response rate,": "response rate,0.6667,2,3",
		"handoff rate,":  "handoff rate,0.5000,1,2",
	} {
		if got := csvRow(t, out, prefix); got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
	code, out, _ = runCLI(t, sessionsInput, cliArgs("sessions", "-view", "list", "-format", "csv")...)
	if code != 0 || !strings.Contains(out, "\nv1,c1,p1,whatsapp,2026-11-02T09:00:00Z,yes,resolved,ann,sales,") ||
		!strings.Contains(out, "\nc2|p1|2026-11-02T10:00:00Z,c2,p1,whatsapp,") {
		t.Errorf("list:\n%s", out)
	}
	code, out, _ = runCLI(t, sessionsInput, cliArgs("sessions", "-format", "json")...)
	var doc struct {
		Overview struct {
			NewSessions struct{ Total int } `json:"new_sessions"`
		} `json:"overview"`
		Scope struct{ Tenant string } `json:"scope"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || doc.Overview.NewSessions.Total != 2 || doc.Scope.Tenant != "acme" {
		t.Errorf("json: %d %+v\n%s", code, doc, out)
	}
	code, out, _ = runCLI(t, sessionsInput, cliArgs("sessions", "-agent", "ann", "-format", "csv")...)
	if code != 0 || csvRow(t, out, "new sessions,") != "new sessions,1,," {
		t.Errorf("-agent ann:\n%s", out)
	}
	code, out, _ = runCLI(t, sessionsInput, cliArgs("sessions", "-view", "windows")...)
	if code != 0 || !strings.Contains(out, "Open 24-hour windows at 2026-11-02T10:03:00Z") {
		t.Errorf("windows:\n%s", out)
	}
}

func TestAgentsCommand(t *testing.T) {
	code, out, errs := runCLI(t, sessionsInput, cliArgs("agents", "-view", "agents", "-format", "csv")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// ann: active now (at the latest event, 10:03) and at the end of the
	// day, v1 being resolved at 09:30 and active for 24h after; assigned
	// once, to one session; one message (e5); first response 09:03 →
	// 09:10 = 420 s, count 1; no later reply; one resolution, time 09:00 →
	// 09:30 = 1800 s
	if got := csvRow(t, out, "ann,"); !strings.HasPrefix(got, "ann,1,1,1,1,1,1,420.000,420.000,420.000,0,,,,1,1,1800.000,") {
		t.Errorf("ann: %s", got)
	}
	// Chatwoot measures from the hand-off at 09:02: 480 s
	code, out, _ = runCLI(t, sessionsInput, cliArgs("agents", "-view", "agents", "-format", "csv", "-compat", "chatwoot")...)
	if got := csvRow(t, out, "ann,"); code != 0 || !strings.HasPrefix(got, "ann,1,1,1,1,1,1,480.000,") {
		t.Errorf("chatwoot ann: %s", got)
	}
	// business hours from 09:05: 09:05 → 09:10 = 300 s, within the 6 min
	// target: first-response attainment 1/1
	code, out, _ = runCLI(t, sessionsInput, cliArgs("agents", "-view", "agents", "-format", "csv", "-hours", "mon-fri 09:05-17:00", "-sla-first", "6m")...)
	if got := csvRow(t, out, "ann,"); code != 0 || !strings.HasPrefix(got, "ann,1,1,1,1,1,1,300.000,") || !strings.HasSuffix(got, ",1.0000,,") {
		t.Errorf("business hours ann: %s", got)
	}
	code, out, _ = runCLI(t, sessionsInput, cliArgs("agents", "-view", "assist")...)
	if code != 0 || !strings.Contains(out, "Agent assist by agent") {
		t.Errorf("assist:\n%s", out)
	}
}

func TestSessionsBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{cliArgs("sessions", "-view", "nope"), `-view "nope": want overview, list or windows`},
		{cliArgs("agents", "-view", "nope"), `-view "nope": want all, agents`},
		{cliArgs("sessions", "-compat", "zendesk"), `-compat "zendesk": want chatwoot`},
		{cliArgs("sessions", "-sessions", "magic"), `session: options.sessions: unknown value: "magic"`},
		{cliArgs("agents", "-hours", "monday 09:00-17:00"), `-hours "monday 09:00-17:00": "monday": days are mon`},
		{cliArgs("agents", "-hours", "mon-fri 9-17"), `session: options.business_hours.monday[0].from: invalid value: "9"`},
		{cliArgs("agents", "-holidays", "2026-12-25"), `-holidays and -hours-tz need -hours`},
		{cliArgs("sessions", "-channel", "fax"), `session: filter.channels[0]: unknown value: "fax"`},
		{cliArgs("sessions", "-options", "/nonexistent.json"), `-options: open /nonexistent.json`},
		{cliArgs("sessions", "-inactivity", "-1h"), `session: options.inactivity_timeout: invalid value: negative`},
	} {
		code, _, errs := runCLI(t, sessionsInput, c.args...)
		if code != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, code, errs, c.want)
		}
	}
	if code, _, _ := runCLI(t, "", "sessions", "-response-window", "soon"); code != 2 {
		t.Errorf("a bad duration flag: exit %d, want 2", code)
	}
}

// -inactivity ends sessions without an event for that long: at the end of
// 2 Nov, c1's v1 is resolved (since 09:30, active until 3 Nov 09:30) and
// c2's session, last event 10:03, open without the flag and ended at
// 11:03 with -inactivity 1h. report takes the flag too and hands it to its
// sessions section; webhooks -report ends sessions after 24h by default,
// as WhatsApp never resolves a conversation.
func TestSessionsInactivity(t *testing.T) {
	type snapshot struct {
		End struct {
			Active   int `json:"active"`
			Resolved int `json:"resolved"`
			Idle     int `json:"idle_contacts"`
		} `json:"end"`
	}
	end := func(cmd string, extra ...string) (active, resolved, idle int) {
		t.Helper()
		code, out, errs := runCLI(t, sessionsInput, cliArgs(cmd, append(extra, "-format", "json")...)...)
		var doc struct {
			Overview snapshot `json:"overview"` // sessions
			Sessions struct {
				Overview snapshot `json:"overview"`
			} `json:"sessions"` // report
			Options struct {
				Inactivity string `json:"inactivity_timeout"`
			} `json:"options"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &doc) != nil {
			t.Fatalf("%s %v: exit %d: %s\n%s", cmd, extra, code, errs, out)
		}
		e := doc.Overview.End
		if cmd == "report" {
			e = doc.Sessions.Overview.End
		} else if len(extra) > 0 && doc.Options.Inactivity != "1h0m0s" {
			t.Errorf("options echoed: %+v", doc.Options)
		}
		return e.Active, e.Resolved, e.Idle
	}
	for _, cmd := range []string{"sessions", "report"} {
		if a, r, i := end(cmd); a != 2 || r != 1 || i != 0 {
			t.Errorf("%s without -inactivity: active %d resolved %d idle %d, want 2 1 0", cmd, a, r, i)
		}
		if a, r, i := end(cmd, "-inactivity", "1h"); a != 1 || r != 1 || i != 1 {
			t.Errorf("%s -inactivity 1h: active %d resolved %d idle %d, want 1 1 1", cmd, a, r, i)
		}
	}
	if code, _, errs := runCLI(t, sessionsInput, cliArgs("report", "-inactivity", "-1h")...); code == 0 || !strings.Contains(errs, "-inactivity") {
		t.Errorf("report -inactivity -1h: exit %d, stderr %q", code, errs)
	}
	_, _, help := runCLI(t, "", "webhooks", "-h")
	if !strings.Contains(help, "-inactivity duration") || !strings.Contains(help, "(default 24h0m0s)") {
		t.Errorf("webhooks -h does not show -inactivity defaulting to 24h:\n%s", help)
	}
}

// -allow-long-range reaches the engine: a period of 93 days is refused
// without it and answered with it.
func TestSessionsLongRange(t *testing.T) {
	long := []string{"-tenant", "acme", "-tz", "UTC", "-from", "2026-08-02", "-to", "2026-11-02"}
	for _, cmd := range []string{"sessions", "agents"} {
		if code, _, errs := runCLI(t, sessionsInput, append([]string{cmd}, long...)...); code != 1 || !strings.Contains(errs, "range too long") {
			t.Errorf("%s without -allow-long-range: exit %d, %s", cmd, code, errs)
		}
		if code, _, errs := runCLI(t, sessionsInput, append([]string{cmd, "-allow-long-range"}, long...)...); code != 0 {
			t.Errorf("%s -allow-long-range: exit %d, %s", cmd, code, errs)
		}
	}
}

func TestReportHasSessionSections(t *testing.T) {
	code, out, errs := runCLI(t, "", "report", "-demo", "-events", "20000")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"Overview [", "Snapshots", "Agents\n", "Teams\n", "Agent assist by agent"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
