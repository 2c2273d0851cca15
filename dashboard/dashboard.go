// Package dashboard serves every engine's results over HTTP, as JSON or
// CSV, for a host's admin pages and exports. Analytics are for a tenant's
// admins and owners only, so a Handler cannot be built without an
// [Authorizer]: every request is authorized for its tenant before anything
// is read.
//
// # Routes
//
// Every route is GET /{tenant}/{report}, relative to where the host mounts
// the handler (use http.StripPrefix for a prefix):
//
//	overview     sessions, contacts, messages, response times, cost (package session)
//	agents       agent, team, member and inbox performance (session)
//	assist       agent-assist usage and accuracy (session)
//	windows      24-hour customer-service windows (session)
//	commerce     initiated conversations → add to carts → conversions, revenue (funnel)
//	campaigns    campaign deployments per campaign and version (funnel)
//	goals        goal conversions (goals; the configured goals, else the defaults)
//	flows        flows triggered and drop-out per node (goals)
//	attribution  revenue by campaign, template, flow, agent… (attribution)
//	payments     matched and unmatched payments, unpaid links (attribution)
//	credits      credits used, balance, history, forecast (credits; needs a rate card)
//
// # Parameters
//
// Query parameters, all optional:
//
//	preset        last_7_days (default), last_15_days or last_30_days, ending with today in the tenant's zone
//	from, to      a custom range of local dates, YYYY-MM-DD, both inclusive, at most 90 days
//	now           the instant presets count back from and snapshots are taken at (RFC 3339; default: the clock)
//	bucket        time-series buckets: hour, day (default), week or month
//	format        json (default) or csv
//	include_test  true to count test-channel traffic
//	model, by     attribution model and dimension; by is also the credits breakdown
//	lookback      attribution lookback, e.g. 30d or 72h
//
// A JSON response is {"scope": {...}, "result": {...}}, the result being the
// engine's result struct; a CSV response is the result's tables, each
// preceded by a "# name" line. Bad parameters get 400 with a message naming
// the parameter; a request Authorize refuses gets 401 or 403 with no detail;
// a store error gets 500 and is logged, not shown.
package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/attribution"
	"github.com/convometrics/convometrics/credits"
	"github.com/convometrics/convometrics/funnel"
	"github.com/convometrics/convometrics/goals"
	"github.com/convometrics/convometrics/session"
)

// Sentinel errors an Authorizer returns (wrapped or not) to choose the
// response: ErrUnauthenticated gives 401, anything else 403.
var (
	ErrUnauthenticated = errors.New("dashboard: not authenticated")
	ErrForbidden       = errors.New("dashboard: forbidden")
	// ErrNoAuthorizer is returned by New when Options.Authorize is nil.
	ErrNoAuthorizer = errors.New("dashboard: an Authorizer is required")
	// ErrNoReader is returned by New when Options.Reader is nil.
	ErrNoReader = errors.New("dashboard: a Reader is required")
)

// Authorizer decides whether a request may read a tenant's analytics. It
// returns nil to allow; an error to refuse (see [ErrUnauthenticated]).
type Authorizer interface {
	Authorize(r *http.Request, tenant string) error
}

// AuthorizerFunc adapts a function to [Authorizer].
type AuthorizerFunc func(r *http.Request, tenant string) error

// Authorize calls f.
func (f AuthorizerFunc) Authorize(r *http.Request, tenant string) error { return f(r, tenant) }

// DefaultRoles are the roles analytics are for.
var DefaultRoles = []string{"admin", "owner"}

// RequireRole returns an Authorizer that allows a request when role, which
// looks up the caller's role in the tenant (from a session, a token, …),
// returns one of roles (DefaultRoles when none are given). An error from
// role refuses the request and is passed on (so role can return
// ErrUnauthenticated for a missing login).
func RequireRole(role func(r *http.Request, tenant string) (string, error), roles ...string) Authorizer {
	if len(roles) == 0 {
		roles = DefaultRoles
	}
	allowed := append([]string(nil), roles...)
	return AuthorizerFunc(func(r *http.Request, tenant string) error {
		got, err := role(r, tenant)
		if err != nil {
			return err
		}
		for _, a := range allowed {
			if got == a {
				return nil
			}
		}
		return fmt.Errorf("%w: role %q", ErrForbidden, got)
	})
}

