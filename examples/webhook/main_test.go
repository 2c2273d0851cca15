package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/convometrics/convometrics/memstore"
	"github.com/convometrics/convometrics/whatsapp"
	"github.com/shopspring/decimal"
)

// TestServer posts every sample body (signed) to the server, routed to
// tenant acme, and reads the overview of the 30 days up to
// 2026-03-10T18:00:00Z in UTC: [2026-02-09, 2026-03-11). Sample 10 (May
// 2025) is outside. Worked out from the bodies:
//
//	received 10: 01, 02, 03, 04, 05, 12, 13, 15, 16 and 17's text (14 is a system message)
//	contacts 5: 15550004444, 15550002222, 447700900123, BR.13491208655302741918, 15550006666
//	outbound 8 messages with a documented status: MKT_0001 (sent, read), UTIL_0001
//	  (delivered), AUTH_0001 (delivered), MKT_0002 (failed), MKT_0003 (sent,
//	  failed), UTIL_0002 (delivered), VOICE_0001 (played), FEP_0001 (sent);
//	  OLD_0001 has only "deleted" and stays out
//	delivered 5: MKT_0001, UTIL_0001, AUTH_0001, UTIL_0002, VOICE_0001
//	read 2: MKT_0001, VOICE_0001; failed 2: MKT_0002, MKT_0003
//	carts: 2 × 30 + 1 × 7.99 = 67.99 USD
func TestServer(t *testing.T) {
	secret := []byte("example-secret")
	srv, err := newServer(memstore.New(), whatsapp.HandlerOptions{AppSecret: secret, VerifyToken: "tok", Options: whatsapp.Options{Tenant: "acme"}}, "dash-token")
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	res, err := http.Get(ts.URL + "/webhook?hub.mode=subscribe&hub.verify_token=tok&hub.challenge=42")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("handshake: %v %v", res, err)
	}
	res.Body.Close()

	files, _ := filepath.Glob("../../whatsapp/testdata/*.json")
	if len(files) != 17 {
		t.Fatalf("%d samples", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/webhook", bytes.NewReader(b))
		req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign(b, secret))
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: %v %v", f, res, err)
		}
		res.Body.Close()
	}

	res, err = http.Get(ts.URL + "/overview?tenant=acme&days=30&now=2026-03-10T18:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var o overview
	if err := json.NewDecoder(res.Body).Decode(&o); err != nil {
		t.Fatal(err)
	}
	got := [6]int{o.Received, o.Contacts, o.Outbound, o.Delivered, o.Read, o.Failed}
	if want := [6]int{10, 5, 8, 5, 2, 2}; got != want {
		t.Errorf("received, contacts, outbound, delivered, read, failed = %v, want %v", got, want)
	}
	if o.DeliveryRate.Numerator != 5 || o.DeliveryRate.Denominator != 8 || o.ReadRate.Numerator != 2 || o.ReadRate.Denominator != 5 {
		t.Errorf("rates %+v %+v", o.DeliveryRate, o.ReadRate)
	}
	if len(o.Carts) != 1 || !o.Carts["USD"].Equal(decimal.RequireFromString("67.99")) {
		t.Errorf("carts %v", o.Carts)
	}
	if o.Webhooks.Accepted != 17 || o.Webhooks.PlatformErrors != 2 || o.Webhooks.Verified != 1 {
		t.Errorf("webhook stats %+v", o.Webhooks)
	}
	if o.Range.From.Format("2006-01-02") != "2026-02-09" || o.Range.To.Format("2006-01-02") != "2026-03-11" {
		t.Errorf("range %v", o.Range)
	}

	// The analytics need the token, and then count the same ten inbound
	// messages from the same five contacts.
	url := ts.URL + "/analytics/acme/overview?preset=last_30_days&now=2026-03-10T18:00:00Z"
	res, err = http.Get(url)
	if err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("analytics without a token: %v %v", res, err)
	}
	res.Body.Close()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer dash-token")
	res, err = http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("analytics: %v %v", res, err)
	}
	defer res.Body.Close()
	var doc struct {
		Result struct {
			Messages struct {
				Received struct{ Total int } `json:"received"`
			} `json:"messages"`
			Contacts struct{ Total int } `json:"contacts"`
		} `json:"result"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Result.Messages.Received.Total != 10 || doc.Result.Contacts.Total != 5 {
		t.Errorf("analytics overview: received %d, contacts %d; want 10 and 5", doc.Result.Messages.Received.Total, doc.Result.Contacts.Total)
	}
}
