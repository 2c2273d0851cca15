package goals

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// FlowsQuery asks for flow usage and drop-out.
type FlowsQuery struct {
	// Tenant is required.
	Tenant string `json:"tenant"`
	// Range is the period reported, [From, To); runs count when they
	// start in it. At most 90 calendar days unless AllowLongRange (see
	// [Query.Range]).
	Range          cm.Range `json:"range"`
	AllowLongRange bool     `json:"allow_long_range,omitempty"`
	// Calendar buckets the time series; the zero Calendar is UTC.
	Calendar cm.Calendar `json:"calendar,omitzero"`
	// Granularity of the series; empty means day.
	Granularity cm.Granularity `json:"granularity,omitempty"`
	// Flow, when set, restricts every number to runs of this flow, and
	// Version (which needs Flow) to runs of this version of it. Runs of
	// other flows still end the runs they interrupt.
	Flow    string `json:"flow,omitempty"`
	Version string `json:"version,omitempty"`
	// RunTimeout ends a run that has had no step for this long; zero means
	// DefaultRunTimeout (24 hours).
	RunTimeout time.Duration `json:"run_timeout_ns,omitempty"`
	// DroppedRuns asks for the list of dropped runs in the result.
	DroppedRuns bool `json:"dropped_runs,omitempty"`
	// IncludeTest keeps test-channel traffic, left out by default.
	IncludeTest bool `json:"include_test,omitempty"`
	// Lookback: see [Query.Lookback].
	Lookback time.Duration `json:"lookback_ns,omitempty"`
	// Partition restricts the question to one partition of the contacts.
	Partition cm.Partition `json:"partition,omitzero"`
}

// Validate checks the query without modifying it (an empty granularity
// means day, a zero RunTimeout DefaultRunTimeout, when the query is run).
// Errors start with "goals: flows query: ", name the field and wrap the
// sentinels, as for [Query.Validate].
func (q *FlowsQuery) Validate() error {
	if err := checkScope(q.Tenant, q.Calendar, q.Range, q.AllowLongRange, q.Granularity, q.Lookback, q.Partition); err != nil {
		return fmt.Errorf("goals: flows query: %w", err)
	}
	if q.Version != "" && q.Flow == "" {
		return fmt.Errorf("goals: flows query: flow: %w: version %q given without a flow", cm.ErrRequired, q.Version)
	}
	if q.RunTimeout < 0 {
		return fmt.Errorf("goals: flows query: run_timeout: %w: negative", cm.ErrInvalidValue)
	}
	return nil
}

// compiled returns a copy of the validated q with the defaults applied.
func (q FlowsQuery) compiled() FlowsQuery {
	q.Granularity = cmp.Or(q.Granularity, cm.Day)
	q.RunTimeout = cmp.Or(q.RunTimeout, DefaultRunTimeout)
	q.Calendar = explicit(q.Calendar)
	return q
}

// FlowsResult is the answer to a [FlowsQuery].
type FlowsResult struct {
	Tenant      string         `json:"tenant"`
	Range       cm.Range       `json:"range"`
	TimeZone    string         `json:"time_zone"`
	Granularity cm.Granularity `json:"granularity"`
	RunTimeout  time.Duration  `json:"run_timeout_ns"`
	// FlowsTriggered is the number of distinct flows started in the range.
	FlowsTriggered int `json:"flows_triggered"`
	// TimesTriggered is the number of flow.started events in the range:
	// the number of runs.
	TimesTriggered int `json:"times_triggered"`
	// Series is TimesTriggered per bucket.
	Series cm.Series[int] `json:"series"`
	// Flows has one entry per flow, most popular (most triggered) first.
	Flows []FlowStats `json:"flows"`
	// DropOut has one entry per flow and version, in the order of Flows
	// and then of versions (v2 before v10).
	DropOut []VersionDropOut `json:"drop_out"`
	// DroppedRuns lists every dropped run when the query asks for it, in
	// order of start.
	DroppedRuns []DroppedRun `json:"dropped_runs,omitempty"`
	// Unmatched counts flow.node and flow.completed events in the range
	// (of any flow) that continued no run: no run of their flow was going
	// on in their conversation.
	Unmatched int `json:"unmatched_steps"`
}

