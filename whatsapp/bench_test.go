package whatsapp

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	cm "github.com/convometrics/convometrics"
)

// benchParse parses one body b.N times and reports webhooks per second.
func benchParse(b *testing.B, name string, opts Options) {
	body := readSample(b, name)
	p := mustParser(b, opts)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Parse(body); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "webhooks/s")
}

// BenchmarkParseStatus is the typical webhook: one sent status with
// conversation and pricing (sample 06).
func BenchmarkParseStatus(b *testing.B) {
	benchParse(b, "06-status-sent-pmp-marketing-v23.json", Options{})
}

func BenchmarkParseStatusPseudonymised(b *testing.B) {
	benchParse(b, "06-status-sent-pmp-marketing-v23.json", Options{ContactKeys: map[string][]byte{"": testKey}})
}

func BenchmarkParseStatusBatch(b *testing.B) {
	benchParse(b, "08-status-batch-read-delivered-auth-intl.json", Options{})
}

func BenchmarkParseInboundText(b *testing.B) {
	benchParse(b, "01-inbound-text-ctwa-referral.json", Options{})
}

func BenchmarkParseOrder(b *testing.B) {
	benchParse(b, "05-inbound-order.json", Options{})
}

func BenchmarkParseBatchMultiEntry(b *testing.B) {
	benchParse(b, "17-batch-multi-entry.json", Options{})
}

// nopStore accepts every append, so the handler benchmark measures the
// handler alone.
type nopStore struct{}

func (nopStore) Append(_ context.Context, evs ...cm.Event) (cm.AppendResult, error) {
	return cm.AppendResult{Appended: len(evs)}, nil
}

// BenchmarkHandlerStatus is a signed status POST through the handler
// (signature check, parse, append to a store that does nothing), in
// parallel on every core.
func BenchmarkHandlerStatus(b *testing.B) {
	body := readSample(b, "06-status-sent-pmp-marketing-v23.json")
	sig := Sign(body, testSecret)
	h, err := NewHandler(nopStore{}, HandlerOptions{AppSecret: testSecret})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest(http.MethodPost, "/webhook", nil)
		r.Header.Set(SignatureHeader, sig)
		for pb.Next() {
			r.Body = http.NoBody
			r.Body = nopCloser{bytes.NewReader(body)}
			r.ContentLength = int64(len(body))
			w := discardWriter{h: http.Header{}}
			h.ServeHTTP(&w, r)
			if w.code != 200 {
				b.Fatal(w.code)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "webhooks/s")
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }
