package main

// This file is the session engine's command line: sessions, agents, and
// its sections of report (the overview, agents and agent assist).

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/credits"
	"github.com/convometrics/convometrics/session"
)

// sessionFlags are the filters and definition options shared by sessions
// and agents.
type sessionFlags struct {
	channels, inboxes, assistants, agents, teams, contacts string

	options        string // JSON file of session.Options
	compat         string
	mode           string
	inactivity     time.Duration
	responseWindow time.Duration
	hours          string
	hoursZone      string
	holidays       string
	slaFirst       time.Duration
	slaNext        time.Duration
	slaResolution  time.Duration
}

// messageCosts prices the scope's outbound messages with card (the credits
// engine), for the sessions' conversation cost.
func messageCosts(ctx context.Context, ds *dataset, s scope, card *credits.RateCard) (map[string]cm.Money, error) {
	// The scope's range was checked when it was resolved (-allow-long-range).
	return credits.MessageCosts(ctx, ds.store, credits.Query{Tenant: s.Tenant, Range: s.Range, AllowLongRange: true, Calendar: s.Calendar(),
		Card: card, IncludeTest: s.IncludeTest})
}

func (f *sessionFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.channels, "channel", "", "only sessions on these channels (comma-separated: whatsapp, web_widget, api, test)")
	fs.StringVar(&f.inboxes, "inbox", "", "only sessions in these inboxes (comma-separated phone number or widget ids)")
	fs.StringVar(&f.assistants, "assistant", "", "only sessions served by these assistants (comma-separated)")
	fs.StringVar(&f.agents, "agent", "", "only sessions these agents were assigned to or wrote in (comma-separated)")
	fs.StringVar(&f.teams, "team", "", "only sessions of these teams (comma-separated)")
	fs.StringVar(&f.contacts, "contact", "", "only these contacts (comma-separated)")
	fs.StringVar(&f.options, "options", "", "definition options, a JSON file of session.Options (the flags below override it)")
	fs.StringVar(&f.compat, "compat", "", "chatwoot: reproduce Chatwoot's report definitions (and its Sunday weeks unless -week-start is given)")
	fs.StringVar(&f.mode, "sessions", "", "auto (keep the host's conversation ids; default) or derive (derive every session from messages)")
	fs.DurationVar(&f.inactivity, "inactivity", 0, "end a session that is not resolved after this long without an event, e.g. 24h for hosts that never send conversation.resolved (default: sessions stay open until resolved)")
	fs.DurationVar(&f.responseWindow, "response-window", 0, "an inbound message is answered by a reply within this duration (default: before the contact's next message)")
	fs.StringVar(&f.hours, "hours", "", "business hours, e.g. 'mon-fri 09:00-12:00,13:00-18:00; sat 10:00-14:00': durations count working time only")
	fs.StringVar(&f.hoursZone, "hours-tz", "", "time zone of -hours (default: the tenant's, -tz)")
	fs.StringVar(&f.holidays, "holidays", "", "with -hours: dates without working time, comma-separated YYYY-MM-DD")
	fs.DurationVar(&f.slaFirst, "sla-first", 0, "SLA target for the first human response, e.g. 15m")
	fs.DurationVar(&f.slaNext, "sla-next", 0, "SLA target for each later human reply, e.g. 10m")
	fs.DurationVar(&f.slaResolution, "sla-resolution", 0, "SLA target for each resolution, e.g. 24h")
}

func splitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(p))
	}
	return out
}

// load reads cf's input, resolves its scope and builds the engine's query
// for it, as sessions and agents do.
func (f *sessionFlags) load(ctx context.Context, e *env, fs *flag.FlagSet, cf *engineFlags) (*dataset, scope, session.Query, error) {
	ds, s, err := cf.load(ctx, e, fs)
	if err != nil {
		return nil, scope{}, session.Query{}, err
	}
	q, err := f.query(s, cf.sc.allowLong, weekStartGiven(fs))
	if err != nil {
		return nil, scope{}, session.Query{}, err
	}
	return ds, s, q, nil
}

// scopeQuery is the engine's query for scope s, without filters or
// options; allowLong is -allow-long-range.
func scopeQuery(s scope, allowLong bool) session.Query {
	return session.Query{Tenant: s.Tenant, Range: s.Range, Now: s.Now, Calendar: s.Calendar(), Granularity: s.Granularity,
		IncludeTest: s.IncludeTest, AllowLongRange: allowLong}
}

