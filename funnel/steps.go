package funnel

import (
	"cmp"
	"context"
	"slices"
	"strconv"

	cm "github.com/convometrics/convometrics"
)

// StepResult is one step of a funnel result. See the package
// documentation for the definition of each number.
type StepResult struct {
	Index    int     `json:"index"` // 0-based
	Name     string  `json:"name"`
	Type     cm.Type `json:"type,omitempty"`
	Optional bool    `json:"optional,omitempty"`
	// Count is the number of units whose reported path includes the step.
	Count int `json:"count"`
	// Previous is the index of the last required step before this one
	// (-1 for the first step): "previous" in the fields below.
	Previous int `json:"previous"`
	// DroppedOff is max(count(previous) − Count, 0); 0 for the first step.
	DroppedOff int `json:"dropped_off"`
	// FromPrevious is Count / count(previous) (Count / Count for the first
	// step); FromFirst is Count / count(first step).
	FromPrevious cm.Rate `json:"conversion_from_previous"`
	FromFirst    cm.Rate `json:"conversion_from_first"`
	// TimeFromPrevious summarises, over the units that reached this
	// required step, the time from their previous required step. Empty
	// (Count 0) for the first step and optional steps.
	TimeFromPrevious cm.DurationStats `json:"time_from_previous"`
	// Reached lists the units (contact or conversation ids, sorted) that
	// reached the step, and Dropped those that reached the previous step
	// but not this one; only when Query.List is set.
	Reached []string `json:"reached,omitempty"`
	Dropped []string `json:"dropped,omitempty"`
}

// BreakdownRow is the funnel of one breakdown value.
type BreakdownRow struct {
	// Value is the breakdown value ("" for events without one).
	Value string `json:"value"`
	// Other marks the row summing the values beyond Breakdown.Limit.
	Other bool         `json:"other,omitempty"`
	Steps []StepResult `json:"steps"`
}

// Result is a funnel's step counts, overall and per breakdown value.
type Result struct {
	Tenant string       `json:"tenant"`
	Range  cm.Range     `json:"range"`
	Unit   Unit         `json:"unit"`
	Order  Order        `json:"order"`
	Window Window       `json:"window"`
	Steps  []StepResult `json:"steps"`
	// Breakdown has one row per value, ordered by the count at the last
	// step (descending), then at each earlier step, then by value; the
	// values beyond the limit are summed into a last row with Other set.
	Breakdown []BreakdownRow `json:"breakdown,omitempty"`
	// BreakdownField names the breakdown field, when there is one.
	BreakdownField string `json:"breakdown_field,omitempty"`
}

// Steps computes the funnel q asks for: the count, drop-off, conversion
// and time from the previous step of every step, and the breakdown.
func Steps(ctx context.Context, r cm.Reader, q Query) (*Result, error) {
	acc, err := Fold(ctx, r, q)
	if err != nil {
		return nil, err
	}
	return acc.Result(), nil
}

// stepMeta returns the name, type and optional flag of step j.
func (c *compiled) stepMeta(j int) (string, cm.Type, bool) {
	if c.order == Unordered {
		if j == 0 {
			return "Completed 1 step", "", false
		}
		return "Completed " + strconv.Itoa(j+1) + " steps", "", false
	}
	s := c.q.Funnel.Steps[j]
	return s.Label(), s.Type, s.Optional
}

