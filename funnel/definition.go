package funnel

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
	"github.com/shopspring/decimal"
)

// ErrUnsupported is the package's sentinel error: a combination of
// options the engine does not support (an optional step in an unordered
// funnel, a partial exclusion in an unordered funnel, trends of an
// unordered funnel, …). Test for it with errors.Is. Validation errors
// otherwise wrap the root package's [cm.ErrRequired], [cm.ErrUnknownValue],
// [cm.ErrInvalidValue], [cm.ErrNoTenant], [cm.ErrEmptyRange] and
// [cm.ErrRangeTooLong]; merging accumulators of different queries returns
// an error wrapping [cm.ErrMismatch].
var ErrUnsupported = errors.New("not supported")

// MaxSteps is the largest number of steps in a funnel.
const MaxSteps = 20

// Unit is what a funnel counts: contacts (the default) or conversations.
type Unit string

// Units.
const (
	// UnitContact counts contacts: all of a contact's events form one
	// sequence. Events without a contact take no part.
	UnitContact Unit = "contact"
	// UnitConversation counts conversations: the events of each host
	// conversation id of a contact form one sequence. Events without a
	// conversation id take no part.
	UnitConversation Unit = "conversation"
)

// Order is how the steps must follow each other.
type Order string

// Orders.
const (
	// Ordered (the default): each step after the previous one, anything may
	// happen in between.
	Ordered Order = "ordered"
	// Strict: each step immediately after the previous one: no other event
	// of the unit (except delivery statuses) in between.
	Strict Order = "strict"
	// Unordered: step k means k distinct steps of the list done, in any
	// order, within the window.
	Unordered Order = "unordered"
)

// WindowUnit is the unit of a conversion window.
type WindowUnit string

// Window units. A day is 86,400 seconds, a week 7 days and a month 31 days,
// whatever the calendar: the window is a fixed length of time.
const (
	Second WindowUnit = "second"
	Minute WindowUnit = "minute"
	Hour   WindowUnit = "hour"
	Day    WindowUnit = "day"
	Week   WindowUnit = "week"
	Month  WindowUnit = "month"
)

// Window is a conversion window: Value units of time, at most
// [MaxWindow]. The zero Window means the default, 14 days.
type Window struct {
	Value int        `json:"value"`
	Unit  WindowUnit `json:"unit"`
}

// DefaultWindow returns the conversion window of a funnel that names none:
// 14 days.
func DefaultWindow() Window { return Window{Value: 14, Unit: Day} }

// MaxWindow is the longest conversion window: 3,650 days of 86,400 s (ten
// years of 365 days). Longer windows are refused by Validate: 3,650 days,
// 521 weeks (3,647 days) and 117 months (3,627 days) are accepted; 3,651
// days, 522 weeks (3,654 days) and 118 months (3,658 days) are not.
const MaxWindow = 3650 * 24 * time.Hour

func unitLength(u WindowUnit) (time.Duration, bool) {
	switch u {
	case Second:
		return time.Second, true
	case Minute:
		return time.Minute, true
	case Hour:
		return time.Hour, true
	case Day:
		return 24 * time.Hour, true
	case Week:
		return 7 * 24 * time.Hour, true
	case Month:
		return 31 * 24 * time.Hour, true
	}
	return 0, false
}

// Duration returns the window's length (the default window for the zero
// Window), or 0 for an invalid window (an unknown unit, a value that is not
// positive, or longer than [MaxWindow]).
func (w Window) Duration() time.Duration {
	if w == (Window{}) {
		w = DefaultWindow()
	}
	l, ok := unitLength(w.Unit)
	if !ok || w.Value <= 0 || int64(w.Value) > int64(MaxWindow/l) {
		return 0
	}
	return time.Duration(w.Value) * l
}

// String formats the window as "7 days" (the zero Window as the default).
func (w Window) String() string {
	if w == (Window{}) {
		w = DefaultWindow()
	}
	s := strconv.Itoa(w.Value) + " " + string(w.Unit)
	if w.Value != 1 {
		s += "s"
	}
	return s
}

