package goals_test

import (
	"context"
	"errors"
	"iter"
	"os"
	"testing"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/goals"
)

// failing is a store whose scans fail after a few events.
type failing struct {
	r   cm.Reader
	err error
}

func (s failing) Scan(ctx context.Context, q cm.Query) iter.Seq2[cm.Event, error] {
	return func(yield func(cm.Event, error) bool) {
		n := 0
		for e, err := range s.r.Scan(ctx, q) {
			if err != nil || n == 3 {
				yield(cm.Event{}, s.err)
				return
			}
			n++
			if !yield(e, nil) {
				return
			}
		}
	}
}

func TestStoreErrorsAndCancellation(t *testing.T) {
	s := runsFixture().store(t)
	boom := errors.New("disk on fire")
	bad := failing{s, boom}
	ctx := context.Background()
	gs := []goals.Goal{goals.PaymentSucceededGoal()}
	if _, err := goals.Conversions(ctx, bad, goals.Query{Tenant: "t", Range: days(1, 30), Goals: gs}); !errors.Is(err, boom) {
		t.Errorf("Conversions: %v, want the store's error", err)
	}
	if _, err := goals.Flows(ctx, bad, goals.FlowsQuery{Tenant: "t", Range: days(1, 30)}); !errors.Is(err, boom) {
		t.Errorf("Flows: %v, want the store's error", err)
	}
	if _, err := goals.CompareVersions(ctx, bad, goals.CompareQuery{Tenant: "t", Range: days(1, 30), Flow: "shop"}); !errors.Is(err, boom) {
		t.Errorf("CompareVersions: %v, want the store's error", err)
	}
	if _, err := goals.DefaultGoals(ctx, bad, "t", days(1, 30)); !errors.Is(err, boom) {
		t.Errorf("DefaultGoals: %v, want the store's error", err)
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := goals.Flows(done, s, goals.FlowsQuery{Tenant: "t", Range: days(1, 30)}); !errors.Is(err, context.Canceled) {
		t.Errorf("Flows with a cancelled context: %v", err)
	}
	if _, err := goals.Conversions(done, scanOnly{s}, goals.Query{Tenant: "t", Range: days(1, 30), Goals: gs}); !errors.Is(err, context.Canceled) {
		t.Errorf("Conversions with a cancelled context: %v", err)
	}
}

// TestDefaultGoals: one goal per goal.reached name, payment_succeeded
// when paid, the completion of each flow; test traffic left out. Each
// description says what is counted: conversations with the event.
func TestDefaultGoals(t *testing.T) {
	var fx fixture
	fx.script("c", "", t0, "U S:shop:v1 N:shop:a C:shop booked U signup")
	fx.script("d", "", t0, "U S:care:v1 zzz")
	fx.events[len(fx.events)-1].Channel = cm.ChannelTest // zzz is test traffic
	fx.add(cm.Event{Type: cm.PaymentSucceeded, Time: mins(9), Payment: "p", Amount: dec("1"), Currency: "EUR"})
	gs, err := goals.DefaultGoals(context.Background(), fx.store(t), "t", days(1, 30))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range gs {
		names = append(names, g.Name)
	}
	if got, want := names, []string{"booked", "signup", "payment_succeeded", "completed:care", "completed:shop"}; !equalStrings(got, want) {
		t.Errorf("default goals %q, want %q", got, want)
	}
	for i, want := range []string{
		"conversations with a goal.reached event of goal booked",
		"conversations with a goal.reached event of goal signup",
		"conversations with a payment.succeeded event, matched to a payment link or not",
		"conversations with a flow.completed event of flow care",
		"conversations with a flow.completed event of flow shop",
	} {
		if i < len(gs) && gs[i].Description != want {
			t.Errorf("%s: description %q, want %q", gs[i].Name, gs[i].Description, want)
		}
	}
	if err := goals.ValidateGoals(gs); err != nil {
		t.Error(err)
	}
	if _, err := goals.DefaultGoals(context.Background(), fx.store(t), "", days(1, 30)); !errors.Is(err, cm.ErrNoTenant) {
		t.Errorf("no tenant: %v", err)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzParseGoals: no input makes parsing, validation or evaluation panic.
func FuzzParseGoals(f *testing.F) {
	for _, name := range []string{"testdata/demo_goals.json", "testdata/bad_goals.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`[{"name":"x","when":{"seq":[{"never":{"goal":"a"}},{"any":[{"goal":"b"},{"node":{"flow":"f","node":"n"}}]},{"never":{"goal":"c"}}]}}]`))
	var fx fixture
	fx.script("c", "", t0, "U a S:f:v1 N:f:n b c U")
	s := fx.store(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		gs, err := goals.ParseGoals(bytesReader(data))
		if err != nil {
			return
		}
		if _, err := goals.Conversions(context.Background(), s, goals.Query{Tenant: "t", Range: days(1, 30), Goals: gs}); err != nil {
			t.Fatalf("valid goals %s: %v", data, err)
		}
	})
}
