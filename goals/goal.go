package goals

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// Goal is a conversion goal defined by the host: a name and the condition a
// conversation must meet. A goal converts at most once per conversation, at
// the event where its condition first holds (see the package documentation
// for the exact rules).
//
// In JSON:
//
//	{"name": "booked", "when": {"node": {"flow": "appointment", "node": "confirm"}}}
type Goal struct {
	// Name identifies the goal in results; required, unique within a set.
	Name string `json:"name"`
	// Description is free text for people; engines ignore it.
	Description string `json:"description,omitempty"`
	// When is the condition; required.
	When Condition `json:"when"`
}

// Condition is one node of a goal's condition tree. Exactly one field must
// be set. The first three are single-event conditions (they hold at an
// event); All, Any, Seq and Never combine conditions in the manner of Rasa
// markers. The package documentation defines when each one holds.
type Condition struct {
	// Node holds at a flow.node event of the flow and node named.
	Node *NodeMatch `json:"node,omitempty"`
	// Event holds at an event of the type named whose fields match.
	Event *EventMatch `json:"event,omitempty"`
	// Goal holds at a goal.reached event whose goal is this name.
	Goal string `json:"goal,omitempty"`
	// All holds once every condition listed has held (in any order) and no
	// Never condition listed has held anywhere in the conversation.
	All []Condition `json:"all,omitempty"`
	// Any holds once any of the conditions listed holds.
	Any []Condition `json:"any,omitempty"`
	// Seq holds once its steps have held one after the other, each at a
	// later event than the previous. Steps are single-event conditions (or
	// Any of them), or Never conditions that constrain the gap in which
	// they stand.
	Seq []Condition `json:"seq,omitempty"`
	// Never negates a single condition. It is allowed only inside All
	// (which must then also list a positive condition) and inside Seq.
	Never *Condition `json:"never,omitempty"`
}

// NodeMatch names a node (a box) of a flow.
type NodeMatch struct {
	Flow string `json:"flow"`
	Node string `json:"node"`
	// Version, when set, restricts the match to flow.node events of this
	// flow version.
	Version string `json:"version,omitempty"`
}

// EventMatch is an event type with optional property matches.
type EventMatch struct {
	Type cm.Type `json:"type"`
	// Match maps event fields to the value they must have: a field's JSON
	// key (flow, template, campaign, provider, currency, agent, …) or
	// "attrs.KEY" for a key of the event's attrs. An empty value matches an
	// event whose field is empty (or whose attrs lack the key). Every
	// entry must match.
	Match map[string]string `json:"match,omitempty"`
}

// Sentinel errors of the goals engine, for errors.Is. Validation errors
// also wrap the root package's sentinels (cm.ErrRequired,
// cm.ErrUnknownValue, cm.ErrInvalidValue); Merge errors wrap
// cm.ErrMismatch.
var (
	// ErrNeverMisplaced: a never condition outside All or Seq, an All made
	// only of never conditions, or a never inside a never.
	ErrNeverMisplaced = errors.New("never must stand inside all (next to a positive condition) or seq")
	// ErrSeqStep: a seq step that is not a single-event condition.
	ErrSeqStep = errors.New("seq steps must be node, event, goal or any of those")
	// ErrDuplicateGoal: two goals of a set with the same name.
	ErrDuplicateGoal = errors.New("duplicate goal name")
	// ErrUnknownGoal: a goal name that is not in the set given.
	ErrUnknownGoal = errors.New("unknown goal")
)

// Validate checks the goal without modifying it. Errors start with
// "goals: goal: ", name the field, as in
// `goals: goal: when.seq[1].event.type: unknown value: "cart"`, and wrap
// the sentinels.
func (g *Goal) Validate() error {
	if err := g.validate(); err != nil {
		return fmt.Errorf("goals: goal: %w", err)
	}
	return nil
}

// validate is Validate without the prefix, for errors nested in others.
func (g *Goal) validate() error {
	if strings.TrimSpace(g.Name) == "" {
		return fieldError("name", cm.ErrRequired, "")
	}
	return g.When.validate("when", ctxTop)
}

// ValidateGoals checks every goal of a set and that names are unique. The
// error names the goal by index:
// `goals: goals[2].when.node.flow: required`.
func ValidateGoals(gs []Goal) error {
	if err := validateGoals(gs); err != nil {
		return fmt.Errorf("goals: %w", err)
	}
	return nil
}

// validateGoals is ValidateGoals without the prefix.
func validateGoals(gs []Goal) error {
	seen := make(map[string]int, len(gs))
	for i := range gs {
		g := &gs[i]
		if err := g.validate(); err != nil {
			return fmt.Errorf("goals[%d].%w", i, err)
		}
		if j, dup := seen[g.Name]; dup {
			return fmt.Errorf("goals[%d].name: %w: %q (also goals[%d])", i, ErrDuplicateGoal, g.Name, j)
		}
		seen[g.Name] = i
	}
	return nil
}

// ParseGoals reads goal definitions as JSON: either an array of goals or an
// object {"goals": [...]}. Unknown keys are errors; the goals are validated
// with [ValidateGoals]. Errors start with "goals: ".
func ParseGoals(r io.Reader) ([]Goal, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("goals: %w", err)
	}
	data = bytes.TrimSpace(data)
	var gs []Goal
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if len(data) > 0 && data[0] == '[' {
		err = dec.Decode(&gs)
	} else {
		var doc struct {
			Goals []Goal `json:"goals"`
		}
		err = dec.Decode(&doc)
		gs = doc.Goals
	}
	if err != nil {
		return nil, fmt.Errorf("goals: %w: %v", cm.ErrSyntax, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("goals: %w: more than one JSON value", cm.ErrSyntax)
	}
	if len(gs) == 0 {
		return nil, fmt.Errorf("goals: goals: %w: no goal defined", cm.ErrRequired)
	}
	if err := ValidateGoals(gs); err != nil {
		return nil, err
	}
	return gs, nil
}

