package frame

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	cm "github.com/convometrics/convometrics"
	"github.com/shopspring/decimal"
)

// MapDict is a Dict backed by a slice and a map, for frames built from flat
// events. The zero value is not usable; use NewMapDict.
type MapDict struct {
	strs []string
	ids  map[string]uint32
}

// NewMapDict returns a dictionary holding only the empty string (id 0).
func NewMapDict() *MapDict { return &MapDict{strs: []string{""}, ids: map[string]uint32{"": 0}} }

// Intern returns the id of s, adding it when new.
func (d *MapDict) Intern(s string) uint32 {
	if s == "" {
		return 0
	}
	if id, ok := d.ids[s]; ok {
		return id
	}
	id := uint32(len(d.strs))
	d.strs = append(d.strs, s)
	d.ids[s] = id
	return id
}

// Str implements Dict.
func (d *MapDict) Str(id uint32) string { return d.strs[id] }

// Lookup implements Dict.
func (d *MapDict) Lookup(s string) (uint32, bool) {
	id, ok := d.ids[s]
	return id, ok
}

// Len implements Dict.
func (d *MapDict) Len() int { return len(d.strs) }

// Builder assembles a frame from flat events given in any order. It is
// what [Build] uses, and what engine tests use to make frames from
// fixtures.
type Builder struct {
	spec     Spec
	f        *Frame
	contacts *MapDict
	dicts    [NumFields]*MapDict
	attrs    *MapDict
	ids      []string
	sorted   bool
}

// NewBuilder returns a builder for frames with spec's columns. Spec.Query
// is not applied by the builder: every event added becomes a row.
func NewBuilder(spec Spec) *Builder {
	b := &Builder{spec: spec, f: &Frame{Tenant: spec.Query.Tenant}, contacts: NewMapDict(), sorted: true}
	b.f.Contacts = b.contacts
	spec.Fields.Each(func(c Field) {
		b.dicts[c] = NewMapDict()
		b.f.dicts[c] = b.dicts[c]
		b.f.cols[c] = []uint32{}
	})
	if spec.Amount {
		b.f.coef, b.f.exp = []int64{}, []int8{}
	}
	if spec.Billable {
		b.f.billable = []uint8{}
	}
	if spec.Translated {
		b.f.translated = []bool{}
	}
	if spec.Attrs {
		b.attrs = NewMapDict()
		b.f.attrDict = b.attrs
		b.f.attrStart = []uint32{0}
	}
	return b
}

// Add appends e as a row.
func (b *Builder) Add(e *cm.Event) {
	f := b.f
	n := len(f.Time)
	if n > 0 && b.sorted {
		prev := f.Contacts.Str(f.Contact[n-1])
		if c := strings.Compare(prev, e.Contact); c > 0 || (c == 0 && cmpTimeID(f.Time[n-1], b.ids[n-1], e.Time.UnixNano(), e.ID) > 0) {
			b.sorted = false
		}
	}
	code, _ := cm.TypeCode(e.Type)
	f.Time = append(f.Time, e.Time.UnixNano())
	f.Type = append(f.Type, code)
	f.Contact = append(f.Contact, b.contacts.Intern(e.Contact))
	b.ids = append(b.ids, e.ID)
	b.spec.Fields.Each(func(c Field) {
		f.cols[c] = append(f.cols[c], b.dicts[c].Intern(Value(e, c)))
	})
	if b.spec.Amount {
		f.coef, f.exp = appendAmount(f.coef, f.exp, &f.big, e.Amount, n)
	}
	if b.spec.Billable {
		f.billable = append(f.billable, uint8(e.Billable))
	}
	if b.spec.Translated {
		f.translated = append(f.translated, e.Translated)
	}
	if b.spec.Attrs {
		keys := make([]string, 0, len(e.Attrs))
		for k := range e.Attrs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			f.attrKV = append(f.attrKV, b.attrs.Intern(k), b.attrs.Intern(e.Attrs[k]))
		}
		f.attrStart = append(f.attrStart, uint32(len(f.attrKV)))
	}
}

