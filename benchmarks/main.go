// Command benchmarks asks convometrics and DuckDB the same questions over
// the same demo workload, checks that the answers agree, and prints how long
// each took (median of several runs, measured in one process on the same
// machine).
//
//	cd benchmarks && go run . -events 1000000,10000000
//
// It is a nested module so that DuckDB (a cgo dependency) never reaches
// users of the library.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/convometrics/convometrics/memstore"
)

func main() {
	sizes := flag.String("events", "1000000", "comma-separated workload sizes")
	runs := flag.Int("runs", 5, "timed runs per question and engine (the median is reported)")
	seed := flag.Uint64("seed", 1, "demo workload seed")
	only := flag.String("q", "", "comma-separated question names to run (default all)")
	storeOnly := flag.Bool("store-only", false, "only load memstore and report its ingest speed and memory (no DuckDB, no questions)")
	flag.Parse()
	ctx := context.Background()
	fmt.Printf("machine: %s/%s, %d CPUs (GOMAXPROCS %d), %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	var rows []result
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			fail(err)
		}
		if *storeOnly {
			r, err := loadStore(ctx, n, *seed)
			if err != nil {
				fail(err)
			}
			rows = append(rows, r)
			continue
		}
		w, err := load(ctx, n, *seed)
		if err != nil {
			fail(err)
		}
		rows = append(rows, w.ingest)
		for _, q := range questions() {
			if *only != "" && !slices.Contains(strings.Split(*only, ","), q.name) {
				continue
			}
			r, err := measure(ctx, w, q, *runs)
			if err != nil {
				fail(fmt.Errorf("%s at %d events: %w", q.name, n, err))
			}
			rows = append(rows, r)
			fmt.Fprintf(os.Stderr, "%-34s %9d  ours %10s (cold %10s)  duckdb %10s  %7.1fx (cold %.1fx)\n", r.question, r.events, r.ours, r.cold, r.duck, r.ratio(), ratio(r.duck, r.cold))
		}
		w.close()
	}
	printTable(rows)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchmarks:", err)
	os.Exit(1)
}

// workload is one loaded demo workload.
type workload struct {
	events int
	store  *memstore.Store
	db     *sql.DB
	ingest result
	// acmeLast is tenant acme's latest event, found once (by the first,
	// untimed, run of a question) so that no timed run pays for it.
	acmeLast time.Time
}

func (w *workload) close() { w.db.Close() }

// question is asked of both engines; the answers must be equal.
type question struct {
	name string
	// ours and duck return a canonical answer: sorted lines of text.
	ours func(ctx context.Context, w *workload) ([]string, error)
	duck func(ctx context.Context, w *workload) ([]string, error)
}

type result struct {
	question   string
	events     int
	ours, duck time.Duration
	// cold is ours with memstore's caches (decoded columns, frames)
	// dropped before each run: the first question after a load.
	cold   time.Duration
	allocs uint64 // allocations per run of ours
	note   string
}

func (r result) ratio() float64 { return ratio(r.duck, r.ours) }

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// measure checks that both engines agree, then times each runs times.
func measure(ctx context.Context, w *workload, q question, runs int) (result, error) {
	a, err := q.ours(ctx, w)
	if err != nil {
		return result{}, fmt.Errorf("convometrics: %w", err)
	}
	b, err := q.duck(ctx, w)
	if err != nil {
		return result{}, fmt.Errorf("duckdb: %w", err)
	}
	if d := diffAnswers(a, b); d != "" {
		return result{}, fmt.Errorf("answers differ: %s", d)
	}
	r := result{question: q.name, events: w.events}
	var ours, duck, cold []time.Duration
	var allocs []uint64
	for i := 0; i < runs; i++ {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		t := time.Now()
		if _, err := q.ours(ctx, w); err != nil {
			return r, err
		}
		ours = append(ours, time.Since(t))
		runtime.ReadMemStats(&m1)
		allocs = append(allocs, m1.Mallocs-m0.Mallocs)
		t = time.Now()
		if _, err := q.duck(ctx, w); err != nil {
			return r, err
		}
		duck = append(duck, time.Since(t))
		w.store.DropCaches()
		runtime.GC()
		t = time.Now()
		if _, err := q.ours(ctx, w); err != nil {
			return r, err
		}
		cold = append(cold, time.Since(t))
	}
	r.ours, r.duck, r.cold, r.allocs = median(ours), median(duck), median(cold), median(allocs)
	return r, nil
}

func median[T int64 | uint64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func diffAnswers(a, b []string) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d lines vs %d (first lines: %q vs %q)", len(a), len(b), head(a), head(b))
	}
	for i := range a {
		if a[i] != b[i] {
			return fmt.Sprintf("line %d: convometrics %q, duckdb %q", i, a[i], b[i])
		}
	}
	return ""
}

func head(s []string) []string { return s[:min(3, len(s))] }

func printTable(rows []result) {
	fmt.Println()
	fmt.Println("| question | events | convometrics | convometrics, cold | DuckDB | DuckDB ÷ convometrics | DuckDB ÷ cold | allocs/run |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		coldT, coldR := "", ""
		if r.cold > 0 {
			coldT, coldR = round(r.cold), fmt.Sprintf("%.1f×", ratio(r.duck, r.cold))
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %.1f× | %s | %s |\n", r.question, group(r.events), round(r.ours), coldT, round(r.duck), r.ratio(), coldR, group(int(r.allocs)))
		if r.note != "" {
			fmt.Printf("|  ↳ %s | | | | | | | |\n", r.note)
		}
	}
	fmt.Println()
	fmt.Println("convometrics: median of the timed runs with memstore's caches as the previous run left them (a dashboard asking again);")
	fmt.Println("cold: median with the decoded columns and cached frames dropped before each run (the first question after a load).")
}

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(100 * time.Nanosecond).String()
	}
}

func group(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
