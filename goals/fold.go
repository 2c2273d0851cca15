package goals

import (
	"context"
	"fmt"
	"runtime"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// accumulator is what each question folds: [*Accumulator],
// [*FlowsAccumulator] and [*CompareAccumulator].
type accumulator[A any] interface {
	// spec is the frame the accumulator folds.
	spec() frame.Spec
	// add folds one contact group of a frame built with spec.
	add(f *frame.Frame, g int)
	Merge(o A) error
	// fresh returns an empty accumulator for the same query.
	fresh() A
}

// foldAll folds a's question over r into a: it reads the frame a needs,
// folds it on all cores into fresh accumulators and merges them into a,
// which it returns. A store error is returned wrapped, with no
// accumulator.
func foldAll[A accumulator[A]](ctx context.Context, r cm.Reader, a A) (A, error) {
	var none A
	f, err := frame.Get(ctx, r, a.spec())
	if err != nil {
		return none, fmt.Errorf("goals: %w", err)
	}
	parts, err := fold(ctx, f, a.fresh, A.add)
	if err != nil {
		return none, err
	}
	for _, p := range parts {
		if err := a.Merge(p); err != nil {
			return none, err
		}
	}
	return a, nil
}

// fold adds every contact group of f to accumulators made by fresh, one per
// run of groups, on both cores (frame.Parallel), and returns them for
// merging. It stops early, returning ctx.Err(), when ctx is done; otherwise
// every run has finished and left its accumulator.
func fold[A any](ctx context.Context, f *frame.Frame, fresh func() A, add func(A, *frame.Frame, int)) ([]A, error) {
	parts := make([]A, runtime.GOMAXPROCS(0))
	n := f.Parallel(len(parts), func(run, lo, hi int) {
		p := fresh()
		for g := lo; g < hi; g++ {
			if (g-lo)&1023 == 1023 && ctx.Err() != nil {
				return
			}
			add(p, f, g)
		}
		parts[run] = p
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return parts[:n], nil
}