// appendAmount appends d as a coefficient and exponent, or records it in
// big when it does not fit.
func appendAmount(coef []int64, exp []int8, big *map[uint32]decimal.Decimal, d decimal.Decimal, row int) ([]int64, []int8) {
	if d.IsZero() {
		return append(coef, 0), append(exp, 0)
	}
	if d.NumDigits() <= 18 && d.Exponent() >= -128 && d.Exponent() <= 127 {
		return append(coef, d.CoefficientInt64()), append(exp, int8(d.Exponent()))
	}
	if *big == nil {
		*big = map[uint32]decimal.Decimal{}
	}
	(*big)[uint32(row)] = d
	return append(coef, 0), append(exp, 0)
}

func cmpTimeID(ta int64, ida string, tb int64, idb string) int {
	if c := cmp.Compare(ta, tb); c != 0 {
		return c
	}
	return strings.Compare(ida, idb)
}

// Frame returns the frame: rows sorted by (contact, time, id), groups
// computed. The builder must not be used afterwards.
func (b *Builder) Frame() *Frame {
	f := b.f
	if !b.sorted {
		b.sort()
	}
	f.Groups = f.Groups[:0]
	for r := range f.Time {
		if r == 0 || f.Contact[r] != f.Contact[r-1] {
			f.Groups = append(f.Groups, uint32(r))
		}
	}
	f.Groups = append(f.Groups, uint32(len(f.Time)))
	b.f = nil
	return f
}

// sort reorders every column by (contact string, time, id).
func (b *Builder) sort() {
	f := b.f
	n := len(f.Time)
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	slices.SortStableFunc(perm, func(x, y int) int {
		if c := strings.Compare(f.Contacts.Str(f.Contact[x]), f.Contacts.Str(f.Contact[y])); c != 0 {
			return c
		}
		return cmpTimeID(f.Time[x], b.ids[x], f.Time[y], b.ids[y])
	})
	f.Time = gather(f.Time, perm)
	f.Type = gather(f.Type, perm)
	f.Contact = gather(f.Contact, perm)
	b.ids = gather(b.ids, perm)
	for c := range f.cols {
		if f.cols[c] != nil {
			f.cols[c] = gather(f.cols[c], perm)
		}
	}
	if f.coef != nil {
		f.coef = gather(f.coef, perm)
		f.exp = gather(f.exp, perm)
		if f.big != nil {
			inv := make([]int, n)
			for newRow, old := range perm {
				inv[old] = newRow
			}
			nb := make(map[uint32]decimal.Decimal, len(f.big))
			for old, d := range f.big {
				nb[uint32(inv[old])] = d
			}
			f.big = nb
		}
	}
	if f.billable != nil {
		f.billable = gather(f.billable, perm)
	}
	if f.translated != nil {
		f.translated = gather(f.translated, perm)
	}
	if f.attrStart != nil {
		start := make([]uint32, 1, n+1)
		kv := make([]uint32, 0, len(f.attrKV))
		for _, old := range perm {
			kv = append(kv, f.attrKV[f.attrStart[old]:f.attrStart[old+1]]...)
			start = append(start, uint32(len(kv)))
		}
		f.attrStart, f.attrKV = start, kv
	}
}

func gather[T any](s []T, perm []int) []T {
	out := make([]T, len(s))
	for i, p := range perm {
		out[i] = s[p]
	}
	return out
}

// FromEvents returns the frame of events (any order) with spec's columns,
// applying spec.Query's filters. It is meant for tests and small inputs.
func FromEvents(spec Spec, events []cm.Event) *Frame {
	b := NewBuilder(spec)
	for i := range events {
		if spec.Query.Wants(&events[i]) {
			b.Add(&events[i])
		}
	}
	return b.Frame()
}

// Raw is the low-level builder stores use to fill a frame's preallocated
// columns directly, possibly from several goroutines writing disjoint rows.
// The store fills Time, Type and Contact of every row, sets the
// dictionaries of the spec's fields, writes the columns, and calls
// FinishGroups once every row is written.
type Raw struct {
	Frame *Frame
	spec  Spec
}

// NewRaw returns a frame of rows rows with zeroed columns for spec.
func NewRaw(spec Spec, rows int) *Raw {
	f := &Frame{
		Tenant:  spec.Query.Tenant,
		Time:    make([]int64, rows),
		Type:    make([]uint8, rows),
		Contact: make([]uint32, rows),
	}
	spec.Fields.Each(func(c Field) { f.cols[c] = make([]uint32, rows) })
	if spec.Amount {
		f.coef, f.exp = make([]int64, rows), make([]int8, rows)
	}
	if spec.Billable {
		f.billable = make([]uint8, rows)
	}
	if spec.Translated {
		f.translated = make([]bool, rows)
	}
	if spec.Attrs {
		f.attrStart = make([]uint32, rows+1)
	}
	return &Raw{Frame: f, spec: spec}
}

