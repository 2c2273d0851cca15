package convometrics

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// MarshalJSON encodes e as [Event.AppendJSON] does.
func (e Event) MarshalJSON() ([]byte, error) { return e.AppendJSON(nil), nil }

// UnmarshalJSON decodes one event strictly: unknown keys are an error, as in
// a [Decoder] without [DecodeOptions.Lenient]. Errors are [*EventError].
func (e *Event) UnmarshalJSON(data []byte) error {
	ev, err := parseEvent(data, false)
	if err != nil {
		return err
	}
	*e = ev
	return nil
}

// parseEvent decodes one JSON object into an Event. Errors are *EventError
// without a line number.
func parseEvent(data []byte, lenient bool) (Event, error) {
	if ev, ok := parseFast(data); ok {
		return ev, nil
	}
	return parseSlow(data, lenient)
}

// parseSlow decodes with encoding/json: the reference semantics, and the
// source of every decoding error.
func parseSlow(data []byte, lenient bool) (Event, error) {
	var w wireEvent
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&w)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errTrailing
		}
	}
	var extra map[string]string
	if err != nil {
		if key, ok := unknownFieldName(err); ok && lenient {
			var uerr error
			w, extra, uerr = decodeLenient(data)
			if uerr != nil {
				return Event{}, uerr
			}
		} else if ok {
			return Event{}, &EventError{ID: peekID(data), Field: key, Err: ErrUnknownField}
		} else {
			return Event{}, jsonError(data, err)
		}
	}
	ev := w.event()
	if err := w.finish(&ev); err != nil {
		return Event{}, err
	}
	if len(extra) > 0 {
		if ev.Attrs == nil {
			ev.Attrs = make(map[string]string, len(extra))
		}
		for _, k := range slices.Sorted(maps.Keys(extra)) {
			if _, dup := ev.Attrs[k]; dup {
				return Event{}, &EventError{ID: ev.ID, Field: k, Err: fmt.Errorf("%w: also present in attrs", ErrInvalidValue)}
			}
			ev.Attrs[k] = extra[k]
		}
	}
	return ev, nil
}

var errTrailing = errors.New("data after the JSON object")

// finish converts the raw fields (time, amount, billable) with precise errors.
func (w *wireEvent) finish(ev *Event) error {
	if w.Time != "" {
		t, err := time.Parse(time.RFC3339Nano, w.Time)
		if err != nil {
			return &EventError{ID: w.ID, Field: "time", Err: fmt.Errorf("%w: not an RFC 3339 time: %q", ErrInvalidValue, w.Time)}
		}
		ev.Time = t
	}
	if len(w.Amount) > 0 && string(w.Amount) != "null" {
		d, err := parseAmount(w.Amount)
		if err != nil {
			return &EventError{ID: w.ID, Field: "amount", Err: err}
		}
		ev.Amount = d
	}
	if w.Billable != nil {
		ev.Billable = OptBoolOf(*w.Billable)
	}
	return nil
}

// parseAmount accepts a JSON string or number holding a plain decimal
// ("129.90", 129.9, "-3"); exponents, thousands separators and empty strings
// are rejected.
func parseAmount(raw json.RawMessage) (decimal.Decimal, error) {
	s := string(raw)
	if len(s) >= 2 && s[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return decimal.Decimal{}, fmt.Errorf("%w: not a decimal: %s", ErrInvalidValue, raw)
		}
	}
	if !plainDecimal(s) {
		return decimal.Decimal{}, fmt.Errorf("%w: not a decimal: %q", ErrInvalidValue, s)
	}
	intPart, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if len(strings.TrimLeft(intPart, "0")) > MaxAmountDigits || len(frac) > MaxAmountScale {
		return decimal.Decimal{}, fmt.Errorf("%w: out of range: %q", ErrInvalidValue, s)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%w: not a decimal: %q", ErrInvalidValue, s)
	}
	return d, nil
}

