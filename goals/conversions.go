package goals

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// Query asks for goal conversions: which goals, over which range and in
// which calendar.
type Query struct {
	// Tenant is required.
	Tenant string `json:"tenant"`
	// Range is the period reported, [From, To); both bounds are required,
	// and it spans at most cm.MaxCustomDays (90) calendar days of Calendar
	// unless AllowLongRange is set.
	Range cm.Range `json:"range"`
	// AllowLongRange lifts the 90-day limit on Range (for questions over a
	// whole workload).
	AllowLongRange bool `json:"allow_long_range,omitempty"`
	// Calendar buckets the time series (its zone and week start). The zero
	// Calendar is UTC with weeks starting on Monday.
	Calendar cm.Calendar `json:"calendar,omitzero"`
	// Granularity of the series: day (the default when empty), week,
	// month or hour.
	Granularity cm.Granularity `json:"granularity,omitempty"`
	// Goals to evaluate; at least one, validated with [ValidateGoals].
	Goals []Goal `json:"goals"`
	// IncludeTest keeps test-channel traffic, which is left out by default.
	IncludeTest bool `json:"include_test,omitempty"`
	// Lookback limits how far before Range.From events are read to
	// reconstruct the conversations in progress at From. Zero reads the
	// whole history (exact); a positive value trades exactness for
	// conversations longer than it for speed.
	Lookback time.Duration `json:"lookback_ns,omitempty"`
	// Partition restricts the question to one partition of the tenant's
	// contacts, for folding partitions separately ([Fold]) and merging.
	Partition cm.Partition `json:"partition,omitzero"`
}

// checkScope validates the fields every query shares. It names the field
// at fault; the caller adds the package and query prefix.
func checkScope(tenant string, cal cm.Calendar, r cm.Range, allowLong bool, g cm.Granularity, lookback time.Duration, part cm.Partition) error {
	if tenant == "" {
		return fmt.Errorf("tenant: %w", cm.ErrNoTenant)
	}
	if err := cal.CheckRange(r, cm.RangeOptions{AllowLong: allowLong}); err != nil {
		if errors.Is(err, cm.ErrRangeTooLong) {
			return fmt.Errorf("range: %w (allow_long_range lifts the limit)", err)
		}
		return fmt.Errorf("range: %w", err)
	}
	switch g {
	case "", cm.Hour, cm.Day, cm.Week, cm.Month:
	default:
		return fmt.Errorf("granularity: %w: %q (want hour, day, week or month)", cm.ErrUnknownValue, string(g))
	}
	if lookback < 0 {
		return fmt.Errorf("lookback: %w: negative", cm.ErrInvalidValue)
	}
	if err := part.Check(); err != nil {
		return fmt.Errorf("partition: %w", err)
	}
	return nil
}

// Validate checks the query without modifying it (an empty granularity
// means day when the query is run). Errors start with "goals: query: ",
// name the field and wrap the sentinels (cm.ErrNoTenant, cm.ErrEmptyRange,
// cm.ErrRangeTooLong, cm.ErrRequired, cm.ErrUnknownValue,
// cm.ErrInvalidValue).
func (q *Query) Validate() error {
	if err := checkScope(q.Tenant, q.Calendar, q.Range, q.AllowLongRange, q.Granularity, q.Lookback, q.Partition); err != nil {
		return fmt.Errorf("goals: query: %w", err)
	}
	if len(q.Goals) == 0 {
		return fmt.Errorf("goals: query: goals: %w", cm.ErrRequired)
	}
	if err := validateGoals(q.Goals); err != nil {
		return fmt.Errorf("goals: query: %w", err)
	}
	return nil
}

// compiled returns a copy of the validated q with the defaults applied:
// the granularity (day) and the calendar in its explicit form.
func (q Query) compiled() Query {
	q.Granularity = cmp.Or(q.Granularity, cm.Day)
	q.Calendar = explicit(q.Calendar)
	return q
}

// explicit returns c with its zone set, so that the zero Calendar and
// UTC compare (and marshal) alike.
func explicit(c cm.Calendar) cm.Calendar {
	return cm.NewCalendar(c.Location()).WithWeekStart(c.WeekStart())
}

