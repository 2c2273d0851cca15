package whatsapp

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// The sample bodies all come from WABA 100000000000001 and business number
// 200000000000001 unless noted; with the zero Options the WABA id is the
// tenant.
const (
	waba1  = "100000000000001"
	waba2  = "100000000000002"
	inbox1 = "200000000000001"
	inbox2 = "200000000000002"
)

var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
}

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParser(t testing.TB, opts Options) *Parser {
	t.Helper()
	p, err := NewParser(opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// at parses an RFC 3339 UTC time. Each use notes the unix seconds of the
// body it was converted from (seconds since 1970-01-01T00:00:00Z).
func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// received is a message.received of tenant waba1 on inbox1 with the fields
// every sample message shares.
func received(wamid string, tm time.Time, contact, typ, country string) cm.Event {
	return cm.Event{ID: "wa:" + wamid, Tenant: waba1, Type: cm.MessageReceived, Time: tm,
		Channel: cm.ChannelWhatsApp, Inbox: inbox1, Contact: contact, Message: wamid, MessageType: typ, Country: country}
}

// status is a message.status of tenant waba1 on inbox1.
func status(wamid, st string, tm time.Time, unix, contact, country string) cm.Event {
	return cm.Event{ID: "wa:" + wamid + ":" + st + ":" + unix, Tenant: waba1, Type: cm.MessageStatus, Time: tm,
		Channel: cm.ChannelWhatsApp, Inbox: inbox1, Contact: contact, Message: wamid, Status: cm.Status(st), Country: country}
}

func with(e cm.Event, f func(*cm.Event)) cm.Event { f(&e); return e }

// sampleWant is what each sample body gives, worked out by reading the body.
// Countries come from calling codes: +1 555… is NANP with a US area code
// (US), +91 India (IN), +52 Mexico (MX), +44 United Kingdom (GB).
func sampleWant() map[string]Result {
	return map[string]Result{
		// 1773151200 = 2026-03-10T14:00:00Z. Referral from a CTWA ad.
		"01-inbound-text-ctwa-referral.json": {Events: []cm.Event{
			with(received("wamid.FAKE_INBOUND_TEXT_0001", at("2026-03-10T14:00:00Z"), "15550004444", "text", "US"), func(e *cm.Event) {
				e.Referral = "900000000000001"
				e.Attrs = map[string]string{
					"ctwa_clid":            "FAKE_CTWA_CLID_0000000000000000000000000001",
					"referral_source_type": "ad",
					"referral_source_url":  "https://fb.me/FAKEAD0001",
					"referral_headline":    "Chat with us",
					"referral_media_type":  "image",
				}
			}),
		}},
		// 1773151320 = 14:02:00Z. A reply button on a business message.
		"02-inbound-interactive-button-reply.json": {Events: []cm.Event{
			with(received("wamid.FAKE_INBOUND_BUTTON_REPLY_0001", at("2026-03-10T14:02:00Z"), "15550002222", "interactive", "US"), func(e *cm.Event) {
				e.ReplyTo = "wamid.FAKE_OUTBOUND_BUTTONS_0001"
				e.Attrs = map[string]string{"interactive_type": "button_reply", "reply_id": "cancel-button", "reply_title": "Cancel"}
			}),
		}},
		// 1773151380 = 14:03:00Z. The list row's description is content, not kept.
		"03-inbound-interactive-list-reply.json": {Events: []cm.Event{
			with(received("wamid.FAKE_INBOUND_LIST_REPLY_0001", at("2026-03-10T14:03:00Z"), "15550002222", "interactive", "US"), func(e *cm.Event) {
				e.ReplyTo = "wamid.FAKE_OUTBOUND_LIST_0001"
				e.Attrs = map[string]string{"interactive_type": "list_reply", "reply_id": "plan-premium", "reply_title": "Premium plan"}
			}),
		}},
		// 1773155100 = 15:05:00Z. Quick reply on the marketing template of sample 06.
		"04-inbound-template-quick-reply-button.json": {Events: []cm.Event{
			with(received("wamid.FAKE_INBOUND_QUICK_REPLY_0001", at("2026-03-10T15:05:00Z"), "15550002222", "button", "US"), func(e *cm.Event) {
				e.ReplyTo = "wamid.FAKE_OUTBOUND_MKT_0001"
				e.Attrs = map[string]string{"reply_id": "spring-sale-yes", "reply_title": "Yes, show me"}
			}),
		}},
		// 1773151800 = 14:10:00Z. Cart: 2 × 30 + 1 × 7.99 = 60 + 7.99 = 67.99 USD,
		// 2 product lines, 3 units.
		"05-inbound-order.json": {Events: []cm.Event{
			with(received("wamid.FAKE_INBOUND_ORDER_0001", at("2026-03-10T14:10:00Z"), "15550002222", "order", "US"), func(e *cm.Event) {
				e.Attrs = map[string]string{"catalog_id": "300000000000001"}
			}),
			{ID: "wa:wamid.FAKE_INBOUND_ORDER_0001:cart:USD", Tenant: waba1, Type: cm.CartAdded, Time: at("2026-03-10T14:10:00Z"),
				Channel: cm.ChannelWhatsApp, Inbox: inbox1, Contact: "15550002222", Message: "wamid.FAKE_INBOUND_ORDER_0001", Country: "US",
				Amount: dec("67.99"), Currency: "USD",
				Attrs: map[string]string{"catalog_id": "300000000000001", "items": "2", "quantity": "3"}},
		}},
		// 1773154800 = 15:00:00Z; expiration 1773241260 = 2026-03-11T15:01:00Z.
		"06-status-sent-pmp-marketing-v23.json": {Events: []cm.Event{
			with(status("wamid.FAKE_OUTBOUND_MKT_0001", "sent", at("2026-03-10T15:00:00Z"), "1773154800", "15550002222", "US"), func(e *cm.Event) {
				e.PricingModel, e.PricingType, e.PricingCategory, e.Billable = "PMP", "regular", "marketing", cm.True
				e.BillingConversation = "00000000000000000000000000000c01"
				e.Attrs = map[string]string{"conversation_origin": "marketing", "conversation_expires": "2026-03-11T15:01:00Z"}
			}),
		}},
		// 1773151900 = 14:11:40Z. v24: no conversation object.
		"07-status-delivered-pmp-utility-free-customer-service-v24.json": {Events: []cm.Event{
			with(status("wamid.FAKE_OUTBOUND_UTIL_0001", "delivered", at("2026-03-10T14:11:40Z"), "1773151900", "15550002222", "US"), func(e *cm.Event) {
				e.PricingModel, e.PricingType, e.PricingCategory, e.Billable = "PMP", "free_customer_service", "utility", cm.False
			}),
		}},
		// Two statuses in one value. 1773155040 = 15:04:00Z: a read with no
		// pricing (it came with the delivered) and no delivered before it.
		// 1773155060 = 15:04:20Z: the hyphenated category is normalised.
		"08-status-batch-read-delivered-auth-intl.json": {Events: []cm.Event{
			with(status("wamid.FAKE_OUTBOUND_MKT_0001", "read", at("2026-03-10T15:04:00Z"), "1773155040", "15550002222", "US"), func(e *cm.Event) {
				e.Attrs = map[string]string{"biz_opaque_callback_data": "campaign=spring-sale;variant=b"}
			}),
			with(status("wamid.FAKE_OUTBOUND_AUTH_0001", "delivered", at("2026-03-10T15:04:20Z"), "1773155060", "919800000001", "IN"), func(e *cm.Event) {
				e.PricingModel, e.PricingType, e.PricingCategory, e.Billable = "PMP", "regular", "authentication_international", cm.True
			}),
		}},
		// 1773154900 = 15:01:40Z. No pricing on a failed status.
		"09-status-failed-131049.json": {Events: []cm.Event{
			with(status("wamid.FAKE_OUTBOUND_MKT_0002", "failed", at("2026-03-10T15:01:40Z"), "1773154900", "15550003333", "US"), func(e *cm.Event) {
				e.ErrorCode = "131049"
				e.Attrs = map[string]string{"error_details": "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."}
			}),
		}},
		// 1746093600 = 2025-05-01T10:00:00Z; expiration 1746180000 = +24 h.
		// CBP: no pricing.type.
		"10-status-cbp-legacy.json": {Events: []cm.Event{
			with(status("wamid.FAKE_OUTBOUND_CBP_UTIL_0001", "sent", at("2025-05-01T10:00:00Z"), "1746093600", "5215550009999", "MX"), func(e *cm.Event) {
				e.PricingModel, e.PricingCategory, e.Billable = "CBP", "utility", cm.True
				e.BillingConversation = "00000000000000000000000000000cb1"
				e.Attrs = map[string]string{"conversation_origin": "utility", "conversation_expires": "2025-05-02T10:00:00Z"}
			}),
		}},
		// Value-level errors: no events. The second has error_data as a plain string.
		"11-value-level-errors.json": {Errors: []PlatformError{
			{Tenant: waba1, WABA: waba1, PhoneNumberID: inbox1, Code: 130429, Title: "Rate limit hit", Message: "Rate limit hit",
				Details: "Message failed to send because there were too many messages sent from this phone number in a short period of time",
				Href:    "/documentation/business-messaging/whatsapp/support/error-codes"},
			{Tenant: waba1, WABA: waba1, PhoneNumberID: inbox1, Code: 131042, Title: "Business eligibility payment issue", Message: "Business eligibility payment issue",
				Details: "Message failed to send because there were one or more errors related to your payment method.",
				Href:    "/documentation/business-messaging/whatsapp/support/error-codes"},
		}},
		// 1773158400 = 16:00:00Z. An ad shown in Status: no ctwa_clid. Caption not kept.
		"12-inbound-image-status-ad.json": {Events: []cm.Event{
			with(received("wamid.FAKE_INBOUND_IMAGE_0001", at("2026-03-10T16:00:00Z"), "447700900123", "image", "GB"), func(e *cm.Event) {
				e.Referral = "900000000000002"
				e.Attrs = map[string]string{
					"mime_type":            "image/jpeg",
					"referral_source_type": "ad",
					"referral_source_url":  "https://fb.me/FAKEAD0002",
					"referral_headline":    "New arrivals",
					"referral_media_type":  "video",
				}
			}),
		}},
		// 1773158460 = 16:01:00Z.
		"13-inbound-unsupported.json": {Events: []cm.Event{
			with(received("wamid.FAKE_INBOUND_UNSUPPORTED_0001", at("2026-03-10T16:01:00Z"), "15550002222", "unsupported", "US"), func(e *cm.Event) {
				e.Attrs = map[string]string{"error_code": "131051", "error_details": "Message type is currently not supported."}
			}),
		}},
		// A system message is not written by the user: no event.
		"14-inbound-system-changed-number.json": {Ignored: []Ignored{
			{Path: "entry[0].changes[0].value.messages[0]", Reason: `system message "user_changed_number"`},
		}},
		// 1773158580 = 16:03:00Z. reply_to is the message reacted to.
		"15-inbound-reaction.json": {Events: []cm.Event{
			with(received("wamid.FAKE_INBOUND_REACTION_0001", at("2026-03-10T16:03:00Z"), "15550002222", "reaction", "US"), func(e *cm.Event) {
				e.ReplyTo = "wamid.FAKE_OUTBOUND_UTIL_0001"
				e.Attrs = map[string]string{"emoji": "\U0001F44D"}
			}),
		}},
		// 1773158640 = 16:04:00Z. Empty from: keyed by the user id; the country
		// comes from the profile, as there is no number.
		"16-inbound-bsuid-empty-wa-id.json": {Events: []cm.Event{
			received("wamid.FAKE_INBOUND_BSUID_0001", at("2026-03-10T16:04:00Z"), "BR.13491208655302741918", "text", "BR"),
		}},
		// Two entries (two WABAs, so two tenants), the first with an
		// account_update change. Timestamps as strings and numbers:
		// 1773162000 = 17:00:00Z (expires 1773248460 = 2026-03-11T17:01:00Z),
		// 1773162030 = 17:00:30Z, 1773162060 = 17:01:00Z, 1773162100 =
		// 17:01:40Z, 1773162120 = 17:02:00Z, 1773162140 = 17:02:20Z (expires
		// 1773421380 = 2026-03-13T17:03:00Z, +72 h FEP), 1773162160 = 17:02:40Z.
		"17-batch-multi-entry.json": {
			Events: []cm.Event{
				// A sent with pricing, then failed: "+1555…" is normalised.
				with(status("wamid.FAKE_OUTBOUND_MKT_0003", "sent", at("2026-03-10T17:00:00Z"), "1773162000", "15550005555", "US"), func(e *cm.Event) {
					e.PricingModel, e.PricingType, e.PricingCategory, e.Billable = "PMP", "regular", "marketing", cm.True
					e.BillingConversation = "00000000000000000000000000000c03"
					e.Attrs = map[string]string{"conversation_origin": "marketing", "conversation_expires": "2026-03-11T17:01:00Z"}
				}),
				// Sent to a user id: recipient_id is empty; the country is the
				// status contact's profile country.
				with(status("wamid.FAKE_OUTBOUND_UTIL_0002", "delivered", at("2026-03-10T17:00:30Z"), "1773162030", "US.1111222233334444", "US"), func(e *cm.Event) {
					e.PricingModel, e.PricingType, e.PricingCategory, e.Billable = "PMP", "free_customer_service", "utility", cm.False
				}),
				with(status("wamid.FAKE_OUTBOUND_MKT_0003", "failed", at("2026-03-10T17:01:00Z"), "1773162060", "15550005555", "US"), func(e *cm.Event) {
					e.ErrorCode = "131026"
					e.Attrs = map[string]string{"error_details": "Message Undeliverable."}
				}),
				with(received("wamid.FAKE_INBOUND_TEXT_0002", at("2026-03-10T17:01:40Z"), "15550006666", "text", "US"), func(e *cm.Event) {
					e.Tenant, e.Inbox = waba2, inbox2
					e.Attrs = map[string]string{"forwarded": "true"}
				}),
				with(status("wamid.FAKE_OUTBOUND_VOICE_0001", "played", at("2026-03-10T17:02:00Z"), "1773162120", "15550006666", "US"), func(e *cm.Event) {
					e.Tenant, e.Inbox = waba2, inbox2
				}),
				with(status("wamid.FAKE_OUTBOUND_FEP_0001", "sent", at("2026-03-10T17:02:20Z"), "1773162140", "15550006666", "US"), func(e *cm.Event) {
					e.Tenant, e.Inbox = waba2, inbox2
					e.PricingModel, e.PricingType, e.PricingCategory, e.Billable = "PMP", "free_entry_point", "referral_conversion", cm.False
					e.BillingConversation = "00000000000000000000000000000f01"
					e.Attrs = map[string]string{"conversation_origin": "referral_conversion", "conversation_expires": "2026-03-13T17:03:00Z"}
				}),
				// A status engines do not understand is kept as sent.
				with(status("wamid.FAKE_OUTBOUND_OLD_0001", "deleted", at("2026-03-10T17:02:40Z"), "1773162160", "15550006666", "US"), func(e *cm.Event) {
					e.Tenant, e.Inbox = waba2, inbox2
				}),
			},
			Ignored: []Ignored{{Path: "entry[0].changes[1]", Reason: `field "account_update"`}},
		},
	}
}

func TestSamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := sampleWant()
	if len(files) != len(want) {
		t.Errorf("%d sample files, %d expectations", len(files), len(want))
	}
	p := mustParser(t, Options{})
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			w, ok := want[name]
			if !ok {
				t.Fatalf("no expectation for %s", name)
			}
			got, err := p.Parse(readSample(t, name))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(w, got, cmpOpts); d != "" {
				t.Errorf("result (-want +got):\n%s", d)
			}
		})
	}
}

