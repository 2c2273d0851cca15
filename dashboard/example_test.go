package dashboard_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/dashboard"
	"github.com/convometrics/convometrics/memstore"
)

// Mount the dashboard for a host's admins and owners. The host looks the
// caller's role up in its own accounts; here a header stands in for it.
func ExampleNew() {
	store := memstore.New()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	store.Append(context.Background(),
		cm.Event{ID: "e1", Tenant: "acme", Type: cm.MessageReceived, Time: at, Contact: "905551112233"},
		cm.Event{ID: "e2", Tenant: "acme", Type: cm.MessageSent, Time: at.Add(time.Minute), Contact: "905551112233", Sender: cm.SenderBot},
	)
	h, err := dashboard.New(dashboard.Options{
		Reader: store,
		Authorize: dashboard.RequireRole(func(r *http.Request, tenant string) (string, error) {
			if role := r.Header.Get("X-Demo-Role"); role != "" {
				return role, nil
			}
			return "", dashboard.ErrUnauthenticated
		}), // admin and owner by default
		Now: func() time.Time { return at },
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/analytics/", http.StripPrefix("/analytics", h))

	for _, role := range []string{"agent", "admin"} {
		req := httptest.NewRequest("GET", "/analytics/acme/overview?format=csv", nil)
		req.Header.Set("X-Demo-Role", role)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		body, _ := io.ReadAll(rec.Body)
		fmt.Println(role, rec.Code, len(body) > 0)
	}
	// Output:
	// agent 403 true
	// admin 200 true
}
