// Package demo generates the demo workload: a seeded, reproducible stream of
// events from four tenants in different time zones that exercises every
// engine of convometrics. It is internal: the workload may change between
// versions, and nothing in it is real data.
//
// # What it generates
//
// Sixty days from 2026-09-16 to 2026-11-15 (so the stream crosses the
// 2026-10-01 WhatsApp pricing change and the 2026-10-25 European and
// 2026-11-01 US daylight-saving changes), for:
//
//	tenant    zone              currency  events  particulars
//	acme      Europe/Istanbul   TRY       40%     two WhatsApp numbers; 8 agents in 3 teams
//	globex    America/New_York  USD       30%     an AI assistant instead of a bot; also takes EUR; 2% via the API channel
//	initech   Europe/Berlin     EUR       20%     a fifth of sessions on the web widget
//	umbrella  Asia/Kolkata      INR       10%     sends no conversation ids (engines derive sessions)
//
// Each day has a budget of Events/60 events, split by the tenants' shares
// (what a day over- or underspends carries to the next), so the events
// spread over the whole period; generation stops at exactly Events. The
// stream comes in time order except for late statuses; it may run a day or
// two past 2026-11-15 with the sessions of the last day.
//
// Sessions start with an inbound message at an instant that follows the
// tenant's daily rhythm in local time (ten times busier at midday than at
// night; Saturdays 80%, Sundays 60%). About half are by new contacts
// (phone-like ids with the tenant's calling code, 5% international; 15% of
// new WhatsApp contacts come from a click-to-WhatsApp ad: referral and
// ctwa_clid on their first message); the others are contacts coming back
// (after 55% of sessions) one to 21 days after their session was resolved,
// or answering a campaign. A host conversation id is new for each
// session (a contact's next session never starts before the previous one
// ended). A session runs:
//
//   - the bot (globex: the AI assistant) answers within seconds; in 65% of
//     sessions a flow starts (3–4 flows per tenant, the first the most
//     popular; version v1 or v2 by contact, v2 halving the drop-out at some
//     nodes) and runs node by node (a flow.node and an interactive bot
//     message per node, the user's interactive reply with reply_to, captured
//     variables as attrs) until the user drops out at a node or it completes;
//     appointment and newsletter flows then reach their goal;
//   - a completed shopping flow adds to the cart (30% through a WhatsApp
//     order message, 30% with a second item) and the bot sends a payment
//     link (with the flow and the campaign that started it): 60% are paid
//     through the link (one in forty in two parts, one in thirty of the
//     payments in the tenant's second currency), 10% paid with the reference
//     only, 10% fail (half are then paid), 20% never paid; 6% of payments
//     are refunded, half in full and half in part; a payment with no link
//     at all (reference WEB-…) comes on a third of the days;
//   - 30% of sessions, and 45% of those whose flow was dropped, are handed
//     off to a human: assigned to an agent of a team (10% reassigned, 3%
//     unassigned and picked up again); the agent answers in 20 s–8 min in
//     business hours (Mon–Fri 09:00–18:00 local), outside them half the
//     time within the hour and otherwise at the next opening; 1% of replies
//     come more than 24 hours after the contact's last message and fail with
//     131047; 35% of replies follow an AI suggestion (45% accepted as is,
//     30% lightly edited, 13% rewritten, 12% translated), in Turkish, German
//     or English with emoji; 5% of delivered replies get a reaction; 12% of
//     hand-offs end with the agent adding to a cart and sending a payment link;
//   - it is resolved by the agent, or by the bot (empty agent) when there was
//     no hand-off; 8% are reopened within 24 hours and resolved again; 3%
//     reach the newsletter_signup goal outside a flow.
//
// Campaigns (2–3 per tenant, each deployed on 2–4 days, the version going
// up with each deployment) target at 10:00 local a batch of about 1/12 of
// the day's budget times the tenant's share: known contacts between
// sessions (utility updates mostly to recent ones) and new ones, with
// per-user variables (first_name; coupon or code). 3% stay in process
// (targeted, never sent); the others get the template (marketing, utility
// or authentication), and 22% of those it reached reply to it with a
// button message, which starts a session with the campaign's flow.
// Broadcasts send a template with no targeting and no version, and 6%
// reply.
//
// Every WhatsApp outbound message gets statuses: sent, then delivered and
// (70%) read, or read without delivered (10%), played after read for agent
// audio. 1% of bot and agent messages and 6% of templates fail with a
// WhatsApp code (131049, 131050, 131026, 130429, 131056, 132001, 132015,
// 131042, 131000, 131048; 40% of them after a sent status with pricing).
// Pricing (PMP) is on sent and on exactly one of delivered or read:
// free_entry_point/referral_conversion in the 72 hours after the first reply
// to an ad contact; before 2026-10-01 (tenant's zone)
// free_customer_service/service for non-templates and
// free_customer_service/utility for utility templates in the 24-hour
// window; from 2026-10-01 both regular and billable (WHATSAPP.md §3.5);
// regular for other templates, authentication_international for
// authentication sent to another country with such a rate. Statuses carry
// the recipient's country. 1.5% of statuses arrive 1–30 minutes late (after
// later events) and 0.5% arrive twice (exact re-deliveries, counted in
// Events, which stores ignore). Web-widget, API and test messages get no
// statuses.
//
// Every tenant tops up credits (USD) every nine days. About 1% of sessions
// are test traffic (channel test, inbox test-console).
package demo