// queryKey is what Merge compares: the compiled query as JSON, with the
// range in UTC and Partition and AllowLongRange (which change no number)
// left out, so that accumulators of the same question over different
// partitions (or built in different processes) merge, and any other
// difference is a mismatch.
func queryKey(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Every query field marshals; keep accumulators unmergeable if one
		// ever does not.
		return "unmarshalable: " + err.Error()
	}
	return string(b)
}

// utc returns r with both bounds in UTC.
func utc(r cm.Range) cm.Range { return cm.Range{From: r.From.UTC(), To: r.To.UTC()} }

// sameQuery checks that two accumulators answer the same question: not the
// same accumulator, and the same query key. The error wraps cm.ErrMismatch
// and names the query fields that differ.
func sameQuery(self bool, ka, kb string) error {
	if self {
		return fmt.Errorf("goals: merge: %w: an accumulator into itself", cm.ErrMismatch)
	}
	if ka == kb {
		return nil
	}
	var ma, mb map[string]json.RawMessage
	_ = json.Unmarshal([]byte(ka), &ma)
	_ = json.Unmarshal([]byte(kb), &mb)
	var diff []string
	for k, v := range ma {
		if w, ok := mb[k]; !ok || !bytes.Equal(v, w) {
			diff = append(diff, k)
		}
	}
	for k := range mb {
		if _, ok := ma[k]; !ok {
			diff = append(diff, k)
		}
	}
	slices.Sort(diff)
	return fmt.Errorf("goals: merge: %w: they differ in %s", cm.ErrMismatch, strings.Join(diff, ", "))
}

// readRange is the span of events read: the whole history before To, or
// Lookback before From.
func readRange(r cm.Range, lookback time.Duration) cm.Range {
	out := cm.Range{To: r.To}
	if lookback > 0 {
		out.From = r.From.Add(-lookback)
	}
	return out
}

// frameSpec returns the frame spec for the structural types plus the
// program's.
func frameSpec(tenant string, r cm.Range, lookback time.Duration, part cm.Partition, p *program) frame.Spec {
	types := slices.Clone(structuralTypes)
	fields := coreFields
	attrs := false
	if p != nil {
		for _, t := range p.types {
			if !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
		fields |= p.fields
		attrs = p.attrs
	}
	// A fixed order keeps frame caches shared between questions.
	slices.SortFunc(types, func(a, b cm.Type) int {
		x, _ := cm.TypeCode(a)
		y, _ := cm.TypeCode(b)
		return cmp.Compare(x, y)
	})
	return frame.Spec{
		Query:  cm.Query{Tenant: tenant, Range: readRange(r, lookback), Types: types, Partition: part},
		Fields: fields,
		Attrs:  attrs,
	}
}

// Result is the answer to a conversions [Query].
type Result struct {
	Tenant      string         `json:"tenant"`
	Range       cm.Range       `json:"range"`
	TimeZone    string         `json:"time_zone"`
	Granularity cm.Granularity `json:"granularity"`
	// Conversations is the number of conversations that started in the
	// range: the denominator of every goal's conversion rate.
	Conversations int `json:"conversations"`
	// Started is Conversations per bucket (by start time).
	Started cm.Series[int] `json:"conversations_started"`
	// Goals holds one result per goal, in the order of the query.
	Goals []GoalResult `json:"goals"`
}

// GoalResult is the conversions of one goal.
type GoalResult struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Conversions counts conversations whose goal was reached in the range
	// (by the instant of the event completing it), each at most once.
	Conversions int `json:"conversions"`
	// Series is Conversions per bucket.
	Series cm.Series[int] `json:"series"`
	// Rate is conversations that started in the range and reached the goal
	// (before the range's end), over Conversations.
	Rate cm.Rate `json:"conversion_rate"`
	// UserTurns summarises, over the conversions, the inbound messages of
	// the conversation before the event completing the goal.
	UserTurns TurnStats `json:"user_turns"`
	// TimeToConvert summarises, over the conversions, the time from the
	// conversation's start to the goal.
	TimeToConvert cm.DurationStats `json:"time_to_convert"`
	// ByFlow counts the conversions per credited flow and version, most
	// first; conversions credited to no flow have an empty Flow.
	ByFlow []FlowConversions `json:"by_flow"`
	// List is every conversion, in order of time.
	List []Conversion `json:"list"`
}

