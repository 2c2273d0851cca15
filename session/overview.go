package session

import (
	"context"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/shopspring/decimal"
)

// Count is a count over the range and per bucket. For most counts Total is
// the sum of the series; for distinct counts (active sessions, contacts,
// active contacts) an item counted in several buckets counts once in
// Total.
type Count struct {
	Total  int            `json:"total"`
	Series cm.Series[int] `json:"series"`
}

// Rated is a rate over the range and per bucket.
type Rated struct {
	Total  cm.Rate            `json:"total"`
	Series cm.Series[cm.Rate] `json:"series"`
}

// Timed is a set of durations summarised over the range and per bucket.
type Timed struct {
	Total  cm.DurationStats            `json:"total"`
	Series cm.Series[cm.DurationStats] `json:"series"`
}

// Snapshot is the state of a tenant's sessions, contacts and windows at one
// instant (see the package documentation for which events it includes).
type Snapshot struct {
	At time.Time `json:"at"`
	// Active sessions, by state: Active = Unassigned + Assigned + Resolved
	// (resolved less than 24 hours before At).
	Active     int `json:"active"`
	Unassigned int `json:"unassigned"`
	Assigned   int `json:"assigned"`
	Resolved   int `json:"resolved"`
	// ActiveContacts have at least one active session; IdleContacts wrote
	// at least once before At and have none.
	ActiveContacts int `json:"active_contacts"`
	IdleContacts   int `json:"idle_contacts"`
	// OpenWindows counts contacts with an open 24-hour window in some
	// inbox.
	OpenWindows int `json:"open_windows"`
}

// Messages counts messages by direction and sender.
type Messages struct {
	Received        Count             `json:"received"`
	Sent            Count             `json:"sent"`
	ByAgent         Count             `json:"by_agent"`
	ByBot           Count             `json:"by_bot"`
	ByAI            Count             `json:"by_ai"`
	ByCampaign      Count             `json:"by_campaign"`
	ByBroadcast     Count             `json:"by_broadcast"`
	PerSession      Rated             `json:"per_session"`
	OutsideBySender map[cm.Sender]int `json:"outside_window_by_sender,omitempty"`
	// OutsideWindow counts non-template sends to a closed 24-hour window.
	OutsideWindow Count `json:"outside_window"`
}

// Bot holds the bot and AI-assistant outcomes.
type Bot struct {
	// Sessions started in the range in which the bot or AI assistant
	// replied; BotOnly those of them with no human involvement; Resolved
	// those of BotOnly the bot resolved; HandedOff those with a hand-off.
	Sessions    Count `json:"sessions"`
	BotOnly     Count `json:"bot_only"`
	Resolved    Count `json:"resolved"`
	HandedOff   Count `json:"handed_off"`
	HandoffRate Rated `json:"handoff_rate"`
	// Handoffs counts conversation.handoff events.
	Handoffs Count `json:"handoffs"`
	// Resolutions counts resolutions (by anyone), BotResolutions those
	// without an agent, Reopened the resolutions later reopened;
	// ReopenRate = Reopened / Resolutions.
	Resolutions    Count `json:"resolutions"`
	BotResolutions Count `json:"bot_resolutions"`
	Reopened       Count `json:"reopened"`
	ReopenRate     Rated `json:"reopen_rate"`
}

// Cost is what the outbound messages cost, per currency.
type Cost struct {
	Total  cm.Amounts            `json:"total"`
	Series cm.Series[cm.Amounts] `json:"series"`
	// PerSession is the cost of the messages of the sessions that started
	// in the range (those before its end) divided by the number of those
	// sessions, per currency, rounded to 6 decimals.
	PerSession cm.Amounts `json:"per_session"`
	Sessions   int        `json:"sessions"`
	// Source is "message_costs" when the query carried per-message costs,
	// else "events".
	Source string `json:"source"`
}

// OverviewResult is the overview of a tenant's conversations over a range.
// Every field is defined in the package documentation.
type OverviewResult struct {
	Tenant      string         `json:"tenant"`
	Range       cm.Range       `json:"range"`
	TimeZone    string         `json:"time_zone"`
	Granularity cm.Granularity `json:"granularity"`

	ActiveSessions      Count `json:"active_sessions"`
	NewSessions         Count `json:"new_sessions"`
	NewIncomingSessions Count `json:"new_incoming_sessions"`

	Contacts       Count `json:"contacts"`
	NewContacts    Count `json:"new_contacts"`
	ActiveContacts Count `json:"active_contacts"`

	Messages Messages `json:"messages"`

	ResponseRate  Rated `json:"response_rate"`
	ResponseTime  Timed `json:"response_time"`
	FirstResponse Timed `json:"first_response"`

	Bot  Bot  `json:"bot"`
	Cost Cost `json:"cost"`

	// Now and End are the snapshots at the query's now and at the end of
	// the range; Snapshots holds one at the end of each bucket (clipped to
	// the range).
	Now       Snapshot            `json:"now"`
	End       Snapshot            `json:"end"`
	Snapshots cm.Series[Snapshot] `json:"snapshots"`
}

