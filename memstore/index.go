package memstore

import (
	"slices"
	"strings"
)

// index orders a snapshot's events for scans. It is immutable once built
// and covers exactly the first n events.
type index struct {
	n    int
	perm []uint32 // event indexes in (time, id) order

	byRank []uint32 // contacts in byte-wise order of their string (rank -> contact id)
	cstart []uint32 // per rank, the start of its events in cev; len(byRank)+1 entries
	cev    []uint32 // event indexes grouped by contact rank, each group in (time, id) order
}

// buildIndex builds the index of sn, reusing old (built for a prefix of the
// same events) when given.
func buildIndex(sn *snapshot, old *index) *index {
	ix := &index{n: sn.n}
	lo := 0
	if old != nil && old.n <= sn.n {
		lo = old.n
	} else {
		old = nil
	}
	tail := sortRange(sn, uint32(lo), uint32(sn.n))
	if old == nil {
		ix.perm = tail
	} else {
		ix.perm = merge(sn, old.perm, tail)
	}

	nc := sn.v.contacts.len()
	if old != nil && len(old.byRank) == nc {
		ix.byRank = old.byRank
	} else {
		ix.byRank = make([]uint32, nc)
		for i := range ix.byRank {
			ix.byRank[i] = uint32(i)
		}
		slices.SortFunc(ix.byRank, func(a, b uint32) int {
			return strings.Compare(sn.v.contacts.str(a), sn.v.contacts.str(b))
		})
	}
	rank := make([]uint32, nc)
	for r, c := range ix.byRank {
		rank[c] = uint32(r)
	}
	ix.cstart = make([]uint32, nc+1)
	for _, i := range ix.perm {
		ix.cstart[rank[sn.contact(i)]+1]++
	}
	for r := 1; r <= nc; r++ {
		ix.cstart[r] += ix.cstart[r-1]
	}
	pos := slices.Clone(ix.cstart[:nc])
	ix.cev = make([]uint32, len(ix.perm))
	for _, i := range ix.perm {
		r := rank[sn.contact(i)]
		ix.cev[pos[r]] = i
		pos[r]++
	}
	return ix
}

// sortRange returns the indexes lo..hi-1 in (time, id) order. Input that is
// mostly in order (late arrivals are the exception) costs a linear pass plus
// a sort of the late events only.
func sortRange(sn *snapshot, lo, hi uint32) []uint32 {
	inOrder := make([]uint32, 0, hi-lo)
	var late []uint32
	for i := lo; i < hi; i++ {
		if len(inOrder) == 0 || sn.compare(inOrder[len(inOrder)-1], i) < 0 {
			inOrder = append(inOrder, i)
		} else {
			late = append(late, i)
		}
	}
	if len(late) == 0 {
		return inOrder
	}
	slices.SortFunc(late, sn.compare)
	return merge(sn, inOrder, late)
}

// merge merges two sorted index lists.
func merge(sn *snapshot, a, b []uint32) []uint32 {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := make([]uint32, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if sn.compare(a[i], b[j]) <= 0 {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

func (ix *index) memBytes() int {
	return 4 * (cap(ix.perm) + cap(ix.byRank) + cap(ix.cstart) + cap(ix.cev))
}
