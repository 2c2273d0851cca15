// Package convometrics is the shared vocabulary of the convometrics library:
// the [Event] that records one fact about a conversation, the storage
// interfaces engines read through, and the time model every number is
// bucketed by.
//
// # The model in one page
//
// A host platform (a chatbot builder, a customer-messaging inbox) turns what
// happens in its WhatsApp, web-widget and API conversations into events:
// messages received and sent, delivery statuses, assignments and
// resolutions, flow steps, campaign targeting, carts, payment links and
// payments, credit top-ups, agent-assist suggestions. Events are facts: they
// are never updated, only added. Each has an ID unique within its tenant, so a
// webhook delivered twice stores once; a second event with the same ID and
// different content is a conflict, reported and never silently applied.
//
// Events go into a store through [Appender] and come out through [Reader]: a
// time-ordered scan of one tenant's events, with an optional per-contact fast
// path ([ContactScanner]). The embedded default is package memstore; a host
// with its own database implements Reader over its tables and proves it with
// package storetest.
//
// Engines (packages session, funnel, goals, attribution, credits) are pure
// functions of (a tenant's events, a definition, a range, a calendar). Order
// of arrival never changes a result, duplicates never count twice, and each
// engine folds events into an accumulator that merges: split a tenant's
// contacts into partitions ([Partition]), fold each in its own goroutine or
// machine, merge, and the answer is the single-pass answer.
//
// # Time
//
// Ranges are half-open ([Range]). Buckets are calendar periods of the
// tenant's IANA time zone ([Calendar]): a day across a daylight-saving change
// has 23 or 25 hours, weeks start on Monday unless configured. Presets cover
// the last 7, 15 and 30 days; custom ranges are limited to 90 days unless the
// caller lifts the limit. Event times, range bounds and a query's Now lie in
// 1970 to 2262 UTC, where times fit in int64 nanoseconds; anything outside
// is refused ([Range.Check], [CheckInstant]).
//
// # Money
//
// Amounts are decimal.Decimal with an ISO 4217 currency, never float64, and
// never added across currencies ([Amounts]).
//
// # Errors
//
// Bad input is reported as an [*EventError] naming the line, event id and
// field; conflicts as a [*ConflictError]. Both wrap sentinel errors
// ([ErrRequired], [ErrConflict], …) for errors.Is. Nothing panics on input.
package convometrics
