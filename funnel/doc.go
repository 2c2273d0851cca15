// Package funnel computes conversion funnels, the commerce funnel and
// campaign deployment metrics from a tenant's events.
//
// The questions, each a function of a convometrics.Reader and a query:
//
//	Steps          a funnel's count, drop-off, conversion and time per step, and breakdowns
//	Trends         a funnel's conversion rate by entry period
//	TimeToConvert  the histogram of the time units took from one step to another
//	Commerce       initiated conversations → add to carts → conversions, and revenue
//	Campaigns      deployment metrics per campaign and version
//	CampaignUsers  the per-user table of deployments, with filters
//	MessageHistory one user's messages in one deployment
//
// Every question folds contacts into an accumulator ([Accumulator],
// [TrendsAccumulator], [TimeToConvertAccumulator], [CommerceAccumulator],
// [CampaignAccumulator]) on both cores. [Fold], [FoldTrends],
// [FoldTimeToConvert], [FoldCommerce] and [FoldCampaigns] return the
// accumulator of a query, of one partition of the tenant's contacts when
// the query's Partition names one; accumulators of the partitions merge
// (Merge) into exactly the single-pass answer, and Merge refuses, with an
// error wrapping convometrics.ErrMismatch, accumulators of different
// queries.
//
// Every query names a tenant and a range [From, To) with both bounds; the
// range may span at most convometrics.MaxCustomDays (90) calendar days of
// the query's Calendar unless AllowLongRange is set. Bounds (and a campaign
// query's Now) outside 1970 to 2262 UTC are refused with an error wrapping
// convometrics.ErrInvalidValue.
//
// Funnels follow PostHog's definitions (its current "UDF" engine), so that
// numbers can be checked against it; the few places where this package
// chooses differently are listed at the end, with the reason.
//
// # Funnels: what takes part
//
// A funnel ([Definition]) is 2 to [MaxSteps] steps, each an event type and
// property filters ([Match]) that must all hold. An event takes part when
// it is in the query's range (every event: entries and later steps alike;
// a conversion completed after the range's end is not seen), belongs to
// the tenant, is not test traffic (channel "test", unless
// Query.IncludeTest), and has a unit:
//
//   - unit contact (the default): the event's contact. Events without a
//     contact take no part (most payment.succeeded events of hosts that do
//     not know the payer).
//   - unit conversation: the event's host conversation id, within its
//     contact. Events without a conversation id take no part: a funnel to
//     payment.succeeded by conversation is empty unless the host puts
//     conversation ids on payments.
//
// Filters compare a string field of the event exactly ("eq", "ne", "in",
// "not_in", "set", "not_set"), an attribute ("attrs.KEY"), the amount as a
// decimal ("gt", "gte", "lt", "lte", "eq", "ne") or billable and
// translated ("true", "false"). "ne" and "not_in" hold for an empty
// field. An event may match several steps (when two steps are the same
// event).
//
// The conversion window (default 14 days; a day is 86,400 s, a week 7
// days, a month 31 days, whatever the calendar and its daylight-saving
// changes; at most [MaxWindow], 3,650 days, so 117 months are accepted and
// 118 are not) is measured from the first step of the attempt,
// inclusively: every later step must come at most one window after the
// step-1 event, not after the previous step.
//
// # Ordered and strict funnels: the reported path
//
// Each unit's events are replayed in time order. There is one attempt per
// step position: the attempt that most recently reached it, with the time
// of its step-1 event (its entry) and of each step. For every event, from
// the last step it matches down to the first (so one event never advances
// one attempt by two steps):
//
//   - as step 1, it starts a new attempt entered at its own time: every new
//     step-1 event replaces the attempt at step 1, so the most recent one
//     is what later steps build on (re-anchoring; events before it are
//     irrelevant, and a later step without a step-1 event before it does
//     nothing);
//   - as step k > 1, it advances the attempt at step k−1 if that attempt's
//     entry is at most one window before the event, unless that attempt
//     already reached step k (then step k keeps its earliest event);
//   - in a strict funnel, after the event, every attempt at a step the event
//     does not match is cleared: the steps must be consecutive events of the
//     unit. Every event type counts as an event here except message.status:
//     delivery receipts are WhatsApp's, not the contact's or the business's
//     actions, and arrive late, so they never break a strict funnel.
//
// Events at the same instant count as after each other. When they are
// different events, they are replayed one (event, step) pair at a time in
// step order — the most generous order — with no strict clearing and no
// exclusions inside the group, and one event cannot fill two steps of one
// attempt. The replay stops at the first event that completes the funnel.
//
// The unit's reported path is the deepest attempt ever made, the first one
// to reach that depth; its step times are the ones the rest of this page
// uses. A unit counts at step i when its path includes step i; a unit that
// never matched step 1 counts nowhere.
//
// Exclusions ([Exclusion]) name an event and a step range [from, to]
// (0-based; to_step 0 means the last step). An exclusion event taints the
// attempt sitting at a step s with from ≤ s < to that has not reached the
// next step, if the event is within the window of that attempt's entry. A
// tainted attempt can no longer advance (a new step-1 event starts a clean
// one). If the reported path is tainted, the unit is removed from every
// step, including the first: it neither converts nor drops off. An
// exclusion more than one window after the reported attempt's entry does
// not taint it.
//
// Optional steps ([Step].Optional; never the first or the last step) need
// not happen: a step after them may advance the attempt at the last step
// that did happen, going back over optional steps to a required one. An
// optional step counts the units whose path includes it, so counts are no
// longer decreasing.
//
// # Unordered funnels
//
// Step k is "completed k steps": k distinct steps of the list done within
// one window, in any order. Events are queued per step; each new event
// first drops the oldest queued events while the oldest is more than one
// window before it, then is queued under the step it matches whose newest
// queued event is oldest (an empty queue first). The unit's depth is the
// largest number of steps holding an event at once, and its step times
// are, at that moment, the oldest queued event of each held step, sorted.
// An exclusion (only over the whole funnel) empties the queues: progress
// restarts, but the unit keeps the depth it had reached.
//
// # The numbers of a step
//
// For step i, with "previous" the last required step before it (the step
// before, when no step is optional):
//
//	Count            units whose reported path includes step i
//	DroppedOff       max(count(previous) − count(i), 0); 0 for step 0
//	FromPrevious     count(i) / count(previous); count(0)/count(0) for step 0
//	FromFirst        count(i) / count(0)
//	TimeFromPrevious over the units that reached required step i > 0, the
//	                 time from their previous required step to step i on
//	                 their path: mean, median (the mean of the two middle
//	                 values for an even count), p90, min, max
//	Reached          (Query.List) the units counted at step i
//	Dropped          (Query.List) units that reached previous but not step i
//
// Rates keep their numerator and denominator, so 0/0 shows as "n/a".
// Optional steps have no times. Units are contact ids (or conversation
// ids).
//
// # Breakdowns
//
// A [Breakdown] splits the funnel by a field (a string field, "attrs.KEY",
// "billable" or "translated"; an empty value is its own value ""). The
// values come from the unit's funnel events (those matching a step or an
// exclusion in the range):
//
//   - first_touch (default): the value of the unit's earliest funnel event
//     that has one ("" if none has); the unit's path is its whole-funnel
//     path;
//   - last_touch: the same with the latest;
//   - all_events: one funnel per distinct value, each run over only the
//     unit's events carrying that value; a unit may count under several;
//   - step N: the values seen on the unit's events matching step N; under
//     each, the event that fills step N must carry the value (other steps
//     are unrestricted). Unordered funnels allow step 0 only.
//
// Rows are ordered by count at the last step (descending), then at each
// earlier step, then by value; the first Limit (default 25) are kept and
// the rest summed into one "Other" row (counts added, times pooled). The
// overall funnel (Result.Steps) never depends on the breakdown.
//
// # Trends
//
// [Trends] reports, per calendar period of the query's calendar (hour,
// day, week or month in the tenant's zone; weeks start on the calendar's
// week start, Monday by default), the units that entered the funnel in
// that period and reached FromStep, and how many of them reached ToStep.
// A unit has at most one result per period: within a period, a later
// step-1 event re-anchors the period's attempt unless the period already
// converted; a unit may count in several periods; later steps may fall in
// later periods (but, as every event, within the range) and are credited
// to the entry period. A unit that never reached
// FromStep counts nowhere. Exclusions: a period whose attempt was tainted
// is not reported as entered, and a unit whose tainted attempt went on
// reports only its converted periods. Rate = converted / entered. Ties at
// one instant are replayed as for steps. Trends of unordered funnels or of
// funnels with optional steps are not supported ([ErrUnsupported]).
//
// # Time to convert
//
// [TimeToConvert] takes every unit whose reported path reached ToStep and
// its time from FromStep to ToStep on that path (both required steps). The
// histogram has b bins: the query's Bins clamped to [1, 90], or ⌈∛n⌉ for n
// samples clamped to [1, 60]. With min = ⌊smallest time⌋ and
// max = ⌈largest time⌉ in seconds, width = ⌈(max − min) / b⌉ seconds, or
// 60 when that is 0; the rows start at min + k·width for k = 0 … b (b + 1
// rows), and a time t goes to row ⌊(t − min) / width⌋ (so the largest time
// can land in the extra last row). Stats are over the same sample.
//
// # The commerce funnel
//
// [Commerce] measures what the chatbot sells, in the query's range.
//
// Initiated conversations are the conversations started in the range,
// either
//
//   - by a campaign: a message.sent with sender campaign or broadcast and a
//     campaign name, unless a status reported it failed (a failed send
//     reaches nobody). The conversation starts at the send and is credited
//     to that campaign. Its reply is the contact's first inbound message
//     after the send that answers it: one quoting it (reply_to the
//     campaign message), or one quoting nothing that is the contact's
//     first inbound message after the send, at most 24 hours after it and
//     before the contact's next successful campaign send (as for campaign
//     responses, below). The session the reply started belongs to the
//     campaign's conversation and is not counted again: the contact's
//     session (of the session engine, below) that starts at the reply's
//     instant and is, for a reply with a conversation id, the host session
//     of that id, for one without, the derived session of the reply's
//     inbox. A reply that joined a session already active started none;
//     that session keeps its own initiation; or
//   - by the contact: a session of the session engine (package session,
//     § Sessions: per host conversation id, else derived per contact and
//     inbox, starting with an inbound message when no session is active
//     there, and ending 24 hours after its latest resolution) that is
//     incoming (its first message is inbound) and that no campaign reply
//     started. It starts at the session's start. Sessions that are not
//     incoming (the host opened them, with an agent's message for
//     instance) initiate nothing.
//
// So ByContact, plus the sessions started in the range by campaign
// replies, is the session engine's NewIncomingSessions over the same
// tenant, range and test traffic. Events and sessions before the range are
// read only to know which conversations started before it.
//
// A conversation holds host conversation ids: a campaign conversation the
// id of its send and of its reply's session, a contact-initiated one the
// id of its session (for a host session). Add to carts counts the
// cart.added events of the range in initiated conversations: a cart with a
// conversation id belongs to the latest-started conversation holding that
// id among those started at or before the cart (to none when none does),
// one without to the contact's latest conversation started at or before
// it. It counts events, as "the number of times users added items to
// their carts": a conversation adding twice counts twice (WithCart counts
// conversations with at least one).
//
// Conversions are the successful payments of the range matched to a
// payment link by the attribution engine (attribution.MatchPayments: by
// link id, else by reference within its window; a payment id counts
// once), credited to the conversation of their link: for a link with a
// conversation id, the latest-started conversation holding that id among
// those started at or before the link (none when none does); for a link
// without, the contact's latest conversation started at or before the
// link. Each credited payment is one conversion, as the attribution engine
// counts conversions: a link paid in two parts is two conversions and one
// of PaidLinks, the distinct links paid. Revenue per currency is the
// payments' amounts minus their refunds (as the attribution engine reports
// them, whenever refunded); Gross and Refunded are the two parts.
// Currencies are never added together. Matched payments credited to no
// conversation initiated in the range (their link was sent before it, in
// a conversation that was not initiated, or to no known contact) are
// counted in Elsewhere: Conversions + Elsewhere.Conversions is the
// attribution engine's number of conversions (matched payments) in the
// range.
//
// AddToCartRate = add to carts / initiated; ConversionRate = conversions /
// initiated (both may exceed 1). The totals are given overall, per
// campaign (campaign "" is the contact-initiated conversations), and as a
// series: each conversation, with its carts and conversions, in the period
// of its initiation (so every period's rates are rates of the
// conversations that began in it, and the periods add up to the totals).
//
// # Campaign deployments
//
// A deployment is one (campaign, version) put to one contact: by a
// campaign.targeted event, or by the first message.sent of that campaign
// and version with sender campaign or broadcast (broadcasts have no
// targeting and no version). Its deployment time is the earlier of the
// two; the deployment counts in the range holding that time. A contact
// given the same campaign and version twice is one deployment. Its first
// message is that first send; its window runs from the deployment time to
// the contact's next deployment (of any campaign), or the end of the
// range.
//
// The deployment's status is the furthest state its first message's
// statuses reached, whatever order they arrived in and however often:
// failed if any status is failed (terminal, whatever came before or
// after); else read if a read or played status came (read without
// delivered counts as delivered and read); else delivered; else sent.
// A reply to the message proves delivery: a deployment with a response
// and no delivered or read status is delivered. Without a message, or
// with a message but no status yet, the deployment is in process.
//
// Per campaign and per version:
//
//	Users         distinct contacts deployed to ("total users targeted"): a contact deployed in two versions
//	              of a campaign counts once in the campaign and once in each version
//	Deployments   deployments; every count below counts deployments, and Sent + InProcess + Failed = Deployments
//	Sent          status sent, delivered or read ("messages sent": successfully sent)
//	InProcess     status in process
//	Failed        status failed, and FailedBy its reason group ([FailureGroupOf]): recipient, template,
//	              rate_limit, account, window_policy, transient, unknown — from the error code of the
//	              earliest failed status
//	Delivered     status delivered or read
//	Read          status read
//	Responses     deployments, not failed, whose first message was answered: an inbound message of the
//	              contact with reply_to that message; or, without reply_to, the contact's first inbound
//	              message after the send if it comes within 24 hours of it and before the first message
//	              of another deployment
//	ResponseRate  Responses / Sent (× 100 as a percentage)
//
// The per-user table ([CampaignUsers]) has one row per deployment: the
// contact, deployment time, status (with the failure group and code),
// stage — none (no response), in_flow (responded, not finished) or
// finished (after the response, the campaign message's flow completed in
// the deployment window, or, when the message names no flow, the
// conversation was resolved) —, the response time, the last activity (the
// contact's last inbound message in the deployment window), the session
// status (open when the contact's last inbound message at or before the
// query's Now instant — the range's end when Now is zero — is less than 24
// hours before it: the WhatsApp customer-service window; closed otherwise) and the variables: the attrs
// of the targeting event, then those captured by flow.node events after
// the response in the deployment window (later values win). Rows are in
// order of deployment time, then contact. Filters keep the rows with the
// given status, stage or session status. [MessageHistory] lists the
// messages of one deployment's window with each outbound message's
// furthest status.
//
// Statuses, responses and activity count up to the end of the range, so a
// deployment late in the range may still be in process.
//
// # Exactness across partitions
//
// Funnels only join a unit's own events, so partitions by contact merge
// exactly. Three numbers join across contacts or engines: campaign
// statuses without a contact (they belong to partition 0; kept by message
// id in each accumulator and joined to the deployments in Result, after
// the merge), campaign users (each accumulator keeps its deployments, and
// distinct contacts are counted in Result, after the merge), and the
// commerce funnel's payments and sessions (payments are matched over the
// whole tenant first and sessions are asked of the session engine for the
// query's partition; both are handed to the accumulator, which credits
// those of its own contacts).
//
// # Where this package differs from PostHog, and why
//
//   - Zero durations are kept in the mean and median time from the previous
//     step (PostHog drops them). WhatsApp timestamps have a one-second
//     resolution, so steps in the same second are common and real;
//     dropping them biases both statistics upwards and makes the mean
//     disagree with the time-to-convert histogram, which keeps them.
//   - Events at the same instant are a tie only when their times are
//     equal (PostHog's latest release also groups events within 50 ms).
//   - Strict funnels ignore delivery statuses (see above).
//   - An unordered funnel keeps the depth it reached before an exclusion
//     restarts it (PostHog's code records the depth lazily and can lose
//     progress made just before an exclusion; its documentation says the
//     depth is kept).
//   - With optional steps, a required step's time is from the previous
//     required step, and optional steps have no time (PostHog's per-step
//     time arrays do not line up with the steps once one is skipped).
//   - Trends replay ties like the steps view, so both views agree.
//   - Weeks start on the tenant calendar's week start (Monday by default),
//     not on Sunday.
package funnel
