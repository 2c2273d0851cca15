package session

// The Levenshtein distance of Accuracy, computed with the bit-parallel
// algorithm of Myers (1999) in the formulation of Hyyrö (2003): the
// shorter string (the pattern, m code points) is the row axis of the
// dynamic-programming matrix, and each column of m cells is advanced by a
// few word operations per 64 rows, for O(⌈m/64⌉·n) time and O(m+n) space.
// The values are exactly those of the plain dynamic programme (kept as the
// tests' oracle).
//
// A column's vertical differences D[i][j] − D[i−1][j] ∈ {−1, 0, +1} are
// held as two bit vectors, pv (+1) and mv (−1); peq[c] has bit i set when
// the pattern's i-th code point is c. A pattern longer than 64 code points
// is cut into blocks of 64 rows, processed a few at a time over the whole
// text: each block passes the horizontal difference of its last row, for
// every column, to the next block (h), so only those few blocks' match
// masks are needed at a time.

import "unicode/utf8"

// levenshtein holds the buffers of the edit distance, reused between calls.
type levenshtein struct {
	a, b []rune
	// peq[k] is the match mask of the pattern's code point of index k
	// (1 to the number of distinct code points); the index 0, that of
	// every code point not in the pattern, has mask 0. With blocks,
	// peq4[k][g] is the mask in the g-th of the blocks processed together.
	peq  []uint64
	peq4 [][4]uint64
	// ascii[c] is the peq index of the ASCII code point c, 0 when the
	// pattern lacks it; the other code points are in keys and vals, an
	// open-addressing hash table (key 0 is an empty slot: no non-ASCII
	// code point is 0).
	ascii [utf8.RuneSelf]int32
	keys  []rune
	vals  []int32
	shift uint // of a hash to a slot of keys: 32 − log2(len(keys))
	// pat and txt are the peq indexes of the pattern's and the text's
	// code points, h the horizontal differences between blocks (bit 0:
	// +1, bit 1: −1); txt and h only for patterns of more than 64 code
	// points.
	pat, txt []int32
	h        []uint8
}

func appendRunes(dst []rune, s string) []rune {
	for _, r := range s {
		dst = append(dst, r)
	}
	return dst
}

// distance is the Levenshtein distance of l.a and l.b (insertions,
// deletions and substitutions of one code point, each costing one).
func (l *levenshtein) distance() int {
	a, b := l.a, l.b
	// The common prefix and suffix cost nothing and change nothing.
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	a, b = a[i:], b[i:]
	for len(a) > 0 && len(b) > 0 && a[len(a)-1] == b[len(b)-1] {
		a, b = a[:len(a)-1], b[:len(b)-1]
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	switch {
	case len(a) == 0:
		return len(b)
	case len(a) == 1:
		// One code point against n: n − 1 edits, or n if it is not there.
		for _, r := range b {
			if r == a[0] {
				return len(b) - 1
			}
		}
		return len(b)
	case len(a) <= 64:
		return l.word(a, b)
	default:
		return l.blocks(a, b)
	}
}

// word is the distance of a pattern p of 1 to 64 code points and a text t.
func (l *levenshtein) word(p, t []rune) int {
	peq := grow(l.peq, l.index(p)+1)
	l.peq = peq
	clear(peq)
	for i, k := range l.pat {
		peq[k] |= 1 << uint(i)
	}
	var pv, mv uint64 = ^uint64(0), 0
	score := len(p)
	last := uint(len(p) - 1)
	for _, r := range t {
		eq := peq[l.lookup(r)]
		xv := eq | mv
		xh := (((eq & pv) + pv) ^ pv) | eq
		ph := mv | ^(xh | pv)
		mh := pv & xh
		score += int(ph>>last&1) - int(mh>>last&1)
		ph = ph<<1 | 1
		mh <<= 1
		pv = mh | ^(xv | ph)
		mv = ph & xv
	}
	l.unindex(p)
	return score
}

// blocks is the distance of a pattern p of more than 64 code points and a
// text t. The blocks but the last go four at a time (quad), the rest one
// at a time.
func (l *levenshtein) blocks(p, t []rune) int {
	peq := grow(l.peq4, l.index(p)+1)
	l.peq4 = peq
	clear(peq)
	pat := l.pat
	txt := grow(l.txt, len(t))
	l.txt = txt
	for j, r := range t {
		txt[j] = l.lookup(r)
	}
	h := grow(l.h, len(t))
	l.h = h
	for j := range h {
		h[j] = 1 // the top row, D[0][j] = j, rises by one per column
	}
	// set sets (or clears) slot g of peq to the masks of block w.
	set := func(w, g int, on bool) {
		for i, k := range pat[w*64 : min(w*64+64, len(p))] {
			if on {
				peq[k][g] |= 1 << uint(i)
			} else {
				peq[k][g] = 0
			}
		}
	}
	last := (len(p) - 1) / 64
	w := 0
	for ; w+4 <= last; w += 4 {
		for g := range 4 {
			set(w+g, g, true)
		}
		quad(peq, txt, h)
		for g := range 4 {
			set(w+g, g, false)
		}
	}
	for ; w < last; w++ {
		set(w, 0, true)
		var pv, mv uint64 = ^uint64(0), 0
		for j, k := range txt {
			var hp, hn uint64
			pv, mv, hp, hn = advance(pv, mv, peq[k][0], uint64(h[j]&1), uint64(h[j]>>1))
			h[j] = uint8(hp | hn<<1)
		}
		set(w, 0, false)
	}
	// The last block: the score follows the pattern's last row.
	set(last, 0, true)
	score := len(p)
	bit := uint(len(p) - 1 - last*64)
	var pv, mv uint64 = ^uint64(0), 0
	for j, k := range txt {
		eq, hin := peq[k][0], h[j]
		hp, hn := uint64(hin&1), uint64(hin>>1)
		xv := eq | mv
		eq |= hn
		xh := (((eq & pv) + pv) ^ pv) | eq
		ph := mv | ^(xh | pv)
		mh := pv & xh
		score += int(ph>>bit&1) - int(mh>>bit&1)
		ph = ph<<1 | hp
		mh = mh<<1 | hn
		pv = mh | ^(xv | ph)
		mv = ph & xv
	}
	set(last, 0, false)
	l.unindex(p)
	return score
}

// quad advances four consecutive blocks, whose masks are the four slots of
// peq, over the text txt (peq indexes), from the top differences h to the
// bottom ones. A block's column depends on the block above in the same
// column and on itself in the column before, so the processor overlaps the
// four dependency chains.
func quad(peq [][4]uint64, txt []int32, h []uint8) {
	h = h[:len(txt)]
	var pv0, pv1, pv2, pv3 uint64 = ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)
	var mv0, mv1, mv2, mv3 uint64
	for j, k := range txt {
		q := &peq[k]
		var hp, hn uint64
		pv0, mv0, hp, hn = advance(pv0, mv0, q[0], uint64(h[j]&1), uint64(h[j]>>1))
		pv1, mv1, hp, hn = advance(pv1, mv1, q[1], hp, hn)
		pv2, mv2, hp, hn = advance(pv2, mv2, q[2], hp, hn)
		pv3, mv3, hp, hn = advance(pv3, mv3, q[3], hp, hn)
		h[j] = uint8(hp | hn<<1)
	}
}

