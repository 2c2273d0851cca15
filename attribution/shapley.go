package attribution

import (
	"cmp"
	"math/bits"
	"slices"
	"strings"
)

// coalition is an observed set of distinct values.
type coalition struct {
	key         string
	vals        []int32
	names       []string // the values' names, sorted
	set         []uint64 // bitset over value indexes
	journeys    int64
	conversions int64
	rate        float64
}

// shapley builds the coalition game from the journeys: r(S) is the
// conversion rate of the journeys whose set of distinct values is exactly
// S, and v(S) = Σ_{U ⊆ S} r(U). It returns the game and a function giving
// the Shapley values of the game restricted to a journey's own values.
func (c *computer) shapley() (*ShapleyResult, func(key []byte) map[int32]float64) {
	a := c.a
	words := (len(a.values) + 63) / 64
	sets := map[string]*coalition{}
	get := func(key string) *coalition {
		if s := sets[key]; s != nil {
			return s
		}
		s := &coalition{key: key, vals: keyValues(key), set: make([]uint64, words)}
		for _, v := range s.vals {
			s.set[v/64] |= 1 << (v % 64)
		}
		sets[key] = s
		return s
	}
	var buf []byte
	var path []int32
	for _, j := range c.journeys {
		if j.hi == j.lo {
			continue
		}
		path = path[:0]
		for _, t := range a.touches[j.lo:j.hi] {
			path = append(path, t.val)
		}
		buf = setKey(buf[:0], path)
		s := get(string(buf))
		s.journeys++
		s.conversions++
	}
	for key, n := range a.nullSets {
		get(key).journeys += n
	}
	list := make([]*coalition, 0, len(sets))
	for _, s := range sets {
		s.rate = float64(s.conversions) / float64(s.journeys)
		s.names = make([]string, len(s.vals))
		for i, v := range s.vals {
			s.names[i] = a.values[v]
		}
		slices.Sort(s.names)
		list = append(list, s)
	}
	slices.SortFunc(list, func(x, y *coalition) int {
		if d := cmp.Compare(y.journeys, x.journeys); d != 0 {
			return d
		}
		return slices.Compare(x.names, y.names)
	})
	res := &ShapleyResult{}
	phi := make([]float64, len(a.values))
	var phiSum float64
	for _, s := range list {
		res.Coalitions = append(res.Coalitions, Coalition{Values: s.names, Journeys: int(s.journeys), Conversions: int(s.conversions), Rate: s.rate})
		for _, v := range s.vals {
			phi[v] += s.rate / float64(len(s.vals))
			phiSum += s.rate / float64(len(s.vals))
		}
	}
	for v, p := range phi {
		if p > 0 {
			sh := 0.0
			if phiSum > 0 {
				sh = p / phiSum
			}
			res.Values = append(res.Values, ShapleyValue{Value: a.values[v], Phi: p, Share: sh})
		}
	}
	slices.SortFunc(res.Values, func(x, y ShapleyValue) int {
		if x.Phi != y.Phi {
			return cmp.Compare(y.Phi, x.Phi)
		}
		return strings.Compare(x.Value, y.Value)
	})

	// The game restricted to a journey's set T: φ_i = Σ_{U ⊆ T, U ∋ i} r(U)/|U|,
	// summed in the canonical coalition order.
	cache := map[string]map[int32]float64{}
	restricted := func(key []byte) map[int32]float64 {
		if m, ok := cache[string(key)]; ok {
			return m
		}
		t := sets[string(key)]
		m := map[int32]float64{}
		for _, u := range list {
			if u.rate == 0 || !subset(u.set, t.set) {
				continue
			}
			for _, v := range u.vals {
				m[v] += u.rate / float64(len(u.vals))
			}
		}
		cache[string(key)] = m
		return m
	}
	return res, restricted
}

func subset(u, t []uint64) bool {
	for i := range u {
		if u[i]&^t[i] != 0 {
			return false
		}
	}
	return true
}

var _ = bits.OnesCount64

// shapleyShares weighs a journey's values by their Shapley values in the
// game restricted to the journey's values.
func (c *computer) shapleyShares(j journey, out []share, phi func(key []byte) map[int32]float64) []share {
	if j.hi == j.lo {
		return append(out, share{val: -1, w: 1})
	}
	c.path = c.path[:0]
	for _, t := range c.a.touches[j.lo:j.hi] {
		c.path = append(c.path, t.val)
	}
	c.key = setKey(c.key[:0], c.path)
	m := phi(c.key)
	return c.byValue(j, out, func(v int32) float64 { return m[v] })
}
