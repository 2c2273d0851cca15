package demo

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/memstore"
)

func digest(opts Options) (string, int) {
	h := sha256.New()
	n := 0
	var buf []byte
	for e := range Generate(opts) {
		buf = e.AppendJSON(buf[:0])
		h.Write(append(buf, '\n'))
		n++
	}
	return fmt.Sprintf("%x", h.Sum(nil)), n
}

func TestReproducible(t *testing.T) {
	a, n := digest(Options{Events: 20_000, Seed: 7})
	b, _ := digest(Options{Events: 20_000, Seed: 7})
	c, _ := digest(Options{Events: 20_000, Seed: 8})
	if a != b {
		t.Fatal("same options, different output")
	}
	if a == c {
		t.Fatal("different seeds, same output")
	}
	if n != 20_000 {
		t.Fatalf("%d events, want 20000", n)
	}
}

func TestExactCount(t *testing.T) {
	for _, n := range []int{1, 1000, 12_345} {
		if _, got := digest(Options{Events: n}); got != n {
			t.Errorf("Events %d gave %d", n, got)
		}
	}
	if _, got := digest(Options{}); got != DefaultEvents {
		t.Errorf("zero options gave %d, want %d", got, DefaultEvents)
	}
}

func TestStopEarly(t *testing.T) {
	n := 0
	for range Generate(Options{Events: 5000}) {
		n++
		if n == 10 {
			break
		}
	}
	if n != 10 {
		t.Fatalf("got %d events after break", n)
	}
}

func TestTenants(t *testing.T) {
	want := []Tenant{
		{"acme", "Europe/Istanbul", "TRY", 0.4},
		{"globex", "America/New_York", "USD", 0.3},
		{"initech", "Europe/Berlin", "EUR", 0.2},
		{"umbrella", "Asia/Kolkata", "INR", 0.1},
	}
	if got := Tenants(); !slices.Equal(got, want) {
		t.Fatalf("Tenants() = %v", got)
	}
	for _, tn := range want {
		if loc := Location(tn.ID); loc == nil || loc.String() != tn.TimeZone {
			t.Errorf("Location(%s) = %v", tn.ID, loc)
		}
	}
	if Location("nobody") != nil {
		t.Error("Location of an unknown tenant is not nil")
	}
}

// The volume is spread over the whole period: each window of w days holds
// at least a third of its mean share (N·w/60), and the stream ends in the
// last three days of the period or just after. A session is some 30
// events, so at 1k events (17 a day) days are lumpy and the window is a
// week; at 200k it is a day.
func TestSpread(t *testing.T) {
	for _, tc := range []struct{ n, w int }{{1000, 7}, {200_000, 1}} {
		var days [Days + 3]int
		var last time.Time
		for e := range Generate(Options{Events: tc.n, Seed: 5}) {
			d := int(e.Time.Sub(Start()) / (24 * time.Hour))
			if d < 0 || d >= len(days) {
				t.Fatalf("n=%d: %s at %s, outside the period", tc.n, e.ID, e.Time)
			}
			days[d]++
			last = e.Time
		}
		for d := 0; d+tc.w <= Days; d += tc.w {
			sum := 0
			for _, x := range days[d : d+tc.w] {
				sum += x
			}
			if sum*3*Days < tc.n*tc.w {
				t.Errorf("n=%d: days %d–%d have %d events, less than a third of %d", tc.n, d, d+tc.w-1, sum, tc.n*tc.w/Days)
			}
		}
		if end := Start().AddDate(0, 0, Days-3); last.Before(end) {
			t.Errorf("n=%d: stream ends at %s, before %s", tc.n, last, end)
		}
	}
}

// The generator never holds more than about two days of events: at 200k
// events (3,333 a day) it keeps at most 6,667 pending.
func TestBoundedMemory(t *testing.T) {
	n := 200_000
	g := newGenerator(Options{Events: n})
	g.run(func(cm.Event) bool { return true })
	if limit := 2 * n / Days; g.maxPending > limit {
		t.Fatalf("%d events pending at once, more than two days (%d)", g.maxPending, limit)
	}
}

// counter is a set of named counts.
type counter map[string]int

func (c counter) inc(k string) { c[k]++ }

