package session

import (
	"context"
	"slices"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
)

// WindowsResult lists the 24-hour customer-service windows open at an
// instant and the sends made outside a window during the range.
type WindowsResult struct {
	Tenant string   `json:"tenant"`
	Range  cm.Range `json:"range"`
	// At is the instant of Open: the query's now (the end of the range when
	// unset).
	At time.Time `json:"at"`
	// Open lists the (inbox, contact) windows open at At, by contact then
	// inbox; OpenContacts counts the distinct contacts among them.
	Open         []OpenWindow `json:"open"`
	OpenContacts int          `json:"open_contacts"`
	// Outside lists the non-template sends of the range to a closed
	// window, in time order.
	Outside []OutsideSend `json:"outside"`
}

// Windows returns the customer-service windows open at q's now and the
// sends outside a window during q's range.
func Windows(ctx context.Context, r cm.Reader, q Query) (*WindowsResult, error) {
	c, err := q.compile()
	if err != nil {
		return nil, err
	}
	a, err := fold(ctx, r, c, partWindows)
	if err != nil {
		return nil, err
	}
	return a.Windows(), nil
}

// Windows extracts the window lists.
func (a *Accumulator) Windows() *WindowsResult {
	c := a.c
	at := c.q.Range.To
	if !c.q.Now.IsZero() {
		at = c.q.Now
	}
	res := &WindowsResult{Tenant: c.q.Tenant, Range: c.q.Range, At: at.In(c.cal.Location()),
		Open: slices.Clone(a.windows), Outside: slices.Clone(a.outside)}
	slices.SortFunc(res.Open, func(x, y OpenWindow) int {
		if d := strings.Compare(x.Contact, y.Contact); d != 0 {
			return d
		}
		return strings.Compare(x.Inbox, y.Inbox)
	})
	loc := c.cal.Location()
	for i, w := range res.Open {
		if i == 0 || res.Open[i-1].Contact != w.Contact {
			res.OpenContacts++
		}
		res.Open[i].LastInbound, res.Open[i].Closes = w.LastInbound.In(loc), w.Closes.In(loc)
	}
	for i := range res.Outside {
		o := &res.Outside[i]
		o.Time = o.Time.In(loc)
		if !o.LastInbound.IsZero() {
			o.LastInbound = o.LastInbound.In(loc)
		}
	}
	slices.SortFunc(res.Outside, func(x, y OutsideSend) int {
		if d := x.Time.Compare(y.Time); d != 0 {
			return d
		}
		if d := strings.Compare(x.Contact, y.Contact); d != 0 {
			return d
		}
		return strings.Compare(x.Message, y.Message)
	})
	if res.Open == nil {
		res.Open = []OpenWindow{}
	}
	if res.Outside == nil {
		res.Outside = []OutsideSend{}
	}
	return res
}

// Tables returns the open windows and the sends outside a window.
func (r *WindowsResult) Tables() []cm.Table {
	open := cm.Table{Name: "Open 24-hour windows at " + r.At.Format(time.RFC3339), Columns: []string{"contact", "inbox", "last_inbound", "closes"}}
	for _, w := range r.Open {
		open.Rows = append(open.Rows, []string{w.Contact, w.Inbox, w.LastInbound.Format(time.RFC3339), w.Closes.Format(time.RFC3339)})
	}
	out := cm.Table{Name: "Sends outside the 24-hour window", Columns: []string{"time", "contact", "inbox", "message", "sender", "agent", "last_inbound"}}
	for _, s := range r.Outside {
		last := ""
		if !s.LastInbound.IsZero() {
			last = s.LastInbound.Format(time.RFC3339)
		}
		out.Rows = append(out.Rows, []string{s.Time.Format(time.RFC3339), s.Contact, s.Inbox, s.Message, string(s.Sender), s.Agent, last})
	}
	return []cm.Table{open, out}
}

// SessionsResult lists the sessions active during a range.
type SessionsResult struct {
	Tenant   string       `json:"tenant"`
	Range    cm.Range     `json:"range"`
	Sessions []SessionRow `json:"sessions"`
}

// Sessions lists every session active at some instant of q's range, in
// order of start (then contact and id): one row per session, the export
// support teams ask for to check the numbers by hand.
func Sessions(ctx context.Context, r cm.Reader, q Query) (*SessionsResult, error) {
	c, err := q.compile()
	if err != nil {
		return nil, err
	}
	a, err := fold(ctx, r, c, partList)
	if err != nil {
		return nil, err
	}
	return a.Sessions(), nil
}

// Sessions extracts the session list.
func (a *Accumulator) Sessions() *SessionsResult {
	res := &SessionsResult{Tenant: a.c.q.Tenant, Range: a.c.q.Range, Sessions: slices.Clone(a.list)}
	slices.SortFunc(res.Sessions, func(x, y SessionRow) int {
		if d := x.Start.Compare(y.Start); d != 0 {
			return d
		}
		if d := strings.Compare(x.Contact, y.Contact); d != 0 {
			return d
		}
		return strings.Compare(x.ID, y.ID)
	})
	loc := a.c.cal.Location()
	for i := range res.Sessions {
		r := &res.Sessions[i]
		r.Start = r.Start.In(loc)
		if !r.LastResolved.IsZero() {
			r.LastResolved = r.LastResolved.In(loc)
		}
	}
	if res.Sessions == nil {
		res.Sessions = []SessionRow{}
	}
	return res
}

func optSecs(d *time.Duration) string {
	if d == nil {
		return ""
	}
	return secs(*d)
}

// Tables returns the session list as one table.
func (r *SessionsResult) Tables() []cm.Table {
	t := cm.Table{Name: "Sessions", Columns: []string{"id", "contact", "inbox", "channel", "start", "incoming", "status_at_end", "agent", "team",
		"assistant", "received", "sent", "cycles", "resolutions", "last_resolved", "first_response_s", "human_first_response_s", "handoff", "bot_only"}}
	for _, s := range r.Sessions {
		last := ""
		if !s.LastResolved.IsZero() {
			last = s.LastResolved.Format(time.RFC3339)
		}
		t.Rows = append(t.Rows, []string{s.ID, s.Contact, s.Inbox, string(s.Channel), s.Start.Format(time.RFC3339), yesNo(s.Incoming),
			s.StatusAtEnd, s.Agent, s.Team, s.Assistant, itoa(s.Received), itoa(s.Sent), itoa(s.Cycles), itoa(s.Resolutions), last,
			optSecs(s.FirstResponse), optSecs(s.HumanFirstResponse), yesNo(s.Handoff), yesNo(s.BotOnly)})
	}
	return []cm.Table{t}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