// fieldErr is a validation error at a path of a definition.
type fieldErr struct {
	path string
	err  error
}

func (e *fieldErr) Error() string { return e.path + ": " + e.err.Error() }
func (e *fieldErr) Unwrap() error { return e.err }

func fieldError(path string, sentinel error, detail string) error {
	err := sentinel
	if detail != "" {
		err = fmt.Errorf("%w: %s", sentinel, detail)
	}
	return &fieldErr{path: path, err: err}
}

// validation contexts: where a condition stands.
type condCtx uint8

const (
	ctxTop   condCtx = iota // a goal's when, or a child of any, or of all
	ctxAll                  // a child of all: never allowed
	ctxSeq                  // a step of seq: single-event or never
	ctxPred                 // inside a seq step or a never in a seq: single-event only
	ctxNever                // the inner condition of a never outside seq
)

// kinds returns the names of the fields set.
func (c *Condition) kinds() []string {
	var k []string
	if c.Node != nil {
		k = append(k, "node")
	}
	if c.Event != nil {
		k = append(k, "event")
	}
	if c.Goal != "" {
		k = append(k, "goal")
	}
	if c.All != nil {
		k = append(k, "all")
	}
	if c.Any != nil {
		k = append(k, "any")
	}
	if c.Seq != nil {
		k = append(k, "seq")
	}
	if c.Never != nil {
		k = append(k, "never")
	}
	return k
}

func (c *Condition) validate(path string, at condCtx) error {
	k := c.kinds()
	switch len(k) {
	case 0:
		return fieldError(path, cm.ErrRequired, "one of node, event, goal, all, any, seq or never")
	case 1:
	default:
		return fieldError(path, cm.ErrInvalidValue, "more than one of "+strings.Join(k, ", ")+" set")
	}
	single := at == ctxPred || at == ctxSeq
	switch {
	case c.Node != nil:
		p := path + ".node"
		if c.Node.Flow == "" {
			return fieldError(p+".flow", cm.ErrRequired, "")
		}
		if c.Node.Node == "" {
			return fieldError(p+".node", cm.ErrRequired, "")
		}
	case c.Event != nil:
		return c.Event.validate(path + ".event")
	case c.Goal != "":
	case c.All != nil:
		p := path + ".all"
		if single {
			return fieldError(p, ErrSeqStep, "all cannot stand in a seq")
		}
		if len(c.All) == 0 {
			return fieldError(p, cm.ErrRequired, "at least one condition")
		}
		positive := false
		for i := range c.All {
			if err := c.All[i].validate(fmt.Sprintf("%s[%d]", p, i), ctxAll); err != nil {
				return err
			}
			if c.All[i].Never == nil {
				positive = true
			}
		}
		if !positive {
			return fieldError(p, ErrNeverMisplaced, "all lists only never conditions")
		}
	case c.Any != nil:
		p := path + ".any"
		if len(c.Any) == 0 {
			return fieldError(p, cm.ErrRequired, "at least one condition")
		}
		inner := ctxTop
		if single {
			inner = ctxPred
		}
		for i := range c.Any {
			if err := c.Any[i].validate(fmt.Sprintf("%s[%d]", p, i), inner); err != nil {
				return err
			}
		}
	case c.Seq != nil:
		p := path + ".seq"
		if at == ctxPred {
			return fieldError(p, ErrSeqStep, "seq cannot stand inside a seq step")
		}
		steps := 0
		for i := range c.Seq {
			s := &c.Seq[i]
			sp := fmt.Sprintf("%s[%d]", p, i)
			if s.Seq != nil {
				// A nested seq is spliced into this one.
				if err := s.validate(sp, ctxSeq); err != nil {
					return err
				}
				steps++
				continue
			}
			if err := s.validate(sp, ctxSeq); err != nil {
				return err
			}
			if s.Never == nil {
				steps++
			}
		}
		if steps == 0 {
			return fieldError(p, cm.ErrRequired, "at least one step that is not never")
		}
	case c.Never != nil:
		p := path + ".never"
		switch at {
		case ctxAll:
			if c.Never.Never != nil {
				return fieldError(p, ErrNeverMisplaced, "never inside never")
			}
			return c.Never.validate(p, ctxNever)
		case ctxSeq:
			if c.Never.Never != nil {
				return fieldError(p, ErrNeverMisplaced, "never inside never")
			}
			return c.Never.validate(p, ctxPred)
		default:
			return fieldError(p, ErrNeverMisplaced, "")
		}
	}
	return nil
}

// notMatchable reports the event fields a match cannot name: they
// identify the event rather than describe it, or are not strings.
func notMatchable(field string) bool {
	switch field {
	case "id", "tenant", "type", "time", "contact", "amount":
		return true
	}
	return false
}

func (m *EventMatch) validate(path string) error {
	if m.Type == "" {
		return fieldError(path+".type", cm.ErrRequired, "")
	}
	if !m.Type.Known() {
		return fieldError(path+".type", cm.ErrUnknownValue, fmt.Sprintf("%q", string(m.Type)))
	}
	for k := range m.Match {
		if key, ok := strings.CutPrefix(k, "attrs."); ok {
			if key == "" {
				return fieldError(path+".match", cm.ErrInvalidValue, `"attrs." names no key`)
			}
			continue
		}
		if _, ok := frame.FieldByName(k); !ok || notMatchable(k) {
			return fieldError(path+".match", cm.ErrUnknownValue, fmt.Sprintf("field %q", k))
		}
	}
	return nil
}
