package demo

import (
	"context"
	"crypto/sha256"
	"fmt"
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

// The workload at 200k events: valid, stored without conflict, covering
// every part of the product, in time order apart from late statuses.
func TestWorkload(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 50_000
	}
	seen := map[string]int{}
	see := func(k string) { seen[k]++ }
	store := memstore.New()
	ctx := context.Background()
	var batch []cm.Event
	var last time.Time
	late, maxLag := 0, time.Duration(0)
	end := Start().AddDate(0, 0, Days+3)
	for e := range Generate(Options{Events: n, Seed: 1}) {
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		if e.Time.Before(Start()) || !e.Time.Before(end) {
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
		see("type " + string(e.Type))
		see("tenant " + e.Tenant)
		see("channel " + string(e.Channel))
		if e.Sender != "" {
			see("sender " + string(e.Sender))
		}
		if e.Status != "" {
			see("status " + string(e.Status))
		}
		if e.ErrorCode != "" {
			see("code " + e.ErrorCode)
		}
		if e.PricingType != "" {
			see("pricing " + e.PricingType + "/" + e.PricingCategory)
		}
		if e.Referral != "" {
			see("referral")
		}
		if e.ReplyTo != "" {
			see("reply_to")
		}
		if e.Translated {
			see("translated")
		}
		if e.Type == cm.AssistSuggestion && e.Final == e.Suggested {
			see("accepted suggestion")
		}
		if e.Type == cm.PaymentSucceeded && e.Link == "" && e.Reference != "" && e.Reference[:4] == "ORD-" {
			see("payment by reference only")
		}
		if e.Type == cm.PaymentSucceeded && e.Reference != "" && e.Reference[:4] == "WEB-" {
			see("payment without link")
		}
		if e.Type == cm.FlowNode && len(e.Attrs) > 0 {
			see("captured variable")
		}
		if e.Type == cm.CampaignTargeted && len(e.Attrs) > 0 {
			see("campaign variables")
		}
		if e.Tenant == "umbrella" && e.Conversation != "" {
			t.Fatalf("umbrella sends no conversation ids, got %s", e.ID)
		}
		batch = append(batch, e)
		if len(batch) == 4096 {
			if _, err := store.Append(ctx, batch...); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	res, err := store.Append(ctx, batch...)
	if err != nil {
		t.Fatal(err)
	}
	if late > n/30 || maxLag > 31*time.Minute {
		t.Errorf("%d late events, up to %v late", late, maxLag)
	}
	for _, k := range []string{
		"tenant acme", "tenant globex", "tenant initech", "tenant umbrella",
		"channel whatsapp", "channel web_widget", "channel test",
		"sender bot", "sender agent", "sender ai", "sender campaign", "sender broadcast",
		"status sent", "status delivered", "status read", "status failed", "status played",
		"code 131047", "code 131049", "code 131050", "code 131026",
		"pricing regular/marketing", "pricing regular/utility", "pricing free_customer_service/service",
		"pricing free_customer_service/utility", "pricing free_entry_point/referral_conversion",
		"referral", "reply_to", "translated", "accepted suggestion", "payment by reference only",
		"payment without link", "captured variable", "campaign variables",
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
	// Every event is stored once; the rest are the re-delivered statuses.
	if st := store.Stats(); st.Events >= n || st.Events < n-n/100 || res.Appended+res.Duplicates != len(batch) {
		t.Errorf("stored %d of %d", st.Events, n)
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
