package attribution

import (
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/shopspring/decimal"
)

// Result is the answer of [Attribute].
type Result struct {
	// Query is the query answered, its definition with every default
	// filled in, without its Partition (the accumulators of every
	// partition merge into one answer).
	Query Query `json:"query"`
	// Totals are over every conversion in the range.
	Totals Totals `json:"totals"`
	// Rows hold the credit of each value of the dimension, most
	// conversions first (ties by value); the row with the empty value
	// ("(none)" in tables) holds the conversions whose journey has no
	// touch with a value. The rows' conversions add up to
	// Totals.Conversions and their revenue to Totals.Revenue exactly, in
	// every currency.
	Rows []Row `json:"rows"`
	// Series is the total per bucket of conversion time, in the query's
	// calendar.
	Series cm.Series[Credited] `json:"series"`
	// Conversions is the per-conversion credit, when the query asks for
	// Detail, in order of (time, payment id).
	Conversions []Conversion `json:"conversions,omitempty"`
	// Markov is the fitted chain, for the Markov model.
	Markov *MarkovResult `json:"markov,omitempty"`
	// Shapley is the coalition game, for the Shapley model.
	Shapley *ShapleyResult `json:"shapley,omitempty"`
	// Warnings note results to read with care (a data-driven model fitted
	// on few conversions).
	Warnings []string `json:"warnings,omitempty"`
}

// Totals sums a [Result].
type Totals struct {
	// Conversions is the number of matched payments in the range;
	// ByCurrency splits it by the payments' currency.
	Conversions int            `json:"conversions"`
	ByCurrency  map[string]int `json:"conversions_by_currency"`
	// Gross, Refunded and Revenue (= Gross − Refunded) are their amounts.
	Gross    cm.Amounts `json:"gross"`
	Refunded cm.Amounts `json:"refunded"`
	Revenue  cm.Amounts `json:"revenue"`
	// Unattributed counts the conversions without any touch (credited to
	// the empty value).
	Unattributed int `json:"unattributed"`
	// Touches is the number of touches in the conversions' journeys.
	Touches int `json:"touches"`
	// NullJourneys is the number of non-converting journeys the
	// data-driven models learned from (0 for rule-based models).
	NullJourneys int `json:"null_journeys"`
}

// Credited is what a value (or everything) earned: fractional conversions
// and revenue per currency.
type Credited struct {
	Conversions float64    `json:"conversions"`
	Revenue     cm.Amounts `json:"revenue"`
}

// Row is the credit of one value of the dimension.
type Row struct {
	// Value is the dimension value; "" collects conversions without a
	// touch.
	Value string `json:"value"`
	// Conversions is the sum of the value's credit over all conversions;
	// Revenue the sum of its revenue parts, per currency.
	Conversions float64    `json:"conversions"`
	Revenue     cm.Amounts `json:"revenue"`
	// ByCurrency splits Conversions by the currency of the payments.
	ByCurrency map[string]float64 `json:"conversions_by_currency"`
	// Touches counts the value's touches in converting journeys.
	Touches int `json:"touches"`
	// Series is the value's credit per bucket of conversion time.
	Series cm.Series[Credited] `json:"series"`
}

// Conversion is one conversion's journey and credit.
type Conversion struct {
	Payment      string          `json:"payment"`
	Time         time.Time       `json:"time"`
	Contact      string          `json:"contact,omitempty"`
	Link         string          `json:"link"`
	By           MatchKind       `json:"by"`
	Conversation string          `json:"conversation,omitempty"`
	Currency     string          `json:"currency"`
	Amount       decimal.Decimal `json:"amount"`
	Refunded     decimal.Decimal `json:"refunded"`
	Revenue      decimal.Decimal `json:"revenue"`
	// Path is the journey: the touches that earn credit, in (time, event
	// id) order.
	Path []Touch `json:"path"`
	// Credits is the credit per value, in order of the value's first
	// touch; weights add up to 1 and revenue parts to Revenue.
	Credits []Credit `json:"credits"`
}

// Touch is one touch of a journey.
type Touch struct {
	Time  time.Time `json:"time"`
	Kind  Kind      `json:"kind"`
	Value string    `json:"value"`
}

// Credit is a value's share of one conversion.
type Credit struct {
	Value   string          `json:"value"`
	Weight  float64         `json:"weight"`
	Touches int             `json:"touches"`
	Revenue decimal.Decimal `json:"revenue"`
}

// MarkovResult is the first-order Markov chain fitted to the journeys, and
// the global attribution it implies.
type MarkovResult struct {
	// Journeys and NullJourneys count the converting and non-converting
	// journeys with at least one touch.
	Journeys     int `json:"journeys"`
	NullJourneys int `json:"null_journeys"`
	// ConversionProbability is P(conversion) from (start).
	ConversionProbability float64 `json:"conversion_probability"`
	// Transitions are the observed transitions with their counts and
	// probabilities (count / all transitions out of From), ordered by
	// From then To, with (start) first and (conversion), (null) last.
	Transitions []Transition `json:"transitions"`
	// RemovalEffects per value, in the order of Transitions' states.
	RemovalEffects []RemovalEffect `json:"removal_effects"`
	// Attributed is the chain's global attribution, as ChannelAttribution
	// reports it: conversions_x = RE_x / Σ RE × conversions and revenue in
	// proportion to the value removal effects, split by largest remainder.
	// It differs from Result.Rows, which add up per-conversion credit.
	Attributed []Row `json:"attributed"`
}

// Transition is one observed transition of the chain.
type Transition struct {
	From        string  `json:"from"`
	To          string  `json:"to"`
	Count       float64 `json:"count"`
	Probability float64 `json:"probability"`
}

// RemovalEffect is what removing a value from the chain costs: the share
// of conversions lost, 1 − P(conversion without it) / P(conversion), and
// the share of expected revenue lost, per currency.
type RemovalEffect struct {
	Value      string             `json:"value"`
	Conversion float64            `json:"conversion"`
	Revenue    map[string]float64 `json:"revenue,omitempty"`
}

// ShapleyResult is the coalition game behind the Shapley model.
type ShapleyResult struct {
	// Coalitions are the observed sets of distinct values with their
	// journeys, conversions and rate r(S) = conversions / journeys, most
	// journeys first.
	Coalitions []Coalition `json:"coalitions"`
	// Values are the Shapley values of the game on all values,
	// φ_i = Σ_{S ∋ i} r(S)/|S|, and their shares of Σ φ.
	Values []ShapleyValue `json:"values"`
}

// Coalition is one observed set of values.
type Coalition struct {
	Values      []string `json:"values"`
	Journeys    int      `json:"journeys"`
	Conversions int      `json:"conversions"`
	Rate        float64  `json:"rate"`
}

// ShapleyValue is one value's Shapley value.
type ShapleyValue struct {
	Value string  `json:"value"`
	Phi   float64 `json:"phi"`
	Share float64 `json:"share"`
}
