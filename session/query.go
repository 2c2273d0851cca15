package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
)

// Query selects what a question is asked about: a tenant, a range, the
// calendar the series are bucketed in, filters and the definitions'
// options. The zero values of the optional fields are the documented
// defaults. Check it with [Query.Validate]; every function of the package
// does.
type Query struct {
	// Tenant is required.
	Tenant string `json:"tenant"`
	// Range is the period [From, To); both bounds are required. Ranges
	// spanning more than cm.MaxCustomDays calendar days of the Calendar
	// are refused unless AllowLongRange is set (as by
	// [cm.Calendar.CheckRange]).
	Range          cm.Range `json:"range"`
	AllowLongRange bool     `json:"allow_long_range,omitempty"`
	// Now is the instant of the "now" snapshot (active sessions now, open
	// windows now, SLA clocks still running). Zero means the end of the
	// range, so that a result is a function of its inputs only.
	Now time.Time `json:"now,omitzero"`
	// Calendar buckets the series: its time zone and first weekday (the
	// zero Calendar is UTC with weeks from Monday; Chatwoot's weeks start
	// on Sunday). In JSON {"time_zone": "Europe/Istanbul", "week_start":
	// "monday"}. Granularity is the size of the series' buckets: hour,
	// day (the default), week or month.
	Calendar    cm.Calendar    `json:"calendar,omitzero"`
	Granularity cm.Granularity `json:"granularity,omitempty"`
	// IncludeTest counts test-channel traffic, which is left out by
	// default (as if it did not exist).
	IncludeTest bool `json:"include_test,omitempty"`
	// Filter restricts the sessions counted; see [Filter].
	Filter Filter `json:"filter,omitzero"`
	// Options choose between the documented variants of the definitions.
	Options Options `json:"options,omitzero"`
	// MessageCosts, when not nil, gives the cost of each outbound message
	// by message id (for example from the credits engine) and takes
	// precedence over the amount and currency on message.sent events: a
	// message absent from the map then costs nothing.
	MessageCosts map[string]cm.Money `json:"message_costs,omitempty"`
	// Partition limits the question to one partition of the tenant's
	// contacts; accumulators of all partitions merge into the answer for
	// all contacts. The zero Partition is every contact.
	Partition cm.Partition `json:"partition,omitzero"`
}

// Filter restricts a question to some sessions. Each non-empty list keeps
// the sessions matching one of its values; lists combine with AND. A
// session matches
//
//   - Channels, Inboxes: the channel and inbox of its first event;
//   - Contacts: its contact;
//   - Assistants: an assistant named on any of its events;
//   - Agents, Teams: an agent or team named on any of its events (an
//     assignment, a message, a resolution), at any time.
//
// Every number is then computed from the matching sessions and the
// messages in them, as if nothing else existed. A message outside any
// session (a broadcast to a contact without an open session) matches by
// its own fields. The 24-hour windows are physical facts of WhatsApp: they
// are opened by every inbound message passing the channel, inbox and
// contact filters, whatever the other filters say.
type Filter struct {
	Channels   []cm.Channel `json:"channels,omitempty"`
	Inboxes    []string     `json:"inboxes,omitempty"`
	Assistants []string     `json:"assistants,omitempty"`
	Agents     []string     `json:"agents,omitempty"`
	Teams      []string     `json:"teams,omitempty"`
	Contacts   []string     `json:"contacts,omitempty"`
}

// IsZero reports whether f selects everything.
func (f Filter) IsZero() bool {
	return len(f.Channels) == 0 && len(f.Inboxes) == 0 && len(f.Assistants) == 0 &&
		len(f.Agents) == 0 && len(f.Teams) == 0 && len(f.Contacts) == 0
}

// Session derivation modes for [Options.Sessions].
const (
	// SessionsAuto keeps the host's conversation ids: an event with a
	// conversation id belongs to that conversation; events without one are
	// sessionised by the derived rules.
	SessionsAuto = "auto"
	// SessionsDerive ignores conversation ids and derives every session
	// from messages and lifecycle events (for hosts whose conversation is
	// one endless WhatsApp thread).
	SessionsDerive = "derive"
)

// First-response start rules for [Options.FirstResponseFrom].
const (
	// FromTrigger measures each resolve cycle's first human response from
	// the latest assignment, bot hand-off or (re)opening before it, and
	// never from before the contact's first message of the cycle.
	FromTrigger = "trigger"
	// FromChatwoot is Chatwoot's rule (2025): once per session, the first
	// human reply measured from the latest bot hand-off or reopening, else
	// the last bot resolution, else the start of the session.
	FromChatwoot = "chatwoot"
)

