package whatsapp

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors. Test for them with errors.Is.
var (
	// ErrMalformed matches every error about the content of a webhook body:
	// not JSON, not a WhatsApp Business Account notification, a field of the
	// wrong JSON type, a required field missing or a value out of range. The
	// error is a [*ParseError] naming the JSON path; it also matches the
	// convometrics sentinel that says what is wrong (ErrSyntax, ErrRequired
	// or ErrInvalidValue). A malformed body yields no events at all.
	ErrMalformed = errors.New("malformed webhook")
	// ErrUnknownTenant: a webhook that no option routes to a tenant (no
	// route matches, no default tenant, and the entry has no WABA id).
	ErrUnknownTenant = errors.New("no tenant for webhook")

	// ErrNoSignature: a request without an X-Hub-Signature-256 header.
	ErrNoSignature = errors.New("missing X-Hub-Signature-256 header")
	// ErrBadSignature: an X-Hub-Signature-256 header that is not
	// "sha256=<64 hex digits>" or does not match the body and app secret.
	ErrBadSignature = errors.New("X-Hub-Signature-256 does not match the body")
)

// ParseError reports what is wrong with a webhook body and where. It matches
// [ErrMalformed] with errors.Is, and Err matches the convometrics sentinel
// for the kind of problem.
//
//	whatsapp: malformed webhook: entry[0].changes[0].value.statuses[1].timestamp: invalid value: not unix seconds: "soon"
type ParseError struct {
	// Path is the JSON path of the offending value, such as
	// "entry[0].changes[1].value.messages[0].timestamp"; "" for the body as a
	// whole.
	Path string
	Err  error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("whatsapp: malformed webhook: ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// Is reports whether target is ErrMalformed.
func (e *ParseError) Is(target error) bool { return target == ErrMalformed }

// loc locates an item of a webhook body while it is parsed; the path string
// is built only when an error needs it.
type loc struct {
	entry, change int
	list          string // "messages", "statuses", "errors" or "" for the value itself
	item          int
}

func (l loc) path(field string) string {
	var b strings.Builder
	b.WriteString("entry[")
	b.WriteString(strconv.Itoa(l.entry))
	b.WriteString("].changes[")
	b.WriteString(strconv.Itoa(l.change))
	b.WriteString("].value")
	if l.list != "" {
		b.WriteByte('.')
		b.WriteString(l.list)
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(l.item))
		b.WriteByte(']')
	}
	if field != "" {
		if field[0] != '[' {
			b.WriteByte('.')
		}
		b.WriteString(field)
	}
	return b.String()
}
