package attribution

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"

	cm "github.com/convometrics/convometrics"
)

// Names of the special states of the Markov chain, as they appear in
// [Transition].
const (
	StartState      = "(start)"
	ConversionState = "(conversion)"
	NullState       = "(null)"
)

// MaxMarkovStates bounds the number of dimension values the Markov model
// accepts: solving the chain costs time cubic in it.
const MaxMarkovStates = 2000

// ErrTooManyStates is returned (wrapped) when a Markov model would have
// more than [MaxMarkovStates] states.
var ErrTooManyStates = errors.New("too many states for the Markov model")

// chain is a first-order absorbing Markov chain over n transient states:
// state 0 is (start), states 1..n-1 are channels. count[i] has n+2
// entries: transitions to transient state j < n, to (conversion) at n and
// to (null) at n+1.
type chain struct {
	n     int
	count [][]float64
}

func newChain(channels int) (*chain, error) {
	if channels > MaxMarkovStates {
		return nil, fmt.Errorf("attribution: markov: %d values: %w (at most %d)", channels, ErrTooManyStates, MaxMarkovStates)
	}
	n := channels + 1
	c := &chain{n: n, count: make([][]float64, n)}
	buf := make([]float64, n*(n+2))
	for i := range c.count {
		c.count[i] = buf[i*(n+2) : (i+1)*(n+2)]
	}
	return c, nil
}

// addPath counts one path of channel states (1-based, consecutive repeats
// already merged) with weight conv ending in (conversion) and weight null
// ending in (null): every transition (start)→s1→…→sL gets conv+null.
func (c *chain) addPath(states []int, conv, null float64) {
	if len(states) == 0 || conv+null == 0 {
		return
	}
	prev := 0
	for _, s := range states {
		c.count[prev][s] += conv + null
		prev = s
	}
	c.count[prev][c.n] += conv
	c.count[prev][c.n+1] += null
}

// prob returns the transition probability from i to column j.
func (c *chain) prob(i, j int) float64 {
	var sum float64
	for _, x := range c.count[i] {
		sum += x
	}
	if sum == 0 {
		return 0
	}
	return c.count[i][j] / sum
}

// transitions lists the transitions with a count, row by row, naming the
// channel states by channel(s-1) for state s.
func (c *chain) transitions(channel func(i int) string) []Transition {
	name := func(s int) string {
		switch s {
		case 0:
			return StartState
		case c.n:
			return ConversionState
		case c.n + 1:
			return NullState
		}
		return channel(s - 1)
	}
	var out []Transition
	for i := range c.n {
		for j := range c.n + 2 {
			if c.count[i][j] > 0 {
				out = append(out, Transition{From: name(i), To: name(j), Count: c.count[i][j], Probability: c.prob(i, j)})
			}
		}
	}
	return out
}

// solution is the chain solved: N = (I − Q)⁻¹ (expected visits), b the
// one-step conversion probabilities, and P(conversion) from (start).
type solution struct {
	n int
	N [][]float64
	b []float64
	P float64
	// C[j] = N[0][j]·b[j]: the probability of converting from state j,
	// which is the last state of the walk.
	C []float64
}

