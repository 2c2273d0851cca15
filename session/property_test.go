package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/demo"
	"github.com/convometrics/convometrics/internal/frame"
)

// demoEvents is a small demo workload, generated once.
var demoEvents = func() []cm.Event {
	var out []cm.Event
	for e := range demo.Generate(demo.Options{Events: 30_000, Seed: 7}) {
		out = append(out, e)
	}
	return out
}()

// demoQueries are the queries the properties are checked on: the
// defaults, and Chatwoot's options with business hours, SLA targets, an
// hourly series and a filter, and an inactivity timeout with SLA targets.
func demoQueries(tenant string) []Query {
	loc := demo.Location(tenant)
	r := cm.NewCalendar(loc).LastDays(30, time.Date(2026, 11, 12, 12, 0, 0, 0, time.UTC))
	base := Query{Tenant: tenant, Range: r, Calendar: cm.NewCalendar(loc), Now: time.Date(2026, 11, 10, 15, 0, 0, 0, time.UTC)}
	cw := base
	cw.Options = ChatwootOptions()
	cw.Calendar = cw.Calendar.WithWeekStart(time.Sunday)
	cw.Granularity = cm.Week
	cw.Options.BusinessHours = weekdays(Window{"09:00", "18:00"})
	cw.Options.BusinessHours.Holidays = []string{"2026-10-29"}
	cw.Options.SLA = &SLA{FirstResponse: Duration(15 * time.Minute), NextResponse: Duration(10 * time.Minute), Resolution: Duration(4 * time.Hour)}
	hourly := base
	hourly.Granularity = cm.Hour
	hourly.Range = cm.NewCalendar(loc).LastDays(7, time.Date(2026, 11, 12, 12, 0, 0, 0, time.UTC))
	hourly.Filter = Filter{Channels: []cm.Channel{cm.ChannelWhatsApp}, Teams: []string{"sales", "support", "care", "vertrieb"}}
	hourly.Options.ResponseWindow = Duration(10 * time.Minute)
	idle := base
	idle.Options.InactivityTimeout = Duration(6 * time.Hour)
	idle.Options.SLA = &SLA{FirstResponse: Duration(15 * time.Minute), NextResponse: Duration(10 * time.Minute), Resolution: Duration(4 * time.Hour)}
	return []Query{base, cw, hourly, idle}
}

type allResults struct {
	ov *OverviewResult
	ag *AgentsResult
	as *AssistResult
	wi *WindowsResult
	sl *SessionsResult
}

func extract(a *Accumulator) allResults {
	return allResults{a.Overview(), a.Agents(), a.Assist(), a.Windows(), a.Sessions()}
}

// Settings of the compiled query's test hooks: the smallest frame folded
// with a contact index (indexRows) and on several cores (parallelRows).
const (
	always = 0
	never  = 1 << 40
)

// compileTuned compiles q with the test hooks set.
func compileTuned(t testing.TB, q Query, indexRows, parallelRows int) *compiled {
	t.Helper()
	c, err := q.compile()
	if err != nil {
		t.Fatal(err)
	}
	c.minIndexRows, c.minParallelRows = indexRows, parallelRows
	return c
}

// foldTuned is Fold with the test hooks set.
func foldTuned(t *testing.T, r cm.Reader, q Query, indexRows, parallelRows int) allResults {
	t.Helper()
	a, err := fold(context.Background(), r, compileTuned(t, q, indexRows, parallelRows), partAll)
	if err != nil {
		t.Fatal(err)
	}
	return extract(a)
}

func sameResults(t *testing.T, what string, want, got allResults) {
	t.Helper()
	same(t, what+": overview", want.ov, got.ov)
	same(t, what+": agents", want.ag, got.ag)
	same(t, what+": assist", want.as, got.as)
	same(t, what+": windows", want.wi, got.wi)
	same(t, what+": sessions", want.sl, got.sl)
}

