package attribution

import (
	"math"
	"math/big"
	"slices"

	cm "github.com/convometrics/convometrics"
	"github.com/shopspring/decimal"
)

// exactFloat is the largest number of units split with float64 quotas; above
// it quotas are computed with big.Float so that every floor is exact.
const exactFloat = 1 << 50

// splitUnits divides units (≥ 0) into len(w) parts proportional to the
// weights w (≥ 0, not all zero) by the largest-remainder method: each part
// gets the floor of its quota units·w_i/Σw, and the units left over go one
// each to the largest fractional remainders, ties to the lower index. The
// parts are written to out and add up to units exactly.
func splitUnits(units int64, w []float64, out []int64) {
	n := len(w)
	if n == 1 {
		out[0] = units
		return
	}
	var sum float64
	for _, x := range w {
		sum += x
	}
	if !(sum > 0) { // no weight at all: equal parts
		for i := range w {
			w[i] = 1
		}
		sum = float64(n)
	}
	if units >= exactFloat {
		splitBig(new(big.Int).SetInt64(units), w, sum, func(i int, p *big.Int) { out[i] = p.Int64() })
		return
	}
	u := float64(units)
	var given int64
	var remBuf [8]float64
	rem := remBuf[:0]
	if n > len(remBuf) {
		rem = make([]float64, 0, n)
	}
	for i, x := range w {
		q := u * x / sum
		f := math.Floor(q)
		out[i] = int64(f)
		given += out[i]
		rem = append(rem, q-f)
	}
	distribute(units-given, rem, func(i int, d int64) { out[i] += d })
}

// distribute gives left units (possibly negative after rounding error) to
// the parts with the largest remainders, ties to the lower index; a
// negative left takes from the smallest remainders.
func distribute(left int64, rem []float64, add func(i int, d int64)) {
	n := int64(len(rem))
	if left == 0 || n == 0 {
		return
	}
	if left >= n || left <= -n { // only after gross rounding error: spread evenly first
		each := left / n
		for i := range rem {
			add(i, each)
		}
		left -= each * n
		if left == 0 {
			return
		}
	}
	var idxBuf [8]int
	idx := idxBuf[:0]
	if len(rem) > len(idxBuf) {
		idx = make([]int, 0, len(rem))
	}
	for i := range rem {
		idx = append(idx, i)
	}
	if left > 0 {
		slices.SortStableFunc(idx, func(a, b int) int {
			switch {
			case rem[a] > rem[b]:
				return -1
			case rem[a] < rem[b]:
				return 1
			}
			return 0
		})
		for _, i := range idx[:left] {
			add(i, 1)
		}
		return
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case rem[a] < rem[b]:
			return -1
		case rem[a] > rem[b]:
			return 1
		}
		return 0
	})
	for _, i := range idx[:-left] {
		add(i, -1)
	}
}

// splitBig is splitUnits for any number of units, with quotas computed in
// 256-bit floating point: exact to the unit for any amount a valid event
// can carry.
func splitBig(units *big.Int, w []float64, sum float64, put func(i int, p *big.Int)) {
	const prec = 256
	if !(sum > 0) { // no weight at all: equal parts
		for i := range w {
			w[i] = 1
		}
		sum = float64(len(w))
	}
	u := new(big.Float).SetPrec(prec).SetInt(units)
	s := new(big.Float).SetPrec(prec).SetFloat64(sum)
	parts := make([]*big.Int, len(w))
	rem := make([]float64, len(w))
	given := new(big.Int)
	for i, x := range w {
		q := new(big.Float).SetPrec(prec).SetFloat64(x)
		q.Mul(q, u).Quo(q, s)
		p, _ := q.Int(nil) // truncates toward zero: the floor, as q ≥ 0
		parts[i] = p
		given.Add(given, p)
		fr := new(big.Float).SetPrec(prec).SetInt(p)
		fr.Sub(q, fr)
		rem[i], _ = fr.Float64()
	}
	left := new(big.Int).Sub(units, given)
	distribute(left.Int64(), rem, func(i int, d int64) { parts[i].Add(parts[i], big.NewInt(d)) })
	for i, p := range parts {
		put(i, p)
	}
}

// unitExp returns the exponent amounts of currency are split at: its ISO
// 4217 minor units, or more when the amount has more decimals.
func unitExp(currency string, d fixed) int32 {
	e := d.exp
	if d.big {
		e = d.dec.Exponent()
	}
	return max(int32(cm.MinorUnits(currency)), -e)
}

// cell sums non-negative parts of money in units of 10^-exp, in an int64
// until it would overflow and in a big.Int after.
type cell struct {
	u   int64
	big *big.Int
}

func (c *cell) add(u int64) {
	if c.big == nil {
		if s := c.u + u; s >= c.u {
			c.u = s
			return
		}
		c.big = big.NewInt(c.u)
	}
	c.big.Add(c.big, big.NewInt(u))
}

func (c *cell) addBig(b *big.Int) {
	if b.IsInt64() {
		c.add(b.Int64())
		return
	}
	if c.big == nil {
		c.big = big.NewInt(c.u)
	}
	c.big.Add(c.big, b)
}

func (c *cell) decimal(exp int32) decimal.Decimal {
	if c.big != nil {
		return decimal.NewFromBigInt(c.big, -exp)
	}
	return decimal.New(c.u, -exp)
}

func (c *cell) isZero() bool { return c.big == nil && c.u == 0 || c.big != nil && c.big.Sign() == 0 }

// int64Of returns the integer d as an int64 when it fits (callers shift
// amounts to their unit first, so d has no fraction).
func int64Of(d decimal.Decimal) (int64, bool) {
	if d.NumDigits()+int(d.Exponent()) > 18 {
		return 0, false
	}
	return d.IntPart(), true
}
