package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"runtime"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/demo"
	"github.com/convometrics/convometrics/memstore"
	"github.com/marcboeker/go-duckdb"
)

// schema is the DuckDB table: one column per Event field, plus local_time,
// the event time as a naive timestamp in the tenant's zone. DuckDB's
// statically linked build has no ICU extension (no AT TIME ZONE), so the
// harness localises times while loading — work convometrics does at query
// time, which favours DuckDB.
const schema = `CREATE TABLE events_raw (
	tenant VARCHAR, id VARCHAR, type VARCHAR, time TIMESTAMPTZ, local_time TIMESTAMP,
	channel VARCHAR, inbox VARCHAR, contact VARCHAR, conversation VARCHAR,
	message VARCHAR, reply_to VARCHAR, message_type VARCHAR, referral VARCHAR,
	sender VARCHAR, agent VARCHAR, team VARCHAR, assistant VARCHAR,
	template VARCHAR, template_category VARCHAR, campaign VARCHAR, campaign_version VARCHAR,
	flow VARCHAR, flow_version VARCHAR, node VARCHAR,
	status VARCHAR, error_code VARCHAR, pricing_model VARCHAR, pricing_type VARCHAR,
	pricing_category VARCHAR, billable BOOLEAN, billing_conversation VARCHAR, country VARCHAR,
	goal VARCHAR, amount DECIMAL(30,12), currency VARCHAR, link VARCHAR, reference VARCHAR,
	payment VARCHAR, provider VARCHAR, suggested VARCHAR, final VARCHAR, translated BOOLEAN
)`

// load generates the demo workload once and feeds every batch to both
// stores, timing each side's ingest separately.
func load(ctx context.Context, n int, seed uint64) (*workload, error) {
	fmt.Fprintf(os.Stderr, "loading %d demo events…\n", n)
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var app *duckdb.Appender
	if err := conn.Raw(func(dc any) error {
		var err error
		app, err = duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "events_raw")
		return err
	}); err != nil {
		return nil, err
	}
	locs := map[string]*time.Location{}
	for _, t := range demo.Tenants() {
		locs[t.ID] = demo.Location(t.ID)
	}

	w := &workload{events: n, store: memstore.New(), db: db}
	var oursT, duckT time.Duration
	var dups int
	row := make([]driver.Value, 42)
	// The workload is generated a million events at a time, outside the
	// timings and with its garbage collected before them, so that each side
	// is timed on ingest alone.
	chunk := make([]cm.Event, 0, min(n, 1_000_000))
	ingest := func() error {
		runtime.GC()
		t := time.Now()
		for k := 0; k < len(chunk); k += 8192 {
			res, err := w.store.Append(ctx, chunk[k:min(k+8192, len(chunk))]...)
			if err != nil {
				return err
			}
			dups += res.Duplicates
		}
		oursT += time.Since(t)
		runtime.GC()
		t = time.Now()
		for i := range chunk {
			fill(row, &chunk[i], locs[chunk[i].Tenant])
			if err := app.AppendRow(row...); err != nil {
				return err
			}
		}
		duckT += time.Since(t)
		chunk = chunk[:0]
		return nil
	}
	for e := range demo.Generate(demo.Options{Events: n, Seed: seed}) {
		chunk = append(chunk, e)
		if len(chunk) == cap(chunk) {
			if err := ingest(); err != nil {
				return nil, err
			}
		}
	}
	if err := ingest(); err != nil {
		return nil, err
	}
	t := time.Now()
	if err := app.Close(); err != nil {
		return nil, err
	}
	// Webhooks are delivered at least once: DuckDB keeps one row per
	// (tenant, id), as memstore does.
	if _, err := db.ExecContext(ctx, `CREATE TABLE events AS SELECT DISTINCT ON (tenant, id) * FROM events_raw; DROP TABLE events_raw`); err != nil {
		return nil, err
	}
	duckT += time.Since(t)
	// The generation buffer (a million events and their strings) is not
	// the store's: drop it before weighing the heap.
	chunk = nil
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st := w.store.Stats()
	w.ingest = result{question: "ingest (append every event)", events: n, ours: oursT, duck: duckT,
		note: fmt.Sprintf("memstore: %.2fM events/s, %.1f bytes/event estimated, Go heap in use %.1f bytes/event (%d exact repeats ignored)",
			float64(n)/oursT.Seconds()/1e6, float64(st.Bytes)/float64(st.Events), float64(ms.HeapInuse)/float64(st.Events), dups)}
	return w, nil
}

