// Package frame is the columnar form the engines compute on: one tenant's
// selected events as columns of dense symbol ids, grouped by contact and, in
// each contact, in (time, id) order.
//
// Decoding every event into a flat convometrics.Event costs hundreds of
// nanoseconds and a string per field; engines instead ask for a Frame with
// only the fields they read ([Spec]) and work on integers. Any
// convometrics.Reader can serve a frame through [Build], which scans and
// interns; a store that keeps its events in columns (memstore) implements
// [Source] and serves frames from its own symbol tables without decoding
// strings at all.
//
// A Frame is immutable once built and safe for concurrent readers; stores
// may share one frame between callers, so engines must never modify its
// slices.
package frame

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"runtime"
	"sync"

	cm "github.com/convometrics/convometrics"
	"github.com/shopspring/decimal"
)

// Field is a string field of convometrics.Event that a frame can carry as a
// column of symbol ids.
type Field uint8

// The fields, named as the Event fields they carry. ID is the event id.
const (
	Channel Field = iota
	Inbox
	Conversation
	Message
	ReplyTo
	MessageType
	Referral
	Sender
	Agent
	Team
	Assistant
	Template
	TemplateCategory
	Campaign
	CampaignVersion
	Flow
	FlowVersion
	Node
	Status
	ErrorCode
	PricingModel
	PricingType
	PricingCategory
	BillingConversation
	Country
	Goal
	Currency
	Link
	Reference
	Payment
	Provider
	Suggested
	Final
	ID
	NumFields // the number of fields
)

var fieldNames = [NumFields]string{
	"channel", "inbox", "conversation", "message", "reply_to", "message_type", "referral",
	"sender", "agent", "team", "assistant", "template", "template_category", "campaign",
	"campaign_version", "flow", "flow_version", "node", "status", "error_code",
	"pricing_model", "pricing_type", "pricing_category", "billing_conversation", "country",
	"goal", "currency", "link", "reference", "payment", "provider", "suggested", "final", "id",
}

// String returns the field's JSON key.
func (f Field) String() string {
	if f < NumFields {
		return fieldNames[f]
	}
	return fmt.Sprintf("field(%d)", uint8(f))
}

// FieldByName returns the field whose JSON key is name.
func FieldByName(name string) (Field, bool) {
	for i, n := range fieldNames {
		if n == name {
			return Field(i), true
		}
	}
	return 0, false
}

// Value returns field f of e.
func Value(e *cm.Event, f Field) string {
	switch f {
	case Channel:
		return string(e.Channel)
	case Inbox:
		return e.Inbox
	case Conversation:
		return e.Conversation
	case Message:
		return e.Message
	case ReplyTo:
		return e.ReplyTo
	case MessageType:
		return e.MessageType
	case Referral:
		return e.Referral
	case Sender:
		return string(e.Sender)
	case Agent:
		return e.Agent
	case Team:
		return e.Team
	case Assistant:
		return e.Assistant
	case Template:
		return e.Template
	case TemplateCategory:
		return e.TemplateCategory
	case Campaign:
		return e.Campaign
	case CampaignVersion:
		return e.CampaignVersion
	case Flow:
		return e.Flow
	case FlowVersion:
		return e.FlowVersion
	case Node:
		return e.Node
	case Status:
		return string(e.Status)
	case ErrorCode:
		return e.ErrorCode
	case PricingModel:
		return e.PricingModel
	case PricingType:
		return e.PricingType
	case PricingCategory:
		return e.PricingCategory
	case BillingConversation:
		return e.BillingConversation
	case Country:
		return e.Country
	case Goal:
		return e.Goal
	case Currency:
		return e.Currency
	case Link:
		return e.Link
	case Reference:
		return e.Reference
	case Payment:
		return e.Payment
	case Provider:
		return e.Provider
	case Suggested:
		return e.Suggested
	case Final:
		return e.Final
	case ID:
		return e.ID
	}
	return ""
}

// Fields is a set of fields.
type Fields uint64

// Of returns the set of fs.
func Of(fs ...Field) Fields {
	var s Fields
	for _, f := range fs {
		s |= 1 << f
	}
	return s
}

// Has reports whether f is in s.
func (s Fields) Has(f Field) bool { return s&(1<<f) != 0 }

// Each calls fn for every field in s, in order.
func (s Fields) Each(fn func(Field)) {
	for v := uint64(s); v != 0; v &= v - 1 {
		fn(Field(bits.TrailingZeros64(v)))
	}
}

// Spec says which events and which columns a frame holds.
type Spec struct {
	// Query selects the events (tenant, range, types, partition) as for a
	// scan.
	Query cm.Query
	// Fields are the string columns wanted; others read as empty.
	Fields Fields
	// Amount, Billable, Translated and Attrs ask for those non-string
	// columns.
	Amount, Billable, Translated, Attrs bool
}

