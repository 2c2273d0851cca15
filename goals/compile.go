package goals

import (
	"strings"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// leaf is a single-event condition in string form, bound to a frame's ids
// by [leaf.bind].
type leaf struct {
	typ     uint8
	matches []fieldMatch
	attrs   [][2]string // attrs key, value
}

type fieldMatch struct {
	col frame.Field
	val string
}

// boundLeaf is a leaf with its values resolved to one frame's ids.
type boundLeaf struct {
	typ      uint8
	possible bool // false when a value does not occur in the frame
	cols     [][]uint32
	ids      []uint32
	attrs    [][2]uint32 // key id, value id (value id 0: key absent or empty)
	attrKV   func(r int) []uint32
}

func (l *leaf) bind(f *frame.Frame) boundLeaf {
	b := boundLeaf{typ: l.typ, possible: true}
	for _, m := range l.matches {
		id, ok := f.Lookup(m.col, m.val)
		if !ok {
			b.possible = false
		}
		b.cols = append(b.cols, f.Col(m.col))
		b.ids = append(b.ids, id)
	}
	if len(l.attrs) > 0 {
		d := f.AttrDict()
		for _, kv := range l.attrs {
			k, ok := uint32(0), false
			if d != nil {
				k, ok = d.Lookup(kv[0])
			}
			if !ok || k == 0 {
				if kv[1] != "" {
					b.possible = false // the key never occurs: only "" matches
				}
				continue // the key is absent everywhere: an empty match always holds
			}
			v, ok := uint32(0), true
			if kv[1] != "" {
				v, ok = d.Lookup(kv[1])
			}
			if !ok {
				b.possible = false
			}
			b.attrs = append(b.attrs, [2]uint32{k, v})
		}
		b.attrKV = f.AttrIDs
	}
	return b
}

// match reports whether row r of the bound frame satisfies the leaf; typ is
// the frame's Type column.
func (b *boundLeaf) match(typ []uint8, r int32) bool {
	if !b.possible || typ[r] != b.typ {
		return false
	}
	for i, col := range b.cols {
		if col[r] != b.ids[i] {
			return false
		}
	}
	for _, kv := range b.attrs {
		var v uint32
		pairs := b.attrKV(int(r))
		for j := 0; j < len(pairs); j += 2 {
			if pairs[j] == kv[0] {
				v = pairs[j+1]
				break
			}
		}
		if v != kv[1] {
			return false
		}
	}
	return true
}

// Condition node kinds after compilation.
const (
	kLeaf = iota
	kAny
	kAll
	kSeq
	kNever
)

// node is a compiled condition. Leaves refer to the goal set's leaf table.
type node struct {
	kind uint8
	leaf int32  // kLeaf
	kids []node // kAny, kAll (nevers included), kNever (one kid)
	// kSeq: steps[i] is the set of leaves (any of) for step i; nevers[i]
	// the leaves that must not occur while waiting for step i (nevers[m]
	// after the last step).
	steps  [][]int32
	nevers [][]int32
}

// program is a compiled goal set: the leaves and one tree per goal.
type program struct {
	leaves []leaf
	goals  []node
	// types are the event types the leaves read; fields the columns their
	// matches read; attrs whether any match reads attrs.
	types  []cm.Type
	fields frame.Fields
	attrs  bool
	maxSeq int
}

func compile(gs []Goal) *program {
	p := &program{}
	seen := map[cm.Type]bool{}
	for i := range gs {
		p.goals = append(p.goals, p.node(&gs[i].When))
	}
	for _, l := range p.leaves {
		t := cm.TypeOfCode(l.typ)
		if !seen[t] {
			seen[t] = true
			p.types = append(p.types, t)
		}
		for _, m := range l.matches {
			p.fields |= frame.Of(m.col)
		}
		if len(l.attrs) > 0 {
			p.attrs = true
		}
	}
	return p
}

func (p *program) addLeaf(l leaf) int32 {
	p.leaves = append(p.leaves, l)
	return int32(len(p.leaves) - 1)
}

func (p *program) node(c *Condition) node {
	switch {
	case c.Node != nil:
		code, _ := cm.TypeCode(cm.FlowNode)
		l := leaf{typ: code, matches: []fieldMatch{{frame.Flow, c.Node.Flow}, {frame.Node, c.Node.Node}}}
		if c.Node.Version != "" {
			l.matches = append(l.matches, fieldMatch{frame.FlowVersion, c.Node.Version})
		}
		return node{kind: kLeaf, leaf: p.addLeaf(l)}
	case c.Event != nil:
		code, _ := cm.TypeCode(c.Event.Type)
		l := leaf{typ: code}
		for _, k := range sortedKeys(c.Event.Match) {
			v := c.Event.Match[k]
			if key, ok := strings.CutPrefix(k, "attrs."); ok {
				l.attrs = append(l.attrs, [2]string{key, v})
				continue
			}
			f, _ := frame.FieldByName(k)
			l.matches = append(l.matches, fieldMatch{f, v})
		}
		return node{kind: kLeaf, leaf: p.addLeaf(l)}
	case c.Goal != "":
		code, _ := cm.TypeCode(cm.GoalReached)
		return node{kind: kLeaf, leaf: p.addLeaf(leaf{typ: code, matches: []fieldMatch{{frame.Goal, c.Goal}}})}
	case c.Any != nil:
		n := node{kind: kAny}
		for i := range c.Any {
			n.kids = append(n.kids, p.node(&c.Any[i]))
		}
		return n
	case c.All != nil:
		n := node{kind: kAll}
		for i := range c.All {
			n.kids = append(n.kids, p.node(&c.All[i]))
		}
		return n
	case c.Never != nil:
		return node{kind: kNever, kids: []node{p.node(c.Never)}}
	default: // Seq
		n := node{kind: kSeq, nevers: [][]int32{nil}}
		p.seq(&n, c.Seq)
		p.maxSeq = max(p.maxSeq, len(n.steps))
		return n
	}
}

// seq appends the steps of cs to n, splicing nested sequences.
func (p *program) seq(n *node, cs []Condition) {
	for i := range cs {
		c := &cs[i]
		switch {
		case c.Seq != nil:
			p.seq(n, c.Seq)
		case c.Never != nil:
			last := len(n.nevers) - 1
			n.nevers[last] = append(n.nevers[last], p.leavesOf(c.Never)...)
		default:
			n.steps = append(n.steps, p.leavesOf(c))
			n.nevers = append(n.nevers, nil)
		}
	}
}

// leavesOf flattens a single-event condition (a leaf or any of them) into
// its leaves.
func (p *program) leavesOf(c *Condition) []int32 {
	if c.Any != nil {
		var out []int32
		for i := range c.Any {
			out = append(out, p.leavesOf(&c.Any[i])...)
		}
		return out
	}
	return []int32{p.node(c).leaf}
}

// possible reports whether n can hold in a conversation whose event types
// are the bits of mask: a cheap test that spares scanning its rows.
func (p *program) possible(n *node, mask uint32) bool {
	switch n.kind {
	case kLeaf:
		return mask&(1<<p.leaves[n.leaf].typ) != 0
	case kAny:
		for i := range n.kids {
			if p.possible(&n.kids[i], mask) {
				return true
			}
		}
		return false
	case kAll:
		for i := range n.kids {
			if n.kids[i].kind != kNever && !p.possible(&n.kids[i], mask) {
				return false
			}
		}
		return true
	case kSeq:
		for _, step := range n.steps {
			ok := false
			for _, l := range step {
				ok = ok || mask&(1<<p.leaves[l].typ) != 0
			}
			if !ok {
				return false
			}
		}
		return true
	}
	return false
}

// evaluator evaluates a program's goals over one conversation's rows.
type evaluator struct {
	p      *program
	bound  []boundLeaf
	typ    []uint8
	alive  []bool
	leafAt []int32 // per leaf: first matching position, -2 = not computed
	rows   []int32
	mask   uint32               // event types of the conversation
	byType [cm.NumTypes][]int32 // leaves by the event type they match
}

func newEvaluator(p *program) *evaluator {
	e := &evaluator{p: p, alive: make([]bool, p.maxSeq+1), leafAt: make([]int32, len(p.leaves))}
	for i, l := range p.leaves {
		e.byType[l.typ] = append(e.byType[l.typ], int32(i))
	}
	return e
}

func (e *evaluator) bind(f *frame.Frame) {
	e.bound = e.bound[:0]
	for i := range e.p.leaves {
		e.bound = append(e.bound, e.p.leaves[i].bind(f))
	}
	e.typ = f.Type
}

// reset prepares for a conversation whose rows (absolute frame rows, in
// order) are rows and whose event types are the bits of mask.
func (e *evaluator) reset(rows []int32, mask uint32) {
	e.rows, e.mask = rows, mask
	for i := range e.leafAt {
		e.leafAt[i] = -2
	}
}

// first returns the position in rows of the first row matching leaf l, or
// -1. The first call for a conversation finds every leaf's first match in
// one scan of its rows.
func (e *evaluator) first(l int32) int32 {
	if at := e.leafAt[l]; at != -2 {
		return at
	}
	for i := range e.leafAt {
		e.leafAt[i] = -1
	}
	todo := 0
	for t, ls := range e.byType {
		if e.mask&(1<<t) != 0 {
			todo += len(ls)
		}
	}
	for pos, r := range e.rows {
		if todo == 0 {
			break
		}
		for _, x := range e.byType[e.typ[r]] {
			if e.leafAt[x] < 0 && e.bound[x].match(e.typ, r) {
				e.leafAt[x] = int32(pos)
				todo--
			}
		}
	}
	return e.leafAt[l]
}

// anyMatch reports whether row r matches one of leaves.
func (e *evaluator) anyMatch(leaves []int32, r int32) bool {
	for _, l := range leaves {
		if e.bound[l].match(e.typ, r) {
			return true
		}
	}
	return false
}

// goal returns the position in the conversation's rows at which goal gi
// first holds, or -1.
func (e *evaluator) goal(gi int) int32 {
	n := &e.p.goals[gi]
	if !e.p.possible(n, e.mask) {
		return -1
	}
	return e.eval(n)
}

// eval returns the position in the conversation's rows at which n first
// holds, or -1 if it never does.
func (e *evaluator) eval(n *node) int32 {
	switch n.kind {
	case kLeaf:
		return e.first(n.leaf)
	case kAny:
		best := int32(-1)
		for i := range n.kids {
			if at := e.eval(&n.kids[i]); at >= 0 && (best < 0 || at < best) {
				best = at
			}
		}
		return best
	case kAll:
		best := int32(-1)
		for i := range n.kids {
			k := &n.kids[i]
			if k.kind == kNever {
				if e.eval(&k.kids[0]) >= 0 {
					return -1
				}
				continue
			}
			at := e.eval(k)
			if at < 0 {
				return -1
			}
			best = max(best, at)
		}
		return best
	case kSeq:
		return e.seq(n)
	}
	return -1
}

// seq runs the sequence automaton: alive[i] means some choice of events
// for steps 0..i-1 exists, in order, with none of nevers[i] since step
// i-1's event. At each event, nevers kill first, then steps advance (from
// the last step down, so one event fills at most one step of a choice).
// With nevers after the last step, the sequence holds at the event that
// last completed it after the last such never.
func (e *evaluator) seq(n *node) int32 {
	m := len(n.steps)
	alive := e.alive[:m+1]
	alive[0] = true
	for i := 1; i <= m; i++ {
		alive[i] = false
	}
	done := int32(-1)
	trailing := len(n.nevers[m]) > 0
	for pos, r := range e.rows {
		for i := 0; i <= m; i++ {
			if alive[i] && len(n.nevers[i]) > 0 && e.anyMatch(n.nevers[i], r) {
				alive[i] = false
				if i == m {
					done = -1
				}
			}
		}
		for i := m - 1; i >= 0; i-- {
			if alive[i] && !alive[i+1] && e.anyMatch(n.steps[i], r) {
				alive[i+1] = true
				if i+1 == m {
					done = int32(pos)
				}
			}
		}
		if done >= 0 && !trailing {
			return done
		}
	}
	return done
}
