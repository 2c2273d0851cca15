package attribution

import (
	"math"

	cm "github.com/convometrics/convometrics"
	"github.com/shopspring/decimal"
)

// pow10 holds the powers of ten that fit an int64.
var pow10 = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// mulPow10 returns x·10^n and whether it fits an int64 (x ≥ 0).
func mulPow10(x int64, n int32) (int64, bool) {
	if n < 0 || int(n) >= len(pow10) {
		return 0, x == 0 && n >= 0
	}
	m := pow10[n]
	if x > (1<<63-1)/m {
		return 0, false
	}
	return x * m, true
}

// fixed is an exact non-negative amount: coef × 10^exp while that fits an
// int64 (the common case: no allocation, integer arithmetic), dec after.
type fixed struct {
	coef int64
	exp  int32
	big  bool
	dec  decimal.Decimal
}

func fixedOf(d decimal.Decimal) fixed {
	if d.NumDigits() <= 18 {
		return fixed{coef: d.CoefficientInt64(), exp: d.Exponent()}
	}
	return fixed{big: true, dec: d}
}

// fixedParts is fixedOf for a coefficient and exponent.
func fixedParts(coef int64, exp int32) fixed { return fixed{coef: coef, exp: exp} }

func (a fixed) decimal() decimal.Decimal {
	if a.big {
		return a.dec
	}
	if a.coef == 0 {
		return decimal.New(0, a.exp)
	}
	return decimal.New(a.coef, a.exp)
}

func (a fixed) isZero() bool {
	if a.big {
		return a.dec.IsZero()
	}
	return a.coef == 0
}

// align returns a and b at the smaller exponent, or false on overflow.
func align(a, b fixed) (x, y int64, exp int32, ok bool) {
	if a.big || b.big {
		return 0, 0, 0, false
	}
	exp = min(a.exp, b.exp)
	x, ok1 := mulPow10(a.coef, a.exp-exp)
	y, ok2 := mulPow10(b.coef, b.exp-exp)
	return x, y, exp, ok1 && ok2
}

func (a fixed) add(b fixed) fixed {
	if x, y, exp, ok := align(a, b); ok && x <= 1<<63-1-y {
		return fixed{coef: x + y, exp: exp}
	}
	return fixed{big: true, dec: a.decimal().Add(b.decimal())}
}

// sub returns a − b; callers ensure b ≤ a.
func (a fixed) sub(b fixed) fixed {
	if x, y, exp, ok := align(a, b); ok {
		return fixed{coef: x - y, exp: exp}
	}
	return fixedOf(a.decimal().Sub(b.decimal()))
}

func (a fixed) cmp(b fixed) int {
	if x, y, _, ok := align(a, b); ok {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return a.decimal().Cmp(b.decimal())
}

// units returns the amount in units of 10^-e (e at least its number of
// decimals), as an int64 when it fits.
func (a fixed) units(e int32) (int64, bool) {
	if a.big {
		return int64Of(a.dec.Shift(e))
	}
	return mulPow10(a.coef, a.exp+e)
}

// sums adds amounts per currency without allocating per addition.
type sums []struct {
	cur string
	v   fixed
}

func (s *sums) add(cur string, v fixed) {
	for i := range *s {
		if (*s)[i].cur == cur {
			(*s)[i].v = (*s)[i].v.add(v)
			return
		}
	}
	*s = append(*s, struct {
		cur string
		v   fixed
	}{cur, v})
}

// amounts returns the sums as cm.Amounts (a currency added with zero is
// kept, with the zero).
func (s sums) amounts() cm.Amounts {
	out := make(cm.Amounts, len(s))
	for _, x := range s {
		out[x.cur] = x.v.decimal()
	}
	return out
}

// float returns the amount as a float64 (for the value model of the
// Markov chain, which is a weight, not money).
func (a fixed) float() float64 {
	if a.big {
		f, _ := a.dec.Float64()
		return f
	}
	return float64(a.coef) * math.Pow10(int(a.exp))
}