// TestSamplesFromShared checks the six payloads shared with the other
// engines still match the copies here.
func TestSamplesFromShared(t *testing.T) {
	shared, _ := filepath.Glob("../../shared/testdata/whatsapp/*.json")
	if len(shared) == 0 {
		t.Skip("shared sample payloads not present")
	}
	for _, f := range shared {
		a, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if b := readSample(t, filepath.Base(f)); string(a) != string(b) {
			t.Errorf("%s differs from the shared copy", filepath.Base(f))
		}
	}
}

func TestRouting(t *testing.T) {
	body := readSample(t, "17-batch-multi-entry.json")
	tests := []struct {
		name string
		opts Options
		want [2]string // tenants of the first and second entry
	}{
		{"zero options: the WABA id", Options{}, [2]string{waba1, waba2}},
		{"default tenant", Options{Tenant: "acme"}, [2]string{"acme", "acme"}},
		{"by phone number id", Options{Tenants: map[string]string{inbox2: "globex"}, Tenant: "acme"}, [2]string{"acme", "globex"}},
		{"by WABA id", Options{Tenants: map[string]string{waba1: "initech"}}, [2]string{"initech", waba2}},
		{"phone number id first", Options{Tenants: map[string]string{waba2: "x", inbox2: "y"}}, [2]string{waba1, "y"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := mustParser(t, tc.opts).Parse(body)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range res.Events {
				want := tc.want[0]
				if e.Inbox == inbox2 {
					want = tc.want[1]
				}
				if e.Tenant != want {
					t.Errorf("%s: tenant %q, want %q", e.ID, e.Tenant, want)
				}
			}
		})
	}

	// No WABA id and nothing configured: no tenant.
	noID := strings.Replace(string(readSample(t, "06-status-sent-pmp-marketing-v23.json")), `"id": "100000000000001",`, "", 1)
	_, err := mustParser(t, Options{}).Parse([]byte(noID))
	if !errors.Is(err, ErrUnknownTenant) || errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v, want ErrUnknownTenant", err)
	}
	res, err := mustParser(t, Options{Tenant: "acme"}).Parse([]byte(noID))
	if err != nil || len(res.Events) != 1 || res.Events[0].Tenant != "acme" {
		t.Fatalf("with a default tenant: %v %v", res, err)
	}
}