// Credit rules for [Options.FirstResponseCredit] and
// [Options.ResolutionCredit].
const (
	// CreditReplier credits a response to the agent who sent it.
	CreditReplier = "replier"
	// CreditResolver credits a resolution to the agent named on the
	// conversation.resolved event.
	CreditResolver = "resolver"
	// CreditAssignee credits to the agent assigned at that moment.
	CreditAssignee = "assignee"
)

// Resolution-duration rules for [Options.ResolutionFrom].
const (
	// FromCycle measures a resolution from the start of its cycle: the
	// session's start or the reopening that began it.
	FromCycle = "cycle"
	// FromSession measures every resolution from the start of the session,
	// as Chatwoot does (reopening never resets the clock).
	FromSession = "session"
)

// Resolution-count rules for [Options.ResolutionCount].
const (
	// CountEvents counts every resolution (Chatwoot since August 2025).
	CountEvents = "events"
	// CountSessions counts distinct sessions resolved in the range that
	// are still resolved at the end of the range (Chatwoot 2023–2025).
	CountSessions = "sessions"
)

// Options choose between the documented variants of the definitions. The
// zero value is this library's definitions; [ChatwootOptions] returns the
// set that reproduces Chatwoot's reports.
type Options struct {
	// Sessions is SessionsAuto (default) or SessionsDerive.
	Sessions string `json:"sessions,omitempty"`
	// InactivityTimeout, when positive, ends a session that is not
	// resolved once it has had no event for that long: it ends exactly
	// that long after its latest event, keeping its state until then, its
	// waits and SLA clocks stopped as a resolution stops them, without
	// counting as a resolution (see the package documentation, §
	// Sessions). Zero (the default) keeps a session open until it is
	// resolved. A host that never sends conversation.resolved should set
	// 24h.
	InactivityTimeout Duration `json:"inactivity_timeout,omitempty"`
	// ResponseWindow chooses when an inbound message counts as answered:
	// zero (default) when a reply comes before the contact's next inbound
	// message in the session; a positive duration when a reply comes
	// within that duration of the message, whatever came in between.
	ResponseWindow Duration `json:"response_window,omitempty"`
	// FirstResponseFrom is FromTrigger (default) or FromChatwoot.
	FirstResponseFrom string `json:"first_response_from,omitempty"`
	// FirstResponseCredit is CreditReplier (default) or CreditAssignee; it
	// also credits reply times.
	FirstResponseCredit string `json:"first_response_credit,omitempty"`
	// ResolutionFrom is FromCycle (default) or FromSession.
	ResolutionFrom string `json:"resolution_from,omitempty"`
	// ResolutionCredit is CreditResolver (default) or CreditAssignee.
	ResolutionCredit string `json:"resolution_credit,omitempty"`
	// ResolutionCount is CountEvents (default) or CountSessions.
	ResolutionCount string `json:"resolution_count,omitempty"`
	// ReplyWaitEndsOnBot ends a contact's wait for a human reply when the
	// bot or AI assistant replies (Chatwoot's newer rule); by default only
	// a human reply ends it.
	ReplyWaitEndsOnBot bool `json:"reply_wait_ends_on_bot,omitempty"`
	// BusinessHours, when set, makes every duration count only working
	// time.
	BusinessHours *BusinessHours `json:"business_hours,omitempty"`
	// SLA sets the targets of SLA attainment; nil reports none.
	SLA *SLA `json:"sla,omitempty"`
	// Members lists each team's agents for the "team members" rows; teams
	// not listed get the agents seen with them on assignments and
	// messages in the range.
	Members map[string][]string `json:"members,omitempty"`
}

// ChatwootOptions returns the options that reproduce Chatwoot's report
// definitions (support-metrics.md): first response once per session from
// the latest hand-off or reopening, credited to the replier; resolution
// time from the start of the session, credited to the assignee, every
// resolution counted; a wait for a reply cleared by bot replies. Use it
// with a Calendar whose weeks start on Sunday (cal.WithWeekStart(
// time.Sunday), in JSON "week_start": "sunday") for Chatwoot's weeks.
func ChatwootOptions() Options {
	return Options{
		Sessions:            SessionsAuto,
		FirstResponseFrom:   FromChatwoot,
		FirstResponseCredit: CreditReplier,
		ResolutionFrom:      FromSession,
		ResolutionCredit:    CreditAssignee,
		ResolutionCount:     CountEvents,
		ReplyWaitEndsOnBot:  true,
	}
}

