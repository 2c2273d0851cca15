package whatsapp

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/memstore"
	"github.com/google/go-cmp/cmp"
)

// allSamples returns every sample body, sorted by name.
func allSamples(t testing.TB) [][]byte {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	var out [][]byte
	for _, f := range files {
		out = append(out, readSample(t, filepath.Base(f)))
	}
	return out
}

// ingest parses every body and appends its events, one append per body as
// the handler does, and returns the totals.
func ingest(t testing.TB, p *Parser, s cm.Appender, bodies [][]byte) cm.AppendResult {
	t.Helper()
	var total cm.AppendResult
	for _, b := range bodies {
		res, err := p.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Append(context.Background(), res.Events...)
		if err != nil {
			t.Fatal(err)
		}
		total.Appended += r.Appended
		total.Duplicates += r.Duplicates
	}
	return total
}

func scanAll(t testing.TB, s cm.Reader, tenant string, part cm.Partition) []cm.Event {
	t.Helper()
	evs, err := cm.Collect(context.Background(), s, cm.Query{Tenant: tenant, Partition: part})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// Event counts of all samples, from sampleWant: tenant waba1 has 1+1+1+1+2
// (01–05) + 1+1+2+1+1 (06–10) + 0+1+1+0+1+1 (11–16) + 3 (17, first entry)
// = 6 + 6 + 4 + 3 = 19 events; waba2 has the 4 of 17's second entry.
const (
	samplesWaba1 = 19
	samplesWaba2 = 4
)

func TestRedeliveryAddsNothing(t *testing.T) {
	p := mustParser(t, Options{})
	s := memstore.New()
	bodies := allSamples(t)
	first := ingest(t, p, s, bodies)
	if first.Appended != samplesWaba1+samplesWaba2 || first.Duplicates != 0 {
		t.Fatalf("first delivery: %+v", first)
	}
	again := ingest(t, p, s, bodies)
	if again.Appended != 0 || again.Duplicates != samplesWaba1+samplesWaba2 {
		t.Fatalf("re-delivery: %+v, want 0 appended and %d duplicates", again, samplesWaba1+samplesWaba2)
	}
	if n := len(scanAll(t, s, waba1, cm.Partition{})); n != samplesWaba1 {
		t.Errorf("%d events stored for %s, want %d", n, waba1, samplesWaba1)
	}
}

// TestOrderAndDuplicatesDoNotMatter: the bodies in any order, some twice,
// store exactly the events of the bodies in file order.
func TestOrderAndDuplicatesDoNotMatter(t *testing.T) {
	p := mustParser(t, Options{})
	bodies := allSamples(t)
	ref := memstore.New()
	ingest(t, p, ref, bodies)
	want := scanAll(t, ref, waba1, cm.Partition{})
	want2 := scanAll(t, ref, waba2, cm.Partition{})
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 5; round++ {
		shuffled := append(slices.Clone(bodies), bodies[rng.IntN(len(bodies))], bodies[rng.IntN(len(bodies))])
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		s := memstore.New()
		ingest(t, p, s, shuffled)
		if d := cmp.Diff(want, scanAll(t, s, waba1, cm.Partition{}), cmpOpts); d != "" {
			t.Fatalf("round %d: %s differs (-want +got):\n%s", round, waba1, d)
		}
		if d := cmp.Diff(want2, scanAll(t, s, waba2, cm.Partition{}), cmpOpts); d != "" {
			t.Fatalf("round %d: %s differs:\n%s", round, waba2, d)
		}
	}
}

// TestPartitionsMerge: a contact's events (an order's message and cart, a
// message's statuses) share one contact key, so contact partitions merged
// give the whole.
func TestPartitionsMerge(t *testing.T) {
	s := memstore.New()
	ingest(t, mustParser(t, Options{}), s, allSamples(t))
	all := scanAll(t, s, waba1, cm.Partition{})
	for _, n := range []int{2, 3, 7} {
		var merged []cm.Event
		for i := 0; i < n; i++ {
			merged = append(merged, scanAll(t, s, waba1, cm.Partition{Index: i, Count: n})...)
		}
		slices.SortFunc(merged, func(a, b cm.Event) int { return cm.CompareEvents(&a, &b) })
		if d := cmp.Diff(all, merged, cmpOpts); d != "" {
			t.Fatalf("%d partitions merged differ:\n%s", n, d)
		}
	}
}

// TestTenantsNeverMix routes the same bodies (same contacts, same wamids) to
// two tenants: each sees exactly its own copy.
func TestTenantsNeverMix(t *testing.T) {
	s := memstore.New()
	bodies := allSamples(t)
	ingest(t, mustParser(t, Options{Tenant: "acme"}), s, bodies)
	ingest(t, mustParser(t, Options{Tenant: "globex"}), s, bodies[:5])
	acme := scanAll(t, s, "acme", cm.Partition{})
	globex := scanAll(t, s, "globex", cm.Partition{})
	if len(acme) != samplesWaba1+samplesWaba2 {
		t.Errorf("acme: %d events, want %d", len(acme), samplesWaba1+samplesWaba2)
	}
	// 01–05 give 1+1+1+1+2 = 6 events.
	if len(globex) != 6 {
		t.Errorf("globex: %d events, want 6", len(globex))
	}
	for _, e := range globex {
		if e.Tenant != "globex" {
			t.Errorf("globex scan returned %+v", e)
		}
	}
}

// TestStatusBeforeItsMessage: the host logs its send after WhatsApp's sent
// status arrived; the store orders the facts by time, and a later
// re-delivery of the status changes nothing.
func TestStatusBeforeItsMessage(t *testing.T) {
	s := memstore.New()
	p := mustParser(t, Options{Tenant: "acme"})
	status := readSample(t, "06-status-sent-pmp-marketing-v23.json")
	ingest(t, p, s, [][]byte{status})
	sent := cm.Event{ID: "send-1", Tenant: "acme", Type: cm.MessageSent, Time: at("2026-03-10T14:59:59Z"),
		Channel: cm.ChannelWhatsApp, Contact: "15550002222", Sender: cm.SenderCampaign, Message: "wamid.FAKE_OUTBOUND_MKT_0001"}
	if _, err := s.Append(context.Background(), sent); err != nil {
		t.Fatal(err)
	}
	if r := ingest(t, p, s, [][]byte{status}); r.Appended != 0 || r.Duplicates != 1 {
		t.Errorf("re-delivered status: %+v", r)
	}
	got := scanAll(t, s, "acme", cm.Partition{})
	if len(got) != 2 || got[0].ID != "send-1" || got[1].ID != "wa:wamid.FAKE_OUTBOUND_MKT_0001:sent:1773154800" {
		t.Fatalf("%+v", got)
	}
	// The contact the host uses (digits, no "+") is the contact of the status.
	if got[0].Contact != got[1].Contact || got[0].Message != got[1].Message {
		t.Errorf("send and status do not join: %q/%q and %q/%q", got[0].Contact, got[0].Message, got[1].Contact, got[1].Message)
	}
}

// TestSecondDeliveredUnderAnotherID: a second delivered for one message at
// another second is a distinct event (engines deduplicate per message and
// status); at the same second it is the same event.
func TestSecondDeliveredUnderAnotherID(t *testing.T) {
	s := memstore.New()
	p := mustParser(t, Options{Tenant: "acme"})
	mk := func(ts string) []byte {
		return body(`{` + meta + `,"statuses":[{"id":"wamid.X","status":"delivered","timestamp":"` + ts + `","recipient_id":"15550002222"}]}`)
	}
	r := ingest(t, p, s, [][]byte{mk("100"), mk("100"), mk("160")})
	if r.Appended != 2 || r.Duplicates != 1 {
		t.Errorf("%+v, want 2 appended and 1 duplicate", r)
	}
	got := scanAll(t, s, "acme", cm.Partition{})
	if len(got) != 2 || !got[1].Time.Equal(time.Unix(160, 0)) {
		t.Errorf("%+v", got)
	}
}
