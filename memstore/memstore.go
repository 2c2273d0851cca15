// Package memstore is the embedded default store of convometrics: an
// in-memory, concurrent, idempotent implementation of [convometrics.Store],
// [convometrics.ContactScanner] and [convometrics.TenantLister]. It passes
// the storetest conformance suite.
//
// # Contract
//
// Append validates every event and is atomic per call: an invalid event or
// a conflict (same tenant and id, different content) fails the whole call
// and stores nothing. Exact repeats are ignored and counted in
// AppendResult.Duplicates. Events may arrive in any order and late. Scans
// return (time, id) order; ScanContacts returns contacts in byte-wise order.
// Every method is safe for concurrent use; a scan sees the events stored when
// it started (a snapshot) and never blocks appends while it iterates.
//
// # Layout and cost
//
// Each tenant's events are stored column-wise in segments of 65,536 events,
// in arrival order: the time (8 bytes), the type (1 byte) and the contact
// (a 4-byte id into the tenant's contact table) are columns; every other
// field is packed into a variable-length record (4 bytes of offset plus the
// record) in which strings are replaced by ids into per-tenant symbol tables
// (contacts, conversations, message ids, and one for everything else), so a
// repeated agent name, status or template costs one or two bytes. Event ids
// up to 64 bytes are kept inline in the record; a hash table of 4-byte slots
// (load factor ≤ 0.75) finds them for de-duplication. Symbol tables and
// arenas contain no pointers, so the garbage collector does not scan them.
//
// On the demo workload this comes to about 50–60 bytes per event in total,
// symbol tables included (measured figures are in the project README), plus
// 8 bytes per event for the scan index below once a scan has run: a
// permutation in (time, id) order and the same events grouped by contact.
// The index is built on the first scan after appends, incrementally (the
// events appended since the last build are sorted — a linear pass when they
// arrived mostly in order — and merged in), and shared by later scans.
//
// Engines read through frames (package internal/frame): the store keeps
// the record fields they ask for decoded into columns of 1, 2 or 4 bytes per
// event (the width grows with the largest symbol id), extended as events
// arrive, and the last few frames of each tenant; see [Store.Frame] and
// [Store.DropCaches]. [Stats] reports both.
//
// Appending allocates nothing per event beyond amortised growth of the
// columns and tables, and a map per call for calls of more than 32 events
// (to find repeats within the call). Scans decode each event into a flat
// [convometrics.Event] whose strings alias the store's immutable memory, so
// only attrs maps and non-zero amounts allocate.
package memstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
	"runtime"
	"slices"
	"sort"
	"sync"

	cm "github.com/convometrics/convometrics"
)

// Store holds events in memory. Create it with New; the zero value is not
// usable.
type Store struct {
	mu      sync.RWMutex
	tenants map[string]*part
}

// New returns an empty Store.
func New() *Store { return &Store{tenants: make(map[string]*part)} }

var (
	_ cm.Store          = (*Store)(nil)
	_ cm.ContactScanner = (*Store)(nil)
	_ cm.TenantLister   = (*Store)(nil)
)

func (s *Store) part(tenant string) *part {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.tenants[tenant]
}