// SLA holds service-level targets; a zero target is not evaluated.
type SLA struct {
	// FirstResponse is the longest acceptable human first response.
	FirstResponse Duration `json:"first_response,omitempty"`
	// NextResponse is the longest acceptable later wait for a human reply.
	NextResponse Duration `json:"next_response,omitempty"`
	// Resolution is the longest acceptable resolution time.
	Resolution Duration `json:"resolution,omitempty"`
}

// Duration is a time.Duration written in JSON as a Go duration string
// ("90s", "4h30m"). It also reads a number of nanoseconds.
type Duration time.Duration

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration %q: %w", s, cm.ErrInvalidValue)
		}
		*d = Duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("duration %s: %w (want a string such as \"90s\")", b, cm.ErrInvalidValue)
	}
	*d = Duration(n)
	return nil
}

// fieldError formats "session: field: detail" wrapping err.
func fieldError(field string, err error, detail string) error {
	if detail != "" {
		return fmt.Errorf("session: %s: %w: %s", field, err, detail)
	}
	return fmt.Errorf("session: %s: %w", field, err)
}

// Validate checks q and returns an error naming the first field at fault
// ("session: options.sessions: unknown value: ..."), wrapping
// cm.ErrNoTenant (no tenant), cm.ErrRequired, cm.ErrUnknownValue,
// cm.ErrInvalidValue, cm.ErrEmptyRange or cm.ErrRangeTooLong. It never
// modifies q: defaults are applied to a compiled copy.
func (q *Query) Validate() error {
	_, err := q.compile()
	return err
}

// compiled is a validated query ready for folding.
type compiled struct {
	q        Query
	cal      cm.Calendar
	buckets  cm.Buckets
	starts   []int64 // bucket starts (Unix ns)
	ends     []int64 // bucket ends, clipped to the range end
	snapAt   []int64 // per bucket, the snapshot instant: its clipped end - 1 ns
	from, to int64
	// slots: the bucket at the start of each slot of 2^slotShift ns from
	// the range's start, so that finding a bucket costs a lookup
	slots     []int32
	slotShift uint
	now       int64
	endSnap   int64 // to - 1: the end-of-range snapshot instant
	hours     *BusinessHours
	hoursLoc  *time.Location
	opts      resolvedOptions
	// minIndexRows is the smallest frame folded with a contact index, and
	// minParallelRows the smallest folded on several cores: the defaults
	// below, changed by tests only (through the compiled copy, so that
	// no question sees another's settings).
	minIndexRows, minParallelRows int
}

// The defaults of compiled.minIndexRows and compiled.minParallelRows.
const (
	defaultMinIndexRows    = 1 << 14
	defaultMinParallelRows = 1 << 14
)

type resolvedOptions struct {
	derive          bool
	idle            int64 // the inactivity timeout, 0 for none
	window          int64
	chatwootFRT     bool
	frtAssignee     bool
	resFromSession  bool
	resAssignee     bool
	countSessions   bool
	waitEndsOnBot   bool
	slaFirst        int64
	slaNext         int64
	slaResolution   int64
	sla             bool
	members         map[string][]string
	costs           map[string]cm.Money
	filterChannels  []cm.Channel
	filterNeedsPass bool
}

