package goals

import (
	"context"
	"runtime"

	"github.com/convometrics/convometrics/internal/frame"
)

// fold adds every contact group of f to accumulators made by fresh, one per
// run of groups, on both cores (frame.Parallel), and returns them for
// merging. It stops early, returning ctx.Err(), when ctx is done.
func fold[T any](ctx context.Context, f *frame.Frame, fresh func() *T, add func(*T, *frame.Frame, int)) ([]*T, error) {
	workers := runtime.GOMAXPROCS(0)
	parts := make([]*T, workers)
	f.Parallel(workers, func(run, lo, hi int) {
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
	out := parts[:0]
	for _, p := range parts {
		if p != nil {
			out = append(out, p)
		}
	}
	return out, nil
}
