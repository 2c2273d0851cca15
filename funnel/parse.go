package funnel

import (
	"fmt"
	"strings"

	cm "github.com/convometrics/convometrics"
)

// ParseSteps reads a comma-separated list of steps written as in
// [ParseStep]; commas inside brackets separate filters, not steps.
func ParseSteps(s string) ([]Step, error) {
	parts, err := splitTop(s)
	if err != nil {
		return nil, err
	}
	out := make([]Step, 0, len(parts))
	for i, p := range parts {
		st, err := ParseStep(p)
		if err != nil {
			return nil, fmt.Errorf("funnel: step %d %q: %w", i+1, p, err)
		}
		out = append(out, st)
	}
	return out, nil
}

// ParseStep reads one step written as TYPE, TYPE[FILTER,…] and, for an
// optional step, a trailing "?": "message.sent[sender=campaign]",
// "cart.added[amount>=100,attrs.source=ad]", "flow.started?". A filter is
// written as [Match.String] formats it: field=value, field!=value,
// field~a|b (in), field!~a|b (not in), field? (set), !field (not set),
// amount>10, amount>=10, amount<10, amount<=10.
func ParseStep(s string) (Step, error) {
	s = strings.TrimSpace(s)
	var st Step
	if rest, ok := strings.CutSuffix(s, "?"); ok {
		st.Optional = true
		s = rest
	}
	t, where, err := parseEvent(s)
	if err != nil {
		return Step{}, err
	}
	st.Type, st.Where = t, where
	return st, nil
}

// ParseExclusion reads an exclusion written as an event (as in
// [ParseStep], without "?") and, optionally, "@FROM-TO" with 1-based step
// numbers: "conversation.handoff@1-2" excludes a hand-off between the
// first and the second step; without a range the exclusion spans the
// whole funnel.
func ParseExclusion(s string) (Exclusion, error) {
	s = strings.TrimSpace(s)
	var x Exclusion
	if i := strings.LastIndexByte(s, '@'); i >= 0 && !strings.Contains(s[i:], "]") {
		var a, b int
		if n, err := fmt.Sscanf(s[i+1:], "%d-%d", &a, &b); err != nil || n != 2 || a < 1 || b <= a {
			return Exclusion{}, fmt.Errorf("funnel: exclusion %q: %w: want @FROM-TO with step numbers from 1, FROM < TO", s, cm.ErrInvalidValue)
		}
		x.FromStep, x.ToStep = a-1, b-1
		s = s[:i]
	}
	t, where, err := parseEvent(s)
	if err != nil {
		return Exclusion{}, fmt.Errorf("funnel: exclusion %q: %w", s, err)
	}
	x.Type, x.Where = t, where
	return x, nil
}

func parseEvent(s string) (cm.Type, []Match, error) {
	name, filters, hasF := strings.Cut(s, "[")
	t := cm.Type(strings.TrimSpace(name))
	if t == "" {
		return "", nil, fmt.Errorf("type: %w", cm.ErrRequired)
	}
	if !t.Known() {
		return "", nil, fmt.Errorf("type: %w %q", cm.ErrUnknownValue, t)
	}
	if !hasF {
		return t, nil, nil
	}
	body, ok := strings.CutSuffix(strings.TrimSpace(filters), "]")
	if !ok || strings.ContainsAny(body, "[]") {
		return "", nil, fmt.Errorf("%w: unbalanced brackets", cm.ErrInvalidValue)
	}
	var where []Match
	for _, f := range strings.Split(body, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		m, err := ParseMatch(f)
		if err != nil {
			return "", nil, err
		}
		where = append(where, m)
	}
	return t, where, nil
}

// ParseMatch reads one filter (see [ParseStep]).
func ParseMatch(s string) (Match, error) {
	s = strings.TrimSpace(s)
	if f, ok := strings.CutPrefix(s, "!"); ok && !strings.ContainsAny(f, "=~<>!") {
		return Match{Field: f, Op: NotSet}, nil
	}
	if f, ok := strings.CutSuffix(s, "?"); ok && !strings.ContainsAny(f, "=~<>!") {
		return Match{Field: f, Op: Set}, nil
	}
	i := strings.IndexAny(s, "=!~<>")
	if i <= 0 {
		return Match{}, fmt.Errorf("filter %q: %w: want field=value, field!=value, field~a|b, field!~a|b, field?, !field or amount>=N", s, cm.ErrInvalidValue)
	}
	field, rest := s[:i], s[i:]
	for _, o := range []struct {
		tok string
		op  Op
	}{{"!=", Ne}, {"!~", NotIn}, {">=", Gte}, {"<=", Lte}, {"=", Eq}, {"~", In}, {">", Gt}, {"<", Lt}} {
		if v, ok := strings.CutPrefix(rest, o.tok); ok {
			m := Match{Field: field, Op: o.op, Value: v}
			if o.op == In || o.op == NotIn {
				m.Value, m.Values = "", strings.Split(v, "|")
			}
			return m, nil
		}
	}
	return Match{}, fmt.Errorf("filter %q: %w", s, cm.ErrInvalidValue)
}

// splitTop splits s at commas outside brackets.
func splitTop(s string) ([]string, error) {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("funnel: steps %q: %w: unbalanced brackets", s, cm.ErrInvalidValue)
			}
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("funnel: steps %q: %w: unbalanced brackets", s, cm.ErrInvalidValue)
	}
	out = append(out, s[start:])
	return out, nil
}
