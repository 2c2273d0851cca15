// Package demo generates the demo workload: a seeded, reproducible stream of
// events from four tenants in different time zones that exercises every
// engine of convometrics. It is internal: the workload may change between
// versions, and nothing in it is real data.
//
// # What it generates
//
// Sixty days ending 2026-11-15 (so the stream crosses the 2026-10-25
// European and 2026-11-01 US daylight-saving changes), for:
//
//	acme      Europe/Istanbul   TRY  ~40%  two WhatsApp numbers
//	globex    America/New_York  USD  ~30%  AI assistant answers instead of a bot; also takes EUR
//	initech   Europe/Berlin     EUR  ~20%  a fifth of sessions on the web widget
//	umbrella  Asia/Kolkata      INR  ~10%  sends no conversation ids (engines derive sessions)
//
// Each day, sessions start with an inbound message from a contact, following
// a daily rhythm in the tenant's local time. About a third of contacts are
// new; the others return after their previous session ended (resolved plus
// 24 hours), days later; some first contacts come from click-to-WhatsApp ads
// (referral and ctwa_clid). A session runs:
//
//   - the bot (or globex's AI assistant) answers within seconds; often a flow
//     starts (3–4 flows per tenant, versions v1 and v2 assigned by contact;
//     v2 loses fewer users) and runs node by node, capturing variables, until
//     the user drops out at some node or the flow completes;
//   - shopping flows add to cart, send a payment link and usually get paid
//     (through the link, by reference only, or failed; some payments refunded
//     in part or in full; one link in forty paid in two parts); a few
//     payments arrive with no link at all;
//   - about 40% of sessions are handed off to a human: assigned to an agent
//     of a team (sometimes reassigned, sometimes unassigned), answered fast in
//     business hours (Mon–Fri 09:00–18:00 local) and slowly outside them,
//     with AI reply suggestions (accepted, edited, rewritten or translated)
//     before some replies; a few replies come more than 24 hours after the
//     last inbound message and fail with 131047;
//   - the session is resolved by the agent, or by the bot (empty agent); some
//     are reopened within 24 hours and resolved again; some reach goals
//     (appointment_booked, newsletter_signup).
//
// Campaigns (2–3 per tenant, each deployed on several days, the version
// going up with each deployment) target batches of known and new contacts
// with per-user variables; most are sent a marketing or utility template,
// a few stay "in process"; sends fail with real WhatsApp codes (131049,
// 131050, 131026, 130429, 131056, 132001, 132015, 131042, 131000, 131048);
// a fifth or so reply, which starts a session. Broadcasts do the same with no
// campaign flow. Every WhatsApp outbound message gets statuses — sent, then
// delivered and read (sometimes read without delivered, played for audio),
// with pricing on sent and on one of delivered/read (PMP; regular for
// templates, free_customer_service inside the customer-service window,
// free_entry_point for ad contacts) — and about 1.5% of statuses arrive late
// and 0.5% twice (exact re-deliveries, which stores ignore). Tenants top up
// credits (USD) every week or two. About 1% of sessions are test traffic.
//
// The stream comes in time order except for the late statuses. Exactly
// Options.Events events are generated; the day-by-day volume is calibrated
// so they spread over the whole period.
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
	Share    float64 // share of sessions
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
	webShare           int // per mille of sessions on the web widget
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
		inboxes: []string{"phone-acme-1", "phone-acme-2"}, convIDs: true, assistant: "acme-bot",
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
			{name: "order-update", template: "order_status", category: "utility", days: []int{15, 45}},
		},
		broadcasts: []campaignConfig{{name: "kasim-duyuru", template: "announcement", category: "utility", days: []int{25, 52}}},
		prices:     []int{149, 299, 450, 899, 1299},
	},
	{
		id: "globex", zone: "America/New_York", currency: "USD", share: 0.3, callingCode: "1", country: "US",
		inboxes: []string{"phone-globex"}, convIDs: true, assistant: "globex-ai", aiSender: true,
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
		inboxes: []string{"phone-initech"}, convIDs: true, assistant: "initech-bot", webShare: 200,
		teams:  []string{"vertrieb", "service"},
		agents: [][2]string{{"jonas", "vertrieb"}, {"lena", "vertrieb"}, {"paul", "service"}, {"mia", "service"}},
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
		inboxes: []string{"phone-umbrella"}, convIDs: false, assistant: "umbrella-bot",
		teams:  []string{"sales", "support"},
		agents: [][2]string{{"priya", "sales"}, {"rahul", "sales"}, {"anita", "support"}, {"vikram", "support"}},
		flows: []flowConfig{
			{name: "shop", nodes: []string{"namaste", "catalogue", "cart", "pay"}, drop: []int{70, 140, 110, 70}, better: []bool{false, true, true, false}, shop: true},
			{name: "kyc", nodes: []string{"namaste", "document", "verify"}, drop: []int{80, 200, 60}, better: []bool{false, true, false}},
		},
		campaigns: []campaignConfig{
			{name: "diwali", template: "diwali_offer", category: "marketing", flow: "shop", days: []int{35, 43, 49}},
			{name: "otp-login", template: "otp_code", category: "authentication", days: []int{8, 28, 48}},
		},
		prices: []int{499, 999, 1999, 4999},
	},
}
