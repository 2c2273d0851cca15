// Package attribution decides which payments are chatbot revenue and which
// campaign, template, flow, agent, team, channel or ad earned them.
//
// # Payment matching
//
// Only a successful payment made through a payment link sent in a
// conversation counts as chatbot revenue. [MatchPayments] pairs each
// payment.succeeded event with the payment.link event it was made through:
//
//  1. By link id: the payment's link equals a link event's link id. The id
//     is proof, so no time window applies (a link recorded after its
//     payment still matches).
//  2. Else by reference: among the link events carrying the payment's
//     reference, the latest one sent at or before the payment (ties in
//     time broken by event id, the later id winning), provided the payment
//     is at most the reference window after it: link.time ≤ payment.time ≤
//     link.time + window, both ends inclusive. The window defaults to
//     [DefaultReferenceWindow] (7 days). Only that latest link is tried:
//     an older link with the same reference never matches in its place.
//  3. Nothing else matches: same contact or same amount is not evidence.
//
// A payment that matches nothing is reported with the first [Reason] that
// applies: no_link_or_reference (it names neither), outside_window (links
// with its reference exist but none in the window before it),
// unknown_reference (no link has its reference) or unknown_link (it names
// only a link id no link event has).
//
// Matching is a pure function of the stored events, whatever order they
// arrived in:
//
//   - Payments are de-duplicated by payment id: of several payment.succeeded
//     events with the same payment id (a provider re-delivering a webhook
//     under a new event id), the first in (time, event id) order is the
//     payment; the others are counted as Duplicates and ignored.
//   - Link events are de-duplicated by link id the same way.
//   - One link may be paid several times (partial payments, reusable
//     links): each payment is its own match.
//   - A payment in another currency than its link's is matched and flagged
//     CurrencyMismatch; its amount is counted in its own currency.
//   - Refunds: every payment.refunded event naming a payment id subtracts
//     its amount from that payment, whatever its time (a refund after the
//     range still reduces the revenue of a payment in the range). Refunds
//     in another currency than the payment's, and refunds of unknown
//     payments, are counted in the totals and not subtracted. Refunded is
//     capped at the payment's amount, so revenue is never negative.
//     Revenue (net) = Amount − Refunded.
//   - The contact of a matched payment is the payment's contact, or the
//     link's when the payment has none.
//   - Test traffic: a payment on the test channel, or matched to a link on
//     the test channel, is left out of the result (neither matched nor
//     unmatched) unless the query includes test traffic; so are test links
//     from the unpaid list.
//   - The range selects payments by their time; links, refunds and failed
//     attempts are read from all of the tenant's history.
//   - Unpaid links are the links sent in the range that no successful
//     payment matched, at any time (a link paid after the range ends is
//     not unpaid). payment.failed events are matched to links by the same
//     rules and counted as the link's FailedAttempts.
//
// Partitions: payments without a contact belong to partition 0 while their
// link's contact may be in any partition. [MatchAccumulator] therefore keeps
// the raw link, payment and refund records (they are rare: about 1% of
// events) and matches only in Result, after the partitions' accumulators
// are merged, so the join is exact.
package attribution
