package memstore

import (
	"hash/maphash"
	"unsafe"
)

// symtab interns strings: each distinct string gets a dense id (0 is the
// empty string) and is stored once, in append-only byte chunks that are never
// modified after being written. Strings handed out alias those chunks, so
// reading a symbol allocates nothing. The table holds no pointers per
// symbol, which keeps the garbage collector's work independent of its size.
//
// Writers (intern) must be serialised by the caller. Readers may run
// concurrently with a writer if they use a snapshot (symview) taken under
// the same lock as the writer: everything a snapshot can reach is immutable.
type symtab struct {
	chunks [][]byte // full-length chunks; bytes below used (in the last) never change
	used   int      // bytes used in the last chunk
	refs   []uint64 // per id: chunk<<40 | offset<<20 | length
	slots  []uint32 // open addressing, id+1; 0 is empty
	tags   []uint8  // 7 hash bits per slot, top bit set when occupied (see idtab)
	seed   maphash.Seed
	// hashes keeps the FNV-1a hash of each symbol when withHash is set
	// (contacts: for partitioning without rehashing).
	withHash bool
	hashes   []uint64
	bytes    int // string bytes stored
}

const (
	minChunk  = 4 << 10
	chunkSize = 256 << 10
	refBits   = 20
	refMask   = 1<<refBits - 1
)

func newSymtab(withHash bool) *symtab {
	t := &symtab{seed: maphash.MakeSeed(), withHash: withHash, slots: make([]uint32, 16), tags: make([]uint8, 16)}
	t.refs = append(t.refs, 0) // id 0 = ""
	if withHash {
		t.hashes = append(t.hashes, 0)
	}
	return t
}

// len returns the number of symbols, including the empty string.
func (t *symtab) len() int { return len(t.refs) }

// probe returns the slot holding s, or the empty slot where it belongs.
func (t *symtab) probe(h uint64, s string) (uint64, bool) {
	tag := tagOf(h)
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		g := t.tags[i]
		if g == 0 {
			return i, false
		}
		if g == tag && t.str(t.slots[i]-1) == s {
			return i, true
		}
	}
}

// intern returns the id of s, adding it if needed.
func (t *symtab) intern(s string) uint32 {
	if s == "" {
		return 0
	}
	h := maphash.String(t.seed, s)
	i, found := t.probe(h, s)
	if found {
		return t.slots[i] - 1
	}
	id := uint32(len(t.refs))
	t.refs = append(t.refs, t.store(s))
	if t.withHash {
		t.hashes = append(t.hashes, fnv64(s))
	}
	t.slots[i], t.tags[i] = id+1, tagOf(h)
	if len(t.refs)*4 > len(t.slots)*3 {
		t.grow()
	}
	return id
}

// store copies s into the chunks and returns its packed reference. Chunks
// start small and double up to chunkSize, so small tenants stay small; a
// string longer than chunkSize gets a chunk of its own.
func (t *symtab) store(s string) uint64 {
	n := len(t.chunks)
	if n == 0 || t.used+len(s) > len(t.chunks[n-1]) {
		size := minChunk
		if n > 0 {
			size = min(2*len(t.chunks[n-1]), chunkSize)
		}
		size = max(size, len(s))
		t.chunks = append(t.chunks, make([]byte, size))
		t.used = 0
		n++
	}
	off := t.used
	copy(t.chunks[n-1][off:], s)
	t.used += len(s)
	t.bytes += len(s)
	return uint64(n-1)<<(2*refBits) | uint64(off)<<refBits | uint64(len(s))
}

func (t *symtab) grow() {
	n := 2 * len(t.slots)
	t.slots, t.tags = make([]uint32, n), make([]uint8, n)
	mask := uint64(n - 1)
	for id := 1; id < len(t.refs); id++ {
		h := maphash.String(t.seed, t.str(uint32(id)))
		i := h & mask
		for t.tags[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i], t.tags[i] = uint32(id)+1, tagOf(h)
	}
}

// str returns symbol id without allocating.
func (t *symtab) str(id uint32) string { return refString(t.chunks, t.refs[id]) }

func refString(chunks [][]byte, ref uint64) string {
	n := int(ref & refMask)
	if n == 0 {
		return ""
	}
	c := chunks[ref>>(2*refBits)]
	off := int(ref>>refBits) & refMask
	return unsafe.String(&c[off], n)
}

// view returns an immutable snapshot for concurrent readers.
func (t *symtab) view() symview {
	return symview{chunks: t.chunks, refs: t.refs, hashes: t.hashes}
}

// memBytes estimates the table's heap use.
func (t *symtab) memBytes() int {
	n := 0
	for _, c := range t.chunks {
		n += len(c)
	}
	return n + cap(t.refs)*8 + cap(t.slots)*5 + cap(t.hashes)*8
}

// symview is a read-only snapshot of a symtab.
type symview struct {
	chunks [][]byte
	refs   []uint64
	hashes []uint64
}

func (v symview) str(id uint32) string { return refString(v.chunks, v.refs[id]) }
func (v symview) len() int             { return len(v.refs) }

// fnv64 is FNV-1a, the hash convometrics.PartitionOf uses.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
