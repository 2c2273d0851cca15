package convometrics

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors. Test for them with errors.Is; they are wrapped by
// [*EventError] and by the errors stores and engines return.
var (
	// ErrRequired: a field the event's type needs is empty.
	ErrRequired = errors.New("required")
	// ErrUnknownValue: a value outside a closed set (type, channel, sender).
	ErrUnknownValue = errors.New("unknown value")
	// ErrInvalidValue: a value of the wrong form (a currency that is not three
	// letters, a negative amount, a time out of range, text too long).
	ErrInvalidValue = errors.New("invalid value")
	// ErrUnknownField: a JSON key that is not a field of Event, in strict decoding.
	ErrUnknownField = errors.New("unknown field")
	// ErrSyntax: a line that is not a JSON object, or a field of the wrong JSON type.
	ErrSyntax = errors.New("malformed JSON")

	// ErrConflict: an event repeats the (tenant, id) of a stored event with
	// different content. See [ConflictError].
	ErrConflict = errors.New("conflicting event with the same id")
	// ErrNoTenant: a query or an event without a tenant.
	ErrNoTenant = errors.New("tenant required")
	// ErrRangeTooLong: a custom range longer than [MaxCustomDays] days.
	ErrRangeTooLong = errors.New("range too long")
	// ErrEmptyRange: a range whose end is not after its start.
	ErrEmptyRange = errors.New("empty range")
	// ErrMismatch: two accumulators (or results) of different questions
	// were merged. Engines wrap it.
	ErrMismatch = errors.New("merging accumulators of different queries")
	// ErrSkip may be returned by an optional fast path (such as
	// [ContactScanner]) to decline a particular call; the caller then falls
	// back to the required interface as if the fast path were not
	// implemented. It must be returned before any value is yielded.
	ErrSkip = errors.New("fast path declined")
)

// EventError reports a problem with one event: which line of a JSON Lines
// input (when it came from one), which event id (when known), which field
// (its JSON key; empty for the event as a whole) and what is wrong. Err is one
// of the sentinel errors of this package, possibly wrapped with detail.
//
//	line 7: event "e-17": amount: invalid value: not a decimal: "12,5"
type EventError struct {
	Line  int    // 1-based line number in a JSON Lines input; 0 if not from one
	ID    string // the event id, "" when the event has none or it could not be read
	Field string // the JSON key of the field, "" for the event as a whole
	Err   error
}

func (e *EventError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(": ")
	}
	if e.ID != "" {
		b.WriteString("event ")
		b.WriteString(strconv.Quote(e.ID))
		b.WriteString(": ")
	} else {
		b.WriteString("event without id: ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *EventError) Unwrap() error { return e.Err }

// ConflictError reports an event whose (Tenant, ID) is already stored with
// different content. It matches [ErrConflict] with errors.Is.
type ConflictError struct {
	Tenant string
	ID     string
	Field  string // the JSON key of the first field that differs, when the store knows it
}

func (e *ConflictError) Error() string {
	s := fmt.Sprintf("tenant %q: event %q: conflicting event with the same id", e.Tenant, e.ID)
	if e.Field != "" {
		s += " (" + e.Field + " differs)"
	}
	return s
}

// Is reports whether target is ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// fieldErr builds an *EventError for field f of event e.
func fieldErr(e *Event, f string, err error, detail string) *EventError {
	if detail != "" {
		err = fmt.Errorf("%w: %s", err, detail)
	}
	return &EventError{ID: e.ID, Field: f, Err: err}
}
