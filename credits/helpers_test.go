package credits_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/credits"
	"github.com/convometrics/convometrics/memstore"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// testCard is a small card whose prices the hand-worked tests use. All
// prices are per charge:
//
//	turkey  marketing  USD 0.0400 from 2024-01-01 (CBP), 0.0109 from 2025-07-01, 0.0200 from 2026-10-01
//	turkey  utility    USD 0.0100 from 2024-01-01 (CBP), 0.0053 from 2025-07-01
//	turkey  auth       USD 0.0053 from 2025-07-01
//	turkey  service    USD 0.0300 from 2024-01-01 (CBP), 0.0053 from 2026-10-01
//	india   utility    USD tiers: 1–2 0.0014, 3–4 0.0010, 5– 0.0008 from 2025-07-01
//	india   marketing  INR 0.8631 from 2025-07-01
//	uae     auth       USD 0.0157, auth_intl USD 0.0520 from 2025-07-01
//	other   marketing  USD 0.0604 from 2025-07-01
func testCard() *credits.RateCard {
	d := decimal.RequireFromString
	r := func(eff, market string, cat credits.Category, cur, price string) credits.Rate {
		return credits.Rate{Effective: eff, Market: market, Category: cat, Currency: cur, Price: d(price)}
	}
	return &credits.RateCard{
		Name: "test",
		Markets: []credits.MarketMap{{
			Effective:    "2023-01-01",
			Countries:    map[string]string{"TR": "turkey", "IN": "india", "AE": "uae", "US": "north_america"},
			CallingCodes: map[string]string{"90": "turkey", "91": "india", "971": "uae", "1": "north_america"},
			Default:      "other",
		}},
		Rates: []credits.Rate{
			r("2024-01-01", "turkey", credits.Marketing, "USD", "0.0400"),
			r("2025-07-01", "turkey", credits.Marketing, "USD", "0.0109"),
			r("2026-10-01", "turkey", credits.Marketing, "USD", "0.0200"),
			r("2024-01-01", "turkey", credits.Utility, "USD", "0.0100"),
			r("2025-07-01", "turkey", credits.Utility, "USD", "0.0053"),
			r("2025-07-01", "turkey", credits.Authentication, "USD", "0.0053"),
			r("2024-01-01", "turkey", credits.Service, "USD", "0.0300"),
			r("2025-07-01", "turkey", credits.Service, "USD", "0"),
			r("2026-10-01", "turkey", credits.Service, "USD", "0.0053"),
			{Effective: "2025-07-01", Market: "india", Category: credits.Utility, Currency: "USD", Tiers: []credits.Tier{
				{UpTo: 2, Price: d("0.0014")}, {UpTo: 4, Price: d("0.0010")}, {Price: d("0.0008")}}},
			r("2025-07-01", "india", credits.Marketing, "INR", "0.8631"),
			r("2025-07-01", "uae", credits.Authentication, "USD", "0.0157"),
			r("2025-07-01", "uae", credits.AuthenticationInternational, "USD", "0.0520"),
			r("2025-07-01", "other", credits.Marketing, "USD", "0.0604"),
		},
	}
}

func loc(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// fixture builds a tenant's events.
type fixture struct {
	tenant string
	evs    []cm.Event
}

func newFixture() *fixture { return &fixture{tenant: "t1"} }

func (x *fixture) add(e cm.Event) {
	if e.ID == "" {
		e.ID = fmt.Sprintf("e%03d", len(x.evs)+1)
	}
	if e.Tenant == "" {
		e.Tenant = x.tenant
	}
	if e.Channel == "" {
		e.Channel = cm.ChannelWhatsApp
	}
	if e.Inbox == "" && e.Type != cm.CreditsTopup && e.Type != cm.PaymentSucceeded {
		e.Inbox = "phone-1"
	}
	x.evs = append(x.evs, e)
}

// send adds a message.sent; a non-empty tcat makes it a template.
func (x *fixture) send(at time.Time, msg, contact, tcat string) {
	e := cm.Event{Type: cm.MessageSent, Time: at, Message: msg, Contact: contact, Sender: cm.SenderBot}
	if tcat != "" {
		e.Template, e.TemplateCategory, e.Sender = "tpl-"+tcat, tcat, cm.SenderCampaign
	}
	x.add(e)
}

// status adds a message.status with the pricing given ("" type for none)
// and the country TR.
func (x *fixture) status(at time.Time, msg, contact string, st cm.Status, ptype, pcat string) {
	e := cm.Event{Type: cm.MessageStatus, Time: at, Message: msg, Contact: contact, Status: st, Country: "TR"}
	if ptype != "" {
		e.PricingModel, e.PricingType, e.PricingCategory = "PMP", ptype, pcat
		e.Billable = cm.OptBoolOf(ptype == "regular")
	}
	x.add(e)
}

func (x *fixture) inbound(at time.Time, contact, referral string) {
	x.add(cm.Event{Type: cm.MessageReceived, Time: at, Contact: contact, Message: fmt.Sprintf("in%03d", len(x.evs)+1), Referral: referral})
}

func (x *fixture) topup(at time.Time, amount, cur string) {
	x.add(cm.Event{Type: cm.CreditsTopup, Time: at, Amount: decimal.RequireFromString(amount), Currency: cur})
}

func (x *fixture) store(t *testing.T) *memstore.Store {
	t.Helper()
	s := memstore.New()
	if _, err := s.Append(context.Background(), x.evs...); err != nil {
		t.Fatal(err)
	}
	return s
}

// query returns a query over the local dates [from, to] in zone.
func query(t *testing.T, zone, from, to string) credits.Query {
	t.Helper()
	cal := cm.NewCalendar(loc(t, zone))
	f, err := cm.ParseDate(from)
	if err != nil {
		t.Fatal(err)
	}
	l, err := cm.ParseDate(to)
	if err != nil {
		t.Fatal(err)
	}
	r, err := cal.DateRange(f, l, cm.RangeOptions{AllowLong: true})
	if err != nil {
		t.Fatal(err)
	}
	return credits.Query{Tenant: "t1", Range: r, Calendar: cal, Card: testCard()}
}

func summarize(t *testing.T, r cm.Reader, q credits.Query) *credits.Summary {
	t.Helper()
	s, err := credits.Summarize(context.Background(), r, q)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// usd is an Amounts of USD (and other currencies as "INR", "0.8631" pairs).
func amounts(kv ...string) cm.Amounts {
	a := cm.Amounts{}
	for i := 0; i+1 < len(kv); i += 2 {
		a = a.Add(kv[i], decimal.RequireFromString(kv[i+1]))
	}
	return a
}

func usd(v string) cm.Amounts { return amounts("USD", v) }

// eqAmounts fails the test unless got equals want by value.
func eqAmounts(t *testing.T, what string, got, want cm.Amounts) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// cmpOpts compare decimals and amounts by value.
var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b cm.Amounts) bool { return a.Equal(b) }),
}

func dayOf(s *credits.Summary, date string) credits.Bucket {
	for _, p := range s.History {
		if p.Start.Format(time.DateOnly) == date {
			return p.Value
		}
	}
	return credits.Bucket{}
}

func category(s *credits.Summary, c credits.Category) credits.CategoryUsage {
	for _, u := range s.ByCategory {
		if u.Category == c {
			return u
		}
	}
	return credits.CategoryUsage{Category: c}
}
