package convometrics

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
)

// Query selects events of one tenant for a scan.
type Query struct {
	// Tenant is required; a store never returns another tenant's events.
	Tenant string
	// Range limits events to From <= Time < To; a zero bound is open.
	Range Range
	// Types limits events to these types; empty means every type.
	Types []Type
	// Partition limits events to one partition of the tenant's contacts, so
	// that engines can split work across goroutines or machines and merge
	// the results. The zero Partition is everything.
	Partition Partition
}

// Check returns an error if q cannot be served: no tenant ([ErrNoTenant]),
// an unknown type, or a bad partition.
func (q Query) Check() error {
	if q.Tenant == "" {
		return fmt.Errorf("convometrics: query: %w", ErrNoTenant)
	}
	for _, t := range q.Types {
		if !t.Known() {
			return fmt.Errorf("convometrics: query: type %q: %w", t, ErrUnknownValue)
		}
	}
	return q.Partition.Check()
}

// Wants reports whether q selects e (tenant, range, types and partition).
// It is the reference semantics every store must follow; a store over a
// database may use it to filter what its index cannot.
func (q Query) Wants(e *Event) bool {
	return e.Tenant == q.Tenant && q.Range.Contains(e.Time) &&
		(len(q.Types) == 0 || slices.Contains(q.Types, e.Type)) &&
		q.Partition.Has(e.Contact)
}

// Partition is part Index of Count parts of a tenant's contacts. A contact
// belongs to part FNV-1a-64(contact) mod Count; events without a contact
// belong to part 0. Count 0 or 1 means a single part holding everything.
type Partition struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// Check reports a partition with Index outside [0, Count).
func (p Partition) Check() error {
	if p.Count < 0 || (p.Count > 1 && (p.Index < 0 || p.Index >= p.Count)) || (p.Count <= 1 && p.Index != 0) {
		return fmt.Errorf("convometrics: partition %d of %d: %w", p.Index, p.Count, ErrInvalidValue)
	}
	return nil
}

// Has reports whether contact belongs to p.
func (p Partition) Has(contact string) bool {
	if p.Count <= 1 {
		return true
	}
	return PartitionOf(contact, p.Count) == p.Index
}

// PartitionOf returns the part of n that contact belongs to.
func PartitionOf(contact string, n int) int {
	if n <= 1 || contact == "" {
		return 0
	}
	h := uint64(14695981039346656037)
	for i := 0; i < len(contact); i++ {
		h ^= uint64(contact[i])
		h *= 1099511628211
	}
	return int(h % uint64(n))
}

// AppendResult counts what an append did.
type AppendResult struct {
	// Appended is the number of events stored.
	Appended int `json:"appended"`
	// Duplicates is the number of events ignored because the same
	// (tenant, id) with the same content was already stored (or came earlier
	// in the same call).
	Duplicates int `json:"duplicates"`
}

// Appender stores events.
//
// Append validates every event ([Event.Validate]) and stores those not
// already stored. It is idempotent by (tenant, id): an event equal
// ([Event.Equal]) to a stored one with the same tenant and id is counted in
// Duplicates and not stored again; an event with the same tenant and id but
// different content is a conflict, reported as a [*ConflictError] (matching
// [ErrConflict]). A call is atomic: if any event is invalid or conflicts, the
// error names it (an [*EventError] or [*ConflictError], possibly joined with
// others) and nothing from the call is stored. Events may arrive in any time
// order and late; the store orders them.
//
// Append must be safe for concurrent use, with itself and with scans. It
// honours ctx: if ctx is done before the events are committed it returns
// ctx.Err() and stores nothing. The store does not retain the events slice or
// the Attrs maps after returning.
type Appender interface {
	Append(ctx context.Context, events ...Event) (AppendResult, error)
}

// Reader reads a tenant's events. It is the one interface an engine needs;
// a host with its own database implements it over its tables.
//
// Scan returns the events q selects ([Query.Wants]) in order of (Time, ID)
// ascending, each event once. Events stored before Scan is called are all
// included; events appended while the iteration runs may or may not be. The
// iteration stops early if the consumer stops. Errors are yielded as the
// second value, after which the iteration ends: an invalid query
// ([Query.Check]), ctx being done (ctx.Err(), checked at least every few
// thousand events) or a storage failure. A store never ends an iteration
// early without yielding an error, so a complete loop without an error means
// a complete answer. Scan must be safe for concurrent use.
type Reader interface {
	Scan(ctx context.Context, q Query) iter.Seq2[Event, error]
}

// ContactLog is one contact's events, in (Time, ID) order. Events without a
// contact form the log with Contact "".
type ContactLog struct {
	Contact string
	Events  []Event
}

// ContactScanner is an optional fast path for engines that work one contact
// at a time (sessions, funnels, attribution): it yields every contact that
// has events q selects, in ascending order of Contact (byte-wise), each with
// its selected events in (Time, ID) order. The log's Events slice may be
// reused by the store after the consumer's loop body returns, so a consumer
// that keeps events must copy them. Errors, concurrency and context as for
// [Reader.Scan]. A store that cannot serve a particular query may yield
// [ErrSkip] as the first and only value; engines then fall back to Scan.
// Engines use [Contacts] to get this behaviour with the fallback included.
type ContactScanner interface {
	ScanContacts(ctx context.Context, q Query) iter.Seq2[ContactLog, error]
}

// TenantLister is an optional interface of stores that can list their
// tenants, for questions asked over all tenants.
type TenantLister interface {
	// Tenants returns the tenants that have at least one event, sorted.
	Tenants(ctx context.Context) ([]string, error)
}

// Store is what the embedded default implements: append and read.
type Store interface {
	Appender
	Reader
}

// Contacts returns r's events grouped by contact, as [ContactScanner]
// defines, using r's ScanContacts when r implements it (and does not decline
// with [ErrSkip]) and otherwise grouping the output of Scan in memory.
func Contacts(ctx context.Context, r Reader, q Query) iter.Seq2[ContactLog, error] {
	return func(yield func(ContactLog, error) bool) {
		if cs, ok := r.(ContactScanner); ok {
			first, skipped := true, false
			for log, err := range cs.ScanContacts(ctx, q) {
				if first && err == ErrSkip {
					skipped = true
					break
				}
				first = false
				if !yield(log, err) || err != nil {
					return
				}
			}
			if !skipped {
				return
			}
		}
		evs, err := Collect(ctx, r, q)
		if err != nil {
			yield(ContactLog{}, err)
			return
		}
		slices.SortStableFunc(evs, func(a, b Event) int { return strings.Compare(a.Contact, b.Contact) })
		for i := 0; i < len(evs); {
			j := i + 1
			for j < len(evs) && evs[j].Contact == evs[i].Contact {
				j++
			}
			if !yield(ContactLog{Contact: evs[i].Contact, Events: evs[i:j:j]}, nil) {
				return
			}
			i = j
		}
	}
}

// Collect reads every event q selects into a slice, in (Time, ID) order.
func Collect(ctx context.Context, r Reader, q Query) ([]Event, error) {
	var out []Event
	for e, err := range r.Scan(ctx, q) {
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// CompareEvents orders events by (Time, ID), the order of every scan.
func CompareEvents(a, b *Event) int {
	if c := a.Time.Compare(b.Time); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}
