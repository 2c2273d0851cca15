// Package storetest is a conformance suite for implementations of the
// convometrics storage interfaces, in the spirit of testing/slogtest and
// testing/fstest: a store that passes it keeps the contract the engines rely
// on. The embedded memstore runs it; so should a host's own store.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) convometrics.Store { return mystore.Open(t.TempDir()) })
//	}
//
// Run checks, each in its own subtest with a fresh store: every field
// survives a round trip; scans come in (time, id) order with half-open range,
// type and partition filters; an exact repeat is ignored and counted, a
// repeat with different content is a *ConflictError and the call stores
// nothing; invalid events are *EventErrors and store nothing; tenants are
// isolated (the same ids and contacts in two tenants never mix); any shuffle
// and batching of the input gives the same scans; a cancelled context stops
// appends and scans with its error; an invalid query yields an error rather
// than an empty result; concurrent appends and scans are safe (run with
// -race). Stores that implement ContactScanner or TenantLister are checked
// against the same rules.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/shopspring/decimal"
)

// NewStore makes a fresh, empty store for one subtest.
type NewStore func(t *testing.T) cm.Store

// Run runs the conformance suite.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(*testing.T, NewStore)
	}{
		{"RoundTrip", testRoundTrip},
		{"TimeOrder", testTimeOrder},
		{"RangeAndTypes", testRangeAndTypes},
		{"Idempotent", testIdempotent},
		{"DuplicateInBatch", testDuplicateInBatch},
		{"Conflict", testConflict},
		{"Invalid", testInvalid},
		{"TenantIsolation", testTenantIsolation},
		{"ShuffleInvariance", testShuffle},
		{"Partitions", testPartitions},
		{"ContactOrder", testContactOrder},
		{"ContextCancel", testContextCancel},
		{"ErrorsSurfaced", testErrorsSurfaced},
		{"NotRetained", testNotRetained},
		{"EarlyStop", testEarlyStop},
		{"Concurrent", testConcurrent},
		{"Tenants", testTenants},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore) })
	}
}

var base = time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC) // the night Europe moves its clocks