// compile checks q and returns its compiled copy, with the defaults
// applied; q itself is never modified.
func (q *Query) compile() (*compiled, error) {
	if q.Tenant == "" {
		return nil, fieldError("tenant", cm.ErrNoTenant, "")
	}
	if err := q.Calendar.CheckRange(q.Range, cm.RangeOptions{AllowLong: q.AllowLongRange}); err != nil {
		switch {
		case errors.Is(err, cm.ErrRangeTooLong):
			return nil, fieldError("range", cm.ErrRangeTooLong, fmt.Sprintf("%s spans %d days in %s, more than %d (set allow_long_range to lift the limit)",
				q.Range, q.Calendar.DaysSpanned(q.Range), q.Calendar.Location(), cm.MaxCustomDays))
		case errors.Is(err, cm.ErrEmptyRange):
			return nil, fieldError("range", cm.ErrEmptyRange, q.Range.String()+" (both bounds are required, from before to)")
		}
		return nil, fmt.Errorf("session: range: %w", err)
	}
	if err := cm.CheckInstant(q.Now); err != nil {
		return nil, fmt.Errorf("session: now: %w", err)
	}
	loc := q.Calendar.Location()
	c := &compiled{q: *q, cal: q.Calendar, minIndexRows: defaultMinIndexRows, minParallelRows: defaultMinParallelRows}
	var err error
	g := q.Granularity
	if g == "" {
		g = cm.Day
	}
	if g, err = cm.ParseGranularity(string(g)); err != nil {
		return nil, fieldError("granularity", cm.ErrUnknownValue, strconv.Quote(string(q.Granularity))+" (want hour, day, week or month)")
	}
	c.q.Granularity = g
	if c.buckets, err = c.cal.Buckets(q.Range, g); err != nil {
		return nil, fmt.Errorf("session: range: %w", err)
	}
	if err := q.Partition.Check(); err != nil {
		return nil, fmt.Errorf("session: partition: %w", err)
	}
	c.from, c.to = q.Range.From.UnixNano(), q.Range.To.UnixNano()
	c.endSnap = c.to - 1
	c.now = c.endSnap
	if !q.Now.IsZero() {
		c.now = q.Now.UnixNano()
	}
	n := c.buckets.Len()
	c.starts = make([]int64, n)
	c.ends = make([]int64, n)
	c.snapAt = make([]int64, n)
	for i, s := range c.buckets.Starts {
		c.starts[i] = max(s.UnixNano(), c.from)
		c.ends[i] = min(c.buckets.End(i).UnixNano(), c.to)
		c.snapAt[i] = c.ends[i] - 1
	}
	c.compileSlots()
	if err := c.compileFilter(); err != nil {
		return nil, err
	}
	if err := c.compileOptions(loc); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *compiled) compileFilter() error {
	f := c.q.Filter
	for i, ch := range f.Channels {
		if ch == "" || !ch.Known() {
			return fieldError(fmt.Sprintf("filter.channels[%d]", i), cm.ErrUnknownValue, strconv.Quote(string(ch))+" (want whatsapp, web_widget, api or test)")
		}
	}
	lists := []struct {
		name string
		vals []string
	}{{"inboxes", f.Inboxes}, {"assistants", f.Assistants}, {"agents", f.Agents}, {"teams", f.Teams}, {"contacts", f.Contacts}}
	for _, l := range lists {
		for i, v := range l.vals {
			if v == "" {
				return fieldError(fmt.Sprintf("filter.%s[%d]", l.name, i), cm.ErrRequired, "empty value")
			}
		}
	}
	c.opts.filterChannels = f.Channels
	c.opts.filterNeedsPass = len(f.Assistants) > 0 || len(f.Agents) > 0 || len(f.Teams) > 0
	return nil
}

func oneOf(field, v string, def string, allowed ...string) (string, error) {
	if v == "" {
		return def, nil
	}
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return "", fieldError(field, cm.ErrUnknownValue, fmt.Sprintf("%q (want %s)", v, strings.Join(allowed, " or ")))
}

