package credits

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/attribution"
	"github.com/convometrics/convometrics/internal/frame"
)

// outcome is a finished computation.
type outcome struct {
	e *engine
	s *sink
	d dicts
}

// compute answers q from r. It folds a frame without the inbound messages
// first (statuses usually carry WhatsApp's pricing, which makes the windows
// unnecessary) on both cores, resolving each message inside its contact's
// group; it refolds with the inbound messages when some message needs the
// rules, and falls back to the exact fold (messages joined across contact
// groups by id) when a message has events in two contact groups.
func compute(ctx context.Context, rd cm.Reader, q *Query, nd needs) (*outcome, error) {
	e, err := newEngine(q, nd)
	if err != nil {
		return nil, err
	}
	if nd.campaigns {
		m, err := attribution.MatchPayments(ctx, rd, matchQuery(q))
		if err != nil {
			return nil, fmt.Errorf("credits: conversions: %w", err)
		}
		e.convs = conversionsOf(m)
	}
	f, err := frame.Get(ctx, rd, e.spec(false))
	if err != nil {
		return nil, fmt.Errorf("credits: %w", err)
	}
	out, needRules, err := e.fold(ctx, f, false)
	if err != nil || !needRules {
		return out, err
	}
	if f, err = frame.Get(ctx, rd, e.spec(true)); err != nil {
		return nil, fmt.Errorf("credits: %w", err)
	}
	out, _, err = e.fold(ctx, f, true)
	return out, err
}

// fold folds f fast, or exactly when a message lies in two contact groups.
// It reports whether some message needs the windows (and f lacks them).
func (e *engine) fold(ctx context.Context, f *frame.Frame, rules bool) (*outcome, bool, error) {
	out, needRules, conflict, err := e.fast(ctx, f, rules)
	if err != nil || !conflict {
		return out, needRules, err
	}
	return e.exactFrame(ctx, f, rules)
}

// fast folds f on both cores, each message resolved in its contact group.
func (e *engine) fast(ctx context.Context, f *frame.Frame, rules bool) (out *outcome, needRules, conflict bool, err error) {
	d := frameDicts(f)
	runs, err := e.runAll(ctx, f, d, rules, false)
	if err != nil {
		return nil, false, false, err
	}
	if len(runs) == 0 {
		runs = []*run{e.newRun(f, d, rules, false)}
	}
	first := runs[0]
	var seen []uint64
	for _, r := range runs {
		needRules = needRules || r.needRules
		conflict = conflict || r.conflict || bitsetOr(&seen, r.seen)
		if r != first {
			first.sink.merge(r.sink)
		}
	}
	if conflict {
		return nil, false, true, nil
	}
	if needRules {
		return nil, true, false, nil
	}
	first.sink.finish(d)
	return &outcome{e: e, s: first.sink, d: d}, false, false, nil
}