// FlowStats is the usage of one flow.
type FlowStats struct {
	// Rank is the flow's place by popularity, from 1.
	Rank int    `json:"rank"`
	Flow string `json:"flow"`
	// Triggered is the number of runs started in the range.
	Triggered int `json:"triggered"`
	// Series is Triggered per bucket.
	Series cm.Series[int] `json:"series"`
	// Conversations and Contacts count the distinct conversations and
	// contacts with a run started in the range (runs outside any
	// conversation count towards Contacts only).
	Conversations int `json:"conversations"`
	Contacts      int `json:"contacts"`
	// Completed, Dropped and InProgress split Triggered by how the runs
	// ended.
	Completed  int `json:"completed"`
	Dropped    int `json:"dropped"`
	InProgress int `json:"in_progress"`
	// Completion is Completed over Completed + Dropped: runs still in
	// progress at the end of the range are left out.
	Completion cm.Rate `json:"completion_rate"`
	// Versions lists the versions started, in natural order.
	Versions []string `json:"versions"`
}

// VersionDropOut is the drop-out of one version of a flow.
type VersionDropOut struct {
	Flow    string `json:"flow"`
	Version string `json:"version"`
	// Runs started in the range, and how they ended.
	Runs       int     `json:"runs"`
	Completed  int     `json:"completed"`
	Dropped    int     `json:"dropped"`
	InProgress int     `json:"in_progress"`
	Completion cm.Rate `json:"completion_rate"`
	// NoNode counts dropped runs that ended before reaching any node
	// (included in Dropped, in no node's row).
	NoNode int `json:"dropped_before_first_node"`
	// Nodes are ranked worst first: by drop-off rate, then by dropped
	// count, then by reach, then by name.
	Nodes []NodeDropOut `json:"nodes"`
}

// NodeDropOut is the drop-out at one node of a flow version, over the
// runs that ended (completed or dropped).
type NodeDropOut struct {
	Rank int    `json:"rank"`
	Node string `json:"node"`
	// Reached counts runs that reached the node at least once.
	Reached int `json:"reached"`
	// WentOn counts those that had another step after their last visit to
	// the node: another node or the completion.
	WentOn int `json:"went_on"`
	// Dropped = Reached − WentOn: runs that stopped at the node.
	Dropped int `json:"dropped"`
	// DropOff is Dropped over Reached.
	DropOff cm.Rate `json:"drop_off_rate"`
}

// DroppedRun is a run that ended without completing.
type DroppedRun struct {
	Contact      string    `json:"contact"`
	Conversation string    `json:"conversation,omitempty"`
	Derived      bool      `json:"derived,omitempty"`
	Flow         string    `json:"flow"`
	Version      string    `json:"version"`
	Started      time.Time `json:"started"`
	LastStep     time.Time `json:"last_step"`
	// StoppedAt is the last node the run reached; empty when it reached
	// none.
	StoppedAt string `json:"stopped_at"`
	// EndedBy says what ended it: next_flow, conversation_changed or
	// timeout.
	EndedBy string `json:"ended_by"`
}

// Flows returns the flows triggered in q.Range, the most popular, their
// completion, and the drop-out per flow version and node ranked worst
// first (with each dropped run when q.DroppedRuns), as the package
// documentation defines runs and drop-out. Errors as for [Conversions].
func Flows(ctx context.Context, r cm.Reader, q FlowsQuery) (*FlowsResult, error) {
	a, err := FoldFlows(ctx, r, q)
	if err != nil {
		return nil, err
	}
	return a.Result(), nil
}

// FoldFlows reads q's events from r (q.Partition's contacts only, when it
// names one) and returns their accumulator; see [Fold].
func FoldFlows(ctx context.Context, r cm.Reader, q FlowsQuery) (*FlowsAccumulator, error) {
	a, err := newFlowsAccumulator(q)
	if err != nil {
		return nil, err
	}
	return foldAll(ctx, r, a)
}

