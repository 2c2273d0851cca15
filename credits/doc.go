// Package credits computes what a tenant's WhatsApp messages cost: the
// cost of each message from a rate card, the credits used over a period,
// by category and day, the balance left after top-ups, the cost of a
// message, a conversation, a campaign and a conversion, a forecast of when
// the balance runs out, and rows to reconcile with WhatsApp's
// pricing_analytics.
//
// # Entry points
//
//   - [Summarize]: the credits page of a tenant for a period ([Summary]).
//   - [UsageBy]: credits used per day (or hour, week, month) broken down by
//     category, campaign, country, market, inbox or template ([Usage]).
//   - [Reconcile]: delivered messages grouped as pricing_analytics groups
//     them ([Reconciliation]).
//   - [MessageCosts]: the cost of each charged message sent in the period,
//     by message id, whenever it was charged, for hosts that show the cost
//     of a conversation (see its documentation: it selects messages by
//     send, not by charge instant).
//   - [BalanceAt]: the balance at any instant.
//   - [Fold] and [Accumulator]: the same computation as a mergeable fold,
//     for partitioned or distributed input (Query.Partition); Merge refuses
//     accumulators of different queries with an error wrapping
//     cm.ErrMismatch.
//
// Each takes a [Query]: the tenant, the period (bounded, and at most
// cm.MaxCustomDays calendar days of the account's calendar unless
// Query.AllowLongRange), the account's calendar and a [RateCard] ([LoadCard] reads one from JSON or CSV; testdata holds an
// example card, clearly marked as one, whose prices are illustrative).
// Every amount is a decimal.Decimal in one currency; amounts in different
// currencies are never added.
//
// # Rate cards
//
// A card has three parts, each versioned by the local date it takes effect
// (YYYY-MM-DD, at midnight in the account's time zone, the query's
// Calendar; an entry stays in force until the next entry of its kind):
//
//   - market maps ([MarketMap]): a recipient's market is the market of the
//     country WhatsApp reported on the message's statuses (ISO 3166-1
//     alpha-2, the status events' country), else of the longest calling-code
//     prefix of the recipient's phone number (the contact, when it is an
//     international number of 6 to 15 digits), else the map's default (Meta's
//     "Other"); the map in force at the charge instant decides. Before the
//     first map's date the first map applies.
//   - rule sets ([RuleSet], [DefaultRules]): WhatsApp's pricing rules by
//     date, used when a message's statuses carry no usable pricing.
//   - rates ([Rate]): a price per market, category (one of [Categories])
//     and currency from a date, flat or in marginal volume tiers. A market
//     and category has one price at a time; markets may be priced in
//     different currencies (India in INR, the rest in USD), which then
//     yields usage in two currencies.
//
// [ParseCardJSON] reads the JSON form (the field tags of [RateCard]);
// [ParseCardCSV] describes the CSV form: the sections "# card",
// "# markets", "# rules" and "# rates". Errors name the field (JSON) or the
// line and column (CSV).
//
// # Which messages are delivered
//
// A message is an outbound message id: its message.sent event (optional)
// and its message.status events (joined by message id, whatever contact
// they carry). Duplicate statuses (webhooks delivered twice, under another
// event id or not) and statuses out of order count once: what counts is
// the set of statuses. A message is delivered when it has a delivered, read
// or played status (read without delivered counts) and no failed status; a
// failed message is never charged, even if an earlier status carried
// billable pricing. Its charge instant is its earliest delivered, read or
// played status; every figure of a period counts a delivered message in
// the bucket of its charge instant, in the account's calendar ([MessageCosts]
// alone selects messages by their send, for hosts that sum costs by send). Failed and
// undelivered messages (with a status, neither delivered nor failed) are
// counted by their earliest event. Test-channel traffic is left out unless
// Query.IncludeTest: a message whose send or any status is on channel test,
// and inbound messages, top-ups and payments on it.
//
// # Cost of a message
//
// WhatsApp's pricing on the statuses is preferred to the rules. The pricing
// used is that of the earliest delivered, read or played status carrying
// any pricing field (pricing_model, pricing_type, pricing_category,
// billable), else that of the earliest other non-failed status with pricing
// (normally sent); ties are broken by the values, so arrival order never
// matters. It says the message is charged when pricing_type is regular;
// free when it is free_customer_service or free_entry_point; and, without a
// known type (conversation-based payloads, future types), what billable
// says. Its category is the pricing category, normalised (any case, "-" or
// "_"; user_initiated and customer_initiated are service; any other value
// is other); a missing category is taken from the send (the template
// category for a template, service for a non-template) and the cost is then
// estimated. Free-entry-point messages (pricing_type free_entry_point or
// category referral_conversion) are free and count under
// referral_conversion, whatever category they report.
//
// When the statuses carry no usable pricing, the rule set in force at the
// charge instant decides, and the cost is estimated. It needs the send
// (otherwise, and before the first rule set, the message is "unknown": it
// counts as delivered and is never charged). The category is the
// template's (other when the template has none) or service for a
// non-template message. The windows are tested at the send instant, per
// contact and business number (inbox): the customer-service window is open
// until 24 hours after the contact's latest inbound message; an inbound
// message with a referral (click-to-WhatsApp ad) opens a free-entry-point
// window at the business's first send within 24 hours after it, lasting 72
// hours from that send. A message sent in a free-entry-point window is free
// (unless the rule set charges them); else a message whose category the
// rule set lists in FreeInServiceWindow is free when sent in an open
// customer-service window; else it is charged. With Query.HomeCountry set,
// an authentication template to a recipient whose reported country differs
// and whose market has an authentication_international price is priced as
// authentication_international.
//
// A charge costs the price of the rate in force at the charge instant for
// the recipient's market and the category. A charge whose market and
// category have no price is "unpriced": counted, and left out of every
// cost (never silently zero). A message whose market is the default for
// lack of any country or phone number is estimated.
//
// # Conversation-based pricing (before 2025-07-01)
//
// Statuses reporting pricing_model CBP, and messages priced by a CBP rule
// set, are charged per conversation. With reported pricing, a billable
// message's charge is one per billing conversation id
// (conversation.id, the status events' billing_conversation): the earliest
// billable delivery of the id is the charge, at the rate of its category
// and market at that instant; the others are free "in conversation"
// messages (so a utility conversation opened before the switch to
// per-message pricing and still open after it is charged once). A message
// without an id is its own conversation. Under a CBP rule set, a charged
// message of a category opens a conversation of that category for 24 hours
// (per contact and business number) unless one is open; a service message
// is covered by an open conversation of any category. The 1,000 free
// service conversations a month of before 2024-11-01 are not modelled.
// Host conversations (Event.Conversation) are a different thing.
//
// # Volume tiers
//
// A tiered rate prices the n-th charge of a calendar month (in the
// account's calendar) of its market and category at the tier whose band
// holds n: tier k covers the charges above the previous tier's UpTo up to
// its own UpTo (inclusive). Charges are numbered by charge instant, then
// message id, over the tenant's whole history (the tenant is the business
// portfolio), counting only priced charges (free messages do not count) of
// market and category pairs that have a tiered rate, whichever rate entry
// priced them. Tiers count conversations under conversation-based pricing.
// WhatsApp decides tiers itself, across the portfolio's accounts; these are
// an estimate from the tenant's events.
//
// # Ledger
//
// The balance at an instant t is, per currency, the sum of the
// credits.topup amounts before t minus the cost of the charges before t,
// over the tenant's whole history (a negative balance is a credit line in
// use). A summary gives the opening balance (at Range.From), the balance
// (at Range.To), each bucket's closing balance, the top-ups and the
// credits used in the period (the cost of its charges) with the estimated
// part, per category and per bucket. Top-ups in one currency never pay for
// usage in another: both are shown.
//
// # Cost per message, conversation, campaign and conversion
//
//   - per message: credits used ÷ delivered messages, per charged message:
//     ÷ charges (unpriced and unknown messages are left out of both
//     parts);
//   - per conversation: the cost of the period's delivered messages that
//     carry a host conversation id ÷ the number of such distinct ids;
//     campaign and broadcast sends without a conversation are left out;
//   - per campaign: the cost of the delivered messages of the campaign's
//     sends;
//   - per conversion: credits used ÷ conversions. The conversions are the
//     chatbot revenue's payments, as [attribution.MatchPayments] finds them
//     for the tenant and the period (by default reference window, test
//     traffic left out unless Query.IncludeTest): the successful payments
//     in the period matched to a payment link sent in a conversation, each
//     payment id once however often the provider delivered it, whatever
//     its refunds. A payment matched to no link is not a conversion,
//     contact or not; so credits, attribution and the commerce funnel
//     count the same payments. A conversion's contact is the payment's,
//     else its link's. A campaign's conversions are those whose contact's
//     latest campaign message delivered at or before the payment, and at
//     most ConversionDays (7) days of 24 hours before it, belongs to the
//     campaign (last touch); a conversion without a contact, or whose
//     contact had no campaign message in that window, is of no campaign.
//     The [Accumulator] keeps the payment events in an
//     [attribution.MatchAccumulator], so a payment stored without a
//     contact (partition 0) finds the link sent to a contact of another
//     partition when the accumulators merge.
//
// Each per-unit cost is the cost ÷ the units, per currency, rounded half
// away from zero to six decimals (0.0162 ÷ 7 = 0.00231428… is 0.002314;
// [UnitCost.Per]); the cost and the units are given with it, so it can be
// recomputed. Units with no unit (0 conversations) report no per-unit
// cost, rather than zero ([UnitCost]).
//
// # Forecast
//
// At Query.Now (Range.To by default), per currency: the balance after
// every event at or before Now; the usage in the BurnDays × 24 hours up to
// and including Now (7 days by default); its daily average, usage ÷
// BurnDays rounded half away from zero to six decimals, shown only; days
// left = balance × BurnDays ÷ usage, rounded half away from zero to two
// decimals, computed from the unrounded usage (not balance ÷ the rounded
// daily average, which can differ: a balance of 1000 and a usage of
// 0.0109 in 7 days is 642201.83 days, while 1000 ÷ 0.001557 would be
// 642260.76); and the local date the balance runs out at that rate, that
// of Now + balance × BurnDays × 24 hours ÷ usage (none after 9999). A
// zero or negative balance is "depleted" (0 days left); no usage in the
// window is "steady" (no date).
//
// # Reconciliation
//
// [Reconcile] groups the period's delivered messages like pricing_analytics
// with the dimensions COUNTRY, PRICING_CATEGORY, PRICING_TYPE, PHONE and
// TIER, in day or month buckets of the account's calendar (pricing_analytics
// appears to bucket in the account's time zone): volume is the number of
// delivered messages, cost our cost of them, per currency. Meta's figures
// are approximate; expect small drift, and trust the invoice.
//
// # How it is computed
//
// The functions read a frame of the tenant's message.sent and
// message.status events (and top-ups and payments for the summary) from
// the beginning of its history to the end of the period, grouped by
// contact, and fold the contact groups on both cores. A message whose
// events all lie in one contact group (the normal case) is resolved inside
// the group; if any message has events in two groups (a status without a
// contact, or under another contact id), the computation falls back to
// merging every message's state by id before resolving, which gives the
// same answer at a higher cost. The customer-service and free-entry-point
// windows need the inbound messages; they are read only when some message
// lacks WhatsApp's pricing. The [Accumulator] keeps every message's state,
// so partitions merge exactly; volume tiers and conversation-based
// pricing, which depend on every message, are settled when a result is
// extracted. The rate card is validated and compiled for each query (about
// 0.1 ms for the example card's 178 rates); nothing is kept between
// queries, so a card changed between two queries prices the second with
// its new content.
package credits