// Events returns a fixed set of valid events for tenant: at least one of
// every type, every field of Event set somewhere, attrs with non-ASCII text,
// two events at the same instant, and several contacts. It is exported for
// stores' own tests and for round-trip tests of encodings.
func Events(tenant string) []cm.Event {
	at := func(min int) time.Time { return base.Add(time.Duration(min) * time.Minute) }
	dec := decimal.RequireFromString
	e := func(id string, typ cm.Type, min int, contact string) cm.Event {
		return cm.Event{ID: id, Tenant: tenant, Type: typ, Time: at(min), Channel: cm.ChannelWhatsApp,
			Inbox: "phone-1", Contact: contact, Conversation: "conv-" + contact}
	}
	var out []cm.Event
	add := func(ev cm.Event, f func(*cm.Event)) {
		if f != nil {
			f(&ev)
		}
		out = append(out, ev)
	}
	add(e("e01", cm.ConversationOpened, 0, "c1"), nil)
	add(e("e02", cm.MessageReceived, 0, "c1"), func(ev *cm.Event) {
		ev.Message, ev.MessageType, ev.Referral = "wamid.in1", "text", "ad-120"
		ev.Attrs = map[string]string{"ctwa_clid": "clid-1", "text": "Merhaba, ürün fiyatı? 🙂"}
	})
	add(e("e03", cm.FlowStarted, 1, "c1"), func(ev *cm.Event) { ev.Flow, ev.FlowVersion = "welcome", "v2" })
	add(e("e04", cm.FlowNode, 2, "c1"), func(ev *cm.Event) {
		ev.Flow, ev.FlowVersion, ev.Node = "welcome", "v2", "ask-size"
		ev.Attrs = map[string]string{"size": "M"}
	})
	add(e("e05", cm.MessageSent, 2, "c1"), func(ev *cm.Event) {
		ev.Message, ev.Sender, ev.Assistant, ev.Flow, ev.MessageType = "wamid.out1", cm.SenderBot, "shop-bot", "welcome", "interactive"
	})
	add(e("e06", cm.MessageStatus, 3, "c1"), func(ev *cm.Event) {
		ev.Message, ev.Status, ev.PricingModel, ev.PricingType, ev.PricingCategory = "wamid.out1", cm.StatusDelivered, "PMP", "free_customer_service", "service"
		ev.Billable, ev.Country = cm.False, "TR"
	})
	add(e("e07", cm.FlowCompleted, 4, "c1"), func(ev *cm.Event) { ev.Flow = "welcome" })
	add(e("e08", cm.ConversationHandoff, 5, "c1"), nil)
	add(e("e09", cm.ConversationAssigned, 5, "c1"), func(ev *cm.Event) { ev.Agent, ev.Team = "ayse", "sales" })
	add(e("e10", cm.AssistSuggestion, 6, "c1"), func(ev *cm.Event) {
		ev.Agent, ev.Suggested, ev.Final, ev.Translated = "ayse", "Fiyatı 129,90 TL.", "Fiyatı 129,90 TL 🙂", true
	})
	add(e("e11", cm.MessageSent, 6, "c1"), func(ev *cm.Event) {
		ev.Message, ev.Sender, ev.Agent, ev.Team, ev.MessageType = "wamid.out2", cm.SenderAgent, "ayse", "sales", "text"
		ev.Amount, ev.Currency = dec("0.0000"), ""
	})
	add(e("e12", cm.CartAdded, 7, "c1"), func(ev *cm.Event) { ev.Amount, ev.Currency = dec("129.90"), "TRY" })
	add(e("e13", cm.PaymentLink, 8, "c1"), func(ev *cm.Event) {
		ev.Link, ev.Reference, ev.Amount, ev.Currency, ev.Agent = "plink_1", "ORD-1", dec("129.90"), "TRY", "ayse"
	})
	add(e("e14", cm.PaymentSucceeded, 9, "c1"), func(ev *cm.Event) {
		ev.Payment, ev.Link, ev.Reference, ev.Amount, ev.Currency, ev.Provider = "pay_1", "plink_1", "ORD-1", dec("129.90"), "TRY", "craftgate"
	})
	add(e("e15", cm.PaymentRefunded, 30, "c1"), func(ev *cm.Event) {
		ev.Payment, ev.Amount, ev.Currency, ev.Provider = "pay_1", dec("29.90"), "TRY", "craftgate"
	})
	add(e("e16", cm.ConversationResolved, 31, "c1"), func(ev *cm.Event) { ev.Agent = "ayse" })
	add(e("e17", cm.ConversationReopened, 40, "c1"), nil)
	add(e("e18", cm.ConversationUnassigned, 41, "c1"), nil)
	add(e("e19", cm.GoalReached, 42, "c1"), func(ev *cm.Event) { ev.Goal = "purchase" })
	// Campaign for c2, sent and failed; same instant as e21 to test id order.
	add(e("e20", cm.CampaignTargeted, 10, "c2"), func(ev *cm.Event) {
		ev.Campaign, ev.CampaignVersion = "black-friday", "3"
		ev.Attrs = map[string]string{"first_name": "José", "coupon": "BF26"}
	})
	add(e("e22", cm.MessageSent, 11, "c2"), func(ev *cm.Event) {
		ev.Message, ev.Sender, ev.Template, ev.TemplateCategory, ev.Campaign, ev.CampaignVersion = "wamid.out3", cm.SenderCampaign, "bf_offer", "marketing", "black-friday", "3"
		ev.MessageType = "template"
	})
	add(e("e21", cm.MessageStatus, 11, "c2"), func(ev *cm.Event) {
		ev.Message, ev.Status, ev.PricingModel, ev.PricingType, ev.PricingCategory = "wamid.out3", cm.StatusSent, "CBP", "regular", "marketing"
		ev.Billable, ev.BillingConversation = cm.True, "conv-wa-1"
	})
	add(e("e23", cm.MessageStatus, 12, "c2"), func(ev *cm.Event) {
		ev.Message, ev.Status, ev.ErrorCode = "wamid.out3", cm.StatusFailed, "131049"
		ev.Attrs = map[string]string{"error_details": "healthy ecosystem engagement"}
	})
	add(e("e24", cm.PaymentFailed, 13, "c2"), func(ev *cm.Event) {
		ev.Reference, ev.Amount, ev.Currency, ev.ErrorCode = "ORD-2", dec("10"), "EUR", "card_declined"
	})
	// Tenant-level events without a contact.
	out = append(out,
		cm.Event{ID: "e25", Tenant: tenant, Type: cm.CreditsTopup, Time: at(-60), Amount: dec("500.00"), Currency: "USD"},
		cm.Event{ID: "e26", Tenant: tenant, Type: cm.PaymentSucceeded, Time: at(50), Payment: "pay_2", Reference: "ORD-9", Amount: dec("5.5"), Currency: "EUR", Provider: "stripe"},
	)
	// A web-widget contact and test traffic.
	add(e("e27", cm.MessageReceived, 20, "c3"), func(ev *cm.Event) { ev.Channel, ev.Inbox = cm.ChannelWebWidget, "widget-1" })
	add(e("e28", cm.MessageSent, 21, "c3"), func(ev *cm.Event) {
		ev.Channel, ev.Inbox, ev.Sender, ev.Assistant, ev.ReplyTo = cm.ChannelWebWidget, "widget-1", cm.SenderAI, "helper", ""
	})
	add(e("e29", cm.MessageReceived, 22, "c4"), func(ev *cm.Event) { ev.Channel, ev.ReplyTo = cm.ChannelTest, "wamid.out3" })
	add(e("e30", cm.MessageSent, 23, "c4"), func(ev *cm.Event) { ev.Channel, ev.Sender = cm.ChannelTest, cm.SenderBroadcast })
	// Spring-forward instant in Berlin: 01:00 UTC.
	add(e("e31", cm.MessageReceived, 30, "c2"), func(ev *cm.Event) { ev.ReplyTo = "wamid.out3" })
	return out
}

