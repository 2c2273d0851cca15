package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/demo"
	"github.com/convometrics/convometrics/memstore"
)

// errBadInput: the command found bad input and has already reported it.
var errBadInput = errors.New("bad input")

// newFlags returns a flag set that reports to e.stderr and returns errors.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: convometrics %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, turning flag errors into errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// inputFlags choose where events come from: a file, stdin, or the demo.
type inputFlags struct {
	demo    bool
	events  int
	seed    uint64
	lenient bool
}

func (f *inputFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.demo, "demo", false, "generate the demo workload in memory instead of reading events")
	fs.IntVar(&f.events, "events", demo.DefaultEvents, "with -demo: number of events to generate")
	fs.Uint64Var(&f.seed, "seed", 1, "with -demo: random seed")
	fs.BoolVar(&f.lenient, "lenient", false, "keep unknown JSON keys in attrs instead of rejecting the line")
}

// dataset is the loaded input: every event in an in-memory store.
type dataset struct {
	store      *memstore.Store
	fromDemo   bool
	events     int // events stored
	duplicates int // exact repeats ignored
	perTenant  map[string]int
	latest     map[string]time.Time // latest event time per tenant
}

// newDataset returns an empty dataset.
func newDataset(fromDemo bool) *dataset {
	return &dataset{store: memstore.New(), perTenant: map[string]int{}, latest: map[string]time.Time{}, fromDemo: fromDemo}
}

// add appends events to the store and counts them: events stored and
// repeats ignored, and per tenant the events given and the latest time.
func (d *dataset) add(ctx context.Context, events []cm.Event) error {
	if len(events) == 0 {
		return nil
	}
	res, err := d.store.Append(ctx, events...)
	if err != nil {
		return err
	}
	d.events += res.Appended
	d.duplicates += res.Duplicates
	for i := range events {
		ev := &events[i]
		d.perTenant[ev.Tenant]++
		if ev.Time.After(d.latest[ev.Tenant]) {
			d.latest[ev.Tenant] = ev.Time
		}
	}
	return nil
}

// tenants returns the tenants, most events first (ties by name).
func (d *dataset) tenants() []string {
	out := make([]string, 0, len(d.perTenant))
	for t := range d.perTenant {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b string) int {
		if d.perTenant[a] != d.perTenant[b] {
			return d.perTenant[b] - d.perTenant[a]
		}
		return strings.Compare(a, b)
	})
	return out
}

// load reads the input named by the flags (the first argument, "-" or none
// for stdin) into a memstore.
func (f *inputFlags) load(ctx context.Context, e *env, fs *flag.FlagSet) (*dataset, error) {
	ds := newDataset(f.demo)
	batch := make([]cm.Event, 0, 4096)
	prog := newProgress(e, "loaded")
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := ds.add(ctx, batch); err != nil {
			return err
		}
		batch = batch[:0]
		prog.set(ds.events + ds.duplicates)
		return nil
	}
	add := func(ev cm.Event) error {
		batch = append(batch, ev)
		if len(batch) == cap(batch) {
			return flush()
		}
		return nil
	}
	if f.demo {
		if fs.NArg() > 0 {
			return nil, fmt.Errorf("-demo and an input file %q given; choose one", fs.Arg(0))
		}
		for ev := range demo.Generate(demo.Options{Events: f.events, Seed: f.seed}) {
			if err := add(ev); err != nil {
				return nil, err
			}
		}
	} else {
		r, name, closeFn, err := openInput(e, fs)
		if err != nil {
			return nil, err
		}
		defer closeFn()
		dec := cm.NewDecoder(r, &cm.DecodeOptions{Lenient: f.lenient})
		for ev, err := range dec.Events() {
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			if err := add(ev); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	prog.done(ds.events + ds.duplicates)
	// perTenant counted lines; recount stored events per tenant is not needed
	// for choosing a default tenant, so keep the line counts.
	return ds, nil
}

// openInput opens the file named by the first argument, or stdin.
func openInput(e *env, fs *flag.FlagSet) (io.Reader, string, func(), error) {
	if fs.NArg() > 1 {
		return nil, "", nil, fmt.Errorf("one input file expected, got %d", fs.NArg())
	}
	if fs.NArg() == 0 || fs.Arg(0) == "-" {
		return e.stdin, "stdin", func() {}, nil
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return nil, "", nil, err
	}
	return f, fs.Arg(0), func() { f.Close() }, nil
}

// scopeFlags choose the tenant, the period and the calendar of a report.
type scopeFlags struct {
	tenant      string
	preset      string
	from, to    string
	now         string
	tz          string
	weekStart   string
	granularity string
	allowLong   bool
	includeTest bool
}

// register registers the scope flags. Time-series buckets are -bucket,
// which leaves -by to the commands' own breakdowns and dimensions.
func (f *scopeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.tenant, "tenant", "", "tenant to report on (default: the one with most events)")
	fs.StringVar(&f.preset, "preset", string(cm.Last30Days), "period: last_7_days, last_15_days or last_30_days (ignored with -from/-to)")
	fs.StringVar(&f.from, "from", "", "first day of a custom period, YYYY-MM-DD in the tenant's time zone")
	fs.StringVar(&f.to, "to", "", "last day (inclusive) of a custom period, YYYY-MM-DD")
	fs.StringVar(&f.now, "now", "", "the instant presets count back from, RFC 3339 (default: the tenant's latest event)")
	fs.StringVar(&f.tz, "tz", "", "IANA time zone of the tenant (default: the demo tenant's zone, else UTC)")
	fs.StringVar(&f.weekStart, "week-start", "monday", "first day of the week")
	fs.StringVar(&f.granularity, "bucket", "day", "time series buckets: hour, day, week or month")
	fs.BoolVar(&f.allowLong, "allow-long-range", false, "accept custom periods longer than 90 days")
	fs.BoolVar(&f.includeTest, "include-test", false, "include test-channel traffic")
}

