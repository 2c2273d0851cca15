package dashboard_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/credits"
	"github.com/convometrics/convometrics/dashboard"
	"github.com/convometrics/convometrics/memstore"
	"github.com/convometrics/convometrics/session"
	"github.com/shopspring/decimal"
)

var istanbul = mustZone("Europe/Istanbul")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// fixture: tenant acme, Monday 2026-11-02 in Istanbul (UTC+3). Contact c1
// writes at 10:00 and 10:05 local, the bot answers at 10:01; contact c2
// writes at 11:00. Another tenant has a message that must never show. A
// payment link and its payment give chatbot revenue of 129.90 TRY.
func fixture(t *testing.T) *memstore.Store {
	t.Helper()
	at := func(h, m int) time.Time { return time.Date(2026, 11, 2, h, m, 0, 0, istanbul) }
	evs := []cm.Event{
		{ID: "m1", Tenant: "acme", Type: cm.MessageReceived, Time: at(10, 0), Channel: cm.ChannelWhatsApp, Inbox: "p1", Contact: "c1", Conversation: "v1", Message: "w1"},
		{ID: "m2", Tenant: "acme", Type: cm.MessageSent, Time: at(10, 1), Channel: cm.ChannelWhatsApp, Inbox: "p1", Contact: "c1", Conversation: "v1", Message: "w2", Sender: cm.SenderBot},
		{ID: "m3", Tenant: "acme", Type: cm.MessageReceived, Time: at(10, 5), Channel: cm.ChannelWhatsApp, Inbox: "p1", Contact: "c1", Conversation: "v1", Message: "w3"},
		{ID: "m4", Tenant: "acme", Type: cm.MessageReceived, Time: at(11, 0), Channel: cm.ChannelWhatsApp, Inbox: "p1", Contact: "c2", Conversation: "v2", Message: "w4"},
		{ID: "l1", Tenant: "acme", Type: cm.PaymentLink, Time: at(10, 2), Channel: cm.ChannelWhatsApp, Contact: "c1", Conversation: "v1", Link: "L1", Amount: decimal.RequireFromString("129.90"), Currency: "TRY", Campaign: "bf"},
		{ID: "p1", Tenant: "acme", Type: cm.PaymentSucceeded, Time: at(10, 30), Contact: "c1", Link: "L1", Payment: "P1", Amount: decimal.RequireFromString("129.90"), Currency: "TRY"},
		{ID: "x1", Tenant: "other", Type: cm.MessageReceived, Time: at(10, 0), Contact: "c1", Message: "wx"},
	}
	s := memstore.New()
	if _, err := s.Append(context.Background(), evs...); err != nil {
		t.Fatal(err)
	}
	return s
}

// roles: the X-Role header is the caller's role; no header is not logged in.
func roles(r *http.Request, tenant string) (string, error) {
	role := r.Header.Get("X-Role")
	if role == "" {
		return "", dashboard.ErrUnauthenticated
	}
	return role, nil
}

func newHandler(t *testing.T, card *credits.RateCard) http.Handler {
	return newHandlerWith(t, func(o *dashboard.Options) { o.RateCard = card })
}

