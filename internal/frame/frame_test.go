package frame_test

import (
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
	"github.com/shopspring/decimal"
)

func TestBuilderOrdersAndGroups(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	big := decimal.RequireFromString("123456789012345678901.5")
	evs := []cm.Event{
		{ID: "b2", Tenant: "t", Type: cm.MessageSent, Time: at(5), Contact: "bob", Sender: cm.SenderAgent, Agent: "ann"},
		{ID: "a1", Tenant: "t", Type: cm.MessageReceived, Time: at(1), Contact: "amy", Attrs: map[string]string{"k": "v", "x": "ü"}},
		{ID: "b1", Tenant: "t", Type: cm.CartAdded, Time: at(5), Contact: "bob", Amount: decimal.RequireFromString("12.50"), Currency: "EUR"},
		{ID: "n1", Tenant: "t", Type: cm.CreditsTopup, Time: at(9), Amount: big, Currency: "USD"},
		{ID: "other", Tenant: "u", Type: cm.CreditsTopup, Time: at(9), Amount: big, Currency: "USD"},
	}
	f := frame.FromEvents(frame.Spec{Query: cm.Query{Tenant: "t"}, Fields: frame.Of(frame.Agent, frame.Currency, frame.ID), Amount: true, Attrs: true}, evs)
	// Rows: "" (n1), amy (a1), bob (b1 before b2: same time, id order).
	wantIDs := []string{"n1", "a1", "b1", "b2"}
	if f.Len() != len(wantIDs) {
		t.Fatalf("%d rows, want %d", f.Len(), len(wantIDs))
	}
	for r, id := range wantIDs {
		if got := f.Str(frame.ID, r); got != id {
			t.Errorf("row %d: id %q, want %q", r, got, id)
		}
	}
	if f.NumGroups() != 3 {
		t.Fatalf("%d groups, want 3", f.NumGroups())
	}
	if lo, hi := f.Group(2); lo != 2 || hi != 4 || f.ContactOf(lo) != "bob" {
		t.Errorf("group 2 = [%d, %d) of %q, want [2, 4) of bob", lo, hi, f.ContactOf(lo))
	}
	if !f.Amount(0).Equal(big) || !f.Amount(2).Equal(decimal.RequireFromString("12.5")) || f.HasAmount(1) {
		t.Errorf("amounts %s %s %s", f.Amount(0), f.Amount(1), f.Amount(2))
	}
	if v, ok := f.Attr(1, "x"); !ok || v != "ü" {
		t.Errorf("Attr(1, x) = %q, %v", v, ok)
	}
	if _, ok := f.Attr(2, "x"); ok {
		t.Error("row 2 has no attrs")
	}
	if f.Str(frame.Agent, 3) != "ann" || f.Str(frame.Agent, 2) != "" {
		t.Error("agent column wrong")
	}
	if _, ok := f.Lookup(frame.Agent, "nobody"); ok {
		t.Error("Lookup of an absent value succeeded")
	}
	defer func() {
		if recover() == nil {
			t.Error("Col of a column not in the spec did not panic")
		}
	}()
	f.Col(frame.Team)
}
