package attribution

import (
	"context"
	"iter"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/memstore"
	"github.com/shopspring/decimal"
)

// t0 is the reference instant of the fixtures: Thursday 2026-10-01 12:00 UTC.
var t0 = time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// at returns t0 + d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// dec parses a decimal or fails the test binary.
func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// fixture numbers events and fills in the tenant.
type fixture struct {
	tenant string
	n      int
	events []cm.Event
}

func (f *fixture) add(e cm.Event) *fixture {
	f.n++
	if e.ID == "" {
		e.ID = "e" + pad(f.n)
	}
	if e.Tenant == "" {
		e.Tenant = f.tenant
	}
	f.events = append(f.events, e)
	return f
}

func pad(n int) string {
	s := []byte{'0', '0', '0', '0'}
	for i := 3; i >= 0 && n > 0; i-- {
		s[i] = byte('0' + n%10)
		n /= 10
	}
	return string(s)
}

// newStore stores events in a fresh memstore.
func newStore(t testing.TB, events []cm.Event) *memstore.Store {
	t.Helper()
	s := memstore.New()
	if _, err := s.Append(context.Background(), events...); err != nil {
		t.Fatal(err)
	}
	return s
}

// scanOnly hides every optional interface of a store, so that engines take
// the generic path (frames built by a scan).
type scanOnly struct{ r cm.Reader }

func (s scanOnly) Scan(ctx context.Context, q cm.Query) iter.Seq2[cm.Event, error] {
	return s.r.Scan(ctx, q)
}

// failingReader fails every scan.
type failingReader struct{ err error }

func (f failingReader) Scan(ctx context.Context, q cm.Query) iter.Seq2[cm.Event, error] {
	return func(yield func(cm.Event, error) bool) { yield(cm.Event{}, f.err) }
}