// Options configure a Handler. Reader and Authorize are required.
type Options struct {
	// Reader is the store the analytics are computed from.
	Reader cm.Reader
	// Authorize is asked about every request before anything is read.
	Authorize Authorizer
	// Calendar returns a tenant's calendar (time zone, week start); nil
	// means UTC with weeks from Monday for every tenant.
	Calendar func(ctx context.Context, tenant string) (cm.Calendar, error)
	// RateCard prices messages: the credits route needs it (it answers
	// 501 without one), and the overview's conversation cost uses it (else
	// the per-message amounts recorded on message.sent events).
	RateCard *credits.RateCard
	// Goals are what the goals route evaluates; nil means
	// goals.DefaultGoals for the range.
	Goals []goals.Goal
	// Sessions choose the session engine's variants for the overview,
	// agents, assist and windows routes; the zero value is the package's
	// definitions. A host that never sends conversation.resolved (events
	// straight from WhatsApp webhooks) should set InactivityTimeout, e.g.
	// 24h, or its sessions never end.
	Sessions session.Options
	// Now is the clock presets count back from (time.Now when nil).
	Now func() time.Time
	// Logger receives store errors (slog.Default when nil).
	Logger *slog.Logger
}

// Handler serves the routes of the package documentation. It is safe for
// concurrent use.
type Handler struct {
	opts Options
	mux  *http.ServeMux
}

// New returns a Handler, or an error when a required option is missing or
// the rate card or goals are invalid.
func New(opts Options) (*Handler, error) {
	if opts.Reader == nil {
		return nil, ErrNoReader
	}
	if opts.Authorize == nil {
		return nil, ErrNoAuthorizer
	}
	if opts.RateCard != nil {
		if err := opts.RateCard.Validate(); err != nil {
			return nil, fmt.Errorf("dashboard: rate card: %w", err)
		}
	}
	if opts.Goals != nil {
		if err := goals.ValidateGoals(opts.Goals); err != nil {
			return nil, fmt.Errorf("dashboard: %w", err) // "dashboard: goals: goals[1].name: ..."
		}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	h := &Handler{opts: opts, mux: http.NewServeMux()}
	for name, rep := range reports() {
		h.mux.Handle("GET /{tenant}/"+name, h.serve(name, rep))
	}
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Scope is what a request asked about, echoed in JSON responses.
type Scope struct {
	Tenant      string         `json:"tenant"`
	Report      string         `json:"report"`
	Range       cm.Range       `json:"range"`
	TimeZone    string         `json:"time_zone"`
	Granularity cm.Granularity `json:"granularity"`
	Now         time.Time      `json:"now"`
	IncludeTest bool           `json:"include_test"`
}

// request is a parsed request.
type request struct {
	Scope
	cal    cm.Calendar
	params map[string]string
}

// paramError is a bad parameter, answered with 400.
type paramError struct{ name, msg string }

func (e *paramError) Error() string { return e.name + ": " + e.msg }

// errNoCard is answered with 501.
var errNoCard = errors.New("no rate card is configured for this dashboard")

// result is what a report returns: JSON data and tables.
type result interface{ Tables() []cm.Table }

type report func(ctx context.Context, h *Handler, q *request) (result, error)

func (h *Handler) serve(name string, rep report) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant := r.PathValue("tenant")
		if err := h.opts.Authorize.Authorize(r, tenant); err != nil {
			if errors.Is(err, ErrUnauthenticated) {
				http.Error(w, "not authenticated", http.StatusUnauthorized)
			} else {
				http.Error(w, "forbidden", http.StatusForbidden)
			}
			return
		}
		q, err := h.parse(r, tenant, name)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		res, err := rep(r.Context(), h, q)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if q.params["format"] == "csv" {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", tenant+"-"+name+".csv"))
			writeCSV(w, res.Tables())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(struct {
			Scope  Scope `json:"scope"`
			Result any   `json:"result"`
		}{q.Scope, res})
	})
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var pe *paramError
	switch {
	case errors.As(err, &pe):
		http.Error(w, err.Error(), http.StatusBadRequest)
	case errors.Is(err, errNoCard):
		http.Error(w, err.Error(), http.StatusNotImplemented)
	case errors.Is(err, cm.ErrRangeTooLong), errors.Is(err, cm.ErrEmptyRange),
		errors.Is(err, cm.ErrInvalidValue), errors.Is(err, cm.ErrUnknownValue), errors.Is(err, cm.ErrRequired):
		http.Error(w, err.Error(), http.StatusBadRequest)
	case r.Context().Err() != nil:
		// The client went away; nothing to answer.
	default:
		h.opts.Logger.ErrorContext(r.Context(), "dashboard: report failed", "path", r.URL.Path, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

var knownParams = []string{"preset", "from", "to", "now", "bucket", "format", "include_test", "model", "by", "lookback"}

func (h *Handler) parse(r *http.Request, tenant, name string) (*request, error) {
	q := &request{params: map[string]string{}}
	vals := r.URL.Query()
	for k, v := range vals {
		known := false
		for _, p := range knownParams {
			known = known || p == k
		}
		if !known {
			return nil, &paramError{k, "unknown parameter"}
		}
		if len(v) > 1 {
			return nil, &paramError{k, "given more than once"}
		}
		q.params[k] = v[0]
	}
	q.Tenant, q.Report = tenant, name
	q.cal = cm.NewCalendar(time.UTC)
	if h.opts.Calendar != nil {
		cal, err := h.opts.Calendar(r.Context(), tenant)
		if err != nil {
			return nil, err
		}
		q.cal = cal
	}
	q.TimeZone = q.cal.Location().String()
	q.Now = h.opts.Now()
	if s := q.params["now"]; s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, &paramError{"now", "want an RFC 3339 time"}
		}
		q.Now = t
	}
	q.Now = q.Now.In(q.cal.Location())
	switch f := q.params["format"]; f {
	case "", "json", "csv":
	default:
		return nil, &paramError{"format", fmt.Sprintf("%q: want json or csv", f)}
	}
	q.Granularity = cm.Day
	if s := q.params["bucket"]; s != "" {
		g, err := cm.ParseGranularity(s)
		if err != nil {
			return nil, &paramError{"bucket", "want hour, day, week or month"}
		}
		q.Granularity = g
	}
	if s := q.params["include_test"]; s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, &paramError{"include_test", "want true or false"}
		}
		q.IncludeTest = b
	}
	from, to := q.params["from"], q.params["to"]
	switch {
	case from != "" || to != "":
		if from == "" || to == "" {
			return nil, &paramError{"from", "from and to go together"}
		}
		if q.params["preset"] != "" {
			return nil, &paramError{"preset", "give a preset or from and to, not both"}
		}
		fd, err := cm.ParseDate(from)
		if err != nil {
			return nil, &paramError{"from", "want YYYY-MM-DD"}
		}
		td, err := cm.ParseDate(to)
		if err != nil {
			return nil, &paramError{"to", "want YYYY-MM-DD"}
		}
		rng, err := q.cal.DateRange(fd, td, cm.RangeOptions{})
		if err != nil {
			return nil, &paramError{"to", err.Error()}
		}
		q.Range = rng
	default:
		p := cm.Preset(q.params["preset"])
		if p == "" {
			p = cm.Last7Days
		}
		rng, err := q.cal.PresetRange(p, q.Now)
		if err != nil {
			return nil, &paramError{"preset", "want last_7_days, last_15_days or last_30_days"}
		}
		q.Range = rng
	}
	return q, nil
}

