package whatsapp

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	cm "github.com/convometrics/convometrics"
)

// DefaultMaxBodyBytes is the body size limit of a [Handler] whose options
// leave it 0: 3 MiB, the largest notification Meta documents sending.
const DefaultMaxBodyBytes = 3 << 20

// HandlerOptions configures a [Handler]. AppSecret is required unless
// InsecureSkipSignature is set; every other field's zero value works.
type HandlerOptions struct {
	// Options says how bodies become events (tenants, pseudonymisation).
	Options Options
	// AppSecret is the Meta app secret that signs webhooks
	// (X-Hub-Signature-256). Requests without a valid signature are
	// answered 401 and never parsed.
	AppSecret []byte
	// InsecureSkipSignature accepts unsigned requests. Only for local
	// tests: anyone who can reach the handler can then write events.
	InsecureSkipSignature bool
	// VerifyToken is the token configured in the app dashboard for the
	// subscription handshake (GET with hub.mode=subscribe). Empty: every
	// handshake is refused with 403.
	VerifyToken string
	// MaxBodyBytes limits a POST body; larger bodies are answered 413 and
	// not read. 0 means DefaultMaxBodyBytes; negative is an error.
	MaxBodyBytes int64
	// Logger receives one record per refused request, store failure and
	// platform error (level Warn or Error). Nil: nothing is logged.
	Logger *slog.Logger
}

// Handler is an http.Handler for a WhatsApp Cloud API callback URL. A GET
// answers the subscription handshake; a POST is verified, parsed and its
// events appended to the store before the reply, so a 200 means stored:
//
//	200  events stored (or already stored: re-deliveries are idempotent)
//	400  malformed body ([ErrMalformed]); nothing stored
//	401  missing or wrong X-Hub-Signature-256; nothing parsed
//	403  handshake refused (wrong hub.mode or hub.verify_token)
//	405  a method other than GET and POST
//	409  the store reports a conflict (an event id stored with other content,
//	     e.g. after the contact key changed); nothing stored
//	413  body larger than MaxBodyBytes; nothing read beyond the limit
//	422  no tenant for the webhook ([ErrUnknownTenant]); nothing stored
//	500  the store failed; nothing stored, and Meta will retry
//
// Every outcome is counted in [Handler.Stats]. Meta retries any answer
// other than 200 for up to 7 days, so a body refused for a reason the host
// can fix (a tenant route, a store outage) arrives again.
//
// A Handler is safe for concurrent use.
type Handler struct {
	store   cm.Appender
	parser  *Parser
	secret  []byte
	skipSig bool
	token   string
	max     int64
	log     *slog.Logger
	bufs    sync.Pool

	requests, verified, verifyRefused, methodRefused atomic.Int64
	tooLarge, readFailed, badSignature               atomic.Int64
	malformed, unrouted, conflicts, storeFailed      atomic.Int64
	accepted, events, duplicates, platformErrors     atomic.Int64
	ignored                                          atomic.Int64
}