import (
	"iter"
	"time"

	cm "github.com/convometrics/convometrics"
)

// Options configures the workload. The zero value generates DefaultEvents
// events with seed 0.
type Options struct {
	// Events is the exact number of events to generate; 0 means DefaultEvents.
	Events int
	// Seed selects the random stream; equal options give equal output.
	Seed uint64
}

// DefaultEvents is the size of the workload when Options.Events is 0.
const DefaultEvents = 100_000

// Days is the length of the workload's period, which starts at Start().
const Days = 60

// Start returns the first instant of the workload's period (UTC).
func Start() time.Time { return time.Date(2026, 9, 16, 0, 0, 0, 0, time.UTC) }

// Tenant describes one demo tenant.
type Tenant struct {
	ID       string
	TimeZone string  // IANA name
	Currency string  // currency of its carts and payments
	Share    float64 // share of the events
}

// Tenants returns the demo tenants.
func Tenants() []Tenant {
	out := make([]Tenant, len(tenantConfigs))
	for i, c := range tenantConfigs {
		out[i] = Tenant{ID: c.id, TimeZone: c.zone, Currency: c.currency, Share: c.share}
	}
	return out
}

// Location returns the time zone of demo tenant id, or nil if id is not a
// demo tenant.
func Location(id string) *time.Location {
	for _, t := range tenantConfigs {
		if t.id == id {
			loc, err := time.LoadLocation(t.zone)
			if err != nil {
				return nil
			}
			return loc
		}
	}
	return nil
}

// Generate returns the workload as a stream of events, in time order apart
// from the late statuses. The stream is the same for the same options.
func Generate(opts Options) iter.Seq[cm.Event] {
	return func(yield func(cm.Event) bool) {
		g := newGenerator(opts)
		g.run(yield)
	}
}

type flowConfig struct {
	name  string
	nodes []string
	// drop[i] is the chance (per mille) that a v1 run stops at node i; v2
	// halves it for the nodes marked in better.
	drop   []int
	better []bool
	shop   bool   // ends with a cart and a payment link
	goal   string // goal reached on completion
}

type campaignConfig struct {
	name     string
	template string
	category string
	flow     string
	days     []int // deployment days, offsets from Start
}

type tenantConfig struct {
	id, zone, currency string
	share              float64
	callingCode        string
	country            string
	inboxes            []string
	convIDs            bool
	assistant          string
	aiSender           bool
	webShare           int      // per mille of sessions on the web widget
	apiShare           int      // per mille of sessions through the host's API channel
	foreign            []string // calling codes of international contacts
	teams              []string
	agents             [][2]string // name, team
	flows              []flowConfig
	campaigns          []campaignConfig
	broadcasts         []campaignConfig
	prices             []int // cart prices in whole units
	altCurrency        string
}

