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
// is cut into blocks of 64 rows, processed one after the other over the
// whole text: each block passes the horizontal difference of its last row,
// for every column, to the next block (h), so only one block's match masks
// are needed at a time.

import "unicode/utf8"

// levenshtein holds the buffers of the edit distance, reused between calls.
type levenshtein struct {
	a, b []rune
	// peq[k] is the match mask, in the current block, of the pattern's
	// k-th distinct code point (k ≥ 1); peq[0], the mask of every code
	// point not in the pattern, stays 0.
	peq []uint64
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
	// +1, bit 1: −1); all three only for patterns of more than 64 code
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
	l.index(p, false)
	peq := l.peq
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
// text t, one block of 64 rows after the other.
func (l *levenshtein) blocks(p, t []rune) int {
	l.index(p, true)
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
	peq := l.peq
	score := len(p)
	for lo := 0; lo < len(p); lo += 64 {
		hi := min(lo+64, len(p))
		for i, k := range pat[lo:hi] {
			peq[k] |= 1 << uint(i)
		}
		var pv, mv uint64 = ^uint64(0), 0
		if hi < len(p) {
			for j, k := range txt {
				eq := peq[k]
				hin := h[j]
				hp, hn := uint64(hin&1), uint64(hin>>1)
				xv := eq | mv
				eq |= hn
				xh := (((eq & pv) + pv) ^ pv) | eq
				ph := mv | ^(xh | pv)
				mh := pv & xh
				h[j] = uint8(ph>>63) | uint8(mh>>63)<<1
				ph = ph<<1 | hp
				mh = mh<<1 | hn
				pv = mh | ^(xv | ph)
				mv = ph & xv
			}
		} else {
			// The last block: the score follows the pattern's last row.
			last := uint(hi - lo - 1)
			for j, k := range txt {
				eq := peq[k]
				hin := h[j]
				hp, hn := uint64(hin&1), uint64(hin>>1)
				xv := eq | mv
				eq |= hn
				xh := (((eq & pv) + pv) ^ pv) | eq
				ph := mv | ^(xh | pv)
				mh := pv & xh
				score += int(ph>>last&1) - int(mh>>last&1)
				ph = ph<<1 | hp
				mh = mh<<1 | hn
				pv = mh | ^(xv | ph)
				mv = ph & xv
			}
		}
		for _, k := range pat[lo:hi] {
			peq[k] = 0
		}
	}
	l.unindex(p)
	return score
}

// index numbers the distinct code points of p from 1 and sizes peq. With
// blocks it records each position's index in l.pat and leaves peq zero;
// without, p has at most 64 code points and peq gets their masks.
func (l *levenshtein) index(p []rune, blocks bool) {
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
	if blocks {
		l.pat = grow(l.pat, len(p))
	}
	l.peq = append(l.peq[:0], 0)
	mask := uint32(size - 1)
	shift := l.shift
	for i, r := range p {
		var k int32
		if r < utf8.RuneSelf {
			k = l.ascii[r]
			if k == 0 {
				k = int32(len(l.peq))
				l.peq = append(l.peq, 0)
				l.ascii[r] = k
			}
		} else {
			s := hashRune(r) >> shift
			for l.keys[s] != 0 && l.keys[s] != r {
				s = (s + 1) & mask
			}
			if l.keys[s] == 0 {
				l.keys[s] = r
				l.vals[s] = int32(len(l.peq))
				l.peq = append(l.peq, 0)
			}
			k = l.vals[s]
		}
		if blocks {
			l.pat[i] = k
		} else {
			l.peq[k] |= 1 << uint(i)
		}
	}
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
