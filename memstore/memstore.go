// Package memstore is the embedded default store of convometrics: an
// in-memory, concurrent, idempotent implementation of convometrics.Store,
// convometrics.ContactScanner and convometrics.TenantLister.
package memstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"sync"

	cm "github.com/convometrics/convometrics"
)

// Store holds events in memory. The zero value is not usable; call New.
type Store struct {
	mu      sync.RWMutex
	tenants map[string]*tenant
}

type tenant struct {
	byID   map[string]int32
	events []cm.Event // arrival order; never modified once appended
	perm   []int32    // indexes in (time, id) order; nil when stale
}

// New returns an empty Store.
func New() *Store { return &Store{tenants: make(map[string]*tenant)} }

var (
	_ cm.Store          = (*Store)(nil)
	_ cm.ContactScanner = (*Store)(nil)
	_ cm.TenantLister   = (*Store)(nil)
)

// Append implements convometrics.Appender.
func (s *Store) Append(ctx context.Context, events ...cm.Event) (cm.AppendResult, error) {
	var res cm.AppendResult
	var errs []error
	for i := range events {
		if err := events[i].Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return res, fmt.Errorf("memstore: append: %w", errors.Join(errs...))
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// First pass: classify without changing anything.
	type key struct{ tenant, id string }
	batch := make(map[key]int, len(events))
	keep := make([]bool, len(events))
	for i := range events {
		e := &events[i]
		k := key{e.Tenant, e.ID}
		if j, ok := batch[k]; ok {
			if !events[j].Equal(e) {
				errs = append(errs, &cm.ConflictError{Tenant: e.Tenant, ID: e.ID})
			} else {
				res.Duplicates++
			}
			continue
		}
		if t := s.tenants[e.Tenant]; t != nil {
			if j, ok := t.byID[e.ID]; ok {
				if !t.events[j].Equal(e) {
					errs = append(errs, &cm.ConflictError{Tenant: e.Tenant, ID: e.ID})
				} else {
					res.Duplicates++
				}
				continue
			}
		}
		batch[k] = i
		keep[i] = true
	}
	if len(errs) > 0 {
		return cm.AppendResult{}, fmt.Errorf("memstore: append: %w", errors.Join(errs...))
	}
	for i := range events {
		if !keep[i] {
			continue
		}
		e := events[i]
		e.Time = e.Time.UTC()
		if e.Attrs != nil {
			e.Attrs = maps.Clone(e.Attrs)
		}
		t := s.tenants[e.Tenant]
		if t == nil {
			t = &tenant{byID: make(map[string]int32)}
			s.tenants[e.Tenant] = t
		}
		t.byID[e.ID] = int32(len(t.events))
		t.events = append(t.events, e)
		t.perm = nil
		res.Appended++
	}
	return res, nil
}

// snapshot returns the tenant's events and their (time, id) order.
func (s *Store) snapshot(name string) ([]cm.Event, []int32) {
	s.mu.RLock()
	t := s.tenants[name]
	if t == nil {
		s.mu.RUnlock()
		return nil, nil
	}
	evs, perm := t.events, t.perm
	s.mu.RUnlock()
	if perm != nil {
		return evs, perm
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.perm == nil {
		p := make([]int32, len(t.events))
		for i := range p {
			p[i] = int32(i)
		}
		slices.SortFunc(p, func(a, b int32) int { return cm.CompareEvents(&t.events[a], &t.events[b]) })
		t.perm = p
	}
	return t.events, t.perm
}

// Scan implements convometrics.Reader.
func (s *Store) Scan(ctx context.Context, q cm.Query) iter.Seq2[cm.Event, error] {
	return func(yield func(cm.Event, error) bool) {
		if err := q.Check(); err != nil {
			yield(cm.Event{}, err)
			return
		}
		evs, perm := s.snapshot(q.Tenant)
		for n, i := range perm {
			if n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					yield(cm.Event{}, err)
					return
				}
			}
			e := &evs[i]
			if !q.Wants(e) {
				continue
			}
			out := *e
			if out.Attrs != nil {
				out.Attrs = maps.Clone(out.Attrs)
			}
			if !yield(out, nil) {
				return
			}
		}
	}
}

// ScanContacts implements convometrics.ContactScanner.
func (s *Store) ScanContacts(ctx context.Context, q cm.Query) iter.Seq2[cm.ContactLog, error] {
	return func(yield func(cm.ContactLog, error) bool) {
		var sel []cm.Event
		for e, err := range s.Scan(ctx, q) {
			if err != nil {
				yield(cm.ContactLog{}, err)
				return
			}
			sel = append(sel, e)
		}
		slices.SortStableFunc(sel, func(a, b cm.Event) int { return strings.Compare(a.Contact, b.Contact) })
		for i := 0; i < len(sel); {
			j := i + 1
			for j < len(sel) && sel[j].Contact == sel[i].Contact {
				j++
			}
			if err := ctx.Err(); err != nil {
				yield(cm.ContactLog{}, err)
				return
			}
			if !yield(cm.ContactLog{Contact: sel[i].Contact, Events: sel[i:j:j]}, nil) {
				return
			}
			i = j
		}
	}
}

// Tenants implements convometrics.TenantLister.
func (s *Store) Tenants(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := slices.Collect(maps.Keys(s.tenants))
	slices.SortFunc(out, cmp.Compare[string])
	return out, nil
}