func TestTimestampStringOrNumber(t *testing.T) {
	p := mustParser(t, Options{})
	s := readSample(t, "06-status-sent-pmp-marketing-v23.json")
	n := strings.Replace(strings.Replace(string(s), `"timestamp": "1773154800"`, `"timestamp": 1773154800`, 1),
		`"expiration_timestamp": "1773241260"`, `"expiration_timestamp": 1773241260`, 1)
	if n == string(s) {
		t.Fatal("replacement failed")
	}
	a, err := p.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Parse([]byte(n))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(a, b, cmpOpts); d != "" {
		t.Errorf("string and number timestamps differ:\n%s", d)
	}
}

// body wraps one value (the JSON of entry[0].changes[0].value) in an envelope.
func body(value string) []byte {
	return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"` + waba1 + `","changes":[{"field":"messages","value":` + value + `}]}]}`)
}

const meta = `"metadata":{"phone_number_id":"` + inbox1 + `"}`

func TestMalformed(t *testing.T) {
	sent := string(readSample(t, "06-status-sent-pmp-marketing-v23.json"))
	order := string(readSample(t, "05-inbound-order.json"))
	tests := []struct {
		name     string
		body     []byte
		path     string   // the path the error names
		sentinel error    // the convometrics sentinel it matches
		detail   string   // a fragment of the message
		_        struct{} // keep literals keyed
	}{
		{name: "empty", body: nil, sentinel: cm.ErrSyntax, detail: "unexpected end of JSON input"},
		{name: "truncated", body: []byte(sent[:len(sent)/2]), sentinel: cm.ErrSyntax},
		{name: "not an object", body: []byte(`[1,2]`), sentinel: cm.ErrSyntax, detail: "want an object, got array"},
		{name: "trailing garbage", body: []byte(sent + "x"), sentinel: cm.ErrSyntax},
		{name: "no object key", body: []byte(`{"entry":[]}`), path: "object", sentinel: cm.ErrRequired},
		{name: "another product", body: []byte(`{"object":"instagram","entry":[]}`), path: "object", sentinel: cm.ErrInvalidValue, detail: `"instagram"`},
		{name: "entry not an array", body: []byte(`{"object":"whatsapp_business_account","entry":{}}`), path: "entry", sentinel: cm.ErrSyntax},
		{name: "value missing", body: []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages"}]}]}`),
			path: "entry[0].changes[0].value", sentinel: cm.ErrRequired},
		{name: "status id missing", body: body(`{` + meta + `,"statuses":[{"status":"sent","timestamp":"1"}]}`),
			path: "entry[0].changes[0].value.statuses[0].id", sentinel: cm.ErrRequired},
		{name: "status missing", body: body(`{` + meta + `,"statuses":[{"id":"w","timestamp":"1"}]}`),
			path: "entry[0].changes[0].value.statuses[0].status", sentinel: cm.ErrRequired},
		{name: "timestamp missing", body: body(`{` + meta + `,"statuses":[{"id":"w","status":"sent"}]}`),
			path: "entry[0].changes[0].value.statuses[0].timestamp", sentinel: cm.ErrRequired},
		{name: "timestamp not a number", body: body(`{` + meta + `,"statuses":[{"id":"w","status":"sent","timestamp":"soon"}]}`),
			path: "entry[0].changes[0].value.statuses[0].timestamp", sentinel: cm.ErrInvalidValue, detail: `"soon"`},
		{name: "timestamp negative", body: body(`{` + meta + `,"statuses":[{"id":"w","status":"sent","timestamp":-5}]}`),
			path: "entry[0].changes[0].value.statuses[0].timestamp", sentinel: cm.ErrInvalidValue},
		{name: "timestamp fractional", body: body(`{` + meta + `,"statuses":[{"id":"w","status":"sent","timestamp":1.5}]}`),
			path: "entry[0].changes[0].value.statuses[0].timestamp", sentinel: cm.ErrInvalidValue},
		{name: "timestamp after 2262", body: body(`{` + meta + `,"statuses":[{"id":"w","status":"sent","timestamp":"99999999999"}]}`),
			path: "entry[0].changes[0].value.statuses[0].timestamp", sentinel: cm.ErrInvalidValue},
		{name: "timestamp an object", body: body(`{` + meta + `,"statuses":[{"id":"w","status":"sent","timestamp":{}}]}`),
			path: "entry[0].changes[0].value.statuses[0].timestamp", sentinel: cm.ErrInvalidValue},
		{name: "recipient a number", body: body(`{` + meta + `,"statuses":[{"id":"w","status":"sent","timestamp":"1","recipient_id":15550002222}]}`),
			path: "entry[0].changes[0].value.statuses.recipient_id", sentinel: cm.ErrSyntax, detail: "want a string, got number"},
		{name: "billable a string", body: body(`{` + meta + `,"statuses":[{"id":"w","status":"sent","timestamp":"1","pricing":{"billable":"yes"}}]}`),
			path: "entry[0].changes[0].value.statuses.pricing.billable", sentinel: cm.ErrSyntax},
		{name: "error code not a number", body: body(`{` + meta + `,"statuses":[{"id":"w","status":"failed","timestamp":"1","errors":[{"code":"x"}]}]}`),
			path: "entry[0].changes[0].value.statuses[0].errors[0].code", sentinel: cm.ErrInvalidValue},
		{name: "error_data a number", body: body(`{` + meta + `,"errors":[{"code":1,"error_data":7}]}`),
			path: "entry[0].changes[0].value.errors[0].error_data", sentinel: cm.ErrSyntax},
		{name: "status id too long", body: body(`{` + meta + `,"statuses":[{"id":"` + strings.Repeat("w", 1100) + `","status":"sent","timestamp":"1"}]}`),
			path: "entry[0].changes[0].value.statuses[0]", sentinel: cm.ErrInvalidValue, detail: "longer than 1024 bytes"},
		{name: "message without sender", body: body(`{` + meta + `,"messages":[{"id":"w","timestamp":"1","type":"text"}]}`),
			path: "entry[0].changes[0].value.messages[0].from", sentinel: cm.ErrRequired},
		{name: "message id missing", body: body(`{` + meta + `,"messages":[{"from":"15550002222","timestamp":"1","type":"text"}]}`),
			path: "entry[0].changes[0].value.messages[0].id", sentinel: cm.ErrRequired},
		{name: "order item without currency", body: []byte(strings.Replace(order, `"currency": "USD"`, `"currency": ""`, 1)),
			path: "entry[0].changes[0].value.messages[0].order.product_items[0].currency", sentinel: cm.ErrRequired},
		{name: "order item currency lower case", body: []byte(strings.Replace(order, `"currency": "USD"`, `"currency": "usd"`, 1)),
			path: "entry[0].changes[0].value.messages[0].order.product_items[0].currency", sentinel: cm.ErrInvalidValue},
		{name: "order item negative price", body: []byte(strings.Replace(order, `"item_price": 30`, `"item_price": -30`, 1)),
			path: "entry[0].changes[0].value.messages[0].order.product_items[0].item_price", sentinel: cm.ErrInvalidValue},
		{name: "order item price with exponent", body: []byte(strings.Replace(order, `"item_price": 30`, `"item_price": 3e999999999`, 1)),
			path: "entry[0].changes[0].value.messages[0].order.product_items[0].item_price", sentinel: cm.ErrInvalidValue},
		{name: "order item fractional quantity", body: []byte(strings.Replace(order, `"quantity": 2`, `"quantity": 2.5`, 1)),
			path: "entry[0].changes[0].value.messages[0].order.product_items[0].quantity", sentinel: cm.ErrInvalidValue},
		{name: "order item without quantity", body: []byte(strings.Replace(order, `"quantity": 2,`, ``, 1)),
			path: "entry[0].changes[0].value.messages[0].order.product_items[0].quantity", sentinel: cm.ErrRequired},
		{name: "order price with 13 decimals", body: []byte(strings.Replace(order, `"item_price": 7.99`, `"item_price": 7.9900000000001`, 1)),
			path: "entry[0].changes[0].value.messages[0].order", sentinel: cm.ErrInvalidValue, detail: "more than 12 decimals"},
	}
	p := mustParser(t, Options{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := p.Parse(tc.body)
			if err == nil {
				t.Fatalf("no error; events %v", res.Events)
			}
			if res.Events != nil || res.Errors != nil || res.Ignored != nil {
				t.Errorf("partial result with the error: %+v", res)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%v: does not match ErrMalformed", err)
			}
			if !errors.Is(err, tc.sentinel) {
				t.Errorf("%v: does not match %v", err, tc.sentinel)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("%T is not a *ParseError", err)
			}
			if pe.Path != tc.path {
				t.Errorf("path %q, want %q (%v)", pe.Path, tc.path, err)
			}
			if !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("%q lacks %q", err, tc.detail)
			}
			if !strings.HasPrefix(err.Error(), "whatsapp: malformed webhook: ") {
				t.Errorf("message %q", err)
			}
		})
	}
}

