package demo

import (
	"cmp"
	"container/heap"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/e164"
	"github.com/shopspring/decimal"
)

// generator is a discrete-event simulation: each day it writes the scripts
// of the sessions and campaign deployments that start that day, queues
// their events by emission time (see queue), and emits everything due
// before the next day. A session never has events before its start, so
// emitting in day steps keeps the stream ordered.
type generator struct {
	r       *rand.Rand
	target  int
	emitted int
	pushed  int // events queued so far
	tenants []*tenant
	q       queue

	maxPending  int // most events queued at once (memory bound, for tests)
	deployments int // campaign and broadcast deployments so far
}

type tenant struct {
	cfg      *tenantConfig
	idx      int
	loc      *time.Location
	seq      [128]uint64 // id counters per (ASCII) prefix
	known    []*contact
	returns  returnQueue
	deployed map[string]int // campaign -> deployments so far
	pushed   int            // events queued so far
	credit   float64        // events the tenant may still queue (see day)
}

type contact struct {
	id         string
	country    string
	channel    cm.Channel
	inbox      string
	ad         bool      // first came from a click-to-WhatsApp ad
	fepUntil   time.Time // free-entry-point window end
	lastIn     time.Time // last inbound message (customer-service window)
	busyUntil  time.Time // end of the last session (resolved + 24 h)
	deployment int       // the last deployment that targeted the contact
	hash       uint64
}

func newGenerator(opts Options) *generator {
	n := opts.Events
	if n <= 0 {
		n = DefaultEvents
	}
	g := &generator{r: rand.New(rand.NewPCG(opts.Seed, 0x636f6e766f)), target: n}
	for i := range tenantConfigs {
		cfg := &tenantConfigs[i]
		loc, err := time.LoadLocation(cfg.zone)
		if err != nil {
			loc = time.UTC
		}
		g.tenants = append(g.tenants, &tenant{cfg: cfg, idx: i, loc: loc, deployed: map[string]int{}})
	}
	return g
}

// next returns a new tenant-scoped id: the prefix and a base-36 counter.
func (t *tenant) next(prefix byte) string {
	t.seq[prefix]++
	var buf [14]byte
	buf[0] = prefix
	return string(strconv.AppendUint(buf[:1], t.seq[prefix], 36))
}

// run generates day by day until the target is reached.
func (g *generator) run(yield func(cm.Event) bool) {
	for d := 0; ; d++ {
		dayStart := Start().AddDate(0, 0, d)
		dayEnd := dayStart.AddDate(0, 0, 1)
		if g.pushed < g.target {
			g.day(d, dayStart, dayEnd)
		}
		g.maxPending = max(g.maxPending, g.pushed-g.emitted)
		for _, e := range g.q.day(d) {
			if !yield(*e) {
				return
			}
			g.emitted++
			if g.emitted == g.target {
				return
			}
		}
		g.q.release(d)
		if g.pushed >= g.target && d >= len(g.q.days) {
			return // cannot happen: the pushed >= target events were all emitted
		}
	}
}

// day writes the scripts that start on day d. Each day's budget is
// Events/Days events (after the period: whatever is missing); each tenant
// gets its share of it as credit, pays for its top-ups, deployments,
// payments without link and returning contacts' sessions, and then starts
// sessions of new contacts while credit remains. What a day over- or
// underspends carries to the next; all but the top-ups wait for credit.
func (g *generator) day(d int, dayStart, dayEnd time.Time) {
	budget := float64(g.target) / Days
	if d >= Days {
		budget = float64(g.target - g.pushed)
	}
	for _, t := range g.tenants {
		t.credit += budget * t.cfg.share
		before := t.pushed
		if (d+2*t.idx)%9 == 0 {
			g.topup(t, dayStart)
		}
		// Deployments wait while the tenant is over budget (which happens
		// only in small workloads, where one deployment is several days'
		// worth of events).
		for _, c := range t.cfg.campaigns {
			if containsDay(c.days, d) && t.credit > 0 {
				g.deploy(t, c, cm.SenderCampaign, dayStart, budget)
			}
		}
		for _, c := range t.cfg.broadcasts {
			if containsDay(c.days, d) && t.credit > 0 {
				g.deploy(t, c, cm.SenderBroadcast, dayStart, budget)
			}
		}
		if g.r.IntN(3) == 0 && t.credit > 0 {
			g.organicPayment(t, g.arrival(t, dayStart))
		}
		t.credit -= float64(t.pushed - before)
		// Returning contacts wait for a day with credit left.
		for t.credit > 0 && t.returns.Len() > 0 && t.returns.items[0].at.Before(dayEnd) {
			before := t.pushed
			r := heap.Pop(&t.returns).(ret)
			g.session(t, r.c, g.arrival(t, dayStart), "", "", "")
			t.credit -= float64(t.pushed - before)
		}
		for t.credit > 0 {
			before := t.pushed
			g.session(t, g.newContact(t, false), g.arrival(t, dayStart), "", "", "")
			t.credit -= float64(t.pushed - before)
		}
	}
}