func mustAppend(t *testing.T, s cm.Store, evs ...cm.Event) cm.AppendResult {
	t.Helper()
	res, err := s.Append(context.Background(), evs...)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return res
}

func scan(t *testing.T, s cm.Reader, q cm.Query) []cm.Event {
	t.Helper()
	out, err := cm.Collect(context.Background(), s, q)
	if err != nil {
		t.Fatalf("Scan(%+v): %v", q, err)
	}
	return out
}

func sorted(evs []cm.Event) []cm.Event {
	out := slices.Clone(evs)
	slices.SortFunc(out, func(a, b cm.Event) int { return cm.CompareEvents(&a, &b) })
	return out
}

func diff(want, got []cm.Event) string {
	if len(want) != len(got) {
		return fmt.Sprintf("got %d events, want %d (got ids %v, want %v)", len(got), len(want), ids(got), ids(want))
	}
	for i := range want {
		if !want[i].Equal(&got[i]) {
			return fmt.Sprintf("event %d: got\n  %s\nwant\n  %s", i, got[i].AppendJSON(nil), want[i].AppendJSON(nil))
		}
	}
	return ""
}

func ids(evs []cm.Event) []string {
	out := make([]string, len(evs))
	for i := range evs {
		out[i] = evs[i].ID
	}
	return out
}

func testRoundTrip(t *testing.T, newStore NewStore) {
	s := newStore(t)
	evs := Events("t1")
	res := mustAppend(t, s, evs...)
	if res.Appended != len(evs) || res.Duplicates != 0 {
		t.Fatalf("Append result %+v, want %d appended, 0 duplicates", res, len(evs))
	}
	if d := diff(sorted(evs), scan(t, s, cm.Query{Tenant: "t1"})); d != "" {
		t.Fatal(d)
	}
}

