package session

import (
	"math"
	"runtime"

	"github.com/convometrics/convometrics/internal/frame"
)

// contactIndex holds, per contact group of a frame, what a question needs
// to know about a contact that has been quiet since before its range,
// without reading the contact's rows again: the instant after which the
// contact has no active session, and its first inbound message. It depends
// only on the frame and on the options that shape sessions (derived or
// host sessions, test traffic), so it is computed once per frame and kept
// while the frame lives, like the row codes.
//
// It also keeps, per contact, its restart rows: rows that start a session
// while none of the contact's sessions is active (and, for host sessions,
// no conversation ever comes back: no later row, reopening or not, names
// a conversation that had ended). Everything before a restart row more
// than 24 hours before a range is over before the range — its sessions
// ended and its windows closed — so a question reads the contact from that
// row on, knowing only its first inbound message (an outside send's last
// inbound message to an inbox not written to since is looked up in the
// skipped rows: see worker.skippedInbound).
type contactIndex struct {
	// quiet is the instant from which the contact is quiet: its last
	// session has ended and its last row is more than 24 hours before;
	// MaxInt64 while a session is open
	quiet   []int64
	firstIn []int64 // the contact's first inbound message, noTime if none
	// restarts[start[g]:start[g+1]] are group g's restart rows, ascending,
	// and restartAt their instants (read without following the rows)
	start     []int32
	restarts  []int32
	restartAt []int64
}

// restart returns the last restart row of group g at or before instant t,
// or -1.
func (idx *contactIndex) restart(g int, t int64) int {
	lo, hi := int(idx.start[g]), int(idx.start[g+1])
	for i := hi - 1; i >= lo; i-- {
		if idx.restartAt[i] <= t {
			return int(idx.restarts[i])
		}
	}
	return -1
}

// indexKey is the frame memo key of a contact index.
type indexKey struct {
	derive, includeTest bool
	idle                int64
}

// contactIndexOf returns the contact index of f under c's session options.
func contactIndexOf(c *compiled, f *frame.Frame, sc *schedule) *contactIndex {
	key := indexKey{c.opts.derive, c.q.IncludeTest, c.opts.idle}
	return f.Memo(key, func() any { return buildContactIndex(c, f, sc) }).(*contactIndex)
}

// buildContactIndex computes the contact index of f.
func buildContactIndex(c *compiled, f *frame.Frame, sc *schedule) *contactIndex {
	// the lifecycle alone: no filter, nothing counted
	ic := *c
	ic.q.Filter, ic.opts.filterNeedsPass, ic.opts.filterChannels, ic.opts.costs = Filter{}, false, nil, nil
	ic.opts.sla = false
	x := newFctx(&ic, f)
	n := f.NumGroups()
	idx := &contactIndex{quiet: make([]int64, n), firstIn: make([]int64, n), start: make([]int32, n+1)}
	runs := f.Split(runtime.GOMAXPROCS(0))
	perRun := make([][]int32, len(runs))
	counts := make([]int32, n)
	f.Parallel(len(runs), func(run, lo, hi int) {
		w := newWorker(&ic, x, newAcc(&ic, 0), sc)
		w.idx = idx
		for g := lo; g < hi; g++ {
			glo, ghi := f.Group(g)
			w.group = g
			w.pass(glo, ghi, false)
			if !w.revived {
				perRun[run] = append(perRun[run], w.restarts...)
				counts[g] = int32(len(w.restarts))
			}
		}
	})
	for g := 0; g < n; g++ {
		idx.start[g+1] = idx.start[g] + counts[g]
	}
	idx.restarts = make([]int32, 0, idx.start[n])
	for _, rs := range perRun {
		idx.restarts = append(idx.restarts, rs...)
	}
	idx.restartAt = make([]int64, len(idx.restarts))
	for i, r := range idx.restarts {
		idx.restartAt[i] = f.Time[r]
	}
	return idx
}

// indexContact records the current contact in the index.
func (w *worker) indexContact() {
	q := int64(math.MinInt64)
	for i := range w.sess {
		q = max(q, w.sess[i].endsAt())
	}
	_, hi := w.x.f.Group(w.group)
	w.idx.quiet[w.group] = max(q, w.x.f.Time[hi-1]+day+1)
	w.idx.firstIn[w.group] = w.firstIn
}

// quietContact adds what a contact quiet since before the range gives:
// it is known (it wrote before) at every snapshot, and nothing else.
func (w *worker) quietContact(firstIn int64) {
	if !w.ov || firstIn == noTime {
		return
	}
	ov := &w.a.ov
	ov.knownDiff[0]++
	if firstIn <= w.c.now {
		ov.snapNow.known++
	}
	ov.snapEnd.known++
}

// quiet reports whether contact group g of the frame has been quiet since
// before the range: its last row is more than 24 hours before the range
// (so its windows are closed too) and its last session ended before it.
func (c *compiled) quiet(idx *contactIndex, g int) bool {
	return idx != nil && idx.quiet[g] <= c.from
}
