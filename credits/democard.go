package credits

import (
	"bytes"
	_ "embed"
)

//go:embed testdata/example_card.json
var exampleCardJSON []byte

// DemoCard returns the example rate card shipped in testdata
// (example_card.json, also as example_card.csv): USD prices for
// WhatsApp's markets and categories from 2025-07-01, with India's utility
// and authentication in tiers, a 2026-07-01 update for two Latin American
// markets, service messages charged from 2026-10-01, and the default rule
// sets. Its prices are illustrative, loosely based on public third-party
// tables; the card is marked Example and results priced with it say so.
// It is meant for the demo workload and for trying the package, never for
// invoices. Each call returns a new card.
func DemoCard() *RateCard {
	c, err := ParseCardJSON(bytes.NewReader(exampleCardJSON))
	if err != nil {
		panic("credits: the embedded example card is invalid: " + err.Error()) // a build defect, caught by the tests
	}
	return c
}