func testTimeOrder(t *testing.T, newStore NewStore) {
	s := newStore(t)
	evs := Events("t1")
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
	mustAppend(t, s, evs...)
	got := scan(t, s, cm.Query{Tenant: "t1"})
	for i := 1; i < len(got); i++ {
		if cm.CompareEvents(&got[i-1], &got[i]) >= 0 {
			t.Fatalf("events %q and %q out of (time, id) order", got[i-1].ID, got[i].ID)
		}
	}
	// e21 and e22 share an instant: e21 must come first.
	pos := slices.IndexFunc(got, func(e cm.Event) bool { return e.ID == "e21" })
	if pos < 0 || pos+1 >= len(got) || got[pos+1].ID != "e22" {
		t.Fatalf("same-instant events not ordered by id: %v", ids(got))
	}
}

func testRangeAndTypes(t *testing.T, newStore NewStore) {
	s := newStore(t)
	evs := Events("t1")
	mustAppend(t, s, evs...)
	r := cm.Range{From: base.Add(2 * time.Minute), To: base.Add(11 * time.Minute)}
	var want []cm.Event
	for _, e := range sorted(evs) {
		if !e.Time.Before(r.From) && e.Time.Before(r.To) {
			want = append(want, e)
		}
	}
	// Hand-checked: minutes 2..10 inclusive hold e04 e05 e06 e07 e08 e09 e10 e11 e12 e13 e14 e20.
	if got := ids(want); !slices.Equal(got, []string{"e04", "e05", "e06", "e07", "e08", "e09", "e10", "e11", "e12", "e13", "e14", "e20"}) {
		t.Fatalf("fixture changed: %v", got)
	}
	if d := diff(want, scan(t, s, cm.Query{Tenant: "t1", Range: r})); d != "" {
		t.Fatalf("range [2m, 11m): %s", d)
	}
	got := scan(t, s, cm.Query{Tenant: "t1", Range: r, Types: []cm.Type{cm.MessageSent, cm.MessageStatus}})
	if !slices.Equal(ids(got), []string{"e05", "e06", "e11"}) {
		t.Fatalf("types filter: got %v, want [e05 e06 e11]", ids(got))
	}
	got = scan(t, s, cm.Query{Tenant: "t1", Range: cm.Range{From: base.Add(50 * time.Minute)}})
	if !slices.Equal(ids(got), []string{"e26"}) {
		t.Fatalf("open-ended range: got %v, want [e26]", ids(got))
	}
	got = scan(t, s, cm.Query{Tenant: "t1", Range: cm.Range{To: base.Add(-59 * time.Minute)}})
	if !slices.Equal(ids(got), []string{"e25"}) {
		t.Fatalf("range with open start: got %v, want [e25]", ids(got))
	}
}

func testIdempotent(t *testing.T, newStore NewStore) {
	s := newStore(t)
	evs := Events("t1")
	mustAppend(t, s, evs...)
	// The repeat may use another representation of the same instant and amount.
	again := slices.Clone(evs)
	for i := range again {
		again[i].Time = again[i].Time.In(time.FixedZone("x", 3*3600))
		again[i].Amount = again[i].Amount.Round(6)
	}
	res := mustAppend(t, s, again...)
	if res.Appended != 0 || res.Duplicates != len(evs) {
		t.Fatalf("repeat: %+v, want 0 appended, %d duplicates", res, len(evs))
	}
	if d := diff(sorted(evs), scan(t, s, cm.Query{Tenant: "t1"})); d != "" {
		t.Fatal(d)
	}
}

func testDuplicateInBatch(t *testing.T, newStore NewStore) {
	s := newStore(t)
	evs := Events("t1")
	res := mustAppend(t, s, append(slices.Clone(evs), evs[0], evs[3])...)
	if res.Appended != len(evs) || res.Duplicates != 2 {
		t.Fatalf("%+v, want %d appended, 2 duplicates", res, len(evs))
	}
	if got := scan(t, s, cm.Query{Tenant: "t1"}); len(got) != len(evs) {
		t.Fatalf("stored %d, want %d", len(got), len(evs))
	}
}