// Overview returns the overview of q's tenant over q's range: sessions,
// contacts, messages, responses, the 24-hour window, bot outcomes, cost
// and snapshots, each count also as a series.
func Overview(ctx context.Context, r cm.Reader, q Query) (*OverviewResult, error) {
	c, err := q.compile()
	if err != nil {
		return nil, err
	}
	return overview(ctx, r, c)
}

func overview(ctx context.Context, r cm.Reader, c *compiled) (*OverviewResult, error) {
	a, err := fold(ctx, r, c, partOverview)
	if err != nil {
		return nil, err
	}
	res := a.Overview()
	a.recycle()
	return res, nil
}

func (a *Accumulator) series(vals []int) Count {
	s := cm.NewSeries[int](a.c.buckets)
	t := 0
	for i, v := range vals {
		s[i].Value = v
		t += v
	}
	return Count{Total: t, Series: s}
}

func (a *Accumulator) distinct(vals []int, total int) Count {
	c := a.series(vals)
	c.Total = total
	return c
}

func (a *Accumulator) rated(num, den []int) Rated {
	s := cm.NewSeries[cm.Rate](a.c.buckets)
	n, d := 0, 0
	for i := range num {
		s[i].Value = cm.RateOf(num[i], den[i])
		n += num[i]
		d += den[i]
	}
	return Rated{Total: cm.RateOf(n, d), Series: s}
}

func (a *Accumulator) timed(ds []durs) Timed { return a.timedAll(ds)[0] }

// timedAll summarises each set of durations over the range and per bucket.
// The summaries are independent jobs — each set's over the range, on a
// copy of all its durations, and each bucket's — which the cores take in
// turn, largest first, when there are enough durations to share.
func (a *Accumulator) timedAll(sets ...[]durs) []Timed {
	out := make([]Timed, len(sets))
	type job struct {
		d   *durs
		dst *cm.DurationStats
	}
	var jobs []job
	var bufs []*[]int64
	n := 0
	for k, ds := range sets {
		out[k].Series = cm.NewSeries[cm.DurationStats](a.c.buckets)
		buf := a.bufs.takeConcat()
		all := &durs{v: (*buf)[:0]}
		for i := range ds {
			all.merge(&ds[i])
		}
		*buf = all.v
		bufs = append(bufs, buf)
		n += len(all.v)
		jobs = append(jobs, job{all, &out[k].Total})
		for i := range ds {
			jobs = append(jobs, job{&ds[i], &out[k].Series[i].Value})
		}
	}
	run := func(j job) { *j.dst = j.d.stats() }
	if w := runtime.GOMAXPROCS(0); w > 1 && n > 1<<14 {
		slices.SortStableFunc(jobs, func(x, y job) int { return len(y.d.v) - len(x.d.v) })
		var next atomic.Int64
		inParallel(min(w, len(jobs)), func(int) {
			for i := int(next.Add(1) - 1); i < len(jobs); i = int(next.Add(1) - 1) {
				run(jobs[i])
			}
		})
	} else {
		for _, j := range jobs {
			run(j)
		}
	}
	for _, buf := range bufs {
		a.bufs.putConcat(buf)
	}
	return out
}

func snapshotOf(at time.Time, s snapCounts) Snapshot {
	return Snapshot{At: at, Active: s.unassigned + s.assigned + s.resolved, Unassigned: s.unassigned,
		Assigned: s.assigned, Resolved: s.resolved, ActiveContacts: s.contacts,
		IdleContacts: s.known - s.activeKnown, OpenWindows: s.windows}
}

