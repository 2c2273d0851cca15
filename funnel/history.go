package funnel

import (
	"context"
	"fmt"
	"sort"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// HistoryQuery asks for one user's messages in one campaign deployment.
type HistoryQuery struct {
	Tenant string `json:"tenant"`
	// Range selects the deployment (its deployment time is in it) as for
	// [CampaignQuery.Range], with the same limits.
	Range          cm.Range `json:"range"`
	AllowLongRange bool     `json:"allow_long_range,omitempty"`
	Contact        string   `json:"contact"`
	// Campaign is required; Version "" means the contact's latest
	// deployment of the campaign in the range (broadcasts have no
	// version).
	Campaign    string `json:"campaign"`
	Version     string `json:"version,omitempty"`
	IncludeTest bool   `json:"include_test,omitempty"`
	// Calendar is the tenant's calendar: the days the range limit counts,
	// and the zone of the times (UTC by default).
	Calendar cm.Calendar `json:"calendar,omitzero"`
	// Partition limits the lookup to one partition of the tenant's
	// contacts: a contact outside it has no deployment.
	Partition cm.Partition `json:"partition,omitzero"`
}

// Validate checks the query: a tenant, a contact and a campaign, and the
// range and partition as [CampaignQuery.Validate] does. It does not modify
// q.
func (q *HistoryQuery) Validate() error {
	if err := checkScope(q.Tenant, q.Calendar, q.Range, q.AllowLongRange, q.Partition); err != nil {
		return err
	}
	if q.Contact == "" {
		return fmt.Errorf("funnel: contact: %w", cm.ErrRequired)
	}
	if q.Campaign == "" {
		return fmt.Errorf("funnel: campaign: %w", cm.ErrRequired)
	}
	return nil
}

// HistoryMessage is one message of a history.
type HistoryMessage struct {
	Time      time.Time `json:"time"`
	Direction string    `json:"direction"` // inbound or outbound
	Message   string    `json:"message,omitempty"`
	Type      string    `json:"message_type,omitempty"`
	Sender    cm.Sender `json:"sender,omitempty"`
	Template  string    `json:"template,omitempty"`
	Campaign  string    `json:"campaign,omitempty"`
	ReplyTo   string    `json:"reply_to,omitempty"`
	// Status is the outbound message's furthest delivery state (failed
	// when it failed; played counts as read), "" when none came.
	Status    cm.Status `json:"status,omitempty"`
	ErrorCode string    `json:"error_code,omitempty"`
}

// History is a user's messages from the deployment time to the contact's
// next deployment (of any campaign) or the end of the range, in time
// order.
type History struct {
	Tenant   string           `json:"tenant"`
	Contact  string           `json:"contact"`
	Campaign string           `json:"campaign"`
	Version  string           `json:"version"`
	Deployed time.Time        `json:"deployed"`
	Status   DeploymentStatus `json:"status"`
	Messages []HistoryMessage `json:"messages"`
}

// MessageHistory returns one user's message history for a campaign: the
// messages of the deployment window (see [History]).
func MessageHistory(ctx context.Context, r cm.Reader, q HistoryQuery) (*History, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	cq := CampaignQuery{Tenant: q.Tenant, Range: q.Range, IncludeTest: q.IncludeTest, Calendar: q.Calendar, Partition: q.Partition}
	f, err := frame.Get(ctx, r, cq.spec())
	if err != nil {
		return nil, fmt.Errorf("funnel: %w", err)
	}
	g := sort.Search(f.NumGroups(), func(g int) bool { return f.ContactOf(int(f.Groups[g])) >= q.Contact })
	notFound := fmt.Errorf("funnel: contact %q, campaign %q, version %q: %w", q.Contact, q.Campaign, q.Version, ErrNoDeployment)
	if g == f.NumGroups() || f.ContactOf(int(f.Groups[g])) != q.Contact {
		return nil, notFound
	}
	lo, hi := f.Group(g)
	b := bindCampaign(f)
	from, to := q.Range.UnixNano()
	deps := contactDeployments(b, lo, hi, q.IncludeTest, to)
	pick := -1
	for i := range deps {
		d := &deps[i]
		if d.campaign == q.Campaign && (q.Version == "" || d.version == q.Version) && d.at >= from && d.at < to {
			pick = i
		}
	}
	if pick < 0 {
		return nil, notFound
	}
	d := &deps[pick]
	loc := q.Calendar.Location()
	h := &History{Tenant: q.Tenant, Contact: q.Contact, Campaign: d.campaign, Version: d.version, Deployed: time.Unix(0, d.at).In(loc),
		Status: d.status(), Messages: []HistoryMessage{}}
	// Statuses of the contact's messages.
	states := map[uint32]*msgState{}
	for r := lo; r < hi; r++ {
		if f.Type[r] == codeStatus && b.msg[r] != 0 && (q.IncludeTest || !b.hasTest || b.chans[r] != b.test) {
			st := states[b.msg[r]]
			if st == nil {
				st = &msgState{}
				states[b.msg[r]] = st
			}
			st.add(f.Str(frame.Status, r), f.Str(frame.ErrorCode, r), f.Time[r])
		}
	}
	for r := lo; r < hi; r++ {
		t := f.Time[r]
		typ := f.Type[r]
		if t < d.at || t >= d.window || (typ != codeSent && typ != codeReceived) || (!q.IncludeTest && b.hasTest && b.chans[r] == b.test) {
			continue
		}
		m := HistoryMessage{Time: time.Unix(0, t).In(loc), Direction: "inbound", Message: f.Str(frame.Message, r), Type: f.Str(frame.MessageType, r),
			ReplyTo: f.Str(frame.ReplyTo, r)}
		if typ == codeSent {
			m.Direction = "outbound"
			m.Sender = cm.Sender(f.Str(frame.Sender, r))
			m.Template = f.Str(frame.Template, r)
			m.Campaign = f.Str(frame.Campaign, r)
			if st := states[b.msg[r]]; st != nil && b.msg[r] != 0 {
				m.Status, m.ErrorCode = st.status(), st.code
			}
		}
		h.Messages = append(h.Messages, m)
	}
	return h, nil
}

// status names a message's state.
func (m *msgState) status() cm.Status {
	switch {
	case m.failed:
		return cm.StatusFailed
	case m.state == 3:
		return cm.StatusRead
	case m.state == 2:
		return cm.StatusDelivered
	case m.state == 1:
		return cm.StatusSent
	}
	return ""
}

// Tables returns the history for export.
func (h *History) Tables() []cm.Table {
	t := cm.Table{Name: fmt.Sprintf("Messages of %s in %s (version %s, deployed %s, %s)", h.Contact, h.Campaign, h.Version, stamp(h.Deployed), h.Status),
		Columns: []string{"time", "direction", "message", "message_type", "sender", "template", "reply_to", "status", "error_code"}}
	for _, m := range h.Messages {
		t.Rows = append(t.Rows, []string{stamp(m.Time), m.Direction, m.Message, m.Type, string(m.Sender), m.Template, m.ReplyTo, string(m.Status), m.ErrorCode})
	}
	return []cm.Table{t}
}
