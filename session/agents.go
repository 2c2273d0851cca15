package session

import (
	"context"
	"slices"
	"strconv"
	"time"

	cm "github.com/convometrics/convometrics"
)

// SLATarget is the attainment of one SLA target: sessions that met it,
// breached it, or are still within it with the clock running (Pending,
// not in the rate). Attainment = Met / (Met + Breached).
type SLATarget struct {
	Target     time.Duration `json:"target_ns"`
	Met        int           `json:"met"`
	Breached   int           `json:"breached"`
	Pending    int           `json:"pending"`
	Attainment cm.Rate       `json:"attainment"`
}

// SLAResult holds the attainment of each target the query set.
type SLAResult struct {
	FirstResponse *SLATarget `json:"first_response,omitempty"`
	NextResponse  *SLATarget `json:"next_response,omitempty"`
	Resolution    *SLATarget `json:"resolution,omitempty"`
}

// Performance is the work credited to one agent, team, inbox or group. See
// the package documentation for what each number counts and whom it is
// credited to.
type Performance struct {
	Name string `json:"name"`
	// ActiveNow and ActiveAtEnd count sessions active at the query's now
	// and at the end of the range, assigned to this agent or team (or in
	// this inbox with an assignee).
	ActiveNow   int `json:"active_now"`
	ActiveAtEnd int `json:"active_at_end"`
	// TimesAssigned counts assignments; SessionsAssigned the distinct
	// sessions assigned.
	TimesAssigned    Count `json:"times_assigned"`
	SessionsAssigned Count `json:"sessions_assigned"`
	MessagesSent     Count `json:"messages_sent"`
	FirstResponse    Timed `json:"first_response"`
	ReplyTime        Timed `json:"reply_time"`
	Resolutions      Count `json:"resolutions"`
	ResolutionTime   Timed `json:"resolution_time"`
	// SLA is nil unless the query set targets.
	SLA *SLAResult `json:"sla,omitempty"`
}

// TeamMembers is the sum of the performance of a team's agents.
type TeamMembers struct {
	Team    string   `json:"team"`
	Members []string `json:"members"`
	Performance
}

// AgentsResult is the agent, team and inbox performance of a tenant over a
// range.
type AgentsResult struct {
	Tenant      string         `json:"tenant"`
	Range       cm.Range       `json:"range"`
	TimeZone    string         `json:"time_zone"`
	Granularity cm.Granularity `json:"granularity"`
	// BusinessHours reports whether durations count working time only.
	BusinessHours bool `json:"business_hours"`

	Agents      []Performance `json:"agents"`
	Teams       []Performance `json:"teams"`
	TeamMembers []TeamMembers `json:"team_members"`
	Inboxes     []Performance `json:"inboxes"`
	// All is every human number of the tenant together.
	All Performance `json:"all"`
}

// Agents returns the agent, team, team-member and inbox performance of q's
// tenant over q's range.
func Agents(ctx context.Context, r cm.Reader, q Query) (*AgentsResult, error) {
	c, err := q.compile()
	if err != nil {
		return nil, err
	}
	return agents(ctx, r, c)
}

func agents(ctx context.Context, r cm.Reader, c *compiled) (*AgentsResult, error) {
	a, err := fold(ctx, r, c, partAgents)
	if err != nil {
		return nil, err
	}
	res := a.Agents()
	a.recycle()
	return res, nil
}

func (a *Accumulator) perf(name string, p *perfAcc) Performance {
	out := Performance{Name: name, ActiveNow: p.activeNow, ActiveAtEnd: p.activeEnd,
		TimesAssigned: a.series(p.assigned), SessionsAssigned: a.series(p.sessionsAsg),
		MessagesSent: a.series(p.msgs), FirstResponse: a.timed(p.frt), ReplyTime: a.timed(p.reply),
		Resolutions: a.series(p.resolutions), ResolutionTime: a.timed(p.resTime)}
	o := &a.c.opts
	if o.sla {
		out.SLA = &SLAResult{}
		mk := func(k int, target int64) *SLATarget {
			if target == 0 {
				return nil
			}
			s := p.sla[k]
			return &SLATarget{Target: time.Duration(target), Met: s.met, Breached: s.breached, Pending: s.pending,
				Attainment: cm.RateOf(s.met, s.met+s.breached)}
		}
		out.SLA.FirstResponse = mk(0, o.slaFirst)
		out.SLA.NextResponse = mk(1, o.slaNext)
		out.SLA.Resolution = mk(2, o.slaResolution)
	}
	return out
}

