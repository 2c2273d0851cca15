package credits

import (
	"fmt"
	"strconv"
	"time"

	cm "github.com/convometrics/convometrics"
)

// Query asks for a tenant's credits over a period. Tenant, Range and Card
// are required; every other field has a documented default.
type Query struct {
	// Tenant is the account (a business portfolio: volume tiers and the
	// balance are counted per tenant).
	Tenant string `json:"tenant"`
	// Range is the period [From, To); both bounds are required, and it
	// may span at most cm.MaxCustomDays calendar days of Calendar unless
	// AllowLongRange is set. Charges count in the period by their charge
	// instant (see the package documentation). Balances and volume tiers
	// read the tenant's whole history before To.
	Range          cm.Range `json:"range"`
	AllowLongRange bool     `json:"allow_long_range,omitempty"`
	// Calendar is the account's calendar: the time zone of rate-card dates,
	// of day, week and month buckets and of the months volume tiers count
	// in. The zero Calendar is UTC.
	Calendar cm.Calendar `json:"calendar,omitzero"`
	// Granularity is the size of the history's buckets; "" means day.
	// Reconcile accepts only day and month.
	Granularity cm.Granularity `json:"granularity,omitempty"`
	// Card is the rate card; it must be valid ([RateCard.Validate]).
	Card *RateCard `json:"card"`
	// By names the dimension [Usage] breaks usage down by; "" means
	// category.
	By Dimension `json:"by,omitempty"`
	// IncludeTest includes test-channel traffic, which is left out by
	// default.
	IncludeTest bool `json:"include_test,omitempty"`
	// HomeCountry is the primary business location (ISO 3166-1 alpha-2) of
	// an account eligible for authentication-international rates. It is
	// used only when a status carries no pricing: an authentication
	// template to a recipient in another country whose market has an
	// authentication_international rate is then priced at that rate.
	// Empty means not eligible.
	HomeCountry string `json:"home_country,omitempty"`
	// Now is the instant the balance forecast is made at; the zero value
	// means Range.To.
	Now time.Time `json:"now,omitzero"`
	// BurnDays is the length of the window before Now whose usage gives the
	// burn rate of the forecast, in days of 24 hours; 0 means 7.
	BurnDays int `json:"burn_days,omitempty"`
	// ConversionDays is how long after a campaign message is delivered a
	// payment of the contact counts as a conversion of the campaign, in
	// days of 24 hours; 0 means 7.
	ConversionDays int `json:"conversion_days,omitempty"`
	// Partition limits the events read to one partition of the tenant's
	// contacts (events without a contact, such as top-ups, are in
	// partition 0); the zero Partition is every contact. It is meant for
	// [Fold]: the accumulators of every partition merge into the answer
	// for all, while a partition's answer alone is partial (a status
	// stored without its contact is not joined to its send).
	Partition cm.Partition `json:"partition,omitzero"`
}

// Dimension is what [Usage] breaks credits down by.
type Dimension string

// Dimensions of usage.
const (
	ByCategory Dimension = "category" // the pricing category charged
	ByCampaign Dimension = "campaign" // the campaign of the send ("" for none)
	ByCountry  Dimension = "country"  // the recipient's country reported on the statuses ("" when unknown)
	ByMarket   Dimension = "market"   // the rate-card market the recipient was priced in
	ByInbox    Dimension = "inbox"    // the business phone number (inbox) of the send
	ByTemplate Dimension = "template" // the template name ("" for non-template messages)
)

// ParseDimension accepts the names of the [Dimension] constants.
func ParseDimension(s string) (Dimension, error) {
	switch d := Dimension(s); d {
	case ByCategory, ByCampaign, ByCountry, ByMarket, ByInbox, ByTemplate:
		return d, nil
	}
	return "", fmt.Errorf("credits: by %q: %w (want category, campaign, country, market, inbox or template)", s, cm.ErrUnknownValue)
}

// Validate checks q and returns an error naming the first bad field,
// wrapping the root package's sentinels ([cm.ErrNoTenant],
// [cm.ErrEmptyRange], [cm.ErrRangeTooLong], [cm.ErrRequired],
// [cm.ErrUnknownValue], [cm.ErrInvalidValue]) or the card's errors. It
// does not modify q (defaults are applied where they are used).
func (q *Query) Validate() error {
	if err := q.validateFields(); err != nil {
		return err
	}
	return q.Card.Validate()
}

// validateFields checks everything but the card's content.
func (q *Query) validateFields() error {
	if q.Tenant == "" {
		return fmt.Errorf("credits: query: tenant: %w", cm.ErrNoTenant)
	}
	if err := q.Calendar.CheckRange(q.Range, cm.RangeOptions{AllowLong: q.AllowLongRange}); err != nil {
		return fmt.Errorf("credits: query: range: %w", err)
	}
	if err := cm.CheckInstant(q.Now); err != nil {
		return fmt.Errorf("credits: query: now: %w", err)
	}
	if err := q.Partition.Check(); err != nil {
		return fmt.Errorf("credits: query: partition: %w", err)
	}
	switch q.Granularity {
	case "", cm.Hour, cm.Day, cm.Week, cm.Month:
	default:
		return fmt.Errorf("credits: query: granularity: %w: %q (want hour, day, week or month)", cm.ErrUnknownValue, q.Granularity)
	}
	if q.By != "" {
		if _, err := ParseDimension(string(q.By)); err != nil {
			return fmt.Errorf("credits: query: by: %w", err)
		}
	}
	if q.Card == nil {
		return fmt.Errorf("credits: query: card: %w", cm.ErrRequired)
	}
	if q.HomeCountry != "" && !isCountry(q.HomeCountry) {
		return fmt.Errorf("credits: query: home_country: %w: %q (want an upper-case ISO 3166-1 alpha-2 code)", cm.ErrInvalidValue, q.HomeCountry)
	}
	if q.BurnDays < 0 {
		return fmt.Errorf("credits: query: burn_days: %w: %s (want 0 for the default or a positive number)", cm.ErrInvalidValue, strconv.Itoa(q.BurnDays))
	}
	if q.ConversionDays < 0 {
		return fmt.Errorf("credits: query: conversion_days: %w: %s (want 0 for the default or a positive number)", cm.ErrInvalidValue, strconv.Itoa(q.ConversionDays))
	}
	return nil
}

func (q *Query) granularity() cm.Granularity {
	if q.Granularity == "" {
		return cm.Day
	}
	return q.Granularity
}

func (q *Query) burnDays() int {
	if q.BurnDays == 0 {
		return 7
	}
	return q.BurnDays
}

func (q *Query) conversionWindow() int64 {
	d := q.ConversionDays
	if d == 0 {
		d = 7
	}
	return int64(d) * int64(24*time.Hour)
}

func (q *Query) now() time.Time {
	if q.Now.IsZero() {
		return q.Range.To
	}
	return q.Now
}