func containsDay(days []int, d int) bool {
	for _, x := range days {
		if x == d {
			return true
		}
	}
	return false
}

var hourWeight = [24]int{1, 1, 1, 1, 1, 2, 3, 5, 7, 9, 10, 10, 10, 10, 10, 10, 10, 9, 9, 9, 8, 6, 4, 2}

// arrival draws an instant of the UTC day following the tenant's local
// daily rhythm (busier by day, quieter at weekends).
func (g *generator) arrival(t *tenant, dayStart time.Time) time.Time {
	for {
		at := dayStart.Add(time.Duration(g.r.Int64N(int64(24 * time.Hour))))
		lt := at.In(t.loc)
		w := hourWeight[lt.Hour()] * 10
		switch lt.Weekday() {
		case time.Saturday:
			w = w * 8 / 10
		case time.Sunday:
			w = w * 6 / 10
		}
		if g.r.IntN(100) < w {
			return at
		}
	}
}

// newContact makes a contact who has not written yet. Campaign targets
// (outbound) are always WhatsApp numbers and never come from an ad.
// arrivalAfter draws an arrival (as arrival does) after the instant after,
// on its UTC day or a following one.
func (g *generator) arrivalAfter(t *tenant, after time.Time) time.Time {
	day := after.UTC().Truncate(24 * time.Hour)
	for {
		for range 3 {
			if at := g.arrival(t, day); at.After(after) {
				return at
			}
		}
		day = day.Add(24 * time.Hour)
	}
}

func (g *generator) newContact(t *tenant, outbound bool) *contact {
	c := &contact{channel: cm.ChannelWhatsApp, inbox: t.cfg.inboxes[g.r.IntN(len(t.cfg.inboxes))]}
	n := t.seq['p'] + 1
	t.seq['p'] = n
	x := g.r.IntN(1000)
	if outbound {
		x = 1000 - 1 - x%(1000-10-t.cfg.webShare-t.cfg.apiShare) // only the WhatsApp cases below
	}
	switch {
	case x < 10: // test traffic
		c.channel, c.inbox, c.id = cm.ChannelTest, "test-console", "test-"+strconv.FormatUint(n, 36)
	case x < 10+t.cfg.webShare:
		c.channel, c.inbox, c.id = cm.ChannelWebWidget, "widget-"+t.cfg.id, "web-"+strconv.FormatUint(n, 36)
	case x < 10+t.cfg.webShare+t.cfg.apiShare:
		c.channel, c.inbox, c.id = cm.ChannelAPI, "api-"+t.cfg.id, "api-"+strconv.FormatUint(n, 36)
	default:
		c.id = g.phone(t, n, x)
		c.country = e164.Country(c.id)
		c.ad = !outbound && g.r.IntN(100) < 15
	}
	c.hash = n * 0x9e3779b97f4a7c15
	t.known = append(t.known, c)
	return c
}

// phone makes a unique phone number: mostly the tenant's country, some
// international.
func (g *generator) phone(t *tenant, n uint64, x int) string {
	local := (n * 7919) % 1_000_000_000
	if x > 950 { // international contacts
		cc := t.cfg.foreign[int(n)%len(t.cfg.foreign)]
		return fmt.Sprintf("%s%09d", cc, local)
	}
	switch t.cfg.callingCode {
	case "1":
		areas := []string{"212", "415", "917", "312", "646"}
		return fmt.Sprintf("1%s%07d", areas[int(n)%len(areas)], local%10_000_000)
	case "91":
		return fmt.Sprintf("919%09d", local)
	default:
		return fmt.Sprintf("%s5%09d", t.cfg.callingCode, local)
	}
}

// push queues an event for emission at its time (statuses sometimes late,
// sometimes twice).
func (g *generator) push(t *tenant, e cm.Event) string {
	t.pushed++
	e.ID = t.next('e')
	e.Tenant = t.cfg.id
	e.Time = e.Time.UTC().Truncate(time.Millisecond)
	key := e.Time.UnixNano()
	if e.Type == cm.MessageStatus {
		switch x := g.r.IntN(1000); {
		case x < 15: // late
			key += int64(time.Minute) * (1 + g.r.Int64N(30))
		case x < 20: // re-delivered
			g.q.add(key+int64(time.Duration(1+g.r.IntN(600))*time.Second), &e)
			g.pushed++
			t.pushed++
		}
	}
	g.q.add(key, &e)
	g.pushed++
	return e.ID
}