// scope is a resolved tenant, calendar and period.
type scope struct {
	Tenant      string         `json:"tenant"`
	TimeZone    string         `json:"time_zone"`
	Period      string         `json:"period"`
	Range       cm.Range       `json:"range"`
	Now         time.Time      `json:"now"`
	Granularity cm.Granularity `json:"granularity"`
	IncludeTest bool           `json:"include_test"`
	cal         cm.Calendar
}

// resolve turns the flags into a scope for the dataset.
func (f *scopeFlags) resolve(ds *dataset) (scope, error) {
	var s scope
	s.Tenant = f.tenant
	if s.Tenant == "" {
		ts := ds.tenants()
		if len(ts) == 0 {
			return s, errors.New("no events in the input")
		}
		s.Tenant = ts[0]
	}
	var loc *time.Location
	switch {
	case f.tz != "":
		l, err := time.LoadLocation(f.tz)
		if err != nil {
			return s, fmt.Errorf("-tz %q: %w", f.tz, err)
		}
		loc = l
	case ds.fromDemo && demo.Location(s.Tenant) != nil:
		loc = demo.Location(s.Tenant)
	default:
		loc = time.UTC
	}
	ws, err := parseWeekday(f.weekStart)
	if err != nil {
		return s, err
	}
	s.cal = cm.NewCalendar(loc).WithWeekStart(ws)
	s.TimeZone = loc.String()
	g, err := cm.ParseGranularity(f.granularity)
	if err != nil {
		return s, err
	}
	s.Granularity = g
	s.IncludeTest = f.includeTest
	s.Now = ds.latest[s.Tenant]
	if f.now != "" {
		t, err := time.Parse(time.RFC3339, f.now)
		if err != nil {
			return s, fmt.Errorf("-now %q: want an RFC 3339 time", f.now)
		}
		s.Now = t
	}
	if s.Now.IsZero() {
		s.Now = time.Now()
	}
	s.Now = s.Now.In(loc)
	switch {
	case f.from != "" || f.to != "":
		if f.from == "" || f.to == "" {
			return s, errors.New("-from and -to go together")
		}
		from, err := cm.ParseDate(f.from)
		if err != nil {
			return s, err
		}
		to, err := cm.ParseDate(f.to)
		if err != nil {
			return s, err
		}
		s.Range, err = s.cal.DateRange(from, to, cm.RangeOptions{AllowLong: f.allowLong})
		if err != nil {
			return s, err
		}
		s.Period = from.String() + " to " + to.String()
	default:
		s.Range, err = s.cal.PresetRange(cm.Preset(f.preset), s.Now)
		if err != nil {
			return s, err
		}
		s.Period = f.preset
	}
	return s, nil
}

// Calendar returns the scope's calendar.
func (s scope) Calendar() cm.Calendar { return s.cal }