func testConflict(t *testing.T, newStore NewStore) {
	s := newStore(t)
	evs := Events("t1")
	mustAppend(t, s, evs[:5]...)
	changed := evs[2]
	changed.FlowVersion = "v3"
	fresh := evs[5]
	_, err := s.Append(context.Background(), fresh, changed)
	if !errors.Is(err, cm.ErrConflict) {
		t.Fatalf("conflict: got %v, want ErrConflict", err)
	}
	var ce *cm.ConflictError
	if !errors.As(err, &ce) || ce.ID != changed.ID || ce.Tenant != "t1" {
		t.Fatalf("conflict error %v does not name tenant t1 and event %q", err, changed.ID)
	}
	if d := diff(sorted(evs[:5]), scan(t, s, cm.Query{Tenant: "t1"})); d != "" {
		t.Fatalf("a conflicting call changed the store: %s", d)
	}
	// Conflict inside one batch.
	_, err = s.Append(context.Background(), fresh, fresh, withAttr(fresh, "k", "v"))
	if !errors.Is(err, cm.ErrConflict) {
		t.Fatalf("conflict within a batch: got %v, want ErrConflict", err)
	}
	if got := scan(t, s, cm.Query{Tenant: "t1"}); len(got) != 5 {
		t.Fatalf("stored %d events after a failed call, want 5", len(got))
	}
}

func withAttr(e cm.Event, k, v string) cm.Event {
	e.Attrs = map[string]string{k: v}
	return e
}

func testInvalid(t *testing.T, newStore NewStore) {
	s := newStore(t)
	evs := Events("t1")
	bad := evs[11] // cart.added
	bad.Currency = "try"
	_, err := s.Append(context.Background(), evs[0], bad)
	var ee *cm.EventError
	if !errors.As(err, &ee) || ee.ID != bad.ID || ee.Field != "currency" || !errors.Is(err, cm.ErrInvalidValue) {
		t.Fatalf("invalid currency: got %v, want an *EventError for %q field currency", err, bad.ID)
	}
	noTenant := evs[1]
	noTenant.Tenant = ""
	if _, err := s.Append(context.Background(), noTenant); !errors.Is(err, cm.ErrRequired) {
		t.Fatalf("event without tenant: got %v, want ErrRequired", err)
	}
	if got := scan(t, s, cm.Query{Tenant: "t1"}); len(got) != 0 {
		t.Fatalf("an invalid call stored %d events", len(got))
	}
}

func testTenantIsolation(t *testing.T, newStore NewStore) {
	s := newStore(t)
	a, b := Events("acme"), Events("globex")
	for i := range b {
		b[i].Inbox = "other" // same ids and contacts, different content
	}
	res := mustAppend(t, s, append(slices.Clone(a), b...)...)
	if res.Appended != len(a)+len(b) {
		t.Fatalf("same ids in two tenants: %+v, want all appended", res)
	}
	if d := diff(sorted(a), scan(t, s, cm.Query{Tenant: "acme"})); d != "" {
		t.Fatalf("acme: %s", d)
	}
	if d := diff(sorted(b), scan(t, s, cm.Query{Tenant: "globex"})); d != "" {
		t.Fatalf("globex: %s", d)
	}
	if got := scan(t, s, cm.Query{Tenant: "initech"}); len(got) != 0 {
		t.Fatalf("unknown tenant returned %d events", len(got))
	}
	if cs, ok := s.(cm.ContactScanner); ok {
		for log, err := range cs.ScanContacts(context.Background(), cm.Query{Tenant: "acme"}) {
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range log.Events {
				if e.Tenant != "acme" {
					t.Fatalf("ScanContacts(acme) returned an event of %q", e.Tenant)
				}
			}
		}
	}
}

func testShuffle(t *testing.T, newStore NewStore) {
	evs := append(Events("t1"), Events("t2")...)
	var first []cm.Event
	for seed := uint64(0); seed < 4; seed++ {
		s := newStore(t)
		in := slices.Clone(evs)
		r := rand.New(rand.NewPCG(seed, 99))
		r.Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
		// Random batch sizes, with some events repeated.
		for len(in) > 0 {
			n := 1 + r.IntN(7)
			n = min(n, len(in))
			batch := slices.Clone(in[:n])
			if r.IntN(3) == 0 {
				batch = append(batch, in[0])
			}
			mustAppend(t, s, batch...)
			in = in[n:]
		}
		got := append(scan(t, s, cm.Query{Tenant: "t1"}), scan(t, s, cm.Query{Tenant: "t2"})...)
		if seed == 0 {
			first = got
			continue
		}
		if d := diff(first, got); d != "" {
			t.Fatalf("seed %d gives a different scan: %s", seed, d)
		}
	}
}

func testPartitions(t *testing.T, newStore NewStore) {
	s := newStore(t)
	evs := Events("t1")
	mustAppend(t, s, evs...)
	all := scan(t, s, cm.Query{Tenant: "t1"})
	for _, n := range []int{2, 3} {
		var union []cm.Event
		for p := 0; p < n; p++ {
			part := scan(t, s, cm.Query{Tenant: "t1", Partition: cm.Partition{Index: p, Count: n}})
			for _, e := range part {
				if cm.PartitionOf(e.Contact, n) != p {
					t.Fatalf("partition %d/%d returned contact %q of partition %d", p, n, e.Contact, cm.PartitionOf(e.Contact, n))
				}
			}
			union = append(union, part...)
		}
		if d := diff(all, sorted(union)); d != "" {
			t.Fatalf("partitions of %d do not add up to the whole: %s", n, d)
		}
	}
	if _, err := cm.Collect(context.Background(), s, cm.Query{Tenant: "t1", Partition: cm.Partition{Index: 2, Count: 2}}); err == nil {
		t.Fatal("partition 2 of 2 was accepted")
	}
}

func testContactOrder(t *testing.T, newStore NewStore) {
	s := newStore(t)
	evs := Events("t1")
	mustAppend(t, s, evs...)
	ctx := context.Background()
	q := cm.Query{Tenant: "t1", Range: cm.Range{From: base}, Types: []cm.Type{cm.MessageReceived, cm.MessageSent, cm.PaymentSucceeded}}
	// Expected: Scan grouped by contact (contacts ascending, "" first).
	want := map[string][]string{}
	var contacts []string
	for _, e := range scan(t, s, q) {
		if _, ok := want[e.Contact]; !ok {
			contacts = append(contacts, e.Contact)
		}
		want[e.Contact] = append(want[e.Contact], e.ID)
	}
	slices.Sort(contacts)
	check := func(name string, ordered bool, seq func(func(cm.ContactLog, error) bool)) {
		var got []string
		for log, err := range seq {
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got = append(got, log.Contact)
			if !slices.Equal(ids(log.Events), want[log.Contact]) {
				t.Fatalf("%s: contact %q: got %v, want %v", name, log.Contact, ids(log.Events), want[log.Contact])
			}
		}
		if !ordered {
			slices.Sort(got)
		}
		if !slices.Equal(got, contacts) {
			t.Fatalf("%s: contacts %q, want %q", name, got, contacts)
		}
	}
	check("Contacts", true, cm.Contacts(ctx, s, q))
	if cs, ok := s.(cm.ContactScanner); ok {
		check("ScanContacts", true, cs.ScanContacts(ctx, q))
		check("ScanContacts partition", false, func(yield func(cm.ContactLog, error) bool) {
			for p := 0; p < 2; p++ {
				for log, err := range cs.ScanContacts(ctx, cm.Query{Tenant: q.Tenant, Range: q.Range, Types: q.Types, Partition: cm.Partition{Index: p, Count: 2}}) {
					if err == nil && cm.PartitionOf(log.Contact, 2) != p {
						t.Fatalf("partition %d yielded contact %q", p, log.Contact)
					}
					if !yield(log, err) {
						return
					}
				}
			}
		})
	}
}