// solve inverts I − Q by Gauss–Jordan elimination with partial pivoting.
func (c *chain) solve() (*solution, error) {
	n := c.n
	rowSum := make([]float64, n)
	for i := range n {
		for _, x := range c.count[i] {
			rowSum[i] += x
		}
	}
	// a = [I − Q | I]
	a := make([][]float64, n)
	for i := range n {
		a[i] = make([]float64, 2*n)
		for j := range n {
			if rowSum[i] > 0 {
				a[i][j] = -c.count[i][j] / rowSum[i]
			}
		}
		a[i][i]++
		a[i][n+i] = 1
	}
	for col := range n {
		p := col
		for r := col + 1; r < n; r++ {
			if math.Abs(a[r][col]) > math.Abs(a[p][col]) {
				p = r
			}
		}
		if math.Abs(a[p][col]) < 1e-300 {
			return nil, fmt.Errorf("attribution: markov: the chain has no way out of a state")
		}
		a[col], a[p] = a[p], a[col]
		inv := 1 / a[col][col]
		for j := col; j < 2*n; j++ {
			a[col][j] *= inv
		}
		for r := range n {
			if r == col || a[r][col] == 0 {
				continue
			}
			f := a[r][col]
			for j := col; j < 2*n; j++ {
				a[r][j] -= f * a[col][j]
			}
		}
	}
	s := &solution{n: n, N: make([][]float64, n), b: make([]float64, n), C: make([]float64, n)}
	for i := range n {
		s.N[i] = a[i][n:]
		if rowSum[i] > 0 {
			s.b[i] = c.count[i][n] / rowSum[i]
		}
	}
	for j := range n {
		s.C[j] = s.N[0][j] * s.b[j]
		s.P += s.C[j]
	}
	return s, nil
}

// without returns, for each state j, the probability of converting with j
// as the last state once state x is removed (all its mass sent to
// (null)). Removing x leaves the walks that never visit x; by the
// first-visit decomposition their expected visits to j are
// N[0][j] − N[0][x]·N[x][j]/N[x][x].
func (s *solution) without(x int, out []float64) {
	for j := range s.n {
		if j == x {
			out[j] = 0
			continue
		}
		v := s.N[0][j] - s.N[0][x]*s.N[x][j]/s.N[x][x]
		if v < 0 { // rounding
			v = 0
		}
		out[j] = v * s.b[j]
	}
}

// removalEffect returns 1 − P(conversion without x) / P(conversion), and
// the C vector without x in out.
func (s *solution) removalEffect(x int, out []float64) float64 {
	if s.P <= 0 {
		return 0
	}
	s.without(x, out)
	var p float64
	for _, v := range out {
		p += v
	}
	re := 1 - p/s.P
	return min(max(re, 0), 1)
}

// mergedPath appends the journey's values with consecutive repeats merged.
func mergedPath(dst []int32, ts []touch) []int32 {
	for i, t := range ts {
		if i == 0 || t.val != ts[i-1].val {
			dst = append(dst, t.val)
		}
	}
	return dst
}