func fill(row []driver.Value, e *cm.Event, loc *time.Location) {
	str := func(s string) driver.Value {
		if s == "" {
			return nil
		}
		return s
	}
	lt := e.Time.In(loc)
	y, mo, d := lt.Date()
	local := time.Date(y, mo, d, lt.Hour(), lt.Minute(), lt.Second(), lt.Nanosecond(), time.UTC)
	var billable driver.Value
	if v, ok := e.Billable.Bool(); ok {
		billable = v
	}
	var amount driver.Value
	if !e.Amount.IsZero() {
		amount = duckdb.Decimal{Width: 30, Scale: 12, Value: e.Amount.Shift(12).BigInt()}
	}
	vals := [...]driver.Value{
		e.Tenant, e.ID, string(e.Type), e.Time, local,
		str(string(e.Channel)), str(e.Inbox), str(e.Contact), str(e.Conversation),
		str(e.Message), str(e.ReplyTo), str(e.MessageType), str(e.Referral),
		str(string(e.Sender)), str(e.Agent), str(e.Team), str(e.Assistant),
		str(e.Template), str(e.TemplateCategory), str(e.Campaign), str(e.CampaignVersion),
		str(e.Flow), str(e.FlowVersion), str(e.Node),
		str(string(e.Status)), str(e.ErrorCode), str(e.PricingModel), str(e.PricingType),
		str(e.PricingCategory), billable, str(e.BillingConversation), str(e.Country),
		str(e.Goal), amount, str(e.Currency), str(e.Link), str(e.Reference),
		str(e.Payment), str(e.Provider), str(e.Suggested), str(e.Final), e.Translated,
	}
	copy(row, vals[:])
}

// loadStore measures memstore alone: append speed and memory per event,
// the heap counted after a GC with the generator's garbage gone.
func loadStore(ctx context.Context, n int, seed uint64) (result, error) {
	runtime.GC()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	s := memstore.New()
	var took time.Duration
	chunk := make([]cm.Event, 0, min(n, 1_000_000))
	ingest := func() error {
		runtime.GC()
		t := time.Now()
		for k := 0; k < len(chunk); k += 8192 {
			if _, err := s.Append(ctx, chunk[k:min(k+8192, len(chunk))]...); err != nil {
				return err
			}
		}
		took += time.Since(t)
		chunk = chunk[:0]
		return nil
	}
	for e := range demo.Generate(demo.Options{Events: n, Seed: seed}) {
		chunk = append(chunk, e)
		if len(chunk) == cap(chunk) {
			if err := ingest(); err != nil {
				return result{}, err
			}
		}
	}
	if err := ingest(); err != nil {
		return result{}, err
	}
	chunk = nil
	runtime.GC()
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	st := s.Stats()
	r := result{question: "memstore ingest", events: n, ours: took,
		note: fmt.Sprintf("%.2fM events/s; %d events stored; Go heap in use after GC %.1f bytes/event (alloc %.1f), estimated %.1f bytes/event; %d contacts, %d conversations, %d messages, %d other symbols",
			float64(n)/took.Seconds()/1e6, st.Events, float64(m1.HeapInuse-m0.HeapInuse)/float64(st.Events), float64(m1.HeapAlloc-m0.HeapAlloc)/float64(st.Events), float64(st.Bytes)/float64(st.Events),
			st.Contacts, st.Conversations, st.Messages, st.Symbols)}
	runtime.KeepAlive(s)
	return r, nil
}