// TestTolerant covers what must not be an error: unknown keys, fields and
// values, absent optional parts, and an empty notification.
func TestTolerant(t *testing.T) {
	p := mustParser(t, Options{})
	tests := []struct {
		name string
		body []byte
		want int // events
	}{
		{"no entries", []byte(`{"object":"whatsapp_business_account","entry":[]}`), 0},
		{"unknown top-level key", []byte(`{"object":"whatsapp_business_account","entry":[],"new":{"x":[1]}}`), 0},
		{"unknown field", []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"calls","value":{"statuses":"not our shape"}}]}]}`), 0},
		{"unknown message type with new keys", body(`{` + meta + `,"messages":[{"from":"15550002222","id":"w","timestamp":"1","type":"hologram","hologram":{"depth":3}}]}`), 1},
		{"unknown status and pricing values", body(`{` + meta + `,"statuses":[{"id":"w","status":"teleported","timestamp":"1","recipient_id":"15550002222","pricing":{"pricing_model":"XYZ","type":"new_type","category":"general_purpose_ai"},"conversation":{"origin":{}}}]}`), 1},
		{"text body of a new type is never read", body(`{` + meta + `,"messages":[{"from":"15550002222","id":"w","timestamp":"1","type":"text","text":{"body":42}}]}`), 1},
		{"null value parts", body(`{` + meta + `,"contacts":null,"messages":null,"statuses":[{"id":"w","status":"sent","timestamp":"1","pricing":null,"conversation":null,"errors":null}]}`), 1},
		{"status without recipient", body(`{` + meta + `,"statuses":[{"id":"w","status":"read","timestamp":"1"}]}`), 1},
		{"request_welcome", body(`{` + meta + `,"messages":[{"from":"15550002222","id":"w","timestamp":"1","type":"request_welcome"}]}`), 0},
		{"unreact", body(`{` + meta + `,"messages":[{"from":"15550002222","id":"w","timestamp":"1","type":"reaction","reaction":{"message_id":"m","emoji":""}}]}`), 1},
		{"order without items", body(`{` + meta + `,"messages":[{"from":"15550002222","id":"w","timestamp":"1","type":"order","order":{"catalog_id":"c","product_items":[]}}]}`), 1},
		{"price and quantity as strings", body(`{` + meta + `,"messages":[{"from":"15550002222","id":"w","timestamp":"1","type":"order","order":{"product_items":[{"quantity":"2","item_price":"1.50","currency":"EUR"}]}}]}`), 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := p.Parse(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Events) != tc.want {
				t.Fatalf("%d events, want %d: %+v", len(res.Events), tc.want, res.Events)
			}
		})
	}
}

func TestUnknownValuesKept(t *testing.T) {
	res, err := mustParser(t, Options{}).Parse(body(`{` + meta + `,"statuses":[{"id":"w","status":"teleported","timestamp":"1","recipient_id":"15550002222",` +
		`"pricing":{"pricing_model":"XYZ","type":"new_type","category":"general_purpose_ai"},"conversation":{"id":"c","origin":{"type":"meta_business_agent"}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	e := res.Events[0]
	if e.Status != "teleported" || e.PricingModel != "XYZ" || e.PricingType != "new_type" || e.PricingCategory != "general_purpose_ai" ||
		e.Attrs["conversation_origin"] != "meta_business_agent" || e.Billable != cm.Unset {
		t.Errorf("%+v", e)
	}
	// Time 1 = 1970-01-01T00:00:01Z, which events accept.
	if !e.Time.Equal(time.Date(1970, 1, 1, 0, 0, 1, 0, time.UTC)) {
		t.Errorf("time %v", e.Time)
	}
}

func TestOrderInTwoCurrencies(t *testing.T) {
	res, err := mustParser(t, Options{}).Parse(body(`{` + meta + `,"messages":[{"from":"15550002222","id":"w","timestamp":"1","type":"order","order":{"product_items":[` +
		`{"quantity":2,"item_price":10.25,"currency":"EUR"},{"quantity":1,"item_price":5,"currency":"USD"},{"quantity":3,"item_price":0.10,"currency":"EUR"}]}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	// EUR: 2 × 10.25 + 3 × 0.10 = 20.50 + 0.30 = 20.80, 2 lines, 5 units.
	// USD: 1 × 5 = 5, 1 line, 1 unit. Currencies in order of first appearance.
	want := []struct{ id, amount, currency, items, quantity string }{
		{"wa:w:cart:EUR", "20.80", "EUR", "2", "5"},
		{"wa:w:cart:USD", "5", "USD", "1", "1"},
	}
	if len(res.Events) != 3 {
		t.Fatalf("%d events", len(res.Events))
	}
	for i, w := range want {
		e := res.Events[i+1]
		if e.ID != w.id || !e.Amount.Equal(dec(w.amount)) || e.Currency != w.currency || e.Attrs["items"] != w.items || e.Attrs["quantity"] != w.quantity {
			t.Errorf("cart %d: %s %s %s %v", i, e.ID, e.Amount, e.Currency, e.Attrs)
		}
	}
}

func TestGroupStatus(t *testing.T) {
	res, err := mustParser(t, Options{}).Parse(body(`{` + meta + `,"statuses":[` +
		`{"id":"wamid.G","status":"delivered","timestamp":"100","recipient_id":"120363000000000001","recipient_type":"group","recipient_participant_id":"919800000001"},` +
		`{"id":"wamid.G","status":"delivered","timestamp":"100","recipient_id":"120363000000000001","recipient_type":"group","recipient_participant_id":"447700900123"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	// One wamid, two participants: two deliveries with distinct ids, the
	// group as contact and each participant's country.
	want := [][3]string{
		{"wa:wamid.G:delivered:100:919800000001", "IN", "919800000001"},
		{"wa:wamid.G:delivered:100:447700900123", "GB", "447700900123"},
	}
	for i, w := range want {
		e := res.Events[i]
		if e.ID != w[0] || e.Country != w[1] || e.Attrs["recipient_participant_id"] != w[2] || e.Contact != "120363000000000001" || e.Attrs["recipient_type"] != "group" {
			t.Errorf("%d: %+v", i, e)
		}
	}
}

func TestUserIDKeptBesidePhone(t *testing.T) {
	res, err := mustParser(t, Options{}).Parse(body(`{` + meta + `,"contacts":[{"wa_id":"15550002222","user_id":"US.99"}],` +
		`"messages":[{"from":"15550002222","id":"w","timestamp":"1","type":"text"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if e := res.Events[0]; e.Contact != "15550002222" || e.Attrs["user_id"] != "US.99" {
		t.Errorf("%+v", e)
	}
}

func TestMultipleErrorsOnStatus(t *testing.T) {
	res, err := mustParser(t, Options{}).Parse(body(`{` + meta + `,"statuses":[{"id":"w","status":"failed","timestamp":"1","errors":[` +
		`{"code":131042,"message":"payment","error_data":{"details":"no card"}},{"code":"131053","message":"upload"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	e := res.Events[0]
	if e.ErrorCode != "131042" || e.Attrs["error_codes"] != "131042,131053" || e.Attrs["error_details"] != "no card" {
		t.Errorf("%+v", e)
	}
}

func TestResultJSON(t *testing.T) {
	res, err := mustParser(t, Options{}).Parse(readSample(t, "11-value-level-errors.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"code":130429`, `"phone_number_id":"200000000000001"`, `"waba":"100000000000001"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	if strings.Contains(string(b), `"events"`) {
		t.Errorf("%s: events of a body without events are not omitted", b)
	}
	if got := res.Errors[0].Error(); got != "whatsapp: error 130429: Rate limit hit (Message failed to send because there were too many messages sent from this phone number in a short period of time)" {
		t.Errorf("Error() = %q", got)
	}
}

func TestOptionsValidate(t *testing.T) {
	key := []byte("0123456789abcdef")
	tests := []struct {
		name string
		opts Options
		want string // fragment of the error; "" for none
	}{
		{"zero", Options{}, ""},
		{"routes and default", Options{Tenant: "acme", Tenants: map[string]string{"1": "globex"}}, ""},
		{"empty route key", Options{Tenants: map[string]string{"": "acme"}}, "empty phone number or WABA id"},
		{"empty routed tenant", Options{Tenants: map[string]string{"1": ""}}, `tenants["1"]: required`},
		{"tenant too long", Options{Tenant: strings.Repeat("t", 1025)}, "tenant: invalid value"},
		{"keys with default", Options{ContactKeys: map[string][]byte{"": key}}, ""},
		{"keys per tenant", Options{Tenant: "acme", Tenants: map[string]string{"1": "globex"}, ContactKeys: map[string][]byte{"acme": key, "globex": key}}, ""},
		{"short key", Options{ContactKeys: map[string][]byte{"": []byte("short")}}, "5 bytes, want at least 16"},
		{"empty keys map", Options{ContactKeys: map[string][]byte{}}, `no key for tenant ""`},
		{"routed tenant without key", Options{Tenant: "acme", Tenants: map[string]string{"1": "globex"}, ContactKeys: map[string][]byte{"acme": key}}, `no key for tenant "globex" (routed from 1)`},
		{"WABA tenants without default key", Options{ContactKeys: map[string][]byte{"acme": key}}, "tenants named by WABA id"},
		{"hash ids without keys", Options{HashMessageIDs: true}, "hash_message_ids needs contact keys"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.opts.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if _, perr := NewParser(tc.opts); perr == nil {
				t.Error("NewParser accepted invalid options")
			}
		})
	}
}

// TestDeterministic: parsing the same body twice gives equal results, and
// the parser keeps no state between bodies.
func TestDeterministic(t *testing.T) {
	p := mustParser(t, Options{})
	for _, name := range []string{"17-batch-multi-entry.json", "05-inbound-order.json"} {
		b := readSample(t, name)
		a, _ := p.Parse(b)
		p.Parse(readSample(t, "01-inbound-text-ctwa-referral.json"))
		c, _ := p.Parse(b)
		if d := cmp.Diff(a, c, cmpOpts); d != "" {
			t.Errorf("%s: second parse differs:\n%s", name, d)
		}
	}
}
