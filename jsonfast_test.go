package convometrics

import (
	"testing"
)

var fastSeeds = []string{
	`{"id":"e1","tenant":"t","type":"message.received","time":"2026-11-01T10:00:00Z","contact":"c1"}`,
	`{"id":"e1","tenant":"t","type":"payment.succeeded","time":"2026-11-01T10:00:00+03:00","amount":"129.90","currency":"TRY","payment":"p","billable":true,"translated":false}`,
	`{"id":"e1","amount":129.90,"attrs":{"a":"ü","b":""}}`,
	` { "id" : "e1" , "attrs" : { } } `,
	`{"id":"e1","id":"e2"}`,
	`{"id":"e1","ID":"e2"}`,
	`{"id":"e1","attrs":{"a":"1"},"attrs":{"b":"2"}}`,
	`{"id":"e1","amount":01}`,
	`{"id":"e1","amount":-0.5}`,
	`{"id":"e1","amount":"1e3"}`,
	`{"id":"a\"b"}`,
	`{"id":null}`,
	`{}`,
	`{"id":"e1"} x`,
}

// Whenever the fast path decodes a line, encoding/json decodes it to an
// equal event; the fast path may decline, never disagree.
func FuzzFastAgrees(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := parseFast(data)
		if !ok {
			return
		}
		slow, err := parseSlow(data, false)
		if err != nil {
			t.Fatalf("fast path accepted %q, encoding/json says %v", data, err)
		}
		if !fast.Equal(&slow) || (fast.Attrs == nil) != (slow.Attrs == nil) {
			t.Fatalf("%q: fast %s, slow %s", data, fast.AppendJSON(nil), slow.AppendJSON(nil))
		}
	})
}

func TestFastPathTakesCommonLines(t *testing.T) {
	for _, s := range fastSeeds[:4] {
		if _, ok := parseFast([]byte(s)); !ok {
			t.Errorf("fast path declined %s", s)
		}
	}
	for _, s := range []string{`{"id":"a\"b"}`, `{"id":null}`, `{"id":"e1","ID":"e2"}`, `{"id":"e1"} x`, `{"id":"e1","amount":01}`} {
		if _, ok := parseFast([]byte(s)); ok {
			t.Errorf("fast path accepted %s", s)
		}
	}
}

func BenchmarkDecodeLine(b *testing.B) {
	line := []byte(`{"id":"e1a2b3","tenant":"acme","type":"message.status","time":"2026-11-01T10:00:00.123Z","channel":"whatsapp","inbox":"phone-1","contact":"905551112233","conversation":"c-77","message":"wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI","status":"delivered","pricing_model":"PMP","pricing_type":"regular","pricing_category":"marketing","billable":true,"country":"TR"}`)
	for _, impl := range []struct {
		name string
		fn   func([]byte) (Event, error)
	}{
		{"fast", func(d []byte) (Event, error) { return parseEvent(d, false) }},
		{"encoding-json", func(d []byte) (Event, error) { return parseSlow(d, false) }},
	} {
		b.Run(impl.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := impl.fn(line); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