// newHandlerWith serves the fixture in Istanbul at 18:00 on 2 Nov, with
// the options set changes.
func newHandlerWith(t *testing.T, set func(*dashboard.Options)) http.Handler {
	t.Helper()
	opts := dashboard.Options{
		Reader:    fixture(t),
		Authorize: dashboard.RequireRole(roles),
		Calendar: func(ctx context.Context, tenant string) (cm.Calendar, error) {
			return cm.NewCalendar(istanbul), nil
		},
		Now: func() time.Time { return time.Date(2026, 11, 2, 18, 0, 0, 0, istanbul) },
	}
	set(&opts)
	h, err := dashboard.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(t *testing.T, h http.Handler, path, role string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if role != "" {
		req.Header.Set("X-Role", role)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestNewRequiresAuthorizerAndReader(t *testing.T) {
	if _, err := dashboard.New(dashboard.Options{Reader: memstore.New()}); !errors.Is(err, dashboard.ErrNoAuthorizer) {
		t.Errorf("no authorizer: %v", err)
	}
	if _, err := dashboard.New(dashboard.Options{Authorize: dashboard.RequireRole(roles)}); !errors.Is(err, dashboard.ErrNoReader) {
		t.Errorf("no reader: %v", err)
	}
}

func TestAuthorization(t *testing.T) {
	h := newHandler(t, nil)
	for _, tc := range []struct {
		role string
		code int
	}{{"", http.StatusUnauthorized}, {"agent", http.StatusForbidden}, {"admin", http.StatusOK}, {"owner", http.StatusOK}} {
		if rec := get(t, h, "/acme/overview", tc.role); rec.Code != tc.code {
			t.Errorf("role %q: %d, want %d (%s)", tc.role, rec.Code, tc.code, rec.Body)
		}
	}
	// The refusal says nothing about why.
	if rec := get(t, h, "/acme/overview", "agent"); strings.TrimSpace(rec.Body.String()) != "forbidden" {
		t.Errorf("403 body %q", rec.Body)
	}
}

func TestOverviewJSON(t *testing.T) {
	rec := get(t, newHandler(t, nil), "/acme/overview", "admin")
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var doc struct {
		Scope  dashboard.Scope `json:"scope"`
		Result struct {
			Messages struct {
				R struct{ Total int } `json:"received"`
				B struct{ Total int } `json:"by_bot"`
			} `json:"messages"`
			Contacts struct{ Total int } `json:"contacts"`
		} `json:"result"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	// last_7_days at Monday 18:00 Istanbul: 2026-10-27 00:00 to 2026-11-03
	// 00:00 local. Three inbound messages (c1 twice, c2 once) and one bot
	// reply from two contacts; tenant other's message is not counted.
	wantFrom := time.Date(2026, 10, 27, 0, 0, 0, 0, istanbul)
	if !doc.Scope.Range.From.Equal(wantFrom) || doc.Scope.TimeZone != "Europe/Istanbul" {
		t.Errorf("scope %+v", doc.Scope)
	}
	if doc.Result.Messages.R.Total != 3 || doc.Result.Messages.B.Total != 1 || doc.Result.Contacts.Total != 2 {
		t.Errorf("received %d, by bot %d, contacts %d; want 3, 1, 2", doc.Result.Messages.R.Total, doc.Result.Messages.B.Total, doc.Result.Contacts.Total)
	}
}

func TestPaymentsCSV(t *testing.T) {
	rec := get(t, newHandler(t, nil), "/acme/payments?format=csv&from=2026-11-01&to=2026-11-02", "owner")
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("content type %q", ct)
	}
	// The one payment matched its link by id.
	if body := rec.Body.String(); !strings.Contains(body, "P1") || !strings.Contains(body, "129.9") {
		t.Errorf("payments CSV lacks P1 and its amount:\n%s", body)
	}
}

func TestBadParameters(t *testing.T) {
	h := newHandler(t, nil)
	for path, want := range map[string]string{
		"/acme/overview?preset=last_year":                                 "preset",
		"/acme/overview?from=2026-11-01":                                  "from and to go together",
		"/acme/overview?from=2026-01-01&to=2026-12-31":                    "range too long",
		"/acme/overview?bucket=fortnight":                                 "bucket",
		"/acme/overview?format=xml":                                       "format",
		"/acme/overview?colour=red":                                       "colour: unknown parameter",
		"/acme/attribution?model=magic":                                   "model",
		"/acme/overview?include_test=maybe":                               "include_test",
		"/acme/overview?now=yesterday":                                    "now",
		"/acme/overview?preset=last_7_days&from=2026-11-01&to=2026-11-02": "preset",
	} {
		rec := get(t, h, path, "admin")
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("%s: %d %q, want 400 mentioning %q", path, rec.Code, rec.Body, want)
		}
	}
	if rec := get(t, h, "/acme/nonsense", "admin"); rec.Code != http.StatusNotFound {
		t.Errorf("unknown report: %d", rec.Code)
	}
	if rec := get(t, h, "/acme/credits", "admin"); rec.Code != http.StatusNotImplemented {
		t.Errorf("credits without a card: %d %s", rec.Code, rec.Body)
	}
}

func TestEveryReportAnswers(t *testing.T) {
	h := newHandler(t, credits.DemoCard())
	for _, name := range []string{"overview", "agents", "assist", "windows", "commerce", "campaigns", "goals", "flows", "attribution", "payments", "credits"} {
		for _, format := range []string{"json", "csv"} {
			if rec := get(t, h, "/acme/"+name+"?format="+format, "admin"); rec.Code != http.StatusOK {
				t.Errorf("%s as %s: %d %s", name, format, rec.Code, rec.Body)
			}
		}
	}
}

// brokenReader is a store whose scans fail.
type brokenReader struct{}

func (brokenReader) Scan(ctx context.Context, q cm.Query) iter.Seq2[cm.Event, error] {
	return func(yield func(cm.Event, error) bool) { yield(cm.Event{}, errors.New("disk on fire")) }
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestStoreErrorIsHidden(t *testing.T) {
	h, err := dashboard.New(dashboard.Options{
		Reader:    brokenReader{},
		Authorize: dashboard.AuthorizerFunc(func(*http.Request, string) error { return nil }),
		Logger:    discardLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := get(t, h, "/acme/overview", "")
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "disk") {
		t.Errorf("%d %q: want 500 without the store's message", rec.Code, rec.Body)
	}
}

// Options.Sessions reach the session routes. The fixture never resolves a
// conversation: at Now (18:00) v1 (last event 10:30) and v2 (11:00) are
// both still active without a timeout, and both ended (at 11:30 and 12:00)
// with InactivityTimeout 1h, which leaves c1 and c2 idle.
func TestSessionOptions(t *testing.T) {
	end := func(opts session.Options) session.Snapshot {
		t.Helper()
		h := newHandlerWith(t, func(o *dashboard.Options) { o.Sessions = opts })
		rec := get(t, h, "/acme/overview", "admin")
		var doc struct {
			Result struct {
				End session.Snapshot `json:"end"`
			} `json:"result"`
		}
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &doc) != nil {
			t.Fatalf("%d: %s", rec.Code, rec.Body)
		}
		return doc.Result.End
	}
	if e := end(session.Options{}); e.Active != 2 || e.IdleContacts != 0 {
		t.Errorf("no timeout: active %d idle %d, want 2 0", e.Active, e.IdleContacts)
	}
	if e := end(session.Options{InactivityTimeout: session.Duration(time.Hour)}); e.Active != 0 || e.IdleContacts != 2 || e.Resolved != 0 {
		t.Errorf("timeout 1h: active %d idle %d resolved %d, want 0 2 0", e.Active, e.IdleContacts, e.Resolved)
	}
}