// Cols returns the string columns for writing.
func (r *Raw) Cols() *[NumFields][]uint32 { return &r.Frame.cols }

// SetDict sets the dictionary of column c.
func (r *Raw) SetDict(c Field, d Dict) { r.Frame.dicts[c] = d }

// SetAttrDict sets the dictionary of attrs keys and values.
func (r *Raw) SetAttrDict(d Dict) { r.Frame.attrDict = d }

// SetAmount sets row's amount to coef × 10^exp.
func (r *Raw) SetAmount(row int, coef int64, exp int8) {
	r.Frame.coef[row], r.Frame.exp[row] = coef, exp
}

// SetBigAmount sets an amount whose coefficient does not fit an int64. It
// is not safe for concurrent use.
func (r *Raw) SetBigAmount(row int, d decimal.Decimal) {
	if r.Frame.big == nil {
		r.Frame.big = map[uint32]decimal.Decimal{}
	}
	r.Frame.big[uint32(row)] = d
}

// SetBillable sets row's billable flag.
func (r *Raw) SetBillable(row int, b uint8) { r.Frame.billable[row] = b }

// SetTranslated marks row as translated.
func (r *Raw) SetTranslated(row int) { r.Frame.translated[row] = true }

// AllocAttrs allocates room for n attrs ids (twice the number of pairs).
func (r *Raw) AllocAttrs(n int) { r.Frame.attrKV = make([]uint32, n) }

// PutAttrs writes row's attrs pairs at position pos and returns the
// position after them. Rows must be written in order within a goroutine,
// each goroutine starting at the position its first row's attrs belong.
func (r *Raw) PutAttrs(row, pos int, kv []uint32) int {
	copy(r.Frame.attrKV[pos:], kv)
	pos += len(kv)
	r.Frame.attrStart[row+1] = uint32(pos)
	return pos
}

// FinishGroups computes the contact groups from the Contact column.
func (r *Raw) FinishGroups() {
	f := r.Frame
	f.Groups = make([]uint32, 0, 64)
	for i := range f.Contact {
		if i == 0 || f.Contact[i] != f.Contact[i-1] {
			f.Groups = append(f.Groups, uint32(i))
		}
	}
	f.Groups = append(f.Groups, uint32(len(f.Contact)))
}

// Diff compares two frames row by row by value (ids may differ) over the
// columns both carry, and describes the first difference, or returns "".
func Diff(a, b *Frame) string {
	if a.Len() != b.Len() {
		return fmt.Sprintf("%d rows vs %d", a.Len(), b.Len())
	}
	if a.NumGroups() != b.NumGroups() {
		return fmt.Sprintf("%d contact groups vs %d", a.NumGroups(), b.NumGroups())
	}
	for r := 0; r < a.Len(); r++ {
		if a.Time[r] != b.Time[r] || a.Type[r] != b.Type[r] || a.ContactOf(r) != b.ContactOf(r) {
			return fmt.Sprintf("row %d: (%d %s %q) vs (%d %s %q)", r, a.Time[r], a.TypeOf(r), a.ContactOf(r), b.Time[r], b.TypeOf(r), b.ContactOf(r))
		}
		for c := Field(0); c < NumFields; c++ {
			if a.Has(c) && b.Has(c) && a.Str(c, r) != b.Str(c, r) {
				return fmt.Sprintf("row %d: %s %q vs %q", r, c, a.Str(c, r), b.Str(c, r))
			}
		}
		if a.coef != nil && b.coef != nil && !a.Amount(r).Equal(b.Amount(r)) {
			return fmt.Sprintf("row %d: amount %s vs %s", r, a.Amount(r), b.Amount(r))
		}
		if a.Billable(r) != b.Billable(r) || a.Translated(r) != b.Translated(r) {
			return fmt.Sprintf("row %d: billable/translated differ", r)
		}
		if a.attrStart != nil && b.attrStart != nil && !maps.Equal(a.Attrs(r), b.Attrs(r)) {
			return fmt.Sprintf("row %d: attrs %v vs %v", r, a.Attrs(r), b.Attrs(r))
		}
	}
	return ""
}
