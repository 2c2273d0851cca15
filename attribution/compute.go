package attribution

import (
	"cmp"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
)

// minConversions is the number of conversions below which a data-driven
// result carries a warning (Google quotes 300 conversions in 30 days as
// the minimum for its data-driven model).
const minConversions = 300

// share is one value's part of one conversion.
type share struct {
	val     int32 // value index, -1 for none
	w       float64
	touches int32
	units   int64
	big     *big.Int // units, when they do not fit an int64
}

// rowAcc accumulates one row.
type rowAcc struct {
	conv    float64
	convBy  []float64 // per currency index
	touches int
	rev     []cell // per currency index
	has     []bool // currencies the row got credit in
	series  []bucketAcc
}

type bucketAcc struct {
	conv float64
	rev  []cell
	has  []bool
}

// computer turns journeys into a Result.
type computer struct {
	a        *Accumulator
	def      Definition
	journeys []journey
	curs     []string // currencies, sorted
	curIdx   map[string]int
	exps     []int32 // unit exponent per currency
	buckets  cm.Buckets
	rows     []rowAcc // value index + 1; 0 is none
	series   []bucketAcc

	// scratch
	w      []float64
	parts  []int64
	shares []share
	path   []int32
	key    []byte
}

// Result attributes the conversions the accumulator holds.
func (a *Accumulator) Result() (*Result, error) {
	c := &computer{a: a, def: a.q.Definition}
	c.collect()
	gran := a.q.Granularity
	if gran == "" {
		gran = cm.Day
	}
	b, err := a.q.Calendar.Buckets(a.q.Range, gran)
	if err != nil {
		return nil, fmt.Errorf("attribution: %w", err)
	}
	c.buckets = b
	res := &Result{Query: a.q}
	res.Query.Granularity = gran
	res.Query.Partition = cm.Partition{} // the merged partitions are one answer
	c.rows = make([]rowAcc, len(a.values)+1)
	c.series = make([]bucketAcc, b.Len())

	var weigh func(j journey, out []share) []share
	switch c.def.Model {
	case Markov:
		m, re, err := c.markov()
		if err != nil {
			return nil, err
		}
		res.Markov = m
		weigh = func(j journey, out []share) []share { return c.byValue(j, out, func(v int32) float64 { return re[v] }) }
	case Shapley:
		s, phi := c.shapley()
		res.Shapley = s
		weigh = func(j journey, out []share) []share { return c.shapleyShares(j, out, phi) }
	default:
		weigh = c.byTouch
	}

	tot := &res.Totals
	tot.ByCurrency = map[string]int{}
	var gross, refunded, revenue sums
	tot.NullJourneys = int(a.nullJourneys)
	if !c.def.Model.DataDriven() {
		tot.NullJourneys = 0
	}
	for _, j := range c.journeys {
		cur := j.c.currency
		tot.Conversions++
		tot.ByCurrency[cur]++
		gross.add(cur, j.c.gross)
		refunded.add(cur, j.c.refunded)
		revenue.add(cur, j.c.net)
		tot.Touches += int(j.hi - j.lo)
		if j.hi == j.lo {
			tot.Unattributed++
		}
		c.shares = weigh(j, c.shares[:0])
		c.splitMoney(j, c.shares)
		c.rescale(j, c.shares)
		c.add(j, c.shares)
		if a.q.Detail {
			res.Conversions = append(res.Conversions, c.detail(j, c.shares))
		}
	}
	tot.Gross, tot.Refunded, tot.Revenue = gross.amounts(), refunded.amounts(), revenue.amounts()
	res.Rows = c.buildRows()
	res.Series = c.seriesOf(c.series)
	if c.def.Model.DataDriven() && tot.Conversions < minConversions {
		res.Warnings = append(res.Warnings, fmt.Sprintf("the %s model was fitted on %d conversions, fewer than %d: its credit is unstable", c.def.Model, tot.Conversions, minConversions))
	}
	return res, nil
}