// FlowsAccumulator holds flow usage and drop-out folded from contacts; see
// [Accumulator].
type FlowsAccumulator struct {
	q    FlowsQuery // compiled: defaults applied
	key  string
	b    cm.Buckets
	core core

	flowID, verID   uint32 // filter ids in the bound frame
	flowOK, verOK   bool
	flows, vers, nd local

	series    []int
	perFlow   []flowTally // by local flow index
	perVer    [][]int32   // [flow][version] → index in vt + 1 (0: none)
	vt        []verTally
	dropped   []droppedRec
	unmatched int
	seen      [][2]int32 // per contact: (flow, conversation) pairs counted
}

type flowTally struct {
	triggered, conversations, contacts int
	completed, dropped, inProgress     int
	series                             []int
}

type verTally struct {
	flow, version                          int32
	runs, completed, dropped, open, noNode int
	nodes                                  []int32 // local node → index in tallies + 1 (0: none)
	tallies                                []nodeTally
}

type nodeTally struct {
	node                     int32
	reached, wentOn, dropped int
}

type droppedRec struct {
	contact, conv string
	derived       bool
	flow, version int32
	start, last   int64
	node          int32 // -1: none
	end           uint8
}

// newFlowsAccumulator returns an empty accumulator for q (validated; q is
// not modified).
func newFlowsAccumulator(q FlowsQuery) (*FlowsAccumulator, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	q = q.compiled()
	b, err := q.Calendar.Buckets(q.Range, q.Granularity)
	if err != nil {
		return nil, fmt.Errorf("goals: flows query: %w", err)
	}
	k := q
	k.Range, k.Partition, k.AllowLongRange = utc(q.Range), cm.Partition{}, false
	return (&FlowsAccumulator{q: q, key: queryKey(k), b: b}).init(), nil
}

func (a *FlowsAccumulator) init() *FlowsAccumulator {
	a.core = newCore(a.q.Range, a.q.RunTimeout, a.q.IncludeTest)
	a.series = make([]int, a.b.Len())
	return a
}

func (a *FlowsAccumulator) fresh() *FlowsAccumulator {
	return (&FlowsAccumulator{q: a.q, key: a.key, b: a.b}).init()
}

// spec returns the frame spec the accumulator needs.
func (a *FlowsAccumulator) spec() frame.Spec {
	return frameSpec(a.q.Tenant, a.q.Range, a.q.Lookback, a.q.Partition, nil)
}

func (a *FlowsAccumulator) bind(f *frame.Frame) {
	if !a.core.bind(f) {
		return
	}
	a.flows.bind(f.Dict(frame.Flow))
	a.vers.bind(f.Dict(frame.FlowVersion))
	a.nd.bind(f.Dict(frame.Node))
	a.flowOK, a.verOK = true, true
	if a.q.Flow != "" {
		a.flowID, a.flowOK = f.Lookup(frame.Flow, a.q.Flow)
	}
	if a.q.Version != "" {
		a.verID, a.verOK = f.Lookup(frame.FlowVersion, a.q.Version)
	}
}

func (a *FlowsAccumulator) flowT(i int32) *flowTally {
	for int(i) >= len(a.perFlow) {
		a.perFlow = append(a.perFlow, flowTally{series: make([]int, a.b.Len())})
	}
	return &a.perFlow[i]
}

func (a *FlowsAccumulator) verT(fl, ver int32) *verTally {
	for int(fl) >= len(a.perVer) {
		a.perVer = append(a.perVer, nil)
	}
	row := a.perVer[fl]
	for int(ver) >= len(row) {
		row = append(row, 0)
	}
	a.perVer[fl] = row
	if row[ver] == 0 {
		a.vt = append(a.vt, verTally{flow: fl, version: ver})
		row[ver] = int32(len(a.vt))
	}
	return &a.vt[row[ver]-1]
}

func (v *verTally) node(n int32) *nodeTally {
	for int(n) >= len(v.nodes) {
		v.nodes = append(v.nodes, 0)
	}
	if v.nodes[n] == 0 {
		v.tallies = append(v.tallies, nodeTally{node: n})
		v.nodes[n] = int32(len(v.tallies))
	}
	return &v.tallies[v.nodes[n]-1]
}

