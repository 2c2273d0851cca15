package memstore_test

import (
	"context"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/demo"
	"github.com/convometrics/convometrics/memstore"
)

// TestIngestProfile times (and, with MEMSTORE_PROFILE=file, profiles) the
// append of pre-generated demo events (MEMSTORE_INGEST of them, 1M when it
// is not a number). Skipped unless MEMSTORE_INGEST is set.
func TestIngestProfile(t *testing.T) {
	if os.Getenv("MEMSTORE_INGEST") == "" {
		t.Skip("set MEMSTORE_INGEST=1 to run")
	}
	n, err := strconv.Atoi(os.Getenv("MEMSTORE_INGEST"))
	if err != nil || n < 1000 {
		n = 1_000_000
	}
	evs := make([]cm.Event, 0, n)
	for e := range demo.Generate(demo.Options{Events: n, Seed: 1}) {
		evs = append(evs, e)
	}
	runtime.GC()
	if p := os.Getenv("MEMSTORE_PROFILE"); p != "" {
		f, _ := os.Create(p)
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	s := memstore.New()
	t0 := time.Now()
	for k := 0; k < len(evs); k += 8192 {
		if _, err := s.Append(context.Background(), evs[k:min(k+8192, len(evs))]...); err != nil {
			t.Fatal(err)
		}
	}
	d := time.Since(t0)
	t.Logf("%v, %.2fM events/s", d, float64(len(evs))/d.Seconds()/1e6)
}