// collect orders the journeys canonically, adds an empty journey for every
// conversion no frame had touches for, and sets up the currencies.
func (c *computer) collect() {
	a := c.a
	seen := make(map[string]bool, len(a.owned))
	c.journeys = make([]journey, 0, len(a.owned))
	for _, j := range a.journeys {
		if !seen[j.c.payment] {
			seen[j.c.payment] = true
			c.journeys = append(c.journeys, j)
		}
	}
	for _, cv := range a.owned {
		if cv.inRange && !seen[cv.payment] {
			seen[cv.payment] = true
			c.journeys = append(c.journeys, journey{c: cv})
		}
	}
	slices.SortFunc(c.journeys, func(x, y journey) int {
		if d := cmp.Compare(x.c.ns, y.c.ns); d != 0 {
			return d
		}
		return strings.Compare(x.c.payment, y.c.payment)
	})
	c.curIdx = map[string]int{}
	exps := map[string]int32{}
	for _, j := range c.journeys {
		cur := j.c.currency
		e := unitExp(cur, j.c.net)
		if old, ok := exps[cur]; !ok || e > old {
			exps[cur] = e
		}
	}
	for cur := range exps {
		c.curs = append(c.curs, cur)
	}
	slices.Sort(c.curs)
	for i, cur := range c.curs {
		c.curIdx[cur] = i
		c.exps = append(c.exps, exps[cur])
	}
}

// byTouch weighs each touch by the rule-based model, then sums per value.
func (c *computer) byTouch(j journey, out []share) []share {
	ts := c.a.touches[j.lo:j.hi]
	n := len(ts)
	if n == 0 {
		return append(out, share{val: -1, w: 1})
	}
	c.w = slices.Grow(c.w[:0], n)[:n]
	w := c.w
	clear(w)
	switch c.def.Model {
	case LastTouch:
		w[n-1] = 1
	case FirstTouch:
		w[0] = 1
	case Linear:
		for i := range w {
			w[i] = 1 / float64(n)
		}
	case TimeDecay:
		// Measured from the latest touch (ts are in time order, so it is
		// the last): its raw weight is 2^0 = 1, so the sum is at least 1
		// even when every touch is thousands of half-lives old, where
		// 2^(−Δt/H) itself would underflow to 0 and 0/0 give NaN.
		var sum float64
		h := float64(c.def.HalfLife)
		latest := ts[n-1].ns
		for i, t := range ts {
			w[i] = math.Exp2(-float64(latest-t.ns) / h)
			sum += w[i]
		}
		for i := range w {
			w[i] /= sum
		}
	case PositionBased:
		first, last := *c.def.FirstShare, *c.def.LastShare
		switch {
		case n == 1:
			w[0] = 1
		case n == 2 && first+last == 0:
			w[0], w[1] = 0.5, 0.5
		case n == 2:
			w[0], w[1] = first/(first+last), last/(first+last)
		default:
			mid := (1 - first - last) / float64(n-2)
			for i := range w {
				w[i] = mid
			}
			w[0], w[n-1] = first, last
		}
	}
	// Revenue is split per touch (ties to the earlier touch), then summed
	// per value.
	units, bigUnits := c.units(j)
	c.parts = slices.Grow(c.parts[:0], n)[:n]
	var bigParts []*big.Int
	if bigUnits != nil {
		bigParts = make([]*big.Int, n)
		var sum float64
		for _, x := range w {
			sum += x
		}
		splitBig(bigUnits, w, sum, func(i int, p *big.Int) { bigParts[i] = p })
	} else {
		splitUnits(units, w, c.parts)
	}
	for i, t := range ts {
		k := shareIndex(out, t.val)
		if k < 0 {
			out = append(out, share{val: t.val})
			k = len(out) - 1
		}
		s := &out[k]
		s.w += w[i]
		s.touches++
		if bigParts != nil {
			if s.big == nil {
				s.big = new(big.Int)
			}
			s.big.Add(s.big, bigParts[i])
		} else {
			s.units += c.parts[i]
		}
	}
	return out
}

