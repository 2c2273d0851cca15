// Command webhook is a small WhatsApp Cloud API callback server: it mounts
// the whatsapp adapter's handler on the in-memory store and serves an
// overview of what arrived.
//
//	WHATSAPP_APP_SECRET=... WHATSAPP_VERIFY_TOKEN=... go run ./examples/webhook -addr :8080
//
// Point the app's webhook (callback URL https://<host>/webhook, verify token
// as above) at it and subscribe to the "messages" field. Routes:
//
//	GET  /webhook    the subscription handshake
//	POST /webhook    notifications (signed with the app secret)
//	GET  /overview   ?tenant=T&days=N&now=RFC3339&tz=Zone: what arrived (deliveries, reads, carts), as JSON
//	GET  /stats      the handler's counters, as JSON
//	GET  /analytics/{tenant}/{report}  every engine's results (package dashboard), for admins
//
// The analytics routes are for a tenant's admins and owners: the example
// lets in requests carrying "Authorization: Bearer $DASHBOARD_TOKEN" as an
// admin of every tenant (a real host looks the caller's role up in its own
// accounts). Without DASHBOARD_TOKEN they are closed.
//
// To try it without Meta, run with -insecure (no signature check) and post a
// sample body:
//
//	go run ./examples/webhook -insecure -tenant acme &
//	curl -d @whatsapp/testdata/06-status-sent-pmp-marketing-v23.json localhost:8080/webhook
//	curl 'localhost:8080/overview?tenant=acme&now=2026-03-10T18:00:00Z'
//	curl -H "Authorization: Bearer $DASHBOARD_TOKEN" 'localhost:8080/analytics/acme/overview?now=2026-03-10T18:00:00Z'
//
// With WHATSAPP_CONTACT_KEY set (at least 16 bytes), contacts are stored as
// pseudonyms.
package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/credits"
	"github.com/convometrics/convometrics/dashboard"
	"github.com/convometrics/convometrics/memstore"
	"github.com/convometrics/convometrics/session"
	"github.com/convometrics/convometrics/whatsapp"
)

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	tenant := flag.String("tenant", "", "tenant of every webhook (default: the WABA id)")
	insecure := flag.Bool("insecure", false, "accept unsigned webhooks (local tests only)")
	flag.Parse()

	opts := whatsapp.HandlerOptions{
		AppSecret:             []byte(os.Getenv("WHATSAPP_APP_SECRET")),
		VerifyToken:           os.Getenv("WHATSAPP_VERIFY_TOKEN"),
		InsecureSkipSignature: *insecure,
		Options:               whatsapp.Options{Tenant: *tenant},
		Logger:                slog.Default(),
	}
	if k := os.Getenv("WHATSAPP_CONTACT_KEY"); k != "" {
		opts.Options.ContactKeys = map[string][]byte{"": []byte(k)}
	}
	srv, err := newServer(memstore.New(), opts, os.Getenv("DASHBOARD_TOKEN"))
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s", *addr)
	hs := &http.Server{Addr: *addr, Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(hs.ListenAndServe())
}

// server is the example's HTTP surface.
type server struct {
	store   *memstore.Store
	webhook *whatsapp.Handler
	mux     *http.ServeMux
}