// Dict maps a column's symbol ids to strings and back. Id 0 is always the
// empty string. Ids are dense, but one Dict may serve several fields, so
// Len bounds the ids of each of them rather than counting them.
type Dict interface {
	// Str returns the string of id, which must be below Len.
	Str(id uint32) string
	// Lookup returns the id of s, or false if no event of the frame can
	// hold s.
	Lookup(s string) (uint32, bool)
	// Len is one more than the largest id.
	Len() int
}

// Frame is one tenant's selected events in columns. Rows are grouped by
// contact in byte-wise order of the contact string (events without a
// contact first, as contact ""), and within a contact in (time, id) order.
// Build it with [Build] or get it from a [Source]; read it with the methods
// and the exported columns, never modify it.
type Frame struct {
	Tenant string
	// Time is each row's instant in Unix nanoseconds.
	Time []int64
	// Type is each row's convometrics.TypeCode.
	Type []uint8
	// Contact is each row's contact id in Contacts.
	Contact []uint32
	// Groups holds the first row of each contact group, and the number of
	// rows last: group g is rows Groups[g] to Groups[g+1]-1.
	Groups []uint32
	// Contacts maps contact ids to contact strings.
	Contacts Dict

	cols  [NumFields][]uint32
	dicts [NumFields]Dict

	// amounts: coefficient and exponent per row when the coefficient fits
	// an int64; otherwise big holds the value (keyed by row).
	coef []int64
	exp  []int8
	big  map[uint32]decimal.Decimal

	billable   []uint8 // convometrics.OptBool per row
	translated []bool

	attrStart []uint32 // per row, start of its pairs in attrKV (len rows+1)
	attrKV    []uint32 // key id, value id pairs in attrDict
	attrDict  Dict

	// Version identifies the store state the frame was built from, when the
	// source knows it (0 otherwise).
	Version uint64

	memoMu sync.Mutex
	memo   map[any]*memoEntry
}

// Len returns the number of rows.
func (f *Frame) Len() int { return len(f.Time) }

// NumGroups returns the number of contact groups.
func (f *Frame) NumGroups() int {
	if len(f.Groups) == 0 {
		return 0
	}
	return len(f.Groups) - 1
}

// Group returns the rows [lo, hi) of group g.
func (f *Frame) Group(g int) (lo, hi int) { return int(f.Groups[g]), int(f.Groups[g+1]) }

// Has reports whether the frame carries column c.
func (f *Frame) Has(c Field) bool { return f.dicts[c] != nil }

// Col returns column c: the symbol id of field c for each row. It panics if
// the frame was not built with c (a programming error in the engine).
func (f *Frame) Col(c Field) []uint32 {
	if f.dicts[c] == nil {
		panic("frame: column " + c.String() + " not in the frame's spec")
	}
	return f.cols[c]
}

// Dict returns the dictionary of column c.
func (f *Frame) Dict(c Field) Dict {
	if f.dicts[c] == nil {
		panic("frame: column " + c.String() + " not in the frame's spec")
	}
	return f.dicts[c]
}

// Str returns field c of row r as a string.
func (f *Frame) Str(c Field, r int) string { return f.Dict(c).Str(f.cols[c][r]) }

// Lookup returns the id of s in column c, or false when no row holds s.
func (f *Frame) Lookup(c Field, s string) (uint32, bool) {
	if s == "" {
		return 0, true
	}
	return f.Dict(c).Lookup(s)
}

// ContactOf returns the contact string of row r.
func (f *Frame) ContactOf(r int) string { return f.Contacts.Str(f.Contact[r]) }

// TypeOf returns the event type of row r.
func (f *Frame) TypeOf(r int) cm.Type { return cm.TypeOfCode(f.Type[r]) }

// HasAmount reports whether row r has a non-zero amount.
func (f *Frame) HasAmount(r int) bool {
	if f.coef == nil {
		return false
	}
	if f.coef[r] != 0 {
		return true
	}
	_, ok := f.big[uint32(r)]
	return ok
}

// Amount returns the amount of row r (zero when it has none). The frame
// must have been built with Spec.Amount.
func (f *Frame) Amount(r int) decimal.Decimal {
	if f.coef == nil {
		if len(f.Time) == 0 {
			return decimal.Zero
		}
		panic("frame: amounts not in the frame's spec")
	}
	if f.coef[r] != 0 {
		return decimal.New(f.coef[r], int32(f.exp[r]))
	}
	if d, ok := f.big[uint32(r)]; ok {
		return d
	}
	return decimal.Zero
}

// AmountParts returns the amount of row r as coefficient × 10^exponent, and
// false when the coefficient does not fit an int64 (use Amount then).
func (f *Frame) AmountParts(r int) (coef int64, exp int32, ok bool) {
	if f.coef[r] != 0 {
		return f.coef[r], int32(f.exp[r]), true
	}
	_, isBig := f.big[uint32(r)]
	return 0, 0, !isBig
}

// Billable returns the billable flag of row r.
func (f *Frame) Billable(r int) cm.OptBool {
	if f.billable == nil {
		return cm.Unset
	}
	return cm.OptBool(f.billable[r])
}