// add folds contact group g of f, a frame built with [FlowsAccumulator.spec]
// (see [Accumulator.add]).
func (a *FlowsAccumulator) add(f *frame.Frame, g int) {
	a.bind(f)
	c := &a.core
	c.unmatched = 0
	c.contact(g)
	a.unmatched += c.unmatched
	if !a.flowOK || !a.verOK {
		return
	}
	a.seen = a.seen[:0]
	for j := range c.runs {
		ru := &c.runs[j]
		if !c.inRange(ru.start) || (a.q.Flow != "" && ru.flow != a.flowID) || (a.q.Version != "" && ru.version != a.verID) {
			continue
		}
		fl, ver := a.flows.of(ru.flow), a.vers.of(ru.version)
		ft := a.flowT(fl)
		ft.triggered++
		bi := a.b.IndexUnixNano(ru.start)
		ft.series[bi]++
		a.series[bi]++
		newContact, newConv := true, ru.conv >= 0
		for _, s := range a.seen {
			if s[0] == fl {
				newContact = false
				if s[1] == ru.conv {
					newConv = false
				}
			}
		}
		if newContact {
			ft.contacts++
		}
		if newConv {
			ft.conversations++
		}
		if newContact || newConv {
			a.seen = append(a.seen, [2]int32{fl, ru.conv})
		}
		vt := a.verT(fl, ver)
		vt.runs++
		switch ru.end {
		case endOpen:
			ft.inProgress++
			vt.open++
			continue
		case endCompleted:
			ft.completed++
			vt.completed++
		default:
			ft.dropped++
			vt.dropped++
			if ru.nodeHi == ru.nodeLo {
				vt.noNode++
			}
		}
		lastNode := int32(-1)
		for _, nd := range c.nodes[ru.nodeLo:ru.nodeHi] {
			ln := a.nd.of(nd)
			nt := vt.node(ln)
			nt.reached++
			if ru.end == endCompleted || nd != ru.lastNode {
				nt.wentOn++
			} else {
				nt.dropped++
				lastNode = ln
			}
		}
		if a.q.DroppedRuns && ru.end != endCompleted {
			dr := droppedRec{contact: f.ContactOf(int(ru.row)), flow: fl, version: ver, start: ru.start, last: ru.last, node: lastNode, end: ru.end}
			if ru.conv >= 0 {
				dr.conv, dr.derived = c.convName(ru.conv)
			}
			a.dropped = append(a.dropped, dr)
		}
	}
}

// Merge adds o's tallies to a. Both must answer the same query, as for
// [Accumulator.Merge] (a zero RunTimeout and DefaultRunTimeout are the
// same); otherwise it changes nothing and returns an error wrapping
// cm.ErrMismatch.
func (a *FlowsAccumulator) Merge(o *FlowsAccumulator) error {
	if o == nil {
		return fmt.Errorf("goals: merge: %w: a nil accumulator", cm.ErrMismatch)
	}
	if err := sameQuery(a == o, a.key, o.key); err != nil {
		return err
	}
	fl := remap(&a.flows.n, &o.flows.n)
	vr := remap(&a.vers.n, &o.vers.n)
	nd := remap(&a.nd.n, &o.nd.n)
	addInts(a.series, o.series)
	a.unmatched += o.unmatched
	for i := range o.perFlow {
		x, y := a.flowT(fl[i]), &o.perFlow[i]
		x.triggered += y.triggered
		x.conversations += y.conversations
		x.contacts += y.contacts
		x.completed += y.completed
		x.dropped += y.dropped
		x.inProgress += y.inProgress
		addInts(x.series, y.series)
	}
	for i := range o.vt {
		y := &o.vt[i]
		x := a.verT(fl[y.flow], vr[y.version])
		x.runs += y.runs
		x.completed += y.completed
		x.dropped += y.dropped
		x.open += y.open
		x.noNode += y.noNode
		for _, t := range y.tallies {
			n := x.node(nd[t.node])
			n.reached += t.reached
			n.wentOn += t.wentOn
			n.dropped += t.dropped
		}
	}
	for _, d := range o.dropped {
		d.flow, d.version, d.node = fl[d.flow], vr[d.version], at(nd, d.node)
		a.dropped = append(a.dropped, d)
	}
	return nil
}