// The workload at 200k events: valid, stored without conflict, covering
// every part of the product, in time order apart from late statuses, and
// consistent with the WhatsApp rules it claims to follow.
func TestWorkload(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 50_000
	}
	seen := counter{}
	store := memstore.New()
	ctx := context.Background()
	var batch []cm.Event
	appended, duplicates := 0, 0
	flush := func() {
		res, err := store.Append(ctx, batch...)
		if err != nil {
			t.Fatal(err)
		}
		appended += res.Appended
		duplicates += res.Duplicates
		batch = batch[:0]
	}

	type message struct {
		template, outside bool // a template; sent outside the 24-hour window
		pricedOther       int  // priced delivered/read statuses
		code131047        bool
		at                time.Time
	}
	var (
		count, statuses, late int
		maxLag                time.Duration
		last                  time.Time
		messages              = map[string]*message{}        // tenant/message
		statusIDs             = map[string]bool{}            // tenant/event id
		lastIn                = map[string]time.Time{}       // tenant/inbox/contact
		wroteBefore           = map[string]bool{}            // tenant/contact
		adContacts            = map[string]bool{}            // tenant/contact
		links                 = map[string]cm.Event{}        // tenant/link
		linkPaid              = map[string]int{}             // tenant/link
		payments              = map[string]cm.Event{}        // tenant/payment
		assigned              = map[string]string{}          // tenant/contact -> agent in the current session
		agents                = map[string]map[string]bool{} // tenant -> agents
		teams                 = map[string]map[string]bool{} // tenant -> teams
		inboxes               = map[string]map[string]bool{} // tenant/channel -> inboxes
		topups                = map[string][]time.Time{}
		templates             = map[string]bool{} // tenant/message of template sends
		flowRuns              = counter{}         // tenant/flow/version started|completed
		tenantEvents          = counter{}
	)
	add := func(m map[string]map[string]bool, k, v string) {
		if m[k] == nil {
			m[k] = map[string]bool{}
		}
		m[k][v] = true
	}
	home := map[string]string{"acme": "TR", "globex": "US", "initech": "DE", "umbrella": "IN"}

	for e := range Generate(Options{Events: n, Seed: 1}) {
		count++
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		batch = append(batch, e)
		if len(batch) == 4096 {
			flush()
		}
		if e.Time.Before(Start()) || !e.Time.Before(Start().AddDate(0, 0, Days+3)) {
			t.Fatalf("event %s at %s outside the period", e.ID, e.Time)
		}
		if e.Time.Before(last) {
			late++
			maxLag = max(maxLag, last.Sub(e.Time))
			if e.Type != cm.MessageStatus {
				t.Fatalf("%s %s arrived out of order", e.Type, e.ID)
			}
		} else {
			last = e.Time
		}
		tenantEvents.inc(e.Tenant)
		seen.inc("type " + string(e.Type))
		seen.inc("channel " + string(e.Channel))
		if e.Tenant == "umbrella" && e.Conversation != "" {
			t.Fatalf("umbrella sends no conversation ids, got %s", e.ID)
		}
		if e.Channel != "" {
			add(inboxes, e.Tenant+"/"+string(e.Channel), e.Inbox)
		}
		if e.Country != "" && e.Country != home[e.Tenant] {
			seen.inc("international contact")
		}
		ck := e.Tenant + "/" + e.Contact
		mk := e.Tenant + "/" + e.Message
		switch e.Type {
		case cm.MessageReceived:
			seen.inc("message_type " + e.MessageType)
			if e.Referral != "" {
				if wroteBefore[ck] || e.Attrs["ctwa_clid"] == "" {
					t.Fatalf("%s: referral on a contact's later message, or without ctwa_clid", e.ID)
				}
				adContacts[ck] = true
				seen.inc("referral")
			}
			wroteBefore[ck] = true
			lastIn[e.Tenant+"/"+e.Inbox+"/"+e.Contact] = e.Time
			if e.ReplyTo != "" {
				switch {
				case templates[e.Tenant+"/"+e.ReplyTo]:
					seen.inc("reply to a template")
				case e.MessageType == "reaction":
					seen.inc("reaction to a reply")
				default:
					seen.inc("reply to an interactive message")
				}
			}
		case cm.MessageSent:
			seen.inc("sender " + string(e.Sender))
			switch e.Sender {
			case cm.SenderAgent:
				if e.Agent == "" || e.Team == "" {
					t.Fatalf("%s: agent message without agent and team", e.ID)
				}
			case cm.SenderBot, cm.SenderAI:
				if e.Assistant == "" {
					t.Fatalf("%s: bot message without assistant", e.ID)
				}
			case cm.SenderCampaign, cm.SenderBroadcast:
				if e.Template == "" || e.TemplateCategory == "" || e.Campaign == "" || (e.CampaignVersion == "") != (e.Sender == cm.SenderBroadcast) {
					t.Fatalf("%s: %s message without template, category, campaign or version", e.ID, e.Sender)
				}
				templates[mk] = true
				if e.CampaignVersion != "" && e.CampaignVersion != "1" {
					seen.inc("campaign version > 1")
				}
			}
			if e.Channel == cm.ChannelWhatsApp {
				li, ok := lastIn[e.Tenant+"/"+e.Inbox+"/"+e.Contact]
				messages[mk] = &message{template: e.Template != "", outside: !ok || !e.Time.Before(li.Add(24*time.Hour)), at: e.Time}
			}
		case cm.MessageStatus:
			statuses++
			if statusIDs[e.Tenant+"/"+e.ID] {
				continue // an exact re-delivery: seen once is enough
			}
			statusIDs[e.Tenant+"/"+e.ID] = true
			seen.inc("status " + string(e.Status))
			if e.ErrorCode != "" {
				seen.inc("code " + e.ErrorCode)
			}
			m := messages[mk]
			if m == nil {
				t.Fatalf("%s: status of unknown message %s", e.ID, e.Message)
			}
			if e.ErrorCode == "131047" {
				m.code131047 = true
			}
			if e.PricingType != "" {
				seen.inc("pricing " + e.PricingType + "/" + e.PricingCategory)
				switch e.Status {
				case cm.StatusDelivered, cm.StatusRead:
					m.pricedOther++
				case cm.StatusSent:
				default:
					t.Fatalf("%s: pricing on %s", e.ID, e.Status)
				}
				// Service messages and utility templates in the window are
				// free until 2026-10-01 in the tenant's zone, charged after.
				oct := time.Date(2026, 10, 1, 0, 0, 0, 0, Location(e.Tenant))
				if e.PricingType == "free_customer_service" && !e.Time.Before(oct) ||
					e.PricingType == "regular" && e.PricingCategory == "service" && e.Time.Before(oct) {
					t.Fatalf("%s: %s/%s at %s", e.ID, e.PricingType, e.PricingCategory, e.Time)
				}
				if e.PricingType == "free_entry_point" && !adContacts[ck] {
					t.Fatalf("%s: free entry point for a contact who came from no ad", e.ID)
				}
				if e.PricingType == "free_entry_point" && !e.Time.Before(oct) {
					seen.inc("free entry point after 2026-10-01")
				}
			} else if e.Status == cm.StatusSent {
				t.Fatalf("%s: sent status without pricing", e.ID)
			}
			if e.Status == cm.StatusFailed && e.PricingType == "" && m.pricedOther == 0 {
				seen.inc("failed")
			}
		case cm.ConversationOpened:
			delete(assigned, ck)
		case cm.ConversationAssigned:
			if a := assigned[ck]; a != "" && a != e.Agent {
				seen.inc("reassigned")
			}
			assigned[ck] = e.Agent
			add(agents, e.Tenant, e.Agent)
			add(teams, e.Tenant, e.Team)
		case cm.ConversationUnassigned:
			assigned[ck] = ""
			seen.inc("unassigned")
		case cm.ConversationResolved:
			if e.Agent == "" {
				seen.inc("resolved by the bot")
			} else {
				seen.inc("resolved by an agent")
			}
		case cm.FlowStarted:
			flowRuns.inc(e.Tenant + "/" + e.Flow + "/" + e.FlowVersion + " started")
			if e.Campaign != "" {
				seen.inc("flow started by a campaign")
			}
		case cm.FlowCompleted:
			flowRuns.inc(e.Tenant + "/" + e.Flow + "/" + e.FlowVersion + " completed")
		case cm.FlowNode:
			if len(e.Attrs) > 0 {
				seen.inc("captured variable")
			}
		case cm.CampaignTargeted:
			if e.Attrs["first_name"] == "" {
				t.Fatalf("%s: targeted without variables", e.ID)
			}
		case cm.PaymentLink:
			links[e.Tenant+"/"+e.Link] = e
			switch {
			case e.Agent != "":
				seen.inc("link sent by an agent")
			case e.Campaign != "":
				seen.inc("link sent in a campaign's flow")
			case e.Flow != "":
				seen.inc("link sent by a flow")
			}
		case cm.PaymentSucceeded:
			payments[e.Tenant+"/"+e.Payment] = e
			if e.Currency != tenantCurrency(e.Tenant) {
				seen.inc("payment in a second currency")
			}
			switch l, ok := links[e.Tenant+"/"+e.Link]; {
			case e.Link != "" && !ok:
				t.Fatalf("%s: payment through unknown link %s", e.ID, e.Link)
			case ok:
				linkPaid[e.Tenant+"/"+e.Link]++
				if linkPaid[e.Tenant+"/"+e.Link] == 2 {
					seen.inc("link paid twice")
				}
				if l.Currency != e.Currency {
					seen.inc("payment in another currency than its link")
				}
			case strings.HasPrefix(e.Reference, "ORD-"):
				seen.inc("payment by reference only")
			default:
				seen.inc("payment without link")
			}
		case cm.PaymentRefunded:
			p, ok := payments[e.Tenant+"/"+e.Payment]
			switch {
			case !ok:
				t.Fatalf("%s: refund of unknown payment %s", e.ID, e.Payment)
			case p.Currency != e.Currency || e.Amount.GreaterThan(p.Amount):
				t.Fatalf("%s: refund %s %s of payment %s %s", e.ID, e.Amount, e.Currency, p.Amount, p.Currency)
			case e.Amount.Equal(p.Amount):
				seen.inc("full refund")
			default:
				seen.inc("partial refund")
			}
		case cm.GoalReached:
			seen.inc("goal " + e.Goal)
		case cm.CreditsTopup:
			if e.Currency != "USD" {
				t.Fatalf("%s: top-up in %s", e.ID, e.Currency)
			}
			topups[e.Tenant] = append(topups[e.Tenant], e.Time)
		case cm.AssistSuggestion:
			switch {
			case e.Translated:
				seen.inc("translated suggestion")
			case e.Final == e.Suggested:
				seen.inc("accepted suggestion")
			default:
				seen.inc("edited suggestion")
			}
			if strings.ContainsAny(e.Suggested+e.Final, "ğüşıöç") || strings.ContainsAny(e.Suggested+e.Final, "äöüß") {
				seen.inc("accented suggestion")
			}
			if strings.ContainsFunc(e.Suggested+e.Final, func(r rune) bool { return r > 0x2000 }) {
				seen.inc("emoji suggestion")
			}
		}
	}
	flush()

	if count != n {
		t.Fatalf("%d events, want %d", count, n)
	}
	// Every event is stored once except the exact re-deliveries of statuses
	// (0.5% of them); late statuses are 1.5% of them.
	if appended+duplicates != n || duplicates*1000 < statuses*3 || duplicates*1000 > statuses*7 {
		t.Errorf("%d stored, %d duplicates of %d statuses", appended, duplicates, statuses)
	}
	if late*1000 < statuses*5 || late*1000 > statuses*25 || maxLag > 31*time.Minute {
		t.Errorf("%d of %d statuses late, up to %v", late, statuses, maxLag)
	}
	for mk, m := range messages {
		// statuses of messages sent in the last hour may be cut off
		if m.at.After(last.Add(-time.Hour)) {
			continue
		}
		if m.pricedOther > 1 {
			t.Errorf("%s: pricing on %d of delivered/read", mk, m.pricedOther)
		}
		if want := m.outside && !m.template; m.code131047 != want {
			t.Errorf("%s: sent outside the window %v, template %v, failed with 131047 %v", mk, m.outside, m.template, m.code131047)
		}
	}
	for _, k := range []string{
		"channel whatsapp", "channel web_widget", "channel test", "channel api",
		"sender bot", "sender agent", "sender ai", "sender campaign", "sender broadcast",
		"message_type text", "message_type interactive", "message_type button", "message_type image",
		"message_type order", "message_type reaction",
		"reply to a template", "reply to an interactive message", "reaction to a reply",
		"status sent", "status delivered", "status read", "status failed", "status played",
		"code 131047", "code 131049", "code 131050", "code 131026", "code 130429", "code 131056",
		"code 132001", "code 132015", "code 131042", "code 131000", "code 131048",
		"pricing regular/marketing", "pricing regular/utility", "pricing regular/service",
		"pricing regular/authentication", "pricing regular/authentication_international",
		"pricing free_customer_service/service", "pricing free_customer_service/utility",
		"pricing free_entry_point/referral_conversion", "free entry point after 2026-10-01",
		"international contact", "referral", "campaign version > 1", "flow started by a campaign",
		"reassigned", "unassigned", "resolved by the bot", "resolved by an agent",
		"captured variable", "link sent by an agent", "link sent in a campaign's flow", "link sent by a flow",
		"payment in a second currency", "link paid twice", "payment in another currency than its link",
		"payment by reference only", "payment without link", "full refund", "partial refund",
		"goal appointment_booked", "goal newsletter_signup",
		"translated suggestion", "accepted suggestion", "edited suggestion", "accented suggestion", "emoji suggestion",
	} {
		if seen[k] == 0 {
			t.Errorf("workload lacks %s", k)
		}
	}
	for _, typ := range cm.Types() {
		if seen["type "+string(typ)] == 0 {
			t.Errorf("workload lacks %s", typ)
		}
	}
	for _, tn := range Tenants() {
		// shares of events within 7 points of the sessions' shares
		if got := float64(tenantEvents[tn.ID]) / float64(n); got < tn.Share-0.07 || got > tn.Share+0.07 {
			t.Errorf("%s has %.3f of the events, want about %.2f", tn.ID, got, tn.Share)
		}
		if a, tm := len(agents[tn.ID]), len(teams[tn.ID]); a < 5 || a > 15 || tm < 2 || tm > 3 {
			t.Errorf("%s has %d agents in %d teams", tn.ID, a, tm)
		}
		ts := topups[tn.ID]
		for i := 1; i < len(ts); i++ {
			if gap := ts[i].Sub(ts[i-1]); gap < 7*24*time.Hour || gap > 14*24*time.Hour {
				t.Errorf("%s: top-ups %v apart", tn.ID, gap)
			}
		}
		if len(ts) < 4 {
			t.Errorf("%s: %d top-ups in %d days", tn.ID, len(ts), Days)
		}
	}
	if got := sortedKeys(inboxes["acme/whatsapp"]); !slices.Equal(got, []string{"phone-acme-1", "phone-acme-2"}) {
		t.Errorf("acme WhatsApp inboxes %v", got)
	}
	for k, set := range inboxes {
		if strings.HasSuffix(k, "/test") && !slices.Equal(sortedKeys(set), []string{"test-console"}) {
			t.Errorf("%s inboxes %v", k, sortedKeys(set))
		}
		if strings.HasSuffix(k, "/web_widget") && k != "initech/web_widget" {
			t.Errorf("web widget traffic for %s", k)
		}
	}
	// Every flow runs in both versions, and version 2 loses fewer users
	// than version 1: it halves the drop-out at some nodes, so over all
	// flows its completion rate is some 5 points higher (each flow on its
	// own has too few runs at this size to tell reliably).
	var started, completed [2]int
	for _, tc := range tenantConfigs {
		for _, f := range tc.flows {
			for v, name := range []string{"v1", "v2"} {
				k := tc.id + "/" + f.name + "/" + name
				if flowRuns[k+" started"] == 0 {
					t.Errorf("%s: no runs", k)
				}
				started[v] += flowRuns[k+" started"]
				completed[v] += flowRuns[k+" completed"]
			}
		}
	}
	r1, r2 := float64(completed[0])/float64(started[0]), float64(completed[1])/float64(started[1])
	if r2 < r1+0.02 {
		t.Errorf("v2 completes %.3f of its runs, v1 %.3f", r2, r1)
	}
}

