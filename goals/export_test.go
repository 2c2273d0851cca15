package goals

import (
	"context"
	"fmt"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// Hooks for the external tests and benchmarks into the frame protocol the
// package keeps unexported (its API is Fold, Merge and Result).

// sequential folds a's frame into a with one accumulator, adding every
// contact group in order: no parallel fold, no merge.
func sequential[A accumulator[A]](ctx context.Context, r cm.Reader, a A, err error) (A, error) {
	var none A
	if err != nil {
		return none, err
	}
	f, err := frame.Get(ctx, r, a.spec())
	if err != nil {
		return none, err
	}
	for g := range f.NumGroups() {
		a.add(f, g)
	}
	return a, nil
}

// SequentialConversions, SequentialFlows and SequentialCompare answer the
// three questions with one accumulator each, folding the contact groups in
// order on one goroutine.
func SequentialConversions(ctx context.Context, r cm.Reader, q Query) (*Result, error) {
	a, err := newAccumulator(q)
	a, err = sequential(ctx, r, a, err)
	if err != nil {
		return nil, err
	}
	return a.Result(), nil
}

func SequentialFlows(ctx context.Context, r cm.Reader, q FlowsQuery) (*FlowsResult, error) {
	a, err := newFlowsAccumulator(q)
	a, err = sequential(ctx, r, a, err)
	if err != nil {
		return nil, err
	}
	return a.Result(), nil
}

func SequentialCompare(ctx context.Context, r cm.Reader, q CompareQuery) (*Comparison, error) {
	a, err := newCompareAccumulator(q)
	a, err = sequential(ctx, r, a, err)
	if err != nil {
		return nil, err
	}
	return a.Result(), nil
}

// SpecOf returns the frame spec the accumulator of q (a Query, FlowsQuery
// or CompareQuery) reads.
func SpecOf(q any) (frame.Spec, error) {
	switch q := q.(type) {
	case Query:
		a, err := newAccumulator(q)
		if err != nil {
			return frame.Spec{}, err
		}
		return a.spec(), nil
	case FlowsQuery:
		a, err := newFlowsAccumulator(q)
		if err != nil {
			return frame.Spec{}, err
		}
		return a.spec(), nil
	case CompareQuery:
		a, err := newCompareAccumulator(q)
		if err != nil {
			return frame.Spec{}, err
		}
		return a.spec(), nil
	}
	return frame.Spec{}, fmt.Errorf("SpecOf(%T)", q)
}

// FlowsFolder returns a function adding every contact group of f to one
// flows accumulator for q, for the fold benchmark.
func FlowsFolder(q FlowsQuery) (func(f *frame.Frame), error) {
	a, err := newFlowsAccumulator(q)
	if err != nil {
		return nil, err
	}
	return func(f *frame.Frame) {
		for g := range f.NumGroups() {
			a.add(f, g)
		}
	}, nil
}