// advance moves a block of 64 rows to the next column: pv and mv are the
// block's vertical differences (+1 and −1), eq its match mask of the
// column's code point, and hp and hn the horizontal difference entering
// its top row (hp = 1 for +1, hn = 1 for −1); it returns the new vertical
// differences and the horizontal difference leaving its bottom row, in
// the same form.
func advance(pv, mv, eq, hp, hn uint64) (uint64, uint64, uint64, uint64) {
	xv := eq | mv
	eq |= hn
	xh := (((eq & pv) + pv) ^ pv) | eq
	ph := mv | ^(xh | pv)
	mh := pv & xh
	php, mhp := ph<<1|hp, mh<<1|hn
	return mhp | ^(xv | php), php & xv, ph >> 63, mh >> 63
}

// index gives the distinct code points of p their peq indexes, from 1 in
// order, records each position's index in l.pat and returns the number of
// distinct code points.
func (l *levenshtein) index(p []rune) int {
	wide := 0
	for _, r := range p {
		if r >= utf8.RuneSelf {
			wide++
		}
	}
	size := 0
	if wide > 0 {
		size, l.shift = 8, 32-3
		for size < 2*wide {
			size, l.shift = size*2, l.shift-1
		}
	}
	l.keys = grow(l.keys, size)
	l.vals = grow(l.vals, size)
	clear(l.keys)
	pat := grow(l.pat, len(p))
	l.pat = pat
	mask, shift := uint32(size-1), l.shift
	d := int32(0)
	for i, r := range p {
		if r < utf8.RuneSelf {
			if l.ascii[r] == 0 {
				d++
				l.ascii[r] = d
			}
			pat[i] = l.ascii[r]
			continue
		}
		s := hashRune(r) >> shift
		for l.keys[s] != 0 && l.keys[s] != r {
			s = (s + 1) & mask
		}
		if l.keys[s] == 0 {
			d++
			l.keys[s], l.vals[s] = r, d
		}
		pat[i] = l.vals[s]
	}
	return int(d)
}

// unindex forgets the ASCII code points of p (the hash table is cleared by
// the next index).
func (l *levenshtein) unindex(p []rune) {
	for _, r := range p {
		if r < utf8.RuneSelf {
			l.ascii[r] = 0
		}
	}
}

// lookup is the peq index of r, 0 when the pattern lacks it.
func (l *levenshtein) lookup(r rune) int32 {
	if r < utf8.RuneSelf {
		return l.ascii[r]
	}
	if len(l.keys) == 0 {
		return 0
	}
	mask := uint32(len(l.keys) - 1)
	for s := hashRune(r) >> l.shift; ; s = (s + 1) & mask {
		switch l.keys[s] {
		case r:
			return l.vals[s]
		case 0:
			return 0
		}
	}
}

// hashRune is Fibonacci hashing: the top bits of the product are the slot.
func hashRune(r rune) uint32 {
	return uint32(r) * 0x9e3779b1
}

// grow returns s resliced, or reallocated, to length n.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