// ParseWindow reads a window written as a number and a unit: "7d", "24h",
// "30m", "90s", "2w", "1mo", or "7 day", "3 weeks".
func ParseWindow(s string) (Window, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	n, err := strconv.Atoi(t[:i])
	if err != nil || n <= 0 {
		return Window{}, fmt.Errorf("funnel: window %q: %w (want a positive number and a unit, e.g. 7d)", s, cm.ErrInvalidValue)
	}
	var u WindowUnit
	switch strings.TrimSpace(t[i:]) {
	case "s", "sec", "second", "seconds":
		u = Second
	case "m", "min", "minute", "minutes":
		u = Minute
	case "h", "hour", "hours":
		u = Hour
	case "d", "day", "days":
		u = Day
	case "w", "week", "weeks":
		u = Week
	case "mo", "month", "months":
		u = Month
	default:
		return Window{}, fmt.Errorf("funnel: window %q: unit: %w (want s, m, h, d, w or mo)", s, cm.ErrUnknownValue)
	}
	return Window{Value: n, Unit: u}, nil
}

// Op is the comparison of a [Match].
type Op string

// Comparisons. Empty Op means Eq.
const (
	Eq     Op = "eq"      // the field equals Value
	Ne     Op = "ne"      // the field differs from Value (an empty field differs)
	In     Op = "in"      // the field equals one of Values
	NotIn  Op = "not_in"  // the field equals none of Values
	Set    Op = "set"     // the field is not empty
	NotSet Op = "not_set" // the field is empty
	Gt     Op = "gt"      // amount only: greater than Value
	Gte    Op = "gte"     // amount only: at least Value
	Lt     Op = "lt"      // amount only: less than Value
	Lte    Op = "lte"     // amount only: at most Value
)

// Match is a property filter on an event: Field compared with Value or
// Values.
//
// Field is the JSON key of any string field of [cm.Event] ("campaign",
// "sender", "flow", "template", "channel", "node", "status", …),
// "attrs.KEY" for an attribute, "amount" (compared as a decimal, with Eq,
// Ne, Gt, Gte, Lt or Lte), or "billable" and "translated" (compared with
// "true" or "false"; an unset billable is empty). String comparisons are
// exact and case-sensitive.
type Match struct {
	Field  string   `json:"field"`
	Op     Op       `json:"op,omitempty"`
	Value  string   `json:"value,omitempty"`
	Values []string `json:"values,omitempty"`
}

// String formats the match as in the command line's step syntax:
// field=value, field!=value, field~a|b (in), field!~a|b (not in), field?
// (set), !field (not set), amount>=10.
func (m Match) String() string {
	switch m.Op {
	case "", Eq:
		return m.Field + "=" + m.Value
	case Ne:
		return m.Field + "!=" + m.Value
	case In:
		return m.Field + "~" + strings.Join(m.Values, "|")
	case NotIn:
		return m.Field + "!~" + strings.Join(m.Values, "|")
	case Set:
		return m.Field + "?"
	case NotSet:
		return "!" + m.Field
	case Gt:
		return m.Field + ">" + m.Value
	case Gte:
		return m.Field + ">=" + m.Value
	case Lt:
		return m.Field + "<" + m.Value
	case Lte:
		return m.Field + "<=" + m.Value
	}
	return m.Field + " " + string(m.Op) + " " + m.Value
}

// Step is one step of a funnel: an event type and property filters that
// must all hold.
type Step struct {
	// Name labels the step in results; empty means the type and filters.
	Name  string  `json:"name,omitempty"`
	Type  cm.Type `json:"type"`
	Where []Match `json:"where,omitempty"`
	// Optional steps (ordered and strict funnels, never the first step)
	// need not happen; see the package documentation.
	Optional bool `json:"optional,omitempty"`
}

// Label returns the step's name, or its type followed by its filters.
func (s Step) Label() string {
	if s.Name != "" {
		return s.Name
	}
	return describe(s.Type, s.Where)
}

func describe(t cm.Type, where []Match) string {
	if len(where) == 0 {
		return string(t)
	}
	parts := make([]string, len(where))
	for i, m := range where {
		parts[i] = m.String()
	}
	return string(t) + "[" + strings.Join(parts, ",") + "]"
}

