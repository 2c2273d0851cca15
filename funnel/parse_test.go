package funnel_test

import (
	"errors"
	"testing"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/funnel"
	"github.com/google/go-cmp/cmp"
)

func TestParseSteps(t *testing.T) {
	got, err := funnel.ParseSteps("message.sent[sender=campaign,campaign~bf|cyber], message.received[!reply_to] ,flow.started[attrs.size?]?,cart.added[amount>=100,currency!=USD,flow!~a|b],payment.succeeded[amount<5.5]")
	if err != nil {
		t.Fatal(err)
	}
	want := []funnel.Step{
		{Type: cm.MessageSent, Where: []funnel.Match{{Field: "sender", Op: funnel.Eq, Value: "campaign"}, {Field: "campaign", Op: funnel.In, Values: []string{"bf", "cyber"}}}},
		{Type: cm.MessageReceived, Where: []funnel.Match{{Field: "reply_to", Op: funnel.NotSet}}},
		{Type: cm.FlowStarted, Optional: true, Where: []funnel.Match{{Field: "attrs.size", Op: funnel.Set}}},
		{Type: cm.CartAdded, Where: []funnel.Match{{Field: "amount", Op: funnel.Gte, Value: "100"}, {Field: "currency", Op: funnel.Ne, Value: "USD"},
			{Field: "flow", Op: funnel.NotIn, Values: []string{"a", "b"}}}},
		{Type: cm.PaymentSucceeded, Where: []funnel.Match{{Field: "amount", Op: funnel.Lt, Value: "5.5"}}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	// Labels print the filters back in the same syntax.
	for i, s := range got {
		back, err := funnel.ParseStep(s.Label())
		if err != nil || !cmp.Equal(back.Where, s.Where) || back.Type != s.Type {
			t.Errorf("step %d: label %q reads back as %+v (%v)", i, s.Label(), back, err)
		}
	}
	for _, bad := range []string{"cart", "cart.added[flow=a", "cart.added]", "cart.added[=x]", "[x=1]", "cart.added[flow]"} {
		if _, err := funnel.ParseSteps(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := funnel.ParseSteps("cart"); !errors.Is(err, cm.ErrUnknownValue) {
		t.Errorf("unknown type: %v", err)
	}
}

func TestParseExclusionAndWindow(t *testing.T) {
	x, err := funnel.ParseExclusion("conversation.handoff[team=support]@1-3")
	if err != nil || x.Type != cm.ConversationHandoff || x.FromStep != 0 || x.ToStep != 2 || len(x.Where) != 1 {
		t.Errorf("exclusion %+v %v", x, err)
	}
	x, err = funnel.ParseExclusion("conversation.handoff")
	if err != nil || x.FromStep != 0 || x.ToStep != 0 {
		t.Errorf("whole-funnel exclusion %+v %v", x, err)
	}
	for _, bad := range []string{"conversation.handoff@2-1", "conversation.handoff@0-1", "conversation.handoff@x"} {
		if _, err := funnel.ParseExclusion(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for in, want := range map[string]funnel.Window{"7d": {Value: 7, Unit: funnel.Day}, "24h": {Value: 24, Unit: funnel.Hour},
		"90s": {Value: 90, Unit: funnel.Second}, "2w": {Value: 2, Unit: funnel.Week}, "1mo": {Value: 1, Unit: funnel.Month}, "3 days": {Value: 3, Unit: funnel.Day}} {
		if got, err := funnel.ParseWindow(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "d", "0d", "-1d", "7y"} {
		if _, err := funnel.ParseWindow(bad); err == nil {
			t.Errorf("window %q accepted", bad)
		}
	}
	// A month is 31 days, a week 7.
	if d := (funnel.Window{Value: 1, Unit: funnel.Month}).Duration(); d.Hours() != 31*24 {
		t.Errorf("month %v", d)
	}
	if d := (funnel.Window{}).Duration(); d.Hours() != 14*24 {
		t.Errorf("default window %v", d)
	}
	if a, n, err := funnel.ParseAttribution("step_2"); err != nil || a != funnel.StepAttribution || n != 2 {
		t.Errorf("step_2: %v %d %v", a, n, err)
	}
}

// FuzzParseSteps checks that no step text makes the parser or the
// validation panic, and that what parses and validates prints back to the
// same steps.
func FuzzParseSteps(f *testing.F) {
	for _, s := range []string{"message.received,cart.added", "message.sent[sender=campaign,campaign~a|b],cart.added[amount>=1.5]?,payment.succeeded",
		"flow.node[!node,attrs.x?]", "a[b[c]]", "cart.added[", "]", ",", "cart.added[amount<=x]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		steps, err := funnel.ParseSteps(s)
		if err != nil {
			return
		}
		d := funnel.Definition{Steps: steps}
		if d.Validate() != nil {
			return
		}
		for _, st := range steps {
			if st.Optional {
				continue
			}
			back, err := funnel.ParseStep(st.Label())
			if err != nil || back.Type != st.Type || len(back.Where) != len(st.Where) {
				t.Errorf("%q: label %q reads back as %+v, %v", s, st.Label(), back, err)
			}
		}
	})
}
