package attribution

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// conv is a matched payment the accumulator knows: one to attribute
// (inRange) or one that only ends a contact's non-converting journey.
type conv struct {
	payment, contact, currency string
	link, conversation         string
	by                         MatchKind
	ns                         int64
	inRange                    bool
	gross, refunded            fixed
	net                        fixed // gross − refunded
}

// touch is one touch of a converting journey: its time, its dimension
// value (an index in the accumulator's value table) and its kind code.
type touch struct {
	ns   int64
	val  int32
	kind uint8
}

// journey is the path of one conversion: touches[lo:hi] of its accumulator.
type journey struct {
	c      *conv
	lo, hi int32
}

// Accumulator is the mergeable state of [Attribute], in the shape of a
// Beam CombineFn: fold a partition of a tenant's contacts into one with
// [Fold] (or [FoldMatching]), Merge the accumulators of the other
// partitions, and take the Result.
//
// It holds the journey of every conversion it has seen (conversions are
// rare: about one per hundred events), and for the data-driven models the
// counts of the non-converting journeys: transitions for Markov, distinct
// sets of values for Shapley. Counts are integers and journeys are
// ordered canonically in Result, so merging in any order gives the
// identical result.
//
// Payment matching is done before, on all partitions together (see
// [MatchAccumulator]); every partition's accumulator has the same
// matched payments and attributes only the conversions whose contact is
// in its partition (conversions without any contact belong to partition
// 0), as the events of that contact are all in that partition.
type Accumulator struct {
	q        Query // with defaults
	kinds    kindSet
	lookback int64
	from, to int64
	data     bool // a data-driven model

	owned []*conv // sorted by (contact, ns, payment)

	values []string
	index  map[string]int32

	touches  []touch
	journeys []journey

	nullTrans    map[[2]int32]int64 // (from, to) value indexes; -1 is (start), -2 (null)
	nullSets     map[string]int64   // key: distinct value indexes, ascending, 4 bytes each
	nullJourneys int64

	// per-frame caches
	cf     *frame.Frame
	cls    *classifier
	cache  []int32 // frame value id → value index + 1
	cmap   map[uint64]int32
	path   []int32
	keyBuf []byte
}

// newAccumulator returns an empty accumulator for q, attributing the
// conversions of m whose contact is in partition p.
func newAccumulator(q Query, m *Matching, p cm.Partition) *Accumulator {
	convs := make([]conv, len(m.Matched))
	for i := range m.Matched {
		mp := &m.Matched[i]
		g, r := fixedOf(mp.Amount), fixedOf(mp.Refunded)
		convs[i] = conv{payment: mp.Payment, contact: mp.Contact, currency: mp.Currency, link: mp.Link,
			conversation: mp.Conversation, by: mp.By, ns: mp.Time.UnixNano(), gross: g, refunded: r, net: g.sub(r)}
	}
	return newAccumulatorOf(q, convs, p)
}

// newAccumulatorOf is newAccumulator for conversions already in internal
// form (every matched payment of the tenant's history; the accumulator
// keeps those of partition p before q.Range.To).
func newAccumulatorOf(q Query, convs []conv, p cm.Partition) *Accumulator {
	q.Definition = q.Definition.withDefaults()
	a := &Accumulator{
		q: q, kinds: kindsOf(q.Definition.Kinds), lookback: int64(q.Definition.Lookback),
		data: q.Definition.Model.DataDriven(), index: map[string]int32{},
		nullTrans: map[[2]int32]int64{}, nullSets: map[string]int64{},
	}
	a.from, a.to = q.Range.UnixNano()
	for i := range convs {
		c := &convs[i]
		if c.ns >= a.to || !p.Has(c.contact) {
			continue
		}
		c.inRange = c.ns >= a.from
		a.owned = append(a.owned, c)
	}
	slices.SortFunc(a.owned, compareConv)
	return a
}

func compareConv(x, y *conv) int {
	if c := strings.Compare(x.contact, y.contact); c != 0 {
		return c
	}
	if c := cmp.Compare(x.ns, y.ns); c != 0 {
		return c
	}
	return strings.Compare(x.payment, y.payment)
}