// Exclusion removes attempts in which its event happens between two steps:
// after the attempt reached FromStep and before it reached ToStep (0-based
// step indexes), within the conversion window of the attempt's first step.
// ToStep 0 means the last step.
type Exclusion struct {
	Type     cm.Type `json:"type"`
	Where    []Match `json:"where,omitempty"`
	FromStep int     `json:"from_step"`
	ToStep   int     `json:"to_step,omitempty"`
}

// Definition is a funnel: its steps, what it counts, the order and window,
// and exclusions.
type Definition struct {
	Steps      []Step      `json:"steps"`
	Unit       Unit        `json:"unit,omitempty"`  // contact (default) or conversation
	Order      Order       `json:"order,omitempty"` // ordered (default), strict or unordered
	Window     Window      `json:"window,omitzero"` // default 14 days
	Exclusions []Exclusion `json:"exclusions,omitempty"`
}

// Attribution chooses which breakdown value a unit is counted under.
type Attribution string

// Attributions.
const (
	// FirstTouch (the default): the value of the unit's earliest funnel
	// event that has one.
	FirstTouch Attribution = "first_touch"
	// LastTouch: the value of the unit's latest funnel event that has one.
	LastTouch Attribution = "last_touch"
	// AllEvents: every value of the unit's funnel events, each with a
	// funnel of only the events carrying it.
	AllEvents Attribution = "all_events"
	// StepAttribution: every value seen on events of step Breakdown.Step;
	// under each, the event filling that step must carry it.
	StepAttribution Attribution = "step"
)

// DefaultBreakdownLimit is the number of breakdown values kept when
// Breakdown.Limit is 0; the others are summed into one "Other" row.
const DefaultBreakdownLimit = 25

// Breakdown splits a funnel by the value of a field.
type Breakdown struct {
	// Field is named as in [Match]: a string field, "attrs.KEY",
	// "billable" or "translated" ("amount" is not allowed).
	Field       string      `json:"field"`
	Attribution Attribution `json:"attribution,omitempty"`
	// Step is the 0-based step of StepAttribution.
	Step int `json:"step,omitempty"`
	// Limit is the number of values kept (0: DefaultBreakdownLimit;
	// negative: all).
	Limit int `json:"limit,omitempty"`
}

// Query asks for a funnel over one tenant's events.
type Query struct {
	Tenant string `json:"tenant"`
	// Range limits every event that takes part (entries and later steps
	// alike). Both bounds are required, and the range may span at most
	// cm.MaxCustomDays calendar days of Calendar unless AllowLongRange is
	// set.
	Range          cm.Range `json:"range"`
	AllowLongRange bool     `json:"allow_long_range,omitempty"`
	// Calendar is the tenant's calendar: the days the range limit counts,
	// and the periods of [Trends] (the zero Calendar is UTC with weeks
	// from Monday).
	Calendar  cm.Calendar `json:"calendar,omitzero"`
	Funnel    Definition  `json:"funnel"`
	Breakdown *Breakdown  `json:"breakdown,omitempty"`
	// IncludeTest includes test-channel events, excluded by default.
	IncludeTest bool `json:"include_test,omitempty"`
	// List asks for the units (contact or conversation ids) that reached
	// each step and those that dropped before it.
	List bool `json:"list,omitempty"`
	// Partition limits the question to one partition of the tenant's
	// contacts ([Fold]); the accumulators of all partitions merge into the
	// answer for every contact. The zero Partition is every contact.
	Partition cm.Partition `json:"partition,omitzero"`
}

// fieldKind says how a field reference reads a row.
type fieldKind uint8

const (
	kindString fieldKind = iota
	kindAttr
	kindAmount
	kindBillable
	kindTranslated
)

// fieldRef is a parsed field name.
type fieldRef struct {
	kind fieldKind
	col  frame.Field
	key  string // attrs key
}

