package funnel

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// ErrNoDeployment: the contact has no deployment of the campaign asked for.
var ErrNoDeployment = errors.New("no such deployment")

// DeploymentStatus is how far a deployment's first message got.
type DeploymentStatus string

// Deployment statuses, from the furthest state of the first message's
// delivery statuses (failed is terminal).
const (
	InProcess DeploymentStatus = "in_process" // no message yet, or no status for it yet
	Sent      DeploymentStatus = "sent"       // accepted by WhatsApp, not (yet) delivered
	Delivered DeploymentStatus = "delivered"  // delivered, not (yet) read
	Read      DeploymentStatus = "read"       // read (or played)
	Failed    DeploymentStatus = "failed"     // a failed status came, whatever else did
)

// Stage is where a deployed user is in the campaign's conversation.
type Stage string

// Stages.
const (
	StageNone     Stage = "none"     // the user has not responded
	StageInFlow   Stage = "in_flow"  // responded, not finished
	StageFinished Stage = "finished" // responded and finished (see the package documentation)
)

// SessionStatus is the state of the user's 24-hour customer-service
// window at the query's reference instant.
type SessionStatus string

// Session statuses.
const (
	SessionOpen   SessionStatus = "open"
	SessionClosed SessionStatus = "closed"
)

// CampaignQuery asks for campaign deployment metrics.
type CampaignQuery struct {
	Tenant string `json:"tenant"`
	// Range selects the deployments whose deployment time is in it; their
	// statuses, responses and activity count up to Range.To. Both bounds
	// are required, and the range may span at most cm.MaxCustomDays
	// calendar days of Calendar unless AllowLongRange is set.
	Range          cm.Range `json:"range"`
	AllowLongRange bool     `json:"allow_long_range,omitempty"`
	// Campaign and Version, when set, keep only that campaign (and
	// version).
	Campaign string `json:"campaign,omitempty"`
	Version  string `json:"version,omitempty"`
	// IncludeTest includes test-channel events.
	IncludeTest bool `json:"include_test,omitempty"`
	// Now is the instant session statuses are taken at ("now" of the
	// per-user table); zero means Range.To.
	Now time.Time `json:"now,omitzero"`
	// Status, Stage and Session filter the per-user table
	// ([CampaignUsers]); empty keeps all. The summary ignores them.
	Status  DeploymentStatus `json:"status,omitempty"`
	Stage   Stage            `json:"stage,omitempty"`
	Session SessionStatus    `json:"session,omitempty"`
	// Calendar is the tenant's calendar: the days the range limit counts,
	// and the zone of the times in results (UTC by default).
	Calendar cm.Calendar `json:"calendar,omitzero"`
	// Partition limits the question to one partition of the tenant's
	// contacts ([FoldCampaigns]); the zero Partition is every contact.
	Partition cm.Partition `json:"partition,omitzero"`
}

// Validate checks the query: a tenant, a range (both bounds, From before
// To, at most cm.MaxCustomDays days of Calendar unless AllowLongRange), a
// valid partition, a version only with its campaign, and known status,
// stage and session filters. It does not modify q.
func (q *CampaignQuery) Validate() error {
	if q.Tenant == "" {
		return fmt.Errorf("funnel: tenant: %w", cm.ErrNoTenant)
	}
	if err := checkRange(q.Calendar, q.Range, q.AllowLongRange); err != nil {
		return err
	}
	if err := cm.CheckInstant(q.Now); err != nil {
		return fmt.Errorf("funnel: now: %w", err)
	}
	if err := checkPartition(q.Partition); err != nil {
		return err
	}
	if q.Version != "" && q.Campaign == "" {
		return fmt.Errorf("funnel: version: %w: a version needs its campaign", cm.ErrInvalidValue)
	}
	switch q.Status {
	case "", InProcess, Sent, Delivered, Read, Failed:
	default:
		return fmt.Errorf("funnel: status: %w %q (want in_process, sent, delivered, read or failed)", cm.ErrUnknownValue, q.Status)
	}
	switch q.Stage {
	case "", StageNone, StageInFlow, StageFinished:
	default:
		return fmt.Errorf("funnel: stage: %w %q (want none, in_flow or finished)", cm.ErrUnknownValue, q.Stage)
	}
	switch q.Session {
	case "", SessionOpen, SessionClosed:
	default:
		return fmt.Errorf("funnel: session: %w %q (want open or closed)", cm.ErrUnknownValue, q.Session)
	}
	return nil
}