// NewHandler returns a handler that appends to store, or an error for
// invalid options.
func NewHandler(store cm.Appender, opts HandlerOptions) (*Handler, error) {
	if store == nil {
		return nil, errors.New("whatsapp: handler: nil store")
	}
	if len(opts.AppSecret) == 0 && !opts.InsecureSkipSignature {
		return nil, fmt.Errorf("whatsapp: handler: app secret: %w (set InsecureSkipSignature to accept unsigned requests)", cm.ErrRequired)
	}
	if opts.MaxBodyBytes < 0 {
		return nil, fmt.Errorf("whatsapp: handler: max body bytes %d: %w", opts.MaxBodyBytes, cm.ErrInvalidValue)
	}
	p, err := NewParser(opts.Options)
	if err != nil {
		return nil, err
	}
	h := &Handler{
		store:   store,
		parser:  p,
		secret:  append([]byte(nil), opts.AppSecret...),
		skipSig: opts.InsecureSkipSignature,
		token:   opts.VerifyToken,
		max:     opts.MaxBodyBytes,
		log:     opts.Logger,
	}
	if h.max == 0 {
		h.max = DefaultMaxBodyBytes
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h, nil
}

// Stats counts what a [Handler] did since it was created. Every request is
// counted in Requests and in exactly one of the outcome counters (Verified
// through Accepted).
type Stats struct {
	Requests int64 `json:"requests"`

	Verified      int64 `json:"verified"`       // handshakes answered with the challenge (200)
	VerifyRefused int64 `json:"verify_refused"` // handshakes refused (403)
	MethodRefused int64 `json:"method_refused"` // neither GET nor POST (405)
	TooLarge      int64 `json:"too_large"`      // bodies over the limit (413)
	ReadFailed    int64 `json:"read_failed"`    // bodies that could not be read (400)
	BadSignature  int64 `json:"bad_signature"`  // missing or wrong signature (401)
	Malformed     int64 `json:"malformed"`      // malformed bodies (400)
	Unrouted      int64 `json:"unrouted"`       // bodies without a tenant (422)
	Conflicts     int64 `json:"conflicts"`      // bodies whose events conflict with stored ones (409)
	StoreFailed   int64 `json:"store_failed"`   // bodies the store failed to append (500)
	Accepted      int64 `json:"accepted"`       // bodies stored (200)

	// Of the accepted bodies:
	Events         int64 `json:"events"`          // events newly stored
	Duplicates     int64 `json:"duplicates"`      // events already stored (re-deliveries)
	PlatformErrors int64 `json:"platform_errors"` // value-level errors WhatsApp reported (see PlatformError)
	Ignored        int64 `json:"ignored"`         // parts that give no event (see Ignored)
}

// Stats returns a snapshot of the counters. Counters are read one by one
// while requests run, so a snapshot taken under load may be off by the
// requests in flight.
func (h *Handler) Stats() Stats {
	return Stats{
		Requests:       h.requests.Load(),
		Verified:       h.verified.Load(),
		VerifyRefused:  h.verifyRefused.Load(),
		MethodRefused:  h.methodRefused.Load(),
		TooLarge:       h.tooLarge.Load(),
		ReadFailed:     h.readFailed.Load(),
		BadSignature:   h.badSignature.Load(),
		Malformed:      h.malformed.Load(),
		Unrouted:       h.unrouted.Load(),
		Conflicts:      h.conflicts.Load(),
		StoreFailed:    h.storeFailed.Load(),
		Accepted:       h.accepted.Load(),
		Events:         h.events.Load(),
		Duplicates:     h.duplicates.Load(),
		PlatformErrors: h.platformErrors.Load(),
		Ignored:        h.ignored.Load(),
	}
}

// ServeHTTP answers the handshake (GET) or stores a notification (POST).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.requests.Add(1)
	switch r.Method {
	case http.MethodGet:
		h.handshake(w, r)
	case http.MethodPost:
		h.notification(w, r)
	default:
		h.methodRefused.Add(1)
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// maxChallenge bounds the challenge echoed in a handshake.
const maxChallenge = 256

func (h *Handler) handshake(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	challenge := q.Get("hub.challenge")
	ok := h.token != "" && q.Get("hub.mode") == "subscribe" &&
		subtle.ConstantTimeCompare([]byte(q.Get("hub.verify_token")), []byte(h.token)) == 1 &&
		challenge != "" && len(challenge) <= maxChallenge && printable(challenge)
	if !ok {
		h.verifyRefused.Add(1)
		h.log.Warn("whatsapp webhook: handshake refused", "mode", q.Get("hub.mode"), "remote", r.RemoteAddr)
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	h.verified.Add(1)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	io.WriteString(w, challenge)
}

// printable reports whether s is visible ASCII without spaces.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// maxPooledBuffer is the largest body buffer kept for reuse.
const maxPooledBuffer = 256 << 10

func (h *Handler) notification(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > h.max {
		h.refuseLarge(w, r)
		return
	}
	buf, _ := h.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			h.bufs.Put(buf)
		}
	}()
	buf.Reset()
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	if _, err := buf.ReadFrom(io.LimitReader(r.Body, h.max+1)); err != nil {
		h.readFailed.Add(1)
		h.log.Warn("whatsapp webhook: reading the body failed", "err", err, "remote", r.RemoteAddr)
		http.Error(w, "could not read body", http.StatusBadRequest)
		return
	}
	if int64(buf.Len()) > h.max {
		h.refuseLarge(w, r)
		return
	}
	body := buf.Bytes()
	if !h.skipSig {
		if err := VerifySignature(body, r.Header.Get(SignatureHeader), h.secret); err != nil {
			h.badSignature.Add(1)
			h.log.Warn("whatsapp webhook: signature refused", "err", err, "remote", r.RemoteAddr)
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
	}
	res, err := h.parser.Parse(body)
	if err != nil {
		if errors.Is(err, ErrUnknownTenant) {
			h.unrouted.Add(1)
			h.log.Error("whatsapp webhook: no tenant", "err", err)
			http.Error(w, "no tenant for this webhook", http.StatusUnprocessableEntity)
			return
		}
		h.malformed.Add(1)
		h.log.Warn("whatsapp webhook: malformed body", "err", err, "bytes", len(body), "remote", r.RemoteAddr)
		http.Error(w, "malformed webhook body", http.StatusBadRequest)
		return
	}
	var ar cm.AppendResult
	if len(res.Events) > 0 {
		ar, err = h.store.Append(r.Context(), res.Events...)
		if err != nil {
			if errors.Is(err, cm.ErrConflict) {
				h.conflicts.Add(1)
				h.log.Error("whatsapp webhook: conflict with stored events", "err", err)
				http.Error(w, "conflict with stored events", http.StatusConflict)
				return
			}
			h.storeFailed.Add(1)
			h.log.Error("whatsapp webhook: store failed", "err", err, "events", len(res.Events))
			http.Error(w, "store failed", http.StatusInternalServerError)
			return
		}
	}
	h.accepted.Add(1)
	h.events.Add(int64(ar.Appended))
	h.duplicates.Add(int64(ar.Duplicates))
	h.platformErrors.Add(int64(len(res.Errors)))
	h.ignored.Add(int64(len(res.Ignored)))
	for i := range res.Errors {
		e := &res.Errors[i]
		h.log.Warn("whatsapp webhook: platform error", "tenant", e.Tenant, "phone_number_id", e.PhoneNumberID,
			"code", e.Code, "message", e.Message, "details", e.Details)
	}
	w.WriteHeader(http.StatusOK)
}

func (h *Handler) refuseLarge(w http.ResponseWriter, r *http.Request) {
	h.tooLarge.Add(1)
	h.log.Warn("whatsapp webhook: body too large", "limit", h.max, "content_length", r.ContentLength, "remote", r.RemoteAddr)
	http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
}