// plan maps the contacts with conversions to their groups in a frame.
type plan struct {
	groups []int32   // ascending
	convs  [][]*conv // each in (time, payment) order
}

func (a *Accumulator) plan(f *frame.Frame) *plan {
	pl := &plan{}
	ng := f.NumGroups()
	contactOf := func(g int) string { return f.Contacts.Str(f.Contact[f.Groups[g]]) }
	from := 0 // contacts come in ascending order: search on from the last one found
	for i := 0; i < len(a.owned); {
		j := i + 1
		c := a.owned[i].contact
		for j < len(a.owned) && a.owned[j].contact == c {
			j++
		}
		if c != "" {
			// gallop to bracket c, then bisect
			lo, hi, step := from, from, 1
			for hi < ng && contactOf(hi) < c {
				lo = hi + 1
				hi += step
				step *= 2
			}
			hi = min(hi, ng)
			for lo < hi {
				mid := int(uint(lo+hi) >> 1)
				if contactOf(mid) < c {
					lo = mid + 1
				} else {
					hi = mid
				}
			}
			from = lo
			if lo < ng && contactOf(lo) == c {
				pl.groups = append(pl.groups, int32(lo))
				pl.convs = append(pl.convs, a.owned[i:j])
			}
		}
		i = j
	}
	return pl
}

// fold folds the contact groups [glo, ghi) of f, a frame of the tenant's
// touch events as touchSpec describes, planned by plan.
func (a *Accumulator) fold(f *frame.Frame, pl *plan, glo, ghi int) {
	if a.cf != f {
		a.cf = f
		a.cls = newClassifier(f, a.q.Definition.Dimension, a.kinds, a.q.IncludeTest)
		a.cache, a.cmap = nil, nil
	}
	k, _ := slices.BinarySearch(pl.groups, int32(glo))
	if !a.data {
		for ; k < len(pl.groups) && int(pl.groups[k]) < ghi; k++ {
			lo, hi := f.Group(int(pl.groups[k]))
			for _, c := range pl.convs[k] {
				if c.inRange {
					a.converting(f, lo, hi, c)
				}
			}
		}
		return
	}
	for g := glo; g < ghi; g++ {
		lo, hi := f.Group(g)
		var convs []*conv
		if k < len(pl.groups) && int(pl.groups[k]) == g {
			convs = pl.convs[k]
			k++
		}
		last := int64(-1 << 63)
		for _, c := range convs {
			if c.inRange {
				a.converting(f, lo, hi, c)
			}
			last = c.ns
		}
		a.null(f, lo, hi, last)
	}
}

// local returns the value index of a classifier value key. Data-driven
// models look up every touch of the frame, through a slice indexed by
// symbol id; the others only the touches of converting journeys, through
// a map.
func (a *Accumulator) local(key uint64) int32 {
	dense := a.data && !a.cls.touchpoint
	if dense {
		if a.cache == nil {
			a.cache = make([]int32, a.cf.Dict(dimField[a.q.Definition.Dimension]).Len())
		}
		if x := a.cache[key]; x != 0 {
			return x - 1
		}
	} else if x, ok := a.cmap[key]; ok {
		return x
	}
	s := a.cls.name(key, a.q.Definition.Dimension)
	x, ok := a.index[s]
	if !ok {
		x = int32(len(a.values))
		a.values = append(a.values, s)
		a.index[s] = x
	}
	if dense {
		a.cache[key] = x + 1
	} else {
		if a.cmap == nil {
			a.cmap = map[uint64]int32{}
		}
		a.cmap[key] = x
	}
	return x
}

// window returns the rows of [lo, hi) with time in [from, to].
func window(f *frame.Frame, lo, hi int, from, to int64) (int, int) {
	ts := f.Time[lo:hi]
	a, _ := slices.BinarySearch(ts, from)
	b := len(ts)
	if to < 1<<63-1 {
		b, _ = slices.BinarySearch(ts, to+1)
	}
	return lo + a, lo + b
}

// organicOnly reports whether every touch with a value in rows [lo, hi) is
// organic inbound (true when there is none).
func (a *Accumulator) organicOnly(lo, hi int) bool {
	cl := a.cls
	for r := lo; r < hi; r++ {
		if k := cl.kind(r); k != kNone && k != kOrganic && cl.value(r, k) != 0 {
			return false
		}
	}
	return true
}

