package memstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math/bits"
	"runtime"
	"sort"
	"sync"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
	"github.com/shopspring/decimal"
)

// Frame serves the engines' columnar fast path (package
// internal/frame, which engines use through frame.Get): the events spec
// selects, grouped by contact and in (time, id) order, with the requested
// fields as columns of the store's own symbol ids, so no string is decoded.
// It is exported only so that the engines can find it; its types are
// internal to the module and may change.
//
// Frames are built on both cores and cached per tenant (the last few specs,
// for as long as the tenant receives no new events), so a dashboard asking
// the same questions again pays only for the questions.
func (s *Store) Frame(ctx context.Context, spec frame.Spec) (*frame.Frame, error) {
	q := spec.Query
	if err := q.Check(); err != nil {
		return nil, fmt.Errorf("memstore: frame: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := s.part(q.Tenant)
	if p == nil {
		return frame.NewBuilder(spec).Frame(), nil
	}
	sn, ix := p.read()
	key := frameKeyOf(spec)
	if f := p.cachedFrame(key, sn.n); f != nil {
		return f, nil
	}
	f, err := buildFrame(ctx, p, sn, ix, spec)
	if err != nil {
		return nil, err
	}
	p.cacheFrame(key, sn.n, f)
	return f, nil
}

var _ frame.Source = (*Store)(nil)

// frameKey identifies a spec for the frame cache.
type frameKey struct {
	from, to       int64
	types          uint32
	pIndex, pCount uint64
	fields         frame.Fields
	flags          uint8
}

func frameKeyOf(spec frame.Spec) frameKey {
	f := compile(spec.Query)
	k := frameKey{from: f.from, to: f.to, types: f.types, pIndex: f.pIndex, pCount: f.pCount, fields: spec.Fields}
	for i, b := range []bool{spec.Amount, spec.Billable, spec.Translated, spec.Attrs} {
		if b {
			k.flags |= 1 << i
		}
	}
	return k
}

// frameCacheSize is the number of frames kept per tenant.
const frameCacheSize = 6

type cachedFrame struct {
	key frameKey
	n   int
	f   *frame.Frame
}

func (p *part) cachedFrame(k frameKey, n int) *frame.Frame {
	p.cacheMu.Lock()
	defer p.cacheMu.Unlock()
	for i, c := range p.frames {
		if c.key == k && c.n == n {
			// move to front
			copy(p.frames[1:i+1], p.frames[:i])
			p.frames[0] = c
			return c.f
		}
	}
	return nil
}

func (p *part) cacheFrame(k frameKey, n int, f *frame.Frame) {
	p.cacheMu.Lock()
	defer p.cacheMu.Unlock()
	// Frames of an older state are useless once the tenant has grown.
	kept := p.frames[:0]
	for _, c := range p.frames {
		if c.n == n {
			kept = append(kept, c)
		}
	}
	p.frames = append([]cachedFrame{{k, n, f}}, kept...)
	if len(p.frames) > frameCacheSize {
		p.frames = p.frames[:frameCacheSize]
	}
}

// DropCaches releases the cached frames and decoded columns of every
// tenant; they are rebuilt on demand.
func (s *Store) DropCaches() {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, p := range s.tenants {
		p.cacheMu.Lock()
		p.frames = nil
		p.cacheMu.Unlock()
		p.cols.drop()
	}
}

// recordField maps record bits to frame fields (-1: not a string column).
var recordField = [...]int8{
	fChannel: int8(frame.Channel), fInbox: int8(frame.Inbox), fConversation: int8(frame.Conversation),
	fMessage: int8(frame.Message), fSender: int8(frame.Sender), fStatus: int8(frame.Status),
	fPricingModel: int8(frame.PricingModel), fPricingType: int8(frame.PricingType),
	fPricingCategory: int8(frame.PricingCategory), fBillable: -1, fCountry: int8(frame.Country),
	fAgent: int8(frame.Agent), fTeam: int8(frame.Team), fAssistant: int8(frame.Assistant),
	fMessageType: int8(frame.MessageType), fReplyTo: int8(frame.ReplyTo), fTemplate: int8(frame.Template),
	fTemplateCategory: int8(frame.TemplateCategory), fCampaign: int8(frame.Campaign),
	fCampaignVersion: int8(frame.CampaignVersion), fFlow: int8(frame.Flow), fFlowVersion: int8(frame.FlowVersion),
	fNode: int8(frame.Node), fErrorCode: int8(frame.ErrorCode), fReferral: int8(frame.Referral),
	fBillingConversation: int8(frame.BillingConversation), fGoal: int8(frame.Goal), fAmount: -1,
	fCurrency: int8(frame.Currency), fLink: int8(frame.Link), fReference: int8(frame.Reference),
	fPayment: int8(frame.Payment), fProvider: int8(frame.Provider), fSuggested: int8(frame.Suggested),
	fFinal: int8(frame.Final), fTranslated: -1, fAttrs: -1,
}

// symDict serves a symbol table to a frame: reads from the snapshot's
// view, lookups through the live table under the tenant's lock.
type symDict struct {
	v   symview
	tab *symtab
	mu  *sync.Mutex
}

func (d *symDict) Str(id uint32) string { return d.v.str(id) }
func (d *symDict) Len() int             { return d.v.len() }
func (d *symDict) Lookup(s string) (uint32, bool) {
	if s == "" {
		return 0, true
	}
	d.mu.Lock()
	id, ok := d.tab.lookup(s)
	d.mu.Unlock()
	if !ok || int(id) >= d.v.len() {
		return 0, false
	}
	return id, true
}

// enumDict serves a column stored as a small code (channel, sender).
type enumDict[T ~string] struct{ vals []T }

func (d enumDict[T]) Str(id uint32) string { return string(d.vals[id]) }
func (d enumDict[T]) Len() int             { return len(d.vals) }
func (d enumDict[T]) Lookup(s string) (uint32, bool) {
	for i, v := range d.vals {
		if string(v) == s {
			return uint32(i), true
		}
	}
	return 0, false
}

// lookup returns the id of s without adding it (caller holds the writer lock).
func (t *symtab) lookup(s string) (uint32, bool) {
	if s == "" {
		return 0, true
	}
	i, found := t.probe(maphash.String(t.seed, s), s)
	if !found {
		return 0, false
	}
	return t.slots[i] - 1, true
}

// buildFrame builds the frame of spec from a snapshot and its index.
//
// Reading events in contact order straight from the records would decode
// every field of every row at a random place in memory. Instead: (1) the
// rows are selected in contact order as a list of event indexes (sel); (2)
// the wanted record fields come from the tenant's column cache (colcache.go),
// which decodes a field segment by segment, in arrival order, the first time
// it is asked for and keeps it; (3) every output column is gathered from its
// cached column through sel. Each step is a tight loop over one or two
// arrays, run on all cores.
func buildFrame(ctx context.Context, p *part, sn *snapshot, ix *index, spec frame.Spec) (*frame.Frame, error) {
	flt := compile(spec.Query)
	workers := runtime.GOMAXPROCS(0)
	if sn.n < 1<<15 {
		workers = 1
	}

	// (1) Select rows, in contact order.
	sel := make([]uint32, 0, len(ix.cev))
	for r, c := range ix.byRank {
		if !flt.contact(sn, c) {
			continue
		}
		evs := ix.cev[ix.cstart[r]:ix.cstart[r+1]]
		lo, hi := 0, len(evs)
		if flt.from > -1<<63 {
			lo = sort.Search(len(evs), func(k int) bool { return sn.time(evs[k]) >= flt.from })
		}
		if flt.to < 1<<63-1 {
			hi = sort.Search(len(evs), func(k int) bool { return sn.time(evs[k]) >= flt.to })
		}
		for _, i := range evs[lo:max(lo, hi)] {
			if flt.types&(1<<sn.typ(i)) != 0 {
				sel = append(sel, i)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows := len(sel)
	fb := frame.NewRaw(spec, rows)
	f := fb.Frame
	f.Tenant = p.name
	f.Version = uint64(sn.n)

	// Row chunks for the gathers.
	const chunk = 1 << 14
	nRowChunks := (rows + chunk - 1) / chunk
	gatherRows := func(fn func(lo, hi int)) {
		parallel(workers, nRowChunks, func(c int) { fn(c*chunk, min((c+1)*chunk, rows)) })
	}
	gatherRows(func(lo, hi int) {
		for k := lo; k < hi; k++ {
			i := sel[k]
			seg := &sn.segs[i>>segBits]
			j := i & segMask
			f.Time[k] = seg.times[j]
			f.Type[k] = seg.types[j]
			f.Contact[k] = seg.contacts[j]
		}
	})

	syms := &symDict{v: sn.v.syms, tab: p.tabs.syms, mu: &p.mu}
	f.Contacts = &symDict{v: sn.v.contacts, tab: p.tabs.contacts, mu: &p.mu}
	var idDict *frame.MapDict
	spec.Fields.Each(func(c frame.Field) {
		switch c {
		case frame.Conversation:
			fb.SetDict(c, &symDict{v: sn.v.convs, tab: p.tabs.convs, mu: &p.mu})
		case frame.Message, frame.ReplyTo:
			fb.SetDict(c, &symDict{v: sn.v.msgs, tab: p.tabs.msgs, mu: &p.mu})
		case frame.Channel:
			fb.SetDict(c, enumDict[cm.Channel]{channelCodes[:]})
		case frame.Sender:
			fb.SetDict(c, enumDict[cm.Sender]{senderCodes[:]})
		case frame.ID:
			idDict = frame.NewMapDict()
			fb.SetDict(c, idDict)
		default:
			fb.SetDict(c, syms)
		}
	})
	if spec.Attrs {
		fb.SetAttrDict(syms)
	}

	// (2) Decode the wanted record fields in arrival order.
	var want uint64
	var fields []int // record bits of the wanted string columns
	for b, fld := range recordField {
		if fld >= 0 && spec.Fields.Has(frame.Field(fld)) {
			want |= 1 << b
			fields = append(fields, b)
		}
	}
	for _, x := range []struct {
		on  bool
		bit int
	}{{spec.Amount, fAmount}, {spec.Billable, fBillable}, {spec.Translated, fTranslated}} {
		if x.on {
			want |= 1 << x.bit
		}
	}
	if want != 0 && rows*8 < sn.n && !p.cols.covers(want) {
		// A sparse selection (payments, links: a few percent of the
		// events) of fields not cached yet: decoding only the selected
		// records is cheaper than decoding whole columns.
		sparseDecode(sn, sel, want, fields, fb, spec, gatherRows)
	} else if want != 0 {
		cv := p.columns(sn, want, workers)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// (3) Gather.
		cols := fb.Cols()
		for _, b := range fields {
			src, dst := &cv.cols[b], cols[recordField[b]]
			gatherRows(func(lo, hi int) { src.gather(dst, sel, lo, hi) })
		}
		if spec.Amount {
			idx := make([]uint32, rows)
			gatherRows(func(lo, hi int) {
				cv.cols[fAmount].gather(idx, sel, lo, hi)
				for k := lo; k < hi; k++ {
					if a := idx[k]; a != 0 {
						fb.SetAmount(k, cv.amounts[a].coef, cv.amounts[a].exp)
					}
				}
			})
			if len(cv.big) > 0 {
				for k, a := range idx {
					if d, ok := cv.big[a]; ok && a != 0 {
						fb.SetBigAmount(k, d)
					}
				}
			}
		}
		if spec.Billable || spec.Translated {
			v := make([]uint32, rows)
			if spec.Billable {
				gatherRows(func(lo, hi int) {
					cv.cols[fBillable].gather(v, sel, lo, hi)
					for k := lo; k < hi; k++ {
						fb.SetBillable(k, uint8(v[k]))
					}
				})
			}
			if spec.Translated {
				gatherRows(func(lo, hi int) {
					cv.cols[fTranslated].gather(v, sel, lo, hi)
					for k := lo; k < hi; k++ {
						if v[k] != 0 {
							fb.SetTranslated(k)
						}
					}
				})
			}
		}
	}
	if spec.Attrs {
		n := 0
		kvs := make([][]uint32, rows)
		for k, e := range sel {
			kvs[k] = attrsOf(sn.segs[e>>segBits].record(int(e & segMask)))
			n += len(kvs[k])
		}
		fb.AllocAttrs(n)
		pos := 0
		for k := range kvs {
			pos = fb.PutAttrs(k, pos, kvs[k])
		}
	}
	if idDict != nil {
		// Event ids are not symbols in the store: intern them here.
		idc := fb.Cols()[frame.ID]
		for k, e := range sel {
			idc[k] = idDict.Intern(sn.id(e))
		}
	}
	fb.FinishGroups()
	return f, ctx.Err()
}

// sparseDecode decodes the wanted fields of the selected events straight
// from their records into the frame.
func sparseDecode(sn *snapshot, sel []uint32, want uint64, fields []int, fb *frame.Raw, spec frame.Spec, gatherRows func(func(lo, hi int))) {
	rows := len(sel)
	sc := &scratch{}
	cols := fb.Cols()
	for _, b := range fields {
		sc.cols[b] = cols[recordField[b]] // decode in place
	}
	if spec.Amount {
		sc.coef, sc.exp = make([]int64, rows), make([]int8, rows)
	}
	if spec.Billable {
		sc.billable = make([]uint8, rows)
	}
	if spec.Translated {
		sc.translated = make([]bool, rows)
	}
	gatherRows(func(lo, hi int) {
		for k := lo; k < hi; k++ {
			e := sel[k]
			decodeInto(sn.segs[e>>segBits].record(int(e&segMask)), want, uint32(k), sc, &sn.v.syms)
		}
	})
	for k := 0; k < rows; k++ {
		if spec.Amount && sc.coef[k] != 0 {
			fb.SetAmount(k, sc.coef[k], sc.exp[k])
		}
		if spec.Billable {
			fb.SetBillable(k, sc.billable[k])
		}
		if spec.Translated && sc.translated[k] {
			fb.SetTranslated(k)
		}
	}
	for k, d := range sc.big {
		fb.SetBigAmount(int(k), d)
	}
}

// scratch holds decoded record fields indexed by event.
type scratch struct {
	cols       [fAttrs + 1][]uint32
	coef       []int64
	exp        []int8
	billable   []uint8
	translated []bool
	mu         sync.Mutex
	big        map[uint32]decimal.Decimal
}

func (sc *scratch) setBig(e uint32, d decimal.Decimal) {
	sc.mu.Lock()
	if sc.big == nil {
		sc.big = map[uint32]decimal.Decimal{}
	}
	sc.big[e] = d
	sc.mu.Unlock()
}

// decodeInto decodes the wanted fields of rec (event e) into sc. It visits
// only the fields present (bit tricks, not a loop over every bit: the
// branches of such a loop are unpredictable and cost more than the decoding).
func decodeInto(rec []byte, want uint64, e uint32, sc *scratch, syms *symview) {
	v, n := uvarint(rec)
	rec = rec[n:]
	if v&1 == 0 {
		rec = rec[v>>1:]
	}
	present, n := uvarint(rec)
	rec = rec[n:]
	limit := 64 - bits.LeadingZeros64(want) // fields at or above limit are not wanted
	for m := present; m != 0; m &= m - 1 {
		b := bits.TrailingZeros64(m)
		if b >= limit {
			return
		}
		wanted := want&(1<<b) != 0
		switch b {
		case fChannel, fSender:
			if wanted {
				sc.cols[b][e] = uint32(rec[0])
			}
			rec = rec[1:]
		case fBillable:
			if wanted {
				sc.billable[e] = rec[0]
			}
			rec = rec[1:]
		case fTranslated:
			if wanted {
				sc.translated[e] = true
			}
		case fAmount:
			if rec[0] == 0 {
				coef, n := binary.Varint(rec[1:])
				exp, m := binary.Varint(rec[1+n:])
				rec = rec[1+n+m:]
				if wanted {
					if exp >= -128 && exp <= 127 {
						sc.coef[e], sc.exp[e] = coef, int8(exp)
					} else {
						sc.setBig(e, decimal.New(coef, int32(exp)))
					}
				}
			} else {
				id, n := uvarint(rec[1:])
				rec = rec[1+n:]
				if wanted {
					sc.setBig(e, decimal.RequireFromString(syms.str(uint32(id))))
				}
			}
		case fAttrs:
			return
		default:
			id, n := uvarint(rec)
			rec = rec[n:]
			if wanted {
				sc.cols[b][e] = uint32(id)
			}
		}
	}
}

// uvarint is binary.Uvarint with the one-byte case inlined.
func uvarint(b []byte) (uint64, int) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	return binary.Uvarint(b)
}

// parallel runs fn(0..n-1) on up to workers goroutines.
func parallel(workers, n int, fn func(int)) {
	if workers <= 1 || n <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int, n)
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// attrsOf returns the (key, value) symbol id pairs of a record's attrs.
func attrsOf(rec []byte) []uint32 {
	v, n := binary.Uvarint(rec)
	rec = rec[n:]
	if v&1 == 0 {
		rec = rec[v>>1:]
	}
	bits, n := binary.Uvarint(rec)
	rec = rec[n:]
	if bits&(1<<fAttrs) == 0 {
		return nil
	}
	for b := 0; b < fAttrs; b++ {
		if bits&(1<<b) == 0 {
			continue
		}
		switch b {
		case fChannel, fSender, fBillable:
			rec = rec[1:]
		case fTranslated:
		case fAmount:
			if rec[0] == 0 {
				_, n := binary.Varint(rec[1:])
				_, m := binary.Varint(rec[1+n:])
				rec = rec[1+n+m:]
			} else {
				_, n := binary.Uvarint(rec[1:])
				rec = rec[1+n:]
			}
		default:
			_, n := binary.Uvarint(rec)
			rec = rec[n:]
		}
	}
	cnt, n := binary.Uvarint(rec)
	rec = rec[n:]
	out := make([]uint32, 0, 2*cnt)
	for k := uint64(0); k < 2*cnt; k++ {
		id, n := binary.Uvarint(rec)
		rec = rec[n:]
		out = append(out, uint32(id))
	}
	return out
}
