package attribution

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"

	cm "github.com/convometrics/convometrics"
	"github.com/shopspring/decimal"
)

// PathRow is one row of aggregated journeys, the input of
// ChannelAttribution's heuristic_models and markov_model: a path of
// channels, how many journeys on it converted (Conversions), their total
// value, and how many did not (Nulls). Several rows may have the same
// path; they add up.
type PathRow struct {
	Path        []string        `json:"path"`
	Conversions float64         `json:"conversions"`
	Value       decimal.Decimal `json:"value"`
	Nulls       float64         `json:"nulls"`
}

// PathFormat describes a CSV file of path rows. The zero value reads
// ChannelAttribution's own example files: a header naming the columns
// path, total_conversions, total_conversion_value and total_null, fields
// separated by ';' (or ',' when the header has no ';'), channels joined by
// '>' with blanks around them trimmed.
type PathFormat struct {
	// Comma separates fields; 0 means detect ';' or ',' from the header.
	Comma rune `json:"comma,omitempty"`
	// Separator joins the channels of a path; "" means ">".
	Separator string `json:"separator,omitempty"`
	// Column names; "" means the default. The value and null columns are
	// optional: absent, values are 0 and there are no null journeys.
	Path        string `json:"path,omitempty"`
	Conversions string `json:"conversions,omitempty"`
	Value       string `json:"value,omitempty"`
	Nulls       string `json:"nulls,omitempty"`
}

// ErrPathData is wrapped by the errors of [ReadPaths] and
// [AttributePaths] about their input.
var ErrPathData = errors.New("bad path data")