// converting records the journey of conversion c from the contact's rows
// [lo, hi): its touches with a value in [c − Lookback, c], without organic
// inbound unless that is all there is.
func (a *Accumulator) converting(f *frame.Frame, lo, hi int, c *conv) {
	wlo, whi := window(f, lo, hi, c.ns-a.lookback, c.ns)
	keepOrganic := a.organicOnly(wlo, whi)
	start := int32(len(a.touches))
	cl := a.cls
	for r := wlo; r < whi; r++ {
		k := cl.kind(r)
		if k == kNone || (k == kOrganic && !keepOrganic) {
			continue
		}
		if v := cl.value(r, k); v != 0 {
			a.touches = append(a.touches, touch{ns: f.Time[r], val: a.local(v), kind: k})
		}
	}
	a.journeys = append(a.journeys, journey{c: c, lo: start, hi: int32(len(a.touches))})
}

// null records the contact's non-converting journey from rows [lo, hi):
// its touches with a value in the range, after its last conversion
// (at last), and at most Lookback before its last such touch.
func (a *Accumulator) null(f *frame.Frame, lo, hi int, last int64) {
	cl := a.cls
	from := max(a.from, last+1)
	rlo, rhi := window(f, lo, hi, from, a.to-1)
	end := -1
	for r := rhi - 1; r >= rlo; r-- {
		if k := cl.kind(r); k != kNone && cl.value(r, k) != 0 {
			end = r
			break
		}
	}
	if end < 0 {
		return
	}
	rlo, rhi = window(f, rlo, end+1, max(from, f.Time[end]-a.lookback), f.Time[end])
	keepOrganic := a.organicOnly(rlo, rhi)
	a.path = a.path[:0]
	for r := rlo; r < rhi; r++ {
		k := cl.kind(r)
		if k == kNone || (k == kOrganic && !keepOrganic) {
			continue
		}
		if v := cl.value(r, k); v != 0 {
			a.path = append(a.path, a.local(v))
		}
	}
	if len(a.path) == 0 {
		return
	}
	a.addNull(a.path, 1)
}

// addNull counts a non-converting path of value indexes n times.
func (a *Accumulator) addNull(path []int32, n int64) {
	a.nullJourneys += n
	prev := int32(-1)
	for _, v := range path {
		if v != prev {
			a.nullTrans[[2]int32{prev, v}] += n
			prev = v
		}
	}
	a.nullTrans[[2]int32{prev, -2}] += n
	a.keyBuf = setKey(a.keyBuf[:0], path)
	if _, ok := a.nullSets[string(a.keyBuf)]; ok {
		a.nullSets[string(a.keyBuf)] += n
	} else {
		a.nullSets[string(a.keyBuf)] = n
	}
}

// setKey appends the distinct values of path, ascending, 4 bytes each.
func setKey(dst []byte, path []int32) []byte {
	start := len(dst)
	for _, v := range path {
		dst = binary.BigEndian.AppendUint32(dst, uint32(v))
	}
	// insertion sort with de-duplication over 4-byte words (paths are short)
	words := (len(dst) - start) / 4
	out := 0
	for i := 0; i < words; i++ {
		w := binary.BigEndian.Uint32(dst[start+4*i:])
		j := out
		dup := false
		for j > 0 {
			p := binary.BigEndian.Uint32(dst[start+4*(j-1):])
			if p == w {
				dup = true
				break
			}
			if p < w {
				break
			}
			j--
		}
		if dup {
			continue
		}
		copy(dst[start+4*(j+1):start+4*(out+1)], dst[start+4*j:start+4*out])
		binary.BigEndian.PutUint32(dst[start+4*j:], w)
		out++
	}
	return dst[:start+4*out]
}

func keyValues(key string) []int32 {
	out := make([]int32, len(key)/4)
	for i := range out {
		out[i] = int32(binary.BigEndian.Uint32([]byte(key[4*i : 4*i+4])))
	}
	return out
}

