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
	acc, err := Fold(ctx, r, q)
	if err != nil {
		return nil, err
	}
	return acc.Result()
}

// Fold reads q's events from r and returns their accumulator, the state
// behind [Attribute]: the payment events of the whole tenant, whatever
// q.Partition (they are about one event in a hundred, and a payment stored
// without a contact, in partition 0, may have been made through a link
// sent to a contact of another partition), matched as [MatchPayments]
// matches them; then the touches of q.Partition's contacts, crediting the
// conversions whose contact (the payment's, else the link's) is in
// q.Partition. Fold each partition, Merge the accumulators and take the
// Result: it is the single-pass answer.
//
// When the partitions are in stores that each hold only their own events,
// match first ([FoldPayments] on every partition, merged) and give the
// Matching to [FoldMatching].
func Fold(ctx context.Context, r cm.Reader, q Query) (*Accumulator, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	def := q.Definition.withDefaults()
	var extra frame.Fields
	if q.Detail {
		extra = frame.Of(frame.Conversation)
	}
	macc, err := readPayments(ctx, r, MatchQuery{Tenant: q.Tenant}, extra)
	if err != nil {
		return nil, err
	}
	acc := newAccumulatorOf(q, macc.conversions(def.ReferenceWindow, q.IncludeTest), q.Partition)
	return acc, acc.foldTouches(ctx, r)
}

// FoldMatching is [Fold] with the payments already matched: m must answer
// the query's tenant with its reference window and test traffic, over a
// range that contains q.Range (conversions outside q.Range change no
// number), and m.Matched must hold every matched payment of that range,
// of every partition (the Result of the merged [MatchAccumulator]s of all
// partitions). The touches of q.Partition are read from r. Errors wrap
// cm.ErrMismatch for a Matching of another question.
func FoldMatching(ctx context.Context, r cm.Reader, q Query, m *Matching) (*Accumulator, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	def := q.Definition.withDefaults()
	mq := &m.Query
	if mq.Tenant != q.Tenant || mq.window() != def.ReferenceWindow || mq.IncludeTest != q.IncludeTest ||
		mq.Range.From.After(q.Range.From) || mq.Range.To.Before(q.Range.To) {
		return nil, fmt.Errorf("attribution: matching: %w: payments of tenant %q over %s (reference window %s, include_test %t) do not answer tenant %q over %s (reference window %s, include_test %t)",
			cm.ErrMismatch, mq.Tenant, mq.Range, mq.window(), mq.IncludeTest, q.Tenant, q.Range, def.ReferenceWindow, q.IncludeTest)
	}
	acc := newAccumulator(q, m, q.Partition)
	return acc, acc.foldTouches(ctx, r)
}

// foldTouches reads the touch frame of the accumulator's query and folds
// it on every core, one accumulator per run, merged into a.
func (a *Accumulator) foldTouches(ctx context.Context, r cm.Reader) error {
	f, err := frame.Get(ctx, r, a.touchSpec())
	if err != nil {
		return fmt.Errorf("attribution: reading touches: %w", err)
	}
	pl := a.plan(f)
	accs := make([]*Accumulator, runtime.GOMAXPROCS(0))
	for i := range accs {
		accs[i] = a.empty()
	}
	n := f.Parallel(len(accs), func(run, lo, hi int) { accs[run].fold(f, pl, lo, hi) })
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, o := range accs[:n] {
		a.mergeState(o)
	}
	return nil
}

// touchSpec returns the frame of touch events the accumulator folds: for
// its query's partition of the tenant, the event types that can carry a
// value of the dimension and be one of the kinds, from Range.From minus
// the lookback to Range.To, with the columns that classify them.
func (a *Accumulator) touchSpec() frame.Spec {
	def := a.q.Definition // with defaults
	r := a.q.Range
	r.From = r.From.Add(-def.Lookback)
	return touchSpec(a.q.Tenant, r, a.q.Partition, def.Dimension, a.kinds)
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
