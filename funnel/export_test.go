package funnel

import "github.com/convometrics/convometrics/internal/frame"

// SpecOf returns the frame spec [Steps] reads for q (the benchmarks count
// its rows).
func SpecOf(q Query) (frame.Spec, error) {
	c, err := compile(q)
	if err != nil {
		return frame.Spec{}, err
	}
	return c.spec, nil
}