// query builds the engine's query for the scope; allowLong is
// -allow-long-range, and weekStartSet tells whether -week-start was given
// (Chatwoot compatibility otherwise picks Sunday).
func (f *sessionFlags) query(s scope, allowLong, weekStartSet bool) (session.Query, error) {
	q := scopeQuery(s, allowLong)
	for _, c := range splitList(f.channels) {
		q.Filter.Channels = append(q.Filter.Channels, cm.Channel(c))
	}
	q.Filter.Inboxes, q.Filter.Assistants = splitList(f.inboxes), splitList(f.assistants)
	q.Filter.Agents, q.Filter.Teams, q.Filter.Contacts = splitList(f.agents), splitList(f.teams), splitList(f.contacts)
	switch f.compat {
	case "":
	case "chatwoot":
		q.Options = session.ChatwootOptions()
		if !weekStartSet {
			q.Calendar = q.Calendar.WithWeekStart(time.Sunday)
		}
	default:
		return q, fmt.Errorf("-compat %q: want chatwoot", f.compat)
	}
	if f.options != "" {
		b, err := os.ReadFile(f.options)
		if err != nil {
			return q, fmt.Errorf("-options: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&q.Options); err != nil {
			return q, fmt.Errorf("-options %s: %w", f.options, err)
		}
	}
	if f.mode != "" {
		q.Options.Sessions = f.mode
	}
	if f.inactivity != 0 {
		q.Options.InactivityTimeout = session.Duration(f.inactivity)
	}
	if f.responseWindow != 0 {
		q.Options.ResponseWindow = session.Duration(f.responseWindow)
	}
	if f.hours != "" {
		h, err := parseHours(f.hours)
		if err != nil {
			return q, fmt.Errorf("-hours %q: %w", f.hours, err)
		}
		h.TimeZone = f.hoursZone
		h.Holidays = splitList(f.holidays)
		q.Options.BusinessHours = h
	} else if f.holidays != "" || f.hoursZone != "" {
		return q, fmt.Errorf("-holidays and -hours-tz need -hours")
	}
	if f.slaFirst != 0 || f.slaNext != 0 || f.slaResolution != 0 {
		q.Options.SLA = &session.SLA{FirstResponse: session.Duration(f.slaFirst), NextResponse: session.Duration(f.slaNext),
			Resolution: session.Duration(f.slaResolution)}
	}
	return q, q.Validate()
}

var dayAbbrev = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func dayIndex(s string) (int, bool) {
	for i, d := range dayAbbrev {
		if strings.EqualFold(s, d) {
			return i, true
		}
	}
	return 0, false
}

// parseHours reads "mon-fri 09:00-12:00,13:00-18:00; sat 10:00-14:00".
// Windows are checked by the engine (session.Query.Validate).
func parseHours(s string) (*session.BusinessHours, error) {
	h := &session.BusinessHours{}
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		days, spans, ok := strings.Cut(part, " ")
		if !ok {
			return nil, fmt.Errorf("%q: want DAYS HH:MM-HH:MM[,HH:MM-HH:MM]", part)
		}
		first, last, isRange := strings.Cut(days, "-")
		a, ok1 := dayIndex(first)
		b := a
		ok2 := true
		if isRange {
			b, ok2 = dayIndex(last)
		}
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%q: days are mon, tue, wed, thu, fri, sat, sun or a range such as mon-fri", days)
		}
		var ws []session.Window
		for _, sp := range strings.Split(strings.TrimSpace(spans), ",") {
			from, to, ok := strings.Cut(strings.TrimSpace(sp), "-")
			if !ok {
				return nil, fmt.Errorf("%q: want HH:MM-HH:MM", sp)
			}
			ws = append(ws, session.Window{From: from, To: to})
		}
		for d := a; ; d = (d + 1) % 7 {
			dst := dayWindows(h, time.Weekday(d))
			*dst = append(*dst, ws...)
			if d == b {
				break
			}
		}
	}
	return h, nil
}

func dayWindows(h *session.BusinessHours, d time.Weekday) *[]session.Window {
	switch d {
	case time.Monday:
		return &h.Monday
	case time.Tuesday:
		return &h.Tuesday
	case time.Wednesday:
		return &h.Wednesday
	case time.Thursday:
		return &h.Thursday
	case time.Friday:
		return &h.Friday
	case time.Saturday:
		return &h.Saturday
	}
	return &h.Sunday
}

// weekStartGiven reports whether -week-start was set on the command line.
func weekStartGiven(fs *flag.FlagSet) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "week-start" {
			set = true
		}
	})
	return set
}