// plainDecimal reports whether s is -?digits(.digits)?.
func plainDecimal(s string) bool {
	intPart, frac, dot := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if intPart == "" || (dot && frac == "") {
		return false
	}
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return false
			}
		}
	}
	return true
}

// decodeLenient decodes data keeping unknown keys apart: strings unquoted,
// other JSON values as their compact text.
func decodeLenient(data []byte) (wireEvent, map[string]string, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return wireEvent{}, nil, jsonError(data, err)
	}
	known := make(map[string]json.RawMessage, len(all))
	extra := make(map[string]string)
	for k, v := range all {
		if knownKey(k) {
			known[k] = v
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			extra[k] = s
			continue
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, v); err != nil {
			return wireEvent{}, nil, jsonError(data, err)
		}
		extra[k] = buf.String()
	}
	b, err := json.Marshal(known)
	if err != nil {
		return wireEvent{}, nil, jsonError(data, err)
	}
	var w wireEvent
	if err := json.Unmarshal(b, &w); err != nil {
		return wireEvent{}, nil, jsonError(data, err)
	}
	return w, extra, nil
}

// unknownFieldName extracts the key from encoding/json's unknown-field error.
func unknownFieldName(err error) (string, bool) {
	const prefix = "json: unknown field "
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) {
		return "", false
	}
	name, uerr := strconv.Unquote(msg[len(prefix):])
	if uerr != nil {
		name = msg[len(prefix):]
	}
	return name, true
}

// jsonError turns an encoding/json error into an *EventError.
func jsonError(data []byte, err error) error {
	ee := &EventError{ID: peekID(data)}
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		ee.Field = te.Field
		ee.Err = fmt.Errorf("%w: expected %s, got JSON %s", ErrSyntax, jsonKind(te.Type.Kind().String()), te.Value)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		ee.Err = fmt.Errorf("%w: incomplete object", ErrSyntax)
	case err == errTrailing:
		ee.Err = fmt.Errorf("%w: %v", ErrSyntax, err)
	default:
		ee.Err = fmt.Errorf("%w: %s", ErrSyntax, strings.TrimPrefix(err.Error(), "json: "))
	}
	return ee
}

func jsonKind(k string) string {
	switch k {
	case "map", "struct":
		return "an object"
	case "slice":
		return "an array"
	case "ptr", "bool":
		return "a boolean"
	}
	return "a " + k
}

// peekID returns the top-level "id" of data when it can be read, even from
// a truncated or otherwise broken object, for error messages.
func peekID(data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return ""
		}
		if k == "id" {
			v, err := dec.Token()
			if s, ok := v.(string); err == nil && ok && len(s) <= MaxIDLen {
				return s
			}
			return ""
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return ""
		}
	}
	return ""
}

// DecodeOptions configures a [Decoder]. The zero value (or nil) is strict
// decoding with a 1 MiB line limit.
type DecodeOptions struct {
	// Lenient keeps unknown keys in attrs (strings as they are, other JSON
	// values as their compact JSON text) instead of rejecting the line. A key
	// both unknown and present in attrs is still an error.
	Lenient bool
	// MaxLineBytes bounds the length of a line; 0 means 1 MiB.
	MaxLineBytes int
}

// Decoder reads events from JSON Lines: one JSON object per line, blank lines
// ignored. A bad line yields an [*EventError] carrying its line number, and
// decoding continues with the next line. Decoding does not run
// [Event.Validate]; call it (or let a store do it) before trusting the event.
type Decoder struct {
	r       *bufio.Reader
	opts    DecodeOptions
	line    int
	buf     []byte
	ioErr   error
	ioFatal bool
}

// NewDecoder returns a Decoder reading from r. opts may be nil.
func NewDecoder(r io.Reader, opts *DecodeOptions) *Decoder {
	d := &Decoder{r: bufio.NewReaderSize(r, 256<<10)}
	if opts != nil {
		d.opts = *opts
	}
	if d.opts.MaxLineBytes <= 0 {
		d.opts.MaxLineBytes = 1 << 20
	}
	return d
}