func (s *Store) partFor(tenant string) *part {
	if p := s.part(tenant); p != nil {
		return p
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.tenants[tenant]
	if p == nil {
		p = newPart(tenant)
		s.tenants[tenant] = p
	}
	return p
}

// Append implements [convometrics.Appender]: it validates the events,
// ignores exact repeats and stores the rest, atomically. Large calls are
// validated, and their tenants stored, on all cores.
func (s *Store) Append(ctx context.Context, events ...cm.Event) (cm.AppendResult, error) {
	var res cm.AppendResult
	if len(events) == 0 {
		return res, ctx.Err()
	}
	if err := validateAll(events); err != nil {
		return res, fmt.Errorf("memstore: append: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}

	// Group by tenant (in order of first appearance within the call) and
	// lock the parts in name order.
	groups := groupByTenant(events)
	parts := make([]*part, len(groups))
	for i := range groups {
		parts[i] = s.partFor(groups[i].tenant)
	}
	order := make([]int, len(groups))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(groups[a].tenant, groups[b].tenant) })
	for _, i := range order {
		parts[i].mu.Lock()
	}
	defer func() {
		for _, p := range parts {
			p.mu.Unlock()
		}
	}()

	parallel := len(groups) > 1 && len(events) >= 2048 && runtime.GOMAXPROCS(0) > 1
	each := func(f func(g *group, p *part)) {
		if !parallel {
			for i := range groups {
				f(&groups[i], parts[i])
			}
			return
		}
		var wg sync.WaitGroup
		for i := range groups {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				f(&groups[i], parts[i])
			}(i)
		}
		wg.Wait()
	}

	// Classify every event without changing anything.
	each(func(g *group, p *part) { g.classify(events, p) })
	var errs []error
	for i := range groups {
		errs = append(errs, groups[i].errs...)
		res.Duplicates += groups[i].dups
	}
	if len(errs) > 0 {
		return cm.AppendResult{}, fmt.Errorf("memstore: append: %w", errors.Join(errs...))
	}
	if err := ctx.Err(); err != nil {
		return cm.AppendResult{}, err
	}
	each(func(g *group, p *part) {
		var scratch []byte
		for _, i := range g.keep {
			scratch = p.add(&events[i], scratch)
		}
		p.ids.insertAll(g.hashes, p.idOf)
	})
	for i := range groups {
		res.Appended += len(groups[i].keep)
	}
	return res, nil
}

// validateAll validates every event, on all cores for large calls, and
// joins the errors in event order.
func validateAll(events []cm.Event) error {
	n := runtime.GOMAXPROCS(0)
	if len(events) < 4096 || n < 2 {
		var errs []error
		for i := range events {
			if err := events[i].Validate(); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	errs := make([]error, len(events))
	var wg sync.WaitGroup
	chunk := (len(events) + n - 1) / n
	for lo := 0; lo < len(events); lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				errs[i] = events[i].Validate()
			}
		}(lo, min(lo+chunk, len(events)))
	}
	wg.Wait()
	return errors.Join(errs...)
}

// group is the part of a call that goes to one tenant.
type group struct {
	tenant string
	idx    []int    // positions in the call
	keep   []int    // positions to store
	hashes []uint64 // the id hash (the tenant's id table seed) of each kept event
	dups   int
	errs   []error
}

func groupByTenant(events []cm.Event) []group {
	gs := []group{{tenant: events[0].Tenant}}
	cur := 0
	for i := range events {
		t := events[i].Tenant
		if t != gs[cur].tenant {
			cur = slices.IndexFunc(gs, func(g group) bool { return g.tenant == t })
			if cur < 0 {
				gs = append(gs, group{tenant: t})
				cur = len(gs) - 1
			}
		}
		gs[cur].idx = append(gs[cur].idx, i)
	}
	return gs
}

// classify sorts the group's events into new ones, exact repeats and
// conflicts, changing nothing (caller holds p.mu). Each id is hashed once,
// with the seed of the tenant's id table, for the in-call index, the
// store's table and the insert that follows.
func (g *group) classify(events []cm.Event, p *part) {
	first := newBatchIndex(len(g.idx))
	var stored cm.Event
	g.keep = make([]int, 0, len(g.idx))
	g.hashes = make([]uint64, 0, len(g.idx))
	// The ids are hashed a run at a time and the run's home slots touched
	// before they are looked up (see idtab.putAll).
	var hs [512]uint64
	for k, i := range g.idx {
		if k%len(hs) == 0 {
			run := g.idx[k:min(k+len(hs), len(g.idx))]
			for j, i := range run {
				hs[j] = maphash.String(p.ids.seed, events[i].ID)
			}
			p.ids.touch(hs[:len(run)])
		}
		e := &events[i]
		h := hs[k%len(hs)]
		if j, ok := first.lookup(events, e, h); ok {
			if events[j].Equal(e) {
				g.dups++
			} else {
				g.errs = append(g.errs, &cm.ConflictError{Tenant: e.Tenant, ID: e.ID})
			}
			continue
		}
		if k, ok := p.ids.find(h, e.ID, p.idOf); ok {
			p.get(k, &stored)
			if stored.Equal(e) {
				g.dups++
			} else {
				g.errs = append(g.errs, &cm.ConflictError{Tenant: e.Tenant, ID: e.ID})
			}
			continue
		}
		first.add(events, i, h)
		g.keep = append(g.keep, i)
		g.hashes = append(g.hashes, h)
	}
}

