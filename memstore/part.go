package memstore

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	cm "github.com/convometrics/convometrics"
)

// Events of a tenant live in segments of segSize events, in arrival order.
// Columns hold what scans filter and sort on (time, type, contact); every
// other field is in the record (record.go). Segments only grow; the first
// len elements of every slice never change, so a reader holding a copy of a
// segment's slice headers (a snapshot) reads immutable memory while a writer
// appends.
const (
	segBits = 16
	segSize = 1 << segBits
	segMask = segSize - 1
)

type segment struct {
	times    []int64  // Unix nanoseconds
	types    []uint8  // convometrics.TypeCode
	contacts []uint32 // contact symbol id
	ends     []uint32 // end offset of each record in arena
	arena    []byte
}

// part is one tenant's events.
type part struct {
	name string

	mu   sync.Mutex // serialises appends (and guards everything below but idx)
	segs []*segment
	n    int
	tabs tables
	ids  idtab

	buildMu sync.Mutex            // one index build at a time
	idx     atomic.Pointer[index] // latest index; may be older than n

	cacheMu sync.Mutex    // guards frames
	frames  []cachedFrame // recently served frames, newest first (frame.go)
	cols    colcache      // decoded record fields (colcache.go)
}

func newPart(name string) *part {
	return &part{
		name: name,
		tabs: tables{contacts: newSymtab(true), convs: newSymtab(false), msgs: newSymtab(false), syms: newSymtab(false)},
		ids:  idtab{seed: maphash.MakeSeed()},
	}
}

// record returns the record of event i. Callers hold mu or use a snapshot.
func (s *segment) record(j int) []byte {
	start := uint32(0)
	if j > 0 {
		start = s.ends[j-1]
	}
	return s.arena[start:s.ends[j]]
}

// idOf returns the id of event i (writer side, under mu).
func (p *part) idOf(i uint32) string {
	seg := p.segs[i>>segBits]
	syms := p.tabs.syms.view()
	id, _ := recordID(seg.record(int(i&segMask)), &syms)
	return id
}

// get decodes event i (writer side, under mu).
func (p *part) get(i uint32, e *cm.Event) {
	seg := p.segs[i>>segBits]
	j := int(i & segMask)
	v := views{contacts: p.tabs.contacts.view(), convs: p.tabs.convs.view(), msgs: p.tabs.msgs.view(), syms: p.tabs.syms.view()}
	*e = cm.Event{
		Tenant:  p.name,
		Type:    cm.TypeOfCode(seg.types[j]),
		Time:    eventTime(seg.times[j]),
		Contact: v.contacts.str(seg.contacts[j]),
	}
	decode(seg.record(j), &v, e)
}

// add appends a validated, new event (under mu). Its id enters the id table
// with [idtab.insertAll], once the whole call's events are stored.
func (p *part) add(e *cm.Event, scratch []byte) []byte {
	if p.n&segMask == 0 {
		seg := &segment{}
		if k := len(p.segs); k > 0 {
			prev := p.segs[k-1]
			prev.seal()
			// The next segment will hold about as much: size it once.
			seg.times = make([]int64, 0, segSize)
			seg.types = make([]uint8, 0, segSize)
			seg.contacts = make([]uint32, 0, segSize)
			seg.ends = make([]uint32, 0, segSize)
			seg.arena = make([]byte, 0, len(prev.arena)+len(prev.arena)/8)
		}
		p.segs = append(p.segs, seg)
	}
	seg := p.segs[len(p.segs)-1]
	code, _ := cm.TypeCode(e.Type)
	contact := p.tabs.contacts.intern(e.Contact)
	scratch = encode(scratch[:0], e, &p.tabs)
	seg.times = appendCapped(seg.times, e.Time.UnixNano())
	seg.types = appendCapped(seg.types, code)
	seg.contacts = appendCapped(seg.contacts, contact)
	seg.arena = append(seg.arena, scratch...)
	seg.ends = appendCapped(seg.ends, uint32(len(seg.arena)))
	p.n++
	return scratch
}

// seal trims a full segment's arena to its length.
func (s *segment) seal() {
	if cap(s.arena) > len(s.arena) {
		s.arena = slices.Clone(s.arena)
	}
}

// appendCapped appends v, growing capacity by doubling but never beyond
// segSize, so full segments carry no spare capacity.
func appendCapped[T any](s []T, v T) []T {
	if len(s) == cap(s) {
		n := min(max(2*cap(s), 64), segSize)
		ns := make([]T, len(s), n)
		copy(ns, s)
		s = ns
	}
	return append(s, v)
}

// snapshot is an immutable view of a part's first n events.
type snapshot struct {
	name string
	n    int
	segs []segment
	v    views
}

func (p *part) snapshot() *snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.snapshotLocked()
}

