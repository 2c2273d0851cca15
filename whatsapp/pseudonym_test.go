package whatsapp

import (
	"encoding/json"
	"strings"
	"testing"
)

var testKey = []byte("0123456789abcdef-test-key")

// Vectors computed with an independent implementation:
//
//	printf %s 15550002222 | openssl dgst -sha256 -hmac 0123456789abcdef-test-key
//	SHA2-256(stdin)= beb1173c50c7ad5f1ba2f51323efd2a02d4c23abff81b83a3204bc2257db9575
//
// and so on; a pseudonym is the first 32 hex digits.
var pseudonymVectors = map[string]string{
	"15550002222":             "beb1173c50c7ad5f1ba2f51323efd2a0",
	"919800000001":            "b5663df8079b62aee2cbaaf16cd68e81",
	"15550004444":             "91e50859b854543f1affa5cefb8a6698",
	"BR.13491208655302741918": "c5d429b2ce32dec9d8aaf752716d3437",
}

func TestPseudonymVectors(t *testing.T) {
	h := newKeyedHasher(testKey)
	for id, want := range pseudonymVectors {
		if got := Pseudonym(testKey, id); got != want {
			t.Errorf("Pseudonym(%s) = %s, want %s", id, got, want)
		}
		if got := h.sum(id); got != want {
			t.Errorf("pooled hasher(%s) = %s, want %s", id, got, want)
		}
	}
}

func TestPseudonymisedEvents(t *testing.T) {
	p := mustParser(t, Options{ContactKeys: map[string][]byte{"": testKey}})
	raw := []string{"15550002222", "15550004444", "919800000001", "BR.13491208655302741918", "US.1111222233334444", "15550005555", "15550006666", "447700900123", "5215550009999", "15550003333"}
	for name, want := range sampleWant() {
		res, err := p.Parse(readSample(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(res.Events) != len(want.Events) {
			t.Fatalf("%s: %d events, want %d", name, len(res.Events), len(want.Events))
		}
		for i, e := range res.Events {
			w := want.Events[i]
			// Contact replaced, everything else (country included) the same.
			if v, ok := pseudonymVectors[w.Contact]; ok && e.Contact != v {
				t.Errorf("%s: contact %s, want %s", e.ID, e.Contact, v)
			}
			if e.Contact != Pseudonym(testKey, w.Contact) {
				t.Errorf("%s: contact %s is not the pseudonym of %s", e.ID, e.Contact, w.Contact)
			}
			if e.Country != w.Country || e.ID != w.ID || e.Message != w.Message {
				t.Errorf("%s: %+v", e.ID, e)
			}
			b, _ := json.Marshal(e)
			for _, r := range raw {
				if strings.Contains(string(b), r) {
					t.Errorf("%s: event holds %s: %s", name, r, b)
				}
			}
		}
	}
}

func TestPseudonymPerTenantKey(t *testing.T) {
	other := []byte("another-key-of-16+bytes")
	p := mustParser(t, Options{
		Tenants:     map[string]string{inbox2: "globex"},
		Tenant:      "acme",
		ContactKeys: map[string][]byte{"acme": testKey, "globex": other},
	})
	res, err := p.Parse(readSample(t, "17-batch-multi-entry.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Events {
		key := testKey
		if e.Tenant == "globex" {
			key = other
		}
		want := map[string]string{"acme": "15550005555", "globex": "15550006666"}[e.Tenant]
		if e.Message == "wamid.FAKE_OUTBOUND_UTIL_0002" {
			want = "US.1111222233334444"
		}
		if e.Contact != Pseudonym(key, want) {
			t.Errorf("%s (%s): contact %s, want the pseudonym of %s", e.ID, e.Tenant, e.Contact, want)
		}
	}
}

func TestPseudonymisedAttrsAndGroups(t *testing.T) {
	p := mustParser(t, Options{ContactKeys: map[string][]byte{"": testKey}})
	res, err := p.Parse(body(`{` + meta + `,"contacts":[{"wa_id":"15550002222","user_id":"US.99"}],` +
		`"messages":[{"from":"15550002222","id":"w","timestamp":"1","type":"text"}],` +
		`"statuses":[{"id":"wamid.G","status":"delivered","timestamp":"100","recipient_id":"120363000000000001","recipient_type":"group","recipient_participant_id":"919800000001"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	m, s := res.Events[0], res.Events[1]
	if m.Attrs["user_id"] != Pseudonym(testKey, "US.99") || m.Contact != pseudonymVectors["15550002222"] {
		t.Errorf("message: %+v", m)
	}
	part := pseudonymVectors["919800000001"]
	if s.Attrs["recipient_participant_id"] != part || s.ID != "wa:wamid.G:delivered:100:"+part || s.Country != "IN" ||
		s.Contact != Pseudonym(testKey, "120363000000000001") {
		t.Errorf("group status: %+v", s)
	}
}

func TestHashMessageIDs(t *testing.T) {
	p := mustParser(t, Options{ContactKeys: map[string][]byte{"": testKey}, HashMessageIDs: true})
	res, err := p.Parse(readSample(t, "02-inbound-interactive-button-reply.json"))
	if err != nil {
		t.Fatal(err)
	}
	e := res.Events[0]
	mid := Pseudonym(testKey, "wamid.FAKE_INBOUND_BUTTON_REPLY_0001")
	if e.Message != mid || e.ID != "wa:"+mid || e.ReplyTo != Pseudonym(testKey, "wamid.FAKE_OUTBOUND_BUTTONS_0001") {
		t.Errorf("%+v", e)
	}
	res, err = p.Parse(readSample(t, "06-status-sent-pmp-marketing-v23.json"))
	if err != nil {
		t.Fatal(err)
	}
	mid = Pseudonym(testKey, "wamid.FAKE_OUTBOUND_MKT_0001")
	if e := res.Events[0]; e.Message != mid || e.ID != "wa:"+mid+":sent:1773154800" {
		t.Errorf("%+v", e)
	}
}