func (q *CampaignQuery) spec() frame.Spec {
	return frame.Spec{
		Query: cm.Query{Tenant: q.Tenant, Range: cm.Range{To: q.Range.To}, Partition: q.Partition, Types: []cm.Type{
			cm.CampaignTargeted, cm.MessageSent, cm.MessageStatus, cm.MessageReceived,
			cm.FlowNode, cm.FlowCompleted, cm.ConversationResolved}},
		Fields: frame.Of(frame.Channel, frame.Campaign, frame.CampaignVersion, frame.Message, frame.ReplyTo,
			frame.Status, frame.ErrorCode, frame.Sender, frame.Flow, frame.MessageType, frame.Template),
		Attrs: true,
	}
}

// msgState is what the statuses of one message say.
type msgState struct {
	state  uint8 // 0 none, 1 sent, 2 delivered, 3 read (or played)
	failed bool
	code   string
	codeAt int64
}

func (m *msgState) add(status string, code string, t int64) {
	switch cm.Status(status) {
	case cm.StatusSent:
		m.state = max(m.state, 1)
	case cm.StatusDelivered:
		m.state = max(m.state, 2)
	case cm.StatusRead, cm.StatusPlayed:
		m.state = 3
	case cm.StatusFailed:
		if !m.failed || t < m.codeAt {
			m.code, m.codeAt = code, t
		}
		m.failed = true
	}
}

func (m *msgState) merge(o msgState) {
	m.state = max(m.state, o.state)
	if o.failed {
		if !m.failed || o.codeAt < m.codeAt {
			m.code, m.codeAt = o.code, o.codeAt
		}
		m.failed = true
	}
}

// depRec is one deployment: a (campaign, version) put to one contact.
type depRec struct {
	contact           string
	campaign, version string
	cID, vID          uint32 // their ids in the frame the record was read from
	at                int64  // deployment time: first targeting or send
	msg               string
	sendAt            int64
	hasSend           bool
	flow              string
	st                msgState
	responded         bool
	respondedAt       int64
	finished          bool
	lastActivity      int64
	hasActivity       bool
	vars              map[string]string
	session           SessionStatus
	window            int64 // end of the deployment window (next deployment), or max
}

// status returns the deployment's final status.
func (d *depRec) status() DeploymentStatus {
	switch {
	case d.st.failed:
		return Failed
	case d.st.state == 3:
		return Read
	case d.st.state == 2 || (d.responded && d.hasSend):
		return Delivered
	case d.st.state == 1:
		return Sent
	}
	return InProcess
}

func (d *depRec) stage() Stage {
	switch {
	case !d.responded || d.st.failed:
		return StageNone
	case d.finished:
		return StageFinished
	}
	return StageInFlow
}

// campBinding is a campaign query bound to a frame.
type campBinding struct {
	f                                  *frame.Frame
	chans, camp, ver, msg, reply, stat []uint32
	code, sender, flow                 []uint32
	test                               uint32
	hasTest                            bool
	campaignSender, broadcastSender    uint32
	hasCS, hasBS                       bool
}

func bindCampaign(f *frame.Frame) *campBinding {
	b := &campBinding{f: f, chans: f.Col(frame.Channel), camp: f.Col(frame.Campaign), ver: f.Col(frame.CampaignVersion),
		msg: f.Col(frame.Message), reply: f.Col(frame.ReplyTo), stat: f.Col(frame.Status), code: f.Col(frame.ErrorCode),
		sender: f.Col(frame.Sender), flow: f.Col(frame.Flow)}
	b.test, b.hasTest = f.Lookup(frame.Channel, string(cm.ChannelTest))
	b.campaignSender, b.hasCS = f.Lookup(frame.Sender, string(cm.SenderCampaign))
	b.broadcastSender, b.hasBS = f.Lookup(frame.Sender, string(cm.SenderBroadcast))
	return b
}