func sameSlice(a, b []*conv) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// Merge adds o's state to a; o is left unchanged. Merge is associative
// and commutative. Both must have been made for the same question (the
// same tenant, range, calendar, granularity, test traffic, detail and
// definition, defaults filled in; their partitions differ), else Merge
// returns an error wrapping cm.ErrMismatch and changes nothing. Each
// partition must be merged once: merging an accumulator into itself is
// refused (cm.ErrInvalidValue), as its non-converting journeys would count
// twice.
func (a *Accumulator) Merge(o *Accumulator) error {
	if o == nil {
		return fmt.Errorf("attribution: merge: %w: a nil accumulator", cm.ErrMismatch)
	}
	if a == o {
		return fmt.Errorf("attribution: merge: %w: an accumulator into itself", cm.ErrInvalidValue)
	}
	if what := differ(&a.q, &o.q); what != "" {
		return fmt.Errorf("attribution: merge: %w: different %s", cm.ErrMismatch, what)
	}
	a.mergeState(o)
	return nil
}

// differ names what differs between two accumulators' queries (their
// definitions with defaults), or returns "".
func differ(a, b *Query) string {
	da, db := &a.Definition, &b.Definition
	ka, kb := kindsOf(da.Kinds), kindsOf(db.Kinds)
	switch {
	case a.Tenant != b.Tenant:
		return "tenants"
	case !a.Range.From.Equal(b.Range.From) || !a.Range.To.Equal(b.Range.To):
		return "ranges"
	case a.Calendar.Location().String() != b.Calendar.Location().String() || a.Calendar.WeekStart() != b.Calendar.WeekStart():
		return "calendars"
	case granularityOf(a.Granularity) != granularityOf(b.Granularity):
		return "granularities"
	case a.IncludeTest != b.IncludeTest:
		return "test traffic"
	case a.Detail != b.Detail:
		return "detail"
	case da.Model != db.Model || da.Dimension != db.Dimension:
		return "models or dimensions"
	case da.Lookback != db.Lookback || da.HalfLife != db.HalfLife || da.ReferenceWindow != db.ReferenceWindow:
		return "lookbacks, half-lives or reference windows"
	case *da.FirstShare != *db.FirstShare || *da.LastShare != *db.LastShare:
		return "position-based shares"
	case ka != kb:
		return "touch kinds"
	}
	return ""
}

func granularityOf(g cm.Granularity) cm.Granularity {
	if g == "" {
		return cm.Day
	}
	return g
}

// mergeState adds o's state to a (accumulators of one query).
func (a *Accumulator) mergeState(o *Accumulator) {
	remap := make([]int32, len(o.values))
	for i, s := range o.values {
		x, ok := a.index[s]
		if !ok {
			x = int32(len(a.values))
			a.values = append(a.values, s)
			a.index[s] = x
		}
		remap[i] = x
	}
	rv := func(v int32) int32 {
		if v < 0 {
			return v
		}
		return remap[v]
	}
	if !sameSlice(a.owned, o.owned) { // goroutines of one partition share it
		seen := make(map[string]bool, len(a.owned))
		for _, c := range a.owned {
			seen[c.payment] = true
		}
		var extra []*conv
		for _, c := range o.owned {
			if !seen[c.payment] {
				extra = append(extra, c)
			}
		}
		if len(extra) > 0 { // owned may be shared with other accumulators: copy
			a.owned = append(slices.Clip(a.owned), extra...)
			slices.SortFunc(a.owned, compareConv)
		}
	}
	for _, j := range o.journeys {
		start := int32(len(a.touches))
		for _, t := range o.touches[j.lo:j.hi] {
			t.val = remap[t.val]
			a.touches = append(a.touches, t)
		}
		a.journeys = append(a.journeys, journey{c: j.c, lo: start, hi: int32(len(a.touches))})
	}
	for k, n := range o.nullTrans {
		a.nullTrans[[2]int32{rv(k[0]), rv(k[1])}] += n
	}
	for k, n := range o.nullSets {
		vs := keyValues(k)
		for i := range vs {
			vs[i] = remap[vs[i]]
		}
		a.keyBuf = setKey(a.keyBuf[:0], vs)
		a.nullSets[string(a.keyBuf)] += n
	}
	a.nullJourneys += o.nullJourneys
}