func (g *generator) topup(t *tenant, dayStart time.Time) {
	at := dayStart.Add(time.Duration(6+t.idx) * time.Hour)
	amounts := []int64{100, 200, 250, 500}
	g.push(t, cm.Event{Type: cm.CreditsTopup, Time: at, Amount: decimal.New(amounts[g.r.IntN(len(amounts))], 0), Currency: "USD",
		Attrs: map[string]string{"method": []string{"card", "transfer"}[g.r.IntN(2)]}})
}

// organicPayment is a payment with no link: not chatbot revenue.
func (g *generator) organicPayment(t *tenant, at time.Time) {
	price := t.cfg.prices[g.r.IntN(len(t.cfg.prices))]
	g.push(t, cm.Event{Type: cm.PaymentSucceeded, Time: at, Payment: t.next('y'), Reference: "WEB-" + t.next('w'),
		Amount: decimal.New(int64(price), 0), Currency: t.cfg.currency, Provider: provider(t)})
}

func provider(t *tenant) string {
	switch t.cfg.id {
	case "acme":
		return "craftgate"
	case "umbrella":
		return "razorpay"
	}
	return "stripe"
}

// businessHours reports whether at is Mon–Fri 09:00–18:00 in the tenant's zone.
func (t *tenant) businessHours(at time.Time) bool {
	lt := at.In(t.loc)
	wd := lt.Weekday()
	return wd != time.Saturday && wd != time.Sunday && lt.Hour() >= 9 && lt.Hour() < 18
}

// nextOpening returns the next business-hours instant at or after at.
func (t *tenant) nextOpening(at time.Time) time.Time {
	for i := 0; i < 24*8 && !t.businessHours(at); i++ {
		lt := at.In(t.loc)
		at = time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour()+1, 0, 0, 0, t.loc)
	}
	return at
}

func (g *generator) dur(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(g.r.Int64N(int64(hi-lo)+1))
}

// queue holds the pending events in one bucket per UTC day (from Start) of
// their emission time; a day's bucket is sorted once, when it is emitted,
// by emission time and then by queueing order. Every event queued while
// day d is scripted is due on day d or later (a session has no events
// before its start), so nothing is queued into a day already emitted.
// Events live in fixed-size chunks, reused from day to day, so that no
// large array is ever copied.
type queue struct {
	days   []bucket // by day
	next   int      // the first day not yet emitted
	chunks [][]cm.Event
	out    []*cm.Event
}

const chunkSize = 1024

type bucket struct {
	chunks [][]cm.Event
	keys   []slot
}

type slot struct {
	key int64
	idx int32
}

func (q *queue) add(key int64, e *cm.Event) {
	d := max(q.next, int((key-Start().UnixNano())/int64(24*time.Hour)))
	for len(q.days) <= d {
		q.days = append(q.days, bucket{})
	}
	b := &q.days[d]
	n := len(b.keys)
	if n%chunkSize == 0 {
		var c []cm.Event
		if k := len(q.chunks); k > 0 {
			c, q.chunks = q.chunks[k-1], q.chunks[:k-1]
		} else {
			c = make([]cm.Event, chunkSize)
		}
		b.chunks = append(b.chunks, c)
	}
	b.chunks[n/chunkSize][n%chunkSize] = *e
	b.keys = append(b.keys, slot{key: key, idx: int32(n)})
}

// day returns the events due on day d in emission order.
func (q *queue) day(d int) []*cm.Event {
	q.next = d + 1
	if d >= len(q.days) {
		return nil
	}
	b := &q.days[d]
	slices.SortFunc(b.keys, func(x, y slot) int {
		if c := cmp.Compare(x.key, y.key); c != 0 {
			return c
		}
		return cmp.Compare(x.idx, y.idx)
	})
	q.out = q.out[:0]
	for _, k := range b.keys {
		q.out = append(q.out, &b.chunks[k.idx/chunkSize][k.idx%chunkSize])
	}
	return q.out
}

// release empties day d's bucket and keeps its chunks for later days.
func (q *queue) release(d int) {
	if d >= len(q.days) {
		return
	}
	clear(q.out)
	for _, c := range q.days[d].chunks {
		clear(c)
		q.chunks = append(q.chunks, c)
	}
	q.days[d] = bucket{}
}

// returnQueue holds contacts scheduled to come back, by time.
type ret struct {
	at time.Time
	c  *contact
}

type returnQueue struct{ items []ret }

func (q *returnQueue) Len() int           { return len(q.items) }
func (q *returnQueue) Less(i, j int) bool { return q.items[i].at.Before(q.items[j].at) }
func (q *returnQueue) Swap(i, j int)      { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *returnQueue) Push(x any)         { q.items = append(q.items, x.(ret)) }
func (q *returnQueue) Pop() any {
	it := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return it
}