// FlowConversions is the conversions of a goal credited to one flow version.
type FlowConversions struct {
	Flow        string `json:"flow"`
	Version     string `json:"version"`
	Conversions int    `json:"conversions"`
}

// Conversion is one conversation that reached a goal.
type Conversion struct {
	Goal    string `json:"goal"`
	Contact string `json:"contact"`
	// Conversation is the host's conversation id, or for a derived session
	// "derived@" and the UTC instant of its first inbound message.
	Conversation string    `json:"conversation"`
	Derived      bool      `json:"derived,omitempty"`
	Started      time.Time `json:"conversation_started"`
	// Time is the instant of the event that completed the goal.
	Time time.Time `json:"time"`
	// Flow and FlowVersion are credited with the conversion (see the
	// package documentation); empty when no flow ran.
	Flow        string `json:"flow,omitempty"`
	FlowVersion string `json:"flow_version,omitempty"`
	// UserTurns is the number of the conversation's inbound messages
	// (reactions excepted) before the event that completed the goal.
	UserTurns int `json:"user_turns"`
}

// TurnStats summarises user turns over conversions. Median is the middle
// value, or the mean of the two middle values for an even count. All are
// zero when Count is 0.
type TurnStats struct {
	Count  int     `json:"count"`
	Mean   float64 `json:"mean"`
	Median float64 `json:"median"`
	Min    int     `json:"min"`
	Max    int     `json:"max"`
}

func turnStats(v []int32) TurnStats {
	if len(v) == 0 {
		return TurnStats{}
	}
	s := slices.Clone(v)
	slices.Sort(s)
	sum := 0.0
	for _, x := range s {
		sum += float64(x)
	}
	n := len(s)
	med := float64(s[n/2])
	if n%2 == 0 {
		med = (float64(s[n/2-1]) + float64(s[n/2])) / 2
	}
	return TurnStats{Count: n, Mean: sum / float64(n), Median: med, Min: int(s[0]), Max: int(s[n-1])}
}

// Conversions returns the conversions of q's goals in q.Range: totals,
// series, conversion rates, user turns and the conversations behind them,
// as the package documentation defines. It reads one frame of the tenant's
// events (the structural types and those the goals name, before
// q.Range.To) and folds it on all cores. An invalid query is an error
// naming the field; a store error or ctx being done stops the computation
// and is returned, wrapped, with no result.
func Conversions(ctx context.Context, r cm.Reader, q Query) (*Result, error) {
	a, err := Fold(ctx, r, q)
	if err != nil {
		return nil, err
	}
	return a.Result(), nil
}

// Fold reads q's events from r (q.Partition's contacts only, when it names
// one) and returns their accumulator, what [Conversions] computes its
// result from. Fold the partitions of a tenant separately (on other
// goroutines or machines), [Accumulator.Merge] them, and the merged
// [Accumulator.Result] is the single-pass answer. Errors as for
// [Conversions].
func Fold(ctx context.Context, r cm.Reader, q Query) (*Accumulator, error) {
	a, err := newAccumulator(q)
	if err != nil {
		return nil, err
	}
	return foldAll(ctx, r, a)
}

// Accumulator holds goal conversions folded from contacts. Get one from
// [Fold], combine accumulators of disjoint partitions with Merge, and read
// the answer with Result. It is not safe for concurrent use.
type Accumulator struct {
	q     Query // compiled: defaults applied
	key   string
	prog  *program
	b     cm.Buckets
	core  core
	ev    *evaluator
	flows local
	vers  local

	started int
	series  []int
	goals   []goalTally
}

type goalTally struct {
	conversions int
	converted   int // of conversations started in range
	series      []int
	turns       []int32
	ttc         cm.Durations
	byFlow      map[[2]int32]int
	list        []convRec
}

// convRec is a conversion with its flow as local indexes (-1: none).
type convRec struct {
	contact, conv string
	derived       bool
	start, at     int64
	flow, version int32
	turns         int32
}

