package goals_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/memstore"
	"github.com/shopspring/decimal"
)

// t0 is the start of most fixtures: Monday 2026-11-02 09:00 UTC.
var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// min returns t0 plus m minutes.
func mins(m float64) time.Time { return t0.Add(time.Duration(m * float64(time.Minute))) }

// fixture collects events, numbering their ids and filling the tenant.
type fixture struct {
	events []cm.Event
}

func (fx *fixture) add(es ...cm.Event) {
	for _, e := range es {
		if e.ID == "" {
			e.ID = fmt.Sprintf("e%04d", len(fx.events)+1)
		}
		if e.Tenant == "" {
			e.Tenant = "t"
		}
		fx.events = append(fx.events, e)
	}
}

// store returns a memstore holding the fixture's events.
func (fx *fixture) store(t testing.TB) *memstore.Store {
	t.Helper()
	s := memstore.New()
	if _, err := s.Append(context.Background(), fx.events...); err != nil {
		t.Fatal(err)
	}
	return s
}

// script adds one contact's events from tokens, one per minute from start:
// U is an inbound message, R a resolution, S:flow:version a flow start,
// N:flow:node a flow node, C:flow a completion, any other word a goal.reached
// with that goal. conv, when set, is the host conversation id of every
// event.
func (fx *fixture) script(contact, conv string, start time.Time, tokens string) {
	for i, tok := range strings.Fields(tokens) {
		e := cm.Event{Contact: contact, Conversation: conv, Time: start.Add(time.Duration(i) * time.Minute)}
		parts := strings.Split(tok, ":")
		if len(parts) == 1 && tok != "U" && tok != "R" {
			parts[0] = "goal"
		}
		switch parts[0] {
		case "U":
			e.Type = cm.MessageReceived
		case "R":
			e.Type = cm.ConversationResolved
		case "S":
			e.Type, e.Flow, e.FlowVersion = cm.FlowStarted, parts[1], parts[2]
		case "N":
			e.Type, e.Flow, e.Node = cm.FlowNode, parts[1], parts[2]
		case "C":
			e.Type, e.Flow = cm.FlowCompleted, parts[1]
		default:
			e.Type, e.Goal = cm.GoalReached, tok
		}
		fx.add(e)
	}
}

// day is the range of whole UTC days from d0 to d1 inclusive (November 2026).
func days(d0, d1 int) cm.Range {
	return cm.Range{From: time.Date(2026, 11, d0, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, d1+1, 0, 0, 0, 0, time.UTC)}
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