// shareIndex returns the index of value v's share in out, or -1 (a
// journey has few distinct values, so a scan beats a map).
func shareIndex(out []share, v int32) int {
	for x := range out {
		if out[x].val == v {
			return x
		}
	}
	return -1
}

// preSplit reports whether byTouch already split the revenue (rule-based
// models split per touch; the data-driven ones per value, in splitMoney).
func (c *computer) preSplit() bool { return !c.def.Model.DataDriven() }

// byValue weighs each distinct value of the journey by weight(v),
// normalised; values whose weights are all zero share equally.
func (c *computer) byValue(j journey, out []share, weight func(v int32) float64) []share {
	ts := c.a.touches[j.lo:j.hi]
	if len(ts) == 0 {
		return append(out, share{val: -1, w: 1})
	}
	for _, t := range ts {
		k := shareIndex(out, t.val)
		if k < 0 {
			out = append(out, share{val: t.val, w: weight(t.val)})
			k = len(out) - 1
		}
		out[k].touches++
	}
	var sum float64
	for _, s := range out {
		sum += s.w
	}
	for i := range out {
		if sum > 0 {
			out[i].w /= sum
		} else {
			out[i].w = 1 / float64(len(out))
		}
	}
	return out
}

// units returns the journey's revenue in units of its own exponent (its
// currency's minor unit, or finer when the amount has more decimals), the
// unit it is split in.
func (c *computer) units(j journey) (int64, *big.Int) {
	e := unitExp(j.c.currency, j.c.net)
	if u, ok := j.c.net.units(e); ok {
		return u, nil
	}
	return 0, j.c.net.decimal().Shift(e).BigInt()
}

// rescale turns the shares' units from the journey's own exponent into
// its currency's exponent in the result (the finest of the currency's
// conversions), so that parts of different conversions add up.
func (c *computer) rescale(j journey, shares []share) {
	up := c.exps[c.curIdx[j.c.currency]] - unitExp(j.c.currency, j.c.net)
	if up == 0 {
		return
	}
	var f *big.Int
	for i := range shares {
		s := &shares[i]
		if s.big == nil {
			if u, ok := mulPow10(s.units, up); ok {
				s.units = u
				continue
			}
			s.big = big.NewInt(s.units)
			s.units = 0
		}
		if f == nil {
			f = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(up)), nil)
		}
		s.big = new(big.Int).Mul(s.big, f)
	}
}

// splitMoney splits the revenue among the shares by largest remainder when
// the model weighs values rather than touches.
func (c *computer) splitMoney(j journey, shares []share) {
	if c.preSplit() && j.hi > j.lo {
		return
	}
	units, bigUnits := c.units(j)
	c.w = c.w[:0]
	for _, s := range shares {
		c.w = append(c.w, s.w)
	}
	if bigUnits != nil {
		var sum float64
		for _, x := range c.w {
			sum += x
		}
		splitBig(bigUnits, c.w, sum, func(i int, p *big.Int) { shares[i].big = p })
		return
	}
	c.parts = slices.Grow(c.parts[:0], len(shares))[:len(shares)]
	splitUnits(units, c.w, c.parts)
	for i := range shares {
		shares[i].units = c.parts[i]
	}
}

// add adds the journey's shares to the rows, the series and the total.
func (c *computer) add(j journey, shares []share) {
	ci := c.curIdx[j.c.currency]
	b := c.buckets.IndexUnixNano(j.c.ns)
	for _, s := range shares {
		r := &c.rows[s.val+1]
		if r.rev == nil {
			r.rev, r.has = make([]cell, len(c.curs)), make([]bool, len(c.curs))
			r.convBy = make([]float64, len(c.curs))
			r.series = make([]bucketAcc, c.buckets.Len())
		}
		r.conv += s.w
		r.convBy[ci] += s.w
		r.touches += int(s.touches)
		addCell(&r.rev[ci], s)
		r.has[ci] = true
		if b >= 0 {
			c.addBucket(&r.series[b], ci, s)
		}
	}
	if b >= 0 {
		c.addBucket(&c.series[b], ci, share{w: 1, units: sumUnits(shares), big: sumBig(shares)})
	}
}