// newAccumulator returns an empty accumulator for q (validated; q itself is
// not modified: the accumulator keeps a compiled copy).
func newAccumulator(q Query) (*Accumulator, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	q = q.compiled()
	b, err := q.Calendar.Buckets(q.Range, q.Granularity)
	if err != nil {
		return nil, fmt.Errorf("goals: query: %w", err)
	}
	k := q
	k.Range, k.Partition, k.AllowLongRange = utc(q.Range), cm.Partition{}, false
	a := &Accumulator{q: q, key: queryKey(k), prog: compile(q.Goals), b: b}
	return a.init(), nil
}

func (a *Accumulator) init() *Accumulator {
	a.core = newCore(a.q.Range, DefaultRunTimeout, a.q.IncludeTest)
	a.ev = newEvaluator(a.prog)
	a.series = make([]int, a.b.Len())
	a.goals = make([]goalTally, len(a.q.Goals))
	for i := range a.goals {
		a.goals[i].series = make([]int, a.b.Len())
		a.goals[i].byFlow = map[[2]int32]int{}
	}
	return a
}

// fresh returns an empty accumulator for the same query.
func (a *Accumulator) fresh() *Accumulator {
	return (&Accumulator{q: a.q, key: a.key, prog: a.prog, b: a.b}).init()
}

// spec returns the frame spec the accumulator needs: the events to pass to
// add.
func (a *Accumulator) spec() frame.Spec {
	return frameSpec(a.q.Tenant, a.q.Range, a.q.Lookback, a.q.Partition, a.prog)
}

// add folds contact group g of f, a frame built with [Accumulator.spec]
// (more columns or event types do no harm; the range and partition must be
// the spec's). add never fails: it only reads the frame.
func (a *Accumulator) add(f *frame.Frame, g int) {
	if a.core.bind(f) {
		a.ev.bind(f)
		a.flows.bind(f.Dict(frame.Flow))
		a.vers.bind(f.Dict(frame.FlowVersion))
	}
	c := &a.core
	c.contact(g)
	contact := ""
	for k := range c.convs {
		k := int32(k)
		cv := &c.convs[k]
		startIn := c.inRange(cv.start)
		if startIn {
			a.started++
			a.series[a.b.IndexUnixNano(cv.start)]++
		}
		var rows []int32
		for gi := range a.prog.goals {
			if !a.prog.possible(&a.prog.goals[gi], cv.types) {
				continue
			}
			if rows == nil {
				rows = c.rowsOf(k)
				a.ev.reset(rows, cv.types)
			}
			pos := a.ev.eval(&a.prog.goals[gi])
			if pos < 0 {
				continue
			}
			r := rows[pos]
			at := c.times[r]
			gt := &a.goals[gi]
			if startIn {
				gt.converted++
			}
			if !c.inRange(at) {
				continue
			}
			gt.conversions++
			gt.series[a.b.IndexUnixNano(at)]++
			turns := int32(0)
			for _, x := range rows[:pos] {
				if c.typ[x] == tReceived && !c.isReaction(x) {
					turns++
				}
			}
			gt.turns = append(gt.turns, turns)
			gt.ttc.Add(time.Duration(at - cv.start))
			fl, ver := int32(-1), int32(-1)
			if fs, vs := c.credit(k, r); fs != 0 {
				fl, ver = a.flows.of(fs), a.vers.of(vs)
			}
			gt.byFlow[[2]int32{fl, ver}]++
			if contact == "" {
				contact = f.ContactOf(int(r))
			}
			name, derived := c.convName(k)
			gt.list = append(gt.list, convRec{contact: contact, conv: name, derived: derived, start: cv.start, at: at, flow: fl, version: ver, turns: turns})
		}
	}
}