func (b *campBinding) isCampaignSend(r int, typ uint8) bool {
	if typ != codeSent || b.camp[r] == 0 {
		return false
	}
	s := b.sender[r]
	return (b.hasCS && s == b.campaignSender) || (b.hasBS && s == b.broadcastSender)
}

var (
	codeTargeted, _  = cm.TypeCode(cm.CampaignTargeted)
	codeSent, _      = cm.TypeCode(cm.MessageSent)
	codeStatus, _    = cm.TypeCode(cm.MessageStatus)
	codeReceived, _  = cm.TypeCode(cm.MessageReceived)
	codeNode, _      = cm.TypeCode(cm.FlowNode)
	codeCompleted, _ = cm.TypeCode(cm.FlowCompleted)
	codeResolved, _  = cm.TypeCode(cm.ConversationResolved)
)

// responseWindow is how long after a campaign send an unquoted inbound
// message still answers it.
const responseWindow = int64(24 * time.Hour)

// contactDeployments reads one contact's deployments from rows [lo, hi):
// every deployment of the contact in the frame, in order of deployment
// time, with its statuses, response, stage, activity and variables.
func contactDeployments(b *campBinding, lo, hi int, includeTest bool, now int64) []depRec {
	f := b.f
	skip := func(r int) bool { return !includeTest && b.hasTest && b.chans[r] == b.test }
	deployed := false
	for r := lo; r < hi && !deployed; r++ {
		typ := f.Type[r]
		deployed = (typ == codeTargeted && b.camp[r] != 0) || b.isCampaignSend(r, typ)
	}
	if !deployed {
		return nil // most contacts were never deployed to
	}
	// Pass 1: statuses of the contact's messages, and the deployments.
	states := map[uint32]*msgState{}
	var deps []depRec
	find := func(c, v uint32) int {
		for i := range deps {
			if deps[i].cID == c && deps[i].vID == v {
				return i
			}
		}
		return -1
	}
	contact := f.ContactOf(lo)
	for r := lo; r < hi; r++ {
		if skip(r) {
			continue
		}
		typ := f.Type[r]
		t := f.Time[r]
		switch {
		case typ == codeStatus:
			m := b.msg[r]
			if m == 0 {
				continue
			}
			st := states[m]
			if st == nil {
				st = &msgState{}
				states[m] = st
			}
			st.add(f.Str(frame.Status, r), f.Str(frame.ErrorCode, r), t)
		case typ == codeTargeted && b.camp[r] != 0:
			if find(b.camp[r], b.ver[r]) < 0 {
				deps = append(deps, depRec{contact: contact, campaign: f.Str(frame.Campaign, r), version: f.Str(frame.CampaignVersion, r),
					cID: b.camp[r], vID: b.ver[r], at: t, vars: f.Attrs(r)})
			}
		case b.isCampaignSend(r, typ):
			i := find(b.camp[r], b.ver[r])
			if i < 0 {
				deps = append(deps, depRec{contact: contact, campaign: f.Str(frame.Campaign, r), version: f.Str(frame.CampaignVersion, r),
					cID: b.camp[r], vID: b.ver[r], at: t})
				i = len(deps) - 1
			}
			if d := &deps[i]; !d.hasSend {
				d.hasSend, d.sendAt, d.msg, d.flow = true, t, f.Str(frame.Message, r), f.Str(frame.Flow, r)
			}
		}
	}
	if len(deps) == 0 {
		return nil
	}
	// The first message's id in the message column and in the reply_to
	// column (one dictionary may or may not serve both).
	msgIDs := make([]uint32, len(deps))
	replyIDs := make([]uint32, len(deps))
	for i := range deps {
		deps[i].window = 1<<63 - 1
		if i+1 < len(deps) {
			deps[i].window = deps[i+1].at
		}
		if deps[i].hasSend {
			id, _ := f.Lookup(frame.Message, deps[i].msg)
			msgIDs[i] = id
			if rid, ok := f.Lookup(frame.ReplyTo, deps[i].msg); ok {
				replyIDs[i] = rid
			}
			if st := states[id]; st != nil && id != 0 {
				deps[i].st = *st
			}
		}
	}
	// Pass 2: responses, stages, activity, variables, session.
	latest, answered := -1, true // the deployment last sent, and whether an inbound came since
	cur := -1                    // the deployment whose window holds the row
	lastIn, hasIn := int64(0), false
	for r := lo; r < hi; r++ {
		if skip(r) {
			continue
		}
		typ, t := f.Type[r], f.Time[r]
		for cur+1 < len(deps) && deps[cur+1].at <= t {
			cur++
		}
		switch typ {
		case codeSent:
			if b.isCampaignSend(r, typ) {
				for i := range deps {
					if deps[i].hasSend && msgIDs[i] == b.msg[r] && deps[i].sendAt == t {
						latest, answered = i, false
					}
				}
			}
		case codeReceived:
			if t <= now {
				lastIn, hasIn = t, true
			}
			if rp := b.reply[r]; rp != 0 {
				for i := range deps {
					if deps[i].hasSend && replyIDs[i] == rp && !deps[i].responded && t >= deps[i].sendAt {
						deps[i].responded, deps[i].respondedAt = true, t
					}
				}
			} else if latest >= 0 && !answered && t-deps[latest].sendAt <= responseWindow && !deps[latest].responded {
				deps[latest].responded, deps[latest].respondedAt = true, t
			}
			answered = true
			if cur >= 0 {
				deps[cur].lastActivity, deps[cur].hasActivity = t, true
			}
		case codeNode:
			if cur >= 0 && deps[cur].responded && t >= deps[cur].respondedAt {
				if kv := f.Attrs(r); len(kv) > 0 {
					if deps[cur].vars == nil {
						deps[cur].vars = map[string]string{}
					}
					maps.Copy(deps[cur].vars, kv)
				}
			}
		case codeCompleted:
			if cur >= 0 && deps[cur].responded && t >= deps[cur].respondedAt && deps[cur].flow != "" && f.Str(frame.Flow, r) == deps[cur].flow {
				deps[cur].finished = true
			}
		case codeResolved:
			if cur >= 0 && deps[cur].responded && t >= deps[cur].respondedAt && deps[cur].flow == "" {
				deps[cur].finished = true
			}
		}
	}
	session := SessionClosed
	if hasIn && now-lastIn < int64(24*time.Hour) {
		session = SessionOpen
	}
	for i := range deps {
		deps[i].session = session
	}
	return deps
}