// Result returns the answer; see [Accumulator.Result].
func (a *FlowsAccumulator) Result() *FlowsResult {
	loc := a.q.Calendar.Location()
	res := &FlowsResult{
		Tenant:      a.q.Tenant,
		Range:       cm.Range{From: a.q.Range.From.In(loc), To: a.q.Range.To.In(loc)},
		TimeZone:    loc.String(),
		Granularity: a.q.Granularity,
		RunTimeout:  a.q.RunTimeout,
		Series:      series(a.b, a.series),
		Flows:       []FlowStats{},
		DropOut:     []VersionDropOut{},
		Unmatched:   a.unmatched,
	}
	order := make(map[int32]int) // local flow → rank
	for i := range a.perFlow {
		ft := &a.perFlow[i]
		if ft.triggered == 0 {
			continue
		}
		res.TimesTriggered += ft.triggered
		res.Flows = append(res.Flows, FlowStats{
			Flow: a.flows.n.list[i], Triggered: ft.triggered, Series: series(a.b, ft.series),
			Conversations: ft.conversations, Contacts: ft.contacts,
			Completed: ft.completed, Dropped: ft.dropped, InProgress: ft.inProgress,
			Completion: cm.RateOf(ft.completed, ft.completed+ft.dropped), Versions: []string{},
		})
	}
	res.FlowsTriggered = len(res.Flows)
	slices.SortFunc(res.Flows, func(x, y FlowStats) int {
		if c := cmp.Compare(y.Triggered, x.Triggered); c != 0 {
			return c
		}
		return strings.Compare(x.Flow, y.Flow)
	})
	for i := range res.Flows {
		res.Flows[i].Rank = i + 1
		order[a.flows.n.idx[res.Flows[i].Flow]] = i
	}
	for i := range a.vt {
		vt := &a.vt[i]
		if vt.runs == 0 {
			continue
		}
		vd := VersionDropOut{
			Flow: a.flows.n.list[vt.flow], Version: a.vers.n.list[vt.version],
			Runs: vt.runs, Completed: vt.completed, Dropped: vt.dropped, InProgress: vt.open, NoNode: vt.noNode,
			Completion: cm.RateOf(vt.completed, vt.completed+vt.dropped), Nodes: []NodeDropOut{},
		}
		for _, t := range vt.tallies {
			vd.Nodes = append(vd.Nodes, NodeDropOut{Node: a.nd.n.list[t.node], Reached: t.reached, WentOn: t.wentOn, Dropped: t.dropped, DropOff: cm.RateOf(t.dropped, t.reached)})
		}
		slices.SortFunc(vd.Nodes, compareDropOut)
		for j := range vd.Nodes {
			vd.Nodes[j].Rank = j + 1
		}
		fs := &res.Flows[order[vt.flow]]
		fs.Versions = append(fs.Versions, vd.Version)
		res.DropOut = append(res.DropOut, vd)
	}
	for i := range res.Flows {
		slices.SortFunc(res.Flows[i].Versions, compareNatural)
	}
	slices.SortFunc(res.DropOut, func(x, y VersionDropOut) int {
		if c := cmp.Compare(order[a.flows.n.idx[x.Flow]], order[a.flows.n.idx[y.Flow]]); c != 0 {
			return c
		}
		return compareNatural(x.Version, y.Version)
	})
	if a.q.DroppedRuns {
		res.DroppedRuns = make([]DroppedRun, 0, len(a.dropped))
		for _, d := range a.dropped {
			res.DroppedRuns = append(res.DroppedRuns, DroppedRun{
				Contact: d.contact, Conversation: d.conv, Derived: d.derived,
				Flow: a.flows.n.list[d.flow], Version: a.vers.n.list[d.version],
				Started: time.Unix(0, d.start).In(loc), LastStep: time.Unix(0, d.last).In(loc),
				StoppedAt: nameOf(&a.nd.n, d.node), EndedBy: endNames[d.end],
			})
		}
		slices.SortFunc(res.DroppedRuns, func(x, y DroppedRun) int {
			if c := x.Started.Compare(y.Started); c != 0 {
				return c
			}
			if c := strings.Compare(x.Contact, y.Contact); c != 0 {
				return c
			}
			return strings.Compare(x.Flow, y.Flow)
		})
	}
	return res
}