// runAll folds the contact groups of f on every core, each share in a run
// of its own (one that keeps its message states when export is set), and
// returns the runs that had a share.
func (e *engine) runAll(ctx context.Context, f *frame.Frame, d dicts, rules, export bool) ([]*run, error) {
	runs := make([]*run, runtime.GOMAXPROCS(0))
	errs := make([]error, len(runs))
	n := f.Parallel(len(runs), func(i, lo, hi int) {
		r := e.newRun(f, d, rules, export)
		runs[i] = r
		errs[i] = r.groups(ctx, lo, hi)
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return runs[:n], nil
}

// exactFrame folds f keeping every message's state, merges the states of
// each message across contact groups, then resolves them. It reports
// whether some message needs the windows f lacks.
func (e *engine) exactFrame(ctx context.Context, f *frame.Frame, rules bool) (*outcome, bool, error) {
	d := frameDicts(f)
	st := newExact(d)
	runs, err := e.runAll(ctx, f, d, rules, true)
	if err != nil {
		return nil, false, err
	}
	for _, r := range runs {
		for i := range r.parts {
			st.add(&r.parts[i], nil)
		}
		st.tops = append(st.tops, r.tops...)
	}
	out, needRules := st.resolve(e)
	return out, needRules, nil
}

// exact holds message states merged by message id, with the top-ups, in
// the ids of d.
type exact struct {
	d     dicts
	own   *frame.MapDict // when the ids are the exact state's own
	idx   map[uint32]int32
	parts []msgState
	tops  []topup
}

func newExact(d dicts) *exact { return &exact{d: d, idx: map[uint32]int32{}} }

// add merges s; from, when not nil, names the dictionaries s's ids belong
// to (they are translated into the state's own).
func (x *exact) add(s *msgState, from *dicts) {
	if from != nil {
		t := *s
		tr := func(d frame.Dict, id uint32) uint32 {
			if id == 0 {
				return 0
			}
			return x.own.Intern(d.Str(id))
		}
		t.msg, t.contact, t.inbox = tr(from.msg, s.msg), tr(from.contact, s.contact), tr(from.inbox, s.inbox)
		t.campaign, t.conv, t.template = tr(from.campaign, s.campaign), tr(from.conv, s.conv), tr(from.template, s.template)
		t.country, t.bconv, t.sinbox = tr(from.country, s.country), tr(from.bconv, s.bconv), tr(from.inbox, s.sinbox)
		s = &t
	}
	i, ok := x.idx[s.msg]
	if !ok {
		x.idx[s.msg] = int32(len(x.parts))
		x.parts = append(x.parts, *s)
		return
	}
	mergeState(&x.parts[i], s, x.d)
}

// mergeState merges b into a (states of the same message). Every choice
// is by time and then by value, never by the order of the calls.
func mergeState(a, b *msgState, d dicts) {
	if b.flags&mfSend != 0 {
		takeSend := a.flags&mfSend == 0 || b.sendAt < a.sendAt ||
			(b.sendAt == a.sendAt && d.contact.Str(b.contact) < d.contact.Str(a.contact))
		if takeSend {
			const sendFlags = mfSend | mfTemplate | mfWindows | mfCSW | mfFEP
			a.flags = a.flags&^sendFlags | b.flags&sendFlags
			a.sendAt, a.contact, a.inbox, a.campaign, a.conv, a.template, a.tcat = b.sendAt, b.contact, b.inbox, b.campaign, b.conv, b.template, b.tcat
		}
	} else if a.flags&mfSend == 0 && b.contact != 0 && (a.contact == 0 || d.contact.Str(b.contact) < d.contact.Str(a.contact)) {
		a.contact = b.contact
	}
	if b.seenAt != noTime && (a.seenAt == noTime || b.seenAt < a.seenAt) {
		a.seenAt = b.seenAt
	}
	if b.flags&mfDelivered != 0 && (a.flags&mfDelivered == 0 || b.delivAt < a.delivAt) {
		a.delivAt = b.delivAt
	}
	a.flags |= b.flags & (mfDelivered | mfFailed | mfTest | mfStatus)
	if b.pclass > 0 && better(b, a, d.bconv) {
		a.pclass, a.pAt, a.model, a.ptype, a.pcat, a.billable, a.bconv = b.pclass, b.pAt, b.model, b.ptype, b.pcat, b.billable, b.bconv
	}
	if b.country != 0 && (a.ctryAt == noTime || b.ctryAt < a.ctryAt ||
		(b.ctryAt == a.ctryAt && b.country != a.country && d.country.Str(b.country) < d.country.Str(a.country))) {
		a.country, a.ctryAt = b.country, b.ctryAt
	}
	if b.sinbox != 0 && (a.sinbox == 0 || (b.sinbox != a.sinbox && d.inbox.Str(b.sinbox) < d.inbox.Str(a.sinbox))) {
		a.sinbox = b.sinbox
	}
}

// resolve resolves every message state and finishes the sink. It reports
// whether some message needs windows its state lacks (the outcome is then
// incomplete).
func (x *exact) resolve(e *engine) (*outcome, bool) {
	r := e.newRun(nil, x.d, true, false)
	for i := range x.parts {
		r.resolve(&x.parts[i])
	}
	if r.needRules {
		return nil, true
	}
	for _, tp := range x.tops {
		r.sink.topup(tp)
	}
	r.sink.finish(x.d)
	return &outcome{e: e, s: r.sink, d: x.d}, false
}

// Accumulator folds a tenant's events into state that merges, in the shape
// of a Beam CombineFn: read a partition of the tenant's contacts from a
// store with [Fold] (or create one with [NewAccumulator] and add one
// contact at a time with [Accumulator.Add]), combine with
// [Accumulator.Merge], and extract with [Accumulator.Summary] or
// [Accumulator.Reconciliation]. Splitting a tenant's contacts into
// partitions ([Query.Partition]), folding each into its own accumulator
// (on other goroutines or machines) and merging gives exactly the
// single-pass answer of [Summarize] and [Reconcile]. It holds the events up
// to the end of the period (or Query.Now when later), as they do; so it
// has no [MessageCosts], which reads the statuses after the period too.
//
// The accumulator keeps, for every message, what its send and statuses say
// (keyed by message id, so a status stored under another contact, or with
// none, joins its send exactly when the accumulators merge), with the
// top-ups, and the payment events in an [attribution.MatchAccumulator] (so
// that a payment without a contact finds the link sent to a contact of
// another partition when they merge); charges are decided when a result is extracted,
// since volume tiers and conversation-based pricing depend on every
// message. It costs memory in proportion to the messages; the functions of
// this package use a faster fold on a frame and are preferred for one
// process.
//
// An Accumulator is not safe for concurrent use.
type Accumulator struct {
	q  Query
	e  *engine
	x  *exact
	m  *attribution.MatchAccumulator // the payments, for the conversions
	sp frame.Spec
	r  *run // reused by Add
}

// Fold reads q's events from r (those of q.Partition's contacts when it is
// set) and returns their accumulator.
func Fold(ctx context.Context, r cm.Reader, q Query) (*Accumulator, error) {
	a, err := NewAccumulator(q)
	if err != nil {
		return nil, err
	}
	if a.m, err = attribution.FoldPayments(ctx, r, matchQuery(&q)); err != nil {
		return nil, fmt.Errorf("credits: conversions: %w", err)
	}
	f, err := frame.Get(ctx, r, a.sp)
	if err != nil {
		return nil, fmt.Errorf("credits: %w", err)
	}
	d := frameDicts(f)
	runs, err := a.e.runAll(ctx, f, d, true, true)
	if err != nil {
		return nil, err
	}
	for _, rn := range runs {
		a.addRun(rn, &d)
	}
	return a, nil
}

// NewAccumulator returns an empty accumulator for q, which must be valid.
func NewAccumulator(q Query) (*Accumulator, error) {
	e, err := newEngine(&q, allNeeds())
	if err != nil {
		return nil, err
	}
	own := frame.NewMapDict()
	d := dicts{msg: own, contact: own, inbox: own, campaign: own, conv: own, template: own, country: own, bconv: own}
	x := newExact(d)
	x.own = own
	sp := e.spec(true)
	sp.Fields |= frame.Of(frame.Campaign, frame.Conversation, frame.Currency)
	sp.Query.Types = []cm.Type{cm.MessageSent, cm.MessageStatus, cm.MessageReceived, cm.CreditsTopup}
	sp.Amount = true
	m, err := attribution.NewMatchAccumulator(matchQuery(&q))
	if err != nil {
		return nil, fmt.Errorf("credits: conversions: %w", err)
	}
	return &Accumulator{q: q, e: e, x: x, m: m, sp: sp}, nil
}

// Add folds one contact's events: at least its message.sent,
// message.status, message.received and credits.topup events up to the end
// of the query's period, and its payment.link and payment.succeeded events
// (of any time: they are matched as [attribution.MatchPayments] matches
// them), in any order (others, and other tenants' or partitions' events,
// are ignored). A contact's events must come in one call (the
// customer-service and free-entry-point windows are computed from them);
// the events with no contact (top-ups, statuses and payments without a
// contact) may come in any call. The same event must not be added twice
// (stores ensure it); several events about one message (a status webhook
// delivered twice) count once.
func (a *Accumulator) Add(log cm.ContactLog) {
	for i := range log.Events {
		switch log.Events[i].Type {
		case cm.PaymentLink, cm.PaymentSucceeded, cm.PaymentRefunded, cm.PaymentFailed:
			a.m.Add(&log.Events[i])
		}
	}
	f := frame.FromEvents(a.sp, log.Events)
	if f.Len() == 0 {
		return
	}
	d := frameDicts(f)
	r := a.r
	if r == nil {
		r = a.e.newRun(f, d, true, true)
		a.r = r
	} else {
		r.bind(f, d)
	}
	r.parts, r.tops = r.parts[:0], r.tops[:0]
	for g := 0; g < f.NumGroups(); g++ {
		lo, hi := f.Group(g)
		r.group(lo, hi)
	}
	a.addRun(r, &d)
}

// addRun adds what an exporting run kept, its ids in the dictionaries d,
// translated into the accumulator's own.
func (a *Accumulator) addRun(r *run, d *dicts) {
	for i := range r.parts {
		a.x.add(&r.parts[i], d)
	}
	a.x.tops = append(a.x.tops, r.tops...)
}

// Merge adds everything b holds to a. Merging is associative and
// commutative. a and b must come from equal queries (the same tenant,
// range, calendar, card and options, their partitions aside; cards and
// calendars are compared by content) or Merge returns an error wrapping
// cm.ErrMismatch and changes nothing; b must not be used afterwards.
// Merging an accumulator into itself is refused (cm.ErrInvalidValue), as
// its top-ups would count twice.
func (a *Accumulator) Merge(b *Accumulator) error {
	if b == nil {
		return fmt.Errorf("credits: merge: %w: a nil accumulator", cm.ErrMismatch)
	}
	if a == b {
		return fmt.Errorf("credits: merge: %w: an accumulator into itself", cm.ErrInvalidValue)
	}
	if !sameQuery(&a.q, &b.q) {
		return fmt.Errorf("credits: merge: %w: another tenant, range, calendar, card or option", cm.ErrMismatch)
	}
	if err := a.m.Merge(b.m); err != nil {
		return fmt.Errorf("credits: merge: %w", err)
	}
	bd := b.x.d
	for i := range b.x.parts {
		a.x.add(&b.x.parts[i], &bd)
	}
	a.x.tops = append(a.x.tops, b.x.tops...)
	return nil
}

// sameQuery reports whether two queries ask the same, comparing the
// calendars by zone name and week start and the cards by content (so that
// partitions folded in other processes merge).
func sameQuery(a, b *Query) bool {
	return a.Tenant == b.Tenant && a.Range.From.Equal(b.Range.From) && a.Range.To.Equal(b.Range.To) &&
		a.Calendar.Location().String() == b.Calendar.Location().String() && a.Calendar.WeekStart() == b.Calendar.WeekStart() &&
		a.granularity() == b.granularity() && a.IncludeTest == b.IncludeTest && a.HomeCountry == b.HomeCountry &&
		a.now().Equal(b.now()) && a.burnDays() == b.burnDays() && a.conversionWindow() == b.conversionWindow() &&
		(a.Card == b.Card || a.Card.fingerprint() == b.Card.fingerprint())
}

// outcome resolves a copy of the state, so that results can be extracted
// again after more input.
func (a *Accumulator) outcome() *outcome {
	x := &exact{d: a.x.d, own: a.x.own, idx: a.x.idx, parts: slices.Clone(a.x.parts), tops: a.x.tops}
	e, _ := newEngine(&a.q, allNeeds())
	e.convs = conversionsOf(a.m.Result())
	out, _ := x.resolve(e) // every state has its windows: Add computes them
	return out
}

// Summary extracts the summary ([Summarize]).
func (a *Accumulator) Summary() *Summary { return summaryOf(a.outcome()) }

// Reconciliation extracts the reconciliation rows ([Reconcile]); the
// query's granularity must be day or month.
func (a *Accumulator) Reconciliation() (*Reconciliation, error) {
	if err := reconGranularity(&a.q); err != nil {
		return nil, err
	}
	return reconciliationOf(a.outcome()), nil
}