// markov fits the chain to the converting journeys and the counted
// non-converting ones, and returns it with the removal effect of every
// value (indexed by value index).
func (c *computer) markov() (*MarkovResult, []float64, error) {
	a := c.a
	// States: every value on a path, in value-index order.
	state := make([]int, len(a.values)) // value index → state (0: none)
	var values []int32
	use := func(v int32) {
		if v >= 0 && state[v] == 0 {
			values = append(values, v)
			state[v] = -1
		}
	}
	for _, j := range c.journeys {
		for _, t := range a.touches[j.lo:j.hi] {
			use(t.val)
		}
	}
	for k := range a.nullTrans {
		use(k[0])
		use(k[1])
	}
	slices.SortFunc(values, func(x, y int32) int { return strings.Compare(a.values[x], a.values[y]) })
	for i, v := range values {
		state[v] = i + 1
	}
	ch, err := newChain(len(values))
	if err != nil {
		return nil, nil, err
	}
	res := &MarkovResult{NullJourneys: int(a.nullJourneys)}

	// Converting journeys, and the value of conversions per last state.
	ncur := len(c.curs)
	lastSum := make([][]float64, ch.n) // per state, per currency
	lastN := make([]float64, ch.n)
	var path []int32
	var states []int
	var convs float64
	totalUnits := make([]cell, ncur)
	for _, j := range c.journeys {
		if j.hi == j.lo {
			continue
		}
		res.Journeys++
		convs++
		path = mergedPath(path[:0], a.touches[j.lo:j.hi])
		states = states[:0]
		for _, v := range path {
			states = append(states, state[v])
		}
		ch.addPath(states, 1, 0)
		last := states[len(states)-1]
		if lastSum[last] == nil {
			lastSum[last] = make([]float64, ncur)
		}
		ci := c.curIdx[j.c.currency]
		lastSum[last][ci] += netFloat(j.c)
		lastN[last]++
		u, b := c.units(j)
		sh := []share{{units: u, big: b}}
		c.rescale(j, sh)
		addCell(&totalUnits[ci], sh[0])
	}
	for k, n := range a.nullTrans {
		from, to := 0, ch.n+1
		if k[0] >= 0 {
			from = state[k[0]]
		}
		if k[1] >= 0 {
			to = state[k[1]]
		}
		ch.count[from][to] += float64(n)
	}

	res.Transitions = ch.transitions(func(i int) string { return a.values[values[i]] })
	re := make([]float64, len(a.values))
	if res.Journeys == 0 {
		return res, re, nil
	}
	sol, err := ch.solve()
	if err != nil {
		return nil, nil, err
	}
	res.ConversionProbability = sol.P

	// Removal effects, and the value lost per currency:
	// V_x = Σ_j mean_j · (C_j − C_j without x).
	mean := make([][]float64, ch.n)
	expected := make([]float64, ncur) // Σ_j mean_j · C_j
	for s := 1; s < ch.n; s++ {
		if lastN[s] == 0 {
			continue
		}
		mean[s] = make([]float64, ncur)
		for ci := range ncur {
			mean[s][ci] = lastSum[s][ci] / lastN[s]
			expected[ci] += mean[s][ci] * sol.C[s]
		}
	}
	without := make([]float64, ch.n)
	lost := make([][]float64, len(values)) // per value, per currency
	var reSum float64
	for i, v := range values {
		x := i + 1
		re[v] = sol.removalEffect(x, without)
		reSum += re[v]
		lost[i] = make([]float64, ncur)
		for s := 1; s < ch.n; s++ {
			if mean[s] == nil {
				continue
			}
			d := sol.C[s] - without[s]
			for ci := range ncur {
				lost[i][ci] += mean[s][ci] * d
			}
		}
		eff := RemovalEffect{Value: a.values[v], Conversion: re[v], Revenue: map[string]float64{}}
		for ci, cur := range c.curs {
			if expected[ci] > 0 {
				eff.Revenue[cur] = min(max(lost[i][ci]/expected[ci], 0), 1)
			}
		}
		res.RemovalEffects = append(res.RemovalEffects, eff)
	}

	// Global attribution: conversions by removal effect, revenue by value
	// lost, split by largest remainder per currency (ties to the value
	// first in name order).
	rows := make([]Row, len(values))
	for i, v := range values {
		rows[i] = Row{Value: a.values[v], Revenue: cm.Amounts{}}
		if reSum > 0 {
			rows[i].Conversions = re[v] / reSum * convs
		}
	}
	w := make([]float64, len(values))
	for ci, cur := range c.curs {
		var sum float64
		for i := range values {
			w[i] = max(lost[i][ci], 0)
			sum += w[i]
		}
		if sum == 0 && !totalUnits[ci].isZero() {
			for i, v := range values { // no value model in this currency: by conversions
				w[i] = re[v]
			}
		}
		if totalUnits[ci].isZero() {
			continue
		}
		parts := make([]cell, len(values))
		if totalUnits[ci].big != nil {
			var s float64
			for _, x := range w {
				s += x
			}
			splitBig(totalUnits[ci].big, w, s, func(i int, p *big.Int) { parts[i].addBig(p) })
		} else {
			p := make([]int64, len(values))
			splitUnits(totalUnits[ci].u, w, p)
			for i := range p {
				parts[i].add(p[i])
			}
		}
		for i := range values {
			rows[i].Revenue[cur] = parts[i].decimal(c.exps[ci])
		}
	}
	if c.a.q.Definition.Model == Markov {
		var none Row
		for _, j := range c.journeys {
			if j.hi == j.lo {
				none.Conversions++
				none.Revenue = none.Revenue.Add(j.c.currency, j.c.net.decimal())
			}
		}
		if none.Conversions > 0 {
			rows = append(rows, none)
		}
	}
	sortRows(rows)
	res.Attributed = rows
	return res, re, nil
}