// sessionQuery is the session engine's query for q, with the conversation
// cost priced by the rate card when there is one.
func (h *Handler) sessionQuery(ctx context.Context, q *request) (session.Query, error) {
	sq := session.Query{Tenant: q.Tenant, Range: q.Range, Now: q.Now, Calendar: q.cal, Granularity: q.Granularity, IncludeTest: q.IncludeTest,
		Options: h.opts.Sessions}
	if q.Now.After(q.Range.To) {
		sq.Now = time.Time{} // the end of the range
	}
	if h.opts.RateCard != nil {
		costs, err := credits.MessageCosts(ctx, h.opts.Reader, h.creditsQuery(q))
		if err != nil {
			return sq, err
		}
		sq.MessageCosts = costs
	}
	return sq, nil
}

func (h *Handler) creditsQuery(q *request) credits.Query {
	cq := credits.Query{Tenant: q.Tenant, Range: q.Range, Calendar: q.cal, Granularity: q.Granularity, Card: h.opts.RateCard, IncludeTest: q.IncludeTest}
	if q.Now.Before(q.Range.To) {
		cq.Now = q.Now
	}
	return cq
}

// sessionReport is the route of session engine question f.
func sessionReport[R result](f func(context.Context, cm.Reader, session.Query) (R, error)) report {
	return func(ctx context.Context, h *Handler, q *request) (result, error) {
		sq, err := h.sessionQuery(ctx, q)
		if err != nil {
			return nil, err
		}
		res, err := f(ctx, h.opts.Reader, sq)
		if err != nil {
			return nil, err
		}
		return res, nil
	}
}

