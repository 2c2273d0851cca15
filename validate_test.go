package convometrics_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/storetest"
	"github.com/shopspring/decimal"
)

func TestFixtureIsValid(t *testing.T) {
	for _, e := range storetest.Events("t") {
		if err := e.Validate(); err != nil {
			t.Errorf("%s: %v", e.ID, err)
		}
	}
}

// Each rule, one mutation at a time: the error names the event id and the
// field, and wraps the right sentinel.
func TestValidateRules(t *testing.T) {
	byID := map[string]cm.Event{}
	for _, e := range storetest.Events("t") {
		byID[e.ID] = e
	}
	dec := decimal.RequireFromString
	cases := []struct {
		name   string
		base   string
		mutate func(*cm.Event)
		field  string
		want   error
	}{
		{"no id", "e02", func(e *cm.Event) { e.ID = "" }, "id", cm.ErrRequired},
		{"no tenant", "e02", func(e *cm.Event) { e.Tenant = "" }, "tenant", cm.ErrRequired},
		{"no type", "e02", func(e *cm.Event) { e.Type = "" }, "type", cm.ErrRequired},
		{"unknown type", "e02", func(e *cm.Event) { e.Type = "message.deleted" }, "type", cm.ErrUnknownValue},
		{"zero time", "e02", func(e *cm.Event) { e.Time = time.Time{} }, "time", cm.ErrRequired},
		{"time before 1970", "e02", func(e *cm.Event) { e.Time = time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC) }, "time", cm.ErrInvalidValue},
		{"unknown channel", "e02", func(e *cm.Event) { e.Channel = "sms" }, "channel", cm.ErrUnknownValue},
		{"unknown sender", "e05", func(e *cm.Event) { e.Sender = "robot" }, "sender", cm.ErrUnknownValue},
		{"sent without sender", "e05", func(e *cm.Event) { e.Sender = "" }, "sender", cm.ErrRequired},
		{"received without contact", "e02", func(e *cm.Event) { e.Contact = "" }, "contact", cm.ErrRequired},
		{"status without message", "e06", func(e *cm.Event) { e.Message = "" }, "message", cm.ErrRequired},
		{"status without status", "e06", func(e *cm.Event) { e.Status = "" }, "status", cm.ErrRequired},
		{"bad billable", "e06", func(e *cm.Event) { e.Billable = 7 }, "billable", cm.ErrInvalidValue},
		{"assignment to nobody", "e09", func(e *cm.Event) { e.Agent, e.Team = "", "" }, "agent", cm.ErrRequired},
		{"node without node", "e04", func(e *cm.Event) { e.Node = "" }, "node", cm.ErrRequired},
		{"flow start without flow", "e03", func(e *cm.Event) { e.Flow = "" }, "flow", cm.ErrRequired},
		{"targeted without campaign", "e20", func(e *cm.Event) { e.Campaign = "" }, "campaign", cm.ErrRequired},
		{"cart without currency", "e12", func(e *cm.Event) { e.Currency = "" }, "currency", cm.ErrRequired},
		{"lower-case currency", "e12", func(e *cm.Event) { e.Currency = "try" }, "currency", cm.ErrInvalidValue},
		{"four-letter currency", "e12", func(e *cm.Event) { e.Currency = "EURO" }, "currency", cm.ErrInvalidValue},
		{"negative amount", "e12", func(e *cm.Event) { e.Amount = dec("-1") }, "amount", cm.ErrInvalidValue},
		{"too many decimals", "e12", func(e *cm.Event) { e.Amount = dec("0.0000000000001") }, "amount", cm.ErrInvalidValue},
		{"link without link", "e13", func(e *cm.Event) { e.Link = "" }, "link", cm.ErrRequired},
		{"link of zero", "e13", func(e *cm.Event) { e.Amount = decimal.Zero }, "amount", cm.ErrRequired},
		{"payment without id", "e14", func(e *cm.Event) { e.Payment = "" }, "payment", cm.ErrRequired},
		{"refund without amount", "e15", func(e *cm.Event) { e.Amount = decimal.Decimal{} }, "amount", cm.ErrRequired},
		{"goal without goal", "e19", func(e *cm.Event) { e.Goal = "" }, "goal", cm.ErrRequired},
		{"topup without currency", "e25", func(e *cm.Event) { e.Currency = "" }, "currency", cm.ErrRequired},
		{"suggestion without text", "e10", func(e *cm.Event) { e.Suggested = "" }, "suggested", cm.ErrRequired},
		{"amount without currency", "e11", func(e *cm.Event) { e.Amount = dec("0.05") }, "currency", cm.ErrRequired},
		{"long id", "e02", func(e *cm.Event) { e.Contact = strings.Repeat("x", cm.MaxIDLen+1) }, "contact", cm.ErrInvalidValue},
		{"bad utf-8", "e02", func(e *cm.Event) { e.Agent = "\xff" }, "agent", cm.ErrInvalidValue},
		{"empty attr key", "e02", func(e *cm.Event) { e.Attrs = map[string]string{"": "x"} }, "attrs", cm.ErrInvalidValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := byID[c.base]
			e.Attrs = nil
			c.mutate(&e)
			err := e.Validate()
			var ee *cm.EventError
			if !errors.As(err, &ee) {
				t.Fatalf("got %v, want an *EventError", err)
			}
			if ee.Field != c.field || ee.ID != e.ID || !errors.Is(err, c.want) {
				t.Fatalf("got %v (field %q, id %q), want field %q, id %q, %v", err, ee.Field, ee.ID, c.field, e.ID, c.want)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	e := cm.Event{ID: "e-17", Type: cm.CartAdded, Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Currency: "tl"}
	err := e.Validate()
	got := err.Error()
	for _, want := range []string{`event "e-17": tenant: required`, `event "e-17": contact: required`, `event "e-17": currency: invalid value`} {
		if !strings.Contains(got, want) {
			t.Errorf("error %q lacks %q", got, want)
		}
	}
	// Unknown statuses are kept: the type is open.
	st := cm.Event{ID: "s", Tenant: "t", Type: cm.MessageStatus, Time: time.Unix(1e9, 0), Message: "m", Status: "deleted"}
	if err := st.Validate(); err != nil {
		t.Fatalf("unknown status rejected: %v", err)
	}
}
