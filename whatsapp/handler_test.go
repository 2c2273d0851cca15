package whatsapp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/memstore"
)

var testSecret = []byte("fake-app-secret")

func TestVerifySignature(t *testing.T) {
	b := readSample(t, "06-status-sent-pmp-marketing-v23.json")
	// openssl dgst -sha256 -hmac fake-app-secret < testdata/06-status-sent-pmp-marketing-v23.json
	const good = "sha256=c8cd28d22fb95ac2f5218158cbcebd772464d1cdc85730d4fe57860fddd47354"
	if got := Sign(b, testSecret); got != good {
		t.Fatalf("Sign = %s, want %s", got, good)
	}
	tests := []struct {
		name, header string
		body         []byte
		want         error
	}{
		{"good", good, b, nil},
		{"upper-case hex", "sha256=" + strings.ToUpper(good[7:]), b, nil},
		{"missing", "", b, ErrNoSignature},
		{"other body", good, append(bytes.Clone(b), ' '), ErrBadSignature},
		{"one digit off", good[:len(good)-1] + "5", b, ErrBadSignature},
		{"sha1 header", "sha1=" + good[7:47], b, ErrBadSignature},
		{"no prefix", good[7:], b, ErrBadSignature},
		{"short", "sha256=abcd", b, ErrBadSignature},
		{"not hex", "sha256=" + strings.Repeat("zz", 32), b, ErrBadSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifySignature(tc.body, tc.header, testSecret)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if err := VerifySignature(b, good, []byte("another secret")); !errors.Is(err, ErrBadSignature) {
		t.Errorf("wrong secret: %v", err)
	}
}

func newTestHandler(t *testing.T, s cm.Appender, mod func(*HandlerOptions)) *Handler {
	t.Helper()
	opts := HandlerOptions{AppSecret: testSecret, VerifyToken: "verify-me", Options: Options{Tenant: "acme"}}
	if mod != nil {
		mod(&opts)
	}
	h, err := NewHandler(s, opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func post(h http.Handler, b []byte, sig string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(b))
	if sig != "" {
		r.Header.Set(SignatureHeader, sig)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestHandlerHandshake(t *testing.T) {
	h := newTestHandler(t, memstore.New(), nil)
	tests := []struct {
		query string
		code  int
		body  string
	}{
		{"hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444", 200, "1158201444"},
		{"hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1158201444", 403, ""},
		{"hub.mode=unsubscribe&hub.verify_token=verify-me&hub.challenge=1", 403, ""},
		{"hub.mode=subscribe&hub.verify_token=verify-me", 403, ""},
		{"hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=%3Cscript%3E%20x", 403, ""},
		{"hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=" + strings.Repeat("9", 257), 403, ""},
	}
	for _, tc := range tests {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/webhook?"+tc.query, nil))
		if w.Code != tc.code || (tc.body != "" && w.Body.String() != tc.body) {
			t.Errorf("%s: %d %q, want %d %q", tc.query, w.Code, w.Body, tc.code, tc.body)
		}
	}
	if st := h.Stats(); st.Verified != 1 || st.VerifyRefused != 5 || st.Requests != 6 {
		t.Errorf("stats %+v", st)
	}
	// No verify token configured: every handshake is refused.
	h = newTestHandler(t, memstore.New(), func(o *HandlerOptions) { o.VerifyToken = "" })
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/webhook?hub.mode=subscribe&hub.verify_token=&hub.challenge=1", nil))
	if w.Code != 403 {
		t.Errorf("empty token: %d", w.Code)
	}
}

func TestHandlerOutcomes(t *testing.T) {
	s := memstore.New()
	h := newTestHandler(t, s, func(o *HandlerOptions) { o.MaxBodyBytes = 4096 })
	sent := readSample(t, "06-status-sent-pmp-marketing-v23.json")
	batch := readSample(t, "08-status-batch-read-delivered-auth-intl.json")
	errs := readSample(t, "11-value-level-errors.json")
	sys := readSample(t, "14-inbound-system-changed-number.json")
	truncated := sent[:len(sent)-10]
	huge := body(`{` + meta + `,"pad":"` + strings.Repeat("x", 5000) + `"}`)

	steps := []struct {
		name string
		body []byte
		sig  string
		code int
	}{
		{"sent", sent, Sign(sent, testSecret), 200},
		{"batch of two", batch, Sign(batch, testSecret), 200},
		{"re-delivered", sent, Sign(sent, testSecret), 200},
		{"value-level errors", errs, Sign(errs, testSecret), 200},
		{"system message", sys, Sign(sys, testSecret), 200},
		{"unsigned", sent, "", 401},
		{"signed with another secret", sent, Sign(sent, []byte("x")), 401},
		{"signature of another body", batch, Sign(sent, testSecret), 401},
		{"truncated", truncated, Sign(truncated, testSecret), 400},
		{"oversized", huge, Sign(huge, testSecret), 413},
	}
	for _, st := range steps {
		if w := post(h, st.body, st.sig); w.Code != st.code {
			t.Errorf("%s: %d %q, want %d", st.name, w.Code, w.Body, st.code)
		}
	}
	// Stored: sample 06 (1 event) and 08 (2 events); the re-delivery of 06
	// counts 1 duplicate. Nothing from the refused requests.
	want := Stats{Requests: 10, Accepted: 5, BadSignature: 3, Malformed: 1, TooLarge: 1,
		Events: 3, Duplicates: 1, PlatformErrors: 2, Ignored: 1}
	if got := h.Stats(); got != want {
		t.Errorf("stats\n got %+v\nwant %+v", got, want)
	}
	if n := s.Count("acme"); n != 3 {
		t.Errorf("%d events stored, want 3", n)
	}

	// Other methods.
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPut, "/webhook", nil))
	if w.Code != 405 || w.Header().Get("Allow") != "GET, POST" {
		t.Errorf("PUT: %d %v", w.Code, w.Header())
	}
}

// A body over the limit sent without Content-Length is cut at the limit.
func TestHandlerOversizedChunked(t *testing.T) {
	h := newTestHandler(t, memstore.New(), func(o *HandlerOptions) { o.MaxBodyBytes = 100 })
	big := bytes.Repeat([]byte("x"), 1<<20)
	r := httptest.NewRequest(http.MethodPost, "/webhook", io.MultiReader(bytes.NewReader(big)))
	r.ContentLength = -1
	r.Header.Set(SignatureHeader, Sign(big, testSecret))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 413 || h.Stats().TooLarge != 1 {
		t.Errorf("%d %+v", w.Code, h.Stats())
	}
}

type failingStore struct{ err error }

func (f failingStore) Append(context.Context, ...cm.Event) (cm.AppendResult, error) {
	return cm.AppendResult{}, f.err
}

func TestHandlerStoreFailures(t *testing.T) {
	sent := readSample(t, "06-status-sent-pmp-marketing-v23.json")
	sig := Sign(sent, testSecret)

	h := newTestHandler(t, failingStore{errors.New("disk full")}, nil)
	if w := post(h, sent, sig); w.Code != 500 || h.Stats().StoreFailed != 1 || h.Stats().Accepted != 0 {
		t.Errorf("store failure: %d %+v", w.Code, h.Stats())
	}

	// A conflict: the store holds the same id with other content, as after
	// a change of contact key.
	s := memstore.New()
	plain := newTestHandler(t, s, nil)
	if w := post(plain, sent, sig); w.Code != 200 {
		t.Fatal(w.Code)
	}
	keyed := newTestHandler(t, s, func(o *HandlerOptions) { o.Options.ContactKeys = map[string][]byte{"acme": testKey} })
	if w := post(keyed, sent, sig); w.Code != 409 || keyed.Stats().Conflicts != 1 {
		t.Errorf("conflict: %d %+v", w.Code, keyed.Stats())
	}
}

func TestHandlerUnrouted(t *testing.T) {
	h := newTestHandler(t, memstore.New(), func(o *HandlerOptions) { o.Options = Options{} })
	noID := []byte(strings.Replace(string(readSample(t, "06-status-sent-pmp-marketing-v23.json")), `"id": "100000000000001",`, "", 1))
	if w := post(h, noID, Sign(noID, testSecret)); w.Code != 422 || h.Stats().Unrouted != 1 {
		t.Errorf("%d %+v", w.Code, h.Stats())
	}
}

func TestHandlerInsecureSkipSignature(t *testing.T) {
	s := memstore.New()
	h, err := NewHandler(s, HandlerOptions{InsecureSkipSignature: true, Options: Options{Tenant: "acme"}})
	if err != nil {
		t.Fatal(err)
	}
	if w := post(h, readSample(t, "06-status-sent-pmp-marketing-v23.json"), ""); w.Code != 200 || s.Count("acme") != 1 {
		t.Errorf("%d", w.Code)
	}
}

func TestNewHandlerOptions(t *testing.T) {
	s := memstore.New()
	for name, tc := range map[string]struct {
		store cm.Appender
		opts  HandlerOptions
		want  string
	}{
		"no secret":      {s, HandlerOptions{}, "app secret: required"},
		"nil store":      {nil, HandlerOptions{AppSecret: testSecret}, "nil store"},
		"negative limit": {s, HandlerOptions{AppSecret: testSecret, MaxBodyBytes: -1}, "max body bytes -1"},
		"bad options":    {s, HandlerOptions{AppSecret: testSecret, Options: Options{HashMessageIDs: true}}, "hash_message_ids"},
	} {
		if _, err := NewHandler(tc.store, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
	}
}

// TestHandlerConcurrent posts every sample from several goroutines, twice
// each: the store ends with each event once (run with -race).
func TestHandlerConcurrent(t *testing.T) {
	s := memstore.New()
	h := newTestHandler(t, s, nil)
	bodies := allSamples(t)
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			for _, b := range bodies {
				if w := post(h, b, Sign(b, testSecret)); w.Code != 200 {
					t.Errorf("%d %s", w.Code, w.Body)
				}
			}
			done <- true
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
	st := h.Stats()
	if s.Count("acme") != samplesWaba1+samplesWaba2 || st.Events != samplesWaba1+samplesWaba2 || st.Duplicates != 3*(samplesWaba1+samplesWaba2) {
		t.Errorf("stored %d, stats %+v", s.Count("acme"), st)
	}
}