// Overview extracts the overview. The accumulator must hold it (it does
// unless made by another question of the package).
func (a *Accumulator) Overview() *OverviewResult {
	c, ov := a.c, &a.ov
	if a.parts&partOverview == 0 {
		return nil
	}
	loc := c.cal.Location()
	res := &OverviewResult{Tenant: c.q.Tenant, Range: c.q.Range, TimeZone: loc.String(), Granularity: c.q.Granularity}
	res.ActiveSessions = a.distinct(ov.activeSessions, ov.activeSessionsTotal)
	res.NewSessions = a.series(ov.newSessions)
	res.NewIncomingSessions = a.series(ov.newIncoming)
	res.Contacts = a.distinct(ov.contacts, ov.contactsTotal)
	res.NewContacts = a.series(ov.newContacts)
	res.ActiveContacts = a.distinct(ov.activeContacts, ov.activeContactsTotal)

	m := &res.Messages
	m.Received = a.series(ov.received)
	m.ByAgent = a.series(ov.sent[kAgent])
	m.ByBot = a.series(ov.sent[kBot])
	m.ByAI = a.series(ov.sent[kAI])
	m.ByCampaign = a.series(ov.sent[kCampaign])
	m.ByBroadcast = a.series(ov.sent[kBroadcast])
	sent := make([]int, c.buckets.Len())
	for k := range ov.sent {
		addInts(sent, ov.sent[k])
	}
	m.Sent = a.series(sent)
	m.PerSession = a.rated(ov.mpsNum, ov.mpsDen)
	m.OutsideWindow = a.series(ov.outside)
	for k, n := range ov.outsideBy {
		if n > 0 {
			if m.OutsideBySender == nil {
				m.OutsideBySender = map[cm.Sender]int{}
			}
			m.OutsideBySender[kindSender[k]] = n
		}
	}

	res.ResponseRate = a.rated(ov.respNum, ov.respDen)
	ts := a.timedAll(ov.respTime, ov.firstResp)
	res.ResponseTime, res.FirstResponse = ts[0], ts[1]

	b := &res.Bot
	b.Sessions = a.series(ov.botSessions)
	b.BotOnly = a.series(ov.botOnly)
	b.Resolved = a.series(ov.botResolved)
	b.HandedOff = a.series(ov.handoffSes)
	b.HandoffRate = a.rated(ov.handoffSes, ov.botSessions)
	b.Handoffs = a.series(ov.handoffs)
	b.Resolutions = a.series(ov.resolutions)
	b.BotResolutions = a.series(ov.botResolutions)
	b.Reopened = a.series(ov.reopen)
	b.ReopenRate = a.rated(ov.reopen, ov.resolutions)

	cs := &res.Cost
	cs.Source = "events"
	if c.opts.costs != nil {
		cs.Source = "message_costs"
	}
	cs.Series = cm.NewSeries[cm.Amounts](c.buckets)
	var total moneyAcc
	for i := range ov.cost {
		cs.Series[i].Value = ov.cost[i].amounts()
		total.merge(&ov.cost[i])
	}
	cs.Total = total.amounts()
	cs.Sessions = int(res.Messages.PerSession.Total.Denominator)
	cs.PerSession = cm.Amounts{}
	if cs.Sessions > 0 {
		n := decimal.NewFromInt(int64(cs.Sessions))
		for cur, v := range ov.costSess.amounts() {
			cs.PerSession[cur] = v.DivRound(n, 6)
		}
	}

	nowAt := c.q.Range.To
	if !c.q.Now.IsZero() {
		nowAt = c.q.Now
	}
	res.Now = snapshotOf(nowAt.In(loc), ov.snapNow)
	res.End = snapshotOf(c.q.Range.To.In(loc), ov.snapEnd)
	res.Snapshots = cm.NewSeries[Snapshot](c.buckets)
	known := 0
	for i := range ov.snaps {
		known += ov.knownDiff[i]
		sc := ov.snaps[i]
		sc.known = known
		res.Snapshots[i].Value = snapshotOf(time.Unix(0, c.ends[i]).In(loc), sc)
	}
	return res
}

// ---- formatting for tables ----

func itoa(n int) string { return strconv.Itoa(n) }

// secs formats a duration in seconds with millisecond precision.
func secs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

// statCells formats count, mean, median and p90 (seconds), empty when
// there is no data.
func statCells(s cm.DurationStats) []string {
	if s.Count == 0 {
		return []string{"0", "", "", ""}
	}
	return []string{itoa(s.Count), secs(s.Mean), secs(s.Median), secs(s.P90)}
}

// rateCell formats a rate as a decimal between 0 and 1, empty for 0/0.
func rateCell(r cm.Rate) string {
	v, ok := r.Value()
	if !ok {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

func numCell(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// Tables returns the overview as tables: the totals, the snapshots, one row
// per bucket, and the cost per currency.
func (r *OverviewResult) Tables() []cm.Table {
	tot := cm.Table{Name: "Overview " + r.Range.String() + " (" + r.TimeZone + ")", Columns: []string{"metric", "value", "numerator", "denominator"}}
	add := func(name string, v int) { tot.Rows = append(tot.Rows, []string{name, itoa(v), "", ""}) }
	rate := func(name string, x cm.Rate) {
		tot.Rows = append(tot.Rows, []string{name, rateCell(x), numCell(x.Numerator), numCell(x.Denominator)})
	}
	dur := func(name string, s cm.DurationStats) {
		c := statCells(s)
		tot.Rows = append(tot.Rows, []string{name + " count", c[0], "", ""}, []string{name + " mean (s)", c[1], "", ""},
			[]string{name + " median (s)", c[2], "", ""}, []string{name + " p90 (s)", c[3], "", ""})
	}
	add("active sessions", r.ActiveSessions.Total)
	add("new sessions", r.NewSessions.Total)
	add("new incoming sessions", r.NewIncomingSessions.Total)
	add("contacts", r.Contacts.Total)
	add("new contacts", r.NewContacts.Total)
	add("active contacts", r.ActiveContacts.Total)
	m := r.Messages
	add("messages received", m.Received.Total)
	add("messages sent", m.Sent.Total)
	add("sent by agents", m.ByAgent.Total)
	add("sent by the bot", m.ByBot.Total)
	add("sent by the AI assistant", m.ByAI.Total)
	add("sent by campaigns", m.ByCampaign.Total)
	add("sent by broadcasts", m.ByBroadcast.Total)
	rate("messages per session", m.PerSession.Total)
	add("sends outside the 24-hour window", m.OutsideWindow.Total)
	rate("response rate", r.ResponseRate.Total)
	dur("response time", r.ResponseTime.Total)
	dur("first response", r.FirstResponse.Total)
	b := r.Bot
	add("bot sessions", b.Sessions.Total)
	add("bot-only sessions", b.BotOnly.Total)
	add("bot-only sessions resolved by the bot", b.Resolved.Total)
	rate("handoff rate", b.HandoffRate.Total)
	add("handoffs", b.Handoffs.Total)
	add("resolutions", b.Resolutions.Total)
	add("bot resolutions", b.BotResolutions.Total)
	rate("reopen rate", b.ReopenRate.Total)

	snaps := cm.Table{Name: "Snapshots", Columns: []string{"at", "active", "unassigned", "assigned", "resolved", "active_contacts", "idle_contacts", "open_windows"}}
	snapRow := func(label string, s Snapshot) {
		snaps.Rows = append(snaps.Rows, []string{label + " " + s.At.Format(time.RFC3339), itoa(s.Active), itoa(s.Unassigned),
			itoa(s.Assigned), itoa(s.Resolved), itoa(s.ActiveContacts), itoa(s.IdleContacts), itoa(s.OpenWindows)})
	}
	snapRow("now", r.Now)
	snapRow("end", r.End)

	ser := cm.Table{Name: "Overview by " + string(r.Granularity), Columns: []string{"start", "received", "sent", "by_agent", "by_bot", "by_ai",
		"by_campaign", "by_broadcast", "new_sessions", "new_incoming", "active_sessions", "contacts", "new_contacts",
		"active_contacts", "idle_contacts_at_end", "active_at_end", "open_windows_at_end", "outside_window",
		"response_rate", "response_time_mean_s", "response_time_median_s", "first_response_mean_s", "handoffs", "resolutions", "reopen_rate"}}
	for i, p := range r.NewSessions.Series {
		sn := r.Snapshots[i].Value
		rt := r.ResponseTime.Series[i].Value
		fr := r.FirstResponse.Series[i].Value
		row := []string{p.Start.Format(time.RFC3339), itoa(m.Received.Series[i].Value), itoa(m.Sent.Series[i].Value),
			itoa(m.ByAgent.Series[i].Value), itoa(m.ByBot.Series[i].Value), itoa(m.ByAI.Series[i].Value),
			itoa(m.ByCampaign.Series[i].Value), itoa(m.ByBroadcast.Series[i].Value), itoa(p.Value),
			itoa(r.NewIncomingSessions.Series[i].Value), itoa(r.ActiveSessions.Series[i].Value),
			itoa(r.Contacts.Series[i].Value), itoa(r.NewContacts.Series[i].Value), itoa(r.ActiveContacts.Series[i].Value),
			itoa(sn.IdleContacts), itoa(sn.Active), itoa(sn.OpenWindows), itoa(m.OutsideWindow.Series[i].Value),
			rateCell(r.ResponseRate.Series[i].Value), statCells(rt)[1], statCells(rt)[2], statCells(fr)[1],
			itoa(b.Handoffs.Series[i].Value), itoa(b.Resolutions.Series[i].Value), rateCell(b.ReopenRate.Series[i].Value)}
		ser.Rows = append(ser.Rows, row)
	}
	out := []cm.Table{tot, snaps, ser}
	if len(r.Cost.Total) > 0 {
		ct := cm.Table{Name: "Cost (" + r.Cost.Source + ")", Columns: []string{"currency", "total", "per_session"}}
		for _, cur := range r.Cost.Total.Currencies() {
			ct.Rows = append(ct.Rows, []string{cur, r.Cost.Total[cur].String(), r.Cost.PerSession[cur].String()})
		}
		out = append(out, ct)
	}
	return out
}