func tenantCurrency(id string) string {
	for _, tn := range Tenants() {
		if tn.ID == id {
			return tn.Currency
		}
	}
	return ""
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Sessions start following the tenant's daily rhythm: in local time, an
// hour between 10:00 and 17:00 on a weekday sees (by hourWeight) ten times
// the arrivals of an hour between 00:00 and 05:00. Campaign replies and
// reopens blur this; require at least four times.
func TestDailyRhythm(t *testing.T) {
	var day, night int
	for e := range Generate(Options{Events: 100_000, Seed: 2}) {
		if e.Type != cm.ConversationOpened {
			continue
		}
		lt := e.Time.In(Location(e.Tenant))
		if lt.Weekday() == time.Saturday || lt.Weekday() == time.Sunday {
			continue
		}
		switch h := lt.Hour(); {
		case h >= 10 && h < 17:
			day++
		case h < 5:
			night++
		}
	}
	// per hour: day/7 against night/5
	if day*5 < 4*7*night {
		t.Fatalf("%d sessions in 7 day hours, %d in 5 night hours", day, night)
	}
}

// Agents answer faster in business hours (Mon–Fri 09:00–18:00 local): the
// median wait from assignment to the agent's first reply is under 8 minutes
// (replies take 20 s to 8 min then, plus a possible suggestion), while
// outside them half the replies wait for the next opening.
func TestFirstResponseBusinessHours(t *testing.T) {
	pending := map[string]time.Time{}
	var in, out []time.Duration
	for e := range Generate(Options{Events: 100_000, Seed: 4}) {
		k := e.Tenant + "/" + e.Contact
		switch {
		case e.Type == cm.ConversationAssigned:
			if _, ok := pending[k]; !ok {
				pending[k] = e.Time
			}
		case e.Type == cm.MessageSent && e.Sender == cm.SenderAgent:
			at, ok := pending[k]
			if !ok {
				continue
			}
			delete(pending, k)
			lt := at.In(Location(e.Tenant))
			if lt.Weekday() != time.Saturday && lt.Weekday() != time.Sunday && lt.Hour() >= 9 && lt.Hour() < 18 {
				in = append(in, e.Time.Sub(at))
			} else {
				out = append(out, e.Time.Sub(at))
			}
		case e.Type == cm.ConversationResolved:
			delete(pending, k)
		}
	}
	slices.Sort(in)
	slices.Sort(out)
	if len(in) < 100 || len(out) < 100 {
		t.Fatalf("%d first responses in business hours, %d outside", len(in), len(out))
	}
	if mi, mo := in[len(in)/2], out[len(out)/2]; mi > 8*time.Minute || mo < 3*mi {
		t.Fatalf("median first response %v in business hours, %v outside", mi, mo)
	}
}

// A contact's conversations follow the session rule: a new conversation id
// starts only after the previous one was resolved and 24 hours passed.
func TestConversationsFollowSessionRule(t *testing.T) {
	type state struct {
		conv     string
		resolved time.Time
		ids      map[string]bool
	}
	contacts := map[string]*state{}
	var evs []cm.Event
	for e := range Generate(Options{Events: 100_000, Seed: 3}) {
		evs = append(evs, e)
	}
	// Sort by time (the stream is ordered but for late statuses).
	sortEvents(evs)
	for _, e := range evs {
		if e.Conversation == "" || e.Type == cm.MessageStatus {
			continue
		}
		k := e.Tenant + "/" + e.Contact
		s := contacts[k]
		if s == nil {
			s = &state{ids: map[string]bool{}}
			contacts[k] = s
		}
		if e.Conversation != s.conv {
			if s.ids[e.Conversation] {
				t.Fatalf("%s: conversation %s came back after another started", k, e.Conversation)
			}
			if s.conv != "" && (s.resolved.IsZero() || e.Time.Before(s.resolved.Add(24*time.Hour))) {
				t.Fatalf("%s: conversation %s started at %s, previous resolved at %s", k, e.Conversation, e.Time, s.resolved)
			}
			if e.Type != cm.MessageReceived {
				t.Fatalf("%s: conversation %s starts with %s, not an inbound message", k, e.Conversation, e.Type)
			}
			s.conv = e.Conversation
			s.ids[e.Conversation] = true
			s.resolved = time.Time{}
		}
		switch e.Type {
		case cm.ConversationResolved:
			s.resolved = e.Time
		case cm.MessageReceived, cm.ConversationReopened:
			if !s.resolved.IsZero() && !e.Time.Before(s.resolved.Add(24*time.Hour)) {
				t.Fatalf("%s: %s at %s continues %s more than 24 h after it was resolved", k, e.Type, e.Time, s.conv)
			}
			if e.Type == cm.ConversationReopened {
				s.resolved = time.Time{}
			}
		}
	}
}

func sortEvents(evs []cm.Event) {
	for i := 1; i < len(evs); i++ {
		for j := i; j > 0 && cm.CompareEvents(&evs[j], &evs[j-1]) < 0; j-- {
			evs[j], evs[j-1] = evs[j-1], evs[j]
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	n := 0
	for i := 0; i < b.N; i++ {
		for range Generate(Options{Events: 100_000, Seed: uint64(i)}) {
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