func reports() map[string]report {
	return map[string]report{
		"overview": sessionReport(session.Overview),
		"agents":   sessionReport(session.Agents),
		"assist":   sessionReport(session.Assist),
		"windows":  sessionReport(session.Windows),
		"commerce": func(ctx context.Context, h *Handler, q *request) (result, error) {
			return funnel.Commerce(ctx, h.opts.Reader, funnel.CommerceQuery{Tenant: q.Tenant, Range: q.Range, Calendar: q.cal, Granularity: q.Granularity, IncludeTest: q.IncludeTest})
		},
		"campaigns": func(ctx context.Context, h *Handler, q *request) (result, error) {
			cq := funnel.CampaignQuery{Tenant: q.Tenant, Range: q.Range, Calendar: q.cal, IncludeTest: q.IncludeTest}
			if q.Now.Before(q.Range.To) {
				cq.Now = q.Now
			}
			return funnel.Campaigns(ctx, h.opts.Reader, cq)
		},
		"goals": func(ctx context.Context, h *Handler, q *request) (result, error) {
			gs := h.opts.Goals
			if gs == nil {
				var err error
				if gs, err = goals.DefaultGoals(ctx, h.opts.Reader, q.Tenant, q.Range); err != nil {
					return nil, err
				}
			}
			if len(gs) == 0 {
				return emptyResult{"no goals: none configured and none found in the range"}, nil
			}
			return goals.Conversions(ctx, h.opts.Reader, goals.Query{Tenant: q.Tenant, Range: q.Range, Calendar: q.cal, Granularity: q.Granularity, Goals: gs, IncludeTest: q.IncludeTest})
		},
		"flows": func(ctx context.Context, h *Handler, q *request) (result, error) {
			return goals.Flows(ctx, h.opts.Reader, goals.FlowsQuery{Tenant: q.Tenant, Range: q.Range, Calendar: q.cal, Granularity: q.Granularity, IncludeTest: q.IncludeTest})
		},
		"attribution": func(ctx context.Context, h *Handler, q *request) (result, error) {
			var def attribution.Definition
			if s := q.params["model"]; s != "" {
				m, err := attribution.ParseModel(s)
				if err != nil {
					return nil, &paramError{"model", err.Error()}
				}
				def.Model = m
			}
			if s := q.params["by"]; s != "" {
				d, err := attribution.ParseDimension(s)
				if err != nil {
					return nil, &paramError{"by", err.Error()}
				}
				def.Dimension = d
			}
			if s := q.params["lookback"]; s != "" {
				d, err := parseDays(s)
				if err != nil {
					return nil, &paramError{"lookback", err.Error()}
				}
				def.Lookback = d
			}
			return attribution.Attribute(ctx, h.opts.Reader, attribution.Query{Tenant: q.Tenant, Range: q.Range, Calendar: q.cal, Granularity: q.Granularity, IncludeTest: q.IncludeTest, Definition: def})
		},
		"payments": func(ctx context.Context, h *Handler, q *request) (result, error) {
			return attribution.MatchPayments(ctx, h.opts.Reader, attribution.MatchQuery{Tenant: q.Tenant, Range: q.Range, Calendar: q.cal, IncludeTest: q.IncludeTest})
		},
		"credits": func(ctx context.Context, h *Handler, q *request) (result, error) {
			if h.opts.RateCard == nil {
				return nil, errNoCard
			}
			cq := h.creditsQuery(q)
			if s := q.params["by"]; s != "" {
				d, err := credits.ParseDimension(s)
				if err != nil {
					return nil, &paramError{"by", err.Error()}
				}
				cq.By = d
				return credits.UsageBy(ctx, h.opts.Reader, cq)
			}
			return credits.Summarize(ctx, h.opts.Reader, cq)
		},
	}
}

// emptyResult is a report with nothing to show.
type emptyResult struct {
	Note string `json:"note"`
}

func (e emptyResult) Tables() []cm.Table {
	return []cm.Table{{Name: "note", Columns: []string{"note"}, Rows: [][]string{{e.Note}}}}
}

// parseDays parses a Go duration or a number of days ("30d").
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("%q: want a positive number of days (30d) or a duration (72h)", s)
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: want a positive number of days (30d) or a duration (72h)", s)
	}
	return d, nil
}

func writeCSV(w io.Writer, tables []cm.Table) {
	for i, t := range tables {
		if len(tables) > 1 {
			if i > 0 {
				io.WriteString(w, "\n")
			}
			fmt.Fprintf(w, "# %s\n", t.Name)
		}
		t.WriteCSV(w)
	}
}