func (c *computer) addBucket(x *bucketAcc, ci int, s share) {
	if x.rev == nil {
		x.rev, x.has = make([]cell, len(c.curs)), make([]bool, len(c.curs))
	}
	x.conv += s.w
	addCell(&x.rev[ci], s)
	x.has[ci] = true
}

func addCell(x *cell, s share) {
	if s.big != nil {
		x.addBig(s.big)
	} else {
		x.add(s.units)
	}
}

func sumUnits(shares []share) int64 {
	var u int64
	for _, s := range shares {
		u += s.units
	}
	return u
}

func sumBig(shares []share) *big.Int {
	var b *big.Int
	for _, s := range shares {
		if s.big != nil {
			if b == nil {
				b = new(big.Int)
			}
			b.Add(b, s.big)
		}
	}
	if b != nil {
		b.Add(b, big.NewInt(sumUnits(shares)))
	}
	return b
}

func (c *computer) amounts(rev []cell, has []bool) cm.Amounts {
	out := cm.Amounts{}
	for i, ok := range has {
		if ok {
			out[c.curs[i]] = rev[i].decimal(c.exps[i])
		}
	}
	return out
}

func (c *computer) seriesOf(bs []bucketAcc) cm.Series[Credited] {
	s := cm.NewSeries[Credited](c.buckets)
	for i := range s {
		s[i].Value = Credited{Conversions: bs[i].conv, Revenue: c.amounts(bs[i].rev, bs[i].has)}
	}
	return s
}

func (c *computer) valueName(v int32) string {
	if v < 0 {
		return ""
	}
	return c.a.values[v]
}

func (c *computer) buildRows() []Row {
	var rows []Row
	for i := range c.rows {
		r := &c.rows[i]
		if r.rev == nil {
			continue
		}
		by := map[string]float64{}
		for ci, ok := range r.has {
			if ok {
				by[c.curs[ci]] = r.convBy[ci]
			}
		}
		rows = append(rows, Row{
			Value: c.valueName(int32(i) - 1), Conversions: r.conv, Revenue: c.amounts(r.rev, r.has),
			ByCurrency: by, Touches: r.touches, Series: c.seriesOf(r.series),
		})
	}
	sortRows(rows)
	return rows
}

// sortRows orders rows by conversions (descending), then value, with the
// empty value last.
func sortRows(rows []Row) {
	slices.SortFunc(rows, func(x, y Row) int {
		if (x.Value == "") != (y.Value == "") {
			if x.Value == "" {
				return 1
			}
			return -1
		}
		if x.Conversions != y.Conversions {
			if x.Conversions > y.Conversions {
				return -1
			}
			return 1
		}
		return strings.Compare(x.Value, y.Value)
	})
}

func (c *computer) detail(j journey, shares []share) Conversion {
	k := j.c
	cv := Conversion{
		Payment: k.payment, Time: time.Unix(0, k.ns).UTC(), Contact: k.contact, Link: k.link, By: k.by,
		Conversation: k.conversation, Currency: k.currency, Amount: k.gross.decimal(), Refunded: k.refunded.decimal(),
		Revenue: k.net.decimal(), Path: []Touch{}, Credits: make([]Credit, 0, len(shares)),
	}
	for _, t := range c.a.touches[j.lo:j.hi] {
		cv.Path = append(cv.Path, Touch{Time: time.Unix(0, t.ns).UTC(), Kind: kindOfCode(t.kind), Value: c.a.values[t.val]})
	}
	e := c.exps[c.curIdx[k.currency]]
	for _, s := range shares {
		var x cell
		addCell(&x, s)
		cv.Credits = append(cv.Credits, Credit{Value: c.valueName(s.val), Weight: s.w, Touches: int(s.touches), Revenue: x.decimal(e)})
	}
	return cv
}

// netFloat returns a conversion's revenue as a float64, for the value
// model of the Markov chain.
func netFloat(c *conv) float64 { return c.net.float() }