// Merge adds o's tallies to a. Both must answer the same query: the same
// fields, by content, apart from Partition and AllowLongRange (the zero
// Calendar and UTC, and an empty Granularity and day, are the same). Otherwise Merge changes
// nothing and returns an error wrapping cm.ErrMismatch that names the
// fields that differ; merging an accumulator into itself is a mismatch
// too. Merge is associative and commutative; each contact must have been
// folded into only one of the accumulators merged (disjoint partitions).
func (a *Accumulator) Merge(o *Accumulator) error {
	if o == nil {
		return fmt.Errorf("goals: merge: %w: a nil accumulator", cm.ErrMismatch)
	}
	if err := sameQuery(a == o, a.key, o.key); err != nil {
		return err
	}
	a.started += o.started
	addInts(a.series, o.series)
	fl := remap(&a.flows.n, &o.flows.n)
	vr := remap(&a.vers.n, &o.vers.n)
	for i := range a.goals {
		x, y := &a.goals[i], &o.goals[i]
		x.conversions += y.conversions
		x.converted += y.converted
		addInts(x.series, y.series)
		x.turns = append(x.turns, y.turns...)
		x.ttc.Merge(&y.ttc)
		for k, n := range y.byFlow {
			x.byFlow[[2]int32{at(fl, k[0]), at(vr, k[1])}] += n
		}
		for _, c := range y.list {
			c.flow, c.version = at(fl, c.flow), at(vr, c.version)
			x.list = append(x.list, c)
		}
	}
	return nil
}

// remap interns o's names into a and returns o's index → a's index.
func remap(a, o *names) []int32 {
	m := make([]int32, len(o.list))
	for i, s := range o.list {
		m[i] = a.intern(s)
	}
	return m
}

// at maps a local index through m, keeping -1.
func at(m []int32, i int32) int32 {
	if i < 0 {
		return -1
	}
	return m[i]
}

func addInts(a, b []int) {
	for i := range b {
		a[i] += b[i]
	}
}

func series(b cm.Buckets, v []int) cm.Series[int] {
	s := cm.NewSeries[int](b)
	for i := range s {
		s[i].Value = v[i]
	}
	return s
}

func nameOf(n *names, i int32) string {
	if i < 0 {
		return ""
	}
	return n.list[i]
}

// Result returns the answer. It leaves the accumulator as it was, so it
// may be merged further and asked again.
func (a *Accumulator) Result() *Result {
	loc := a.q.Calendar.Location()
	res := &Result{
		Tenant:        a.q.Tenant,
		Range:         cm.Range{From: a.q.Range.From.In(loc), To: a.q.Range.To.In(loc)},
		TimeZone:      loc.String(),
		Granularity:   a.q.Granularity,
		Conversations: a.started,
		Started:       series(a.b, a.series),
	}
	for i, g := range a.q.Goals {
		gt := &a.goals[i]
		gr := GoalResult{
			Name:          g.Name,
			Description:   g.Description,
			Conversions:   gt.conversions,
			Series:        series(a.b, gt.series),
			Rate:          cm.RateOf(gt.converted, a.started),
			UserTurns:     turnStats(gt.turns),
			TimeToConvert: gt.ttc.Stats(),
			ByFlow:        []FlowConversions{},
			List:          make([]Conversion, 0, len(gt.list)),
		}
		for k, n := range gt.byFlow {
			gr.ByFlow = append(gr.ByFlow, FlowConversions{Flow: nameOf(&a.flows.n, k[0]), Version: nameOf(&a.vers.n, k[1]), Conversions: n})
		}
		slices.SortFunc(gr.ByFlow, func(x, y FlowConversions) int {
			if c := cmp.Compare(y.Conversions, x.Conversions); c != 0 {
				return c
			}
			if c := strings.Compare(x.Flow, y.Flow); c != 0 {
				return c
			}
			return compareNatural(x.Version, y.Version)
		})
		for _, i := range sortedRecs(gt.list) {
			c := &gt.list[i]
			gr.List = append(gr.List, Conversion{
				Goal: g.Name, Contact: c.contact, Conversation: c.conv, Derived: c.derived,
				Started: time.Unix(0, c.start).In(loc), Time: time.Unix(0, c.at).In(loc),
				Flow: nameOf(&a.flows.n, c.flow), FlowVersion: nameOf(&a.vers.n, c.version), UserTurns: int(c.turns),
			})
		}
		res.Goals = append(res.Goals, gr)
	}
	return res
}