// DeploymentCounts are the metrics of a set of deployments. See the
// package documentation for each.
type DeploymentCounts struct {
	// Users counts distinct contacts ("total users targeted"): a contact
	// deployed in two versions of a campaign is one user of the campaign
	// and one of each version. Deployments counts (contact, campaign,
	// version) deployments; the status counts below count deployments, so
	// Sent + InProcess + Failed = Deployments.
	Users       int `json:"users"`
	Deployments int `json:"deployments"`
	Sent        int `json:"sent"`
	InProcess   int `json:"in_process"`
	Failed      int `json:"failed"`
	// FailedBy splits Failed by reason group (every group present).
	FailedBy  map[FailureGroup]int `json:"failed_by"`
	Delivered int                  `json:"delivered"`
	Read      int                  `json:"read"`
	Responses int                  `json:"responses"`
	// ResponseRate is Responses / Sent.
	ResponseRate cm.Rate `json:"response_rate"`
}

func (c *DeploymentCounts) add(d *depRec) {
	if c.FailedBy == nil {
		c.FailedBy = map[FailureGroup]int{}
		for _, g := range FailureGroups() {
			c.FailedBy[g] = 0
		}
	}
	c.Deployments++
	switch d.status() {
	case InProcess:
		c.InProcess++
	case Failed:
		c.Failed++
		c.FailedBy[FailureGroupOf(d.st.code)]++
	case Read:
		c.Sent++
		c.Delivered++
		c.Read++
	case Delivered:
		c.Sent++
		c.Delivered++
	case Sent:
		c.Sent++
	}
	if d.responded && !d.st.failed {
		c.Responses++
	}
	c.ResponseRate = cm.RateOf(c.Responses, c.Sent)
}

// VersionCounts are the metrics of one campaign version.
type VersionCounts struct {
	Version string `json:"version"`
	DeploymentCounts
}

