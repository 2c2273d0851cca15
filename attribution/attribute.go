package attribution

import (
	"context"
	"fmt"
	"runtime"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// Attribute credits the tenant's conversions in q.Range (successful
// payments matched to a payment link, see [MatchPayments]) to the values
// of q.Definition.Dimension on the touches before them, under
// q.Definition.Model. The package documentation defines every number.
func Attribute(ctx context.Context, r cm.Reader, q Query) (*Result, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	def := q.Definition.withDefaults()
	var extra frame.Fields
	if q.Detail {
		extra = frame.Of(frame.Conversation)
	}
	macc, err := readPayments(ctx, r, q.Tenant, cm.Partition{}, extra)
	if err != nil {
		return nil, err
	}
	acc := newAccumulatorOf(q, macc.conversions(def.ReferenceWindow, q.IncludeTest), cm.Partition{})
	f, err := frame.Get(ctx, r, TouchSpec(q, cm.Partition{}))
	if err != nil {
		return nil, fmt.Errorf("attribution: reading touches: %w", err)
	}
	pl := acc.plan(f)
	accs := make([]*Accumulator, runtime.GOMAXPROCS(0))
	for i := range accs {
		accs[i] = acc.empty()
	}
	n := f.Parallel(len(accs), func(run, lo, hi int) { accs[run].fold(f, pl, lo, hi) })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, o := range accs[:n] {
		acc.Merge(o)
	}
	return acc.Result()
}

// TouchSpec returns the frame of touch events that an [Accumulator] for q
// folds: for partition p of the tenant, the event types that can carry a
// value of the dimension and be one of the kinds, from q.Range.From minus
// the lookback to q.Range.To, with the columns that classify them.
func TouchSpec(q Query, p cm.Partition) frame.Spec {
	def := q.Definition.withDefaults()
	r := q.Range
	if !r.From.IsZero() {
		r.From = r.From.Add(-def.Lookback)
	}
	return touchSpec(q.Tenant, r, p, def.Dimension, kindsOf(def.Kinds))
}

// empty returns an accumulator for the same query and conversions, with no
// journeys yet.
func (a *Accumulator) empty() *Accumulator {
	return &Accumulator{
		q: a.q, kinds: a.kinds, lookback: a.lookback, from: a.from, to: a.to, data: a.data,
		owned: a.owned, index: map[string]int32{},
		nullTrans: map[[2]int32]int64{}, nullSets: map[string]int64{},
	}
}
