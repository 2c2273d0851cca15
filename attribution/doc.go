// Package attribution decides which payments are chatbot revenue and which
// campaign, template, flow, agent, team, channel or ad earned them.
//
// There are three entry points: [MatchPayments] pairs payments with the
// payment links sent in conversations; [Attribute] credits the matched
// payments (the conversions) to the touches before them under one of seven
// models; [AttributePaths] runs the same models on aggregated journeys in
// the form ChannelAttribution (R, Python) takes, so that its numbers can be
// compared with that package's. Every number is defined below precisely
// enough to recompute by hand.
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
//  3. Nothing else matches: the same contact or the same amount is not
//     evidence.
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
//     links): each payment is its own match and its own conversion.
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
// # Conversions
//
// A conversion is a matched payment whose time is in [Query.Range]. It
// counts as one conversion whether or not it was later refunded; its value
// is its revenue (net of refunds) in its own currency. Amounts in
// different currencies are never added: every amount is per currency.
// Refunds take the credit of the payment they refund (the same weights),
// not a new run of the model at refund time.
//
// # Touchpoints
//
// A touch is an event on the contact's journey that can earn credit:
//
//	kind              event                 when
//	campaign_send     message.sent          sender campaign or broadcast
//	template_send     message.sent          another sender, with a template
//	agent_reply       message.sent          sender agent, without a template
//	flow_start        flow.started
//	agent_assignment  conversation.assigned
//	ad_referral       message.received      with a referral (click-to-WhatsApp ad)
//	organic_inbound   message.received      without one
//
// Bot and AI messages without a template are not touches (the flow start
// is), nor are statuses: a send counts when it was sent, delivered or not.
// Payment links are not touches either: who sent the link is reported by
// the matching (MatchedPayment.Campaign, Flow, Agent, Conversation).
// [Definition.Kinds] can narrow the kinds; touches on the test channel are
// left out unless the query includes test traffic.
//
// A touch carries the value of the dimension the report is by
// ([Dimension]): its event's campaign, template, flow, agent, team,
// channel or referral field. A flow start carries the campaign that
// started it, an agent reply its agent and team, and so on. The Touchpoint
// dimension labels every touch by what made it one ("campaign:<name>",
// "template:<name>", "flow:<name>", "agent:<name>" or "team:<name>",
// "referral:<ad>", "organic:<channel>"), which is the journey of every
// touch.
//
// # Journeys
//
// The journey of a conversion, for a report by dimension D, is the touches
// of the conversion's contact that carry a value of D and lie in the
// lookback window before it: 0 ≤ conversion time − touch time ≤ Lookback,
// both ends inclusive (default [DefaultLookback], 30 days, as an exact
// duration: 30 × 24 hours, even across a daylight-saving change). Touches
// after the conversion never count. Touches are ordered by (time, event
// id), so two touches at the same instant are ordered by their ids.
// Organic inbound touches are left out when the window holds any other
// touch with a value; when it holds only organic inbound, they are the
// journey (GA4's rule for direct traffic). A conversion without a contact,
// or without touches, has an empty journey: it is credited in full to the
// empty value, shown as "(none)", so that totals still add up.
//
// # Models
//
// Each model gives the touches t_1 … t_n of a journey weights w_i ≥ 0 with
// Σ w_i = 1 (float64). The credit of a value is the sum of the weights of
// its touches: a campaign touched twice gets two shares.
//
//   - last_touch: w_n = 1.
//   - first_touch: w_1 = 1.
//   - linear: w_i = 1/n.
//   - time_decay: w_i ∝ 2^(−Δt_i / H), Δt_i = conversion time − t_i in
//     continuous time (nanoseconds, not whole days), H the half-life
//     (default [DefaultHalfLife], 7 days). The raw weights are computed
//     from the latest touch, w_i = 2^(−(Δt_i − Δt_min) / H) with Δt_min
//     the Δt of the latest touch, then divided by their sum: the same
//     proportions, but the latest touch's raw weight is 1 and the sum at
//     least 1, so touches thousands of half-lives old (where 2^(−Δt/H)
//     underflows to 0 in float64) still split the credit, the latest one
//     taking it all when the others' weights underflow.
//   - position_based: with first and last shares f and l (default 0.4 and
//     0.4; f + l ≤ 1): n = 1: w_1 = 1; n = 2: w_1 = f/(f+l), w_2 = l/(f+l)
//     (one half each by default, and when f = l = 0); n ≥ 3: w_1 = f,
//     w_n = l, the others (1 − f − l)/(n − 2) each.
//   - markov: data-driven, see below.
//   - shapley: data-driven, see below.
//
// # Revenue split
//
// Each conversion's revenue is split among its credited touches (for the
// rule-based models) or values (for the data-driven ones) in units of its
// currency's ISO 4217 minor unit (cm.MinorUnits: kuruş, cents, 0 decimals
// for JPY, 3 for KWD), or finer when the amount has more decimals, by the
// largest-remainder method: every part gets the floor of units × w_i, and
// the units left over go one each to the largest fractional remainders,
// ties to the earlier touch (or the value touched first). The parts of a
// conversion therefore add up to its revenue exactly, and so do the rows
// of every model: Σ rows' revenue = total revenue, per currency, to the
// last minor unit. (Plain rounding would not: 100.00 split 20.855/37.778/
// 41.367 rounds to 100.01.) Fractional conversions are the sums of the
// weights (float64, summed in a fixed order so results are reproducible).
//
// # Results
//
// [Result.Rows] hold, per value of the dimension: Conversions (Σ of its
// weights, with ByCurrency splitting them by the payments' currency),
// Revenue per currency (Σ of its parts), Touches (its touches in
// converting journeys; a value that touched journeys without earning
// credit under the model keeps a row with zero conversions), and a
// series. [Result.Series] buckets the conversions by payment time in
// [Query.Calendar]'s time zone (calendar days of 23 or 25 hours across
// daylight-saving changes); every bucket of the range is present.
// [Result.Conversions] (with [Query.Detail]) is the credit of every
// conversion: its path and its credit per value.
//
// # Markov (data-driven)
//
// The first-order Markov removal-effect model of ChannelAttribution,
// computed exactly on the absorbing chain rather than by simulation:
//
//   - Journeys: every conversion's journey (empty ones are left out of the
//     chain and credited to "(none)"), and one non-converting (null)
//     journey per contact that has touches with a value in the range
//     after its last conversion (any matched payment before the range
//     end): those touches, within Lookback before the last of them.
//   - States are the values; consecutive repeats of a value in a journey
//     are merged into one visit. Every transition (start) → s_1 → … → s_L
//     counts once per journey, then s_L → (conversion) or s_L → (null).
//     Probabilities are the counts normalised per state
//     ([MarkovResult.Transitions]).
//   - With Q the transient-to-transient probabilities (start and values),
//     N = (I − Q)⁻¹ and b_j = P(j → conversion), C_j = N[start][j]·b_j is
//     the probability of converting with j as the last state and
//     P(conversion) = Σ_j C_j. Removing a value x sends every walk that
//     reaches x to (null); the walks that remain have expected visits
//     N[start][j] − N[start][x]·N[x][j]/N[x][x]. The removal effect is
//     RE_x = 1 − P_−x(conversion)/P(conversion), in [0, 1].
//   - The value model gives each last state j the mean revenue per
//     conversion of the journeys ending there, m_j, per currency; the
//     revenue lost without x is V_x = Σ_j m_j·(C_j − C_j without x), and
//     the value removal effect is V_x / Σ_j m_j·C_j.
//   - Per-conversion credit (Rows, Series, Conversions): a global model
//     cannot be split back to single conversions uniquely, so each
//     conversion's weights are the removal effects of the values in its
//     journey, normalised to 1 (equal shares if they are all 0).
//   - [MarkovResult.Attributed] is the chain's global attribution as
//     ChannelAttribution reports it: conversions_x = RE_x / Σ RE × the
//     conversions with a non-empty journey, revenue split in proportion to
//     V_x by largest remainder (ties by value name). It differs from Rows;
//     both add up to the same totals.
//
// The chain has one state per value; solving it costs time cubic in the
// number of values, so at most [MaxMarkovStates] are accepted. A result
// fitted on fewer than 300 conversions carries a warning (Google quotes
// that minimum for its data-driven model).
//
// # Shapley (data-driven)
//
// Values are players. For a set S of values, r(S) is the conversion rate
// of the journeys (converting and null, as above) whose set of distinct
// values is exactly S, and 0 when no journey has exactly S. The game is
// v(S) = Σ_{T ⊆ S} r(T): its Harsanyi dividends are the rates, so its
// Shapley values are φ_i = Σ_{T ∋ i} r(T)/|T|, never negative
// ([ShapleyResult]). Each conversion with distinct values T is credited by
// the Shapley values of the game restricted to T, φ_i^T = Σ_{U ⊆ T, U ∋ i}
// r(U)/|U|, normalised to 1 (Σ_i φ_i^T = v(T) ≥ r(T) > 0). Order and
// repeats do not matter to this model. With every r(U) = 1 it is linear
// over distinct values (Zhao et al.'s simplified Shapley value).
//
// # Accumulators, partitions and determinism
//
// [MatchAccumulator] and [Accumulator] are the mergeable states behind
// MatchPayments and Attribute (the shape of a Beam CombineFn), made by
// [FoldPayments] and [Fold] for the partition of the tenant's contacts
// their query names (MatchQuery.Partition, Query.Partition), merged with
// Merge and extracted with Result. Merge refuses, with an error wrapping
// cm.ErrMismatch, accumulators made for different questions (tenant,
// range, reference window, test traffic; for attribution also calendar,
// granularity, detail and the definition with its defaults).
//
// A payment without a contact belongs to partition 0 while its link's
// contact may be in any partition. The join stays exact in two steps: the
// payments are matched on all partitions together, then every partition's
// Accumulator gets the same matched payments (a broadcast join) and
// attributes only the conversions whose contact (the payment's, else the
// link's) is in its partition, using that contact's touches, which are
// all in the same partition. [Fold] does both steps against its reader:
// it reads the payment events (about one event in a hundred) of the whole
// tenant whatever its partition, and the touches only of its partition.
// Where each partition's events are in a store of its own, merge the
// MatchAccumulators of every partition first (they keep the raw link,
// payment and refund records, and match in Result, on the merged state)
// and give the resulting [Matching] to [FoldMatching] for each partition.
// Rule-based credit is per conversion and null journeys are integer
// counts, both added on merge; results are computed from the conversions
// in (time, payment id) order and the values in name order, so the result
// is identical whatever the order of events, partitions or merges.
//
// Every query's range must be bounded and non-empty, and span at most
// cm.MaxCustomDays calendar days of the query's calendar unless the query
// sets AllowLongRange.
//
// # Speed
//
// Attribute reads two frames (internal/frame): the tenant's payment events
// (links, payments, refunds, failures) and its touch events of the types
// the dimension needs, with only the columns that classify them. Touch
// rows are integer symbol ids; the rule-based models visit only the
// contact groups of converting contacts (found by galloping search), the
// data-driven ones every group, on both cores (frame.Parallel).
// Nothing is allocated per touch row.
package attribution