func newServer(store *memstore.Store, opts whatsapp.HandlerOptions, dashboardToken string) (*server, error) {
	h, err := whatsapp.NewHandler(store, opts)
	if err != nil {
		return nil, err
	}
	dash, err := dashboard.New(dashboard.Options{
		Reader: store,
		Authorize: dashboard.RequireRole(func(r *http.Request, tenant string) (string, error) {
			tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || dashboardToken == "" {
				return "", dashboard.ErrUnauthenticated
			}
			if subtle.ConstantTimeCompare([]byte(tok), []byte(dashboardToken)) != 1 {
				return "", dashboard.ErrForbidden
			}
			return "admin", nil
		}),
		RateCard: credits.DemoCard(), // an example card: replace with the host's own prices
		// WhatsApp webhooks never resolve a conversation: end a session
		// after a day without an event.
		Sessions: session.Options{InactivityTimeout: session.Duration(24 * time.Hour)},
	})
	if err != nil {
		return nil, err
	}
	s := &server{store: store, webhook: h, mux: http.NewServeMux()}
	s.mux.Handle("/webhook", h)
	s.mux.Handle("/analytics/", http.StripPrefix("/analytics", dash))
	s.mux.HandleFunc("GET /overview", s.overview)
	s.mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, h.Stats()) })
	return s, nil
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// overview is what GET /overview returns for one tenant over the last Days
// calendar days (in TimeZone) up to Now. Definitions:
//
//   - received: message.received events in the period; contacts: distinct
//     contacts among them.
//   - outbound: distinct messages with a sent, delivered, read, played or
//     failed status in the period (statuses WhatsApp does not document
//     stay out); delivered: those with delivered, read or played (a read
//     implies a delivery, which WhatsApp then skips); read: those with read
//     or played; failed: those with failed and no delivery. Each message
//     counts once whatever the number of statuses.
//   - delivery rate = delivered / outbound; read rate = read / delivered.
//   - carts: the sum of cart.added amounts, per currency.
type overview struct {
	Tenant       string         `json:"tenant"`
	TimeZone     string         `json:"time_zone"`
	Range        cm.Range       `json:"range"`
	Received     int            `json:"received"`
	Contacts     int            `json:"contacts"`
	Outbound     int            `json:"outbound"`
	Delivered    int            `json:"delivered"`
	Read         int            `json:"read"`
	Failed       int            `json:"failed"`
	DeliveryRate cm.Rate        `json:"delivery_rate"`
	ReadRate     cm.Rate        `json:"read_rate"`
	Carts        cm.Amounts     `json:"carts"`
	Webhooks     whatsapp.Stats `json:"webhooks"`
}

func (s *server) overview(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tenant := q.Get("tenant")
	if tenant == "" {
		http.Error(w, "tenant required", http.StatusBadRequest)
		return
	}
	days := 7
	if d := q.Get("days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > cm.MaxCustomDays {
			http.Error(w, "days: want 1 to 90", http.StatusBadRequest)
			return
		}
		days = n
	}
	now := time.Now()
	if v := q.Get("now"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			http.Error(w, "now: want an RFC 3339 time", http.StatusBadRequest)
			return
		}
		now = t
	}
	loc := time.UTC
	if tz := q.Get("tz"); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			http.Error(w, "tz: unknown time zone", http.StatusBadRequest)
			return
		}
		loc = l
	}
	o, err := computeOverview(r.Context(), s.store, tenant, cm.NewCalendar(loc).LastDays(days, now))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	o.TimeZone = loc.String()
	o.Webhooks = s.webhook.Stats()
	writeJSON(w, o)
}

// Per-message status flags.
const (
	stSent = 1 << iota
	stDelivered
	stRead
	stFailed
)

func computeOverview(ctx context.Context, r cm.Reader, tenant string, rg cm.Range) (*overview, error) {
	o := &overview{Tenant: tenant, Range: rg, Carts: cm.Amounts{}}
	contacts := map[string]bool{}
	messages := map[string]uint8{}
	for ev, err := range r.Scan(ctx, cm.Query{Tenant: tenant, Range: rg,
		Types: []cm.Type{cm.MessageReceived, cm.MessageStatus, cm.CartAdded}}) {
		if err != nil {
			return nil, err
		}
		switch ev.Type {
		case cm.MessageReceived:
			o.Received++
			contacts[ev.Contact] = true
		case cm.CartAdded:
			o.Carts = o.Carts.Add(ev.Currency, ev.Amount)
		case cm.MessageStatus:
			var f uint8
			switch ev.Status {
			case cm.StatusSent:
				f = stSent
			case cm.StatusDelivered:
				f = stDelivered
			case cm.StatusRead, cm.StatusPlayed:
				f = stDelivered | stRead
			case cm.StatusFailed:
				f = stFailed
			default:
				continue
			}
			messages[ev.Message] |= f
		}
	}
	o.Contacts = len(contacts)
	o.Outbound = len(messages)
	for _, f := range messages {
		switch {
		case f&stDelivered != 0:
			o.Delivered++
			if f&stRead != 0 {
				o.Read++
			}
		case f&stFailed != 0:
			o.Failed++
		}
	}
	o.DeliveryRate = cm.RateOf(o.Delivered, o.Outbound)
	o.ReadRate = cm.RateOf(o.Read, o.Delivered)
	return o, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "writing response:", err)
	}
}