// Agents extracts the performance tables.
func (a *Accumulator) Agents() *AgentsResult {
	if a.parts&partAgents == 0 {
		return nil
	}
	c := a.c
	res := &AgentsResult{Tenant: c.q.Tenant, Range: c.q.Range, TimeZone: c.cal.Location().String(),
		Granularity: c.q.Granularity, BusinessHours: c.hours != nil}
	for _, n := range sortedKeys(a.agents) {
		res.Agents = append(res.Agents, a.perf(n, a.agents[n]))
	}
	for _, n := range sortedKeys(a.teams) {
		res.Teams = append(res.Teams, a.perf(n, a.teams[n]))
	}
	for _, n := range sortedKeys(a.inboxes) {
		res.Inboxes = append(res.Inboxes, a.perf(n, a.inboxes[n]))
	}
	res.All = a.perf("all", a.all)
	// team members: listed in the options, else seen together
	members := map[string][]string{}
	for p := range a.pairs {
		if _, listed := c.opts.members[p[1]]; !listed {
			members[p[1]] = append(members[p[1]], p[0])
		}
	}
	for t, m := range c.opts.members {
		members[t] = slices.Clone(m)
	}
	for _, t := range sortedKeys(members) {
		m := members[t]
		slices.Sort(m)
		m = slices.Compact(m)
		sum := newPerf(c.buckets.Len())
		for _, ag := range m {
			if p := a.agents[ag]; p != nil {
				sum.merge(p, false, nil)
			}
		}
		res.TeamMembers = append(res.TeamMembers, TeamMembers{Team: t, Members: m, Performance: a.perf(t, sum)})
	}
	return res
}

// perfColumns are the columns of a performance table.
var perfColumns = []string{"name", "active_now", "active_at_end", "times_assigned", "sessions_assigned", "messages_sent",
	"first_response_count", "first_response_mean_s", "first_response_median_s", "first_response_p90_s",
	"reply_time_count", "reply_time_mean_s", "reply_time_median_s", "reply_time_p90_s",
	"resolutions", "resolution_time_count", "resolution_time_mean_s", "resolution_time_median_s", "resolution_time_p90_s"}

var slaColumns = []string{"sla_first_response", "sla_next_response", "sla_resolution"}

func perfRow(p Performance) []string {
	row := []string{p.Name, itoa(p.ActiveNow), itoa(p.ActiveAtEnd), itoa(p.TimesAssigned.Total), itoa(p.SessionsAssigned.Total),
		itoa(p.MessagesSent.Total)}
	row = append(row, statCells(p.FirstResponse.Total)...)
	row = append(row, statCells(p.ReplyTime.Total)...)
	row = append(row, itoa(p.Resolutions.Total))
	row = append(row, statCells(p.ResolutionTime.Total)...)
	if p.SLA != nil {
		for _, t := range []*SLATarget{p.SLA.FirstResponse, p.SLA.NextResponse, p.SLA.Resolution} {
			if t == nil {
				row = append(row, "")
			} else {
				row = append(row, rateCell(t.Attainment))
			}
		}
	}
	return row
}

// Tables returns the agents, teams, team members and inboxes as tables,
// then every agent's series in long form (one row per agent and bucket).
func (r *AgentsResult) Tables() []cm.Table {
	sla := r.All.SLA != nil
	mk := func(name string, ps []Performance) cm.Table {
		t := cm.Table{Name: name, Columns: slices.Clone(perfColumns)}
		if sla {
			t.Columns = append(t.Columns, slaColumns...)
		}
		for _, p := range ps {
			t.Rows = append(t.Rows, perfRow(p))
		}
		return t
	}
	suffix := ""
	if r.BusinessHours {
		suffix = " (business hours)"
	}
	agents := mk("Agents"+suffix, append(slices.Clone(r.Agents), r.All))
	teams := mk("Teams"+suffix, r.Teams)
	members := make([]Performance, len(r.TeamMembers))
	for i, m := range r.TeamMembers {
		members[i] = m.Performance
		members[i].Name = m.Team + " (" + strconv.Itoa(len(m.Members)) + " members)"
	}
	tm := mk("Team members"+suffix, members)
	inboxes := mk("Inboxes"+suffix, r.Inboxes)
	ser := cm.Table{Name: "Agents by " + string(r.Granularity), Columns: []string{"agent", "start", "times_assigned", "messages_sent",
		"first_response_count", "first_response_mean_s", "reply_time_count", "reply_time_mean_s", "resolutions", "resolution_time_mean_s"}}
	for _, p := range r.Agents {
		for i, pt := range p.MessagesSent.Series {
			fr := statCells(p.FirstResponse.Series[i].Value)
			rt := statCells(p.ReplyTime.Series[i].Value)
			rs := statCells(p.ResolutionTime.Series[i].Value)
			ser.Rows = append(ser.Rows, []string{p.Name, pt.Start.Format(time.RFC3339), itoa(p.TimesAssigned.Series[i].Value),
				itoa(pt.Value), fr[0], fr[1], rt[0], rt[1], itoa(p.Resolutions.Series[i].Value), rs[1]})
		}
	}
	return []cm.Table{agents, teams, tm, inboxes, ser}
}
