package demo

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/e164"
	"github.com/shopspring/decimal"
)

// generator is a discrete-event simulation: each day it writes the scripts
// of the sessions and campaign deployments that start that day, queues
// their events in a heap keyed by emission time, and emits everything due
// before the next day. A session never has events before its start, so
// emitting in day steps keeps the stream ordered.
type generator struct {
	r       *rand.Rand
	target  int
	emitted int
	pushed  int // events queued so far
	tenants []*tenant
	q       queue

	// calibration: events queued per session script, running.
	sessions, sessionEvents int
}

type tenant struct {
	cfg      *tenantConfig
	idx      int
	loc      *time.Location
	seq      map[byte]uint64 // id counters per prefix
	known    []*contact
	returns  returnQueue
	deployed map[string]int // campaign -> deployments so far
}

type contact struct {
	id        string
	country   string
	channel   cm.Channel
	inbox     string
	ad        bool      // first came from a click-to-WhatsApp ad
	fepUntil  time.Time // free-entry-point window end
	lastIn    time.Time // last inbound message (customer-service window)
	busyUntil time.Time // end of the last session (resolved + 24 h)
	hash      uint64
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
		g.tenants = append(g.tenants, &tenant{cfg: cfg, idx: i, loc: loc, seq: map[byte]uint64{}, deployed: map[string]int{}})
	}
	return g
}

func (t *tenant) next(prefix byte) string {
	t.seq[prefix]++
	return string(prefix) + strconv.FormatUint(t.seq[prefix], 36)
}

// run generates day by day until the target is reached.
func (g *generator) run(yield func(cm.Event) bool) {
	for d := 0; ; d++ {
		dayStart := Start().AddDate(0, 0, d)
		dayEnd := dayStart.AddDate(0, 0, 1)
		if g.pushed < g.target {
			g.day(d, dayStart, dayEnd)
		}
		for g.q.Len() > 0 && (g.q.items[0].key < dayEnd.UnixNano() || g.pushed >= g.target && d >= Days+30) {
			it := heap.Pop(&g.q).(item)
			if !yield(g.q.slab[it.slot]) {
				return
			}
			g.q.release(it.slot)
			g.emitted++
			if g.emitted == g.target {
				return
			}
		}
		if g.q.Len() == 0 && g.pushed >= g.target {
			return // cannot happen: pushed >= target events were all emitted
		}
	}
}

// day writes the scripts that start on day d.
func (g *generator) day(d int, dayStart, dayEnd time.Time) {
	before := g.pushed
	remaining := max(1, Days-d)
	budget := (g.target - g.pushed) / remaining
	if d >= Days {
		budget = g.target - g.pushed
	}
	for _, t := range g.tenants {
		if (d+2*t.idx)%9 == 0 {
			g.topup(t, dayStart)
		}
		for _, c := range t.cfg.campaigns {
			if containsDay(c.days, d) {
				g.deploy(t, c, cm.SenderCampaign, dayStart, budget)
			}
		}
		for _, c := range t.cfg.broadcasts {
			if containsDay(c.days, d) {
				g.deploy(t, c, cm.SenderBroadcast, dayStart, budget)
			}
		}
		if g.r.IntN(3) == 0 {
			g.organicPayment(t, g.arrival(t, dayStart))
		}
	}
	// Sessions: returning contacts due today, then new ones to fill the budget.
	per := 25.0
	if g.sessions > 20 {
		per = float64(g.sessionEvents) / float64(g.sessions)
	}
	want := int(float64(budget-(g.pushed-before))/per + 0.5)
	for _, t := range g.tenants {
		for t.returns.Len() > 0 && t.returns.items[0].at.Before(dayEnd) {
			r := heap.Pop(&t.returns).(ret)
			g.session(t, r.c, r.at, "", "", "")
			want--
		}
	}
	for i := 0; i < want; i++ {
		t := g.pickTenant()
		g.session(t, g.newContact(t), g.arrival(t, dayStart), "", "", "")
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

func (g *generator) pickTenant() *tenant {
	x := g.r.Float64()
	for _, t := range g.tenants {
		if x < t.cfg.share {
			return t
		}
		x -= t.cfg.share
	}
	return g.tenants[0]
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

func (g *generator) newContact(t *tenant) *contact {
	c := &contact{channel: cm.ChannelWhatsApp, inbox: t.cfg.inboxes[g.r.IntN(len(t.cfg.inboxes))]}
	n := t.seq['p'] + 1
	t.seq['p'] = n
	switch x := g.r.IntN(1000); {
	case x < 10: // test traffic
		c.channel, c.inbox, c.id = cm.ChannelTest, "test-console", "test-"+strconv.FormatUint(n, 36)
	case x < 10+t.cfg.webShare:
		c.channel, c.inbox, c.id = cm.ChannelWebWidget, "widget-"+t.cfg.id, "web-"+strconv.FormatUint(n, 36)
	default:
		c.id = g.phone(t, n, x)
		c.country = e164.Country(c.id)
		c.ad = g.r.IntN(100) < 15
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
		foreign := map[string][]string{"90": {"49", "971"}, "1": {"1416", "1809"}, "49": {"43", "41"}, "91": {"971", "44"}}[t.cfg.callingCode]
		cc := foreign[int(n)%len(foreign)]
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
	e.ID = t.next('e')
	e.Tenant = t.cfg.id
	e.Time = e.Time.UTC().Truncate(time.Millisecond)
	key := e.Time.UnixNano()
	if e.Type == cm.MessageStatus {
		switch x := g.r.IntN(1000); {
		case x < 15: // late
			key += int64(time.Minute) * (1 + g.r.Int64N(30))
		case x < 20: // re-delivered
			g.q.add(key+int64(time.Duration(1+g.r.IntN(600))*time.Second), e)
			g.pushed++
		}
	}
	g.q.add(key, e)
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

// queue is a min-heap of events by emission key, with the events in a slab
// so that heap moves copy 24 bytes, not whole events.
type item struct {
	key  int64
	seq  uint64
	slot int32
}

type queue struct {
	items []item
	slab  []cm.Event
	free  []int32
	seq   uint64
}

func (q *queue) Len() int { return len(q.items) }
func (q *queue) Less(i, j int) bool {
	a, b := q.items[i], q.items[j]
	return a.key < b.key || a.key == b.key && a.seq < b.seq
}
func (q *queue) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *queue) Push(x any)    { q.items = append(q.items, x.(item)) }
func (q *queue) Pop() any {
	it := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return it
}

func (q *queue) add(key int64, e cm.Event) {
	var slot int32
	if n := len(q.free); n > 0 {
		slot = q.free[n-1]
		q.free = q.free[:n-1]
		q.slab[slot] = e
	} else {
		slot = int32(len(q.slab))
		q.slab = append(q.slab, e)
	}
	q.seq++
	heap.Push(q, item{key: key, seq: q.seq, slot: slot})
}

func (q *queue) release(slot int32) {
	q.slab[slot] = cm.Event{}
	q.free = append(q.free, slot)
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