// Line returns the number of the last line read (1-based).
func (d *Decoder) Line() int { return d.line }

// Decode reads the next event into e. It returns io.EOF after the last line,
// an [*EventError] (with Line set) for a line that is not a valid event, after
// which the next call continues with the following line, or a read error
// from the underlying reader, after which every call returns that error.
func (d *Decoder) Decode(e *Event) error {
	for {
		if d.ioFatal {
			return d.ioErr
		}
		line, tooLong, err := d.readLine()
		if err != nil && len(line) == 0 && !tooLong {
			if err != io.EOF {
				d.ioFatal, d.ioErr = true, err
			}
			return err
		}
		d.line++
		if tooLong {
			return &EventError{Line: d.line, Err: fmt.Errorf("%w: line longer than %d bytes", ErrSyntax, d.opts.MaxLineBytes)}
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if !utf8.Valid(line) {
			return &EventError{Line: d.line, Err: fmt.Errorf("%w: not valid UTF-8", ErrSyntax)}
		}
		ev, perr := parseEvent(line, d.opts.Lenient)
		if perr != nil {
			var ee *EventError
			if errors.As(perr, &ee) {
				ee.Line = d.line
			}
			return perr
		}
		*e = ev
		return nil
	}
}

// readLine returns the next line without its terminator. tooLong reports a
// line over the limit, whose remainder has been skipped.
func (d *Decoder) readLine() (line []byte, tooLong bool, err error) {
	d.buf = d.buf[:0]
	for {
		chunk, err := d.r.ReadSlice('\n')
		if len(d.buf)+len(chunk) > d.opts.MaxLineBytes+1 {
			tooLong = true
			d.buf = d.buf[:0]
		} else if !tooLong {
			d.buf = append(d.buf, chunk...)
		}
		switch err {
		case nil:
			return bytes.TrimSuffix(d.buf, []byte("\n")), tooLong, nil
		case bufio.ErrBufferFull:
			continue
		default:
			return d.buf, tooLong, err
		}
	}
}

// Events returns an iterator over the remaining events. Each bad line yields
// a zero Event and its error, and iteration goes on; a read error is yielded
// once and ends the iteration.
func (d *Decoder) Events() iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for {
			var e Event
			err := d.Decode(&e)
			if err == io.EOF {
				return
			}
			if !yield(e, err) {
				return
			}
			if err != nil && d.ioFatal {
				return
			}
		}
	}
}

// Encoder writes events as JSON Lines. Like csv.Writer it buffers: call
// Flush when done and check its error.
type Encoder struct {
	w   *bufio.Writer
	buf []byte
}

// NewEncoder returns an Encoder writing to w.
func NewEncoder(w io.Writer) *Encoder {
	return &Encoder{w: bufio.NewWriterSize(w, 256<<10)}
}

// Encode writes e as one line.
func (enc *Encoder) Encode(e *Event) error {
	enc.buf = e.AppendJSON(enc.buf[:0])
	enc.buf = append(enc.buf, '\n')
	_, err := enc.w.Write(enc.buf)
	return err
}

// Flush writes any buffered data to the underlying writer.
func (enc *Encoder) Flush() error { return enc.w.Flush() }

// amountString formats d keeping its scale ("129.90" stays "129.90").
func amountString(d decimal.Decimal) string {
	if exp := d.Exponent(); exp < 0 {
		return d.StringFixed(-exp)
	}
	return d.String()
}

// appendAttrs appends `,"attrs":{...}` with keys sorted.
func appendAttrs(dst []byte, attrs map[string]string) []byte {
	dst = append(dst, `,"attrs":{`...)
	for i, k := range slices.Sorted(maps.Keys(attrs)) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		dst = appendString(dst, attrs[k])
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as
// encoding/json does; U+2028 and U+2029 are escaped.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