func (p *part) snapshotLocked() *snapshot {
	sn := &snapshot{name: p.name, n: p.n, segs: make([]segment, len(p.segs))}
	for i, s := range p.segs {
		sn.segs[i] = *s
	}
	sn.v = views{contacts: p.tabs.contacts.view(), convs: p.tabs.convs.view(), msgs: p.tabs.msgs.view(), syms: p.tabs.syms.view()}
	return sn
}

func (sn *snapshot) time(i uint32) int64 { return sn.segs[i>>segBits].times[i&segMask] }
func (sn *snapshot) typ(i uint32) uint8  { return sn.segs[i>>segBits].types[i&segMask] }
func (sn *snapshot) contact(i uint32) uint32 {
	return sn.segs[i>>segBits].contacts[i&segMask]
}

func (sn *snapshot) id(i uint32) string {
	id, _ := recordID(sn.segs[i>>segBits].record(int(i&segMask)), &sn.v.syms)
	return id
}

// event decodes event i into e, overwriting every field.
func (sn *snapshot) event(i uint32, e *cm.Event) {
	*e = cm.Event{
		Tenant:  sn.name,
		Type:    cm.TypeOfCode(sn.typ(i)),
		Time:    eventTime(sn.time(i)),
		Contact: sn.v.contacts.str(sn.contact(i)),
	}
	decode(sn.segs[i>>segBits].record(int(i&segMask)), &sn.v, e)
}

// less orders events by (time, id).
func (sn *snapshot) compare(a, b uint32) int {
	if c := cmp.Compare(sn.time(a), sn.time(b)); c != 0 {
		return c
	}
	return strings.Compare(sn.id(a), sn.id(b))
}

// idtab maps event ids to event indexes by open addressing with linear
// probing. Slots hold index+1; a parallel byte per slot holds 7 bits of the
// hash (with the top bit set when occupied), so a probe reads a record's id
// only when those bits match. Ids are read back from the records, so the
// table holds no strings: 5 bytes per slot, load factor at most 0.75.
type idtab struct {
	slots []uint32
	tags  []uint8
	n     int
	seed  maphash.Seed
	// touched keeps insertAll's touching loads from being optimised away.
	touched uint8
}

func tagOf(h uint64) uint8 { return uint8(h>>57) | 0x80 }

func (t *idtab) find(h uint64, id string, idOf func(uint32) string) (uint32, bool) {
	if t.n == 0 {
		return 0, false
	}
	tag := tagOf(h)
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		g := t.tags[i]
		if g == 0 {
			return 0, false
		}
		if g == tag && idOf(t.slots[i]-1) == id {
			return t.slots[i] - 1, true
		}
	}
}

// insertAll adds events t.n, t.n+1, ... whose ids hash to hs. Events are
// inserted in index order, so the table always holds exactly events 0..n-1.
func (t *idtab) insertAll(hs []uint64, idOf func(uint32) string) {
	t.reserve(t.n+len(hs), idOf)
	t.putAll(hs, uint32(t.n))
	t.n += len(hs)
}

// touch loads the home slots of hs (see putAll).
func (t *idtab) touch(hs []uint64) {
	if len(t.tags) == 0 {
		return
	}
	mask := uint64(len(t.tags) - 1)
	var touch uint8
	for _, h := range hs {
		touch |= t.tags[h&mask]
	}
	t.touched |= touch
}

// putAll puts events first, first+1, ... whose ids hash to hs. The table is
// far larger than the caches once a tenant holds millions of events, so
// each put is a cache miss; a first pass over each 1024 hashes touches their
// home slots with independent loads, which the CPU overlaps, and the puts
// that follow find their lines in cache.
func (t *idtab) putAll(hs []uint64, first uint32) {
	for k := 0; k < len(hs); k += 1024 {
		chunk := hs[k:min(k+1024, len(hs))]
		t.touch(chunk)
		for j, h := range chunk {
			t.put(h, first+uint32(k+j)+1)
		}
	}
}

func (t *idtab) put(h uint64, v uint32) {
	mask := uint64(len(t.slots) - 1)
	i := h & mask
	for t.tags[i] != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = v
	t.tags[i] = tagOf(h)
}

// reserve grows the table once for n entries, instead of doubling
// repeatedly while a large call is stored.
func (t *idtab) reserve(n int, idOf func(uint32) string) {
	size := max(16, len(t.slots))
	for n*4 > size*3 {
		size *= 2
	}
	if size > len(t.slots) {
		t.rehash(size, idOf)
	}
}

// rehash rebuilds the table with n slots. It reads the ids back from the
// records in event order — sequential memory, unlike a walk of the old
// slots, which would jump to a random record for every entry.
func (t *idtab) rehash(n int, idOf func(uint32) string) {
	t.slots, t.tags = make([]uint32, n), make([]uint8, n)
	var hs [1024]uint64
	for i := 0; i < t.n; i += len(hs) {
		c := min(len(hs), t.n-i)
		for j := range c {
			hs[j] = maphash.String(t.seed, idOf(uint32(i+j)))
		}
		t.putAll(hs[:c], uint32(i))
	}
}
