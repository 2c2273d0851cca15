package session

import (
	"context"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// accuracyScale is the fixed point of accuracies: each is rounded to nine
// decimals and summed as an integer, so that sums are exact and do not
// depend on the order of the suggestions.
const accuracyScale = 1_000_000_000

// Accuracy returns the agent-assist accuracy of a suggestion against the
// reply finally sent: 1 − Levenshtein(suggested, final) / max(len(suggested),
// len(final)), with lengths and edits counted in Unicode code points (an
// emoji made of one code point is one character; "✔️", a check mark and a
// variation selector, is two). Text is compared as sent: no case folding
// and no Unicode normalisation, so a precomposed "é" and "e" followed by a
// combining accent differ. Two empty strings have accuracy 1.
func Accuracy(suggested, final string) float64 {
	var lv levenshtein
	return float64(lv.accuracy(suggested, final)) / accuracyScale
}

// accuracy returns the accuracy of (s, f) in units of 1/accuracyScale,
// rounded half up.
func (l *levenshtein) accuracy(s, f string) int64 {
	l.a = appendRunes(l.a[:0], s)
	l.b = appendRunes(l.b[:0], f)
	m := max(len(l.a), len(l.b))
	if m == 0 {
		return accuracyScale
	}
	d := l.distance()
	return (int64(m-d)*accuracyScale*2 + int64(m)) / (2 * int64(m))
}

// assistAcc accumulates agent-assist usage and accuracy per bucket.
type assistAcc struct {
	usage      []int
	scored     []int
	sum        []int64
	translated int
	unsent     int
}

func newAssistAcc(n int) *assistAcc {
	return &assistAcc{usage: ints(n), scored: ints(n), sum: make([]int64, n)}
}

func (a *assistAcc) merge(o *assistAcc) {
	addInts(a.usage, o.usage)
	addInts(a.scored, o.scored)
	for i := range a.sum {
		a.sum[i] += o.sum[i]
	}
	a.translated += o.translated
	a.unsent += o.unsent
}

func (a *assistAcc) clone() *assistAcc {
	c := newAssistAcc(len(a.usage))
	c.merge(a)
	return c
}

func (c *compiled) assistSpec() frame.Spec {
	return frame.Spec{Query: c.frameQuery([]cm.Type{cm.AssistSuggestion}),
		Fields:     frame.Of(frame.Channel, frame.Inbox, frame.Agent, frame.Team, frame.Assistant, frame.Suggested, frame.Final),
		Translated: true}
}

// foldAssist folds the suggestions of frame f (built with assistSpec).
func (a *Accumulator) foldAssist(f *frame.Frame) {
	if f.Len() == 0 {
		return
	}
	c := a.c
	fl := c.q.Filter
	chd := f.Dict(frame.Channel)
	ch, inbox, agent, team, asst := f.Col(frame.Channel), f.Col(frame.Inbox), f.Col(frame.Agent), f.Col(frame.Team), f.Col(frame.Assistant)
	sug, fin := f.Col(frame.Suggested), f.Col(frame.Final)
	sets := make([]idSet, 4)
	for i, l := range []struct {
		field frame.Field
		vals  []string
	}{{frame.Inbox, fl.Inboxes}, {frame.Agent, fl.Agents}, {frame.Team, fl.Teams}, {frame.Assistant, fl.Assistants}} {
		s, ok := lookupSet(f, l.field, l.vals)
		if !ok {
			return
		}
		sets[i] = s
	}
	contacts, ok := lookupContacts(f, fl.Contacts)
	if !ok {
		return
	}
	chans := map[cm.Channel]bool{}
	for _, x := range fl.Channels {
		chans[x] = true
	}
	testID, hasTest := f.Lookup(frame.Channel, string(cm.ChannelTest))
	var lv levenshtein
	cache := map[[2]uint32]int64{}
	agents, teams := map[uint32]*assistAcc{}, map[uint32]*assistAcc{}
	get := func(m map[uint32]*assistAcc, dst map[string]*assistAcc, d frame.Dict, id uint32) *assistAcc {
		if id == 0 {
			return nil
		}
		if x := m[id]; x != nil {
			return x
		}
		name := d.Str(id)
		x := dst[name]
		if x == nil {
			x = newAssistAcc(c.buckets.Len())
			dst[name] = x
		}
		m[id] = x
		return x
	}
	ad, td := f.Dict(frame.Agent), f.Dict(frame.Team)
	lastB := 0
	for r := 0; r < f.Len(); r++ {
		t := f.Time[r]
		if t < c.from || t >= c.to {
			continue
		}
		if hasTest && testID != 0 && ch[r] == testID && !c.q.IncludeTest {
			continue
		}
		if len(chans) > 0 && !chans[cm.Channel(chd.Str(ch[r]))] {
			continue
		}
		if (sets[0] != nil && !sets[0].has(inbox[r])) || (sets[1] != nil && !sets[1].has(agent[r])) ||
			(sets[2] != nil && !sets[2].has(team[r])) || (sets[3] != nil && !sets[3].has(asst[r])) ||
			(contacts != nil && !contacts.has(f.Contact[r])) {
			continue
		}
		b := lastB
		if !(c.starts[b] <= t && t < c.ends[b]) {
			b = c.bucketOf(t)
			lastB = b
		}
		translated := f.Translated(r)
		var acc int64
		if !translated {
			k := [2]uint32{sug[r], fin[r]}
			v, ok := cache[k]
			if !ok {
				v = lv.accuracy(f.Str(frame.Suggested, r), f.Str(frame.Final, r))
				cache[k] = v
			}
			acc = v
		}
		for _, x := range []*assistAcc{get(agents, a.assist, ad, agent[r]), get(teams, a.assistTeams, td, team[r]), a.assistAll} {
			if x == nil {
				continue
			}
			x.usage[b]++
			if fin[r] == 0 {
				x.unsent++
			}
			if translated {
				x.translated++
				continue
			}
			x.scored[b]++
			x.sum[b] += acc
		}
	}
}

// AssistStats is the agent-assist usage and accuracy of one agent, team
// or everyone.
type AssistStats struct {
	Name string `json:"name"`
	// Usage counts suggestions shown (translated ones included).
	Usage Count `json:"usage"`
	// Translated counts suggestions that went through translation (left
	// out of the accuracy); Unsent those with no final reply (scored 0
	// unless translated).
	Translated int `json:"translated"`
	Unsent     int `json:"unsent"`
	// Accuracy is the mean accuracy: the sum of the suggestions'
	// accuracies over the number scored.
	Accuracy       cm.Rate            `json:"accuracy"`
	AccuracySeries cm.Series[cm.Rate] `json:"accuracy_series"`
}

// AssistResult is the agent-assist usage and accuracy over a range.
type AssistResult struct {
	Tenant      string         `json:"tenant"`
	Range       cm.Range       `json:"range"`
	TimeZone    string         `json:"time_zone"`
	Agents      []AssistStats  `json:"agents"`
	Teams       []AssistStats  `json:"teams"`
	All         AssistStats    `json:"all"`
	Granularity cm.Granularity `json:"granularity"`
}

// Assist returns the agent-assist (AI reply suggestion) usage and accuracy
// of q's tenant over q's range, per agent, per team and overall.
func Assist(ctx context.Context, r cm.Reader, q Query) (*AssistResult, error) {
	c, err := q.compile()
	if err != nil {
		return nil, err
	}
	a, err := fold(ctx, r, c, partAssist)
	if err != nil {
		return nil, err
	}
	return a.Assist(), nil
}

func (a *Accumulator) assistStats(name string, x *assistAcc) AssistStats {
	s := AssistStats{Name: name, Usage: a.series(x.usage), Translated: x.translated, Unsent: x.unsent,
		AccuracySeries: cm.NewSeries[cm.Rate](a.c.buckets)}
	var sum int64
	n := 0
	for i := range x.sum {
		s.AccuracySeries[i].Value = cm.Rate{Numerator: float64(x.sum[i]) / accuracyScale, Denominator: float64(x.scored[i])}
		sum += x.sum[i]
		n += x.scored[i]
	}
	s.Accuracy = cm.Rate{Numerator: float64(sum) / accuracyScale, Denominator: float64(n)}
	return s
}

// Assist extracts the agent-assist result.
func (a *Accumulator) Assist() *AssistResult {
	if a.parts&partAssist == 0 {
		return nil
	}
	c := a.c
	res := &AssistResult{Tenant: c.q.Tenant, Range: c.q.Range, TimeZone: c.cal.Location().String(), Granularity: c.q.Granularity}
	for _, n := range sortedKeys(a.assist) {
		res.Agents = append(res.Agents, a.assistStats(n, a.assist[n]))
	}
	for _, n := range sortedKeys(a.assistTeams) {
		res.Teams = append(res.Teams, a.assistStats(n, a.assistTeams[n]))
	}
	res.All = a.assistStats("all", a.assistAll)
	return res
}

// Tables returns the usage and accuracy per agent (and overall) and per
// team, and the overall series.
func (r *AssistResult) Tables() []cm.Table {
	cols := []string{"name", "usage", "translated", "unsent", "scored", "accuracy"}
	row := func(s AssistStats) []string {
		return []string{s.Name, itoa(s.Usage.Total), itoa(s.Translated), itoa(s.Unsent), numCell(s.Accuracy.Denominator), rateCell(s.Accuracy)}
	}
	ag := cm.Table{Name: "Agent assist by agent", Columns: cols}
	for _, s := range r.Agents {
		ag.Rows = append(ag.Rows, row(s))
	}
	ag.Rows = append(ag.Rows, row(r.All))
	tm := cm.Table{Name: "Agent assist by team", Columns: cols}
	for _, s := range r.Teams {
		tm.Rows = append(tm.Rows, row(s))
	}
	ser := cm.Table{Name: "Agent assist by " + string(r.Granularity), Columns: []string{"start", "usage", "scored", "accuracy"}}
	for i, p := range r.All.Usage.Series {
		acc := r.All.AccuracySeries[i].Value
		ser.Rows = append(ser.Rows, []string{p.Start.Format(time.RFC3339), itoa(p.Value), numCell(acc.Denominator), rateCell(acc)})
	}
	return []cm.Table{ag, tm, ser}
}
