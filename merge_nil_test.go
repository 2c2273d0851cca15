package convometrics_test

import (
	"errors"
	"testing"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/attribution"
	"github.com/convometrics/convometrics/credits"
	"github.com/convometrics/convometrics/funnel"
	"github.com/convometrics/convometrics/goals"
	"github.com/convometrics/convometrics/session"
)

// Every engine's Merge of a nil accumulator is an error wrapping
// cm.ErrMismatch, not a panic.
func TestMergeNil(t *testing.T) {
	for name, err := range map[string]error{
		"session.Accumulator":             new(session.Accumulator).Merge(nil),
		"funnel.Accumulator":              new(funnel.Accumulator).Merge(nil),
		"funnel.TrendsAccumulator":        new(funnel.TrendsAccumulator).Merge(nil),
		"funnel.TimeToConvertAccumulator": new(funnel.TimeToConvertAccumulator).Merge(nil),
		"funnel.CampaignAccumulator":      new(funnel.CampaignAccumulator).Merge(nil),
		"funnel.CommerceAccumulator":      new(funnel.CommerceAccumulator).Merge(nil),
		"goals.Accumulator":               new(goals.Accumulator).Merge(nil),
		"goals.FlowsAccumulator":          new(goals.FlowsAccumulator).Merge(nil),
		"goals.CompareAccumulator":        new(goals.CompareAccumulator).Merge(nil),
		"attribution.Accumulator":         new(attribution.Accumulator).Merge(nil),
		"attribution.MatchAccumulator":    new(attribution.MatchAccumulator).Merge(nil),
		"credits.Accumulator":             new(credits.Accumulator).Merge(nil),
	} {
		if !errors.Is(err, cm.ErrMismatch) {
			t.Errorf("%s.Merge(nil): %v, want ErrMismatch", name, err)
		}
	}
}
