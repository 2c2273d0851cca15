package convometrics_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/storetest"
	"github.com/shopspring/decimal"
)

// Every type and every field survives encode → decode.
func TestJSONRoundTripEveryType(t *testing.T) {
	evs := storetest.Events("acme")
	seen := map[cm.Type]bool{}
	var buf bytes.Buffer
	enc := cm.NewEncoder(&buf)
	for i := range evs {
		seen[evs[i].Type] = true
		if err := enc.Encode(&evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, typ := range cm.Types() {
		if !seen[typ] {
			t.Fatalf("fixture lacks type %s", typ)
		}
	}
	dec := cm.NewDecoder(&buf, nil)
	for i := 0; ; i++ {
		var got cm.Event
		err := dec.Decode(&got)
		if err == io.EOF {
			if i != len(evs) {
				t.Fatalf("decoded %d events, want %d", i, len(evs))
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(&evs[i]) {
			t.Fatalf("event %d: got %s\nwant %s", i, got.AppendJSON(nil), evs[i].AppendJSON(nil))
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("decoded event %d invalid: %v", i, err)
		}
	}
	// json.Marshal / json.Unmarshal use the same encoding.
	b, err := json.Marshal(evs[13])
	if err != nil {
		t.Fatal(err)
	}
	var back cm.Event
	if err := json.Unmarshal(b, &back); err != nil || !back.Equal(&evs[13]) {
		t.Fatalf("json.Marshal round trip: %v %s", err, b)
	}
}

// The exact bytes of one event, written by hand from the format rules:
// fixed key order, empty fields left out, amount as a string keeping its
// scale, attrs sorted, non-ASCII kept as UTF-8, control characters escaped.
func TestJSONExactBytes(t *testing.T) {
	e := cm.Event{
		ID: "e-1", Tenant: "acme", Type: cm.PaymentSucceeded,
		Time:    time.Date(2026, 10, 25, 2, 30, 0, 0, time.FixedZone("", 3*3600)),
		Contact: "905551112233", Payment: "pay_1", Link: "plink_1",
		Amount: decimal.RequireFromString("129.90"), Currency: "TRY", Billable: cm.False,
		Attrs: map[string]string{"z": "ürün \"1\"\n", "a": "\u2028"},
	}
	want := `{"id":"e-1","tenant":"acme","type":"payment.succeeded","time":"2026-10-25T02:30:00+03:00",` +
		`"contact":"905551112233","billable":false,"amount":"129.90","currency":"TRY","link":"plink_1",` +
		`"payment":"pay_1","attrs":{"a":"\u2028","z":"ürün \"1\"\n"}}`
	if got := string(e.AppendJSON(nil)); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	// encoding/json agrees on the decoded value.
	var m map[string]any
	if err := json.Unmarshal([]byte(want), &m); err != nil || m["amount"] != "129.90" {
		t.Fatalf("not valid JSON or amount lost: %v %v", err, m)
	}
}

func TestDecodeStrictAndLenient(t *testing.T) {
	input := strings.Join([]string{
		`{"id":"e1","tenant":"t","type":"message.received","time":"2026-11-01T10:00:00Z","contact":"c1"}`,
		``,
		`{"id":"e2","tenant":"t","type":"message.received","time":"2026-11-01T10:01:00Z","contact":"c1","mood":"happy","score":4.5,"tags":["a"]}`,
		`{"id":"e3","tenant":"t","type":"message.received","time":"2026-11-01T10:02:00Z","contact":"c1","mood":"sad","attrs":{"mood":"x"}}`,
	}, "\n")

	// Strict: line 3 fails with the unknown key named; decoding continues.
	dec := cm.NewDecoder(strings.NewReader(input), nil)
	var e cm.Event
	if err := dec.Decode(&e); err != nil || e.ID != "e1" {
		t.Fatalf("line 1: %v", err)
	}
	err := dec.Decode(&e)
	var ee *cm.EventError
	if !errors.As(err, &ee) || ee.Line != 3 || ee.ID != "e2" || ee.Field != "mood" || !errors.Is(err, cm.ErrUnknownField) {
		t.Fatalf("strict unknown key: %v", err)
	}
	if got, want := err.Error(), `line 3: event "e2": mood: unknown field`; got != want {
		t.Fatalf("message %q, want %q", got, want)
	}
	if err := dec.Decode(&e); !errors.As(err, &ee) || ee.Line != 4 {
		t.Fatalf("line 4: %v", err)
	}
	if err := dec.Decode(&e); err != io.EOF {
		t.Fatalf("end: %v", err)
	}

	// Lenient: unknown keys go to attrs (non-strings as compact JSON); a key
	// present both ways is an error.
	dec = cm.NewDecoder(strings.NewReader(input), &cm.DecodeOptions{Lenient: true})
	dec.Decode(&e)
	if err := dec.Decode(&e); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"mood": "happy", "score": "4.5", "tags": `["a"]`}
	if len(e.Attrs) != 3 || e.Attrs["mood"] != want["mood"] || e.Attrs["score"] != want["score"] || e.Attrs["tags"] != want["tags"] {
		t.Fatalf("lenient attrs %v, want %v", e.Attrs, want)
	}
	if err := dec.Decode(&e); !errors.As(err, &ee) || ee.Line != 4 || ee.Field != "mood" {
		t.Fatalf("lenient collision: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		line  string
		field string
		err   error
		id    string
	}{
		{`{"id":"e1","tenant":"t"`, "", cm.ErrSyntax, "e1"},
		{`not json`, "", cm.ErrSyntax, ""},
		{`{"id":"e1"} {"id":"e2"}`, "", cm.ErrSyntax, "e1"},
		{`{"id":"e1","billable":"yes"}`, "billable", cm.ErrSyntax, "e1"},
		{`{"id":"e1","attrs":{"a":1}}`, "attrs", cm.ErrSyntax, "e1"},
		{`{"id":"e1","amount":"12,5"}`, "amount", cm.ErrInvalidValue, "e1"},
		{`{"id":"e1","amount":"1e3"}`, "amount", cm.ErrInvalidValue, "e1"},
		{`{"id":"e1","amount":"1234567890123456789012345678901"}`, "amount", cm.ErrInvalidValue, "e1"},
		{`{"id":"e1","time":"yesterday"}`, "time", cm.ErrInvalidValue, "e1"},
		{`{"id":"e1","time":1700000000}`, "time", cm.ErrSyntax, "e1"},
		{"{\"id\":\"e1\",\"contact\":\"\xff\"}", "", cm.ErrSyntax, ""},
	}
	for _, c := range cases {
		dec := cm.NewDecoder(strings.NewReader("\n"+c.line+"\n"), nil)
		var e cm.Event
		err := dec.Decode(&e)
		var ee *cm.EventError
		if !errors.As(err, &ee) || ee.Line != 2 || ee.Field != c.field || ee.ID != c.id || !errors.Is(err, c.err) {
			t.Errorf("%s: got %v (%+v), want line 2, field %q, id %q, %v", c.line, err, ee, c.field, c.id, c.err)
		}
	}
	// Amounts as JSON numbers and strings both work.
	for _, in := range []string{`"129.90"`, `129.90`} {
		var e cm.Event
		if err := json.Unmarshal([]byte(`{"id":"e","amount":`+in+`}`), &e); err != nil || e.Amount.String() != "129.9" {
			t.Errorf("amount %s: %v %v", in, err, e.Amount)
		}
	}
}

func TestDecodeLongLine(t *testing.T) {
	long := `{"id":"e1","attrs":{"x":"` + strings.Repeat("a", 2000) + `"}}`
	in := long + "\n" + `{"id":"e2"}` + "\n"
	dec := cm.NewDecoder(strings.NewReader(in), &cm.DecodeOptions{MaxLineBytes: 1000})
	var e cm.Event
	err := dec.Decode(&e)
	var ee *cm.EventError
	if !errors.As(err, &ee) || ee.Line != 1 || !errors.Is(err, cm.ErrSyntax) {
		t.Fatalf("long line: %v", err)
	}
	if err := dec.Decode(&e); err != nil || e.ID != "e2" {
		t.Fatalf("line after a long line: %v %q", err, e.ID)
	}
}

type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n > 0 {
		r.n--
		return copy(p, `{"id":"e1"}`+"\n"), nil
	}
	return 0, errors.New("disk on fire")
}

func TestDecodeReadErrorIsFinal(t *testing.T) {
	dec := cm.NewDecoder(&failingReader{n: 1}, nil)
	var errs []error
	for _, err := range dec.Events() {
		errs = append(errs, err)
	}
	if len(errs) != 2 || errs[0] != nil || errs[1] == nil || !strings.Contains(errs[1].Error(), "disk on fire") {
		t.Fatalf("got %v, want one event then the read error", errs)
	}
}

func FuzzDecode(f *testing.F) {
	for _, e := range storetest.Events("t") {
		f.Add(e.AppendJSON(nil))
	}
	f.Add([]byte(`{"id":"x","amount":1.5,"unknown":[1,{"a":null}]}`))
	f.Add([]byte("{\"id\":\"\\u0000\"}\n\n{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, lenient := range []bool{false, true} {
			dec := cm.NewDecoder(bytes.NewReader(data), &cm.DecodeOptions{Lenient: lenient, MaxLineBytes: 4096})
			for e, err := range dec.Events() {
				if err != nil {
					var ee *cm.EventError
					if !errors.As(err, &ee) {
						t.Fatalf("error of type %T: %v", err, err)
					}
					continue
				}
				_ = e.Validate()
				// Whatever decodes re-encodes to an equal event.
				var back cm.Event
				if err := json.Unmarshal(e.AppendJSON(nil), &back); err != nil {
					t.Fatalf("re-decode of %s: %v", e.AppendJSON(nil), err)
				}
				if !back.Equal(&e) {
					t.Fatalf("round trip changed the event:\n%s\n%s", e.AppendJSON(nil), back.AppendJSON(nil))
				}
			}
		}
	})
}
