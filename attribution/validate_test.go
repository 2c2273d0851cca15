package attribution

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
)

func TestDefinitionValidate(t *testing.T) {
	neg, big, nan := -0.1, 0.7, math.NaN()
	for _, c := range []struct {
		def  Definition
		want error
		text string
	}{
		{Definition{Model: "first_click"}, cm.ErrUnknownValue, `attribution: model: unknown value: "first_click"`},
		{Definition{Model: "Linear"}, cm.ErrUnknownValue, `model: unknown value: "Linear"`},
		{Definition{Dimension: "colour"}, cm.ErrUnknownValue, `attribution: dimension: unknown value: "colour"`},
		{Definition{Lookback: -time.Hour}, cm.ErrInvalidValue, "attribution: lookback: invalid value: -1h0m0s is negative"},
		{Definition{HalfLife: -1}, cm.ErrInvalidValue, "half_life: invalid value"},
		{Definition{ReferenceWindow: -1}, cm.ErrInvalidValue, "reference_window: invalid value"},
		{Definition{FirstShare: &neg}, cm.ErrInvalidValue, "first_share: invalid value: -0.1 is not in [0, 1]"},
		{Definition{LastShare: &nan}, cm.ErrInvalidValue, "last_share: invalid value: NaN"},
		{Definition{FirstShare: &big}, cm.ErrInvalidValue, "first_share + last_share: invalid value: 0.7 + 0.4 is more than 1"},
		{Definition{Kinds: []Kind{CampaignSend, "pigeon"}}, cm.ErrUnknownValue, `kinds[1]: unknown value: "pigeon"`},
	} {
		err := c.def.Validate()
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%+v: %v, want %v naming %q", c.def, err, c.want, c.text)
		}
	}
	if err := (Definition{}).Validate(); err != nil {
		t.Errorf("the zero definition: %v", err)
	}
	// Several problems are reported together.
	err := Definition{Model: "x", Lookback: -1}.Validate()
	if !errors.Is(err, cm.ErrUnknownValue) || !errors.Is(err, cm.ErrInvalidValue) {
		t.Errorf("joined: %v", err)
	}
}

func TestQueryValidate(t *testing.T) {
	r := cm.Range{From: t0, To: t0.Add(day)}
	for _, c := range []struct {
		q    Query
		want error
		text string
	}{
		{Query{Range: r}, cm.ErrNoTenant, "attribution: tenant"},
		{Query{Tenant: "t"}, cm.ErrEmptyRange, "attribution: range"},
		{Query{Tenant: "t", Range: cm.Range{From: t0}}, cm.ErrEmptyRange, "range"},
		{Query{Tenant: "t", Range: r, Granularity: "fortnight"}, cm.ErrUnknownValue, `granularity: unknown value: "fortnight"`},
		{Query{Tenant: "t", Range: r, Definition: Definition{Model: "magic"}}, cm.ErrUnknownValue, "model"},
	} {
		_, err := Attribute(context.Background(), newStore(t, nil), c.q)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%+v: %v, want %v naming %q", c.q, err, c.want, c.text)
		}
		if _, err := NewAccumulator(c.q, &Matching{}, cm.Partition{}); !errors.Is(err, c.want) {
			t.Errorf("NewAccumulator %+v: %v", c.q, err)
		}
	}
	if _, err := NewAccumulator(Query{Tenant: "t", Range: r}, &Matching{}, cm.Partition{Index: 3, Count: 2}); !errors.Is(err, cm.ErrInvalidValue) {
		t.Errorf("bad partition: %v", err)
	}
}

func TestAttributeStoreErrors(t *testing.T) {
	boom := errors.New("disk on fire")
	q := Query{Tenant: "t", Range: cm.Range{From: t0, To: t0.Add(day)}}
	if _, err := Attribute(context.Background(), failingReader{boom}, q); !errors.Is(err, boom) || !strings.Contains(err.Error(), "attribution: reading payments") {
		t.Errorf("store error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Attribute(ctx, newStore(t, anchorJourney().events), q); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if _, err := MatchPayments(ctx, newStore(t, anchorJourney().events), MatchQuery{Tenant: "t"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled matching: %v", err)
	}
}

func TestTooManyMarkovStates(t *testing.T) {
	rows := make([]PathRow, MaxMarkovStates+1)
	for i := range rows {
		rows[i] = PathRow{Path: []string{fmt.Sprint("c", i)}, Conversions: 1, Value: dec("1")}
	}
	if _, err := AttributePaths(rows); !errors.Is(err, ErrTooManyStates) {
		t.Errorf("%d channels: %v", len(rows), err)
	}
	if _, err := AttributePaths(rows[:50]); err != nil {
		t.Errorf("50 channels: %v", err)
	}
}
