package funnel

import (
	"slices"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
	"github.com/shopspring/decimal"
)

// compiled is a validated query in the form the engine runs: steps and
// exclusions as bit masks per event type, with their filters.
type compiled struct {
	q        Query
	n        int   // steps
	window   int64 // ns
	order    Order
	unit     Unit
	optional uint32 // bit j: step j is optional
	// prevReq[j] is the last required step before j (-1 for step 0).
	prevReq [MaxSteps]int
	// matchers per event type code, for steps and exclusions.
	byType [cm.NumTypes][]matcher
	// plain masks per type code, for types whose matchers have no filters.
	plainSteps, plainExcl [cm.NumTypes]uint32
	filtered              [cm.NumTypes]bool
	types                 []cm.Type
	// breakdown
	bd      *Breakdown
	bdRef   fieldRef
	bdStep  int // -1 unless step attribution
	bdLimit int
	spec    frame.Spec
}

// matcher is one step or exclusion on one event type.
type matcher struct {
	steps, excl uint32 // the bits it sets when it matches
	where       []Match
}

func compile(q Query) (*compiled, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	d := &q.Funnel
	c := &compiled{q: q, n: len(d.Steps), window: int64(d.Window.Duration()), order: d.Order, unit: d.Unit, bdStep: -1}
	if c.order == "" {
		c.order = Ordered
	}
	if c.unit == "" {
		c.unit = UnitContact
	}
	last := -1
	for j, s := range d.Steps {
		c.prevReq[j] = last
		if s.Optional {
			c.optional |= 1 << j
		} else {
			last = j
		}
	}
	add := func(t cm.Type, where []Match, steps, excl uint32) {
		code, _ := cm.TypeCode(t)
		c.byType[code] = append(c.byType[code], matcher{steps: steps, excl: excl, where: where})
		if len(where) > 0 {
			c.filtered[code] = true
		}
		if !slices.Contains(c.types, t) {
			c.types = append(c.types, t)
		}
	}
	for j, s := range d.Steps {
		add(s.Type, s.Where, 1<<j, 0)
	}
	for _, x := range d.Exclusions {
		to := x.ToStep
		if to == 0 {
			to = c.n - 1
		}
		var bits uint32
		for i := x.FromStep + 1; i <= to; i++ {
			bits |= 1 << i
		}
		add(x.Type, x.Where, 0, bits)
	}
	for code := range c.byType {
		if !c.filtered[code] {
			for _, m := range c.byType[code] {
				c.plainSteps[code] |= m.steps
				c.plainExcl[code] |= m.excl
			}
		}
	}
	var fields frame.Fields
	spec := frame.Spec{Query: cm.Query{Tenant: q.Tenant, Range: q.Range, Partition: q.Partition}}
	need := func(r fieldRef) {
		switch r.kind {
		case kindString:
			fields |= frame.Of(r.col)
		case kindAttr:
			spec.Attrs = true
		case kindAmount:
			spec.Amount = true
		case kindBillable:
			spec.Billable = true
		case kindTranslated:
			spec.Translated = true
		}
	}
	for code := range c.byType {
		for _, m := range c.byType[code] {
			for _, w := range m.where {
				r, _ := parseField(w.Field)
				need(r)
			}
		}
	}
	if q.Breakdown != nil {
		c.bd = q.Breakdown
		c.bdRef, _ = parseField(q.Breakdown.Field)
		need(c.bdRef)
		if q.Breakdown.Attribution == StepAttribution {
			c.bdStep = q.Breakdown.Step
		}
		c.bdLimit = q.Breakdown.Limit
		if c.bdLimit == 0 {
			c.bdLimit = DefaultBreakdownLimit
		}
	}
	if !q.IncludeTest {
		fields |= frame.Of(frame.Channel)
	}
	if c.unit == UnitConversation {
		fields |= frame.Of(frame.Conversation)
	}
	if c.order == Strict {
		// Every event of the unit can break a strict funnel, except
		// delivery statuses (see the package documentation).
		for _, t := range cm.Types() {
			if t != cm.MessageStatus {
				spec.Query.Types = append(spec.Query.Types, t)
			}
		}
	} else {
		spec.Query.Types = slices.Clone(c.types)
	}
	spec.Fields = fields
	c.spec = spec
	return c, nil
}

// binding is a compiled query bound to one frame: filter values resolved
// to the frame's symbol ids.
type binding struct {
	c      *compiled
	f      *frame.Frame
	conds  [cm.NumTypes][][]cond // per type, per matcher
	test   uint32                // id of "test" in the channel column, or 0 when absent
	hasTst bool
	conv   []uint32
	chans  []uint32
	bd     reader
}

// cond is a Match resolved against a frame.
type cond struct {
	r      reader
	op     Op
	ids    []uint32 // values present in the frame
	amount decimal.Decimal
}

// reader reads a field of a row as a symbol id (string fields, attrs,
// billable, translated) or an amount.
type reader struct {
	kind fieldKind
	col  []uint32
	dict frame.Dict
	key  uint32 // attrs key id
	hasK bool   // whether the frame has the attrs key at all
	f    *frame.Frame
}