var tenantConfigs = []tenantConfig{
	{
		id: "acme", zone: "Europe/Istanbul", currency: "TRY", share: 0.4, callingCode: "90", country: "TR",
		inboxes: []string{"phone-acme-1", "phone-acme-2"}, convIDs: true, assistant: "acme-bot", foreign: []string{"49", "971"},
		teams:  []string{"sales", "support", "returns"},
		agents: [][2]string{{"ayse", "sales"}, {"mehmet", "sales"}, {"zeynep", "sales"}, {"can", "support"}, {"elif", "support"}, {"burak", "support"}, {"deniz", "returns"}, {"selin", "returns"}},
		flows: []flowConfig{
			{name: "shop", nodes: []string{"welcome", "category", "product", "size", "address", "checkout"}, drop: []int{60, 120, 150, 90, 110, 40}, better: []bool{false, true, false, true, true, false}, shop: true},
			{name: "support", nodes: []string{"welcome", "topic", "order-number", "answer"}, drop: []int{50, 80, 140, 30}, better: []bool{false, false, true, false}},
			{name: "appointment", nodes: []string{"welcome", "service", "date", "confirm"}, drop: []int{40, 90, 160, 60}, better: []bool{false, true, true, false}, goal: "appointment_booked"},
			{name: "newsletter", nodes: []string{"ask", "email"}, drop: []int{200, 100}, better: []bool{true, false}, goal: "newsletter_signup"},
		},
		campaigns: []campaignConfig{
			{name: "black-friday", template: "bf_offer", category: "marketing", flow: "shop", days: []int{20, 34, 48, 58}},
			{name: "winback", template: "we_miss_you", category: "marketing", flow: "shop", days: []int{10, 40}},
			{name: "order-update", template: "order_status", category: "utility", days: []int{9, 45}},
		},
		broadcasts: []campaignConfig{{name: "kasim-duyuru", template: "announcement", category: "utility", days: []int{25, 52}}},
		prices:     []int{149, 299, 450, 899, 1299},
	},
	{
		id: "globex", zone: "America/New_York", currency: "USD", share: 0.3, callingCode: "1", country: "US",
		inboxes: []string{"phone-globex"}, convIDs: true, assistant: "globex-ai", aiSender: true, apiShare: 20, foreign: []string{"1416", "1809"},
		teams:  []string{"sales", "care"},
		agents: [][2]string{{"alice", "sales"}, {"bob", "sales"}, {"carol", "care"}, {"dave", "care"}, {"erin", "care"}},
		flows: []flowConfig{
			{name: "shop", nodes: []string{"greet", "browse", "pick", "checkout"}, drop: []int{50, 130, 120, 50}, better: []bool{false, true, true, false}, shop: true},
			{name: "care", nodes: []string{"greet", "issue", "resolve"}, drop: []int{40, 120, 60}, better: []bool{false, true, false}},
			{name: "demo-booking", nodes: []string{"greet", "slot", "confirm"}, drop: []int{60, 150, 50}, better: []bool{false, true, false}, goal: "appointment_booked"},
		},
		campaigns: []campaignConfig{
			{name: "holiday-sale", template: "holiday_deal", category: "marketing", flow: "shop", days: []int{30, 44, 57}},
			{name: "renewal", template: "renewal_reminder", category: "utility", days: []int{12, 42}},
		},
		broadcasts:  []campaignConfig{{name: "service-notice", template: "notice", category: "utility", days: []int{35}}},
		prices:      []int{19, 29, 49, 99, 199},
		altCurrency: "EUR",
	},
	{
		id: "initech", zone: "Europe/Berlin", currency: "EUR", share: 0.2, callingCode: "49", country: "DE",
		inboxes: []string{"phone-initech"}, convIDs: true, assistant: "initech-bot", webShare: 200, foreign: []string{"43", "41"},
		teams:  []string{"vertrieb", "service"},
		agents: [][2]string{{"jonas", "vertrieb"}, {"lena", "vertrieb"}, {"felix", "vertrieb"}, {"paul", "service"}, {"mia", "service"}, {"sophie", "service"}},
		flows: []flowConfig{
			{name: "shop", nodes: []string{"hallo", "produkt", "menge", "kasse"}, drop: []int{60, 110, 90, 60}, better: []bool{false, true, false, true}, shop: true},
			{name: "termin", nodes: []string{"hallo", "datum", "bestaetigen"}, drop: []int{50, 140, 50}, better: []bool{false, true, false}, goal: "appointment_booked"},
			{name: "newsletter", nodes: []string{"frage", "email"}, drop: []int{180, 90}, better: []bool{true, false}, goal: "newsletter_signup"},
		},
		campaigns: []campaignConfig{
			{name: "herbst-aktion", template: "herbst_angebot", category: "marketing", flow: "shop", days: []int{18, 38, 55}},
			{name: "termin-erinnerung", template: "termin_reminder", category: "utility", days: []int{22, 50}},
		},
		prices: []int{15, 39, 79, 129},
	},
	{
		id: "umbrella", zone: "Asia/Kolkata", currency: "INR", share: 0.1, callingCode: "91", country: "IN",
		inboxes: []string{"phone-umbrella"}, convIDs: false, assistant: "umbrella-bot", foreign: []string{"971", "44"},
		teams:  []string{"sales", "support"},
		agents: [][2]string{{"priya", "sales"}, {"rahul", "sales"}, {"arjun", "sales"}, {"anita", "support"}, {"vikram", "support"}, {"kavya", "support"}},
		flows: []flowConfig{
			{name: "shop", nodes: []string{"namaste", "catalogue", "cart", "pay"}, drop: []int{70, 140, 110, 70}, better: []bool{false, true, true, false}, shop: true},
			{name: "kyc", nodes: []string{"namaste", "document", "verify"}, drop: []int{80, 200, 60}, better: []bool{false, true, false}},
			{name: "callback", nodes: []string{"namaste", "slot", "confirm"}, drop: []int{50, 160, 40}, better: []bool{false, true, false}, goal: "appointment_booked"},
		},
		campaigns: []campaignConfig{
			{name: "diwali", template: "diwali_offer", category: "marketing", flow: "shop", days: []int{35, 43, 49}},
			{name: "otp-login", template: "otp_code", category: "authentication", days: []int{8, 28, 48}},
		},
		prices: []int{499, 999, 1999, 4999},
	},
}