// CampaignSummary is one campaign: its totals over versions (deployments
// summed, users counted once) and each version.
type CampaignSummary struct {
	Campaign string `json:"campaign"`
	DeploymentCounts
	Versions []VersionCounts `json:"versions"`
}

// CampaignResult is the summary of every campaign deployed in the range.
type CampaignResult struct {
	Tenant    string            `json:"tenant"`
	Range     cm.Range          `json:"range"`
	Campaigns []CampaignSummary `json:"campaigns"`
}

// CampaignUser is one row of the per-user table.
type CampaignUser struct {
	Contact  string           `json:"contact"`
	Campaign string           `json:"campaign"`
	Version  string           `json:"version"`
	Deployed time.Time        `json:"deployed"`
	Status   DeploymentStatus `json:"status"`
	// FailureGroup and ErrorCode explain a failed deployment.
	FailureGroup FailureGroup `json:"failure_group,omitempty"`
	ErrorCode    string       `json:"error_code,omitempty"`
	Stage        Stage        `json:"stage"`
	Responded    time.Time    `json:"responded,omitzero"`
	// LastActivity is the user's last inbound message in the deployment
	// window (zero when none).
	LastActivity time.Time         `json:"last_activity,omitzero"`
	Session      SessionStatus     `json:"session"`
	Variables    map[string]string `json:"variables,omitempty"`
}

// UsersResult is the per-user table.
type UsersResult struct {
	Tenant string         `json:"tenant"`
	Range  cm.Range       `json:"range"`
	Now    time.Time      `json:"now"`
	Users  []CampaignUser `json:"users"`
}

// CampaignAccumulator is the mergeable state behind [Campaigns] and
// [CampaignUsers]: see [Accumulator] for how accumulators are used
// ([FoldCampaigns] makes them). It keeps one record per deployment;
// statuses that arrive without a contact are kept by message id and
// joined to the deployments in Result, so the join is exact however the
// contacts are partitioned.
type CampaignAccumulator struct {
	q       CampaignQuery
	key     string
	now     int64
	deps    []depRec
	orphans map[string]msgState
	lastF   *frame.Frame
	lastB   *campBinding
}

// FoldCampaigns reads the events q asks about (those of q.Partition's
// contacts only, when q names a partition; statuses without a contact
// belong to partition 0) into a campaign accumulator. It is what
// [Campaigns] and [CampaignUsers] run.
func FoldCampaigns(ctx context.Context, r cm.Reader, q CampaignQuery) (*CampaignAccumulator, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	f, err := frame.Get(ctx, r, q.spec())
	if err != nil {
		return nil, fmt.Errorf("funnel: %w", err)
	}
	return fold(ctx, f, func() *CampaignAccumulator { return newCampaignAccumulator(q) },
		(*CampaignAccumulator).add, (*CampaignAccumulator).merge)
}

// newCampaignAccumulator returns an empty accumulator for q, which must be
// valid. Session statuses are taken at q.Now, else q.Range.To.
func newCampaignAccumulator(q CampaignQuery) *CampaignAccumulator {
	a := &CampaignAccumulator{q: q, orphans: map[string]msgState{}, now: q.Range.To.UnixNano()}
	if !q.Now.IsZero() {
		a.now = q.Now.UnixNano()
	}
	k := q
	k.Partition = cm.Partition{}
	b, _ := json.Marshal(k)
	a.key = string(b)
	return a
}

// add folds contact group g of frame f.
func (a *CampaignAccumulator) add(f *frame.Frame, g int) {
	if a.lastF != f {
		a.lastF, a.lastB = f, bindCampaign(f)
	}
	b := a.lastB
	lo, hi := f.Group(g)
	if f.Contact[lo] == 0 {
		// Statuses without a contact, joined by message id in Result.
		for r := lo; r < hi; r++ {
			if f.Type[r] != codeStatus || b.msg[r] == 0 || (!a.q.IncludeTest && b.hasTest && b.chans[r] == b.test) {
				continue
			}
			m := f.Str(frame.Message, r)
			st := a.orphans[m]
			st.add(f.Str(frame.Status, r), f.Str(frame.ErrorCode, r), f.Time[r])
			a.orphans[m] = st
		}
		return
	}
	from, to := a.q.Range.UnixNano()
	for _, d := range contactDeployments(b, lo, hi, a.q.IncludeTest, a.now) {
		if d.at < from || d.at >= to || (a.q.Campaign != "" && d.campaign != a.q.Campaign) || (a.q.Version != "" && d.version != a.q.Version) {
			continue
		}
		a.deps = append(a.deps, d)
	}
}