func runSessions(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "sessions", "[-demo | file] [-view overview|list|windows] [-tenant T] [-preset P | -from D -to D] [-bucket day] [filters] [options] [-format text|json|csv]")
	var cf engineFlags
	var sf sessionFlags
	var view string
	cf.register(fs)
	sf.register(fs)
	var rates string
	fs.StringVar(&rates, "rates", "", "rate card (.json or .csv) pricing the conversation cost through the credits engine (default: the amounts recorded on message.sent events)")
	fs.StringVar(&view, "view", "overview", "overview (sessions, contacts, messages, responses, bot outcomes, cost, snapshots and series), list (one row per session active in the period) or windows (24-hour windows open now, sends outside a window)")
	if err := cf.parse(fs, args); err != nil {
		return err
	}
	switch view {
	case "overview", "list", "windows":
	default:
		return fmt.Errorf("-view %q: want overview, list or windows", view)
	}
	ds, s, q, err := sf.load(ctx, e, fs, &cf)
	if err != nil {
		return err
	}
	if rates != "" {
		card, err := credits.LoadCard(rates)
		if err != nil {
			return fmt.Errorf("-rates: %w", err)
		}
		if q.MessageCosts, err = messageCosts(ctx, ds, s, card); err != nil {
			return err
		}
	}
	var tables []cm.Table
	var data any
	switch view {
	case "overview":
		tables, data, err = tabulate(session.Overview(ctx, ds.store, q))
	case "list":
		tables, data, err = tabulate(session.Sessions(ctx, ds.store, q))
	case "windows":
		tables, data, err = tabulate(session.Windows(ctx, ds.store, q))
	}
	if err != nil {
		return err
	}
	if cf.out.format == "text" {
		scopeHeader(e.stdout, "sessions", s)
	}
	return cf.out.write(e.stdout, tables, map[string]any{"scope": s, "options": q.Options, "filter": q.Filter, view: data})
}

func runAgents(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "agents", "[-demo | file] [-view all|agents|teams|members|inboxes|series|assist] [-tenant T] [-preset P | -from D -to D] [-bucket day] [filters] [options] [-format text|json|csv]")
	var cf engineFlags
	var sf sessionFlags
	var view string
	cf.register(fs)
	sf.register(fs)
	fs.StringVar(&view, "view", "all", "all, agents, teams, members (all members of each team), inboxes, series (each agent by -by period) or assist (agent-assist usage and accuracy)")
	if err := cf.parse(fs, args); err != nil {
		return err
	}
	pick := map[string]int{"agents": 0, "teams": 1, "members": 2, "inboxes": 3, "series": 4}
	if _, ok := pick[view]; !ok && view != "all" && view != "assist" {
		return fmt.Errorf("-view %q: want all, agents, teams, members, inboxes, series or assist", view)
	}
	ds, s, q, err := sf.load(ctx, e, fs, &cf)
	if err != nil {
		return err
	}
	doc := map[string]any{"scope": s, "options": q.Options, "filter": q.Filter}
	var tables []cm.Table
	if view != "assist" {
		t, r, err := tabulate(session.Agents(ctx, ds.store, q))
		if err != nil {
			return err
		}
		if i, ok := pick[view]; ok {
			t = t[i : i+1]
		}
		tables = append(tables, t...)
		doc["agents"] = r
	}
	if view == "all" || view == "assist" {
		t, r, err := tabulate(session.Assist(ctx, ds.store, q))
		if err != nil {
			return err
		}
		tables = append(tables, t...)
		doc["assist"] = r
	}
	if cf.out.format == "text" {
		scopeHeader(e.stdout, "agents", s)
	}
	return cf.out.write(e.stdout, tables, doc)
}

// sessionSection is the session engine's part of report: the overview's
// totals and snapshots, the agents and the agent-assist table.
func sessionSection(ctx context.Context, in *reportInput) (*section, error) {
	s := in.scope
	// The scope's range was checked against -allow-long-range when it was
	// resolved; the report does not check it again.
	q := scopeQuery(s, true)
	q.Options.InactivityTimeout = session.Duration(in.inactivity)
	costs, err := messageCosts(ctx, in.ds, s, in.card)
	if err != nil {
		return nil, err
	}
	q.MessageCosts = costs
	a, err := session.Fold(ctx, in.ds.store, q)
	if err != nil {
		return nil, err
	}
	ov, ag, as := a.Overview(), a.Agents(), a.Assist()
	ot, at, xt := ov.Tables(), ag.Tables(), as.Tables()
	tables := []cm.Table{ot[0], ot[1]}
	if len(ot) > 3 {
		tables = append(tables, ot[3]) // cost
	}
	tables = append(tables, at[0], at[1], xt[0])
	return &section{Key: "sessions", Tables: tables, Data: map[string]any{"overview": ov, "agents": ag, "assist": as}}, nil
}
