package credits

import (
	"fmt"
	"strings"

	cm "github.com/convometrics/convometrics"
)

// Category is a WhatsApp pricing category: what a rate card prices and what
// usage is broken down by. The set is closed for rate cards; categories
// WhatsApp reports that are not in it are counted as [Other].
type Category string

// Pricing categories. Marketing, utility and authentication are template
// categories; service is every non-template message; marketing_lite is
// marketing sent through the Marketing Messages API; authentication_international
// is authentication to a country with its own international rate; other
// collects any category WhatsApp reports that is none of these (for example
// general_purpose_ai).
const (
	Marketing                   Category = "marketing"
	MarketingLite               Category = "marketing_lite"
	Utility                     Category = "utility"
	Authentication              Category = "authentication"
	AuthenticationInternational Category = "authentication_international"
	Service                     Category = "service"
	Other                       Category = "other"
	// ReferralConversion is the category WhatsApp reports for messages in a
	// free-entry-point window. Such messages are never charged, so a rate
	// card cannot price it.
	ReferralConversion Category = "referral_conversion"
)

// Categories returns the categories a rate card can price, in the order
// results list them.
func Categories() []Category {
	return []Category{Marketing, MarketingLite, Utility, Authentication, AuthenticationInternational, Service, Other}
}

// category codes: dense small integers used in the hot loops.
const (
	catNone uint8 = iota
	catMarketing
	catMarketingLite
	catUtility
	catAuthentication
	catAuthIntl
	catService
	catOther
	catReferral
	numCats
)

var catNames = [numCats]Category{"", Marketing, MarketingLite, Utility, Authentication, AuthenticationInternational, Service, Other, ReferralConversion}

// code returns c's code, or catNone when c is not a category.
func (c Category) code() uint8 {
	for i, n := range catNames {
		if i > 0 && n == c {
			return uint8(i)
		}
	}
	return catNone
}

// ParseCategory reads a category as WhatsApp or a user writes it: any case,
// with hyphens or underscores ("authentication-international" is
// [AuthenticationInternational]). It returns an error wrapping
// [cm.ErrUnknownValue] for anything else.
func ParseCategory(s string) (Category, error) {
	c := Category(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_"))
	if c.code() == catNone || c == ReferralConversion {
		return "", fmt.Errorf("credits: category %q: %w (want one of marketing, marketing_lite, utility, authentication, authentication_international, service, other)", s, cm.ErrUnknownValue)
	}
	return c, nil
}

// reportedCategory maps a pricing category string from a status webhook (or
// a template category from a send) to a code: the known categories, the
// pre-2023 conversation categories (user_initiated and customer_initiated
// are service), and anything else non-empty as other.
func reportedCategory(s string) uint8 {
	if s == "" {
		return catNone
	}
	if c, err := ParseCategory(s); err == nil {
		return c.code()
	}
	switch strings.ToLower(s) {
	case "referral_conversion", "referral-conversion":
		return catReferral
	case "user_initiated", "customer_initiated":
		return catService
	}
	return catOther
}

// pricing types, as codes.
const (
	ptNone    uint8 = iota // not reported
	ptRegular              // regular: billable
	ptFreeCS               // free_customer_service
	ptFreeEP               // free_entry_point
	ptOther                // a type this package does not know: billable decides
	numPT
)

var ptNames = [numPT]string{"", "regular", "free_customer_service", "free_entry_point", "other"}

func pricingTypeCode(s string) uint8 {
	switch strings.ToLower(s) {
	case "":
		return ptNone
	case "regular":
		return ptRegular
	case "free_customer_service":
		return ptFreeCS
	case "free_entry_point":
		return ptFreeEP
	}
	return ptOther
}

// pricing models, as codes.
const (
	pmNone uint8 = iota
	pmPMP
	pmCBP
)

func pricingModelCode(s string) uint8 {
	switch strings.ToUpper(s) {
	case "PMP":
		return pmPMP
	case "CBP":
		return pmCBP
	}
	return pmNone
}