// Merge adds o's deployments to a. Both must answer the same query (their
// partitions aside), else Merge returns an error wrapping [cm.ErrMismatch]
// and leaves a unchanged; o must not be used afterwards.
func (a *CampaignAccumulator) Merge(o *CampaignAccumulator) error {
	return mergeChecked(a, o, func() bool { return a.key == o.key }, (*CampaignAccumulator).merge)
}

func (a *CampaignAccumulator) merge(o *CampaignAccumulator) {
	a.deps = append(a.deps, o.deps...)
	for m, st := range o.orphans {
		mine := a.orphans[m]
		mine.merge(st)
		a.orphans[m] = mine
	}
}

// final returns the deployments with the contact-less statuses joined,
// sorted by deployment time, contact, campaign and version.
func (a *CampaignAccumulator) final() []depRec {
	deps := slices.Clone(a.deps)
	for i := range deps {
		if st, ok := a.orphans[deps[i].msg]; ok && deps[i].hasSend {
			deps[i].st.merge(st)
		}
	}
	slices.SortFunc(deps, func(x, y depRec) int {
		return cmp.Or(cmp.Compare(x.at, y.at), strings.Compare(x.contact, y.contact),
			strings.Compare(x.campaign, y.campaign), compareVersions(x.version, y.version))
	})
	return deps
}