// Translated returns the translated flag of row r.
func (f *Frame) Translated(r int) bool { return f.translated != nil && f.translated[r] }

// Attr returns the value of attrs key k on row r.
func (f *Frame) Attr(r int, k string) (string, bool) {
	if f.attrStart == nil {
		return "", false
	}
	kid, ok := f.attrDict.Lookup(k)
	if !ok || kid == 0 {
		return "", false
	}
	for i := f.attrStart[r]; i < f.attrStart[r+1]; i += 2 {
		if f.attrKV[i] == kid {
			return f.attrDict.Str(f.attrKV[i+1]), true
		}
	}
	return "", false
}

// AttrIDs returns row r's attrs as key, value id pairs in [Frame.AttrDict]
// (in no particular order) without allocating.
func (f *Frame) AttrIDs(r int) []uint32 {
	if f.attrStart == nil {
		return nil
	}
	return f.attrKV[f.attrStart[r]:f.attrStart[r+1]]
}

// AttrDict returns the dictionary of attrs keys and values.
func (f *Frame) AttrDict() Dict { return f.attrDict }

// Attrs returns row r's attrs as a new map (nil when it has none).
func (f *Frame) Attrs(r int) map[string]string {
	kv := f.AttrIDs(r)
	if len(kv) == 0 {
		return nil
	}
	m := make(map[string]string, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		m[f.attrDict.Str(kv[i])] = f.attrDict.Str(kv[i+1])
	}
	return m
}

// Source is implemented by stores that serve frames directly. Frame must
// return exactly what [Build] would return for the same store and spec (the
// same rows in the same order; ids may differ).
type Source interface {
	Frame(ctx context.Context, spec Spec) (*Frame, error)
}

// Get returns the frame spec selects from r: from r's own Frame method when
// r is a [Source], else built by [Build].
func Get(ctx context.Context, r cm.Reader, spec Spec) (*Frame, error) {
	if s, ok := r.(Source); ok {
		f, err := s.Frame(ctx, spec)
		if !errors.Is(err, cm.ErrSkip) {
			return f, err
		}
	}
	return Build(ctx, r, spec)
}

// Build reads the events spec selects from r (through [convometrics.Contacts])
// and returns them as a frame with the columns spec asks for.
func Build(ctx context.Context, r cm.Reader, spec Spec) (*Frame, error) {
	if err := spec.Query.Check(); err != nil {
		return nil, err
	}
	b := NewBuilder(spec)
	for log, err := range cm.Contacts(ctx, r, spec.Query) {
		if err != nil {
			return nil, err
		}
		for i := range log.Events {
			b.Add(&log.Events[i])
		}
	}
	return b.Frame(), nil
}

// Split divides the frame's contact groups into at most n runs of whole
// groups with similar numbers of rows, for engines that fold runs on
// separate goroutines and merge their accumulators. Each run is [lo, hi)
// of group indexes.
func (f *Frame) Split(n int) [][2]int {
	g := f.NumGroups()
	if g == 0 {
		return nil
	}
	n = max(1, min(n, g))
	per := (f.Len() + n - 1) / n
	out := make([][2]int, 0, n)
	lo := 0
	for i := 0; i < g; i++ {
		if int(f.Groups[i+1])-int(f.Groups[lo]) >= per || i == g-1 {
			out = append(out, [2]int{lo, i + 1})
			lo = i + 1
		}
	}
	return out
}

// Parallel folds the frame's groups on up to workers goroutines (0 means
// GOMAXPROCS): fold is called once per run of groups [lo, hi) with the run's
// index, and must write only state owned by that run. Small frames run on
// the calling goroutine. It returns the number of runs.
func (f *Frame) Parallel(workers int, fold func(run, lo, hi int)) int {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if f.Len() < 1<<14 {
		workers = 1
	}
	runs := f.Split(workers)
	if len(runs) <= 1 {
		for i, r := range runs {
			fold(i, r[0], r[1])
		}
		return len(runs)
	}
	var wg sync.WaitGroup
	for i, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fold(i, r[0], r[1])
		}()
	}
	wg.Wait()
	return len(runs)
}

// Memo returns the value derived from the frame under key, calling build
// to compute it the first time (concurrent callers of the same key wait for
// that one call). Engines keep data computed from a frame in it — row codes,
// indexes — for as long as the frame lives; since stores cache frames, a
// question asked again finds them. Keys are compared with ==; use an
// unexported type per engine so that engines never collide. build must not
// ask for the same key.
func (f *Frame) Memo(key any, build func() any) any {
	f.memoMu.Lock()
	if f.memo == nil {
		f.memo = map[any]*memoEntry{}
	}
	m := f.memo[key]
	if m == nil {
		m = &memoEntry{}
		f.memo[key] = m
	}
	f.memoMu.Unlock()
	m.once.Do(func() { m.v = build() })
	return m.v
}

type memoEntry struct {
	once sync.Once
	v    any
}