// ReadPaths reads path rows from CSV. Errors name the line and column and
// wrap [ErrPathData].
func ReadPaths(r io.Reader, f PathFormat) ([]PathRow, error) {
	br := bufio.NewReader(r)
	if f.Comma == 0 {
		head, err := br.Peek(4096)
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return nil, err
		}
		line, _, _ := strings.Cut(string(head), "\n")
		f.Comma = ','
		if strings.Contains(line, ";") {
			f.Comma = ';'
		}
	}
	sep := f.Separator
	if sep == "" {
		sep = ">"
	}
	names := [4]string{f.Path, f.Conversions, f.Value, f.Nulls}
	for i, def := range [4]string{"path", "total_conversions", "total_conversion_value", "total_null"} {
		if names[i] == "" {
			names[i] = def
		}
	}
	cr := csv.NewReader(br)
	cr.Comma = f.Comma
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("attribution: path data: %w: empty input", ErrPathData)
		}
		return nil, fmt.Errorf("attribution: path data: %w: %v", ErrPathData, err)
	}
	col := [4]int{-1, -1, -1, -1}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		for k, n := range names {
			if h == n {
				col[k] = i
			}
		}
	}
	for k, label := range [2]string{"path", "conversions"} {
		if col[k] < 0 {
			return nil, fmt.Errorf("attribution: path data: line 1: %w: no %s column %q in the header %q", ErrPathData, label, names[k], header)
		}
	}
	var rows []PathRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("attribution: path data: %w: %v", ErrPathData, err)
		}
		bad := func(column string, err error) error {
			return fmt.Errorf("attribution: path data: line %d: %s: %w: %v", line, column, ErrPathData, err)
		}
		field := func(k int) (string, bool) {
			if col[k] < 0 {
				return "", false
			}
			if col[k] >= len(rec) {
				return "", true
			}
			return strings.TrimSpace(rec[col[k]]), true
		}
		var row PathRow
		p, _ := field(0)
		for _, ch := range strings.Split(p, sep) {
			row.Path = append(row.Path, strings.TrimSpace(ch))
		}
		s, _ := field(1)
		if row.Conversions, err = strconv.ParseFloat(s, 64); err != nil {
			return nil, bad(names[1], fmt.Errorf("not a number: %q", s))
		}
		if s, ok := field(2); ok {
			if row.Value, err = decimal.NewFromString(s); err != nil {
				return nil, bad(names[2], fmt.Errorf("not a decimal: %q", s))
			}
		}
		if s, ok := field(3); ok {
			if row.Nulls, err = strconv.ParseFloat(s, 64); err != nil {
				return nil, bad(names[3], fmt.Errorf("not a number: %q", s))
			}
		}
		if err := row.check(); err != nil {
			return nil, fmt.Errorf("attribution: path data: line %d: %w", line, err)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func (r *PathRow) check() error {
	if len(r.Path) == 0 {
		return fmt.Errorf("path: %w: empty", ErrPathData)
	}
	for i, ch := range r.Path {
		if ch == "" {
			return fmt.Errorf("path[%d]: %w: empty channel name", i, ErrPathData)
		}
	}
	if math.IsNaN(r.Conversions) || math.IsInf(r.Conversions, 0) || r.Conversions < 0 {
		return fmt.Errorf("conversions: %w: %v is not a non-negative number", ErrPathData, r.Conversions)
	}
	if math.IsNaN(r.Nulls) || math.IsInf(r.Nulls, 0) || r.Nulls < 0 {
		return fmt.Errorf("nulls: %w: %v is not a non-negative number", ErrPathData, r.Nulls)
	}
	if r.Value.IsNegative() {
		return fmt.Errorf("value: %w: %s is negative", ErrPathData, r.Value)
	}
	if r.Value.IsPositive() && r.Conversions == 0 {
		return fmt.Errorf("value: %w: %s with no conversions", ErrPathData, r.Value)
	}
	return nil
}

// PathResult is what [AttributePaths] computes: ChannelAttribution's
// heuristic_models and markov_model (exact, order 1) side by side.
type PathResult struct {
	// Channels in order of first appearance in the input, as
	// ChannelAttribution lists them.
	Channels []PathChannel `json:"channels"`
	Totals   PathTotals    `json:"totals"`
	// ConversionProbability is P(conversion) from (start).
	ConversionProbability float64 `json:"conversion_probability"`
	// Transitions of the chain, with (start) first and the absorbing
	// states last.
	Transitions []Transition `json:"transitions"`
}

// PathTotals sums the input.
type PathTotals struct {
	Rows        int             `json:"rows"`
	Conversions float64         `json:"conversions"`
	Value       decimal.Decimal `json:"value"`
	Nulls       float64         `json:"nulls"`
}

// PathCredit is what one model gives one channel.
type PathCredit struct {
	Conversions float64         `json:"conversions"`
	Value       decimal.Decimal `json:"value"`
}

// PathChannel is one channel's credit under every model.
type PathChannel struct {
	Channel    string     `json:"channel"`
	FirstTouch PathCredit `json:"first_touch"`
	LastTouch  PathCredit `json:"last_touch"`
	Linear     PathCredit `json:"linear"`
	Markov     PathCredit `json:"markov"`
	// RemovalEffect is 1 − P(conversion without the channel)/P(conversion);
	// RemovalEffectValue the share of expected value lost without it.
	RemovalEffect      float64 `json:"removal_effect"`
	RemovalEffectValue float64 `json:"removal_effect_value"`
}

// AttributePaths attributes aggregated journeys the way ChannelAttribution
// does, so that its numbers can be compared with that package's:
//
//   - first touch, last touch: the row's first (last) channel gets its
//     conversions and value;
//   - linear: each of the L occurrences of a channel in the path gets c/L
//     conversions and v/L value (repeats are kept: a channel twice in the
//     path gets two shares);
//   - Markov (order 1): consecutive repeats are merged into one state;
//     every transition (start)→s1→…→sL counts c + n, sL→(conversion)
//     counts c and sL→(null) counts n; probabilities are the counts
//     normalised per state. The removal effects are computed exactly on
//     the absorbing chain (no simulation): RE_x = 1 − P_{−x}/P, where
//     removing x sends every walk reaching x to (null). Conversions_x =
//     RE_x/ΣRE × Σc. The value model gives each last state j the mean
//     value per conversion of the rows ending in j, m_j; V_x =
//     Σ_j m_j·(C_j − C_j^{−x}) with C_j the probability of converting
//     with last state j; value_x = V_x/ΣV × Σv.
//
// Values are split by the largest-remainder method in units of the finest
// decimal of the input, so every model's values add up to the input's
// total exactly; conversions are float64 and add up to within rounding.
// ChannelAttribution's own Markov numbers are Monte Carlo estimates of the
// same quantities (with a step limit that makes them slightly lower for
// long paths), so they agree to within its convergence tolerance.
func AttributePaths(rows []PathRow) (*PathResult, error) {
	res := &PathResult{Totals: PathTotals{Rows: len(rows)}}
	index := map[string]int{}
	var names []string
	prec := int32(0)
	values := make([]fixed, len(rows))
	var total fixed
	for i := range rows {
		r := &rows[i]
		if err := r.check(); err != nil {
			return nil, fmt.Errorf("attribution: path data: rows[%d]: %w", i, err)
		}
		for _, ch := range r.Path {
			if _, ok := index[ch]; !ok {
				index[ch] = len(names)
				names = append(names, ch)
			}
		}
		prec = max(prec, -r.Value.Exponent())
		res.Totals.Conversions += r.Conversions
		res.Totals.Nulls += r.Nulls
		values[i] = fixedOf(r.Value)
		total = total.add(values[i])
	}
	res.Totals.Value = total.decimal()
	n := len(names)
	type acc struct {
		conv  float64
		units cell
	}
	first, last, linear, markovValue := make([]acc, n), make([]acc, n), make([]acc, n), make([]cell, n)
	ch, err := newChain(n)
	if err != nil {
		return nil, err
	}
	lastValue := make([]float64, n+1) // per state: Σ value of rows ending there
	lastConv := make([]float64, n+1)
	var states []int
	for i := range rows {
		r := &rows[i]
		L := len(r.Path)
		a, z := index[r.Path[0]], index[r.Path[L-1]]
		first[a].conv += r.Conversions
		last[z].conv += r.Conversions
		// Linear: L equal parts of the value; the units left over by the
		// integer division go one each to the first occurrences (the
		// largest-remainder rule when every remainder is equal).
		if x, ok := values[i].units(prec); ok {
			first[a].units.add(x)
			last[z].units.add(x)
			q, rem := x/int64(L), x%int64(L)
			for k, chName := range r.Path {
				p := q
				if int64(k) < rem {
					p++
				}
				linear[index[chName]].units.add(p)
			}
		} else {
			b := r.Value.Shift(prec).BigInt()
			first[a].units.addBig(b)
			last[z].units.addBig(b)
			q, rem := new(big.Int).QuoRem(b, big.NewInt(int64(L)), new(big.Int))
			q1 := new(big.Int).Add(q, big.NewInt(1))
			for k, chName := range r.Path {
				if int64(k) < rem.Int64() {
					linear[index[chName]].units.addBig(q1)
				} else {
					linear[index[chName]].units.addBig(q)
				}
			}
		}
		for _, chName := range r.Path {
			linear[index[chName]].conv += r.Conversions / float64(L)
		}
		states = states[:0]
		for k, chName := range r.Path {
			if k == 0 || chName != r.Path[k-1] {
				states = append(states, index[chName]+1)
			}
		}
		ch.addPath(states, r.Conversions, r.Nulls)
		if r.Conversions > 0 {
			s := states[len(states)-1]
			lastValue[s] += values[i].float()
			lastConv[s] += r.Conversions
		}
	}
	res.Transitions = ch.transitions(func(i int) string { return names[i] })
	res.Channels = make([]PathChannel, n)
	for i, name := range names {
		res.Channels[i] = PathChannel{Channel: name}
	}
	if res.Totals.Conversions > 0 {
		sol, err := ch.solve()
		if err != nil {
			return nil, err
		}
		res.ConversionProbability = sol.P
		var expected float64
		mean := make([]float64, ch.n)
		for s := 1; s < ch.n; s++ {
			if lastConv[s] > 0 {
				mean[s] = lastValue[s] / lastConv[s]
				expected += mean[s] * sol.C[s]
			}
		}
		re, lost := make([]float64, n), make([]float64, n)
		without := make([]float64, ch.n)
		var reSum float64
		for i := range n {
			re[i] = sol.removalEffect(i+1, without)
			reSum += re[i]
			for s := 1; s < ch.n; s++ {
				lost[i] += mean[s] * (sol.C[s] - without[s])
			}
			lost[i] = max(lost[i], 0)
		}
		var lostSum float64
		for i := range n {
			res.Channels[i].RemovalEffect = re[i]
			if expected > 0 {
				res.Channels[i].RemovalEffectValue = min(lost[i]/expected, 1)
			}
			if reSum > 0 {
				res.Channels[i].Markov.Conversions = re[i] / reSum * res.Totals.Conversions
			}
			lostSum += lost[i]
		}
		if lostSum == 0 {
			copy(lost, re)
		}
		total := res.Totals.Value.Shift(prec)
		if total.IsPositive() {
			splitBig(total.BigInt(), lost, sum(lost), func(i int, p *big.Int) { markovValue[i].addBig(p) })
		}
	}
	for i := range n {
		c := &res.Channels[i]
		c.FirstTouch = PathCredit{first[i].conv, first[i].units.decimal(prec)}
		c.LastTouch = PathCredit{last[i].conv, last[i].units.decimal(prec)}
		c.Linear = PathCredit{linear[i].conv, linear[i].units.decimal(prec)}
		c.Markov.Value = markovValue[i].decimal(prec)
	}
	return res, nil
}

func sum(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s
}

// Tables returns the result as ChannelAttribution's two tables.
func (r *PathResult) Tables() []cm.Table {
	h := cm.Table{Name: "Heuristic models", Columns: []string{"channel_name", "first_touch_conversions", "first_touch_value",
		"last_touch_conversions", "last_touch_value", "linear_touch_conversions", "linear_touch_value"}}
	m := cm.Table{Name: "Markov model (exact, order 1)", Columns: []string{"channel_name", "total_conversions", "total_conversion_value",
		"removal_effects_conversion", "removal_effects_conversion_value"}}
	for _, c := range r.Channels {
		h.Rows = append(h.Rows, []string{c.Channel, fmtFloat(c.FirstTouch.Conversions), c.FirstTouch.Value.String(),
			fmtFloat(c.LastTouch.Conversions), c.LastTouch.Value.String(), fmtFloat(c.Linear.Conversions), c.Linear.Value.String()})
		m.Rows = append(m.Rows, []string{c.Channel, fmtFloat(c.Markov.Conversions), c.Markov.Value.String(),
			fmtFloat(c.RemovalEffect), fmtFloat(c.RemovalEffectValue)})
	}
	t := cm.Table{Name: "Transition matrix", Columns: []string{"channel_from", "channel_to", "count", "transition_probability"}}
	for _, tr := range r.Transitions {
		t.Rows = append(t.Rows, []string{tr.From, tr.To, fmtFloat(tr.Count), fmtFloat(tr.Probability)})
	}
	return []cm.Table{h, m, t}
}

// fmtFloat formats a fractional number with up to six decimals.
func fmtFloat(x float64) string {
	s := strconv.FormatFloat(x, 'f', 6, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