func TestProperties(t *testing.T) {
	// every frame gets a contact index; the Add path (one small frame per
	// contact) never does, so it checks the index too
	foldAll := func(t *testing.T, r cm.Reader, q Query) allResults {
		t.Helper()
		return foldTuned(t, r, q, always, defaultMinParallelRows)
	}
	base := store(t, demoEvents)
	shuffled := append([]cm.Event(nil), demoEvents...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	shuffledStore := store(t, shuffled)
	twice := store(t, demoEvents, shuffled)
	// another tenant with the very same contacts, inboxes and agents
	var shadow []cm.Event
	for _, e := range demoEvents {
		if e.Tenant == "acme" || e.Tenant == "umbrella" {
			e.ID, e.Tenant = e.Tenant+"/"+e.ID, "shadow"
			e.Time = e.Time.Add(-time.Hour)
			shadow = append(shadow, e)
		}
	}
	withShadow := store(t, demoEvents, shadow)
	// every message stored again under another event id, at the same
	// instant or up to an hour later (a host giving re-delivered webhooks
	// new ids): the first of each message id is the original
	var again []cm.Event
	rnd := rand.New(rand.NewPCG(3, 4))
	for _, e := range demoEvents {
		if e.Message != "" && (e.Type == cm.MessageReceived || e.Type == cm.MessageSent) {
			e.ID += "/again"
			if rnd.IntN(2) == 0 {
				e.Time = e.Time.Add(time.Duration(rnd.Int64N(int64(time.Hour))))
			}
			again = append(again, e)
		}
	}
	redelivered := store(t, demoEvents, again)
	// acme has host conversation ids, umbrella none, globex an AI
	// assistant; the heavier queries run on the first two
	for _, tenant := range []string{"acme", "umbrella", "globex"} {
		for qi, q := range demoQueries(tenant) {
			if tenant == "globex" && qi > 0 {
				continue
			}
			want := foldAll(t, base, q)
			name := tenant + "/" + string(rune('a'+qi))
			if want.ov.NewSessions.Total == 0 || len(want.ag.Agents) == 0 {
				t.Fatalf("%s: an empty result proves nothing: %d sessions", name, want.ov.NewSessions.Total)
			}
			sameResults(t, name+" shuffled", want, foldAll(t, shuffledStore, q))
			sameResults(t, name+" every event twice", want, foldAll(t, twice, q))
			sameResults(t, name+" every message again under another id", want, foldAll(t, redelivered, q))
			sameResults(t, name+" another tenant with the same contacts", want, foldAll(t, withShadow, q))
			// partitions folded apart and merged, in both orders
			for _, n := range []int{2, 3} {
				var parts []*Accumulator
				for i := 0; i < n; i++ {
					pq := q
					pq.Partition = cm.Partition{Index: i, Count: n}
					a, err := fold(context.Background(), base, compileTuned(t, pq, always, defaultMinParallelRows), partAll)
					if err != nil {
						t.Fatal(err)
					}
					parts = append(parts, a)
				}
				merged, err := NewAccumulator(withPartition(q, cm.Partition{Index: 0, Count: n}))
				if err != nil {
					t.Fatal(err)
				}
				for i := n - 1; i >= 0; i-- {
					if err := merged.Merge(parts[i]); err != nil {
						t.Fatal(err)
					}
				}
				sameResults(t, name+" partitions merged", want, extract(merged))
			}
			// contact by contact through Add, events reversed and repeated
			a, err := NewAccumulator(q)
			if err != nil {
				t.Fatal(err)
			}
			var mine []cm.Event
			for _, e := range demoEvents {
				if e.Tenant == tenant {
					mine = append(mine, e, e)
				}
			}
			for _, log := range byContact(mine) {
				for i, j := 0, len(log.Events)-1; i < j; i, j = i+1, j-1 {
					log.Events[i], log.Events[j] = log.Events[j], log.Events[i]
				}
				a.Add(log)
			}
			sameResults(t, name+" through Add", want, extract(a))
		}
	}
}

func withPartition(q Query, p cm.Partition) Query {
	q.Partition = p
	return q
}

// Accumulators of different queries do not merge, nor does an
// accumulator into itself (which would count every contact twice); the
// error wraps cm.ErrMismatch and the accumulator is left unchanged.
func TestMergeMismatch(t *testing.T) {
	f := &fx{tenant: "t"}
	f.in("c1", ts(2, 9, 0))
	a, _ := NewAccumulator(week("t"))
	for _, log := range byContact(f.evs) {
		a.Add(log)
	}
	q := week("t")
	q.Granularity = cm.Hour
	b, _ := NewAccumulator(q)
	if err := a.Merge(b); !errors.Is(err, cm.ErrMismatch) || !strings.HasPrefix(err.Error(), "session: merge: ") {
		t.Fatalf("merge of different granularities: %v", err)
	}
	if err := a.Merge(a); !errors.Is(err, cm.ErrMismatch) {
		t.Fatalf("merge into itself: %v", err)
	}
	// c1's one message, counted once
	eqInts(t, "received after the refused merges", a.Overview().Messages.Received, 1)
}

func TestQueryValidation(t *testing.T) {
	ok := week("t")
	for _, c := range []struct {
		change func(*Query)
		want   string
		err    error
	}{
		{func(q *Query) { q.Tenant = "" }, "session: tenant: tenant required", cm.ErrNoTenant},
		{func(q *Query) { q.Range = cm.Range{} }, "session: range: empty range", cm.ErrEmptyRange},
		{func(q *Query) { q.Range.From = time.Time{} }, "session: range: empty range", cm.ErrEmptyRange},
		{func(q *Query) { q.Range.To = q.Range.From }, "session: range: empty range", cm.ErrEmptyRange},
		// 2 November to 2 March (exclusive) touches 120 calendar days
		{func(q *Query) { q.Range.To = q.Range.From.AddDate(0, 0, 120) }, "session: range: range too long: ", cm.ErrRangeTooLong},
		// 2 November to 1 February (exclusive): 29 + 31 + 31 = 91 days
		{func(q *Query) { q.Range.To = q.Range.From.AddDate(0, 0, 91) }, "spans 91 days in UTC, more than 90", cm.ErrRangeTooLong},
		{func(q *Query) { q.Granularity = "fortnight" }, `session: granularity: unknown value: "fortnight"`, cm.ErrUnknownValue},
		{func(q *Query) { q.Filter.Channels = []cm.Channel{"fax"} }, `session: filter.channels[0]: unknown value: "fax"`, cm.ErrUnknownValue},
		{func(q *Query) { q.Filter.Agents = []string{"ann", ""} }, `session: filter.agents[1]: required`, cm.ErrRequired},
		{func(q *Query) { q.Options.Sessions = "magic" }, `session: options.sessions: unknown value: "magic" (want auto or derive)`, cm.ErrUnknownValue},
		{func(q *Query) { q.Options.ResponseWindow = -1 }, `session: options.response_window: invalid value: negative`, cm.ErrInvalidValue},
		{func(q *Query) { q.Options.InactivityTimeout = -1 }, `session: options.inactivity_timeout: invalid value: negative`, cm.ErrInvalidValue},
		{func(q *Query) { q.Options.FirstResponseFrom = "x" }, `session: options.first_response_from: unknown value`, cm.ErrUnknownValue},
		{func(q *Query) { q.Options.ResolutionCredit = "replier" }, `session: options.resolution_credit: unknown value: "replier"`, cm.ErrUnknownValue},
		{func(q *Query) { q.Options.SLA = &SLA{} }, `session: options.sla: required`, cm.ErrRequired},
		{func(q *Query) { q.Options.SLA = &SLA{Resolution: -5} }, `session: options.sla.resolution: invalid value`, cm.ErrInvalidValue},
		{func(q *Query) { q.Options.BusinessHours = &BusinessHours{Monday: []Window{{"09:00", "25:00"}}} }, `session: options.business_hours.monday[0].to: invalid value`, cm.ErrInvalidValue},
		{func(q *Query) {
			q.Options.BusinessHours = &BusinessHours{TimeZone: "Nowhere", Monday: []Window{{"09:00", "17:00"}}}
		}, `session: options.business_hours.time_zone: unknown value`, cm.ErrUnknownValue},
		{func(q *Query) { q.Options.Members = map[string][]string{"sales": {""}} }, `session: options.members["sales"][0]: required`, cm.ErrRequired},
		{func(q *Query) { q.MessageCosts = map[string]cm.Money{"m1": {Currency: "usd"}} }, `session: message_costs["m1"].currency: invalid value`, cm.ErrInvalidValue},
		{func(q *Query) { q.Partition = cm.Partition{Index: 3, Count: 2} }, `session: partition:`, cm.ErrInvalidValue},
	} {
		q := ok
		c.change(&q)
		before, _ := json.Marshal(q)
		err := q.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, c.err) {
			t.Errorf("got %v, want %q wrapping %v", err, c.want, c.err)
		}
		if after, _ := json.Marshal(q); string(after) != string(before) {
			t.Errorf("Validate changed the query:\n%s\n%s", before, after)
		}
		if _, err := Overview(context.Background(), store(t), q); err == nil {
			t.Errorf("Overview accepted %q", c.want)
		}
	}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	// exactly 90 days is allowed; so is 91 with allow_long_range
	ninety := ok
	ninety.Range.To = ninety.Range.From.AddDate(0, 0, 90)
	if err := ninety.Validate(); err != nil {
		t.Errorf("90 days: %v", err)
	}
	// defaults (the granularity) are applied to the compiled copy only
	if ok.Granularity != "" {
		t.Errorf("Validate filled in the granularity: %q", ok.Granularity)
	}
	long := ok
	long.Range.To = long.Range.From.AddDate(0, 0, 120)
	long.AllowLongRange = true
	if err := long.Validate(); err != nil {
		t.Errorf("allow_long_range: %v", err)
	}
}