// batchIndex finds an earlier event of the same call with the same tenant
// and id: a linear search for small calls, an open-addressing table of
// event positions for large ones.
type batchIndex struct {
	idx   []int
	slots []int32 // position+1; 0 is empty
}

func newBatchIndex(n int) *batchIndex {
	b := &batchIndex{}
	if n > 32 {
		size := 64
		for size < 2*n {
			size *= 2
		}
		b.slots = make([]int32, size)
	}
	return b
}

func (b *batchIndex) lookup(evs []cm.Event, e *cm.Event, h uint64) (int, bool) {
	if b.slots == nil {
		for _, j := range b.idx {
			if evs[j].ID == e.ID && evs[j].Tenant == e.Tenant {
				return j, true
			}
		}
		return 0, false
	}
	mask := uint64(len(b.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		v := b.slots[i]
		if v == 0 {
			return 0, false
		}
		if o := &evs[v-1]; o.ID == e.ID && o.Tenant == e.Tenant {
			return int(v - 1), true
		}
	}
}

func (b *batchIndex) add(evs []cm.Event, i int, h uint64) {
	if b.slots == nil {
		b.idx = append(b.idx, i)
		return
	}
	mask := uint64(len(b.slots) - 1)
	j := h & mask
	for b.slots[j] != 0 {
		j = (j + 1) & mask
	}
	b.slots[j] = int32(i + 1)
}

// read returns a snapshot of tenant's events and an index covering exactly
// them, building or extending the index when appends happened since the
// last build.
func (p *part) read() (*snapshot, *index) {
	for {
		sn := p.snapshot()
		ix := p.idx.Load()
		if ix != nil && ix.n == sn.n {
			return sn, ix
		}
		if ix != nil && ix.n > sn.n {
			continue // a newer index exists; take a newer snapshot
		}
		p.buildMu.Lock()
		ix = p.idx.Load()
		if ix == nil || ix.n < sn.n {
			ix = buildIndex(sn, ix)
			p.idx.Store(ix)
		}
		p.buildMu.Unlock()
		if ix.n == sn.n {
			return sn, ix
		}
	}
}

// filter is a compiled query.
type filter struct {
	from, to int64
	types    uint32 // bit per type code; all ones when no type filter
	pIndex   uint64
	pCount   uint64
}

func compile(q cm.Query) filter {
	f := filter{types: ^uint32(0)}
	f.from, f.to = q.Range.UnixNano()
	if len(q.Types) > 0 {
		f.types = 0
		for _, t := range q.Types {
			c, _ := cm.TypeCode(t)
			f.types |= 1 << c
		}
	}
	if q.Partition.Count > 1 {
		f.pIndex, f.pCount = uint64(q.Partition.Index), uint64(q.Partition.Count)
	}
	return f
}

func (f *filter) contact(sn *snapshot, c uint32) bool {
	return f.pCount == 0 || sn.v.contacts.hashes[c]%f.pCount == f.pIndex || (c == 0 && f.pIndex == 0)
}

// Scan implements [convometrics.Reader].
func (s *Store) Scan(ctx context.Context, q cm.Query) iter.Seq2[cm.Event, error] {
	return func(yield func(cm.Event, error) bool) {
		if err := q.Check(); err != nil {
			yield(cm.Event{}, fmt.Errorf("memstore: scan: %w", err))
			return
		}
		if err := ctx.Err(); err != nil {
			yield(cm.Event{}, err)
			return
		}
		p := s.part(q.Tenant)
		if p == nil {
			return
		}
		sn, ix := p.read()
		f := compile(q)
		k := sort.Search(len(ix.perm), func(k int) bool { return sn.time(ix.perm[k]) >= f.from })
		var e cm.Event
		for n := 0; k < len(ix.perm); k, n = k+1, n+1 {
			if n&1023 == 1023 {
				if err := ctx.Err(); err != nil {
					yield(cm.Event{}, err)
					return
				}
			}
			i := ix.perm[k]
			if sn.time(i) >= f.to {
				return
			}
			if f.types&(1<<sn.typ(i)) == 0 || !f.contact(sn, sn.contact(i)) {
				continue
			}
			sn.event(i, &e)
			if !yield(e, nil) {
				return
			}
		}
	}
}

// ScanContacts implements [convometrics.ContactScanner]. The yielded
// log's Events slice is reused for the next contact.
func (s *Store) ScanContacts(ctx context.Context, q cm.Query) iter.Seq2[cm.ContactLog, error] {
	return func(yield func(cm.ContactLog, error) bool) {
		if err := q.Check(); err != nil {
			yield(cm.ContactLog{}, fmt.Errorf("memstore: scan contacts: %w", err))
			return
		}
		if err := ctx.Err(); err != nil {
			yield(cm.ContactLog{}, err)
			return
		}
		p := s.part(q.Tenant)
		if p == nil {
			return
		}
		sn, ix := p.read()
		f := compile(q)
		var buf []cm.Event
		seen := 0
		for r, c := range ix.byRank {
			if !f.contact(sn, c) {
				continue
			}
			evs := ix.cev[ix.cstart[r]:ix.cstart[r+1]]
			lo, hi := 0, len(evs)
			if f.from > -1<<63 {
				lo = sort.Search(len(evs), func(k int) bool { return sn.time(evs[k]) >= f.from })
			}
			if f.to < 1<<63-1 {
				hi = sort.Search(len(evs), func(k int) bool { return sn.time(evs[k]) >= f.to })
			}
			buf = buf[:0]
			for _, i := range evs[lo:max(lo, hi)] {
				if f.types&(1<<sn.typ(i)) == 0 {
					continue
				}
				buf = append(buf, cm.Event{})
				sn.event(i, &buf[len(buf)-1])
			}
			seen += hi - lo
			if seen >= 1024 {
				seen = 0
				if err := ctx.Err(); err != nil {
					yield(cm.ContactLog{}, err)
					return
				}
			}
			if len(buf) == 0 {
				continue
			}
			if !yield(cm.ContactLog{Contact: sn.v.contacts.str(c), Events: buf}, nil) {
				return
			}
		}
	}
}

// Tenants implements [convometrics.TenantLister].
func (s *Store) Tenants(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	out := make([]string, 0, len(s.tenants))
	for name, p := range s.tenants {
		p.mu.Lock()
		if p.n > 0 {
			out = append(out, name)
		}
		p.mu.Unlock()
	}
	s.mu.RUnlock()
	slices.SortFunc(out, cmp.Compare[string])
	return out, nil
}

// Stats describes what the store holds and what it costs.
type Stats struct {
	Tenants int `json:"tenants"`
	Events  int `json:"events"`
	// Bytes estimates the heap the store uses for its data (columns,
	// records, symbol tables, id tables), excluding scan indexes.
	Bytes int `json:"bytes"`
	// IndexBytes is the heap used by scan indexes built so far.
	IndexBytes int `json:"index_bytes"`
	// CacheBytes is the heap used by decoded columns kept for frames
	// (excluding cached frames themselves); DropCaches releases it.
	CacheBytes int `json:"cache_bytes"`
	// Symbols is the number of distinct strings held per table.
	Contacts, Conversations, Messages, Symbols int
}

// Stats returns counts and memory estimates, tenants summed.
func (s *Store) Stats() Stats {
	var st Stats
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, p := range s.tenants {
		p.mu.Lock()
		st.Tenants++
		st.Events += p.n
		for _, seg := range p.segs {
			st.Bytes += cap(seg.times)*8 + cap(seg.types) + cap(seg.contacts)*4 + cap(seg.ends)*4 + cap(seg.arena)
		}
		st.Bytes += cap(p.ids.slots)*5 + p.tabs.contacts.memBytes() + p.tabs.convs.memBytes() + p.tabs.msgs.memBytes() + p.tabs.syms.memBytes()
		st.Contacts += p.tabs.contacts.len() - 1
		st.Conversations += p.tabs.convs.len() - 1
		st.Messages += p.tabs.msgs.len() - 1
		st.Symbols += p.tabs.syms.len() - 1
		if ix := p.idx.Load(); ix != nil {
			st.IndexBytes += ix.memBytes()
		}
		p.mu.Unlock()
		st.CacheBytes += p.cols.bytes() // after p.mu: the cache locks p.mu inside its own lock
	}
	return st
}

// Count returns the number of events stored for tenant.
func (s *Store) Count(tenant string) int {
	p := s.part(tenant)
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}