// sortedRecs returns the indexes of recs in order of time, contact and
// conversation, sorting small keys rather than the records.
func sortedRecs(recs []convRec) []int32 {
	type key struct {
		at int64
		i  int32
	}
	keys := make([]key, len(recs))
	for i := range recs {
		keys[i] = key{recs[i].at, int32(i)}
	}
	slices.SortFunc(keys, func(x, y key) int {
		if c := cmp.Compare(x.at, y.at); c != 0 {
			return c
		}
		a, b := &recs[x.i], &recs[y.i]
		if c := strings.Compare(a.contact, b.contact); c != 0 {
			return c
		}
		return strings.Compare(a.conv, b.conv)
	})
	out := make([]int32, len(keys))
	for i, k := range keys {
		out[i] = k.i
	}
	return out
}

// Goal returns the result of the goal named name, or nil.
func (r *Result) Goal(name string) *GoalResult {
	for i := range r.Goals {
		if r.Goals[i].Name == name {
			return &r.Goals[i]
		}
	}
	return nil
}

// Tables returns the result as tables: a summary per goal, the converted
// conversations per bucket, those per credited flow version, and the
// conversations behind the conversions. Every count of a goal is of
// conversations (each converts at most once), and the tables say so:
// conversations_converted is [GoalResult.Conversions], and the summary's
// last column, definition, is the goal's description (for the default
// goals, "conversations with ...": what is counted).
func (r *Result) Tables() []cm.Table {
	sum := cm.Table{Name: "Goals", Columns: []string{"goal", "conversations_converted", "conversations_started", "converted_of_started", "conversion_rate", "user_turns_mean", "user_turns_median", "time_to_convert_median_s", "definition"}}
	for _, g := range r.Goals {
		sum.Rows = append(sum.Rows, []string{g.Name, itoa(g.Conversions), itoa(r.Conversations), ftoa(g.Rate.Numerator),
			rateCell(g.Rate), fmtFloat(g.UserTurns.Mean, g.UserTurns.Count > 0), fmtFloat(g.UserTurns.Median, g.UserTurns.Count > 0),
			secs(g.TimeToConvert.Median, g.TimeToConvert.Count > 0), g.Description})
	}
	per := seriesTable("Converted conversations per "+string(r.Granularity), "conversations_started", r.Started, r.Goals,
		func(g *GoalResult) (string, cm.Series[int]) { return g.Name, g.Series })
	list := cm.Table{Name: "Conversations behind the conversions", Columns: []string{"goal", "time", "contact", "conversation", "flow", "flow_version", "user_turns", "time_to_convert_s"}}
	for _, g := range r.Goals {
		for _, c := range g.List {
			list.Rows = append(list.Rows, []string{c.Goal, c.Time.Format(time.RFC3339), c.Contact, c.Conversation, c.Flow, c.FlowVersion,
				itoa(c.UserTurns), secs(c.Time.Sub(c.Started), true)})
		}
	}
	by := cm.Table{Name: "Converted conversations by credited flow", Columns: []string{"goal", "flow", "flow_version", "conversations_converted"}}
	for _, g := range r.Goals {
		for _, f := range g.ByFlow {
			by.Rows = append(by.Rows, []string{g.Name, f.Flow, f.Version, itoa(f.Conversions)})
		}
	}
	return []cm.Table{sum, per, by, list}
}

// seriesTable puts series side by side, one row per bucket of total: the
// bucket's start, total's value in column first, then the value of each
// item's series in a column named by col.
func seriesTable[T any](name, first string, total cm.Series[int], items []T, col func(*T) (string, cm.Series[int])) cm.Table {
	t := cm.Table{Name: name, Columns: []string{"start", first}}
	for i := range items {
		c, _ := col(&items[i])
		t.Columns = append(t.Columns, c)
	}
	for b, p := range total {
		row := []string{p.Start.Format(time.RFC3339), itoa(p.Value)}
		for i := range items {
			_, s := col(&items[i])
			row = append(row, itoa(s[b].Value))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func itoa(n int) string { return strconv.Itoa(n) }

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// rateCell formats a rate as a decimal between 0 and 1 with four places, or
// "n/a" for 0/0.
func rateCell(r cm.Rate) string {
	v, ok := r.Value()
	if !ok {
		return "n/a"
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

func fmtFloat(f float64, ok bool) string {
	if !ok {
		return ""
	}
	return strconv.FormatFloat(f, 'f', 2, 64)
}

func secs(d time.Duration, ok bool) string {
	if !ok {
		return ""
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}