func parseField(name string) (fieldRef, error) {
	switch {
	case strings.HasPrefix(name, "attrs."):
		k := strings.TrimPrefix(name, "attrs.")
		if k == "" {
			return fieldRef{}, fmt.Errorf("%w: attrs key missing", cm.ErrInvalidValue)
		}
		return fieldRef{kind: kindAttr, key: k}, nil
	case name == "amount":
		return fieldRef{kind: kindAmount}, nil
	case name == "billable":
		return fieldRef{kind: kindBillable}, nil
	case name == "translated":
		return fieldRef{kind: kindTranslated}, nil
	case name == "":
		return fieldRef{}, cm.ErrRequired
	}
	c, ok := frame.FieldByName(name)
	if !ok {
		return fieldRef{}, fmt.Errorf("%w %q (want an event field such as campaign, attrs.KEY, amount, billable or translated)", cm.ErrUnknownValue, name)
	}
	return fieldRef{kind: kindString, col: c}, nil
}

// checkMatch validates m; path names it in errors.
func checkMatch(path string, m Match) error {
	ref, err := parseField(m.Field)
	if err != nil {
		return fmt.Errorf("funnel: %s.field: %w", path, err)
	}
	op := m.Op
	if op == "" {
		op = Eq
	}
	switch op {
	case Eq, Ne:
		if m.Value == "" {
			return fmt.Errorf("funnel: %s.value: %w (use op set or not_set for empty values)", path, cm.ErrRequired)
		}
	case In, NotIn:
		if len(m.Values) == 0 {
			return fmt.Errorf("funnel: %s.values: %w", path, cm.ErrRequired)
		}
		if ref.kind == kindAmount {
			return fmt.Errorf("funnel: %s.op: %w: %q on amount", path, cm.ErrInvalidValue, op)
		}
	case Set, NotSet:
	case Gt, Gte, Lt, Lte:
		if ref.kind != kindAmount {
			return fmt.Errorf("funnel: %s.op: %w: %q is for amount only", path, cm.ErrInvalidValue, op)
		}
		if m.Value == "" {
			return fmt.Errorf("funnel: %s.value: %w", path, cm.ErrRequired)
		}
	default:
		return fmt.Errorf("funnel: %s.op: %w %q", path, cm.ErrUnknownValue, m.Op)
	}
	if ref.kind == kindAmount && m.Value != "" {
		if _, err := decimal.NewFromString(m.Value); err != nil {
			return fmt.Errorf("funnel: %s.value: %w: not a decimal: %q", path, cm.ErrInvalidValue, m.Value)
		}
	}
	if ref.kind == kindBillable || ref.kind == kindTranslated {
		for _, v := range append([]string{m.Value}, m.Values...) {
			if v != "" && v != "true" && v != "false" {
				return fmt.Errorf("funnel: %s.value: %w: %q (want true or false)", path, cm.ErrInvalidValue, v)
			}
		}
	}
	return nil
}

