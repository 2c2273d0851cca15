package attribution

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
)

// Model is an attribution model: how one conversion's credit is divided
// among the touches of its journey. See the package documentation for
// each model's formula.
type Model string

// The models. The first five are rule-based (GA4's vocabulary); Markov and
// Shapley are data-driven: they learn from converting and non-converting
// journeys.
const (
	LastTouch     Model = "last_touch"
	FirstTouch    Model = "first_touch"
	Linear        Model = "linear"
	TimeDecay     Model = "time_decay"
	PositionBased Model = "position_based"
	Markov        Model = "markov"
	Shapley       Model = "shapley"
)

// Models returns every model, rule-based first.
func Models() []Model {
	return []Model{LastTouch, FirstTouch, Linear, TimeDecay, PositionBased, Markov, Shapley}
}

// DataDriven reports whether m learns from non-converting journeys.
func (m Model) DataDriven() bool { return m == Markov || m == Shapley }

// ParseModel accepts a model name; "" is [LastTouch].
func ParseModel(s string) (Model, error) {
	if s == "" {
		return LastTouch, nil
	}
	if m := Model(strings.ToLower(s)); slices.Contains(Models(), m) {
		return m, nil
	}
	return "", fmt.Errorf("attribution: model %q: %w (want one of %s)", s, cm.ErrUnknownValue, join(Models()))
}

// Dimension is what credit is reported by: the field of the touch events
// whose values receive the credit.
type Dimension string

// The dimensions, named as the event fields they read.
const (
	Campaign Dimension = "campaign"
	Template Dimension = "template"
	Flow     Dimension = "flow"
	Agent    Dimension = "agent"
	Team     Dimension = "team"
	Channel  Dimension = "channel"
	// Referral is the ad (click-to-WhatsApp source id) of a contact's
	// first message.
	Referral Dimension = "referral"
	// Touchpoint credits each touch by what made it a touch, across
	// fields: "campaign:<campaign>" for a campaign send (its template when
	// it has no campaign), "template:<template>", "agent:<agent>" for
	// agent replies and assignments (team:<team> without an agent),
	// "flow:<flow>", "referral:<ad>" and "organic:<channel>". It is the
	// journey of every touch, as GA4 sees channels.
	Touchpoint Dimension = "touchpoint"
)

// Dimensions returns every dimension.
func Dimensions() []Dimension {
	return []Dimension{Campaign, Template, Flow, Agent, Team, Channel, Referral, Touchpoint}
}

// ParseDimension accepts a dimension name; "" is [Campaign].
func ParseDimension(s string) (Dimension, error) {
	if s == "" {
		return Campaign, nil
	}
	if d := Dimension(strings.ToLower(s)); slices.Contains(Dimensions(), d) {
		return d, nil
	}
	return "", fmt.Errorf("attribution: dimension %q: %w (want one of %s)", s, cm.ErrUnknownValue, join(Dimensions()))
}

// Kind is the kind of a touchpoint: an event on the contact's journey that
// can earn credit. The package documentation says which events are which.
type Kind string

// Touch kinds.
const (
	CampaignSend    Kind = "campaign_send"    // message.sent by a campaign or broadcast
	TemplateSend    Kind = "template_send"    // another message.sent with a template
	AgentReply      Kind = "agent_reply"      // another message.sent by an agent
	FlowStart       Kind = "flow_start"       // flow.started
	AgentAssignment Kind = "agent_assignment" // conversation.assigned
	AdReferral      Kind = "ad_referral"      // message.received with a referral
	OrganicInbound  Kind = "organic_inbound"  // message.received without one
)

// Kinds returns every touch kind.
func Kinds() []Kind {
	return []Kind{CampaignSend, TemplateSend, AgentReply, FlowStart, AgentAssignment, AdReferral, OrganicInbound}
}

// Defaults of a [Definition].
const (
	DefaultLookback   = 30 * 24 * time.Hour
	DefaultHalfLife   = 7 * 24 * time.Hour
	DefaultFirstShare = 0.4
	DefaultLastShare  = 0.4
)

// Definition says how conversions are attributed. The zero value is last
// touch by campaign with the default windows.
type Definition struct {
	// Model is the attribution model; "" is LastTouch.
	Model Model `json:"model"`
	// Dimension is what credit is reported by; "" is Campaign.
	Dimension Dimension `json:"dimension"`
	// Lookback is how long before a conversion a touch may lie and still
	// earn credit, inclusive: 0 ≤ conversion time − touch time ≤ Lookback.
	// 0 means DefaultLookback (30 days).
	Lookback time.Duration `json:"lookback_ns,omitempty"`
	// HalfLife is the time decay model's half-life; 0 means
	// DefaultHalfLife (7 days).
	HalfLife time.Duration `json:"half_life_ns,omitempty"`
	// FirstShare and LastShare are the position-based model's shares of
	// the first and last touch, each in [0, 1] and together at most 1;
	// nil means 0.4 each.
	FirstShare *float64 `json:"first_share,omitempty"`
	LastShare  *float64 `json:"last_share,omitempty"`
	// Kinds limits the touches that earn credit to these kinds; empty
	// means every kind.
	Kinds []Kind `json:"kinds,omitempty"`
	// ReferenceWindow is passed to payment matching (see
	// [MatchQuery.ReferenceWindow]); 0 means DefaultReferenceWindow.
	ReferenceWindow time.Duration `json:"reference_window_ns,omitempty"`
}

