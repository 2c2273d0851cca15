package goals

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"strings"
)

// Z95 is the two-sided 95% quantile of the standard normal distribution,
// z such that P(|Z| < z) = 0.95.
const Z95 = 1.959963984540054

// zPower80 is the one-sided 80% quantile of the standard normal
// distribution (power 0.8).
const zPower80 = 0.8416212335729143

// MinExpected is the smallest expected count, in each of the four cells of
// the 2×2 table (converted or not, per version), for which the
// two-proportion test is trusted (Cochran's rule).
const MinExpected = 5

// Wilson returns the Wilson score interval at 95% for x successes in n
// trials:
//
//	p = x/n, z = Z95
//	centre = (p + z²/2n) / (1 + z²/n)
//	half   = z / (1 + z²/n) · √(p(1−p)/n + z²/4n²)
//	[lo, hi] = [centre − half, centre + half]
//
// ok is false when n is 0 (no interval).
func Wilson(x, n int) (lo, hi float64, ok bool) {
	if n <= 0 || x < 0 || x > n {
		return 0, 0, false
	}
	p, nf, z2 := float64(x)/float64(n), float64(n), Z95*Z95
	den := 1 + z2/nf
	centre := (p + z2/(2*nf)) / den
	half := Z95 / den * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return max(0, centre-half), min(1, centre+half), true
}

// TwoProportion is the pooled two-proportion z-test of x1/n1 against
// x2/n2:
//
//	p = (x1+x2)/(n1+n2)
//	z = (x2/n2 − x1/n1) / √(p(1−p)(1/n1 + 1/n2))
//	pValue = 2·(1 − Φ(|z|)) = erfc(|z|/√2)
//
// z is positive when the second proportion is the larger. ok is false when
// a group is empty or p is 0 or 1 (every trial alike: no test).
func TwoProportion(x1, n1, x2, n2 int) (z, pValue float64, ok bool) {
	if n1 <= 0 || n2 <= 0 {
		return 0, 0, false
	}
	p := float64(x1+x2) / float64(n1+n2)
	se := math.Sqrt(p * (1 - p) * (1/float64(n1) + 1/float64(n2)))
	if se == 0 || math.IsNaN(se) {
		return 0, 0, false
	}
	z = (float64(x2)/float64(n2) - float64(x1)/float64(n1)) / se
	return z, math.Erfc(math.Abs(z) / math.Sqrt2), true
}

// SampleSize returns the number of trials per group needed to detect a
// difference between proportions p1 and p2 with a two-sided test at the
// 5% level and 80% power:
//
//	p̄ = (p1+p2)/2
//	n = ⌈(Z95·√(2p̄(1−p̄)) + z₀.₈·√(p1(1−p1) + p2(1−p2)))² / (p1−p2)²⌉
//
// with z₀.₈ = 0.8416. ok is false when p1 equals p2 (no difference to
// detect).
func SampleSize(p1, p2 float64) (n int, ok bool) {
	d := p1 - p2
	if d == 0 || math.IsNaN(d) {
		return 0, false
	}
	pb := (p1 + p2) / 2
	a := Z95*math.Sqrt(2*pb*(1-pb)) + zPower80*math.Sqrt(p1*(1-p1)+p2*(1-p2))
	v := math.Ceil(a * a / (d * d))
	if v > math.MaxInt32 {
		return math.MaxInt32, true
	}
	return int(v), true
}

// compareNatural orders strings with their digit runs compared as
// numbers, so that v2 < v10; strings equal that way are ordered bytewise.
func compareNatural(a, b string) int {
	if c := natural(a, b); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func natural(a, b string) int {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func digits(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