func checkEvent(path string, t cm.Type, where []Match) error {
	if t == "" {
		return fmt.Errorf("funnel: %s.type: %w", path, cm.ErrRequired)
	}
	if !t.Known() {
		return fmt.Errorf("funnel: %s.type: %w %q", path, cm.ErrUnknownValue, t)
	}
	for i, m := range where {
		if err := checkMatch(fmt.Sprintf("%s.where[%d]", path, i), m); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks the definition: at least 2 and at most [MaxSteps] steps,
// known types, fields and comparisons, a valid window (a known unit, a
// positive value, at most [MaxWindow]), unit and order,
// exclusions with 0 ≤ from_step < to_step ≤ last step that do not match
// every event of a step inside their range, optional steps only after the
// first step of an ordered or strict funnel, and exclusions of unordered
// funnels spanning the whole funnel.
func (d *Definition) Validate() error {
	n := len(d.Steps)
	if n < 2 {
		return fmt.Errorf("funnel: steps: %w: %d steps, want at least 2", cm.ErrInvalidValue, n)
	}
	if n > MaxSteps {
		return fmt.Errorf("funnel: steps: %w: %d steps, at most %d", cm.ErrInvalidValue, n, MaxSteps)
	}
	switch d.Unit {
	case "", UnitContact, UnitConversation:
	default:
		return fmt.Errorf("funnel: unit: %w %q (want contact or conversation)", cm.ErrUnknownValue, d.Unit)
	}
	switch d.Order {
	case "", Ordered, Strict, Unordered:
	default:
		return fmt.Errorf("funnel: order: %w %q (want ordered, strict or unordered)", cm.ErrUnknownValue, d.Order)
	}
	if d.Window != (Window{}) {
		if _, ok := unitLength(d.Window.Unit); !ok {
			return fmt.Errorf("funnel: window.unit: %w %q (want second, minute, hour, day, week or month)", cm.ErrUnknownValue, d.Window.Unit)
		}
		if d.Window.Value <= 0 {
			return fmt.Errorf("funnel: window.value: %w: %d, want a positive number", cm.ErrInvalidValue, d.Window.Value)
		}
		if d.Window.Duration() == 0 {
			return fmt.Errorf("funnel: window: %w: %d %ss is longer than the longest window, %d days", cm.ErrInvalidValue, d.Window.Value, d.Window.Unit, int(MaxWindow/(24*time.Hour)))
		}
	}
	for i, s := range d.Steps {
		path := fmt.Sprintf("steps[%d]", i)
		if err := checkEvent(path, s.Type, s.Where); err != nil {
			return err
		}
		if s.Optional {
			if i == 0 {
				return fmt.Errorf("funnel: %s.optional: %w: the first step cannot be optional", path, cm.ErrInvalidValue)
			}
			if d.Order == Unordered {
				return fmt.Errorf("funnel: %s.optional: %w: optional steps in an unordered funnel", path, ErrUnsupported)
			}
		}
	}
	if d.Steps[n-1].Optional {
		return fmt.Errorf("funnel: steps[%d].optional: %w: the last step cannot be optional", n-1, cm.ErrInvalidValue)
	}
	for i, x := range d.Exclusions {
		path := fmt.Sprintf("exclusions[%d]", i)
		if err := checkEvent(path, x.Type, x.Where); err != nil {
			return err
		}
		to := x.ToStep
		if to == 0 {
			to = n - 1
		}
		if x.FromStep < 0 || x.FromStep >= n {
			return fmt.Errorf("funnel: %s.from_step: %w: %d, want 0 to %d", path, cm.ErrInvalidValue, x.FromStep, n-2)
		}
		if to >= n || to < 0 {
			return fmt.Errorf("funnel: %s.to_step: %w: %d, want at most %d", path, cm.ErrInvalidValue, x.ToStep, n-1)
		}
		if x.FromStep >= to {
			return fmt.Errorf("funnel: %s: %w: from_step %d must be before to_step %d", path, cm.ErrInvalidValue, x.FromStep, to)
		}
		if d.Order == Unordered && (x.FromStep != 0 || to != n-1) {
			return fmt.Errorf("funnel: %s: %w: an unordered funnel's exclusions must span the whole funnel", path, ErrUnsupported)
		}
		for k := x.FromStep; k <= to; k++ {
			if covers(x.Type, x.Where, d.Steps[k]) {
				return fmt.Errorf("funnel: %s: %w: it matches every event of step %d, which is inside its range", path, cm.ErrInvalidValue, k)
			}
		}
	}
	return nil
}

// covers reports whether every event of step s also matches the exclusion
// (same type, and the exclusion's filters are among the step's).
func covers(t cm.Type, where []Match, s Step) bool {
	if t != s.Type {
		return false
	}
	for _, m := range where {
		if !slices.ContainsFunc(s.Where, func(o Match) bool { return sameMatch(m, o) }) {
			return false
		}
	}
	return true
}

func sameMatch(a, b Match) bool {
	if a.Op == "" {
		a.Op = Eq
	}
	if b.Op == "" {
		b.Op = Eq
	}
	return a.Field == b.Field && a.Op == b.Op && a.Value == b.Value && slices.Equal(a.Values, b.Values)
}

// Validate checks the breakdown against definition d.
func (b *Breakdown) Validate(d *Definition) error {
	ref, err := parseField(b.Field)
	if err != nil {
		return fmt.Errorf("funnel: breakdown.field: %w", err)
	}
	if ref.kind == kindAmount {
		return fmt.Errorf("funnel: breakdown.field: %w: amount cannot be a breakdown", cm.ErrInvalidValue)
	}
	switch b.Attribution {
	case "", FirstTouch, LastTouch, AllEvents:
		if b.Step != 0 {
			return fmt.Errorf("funnel: breakdown.step: %w: only with attribution step", cm.ErrInvalidValue)
		}
	case StepAttribution:
		if b.Step < 0 || b.Step >= len(d.Steps) {
			return fmt.Errorf("funnel: breakdown.step: %w: %d, want 0 to %d", cm.ErrInvalidValue, b.Step, len(d.Steps)-1)
		}
		if d.Order == Unordered && b.Step != 0 {
			return fmt.Errorf("funnel: breakdown.step: %w: an unordered funnel attributes to step 0 only", ErrUnsupported)
		}
	default:
		return fmt.Errorf("funnel: breakdown.attribution: %w %q (want first_touch, last_touch, all_events or step)", cm.ErrUnknownValue, b.Attribution)
	}
	return nil
}

// ParseAttribution reads first_touch, last_touch, all_events, step_N or
// step N into an attribution and its step.
func ParseAttribution(s string) (Attribution, int, error) {
	switch a := Attribution(s); a {
	case "", FirstTouch, LastTouch, AllEvents:
		return a, 0, nil
	}
	if rest, ok := strings.CutPrefix(s, "step"); ok {
		rest = strings.TrimLeft(rest, "_ ")
		n, err := strconv.Atoi(rest)
		if err == nil && n >= 0 {
			return StepAttribution, n, nil
		}
	}
	return "", 0, fmt.Errorf("funnel: attribution %q: %w (want first_touch, last_touch, all_events or step_N)", s, cm.ErrUnknownValue)
}

// Validate checks the query: a tenant; a range with both bounds, From
// before To, spanning at most cm.MaxCustomDays calendar days of Calendar
// unless AllowLongRange; a valid partition, definition and breakdown. It
// does not modify q.
func (q *Query) Validate() error {
	if err := checkScope(q.Tenant, q.Calendar, q.Range, q.AllowLongRange, q.Partition); err != nil {
		return err
	}
	if err := q.Funnel.Validate(); err != nil {
		return err
	}
	if q.Breakdown != nil {
		if err := q.Breakdown.Validate(&q.Funnel); err != nil {
			return err
		}
	}
	return nil
}

// checkRange checks the range of a query with [cm.Calendar.CheckRange]:
// both bounds set, From before To, and at most cm.MaxCustomDays calendar
// days of cal unless allowLong. Errors name the field and wrap
// [cm.ErrEmptyRange], [cm.ErrRangeTooLong], or [cm.ErrInvalidValue] for a
// bound outside 1970 to 2262 ([cm.Range.Check]).
func checkRange(cal cm.Calendar, r cm.Range, allowLong bool) error {
	err := cal.CheckRange(r, cm.RangeOptions{AllowLong: allowLong})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, cm.ErrRangeTooLong):
		return fmt.Errorf("funnel: range: %w: %s spans %d days in %s, more than %d (set allow_long_range to lift the limit)",
			cm.ErrRangeTooLong, r, cal.DaysSpanned(r), cal.Location(), cm.MaxCustomDays)
	case errors.Is(err, cm.ErrEmptyRange):
		return fmt.Errorf("funnel: range: %w: %s (both bounds are required, from before to)", cm.ErrEmptyRange, r)
	}
	return fmt.Errorf("funnel: range: %w", err)
}

// checkScope checks what every query of the package names: a tenant
// ([cm.ErrNoTenant]), its range ([checkRange]) and its partition, in that
// order.
func checkScope(tenant string, cal cm.Calendar, r cm.Range, allowLong bool, p cm.Partition) error {
	if tenant == "" {
		return fmt.Errorf("funnel: tenant: %w", cm.ErrNoTenant)
	}
	if err := checkRange(cal, r, allowLong); err != nil {
		return err
	}
	return checkPartition(p)
}

// checkPartition checks a query's partition.
func checkPartition(p cm.Partition) error {
	if err := p.Check(); err != nil {
		return fmt.Errorf("funnel: partition: %w", err)
	}
	return nil
}