func parseWeekday(s string) (time.Weekday, error) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.EqualFold(d.String(), s) || strings.EqualFold(d.String()[:3], s) {
			return d, nil
		}
	}
	return 0, fmt.Errorf("week start %q: want a day name such as monday", s)
}

// outputFlags choose the output format.
type outputFlags struct {
	format string
}

func (f *outputFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.format, "format", "text", "output format: text, json or csv")
}

func (f *outputFlags) check() error {
	switch f.format {
	case "text", "json", "csv":
		return nil
	}
	return fmt.Errorf("-format %q: want text, json or csv", f.format)
}

// write renders a result: tables as text or CSV, or v as indented JSON.
// With CSV and several tables, each table is preceded by a "# name" line and
// followed by a blank line.
func (f *outputFlags) write(w io.Writer, tables []cm.Table, v any) error {
	switch f.format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "csv":
		for i, t := range tables {
			if len(tables) > 1 {
				if i > 0 {
					io.WriteString(w, "\n")
				}
				fmt.Fprintf(w, "# %s\n", t.Name)
			}
			if err := t.WriteCSV(w); err != nil {
				return err
			}
		}
		return nil
	default:
		for i, t := range tables {
			if i > 0 {
				io.WriteString(w, "\n")
			}
			if err := t.WriteText(w); err != nil {
				return err
			}
		}
		return nil
	}
}

// engineFlags are the flags every engine command shares: where the events
// come from, the scope and the output format. A command registers them,
// parses, checks its own flags, then loads:
//
//	var cf engineFlags
//	cf.register(fs)
//	// the command's own flags
//	if err := cf.parse(fs, args); err != nil { ... }
//	// checks of the command's own flags, before any input is read
//	ds, s, err := cf.load(ctx, e, fs)
type engineFlags struct {
	in  inputFlags
	sc  scopeFlags
	out outputFlags
}

func (f *engineFlags) register(fs *flag.FlagSet) {
	f.in.register(fs)
	f.sc.register(fs)
	f.out.register(fs)
}

// parse parses args and checks -format.
func (f *engineFlags) parse(fs *flag.FlagSet, args []string) error {
	return parseFormat(fs, args, &f.out)
}

// load reads the input into a dataset and resolves the scope over it.
func (f *engineFlags) load(ctx context.Context, e *env, fs *flag.FlagSet) (*dataset, scope, error) {
	ds, err := f.in.load(ctx, e, fs)
	if err != nil {
		return nil, scope{}, err
	}
	s, err := f.sc.resolve(ds)
	if err != nil {
		return nil, scope{}, err
	}
	return ds, s, nil
}

// parseFormat parses args, then checks -format.
func parseFormat(fs *flag.FlagSet, args []string, out *outputFlags) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return out.check()
}

// tabulate turns an engine's answer into what outputFlags.write takes: the
// result's tables for text and CSV, and the result itself for JSON. It
// takes the engine call as it returns, tabulate(engine.X(ctx, r, q)).
func tabulate[R interface{ Tables() []cm.Table }](r R, err error) ([]cm.Table, any, error) {
	if err != nil {
		return nil, nil, err
	}
	return r.Tables(), r, nil
}

// describe names the scope as command headers print it: "tenant acme,
// last_7_days, 2026-10-26 00:00 to 2026-11-02 00:00 (Europe/Istanbul)".
func (s scope) describe() string {
	return fmt.Sprintf("tenant %s, %s, %s to %s (%s)", s.Tenant, s.Period,
		s.Range.From.Format("2006-01-02 15:04"), s.Range.To.Format("2006-01-02 15:04"), s.TimeZone)
}

// scopeHeader prints the text header "convometrics WHAT: SCOPE" and a
// blank line.
func scopeHeader(w io.Writer, what string, s scope) {
	fmt.Fprintf(w, "convometrics %s: %s\n\n", what, s.describe())
}

// progress prints a running count on stderr when it is a terminal.
type progress struct {
	e     *env
	what  string
	last  time.Time
	shown bool
}

func newProgress(e *env, what string) *progress { return &progress{e: e, what: what} }

func (p *progress) set(n int) {
	if !p.e.stderrTTY || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.shown = true
	fmt.Fprintf(p.e.stderr, "\r%s %s events", p.what, groupDigits(n))
}

func (p *progress) done(n int) {
	if p.shown {
		fmt.Fprintf(p.e.stderr, "\r%s %s events\n", p.what, groupDigits(n))
	}
}

// groupDigits formats n with thousands separators.
func groupDigits(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