func testContextCancel(t *testing.T, newStore NewStore) {
	s := newStore(t)
	evs := Events("t1")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Append(ctx, evs...); !errors.Is(err, context.Canceled) {
		t.Fatalf("Append with a cancelled context: %v, want context.Canceled", err)
	}
	if got := scan(t, s, cm.Query{Tenant: "t1"}); len(got) != 0 {
		t.Fatalf("cancelled Append stored %d events", len(got))
	}
	mustAppend(t, s, evs...)
	if _, err := cm.Collect(ctx, s, cm.Query{Tenant: "t1"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Scan with a cancelled context: %v, want context.Canceled", err)
	}
	if cs, ok := s.(cm.ContactScanner); ok {
		var err error
		for _, e := range cs.ScanContacts(ctx, cm.Query{Tenant: "t1"}) {
			if e != nil {
				err = e
			}
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("ScanContacts with a cancelled context: %v, want context.Canceled", err)
		}
	}
}

func testErrorsSurfaced(t *testing.T, newStore NewStore) {
	s := newStore(t)
	mustAppend(t, s, Events("t1")...)
	ctx := context.Background()
	for _, q := range []cm.Query{{}, {Tenant: "t1", Types: []cm.Type{"message.bogus"}}} {
		n, err := 0, error(nil)
		for _, e := range s.Scan(ctx, q) {
			n++
			if e != nil {
				err = e
			}
		}
		if err == nil {
			t.Fatalf("Scan(%+v) ended without an error", q)
		}
		if q.Tenant == "" && !errors.Is(err, cm.ErrNoTenant) {
			t.Fatalf("Scan without tenant: %v, want ErrNoTenant", err)
		}
	}
}

func testNotRetained(t *testing.T, newStore NewStore) {
	s := newStore(t)
	evs := Events("t1")
	want := sorted(Events("t1"))
	mustAppend(t, s, evs...)
	for i := range evs {
		for k := range evs[i].Attrs {
			evs[i].Attrs[k] = "changed by the caller"
		}
		evs[i].ID = "x"
	}
	got := scan(t, s, cm.Query{Tenant: "t1"})
	for i := range got {
		for k := range got[i].Attrs {
			got[i].Attrs[k] = "changed by a reader"
		}
	}
	if d := diff(want, scan(t, s, cm.Query{Tenant: "t1"})); d != "" {
		t.Fatalf("store shares memory with its callers: %s", d)
	}
}

func testEarlyStop(t *testing.T, newStore NewStore) {
	s := newStore(t)
	mustAppend(t, s, Events("t1")...)
	n := 0
	for _, err := range s.Scan(context.Background(), cm.Query{Tenant: "t1"}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 3 {
			break
		}
	}
	if n != 3 {
		t.Fatalf("stopped after %d", n)
	}
	// The store still works after an abandoned iteration.
	mustAppend(t, s, Events("t2")...)
	if got := scan(t, s, cm.Query{Tenant: "t2"}); len(got) == 0 {
		t.Fatal("no events after an abandoned scan")
	}
}

func testConcurrent(t *testing.T, newStore NewStore) {
	s := newStore(t)
	const writers, perWriter = 4, 200
	var wg sync.WaitGroup
	ctx := context.Background()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				// Writers 0/1 and 2/3 write the same events: duplicates race.
				id := fmt.Sprintf("w%d-%d", w/2, i)
				e := cm.Event{ID: id, Tenant: "t1", Type: cm.MessageReceived, Time: base.Add(time.Duration(i) * time.Second), Contact: fmt.Sprintf("c%d", i%17)}
				if _, err := s.Append(ctx, e); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				prev := time.Time{}
				for e, err := range s.Scan(ctx, cm.Query{Tenant: "t1"}) {
					if err != nil {
						t.Error(err)
						return
					}
					if e.Time.Before(prev) {
						t.Error("scan out of order during concurrent appends")
						return
					}
					prev = e.Time
				}
			}
		}()
	}
	wg.Wait()
	if got := scan(t, s, cm.Query{Tenant: "t1"}); len(got) != 2*perWriter {
		t.Fatalf("stored %d, want %d", len(got), 2*perWriter)
	}
}

func testTenants(t *testing.T, newStore NewStore) {
	s := newStore(t)
	tl, ok := s.(cm.TenantLister)
	if !ok {
		t.Skip("store does not implement TenantLister")
	}
	mustAppend(t, s, Events("zeta")...)
	mustAppend(t, s, Events("alpha")...)
	got, err := tl.Tenants(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "alpha,zeta" {
		t.Fatalf("Tenants() = %q, want [alpha zeta]", got)
	}
}