// Validate reports a definition that cannot be used, naming the field.
// Errors wrap cm.ErrUnknownValue or cm.ErrInvalidValue. It does not
// modify d (defaults are applied to a copy when the definition is used).
func (d *Definition) Validate() error {
	var errs []error
	if d.Model != "" && !slices.Contains(Models(), d.Model) {
		errs = append(errs, fmt.Errorf("attribution: model: %w: %q (want one of %s)", cm.ErrUnknownValue, d.Model, join(Models())))
	}
	if d.Dimension != "" && !slices.Contains(Dimensions(), d.Dimension) {
		errs = append(errs, fmt.Errorf("attribution: dimension: %w: %q (want one of %s)", cm.ErrUnknownValue, d.Dimension, join(Dimensions())))
	}
	for _, x := range []struct {
		name string
		v    time.Duration
	}{{"lookback", d.Lookback}, {"half_life", d.HalfLife}, {"reference_window", d.ReferenceWindow}} {
		if x.v < 0 {
			errs = append(errs, fmt.Errorf("attribution: %s: %w: %s is negative", x.name, cm.ErrInvalidValue, x.v))
		}
	}
	share := func(name string, p *float64) {
		if p != nil && (math.IsNaN(*p) || *p < 0 || *p > 1) {
			errs = append(errs, fmt.Errorf("attribution: %s: %w: %v is not in [0, 1]", name, cm.ErrInvalidValue, *p))
		}
	}
	share("first_share", d.FirstShare)
	share("last_share", d.LastShare)
	if f, l := d.shares(); f+l > 1+1e-12 {
		errs = append(errs, fmt.Errorf("attribution: first_share + last_share: %w: %v + %v is more than 1", cm.ErrInvalidValue, f, l))
	}
	for i, k := range d.Kinds {
		if !slices.Contains(Kinds(), k) {
			errs = append(errs, fmt.Errorf("attribution: kinds[%d]: %w: %q (want one of %s)", i, cm.ErrUnknownValue, k, join(Kinds())))
		}
	}
	return errors.Join(errs...)
}

// withDefaults returns d with every zero field set to its default.
func (d Definition) withDefaults() Definition {
	if d.Model == "" {
		d.Model = LastTouch
	}
	if d.Dimension == "" {
		d.Dimension = Campaign
	}
	if d.Lookback == 0 {
		d.Lookback = DefaultLookback
	}
	if d.HalfLife == 0 {
		d.HalfLife = DefaultHalfLife
	}
	f, l := d.shares()
	d.FirstShare, d.LastShare = &f, &l
	if d.ReferenceWindow == 0 {
		d.ReferenceWindow = DefaultReferenceWindow
	}
	if len(d.Kinds) == 0 {
		d.Kinds = Kinds()
	}
	return d
}

func (d Definition) shares() (first, last float64) {
	first, last = DefaultFirstShare, DefaultLastShare
	if d.FirstShare != nil {
		first = *d.FirstShare
	}
	if d.LastShare != nil {
		last = *d.LastShare
	}
	return first, last
}

// Query asks for the attribution of one tenant's conversions.
type Query struct {
	// Tenant is required.
	Tenant string `json:"tenant"`
	// Range selects the conversions (matched payments) by payment time; it
	// must be bounded and non-empty, and span at most cm.MaxCustomDays
	// calendar days of Calendar unless AllowLongRange is set. Touches are
	// read from Range.From − Lookback on.
	Range          cm.Range `json:"range"`
	AllowLongRange bool     `json:"allow_long_range,omitempty"`
	// Calendar is the time zone (and week start) of the series and of the
	// days the range limit counts; the zero Calendar is UTC.
	Calendar cm.Calendar `json:"calendar,omitzero"`
	// Granularity is the size of the series buckets; "" is day.
	Granularity cm.Granularity `json:"granularity"`
	// IncludeTest keeps test-channel payments, links and touches, which
	// are left out by default.
	IncludeTest bool `json:"include_test"`
	// Definition is the model, dimension and windows.
	Definition Definition `json:"definition"`
	// Detail asks for the per-conversion credit (Result.Conversions).
	Detail bool `json:"detail"`
	// Partition limits the touches folded to one partition of the
	// tenant's contacts ([Fold]); the accumulators of every partition
	// merge into the answer for all. The zero Partition is every contact.
	Partition cm.Partition `json:"partition,omitzero"`
}

// Validate reports a query that cannot be answered, naming the field;
// errors wrap cm.ErrNoTenant, cm.ErrEmptyRange, cm.ErrRangeTooLong,
// cm.ErrUnknownValue or cm.ErrInvalidValue. It does not modify q.
func (q *Query) Validate() error {
	var errs []error
	if q.Tenant == "" {
		errs = append(errs, fmt.Errorf("attribution: tenant: %w", cm.ErrNoTenant))
	}
	if err := q.Calendar.CheckRange(q.Range, cm.RangeOptions{AllowLong: q.AllowLongRange}); err != nil {
		errs = append(errs, fmt.Errorf("attribution: range: %w", err))
	}
	if err := q.Partition.Check(); err != nil {
		errs = append(errs, fmt.Errorf("attribution: partition: %w", err))
	}
	switch q.Granularity {
	case "", cm.Hour, cm.Day, cm.Week, cm.Month:
	default:
		errs = append(errs, fmt.Errorf("attribution: granularity: %w: %q (want hour, day, week or month)", cm.ErrUnknownValue, q.Granularity))
	}
	if err := q.Definition.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func join[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
