package whatsapp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/memstore"
	"github.com/convometrics/convometrics/whatsapp"
)

// A delivered status with pricing, as WhatsApp posts it.
const statusBody = `{"object":"whatsapp_business_account","entry":[{"id":"100000000000001","changes":[{"field":"messages","value":{
 "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"200000000000001"},
 "statuses":[{"id":"wamid.OUT_1","status":"delivered","timestamp":"1773151900","recipient_id":"15550002222",
  "pricing":{"billable":true,"pricing_model":"PMP","type":"regular","category":"marketing"}}]}}]}]}`

func ExampleParser_Parse() {
	p, err := whatsapp.NewParser(whatsapp.Options{Tenants: map[string]string{"200000000000001": "acme"}})
	if err != nil {
		panic(err)
	}
	res, err := p.Parse([]byte(statusBody))
	if err != nil {
		panic(err)
	}
	for _, e := range res.Events {
		fmt.Println(e.ID)
		fmt.Println(e.Tenant, e.Type, e.Time, e.Status, e.Contact, e.Country)
		fmt.Println(e.PricingModel, e.PricingType, e.PricingCategory, e.Billable == cm.True)
	}

	_, err = p.Parse([]byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"statuses":[{"id":"wamid.OUT_1","status":"read"}]}}]}]}`))
	fmt.Println(errors.Is(err, whatsapp.ErrMalformed), err)
	// Output:
	// wa:wamid.OUT_1:delivered:1773151900
	// acme message.status 2026-03-10 14:11:40 +0000 UTC delivered 15550002222 US
	// PMP regular marketing true
	// true whatsapp: malformed webhook: entry[0].changes[0].value.statuses[0].timestamp: required
}

func ExampleNewHandler() {
	store := memstore.New()
	secret := []byte("app-secret")
	h, err := whatsapp.NewHandler(store, whatsapp.HandlerOptions{
		AppSecret:   secret,
		VerifyToken: "verify-token",
		Options:     whatsapp.Options{Tenant: "acme"},
	})
	if err != nil {
		panic(err)
	}
	post := func(body []byte, sig string) int {
		r := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
		r.Header.Set(whatsapp.SignatureHeader, sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	body := []byte(statusBody)
	fmt.Println(post(body, whatsapp.Sign(body, secret)))               // stored
	fmt.Println(post(body, whatsapp.Sign(body, secret)))               // re-delivered: nothing new
	fmt.Println(post(body, whatsapp.Sign(body, []byte("not secret")))) // refused
	fmt.Println(post(body[:40], whatsapp.Sign(body[:40], secret)))     // truncated

	st := h.Stats()
	fmt.Printf("accepted %d, events %d, duplicates %d, bad signature %d, malformed %d\n",
		st.Accepted, st.Events, st.Duplicates, st.BadSignature, st.Malformed)
	evs, _ := cm.Collect(context.Background(), store, cm.Query{Tenant: "acme"})
	fmt.Println(len(evs), "event stored")
	// Output:
	// 200
	// 200
	// 401
	// 400
	// accepted 2, events 1, duplicates 1, bad signature 1, malformed 1
	// 1 event stored
}

func ExamplePseudonym() {
	key := []byte("0123456789abcdef-test-key") // in production: 32 random bytes per tenant
	fmt.Println(whatsapp.Pseudonym(key, "15550002222"))
	// Output:
	// beb1173c50c7ad5f1ba2f51323efd2a0
}

func ExampleVerifySignature() {
	body := []byte(statusBody)
	secret := []byte("app-secret")
	fmt.Println(whatsapp.VerifySignature(body, whatsapp.Sign(body, secret), secret))
	fmt.Println(whatsapp.VerifySignature(body, "", secret))
	fmt.Println(whatsapp.VerifySignature(body, "sha256=00", secret))
	// Output:
	// <nil>
	// missing X-Hub-Signature-256 header
	// X-Hub-Signature-256 does not match the body: not sha256=<64 hex digits>
}