func (a *stepsAgg) results(c *compiled) []StepResult {
	out := make([]StepResult, c.n)
	for j := range out {
		name, typ, opt := c.stepMeta(j)
		pr := c.prevReq[j]
		if c.order == Unordered {
			pr = j - 1
		}
		s := StepResult{Index: j, Name: name, Type: typ, Optional: opt, Count: a.count[j], Previous: pr}
		if pr < 0 {
			s.FromPrevious = cm.RateOf(a.count[j], a.count[j])
		} else {
			s.DroppedOff = max(a.count[pr]-a.count[j], 0)
			s.FromPrevious = cm.RateOf(a.count[j], a.count[pr])
			s.TimeFromPrevious = a.times[j].Stats()
		}
		s.FromFirst = cm.RateOf(a.count[j], a.count[0])
		if a.reached != nil {
			s.Reached = sortedCopy(a.reached[j])
			if pr >= 0 {
				s.Dropped = sortedCopy(a.dropped[j])
			}
		}
		out[j] = s
	}
	return out
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// Result returns the funnel computed so far.
func (a *Accumulator) Result() *Result {
	c := a.c
	res := &Result{Tenant: c.q.Tenant, Range: c.q.Range, Unit: c.unit, Order: c.order, Window: c.q.Funnel.Window, Steps: a.all.results(c)}
	if res.Window == (Window{}) {
		res.Window = DefaultWindow()
	}
	if c.bd != nil {
		res.BreakdownField = c.bd.Field
		res.Breakdown = breakdownRows(c, a.bd)
	}
	return res
}

func breakdownRows(c *compiled, m map[string]*stepsAgg) []BreakdownRow {
	vals := make([]string, 0, len(m))
	for v := range m {
		vals = append(vals, v)
	}
	slices.SortFunc(vals, func(x, y string) int {
		ax, ay := m[x], m[y]
		for j := c.n - 1; j >= 0; j-- {
			if d := cmp.Compare(ay.count[j], ax.count[j]); d != 0 {
				return d
			}
		}
		return cmp.Compare(x, y)
	})
	var rows []BreakdownRow
	var other *stepsAgg
	for i, v := range vals {
		if c.bdLimit > 0 && i >= c.bdLimit {
			if other == nil {
				other = newStepsAgg(c.n, false)
			}
			other.merge(m[v])
			continue
		}
		rows = append(rows, BreakdownRow{Value: v, Steps: m[v].results(c)})
	}
	if other != nil {
		rows = append(rows, BreakdownRow{Value: "Other", Other: true, Steps: other.results(c)})
	}
	return rows
}

// Tables returns the result for export: the steps, the breakdown (when
// there is one) and the listed units (when asked for).
func (r *Result) Tables() []cm.Table {
	cols := []string{"step", "name", "count", "dropped_off", "conversion_from_previous", "conversion_from_first", "mean_time_from_previous_s", "median_time_from_previous_s"}
	t := cm.Table{Name: "Funnel steps", Columns: cols}
	for _, s := range r.Steps {
		t.Rows = append(t.Rows, stepRow(s))
	}
	out := []cm.Table{t}
	if r.Breakdown != nil {
		bt := cm.Table{Name: "Funnel by " + r.BreakdownField, Columns: append([]string{r.BreakdownField}, cols...)}
		for _, b := range r.Breakdown {
			v := breakdownLabel(b.Value, b.Other)
			for _, s := range b.Steps {
				bt.Rows = append(bt.Rows, append([]string{v}, stepRow(s)...))
			}
		}
		out = append(out, bt)
	}
	if len(r.Steps) > 0 && r.Steps[0].Reached != nil {
		lt := cm.Table{Name: "Funnel units", Columns: []string{"step", "status", "unit"}}
		for _, s := range r.Steps {
			for _, u := range s.Reached {
				lt.Rows = append(lt.Rows, []string{strconv.Itoa(s.Index + 1), "reached", u})
			}
			for _, u := range s.Dropped {
				lt.Rows = append(lt.Rows, []string{strconv.Itoa(s.Index + 1), "dropped", u})
			}
		}
		out = append(out, lt)
	}
	return out
}

// breakdownLabel names a breakdown row in tables: "(other)" for the row
// summing the values beyond the limit, "(none)" for the empty value.
func breakdownLabel(value string, other bool) string {
	switch {
	case other:
		return "(other)"
	case value == "":
		return "(none)"
	}
	return value
}

func stepRow(s StepResult) []string {
	mean, median := "", ""
	if s.TimeFromPrevious.Count > 0 {
		mean = seconds(s.TimeFromPrevious.Mean)
		median = seconds(s.TimeFromPrevious.Median)
	}
	return []string{strconv.Itoa(s.Index + 1), s.Name, strconv.Itoa(s.Count), strconv.Itoa(s.DroppedOff),
		rate(s.FromPrevious), rate(s.FromFirst), mean, median}
}