func (c *compiled) compileOptions(loc *time.Location) error {
	o := c.q.Options
	r := &c.opts
	v, err := oneOf("options.sessions", o.Sessions, SessionsAuto, SessionsAuto, SessionsDerive)
	if err != nil {
		return err
	}
	r.derive = v == SessionsDerive
	if o.InactivityTimeout < 0 {
		return fieldError("options.inactivity_timeout", cm.ErrInvalidValue, "negative")
	}
	r.idle = int64(o.InactivityTimeout)
	if o.ResponseWindow < 0 {
		return fieldError("options.response_window", cm.ErrInvalidValue, "negative")
	}
	r.window = int64(o.ResponseWindow)
	if v, err = oneOf("options.first_response_from", o.FirstResponseFrom, FromTrigger, FromTrigger, FromChatwoot); err != nil {
		return err
	}
	r.chatwootFRT = v == FromChatwoot
	if v, err = oneOf("options.first_response_credit", o.FirstResponseCredit, CreditReplier, CreditReplier, CreditAssignee); err != nil {
		return err
	}
	r.frtAssignee = v == CreditAssignee
	if v, err = oneOf("options.resolution_from", o.ResolutionFrom, FromCycle, FromCycle, FromSession); err != nil {
		return err
	}
	r.resFromSession = v == FromSession
	if v, err = oneOf("options.resolution_credit", o.ResolutionCredit, CreditResolver, CreditResolver, CreditAssignee); err != nil {
		return err
	}
	r.resAssignee = v == CreditAssignee
	if v, err = oneOf("options.resolution_count", o.ResolutionCount, CountEvents, CountEvents, CountSessions); err != nil {
		return err
	}
	r.countSessions = v == CountSessions
	r.waitEndsOnBot = o.ReplyWaitEndsOnBot
	if o.SLA != nil {
		for _, t := range []struct {
			name string
			d    Duration
			dst  *int64
		}{{"first_response", o.SLA.FirstResponse, &r.slaFirst}, {"next_response", o.SLA.NextResponse, &r.slaNext}, {"resolution", o.SLA.Resolution, &r.slaResolution}} {
			if t.d < 0 {
				return fieldError("options.sla."+t.name, cm.ErrInvalidValue, "negative")
			}
			*t.dst = int64(t.d)
		}
		r.sla = r.slaFirst > 0 || r.slaNext > 0 || r.slaResolution > 0
		if !r.sla {
			return fieldError("options.sla", cm.ErrRequired, "no target set (first_response, next_response or resolution)")
		}
	}
	for team, agents := range o.Members {
		if team == "" {
			return fieldError("options.members", cm.ErrRequired, "empty team name")
		}
		for i, a := range agents {
			if a == "" {
				return fieldError(fmt.Sprintf("options.members[%q][%d]", team, i), cm.ErrRequired, "empty agent name")
			}
		}
	}
	r.members = o.Members
	if o.BusinessHours != nil {
		hl := loc
		if o.BusinessHours.TimeZone != "" {
			l, err := time.LoadLocation(o.BusinessHours.TimeZone)
			if err != nil {
				return fieldError("options.business_hours.time_zone", cm.ErrUnknownValue, strconv.Quote(o.BusinessHours.TimeZone))
			}
			hl = l
		}
		if err := o.BusinessHours.check("options.business_hours"); err != nil {
			return err
		}
		c.hours, c.hoursLoc = o.BusinessHours, hl
	}
	for id, m := range c.q.MessageCosts {
		if id == "" {
			return fieldError("message_costs", cm.ErrRequired, "empty message id")
		}
		if len(m.Currency) != 3 || strings.ToUpper(m.Currency) != m.Currency {
			return fieldError(fmt.Sprintf("message_costs[%q].currency", id), cm.ErrInvalidValue, strconv.Quote(m.Currency)+" (want an ISO 4217 code)")
		}
	}
	r.costs = c.q.MessageCosts
	return nil
}

// maxSlots bounds the slot table of a range.
const maxSlots = 4096

// compileSlots divides the range into at most maxSlots slots of a power of
// two nanoseconds and notes the bucket each starts in.
func (c *compiled) compileSlots() {
	span := uint64(c.to - c.from - 1)
	for span>>c.slotShift >= maxSlots {
		c.slotShift++
	}
	c.slots = make([]int32, span>>c.slotShift+1)
	b := 0
	for j := range c.slots {
		t := c.from + int64(j)<<c.slotShift
		for b+1 < len(c.starts) && c.starts[b+1] <= t {
			b++
		}
		c.slots[j] = int32(b)
	}
}

// bucketOf returns the bucket of t (Unix ns), or -1 outside the range: the
// last bucket starting at or before t, found from the bucket its slot
// starts in (a slot is usually shorter than a bucket).
func (c *compiled) bucketOf(t int64) int {
	if t < c.from || t >= c.to {
		return -1
	}
	b := int(c.slots[uint64(t-c.from)>>c.slotShift])
	for b+1 < len(c.starts) && c.starts[b+1] <= t {
		b++
	}
	return b
}

// snapFrom returns the first bucket whose snapshot instant is at or after
// t: firstAtOrAfter(c.snapAt, t). Buckets are contiguous (each ends where
// the next starts), so within the range it is t's bucket.
func (c *compiled) snapFrom(t int64) int {
	switch {
	case t < c.from:
		return 0
	case t >= c.to:
		return len(c.snapAt)
	}
	return c.bucketOf(t)
}

// firstAtOrAfter returns the first index i of sorted xs with xs[i] >= t.
func firstAtOrAfter(xs []int64, t int64) int {
	lo, hi := 0, len(xs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if xs[m] < t {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