// compareVersions orders versions numerically when both are numbers.
func compareVersions(a, b string) int {
	if digits(a) && digits(b) {
		x, errA := strconv.Atoi(a)
		y, errB := strconv.Atoi(b)
		if errA == nil && errB == nil {
			return cmp.Compare(x, y)
		}
	}
	return strings.Compare(a, b)
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Result returns the summary per campaign and version.
func (a *CampaignAccumulator) Result() *CampaignResult {
	res := &CampaignResult{Tenant: a.q.Tenant, Range: a.q.Range, Campaigns: []CampaignSummary{}}
	byCamp := map[string]*CampaignSummary{}
	byVer := map[[2]string]*DeploymentCounts{}
	// users marks the contacts already counted, per campaign (perVersion
	// false) and per version (a broadcast's version is "").
	type userKey struct {
		campaign, version, contact string
		perVersion                 bool
	}
	users := map[userKey]bool{}
	var names []string
	for _, d := range a.final() {
		s := byCamp[d.campaign]
		if s == nil {
			s = &CampaignSummary{Campaign: d.campaign}
			byCamp[d.campaign] = s
			names = append(names, d.campaign)
		}
		s.add(&d)
		if k := (userKey{campaign: d.campaign, contact: d.contact}); !users[k] {
			users[k] = true
			s.Users++
		}
		k := [2]string{d.campaign, d.version}
		v := byVer[k]
		if v == nil {
			v = &DeploymentCounts{}
			byVer[k] = v
			s.Versions = append(s.Versions, VersionCounts{Version: d.version})
		}
		v.add(&d)
		if k := (userKey{d.campaign, d.version, d.contact, true}); !users[k] {
			users[k] = true
			v.Users++
		}
	}
	slices.Sort(names)
	for _, n := range names {
		s := byCamp[n]
		slices.SortFunc(s.Versions, func(x, y VersionCounts) int { return compareVersions(x.Version, y.Version) })
		for i := range s.Versions {
			s.Versions[i].DeploymentCounts = *byVer[[2]string{n, s.Versions[i].Version}]
		}
		res.Campaigns = append(res.Campaigns, *s)
	}
	return res
}

func (a *CampaignAccumulator) loc() *time.Location { return a.q.Calendar.Location() }

// Users returns the per-user table, filtered by the query's status, stage
// and session.
func (a *CampaignAccumulator) Users() *UsersResult {
	loc := a.loc()
	res := &UsersResult{Tenant: a.q.Tenant, Range: a.q.Range, Now: time.Unix(0, a.now).In(loc), Users: []CampaignUser{}}
	for _, d := range a.final() {
		u := CampaignUser{Contact: d.contact, Campaign: d.campaign, Version: d.version, Deployed: time.Unix(0, d.at).In(loc),
			Status: d.status(), Stage: d.stage(), Session: d.session, Variables: d.vars}
		if u.Status == Failed {
			u.FailureGroup, u.ErrorCode = FailureGroupOf(d.st.code), d.st.code
		}
		if d.responded && !d.st.failed {
			u.Responded = time.Unix(0, d.respondedAt).In(loc)
		}
		if d.hasActivity {
			u.LastActivity = time.Unix(0, d.lastActivity).In(loc)
		}
		if (a.q.Status != "" && u.Status != a.q.Status) || (a.q.Stage != "" && u.Stage != a.q.Stage) || (a.q.Session != "" && u.Session != a.q.Session) {
			continue
		}
		res.Users = append(res.Users, u)
	}
	return res
}

// Campaigns computes the deployment metrics of every campaign (and
// version) deployed in q's range.
func Campaigns(ctx context.Context, r cm.Reader, q CampaignQuery) (*CampaignResult, error) {
	a, err := FoldCampaigns(ctx, r, q)
	if err != nil {
		return nil, err
	}
	return a.Result(), nil
}

// CampaignUsers returns the per-user table of the deployments in q's
// range, filtered by q.Status, q.Stage and q.Session.
func CampaignUsers(ctx context.Context, r cm.Reader, q CampaignQuery) (*UsersResult, error) {
	a, err := FoldCampaigns(ctx, r, q)
	if err != nil {
		return nil, err
	}
	return a.Users(), nil
}

// Tables returns the summary for export: one row per campaign (version
// "all") and per version.
func (r *CampaignResult) Tables() []cm.Table {
	cols := []string{"campaign", "version", "users", "deployments", "sent", "in_process", "failed"}
	for _, g := range FailureGroups() {
		cols = append(cols, "failed_"+string(g))
	}
	cols = append(cols, "delivered", "read", "responses", "response_rate")
	t := cm.Table{Name: "Campaign deployments", Columns: cols}
	row := func(c, v string, d *DeploymentCounts) []string {
		out := []string{c, v, strconv.Itoa(d.Users), strconv.Itoa(d.Deployments), strconv.Itoa(d.Sent), strconv.Itoa(d.InProcess), strconv.Itoa(d.Failed)}
		for _, g := range FailureGroups() {
			out = append(out, strconv.Itoa(d.FailedBy[g]))
		}
		return append(out, strconv.Itoa(d.Delivered), strconv.Itoa(d.Read), strconv.Itoa(d.Responses), rate(d.ResponseRate))
	}
	for i := range r.Campaigns {
		c := &r.Campaigns[i]
		t.Rows = append(t.Rows, row(c.Campaign, "all", &c.DeploymentCounts))
		for j := range c.Versions {
			v := c.Versions[j].Version
			if v == "" {
				v = "(none)"
			}
			t.Rows = append(t.Rows, row(c.Campaign, v, &c.Versions[j].DeploymentCounts))
		}
	}
	return []cm.Table{t}
}

// Tables returns the per-user table for export; variables are one
// key=value list per row, sorted by key.
func (r *UsersResult) Tables() []cm.Table {
	t := cm.Table{Name: "Campaign users", Columns: []string{"contact", "campaign", "version", "deployed", "status", "failure_group", "error_code",
		"stage", "responded", "last_activity", "session", "variables"}}
	for _, u := range r.Users {
		keys := slices.Sorted(maps.Keys(u.Variables))
		vars := make([]string, len(keys))
		for i, k := range keys {
			vars[i] = k + "=" + u.Variables[k]
		}
		t.Rows = append(t.Rows, []string{u.Contact, u.Campaign, u.Version, stamp(u.Deployed), string(u.Status), string(u.FailureGroup), u.ErrorCode,
			string(u.Stage), stamp(u.Responded), stamp(u.LastActivity), string(u.Session), strings.Join(vars, " ")})
	}
	return []cm.Table{t}
}