// compareDropOut ranks worst first: higher drop-off rate (compared exactly
// as fractions), then more dropped, then more reached, then by name.
func compareDropOut(x, y NodeDropOut) int {
	// x.Dropped/x.Reached > y.Dropped/y.Reached ⇔ x.D·y.R > y.D·x.R
	if c := cmp.Compare(int64(y.Dropped)*int64(x.Reached), int64(x.Dropped)*int64(y.Reached)); c != 0 {
		return c
	}
	if c := cmp.Compare(y.Dropped, x.Dropped); c != 0 {
		return c
	}
	if c := cmp.Compare(y.Reached, x.Reached); c != 0 {
		return c
	}
	return strings.Compare(x.Node, y.Node)
}

// Flow returns the stats of the flow named name, or nil.
func (r *FlowsResult) Flow(name string) *FlowStats {
	for i := range r.Flows {
		if r.Flows[i].Flow == name {
			return &r.Flows[i]
		}
	}
	return nil
}

// Version returns the drop-out of a flow version, or nil.
func (r *FlowsResult) Version(flow, version string) *VersionDropOut {
	for i := range r.DropOut {
		if r.DropOut[i].Flow == flow && r.DropOut[i].Version == version {
			return &r.DropOut[i]
		}
	}
	return nil
}

// Tables returns the result as tables: the totals, the popular flows, runs
// triggered per bucket, one drop-out table per flow version and, when
// asked for, the dropped runs.
func (r *FlowsResult) Tables() []cm.Table {
	tot := cm.Table{Name: "Flows", Columns: []string{"flows_triggered", "times_triggered", "unmatched_steps"},
		Rows: [][]string{{itoa(r.FlowsTriggered), itoa(r.TimesTriggered), itoa(r.Unmatched)}}}
	pop := cm.Table{Name: "Popular flows", Columns: []string{"rank", "flow", "triggered", "conversations", "contacts", "completed", "dropped", "in_progress", "completion_rate", "versions"}}
	for _, f := range r.Flows {
		pop.Rows = append(pop.Rows, []string{itoa(f.Rank), f.Flow, itoa(f.Triggered), itoa(f.Conversations), itoa(f.Contacts),
			itoa(f.Completed), itoa(f.Dropped), itoa(f.InProgress), rateCell(f.Completion), strings.Join(f.Versions, " ")})
	}
	per := seriesTable("Flows triggered per "+string(r.Granularity), "all", r.Series, r.Flows,
		func(f *FlowStats) (string, cm.Series[int]) { return f.Flow, f.Series })
	out := []cm.Table{tot, pop, per}
	for _, v := range r.DropOut {
		out = append(out, v.Table())
	}
	if r.DroppedRuns != nil {
		t := cm.Table{Name: "Dropped runs", Columns: []string{"started", "contact", "conversation", "flow", "version", "stopped_at", "last_step", "ended_by"}}
		for _, d := range r.DroppedRuns {
			t.Rows = append(t.Rows, []string{d.Started.Format(time.RFC3339), d.Contact, d.Conversation, d.Flow, d.Version,
				d.StoppedAt, d.LastStep.Format(time.RFC3339), d.EndedBy})
		}
		out = append(out, t)
	}
	return out
}

// Table returns the version's drop-out, ranked worst first.
func (v *VersionDropOut) Table() cm.Table {
	t := cm.Table{
		Name: fmt.Sprintf("Drop-out: flow %s, version %s (%d runs: %d completed, %d dropped, %d before the first node, %d in progress)",
			v.Flow, versionLabel(v.Version), v.Runs, v.Completed, v.Dropped, v.NoNode, v.InProgress),
		Columns: []string{"rank", "node", "reached", "went_on", "dropped", "drop_off_rate"},
	}
	for _, n := range v.Nodes {
		t.Rows = append(t.Rows, []string{itoa(n.Rank), n.Node, itoa(n.Reached), itoa(n.WentOn), itoa(n.Dropped), rateCell(n.DropOff)})
	}
	return t
}

func versionLabel(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}