// Boolean fields read as these pseudo ids.
const (
	boolEmpty uint32 = 0
	boolFalse uint32 = 1
	boolTrue  uint32 = 2
)

func newReader(f *frame.Frame, r fieldRef) reader {
	rd := reader{kind: r.kind, f: f}
	switch r.kind {
	case kindString:
		rd.col = f.Col(r.col)
		rd.dict = f.Dict(r.col)
	case kindAttr:
		rd.dict = f.AttrDict()
		if rd.dict != nil {
			if id, ok := rd.dict.Lookup(r.key); ok && id != 0 {
				rd.key, rd.hasK = id, true
			}
		}
	}
	return rd
}

// id returns the symbol id of the field on row r (0 for empty).
func (rd *reader) id(r int) uint32 {
	switch rd.kind {
	case kindString:
		return rd.col[r]
	case kindAttr:
		if !rd.hasK {
			return 0
		}
		kv := rd.f.AttrIDs(r)
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == rd.key {
				return kv[i+1]
			}
		}
		return 0
	case kindBillable:
		switch rd.f.Billable(r) {
		case cm.True:
			return boolTrue
		case cm.False:
			return boolFalse
		}
		return boolEmpty
	case kindTranslated:
		if rd.f.Translated(r) {
			return boolTrue
		}
		return boolFalse
	}
	return 0
}

// str returns the string for an id this reader returned.
func (rd *reader) str(id uint32) string {
	switch rd.kind {
	case kindString, kindAttr:
		if id == 0 || rd.dict == nil {
			return ""
		}
		return rd.dict.Str(id)
	case kindBillable, kindTranslated:
		return [...]string{"", "false", "true"}[id]
	}
	return ""
}

// lookup resolves a filter value on field r (the field rd reads) to the
// reader's ids.
func (rd *reader) lookup(r fieldRef, s string) (uint32, bool) {
	switch r.kind {
	case kindString:
		return rd.f.Lookup(r.col, s)
	case kindAttr:
		d := rd.dict
		if d == nil {
			return 0, s == ""
		}
		if s == "" {
			return 0, true
		}
		id, ok := d.Lookup(s)
		return id, ok && id != 0
	case kindBillable, kindTranslated:
		switch s {
		case "":
			return boolEmpty, true
		case "false":
			return boolFalse, true
		case "true":
			return boolTrue, true
		}
	}
	return 0, false
}

func (c *compiled) bind(f *frame.Frame) *binding {
	b := &binding{c: c, f: f}
	for code := range c.byType {
		if !c.filtered[code] {
			continue
		}
		b.conds[code] = make([][]cond, len(c.byType[code]))
		for i, m := range c.byType[code] {
			cs := make([]cond, len(m.where))
			for k, w := range m.where {
				ref, _ := parseField(w.Field)
				cd := cond{r: newReader(f, ref), op: w.Op}
				if cd.op == "" {
					cd.op = Eq
				}
				if ref.kind == kindAmount {
					cd.amount, _ = decimal.NewFromString(w.Value)
				} else {
					vals := w.Values
					if cd.op == Eq || cd.op == Ne {
						vals = []string{w.Value}
					}
					for _, v := range vals {
						if id, ok := cd.r.lookup(ref, v); ok {
							cd.ids = append(cd.ids, id)
						}
					}
				}
				cs[k] = cd
			}
			b.conds[code][i] = cs
		}
	}
	if !c.q.IncludeTest {
		b.chans = f.Col(frame.Channel)
		b.test, b.hasTst = f.Lookup(frame.Channel, string(cm.ChannelTest))
	}
	if c.unit == UnitConversation {
		b.conv = f.Col(frame.Conversation)
	}
	if c.bd != nil {
		b.bd = newReader(f, c.bdRef)
	}
	return b
}

func (cd *cond) match(r int) bool {
	if cd.r.kind == kindAmount {
		v := cd.r.f.Amount(r)
		x := v.Cmp(cd.amount)
		switch cd.op {
		case Eq:
			return x == 0
		case Ne:
			return x != 0
		case Gt:
			return x > 0
		case Gte:
			return x >= 0
		case Lt:
			return x < 0
		case Lte:
			return x <= 0
		case Set:
			return !v.IsZero()
		case NotSet:
			return v.IsZero()
		}
		return false
	}
	id := cd.r.id(r)
	switch cd.op {
	case Eq, In:
		return slices.Contains(cd.ids, id)
	case Ne, NotIn:
		return !slices.Contains(cd.ids, id)
	case Set:
		return id != 0
	case NotSet:
		return id == 0
	}
	return false
}

// masks returns the steps and exclusions row r matches; skip reports a row
// that takes no part at all (test traffic).
func (b *binding) masks(r int) (steps, excl uint32, skip bool) {
	if b.hasTst && b.chans[r] == b.test {
		return 0, 0, true
	}
	code := b.f.Type[r]
	if !b.c.filtered[code] {
		return b.c.plainSteps[code], b.c.plainExcl[code], false
	}
	for i, m := range b.c.byType[code] {
		ok := true
		for k := range b.conds[code][i] {
			if !b.conds[code][i][k].match(r) {
				ok = false
				break
			}
		}
		if ok {
			steps |= m.steps
			excl |= m.excl
		}
	}
	return steps, excl, false
}