func TestDurationJSON(t *testing.T) {
	var o Options
	if err := jsonUnmarshal(`{"response_window":"90s","inactivity_timeout":"24h","sla":{"first_response":"15m","resolution":3600000000000}}`, &o); err != nil {
		t.Fatal(err)
	}
	if o.ResponseWindow != Duration(90*time.Second) || o.InactivityTimeout != Duration(24*time.Hour) ||
		o.SLA.FirstResponse != Duration(15*time.Minute) || o.SLA.Resolution != Duration(time.Hour) {
		t.Errorf("%+v %+v", o, o.SLA)
	}
	if err := jsonUnmarshal(`{"response_window":"soon"}`, &o); err == nil || !errors.Is(err, cm.ErrInvalidValue) {
		t.Errorf("bad duration: %v", err)
	}
}

// A store that fails stops the question with its error.
func TestStoreErrorsAreReturned(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := Overview(context.Background(), failing{boom}, week("t"))
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Agents(ctx, store(t, demoEvents), demoQueries("acme")[0]); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// The contact index (contacts quiet since before the range are not read
// again) gives exactly the answer of reading every contact.
func TestContactIndexIsExact(t *testing.T) {
	s := store(t, demoEvents)
	for _, tenant := range []string{"acme", "umbrella"} {
		for qi, q := range demoQueries(tenant) {
			if qi == 2 {
				continue // the hourly query's filter disables the index
			}
			q.Filter = Filter{}
			want := foldTuned(t, s, q, never, defaultMinParallelRows)
			got := foldTuned(t, s, q, always, defaultMinParallelRows)
			sameResults(t, tenant+" with the index", want, got)
			// the index is used: some contacts are quiet
			c, _ := q.compile()
			f, err := frame.Get(context.Background(), s, c.spec())
			if err != nil {
				t.Fatal(err)
			}
			idx := contactIndexOf(c, f, nil)
			quiet, restarted := 0, 0
			for g := 0; g < f.NumGroups(); g++ {
				lo, _ := f.Group(g)
				if c.quiet(idx, g) {
					quiet++
				} else if idx.restart(g, c.from-day) > lo {
					restarted++
				}
			}
			if quiet == 0 || quiet == f.NumGroups() || restarted == 0 {
				t.Errorf("%s: %d of %d contacts quiet, %d read from a restart row", tenant, quiet, f.NumGroups(), restarted)
			}
		}
	}
}

// Restart rows: a contact read from its last quiet session start before
// the range gives the same answer; a host conversation that comes back
// after it ended is never cut.
func TestContactIndexRestarts(t *testing.T) {
	oct := func(d, h int) time.Time { return time.Date(2026, 10, d, h, 0, 0, 0, time.UTC) }
	f := &fx{tenant: "t"}
	// host: v1 in October, back on 3 Nov after it ended; v2 in between
	f.in("h1", oct(1, 9), conv("v1")).resolved("h1", oct(1, 10), conv("v1"))
	f.in("h1", oct(10, 9), conv("v2")).resolved("h1", oct(10, 10), conv("v2"))
	f.in("h1", ts(3, 9, 0), conv("v1")).reply("h1", "ann", ts(3, 9, 5), conv("v1"))
	// derived: sessions in October (one assigned to bob), then in November
	f.in("d1", oct(5, 9)).assign("d1", oct(5, 9), "bob", "care").reply("d1", "bob", oct(5, 10)).resolved("d1", oct(5, 11), byAgent("bob"))
	f.in("d1", oct(20, 9)).bot("d1", oct(20, 9)).resolved("d1", oct(20, 10))
	f.in("d1", ts(4, 9, 0)).assign("d1", ts(4, 9, 1), "bob", "care").reply("d1", "bob", ts(4, 9, 3))
	// quiet: nothing after October
	f.in("q1", oct(2, 9)).resolved("q1", oct(2, 10))
	s := store(t, f.evs)
	q := week("t")
	want := foldTuned(t, s, q, never, defaultMinParallelRows)
	got := foldTuned(t, s, q, always, defaultMinParallelRows)
	sameResults(t, "restarts", want, got)
	// v1 came back: not a new session; d1's 4 Nov session is
	eqInts(t, "new sessions", got.ov.NewSessions, 1)
	eqInts(t, "bob times assigned", perfOf(t, got.ag.Agents, "bob").TimesAssigned, 1)
	if got.ov.End.IdleContacts != 1 { // q1
		t.Errorf("idle at the end: %d", got.ov.End.IdleContacts)
	}
	c, _ := q.compile()
	fr, _ := frame.Get(context.Background(), s, c.spec())
	idx := contactIndexOf(c, fr, nil)
	for g := 0; g < fr.NumGroups(); g++ {
		lo, hi := fr.Group(g)
		k := idx.restart(g, c.from-day)
		switch fr.ContactOf(lo) {
		case "h1":
			if k != -1 {
				t.Errorf("h1 (a conversation comes back) has restart row %d", k)
			}
		case "d1":
			if k <= lo || k >= hi || fr.Time[k] != oct(20, 9).UnixNano() {
				t.Errorf("d1: restart row %d (%d..%d)", k, lo, hi)
			}
		case "q1":
			if !c.quiet(idx, g) {
				t.Error("q1 not quiet")
			}
		}
	}
}

// A row that names an ended host conversation without reopening it (an
// agent's late reply) joins that session: a contact read from a later
// restart row would start a new session for it instead, so the contact has
// no restart rows.
func TestContactIndexRejoinedConversation(t *testing.T) {
	oct := func(d, h int) time.Time { return time.Date(2026, 10, d, h, 0, 0, 0, time.UTC) }
	f := &fx{tenant: "t"}
	f.in("h1", oct(1, 9), conv("v1")).resolved("h1", oct(1, 10), conv("v1"))
	f.in("h1", oct(10, 9), conv("v2")).resolved("h1", oct(10, 10), conv("v2"))
	f.reply("h1", "ann", oct(12, 9), conv("v1")) // v1 ended on 2 October
	f.in("h1", ts(3, 9, 0), conv("v3"))
	s := store(t, f.evs)
	q := week("t")
	want := foldTuned(t, s, q, never, defaultMinParallelRows)
	got := foldTuned(t, s, q, always, defaultMinParallelRows)
	sameResults(t, "a conversation named after it ended", want, got)
	// only v3 is active in the week: v1 ended on 2 October and the late
	// reply does not reopen it
	eqInts(t, "active sessions", got.ov.ActiveSessions, 1, 0, 1, 1, 1, 1, 1, 1)
}

// Accumulators merge when their queries ask the same by content, as when
// each partition's query was decoded from JSON on another machine.
func TestMergeByContent(t *testing.T) {
	q := demoQueries("acme")[1] // business hours and SLA targets (pointers)
	b, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	var q2 Query
	if err := json.Unmarshal(b, &q2); err != nil {
		t.Fatal(err)
	}
	// the calendar travels in JSON: Europe/Istanbul, weeks from Sunday
	if !strings.Contains(string(b), `"calendar":{"time_zone":"Europe/Istanbul","week_start":"sunday"}`) ||
		q2.Calendar.Location().String() != "Europe/Istanbul" || q2.Calendar.WeekStart() != time.Sunday {
		t.Fatalf("calendar in JSON: %s", b)
	}
	x, _ := NewAccumulator(q)
	y, _ := NewAccumulator(q2)
	if err := x.Merge(y); err != nil {
		t.Fatalf("same content: %v", err)
	}
	q2.Options.SLA.FirstResponse++
	y, _ = NewAccumulator(q2)
	if err := x.Merge(y); !errors.Is(err, cm.ErrMismatch) {
		t.Fatalf("another SLA target: %v", err)
	}
	q2 = q
	q2.Calendar = q.Calendar.WithWeekStart(time.Monday)
	y, _ = NewAccumulator(q2)
	if err := x.Merge(y); !errors.Is(err, cm.ErrMismatch) {
		t.Fatalf("another week start: %v", err)
	}
}

// Folding a frame on several workers, which take its chunks of contacts
// in whatever order they come to them, gives exactly the single-worker
// answer.
func TestParallelFoldIsExact(t *testing.T) {
	s := store(t, demoEvents)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, index := range []int{always, never} {
		for _, tenant := range []string{"acme", "umbrella"} {
			for qi, q := range demoQueries(tenant) {
				want := foldTuned(t, s, q, index, never)
				got := foldTuned(t, s, q, index, always)
				name := fmt.Sprintf("%s/%c index %v", tenant, 'a'+qi, index == always)
				sameResults(t, name+" on four workers", want, got)
			}
		}
	}
}

// Questions asked again, which fold into the recycled buffers of the ones
// before, give the same answers as fresh accumulators.
func TestRecycledBuffersAreExact(t *testing.T) {
	s := store(t, demoEvents)
	for _, tenant := range []string{"acme", "umbrella"} {
		for qi, q := range demoQueries(tenant) {
			want := foldTuned(t, s, q, defaultMinIndexRows, always)
			for i := 0; i < 3; i++ {
				ov, err := overview(context.Background(), s, compileTuned(t, q, defaultMinIndexRows, always))
				if err != nil {
					t.Fatal(err)
				}
				ag, err := agents(context.Background(), s, compileTuned(t, q, defaultMinIndexRows, always))
				if err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("%s/%c, time %d", tenant, 'a'+qi, i+1)
				same(t, name+": overview", want.ov, ov)
				same(t, name+": agents", want.ag, ag)
			}
		}
	}
}
