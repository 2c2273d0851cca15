// Package goals measures conversion goals, chat flows and where users drop
// out of them: the goal-tracking and "Chat Flows" numbers of a chatbot
// dashboard.
//
// Three questions, each a function of a store ([convometrics.Reader]) and
// a query:
//
//   - [Conversions]: for host-defined [Goal]s, the conversions per goal as
//     a total and per day, week or month, the conversion rate over the
//     conversations started in the range, the conversations behind the
//     conversions, and the user turns (inbound messages) before each goal.
//   - [Flows]: flows triggered, times triggered, the most popular flows,
//     completion rates, and the drop-out per flow version and node, ranked
//     worst first, with the node where each dropped run stopped.
//   - [CompareVersions]: goal conversion per version of a flow with Wilson
//     95% intervals, a two-proportion z-test against a baseline version and
//     a minimum-sample-size notice.
//
// Each is a fold of an accumulator ([Accumulator], [FlowsAccumulator],
// [CompareAccumulator]) over the tenant's contacts, on both cores, merged
// at the end. [Fold], [FoldFlows] and [FoldCompare] return the
// accumulator of a query, of the contacts of its Partition only when it
// names one; everything below is computed per contact, so accumulators of
// disjoint partitions merge (Merge) into exactly the single-pass answer.
//
// Every query names a tenant and a range [From, To), both bounds set,
// spanning at most 90 calendar days of the query's calendar
// (convometrics.MaxCustomDays, counted by Calendar.CheckRange: a day counts
// when any part of it is in the range) unless its AllowLongRange is set.
// Validate checks a query without changing it: defaults (day granularity,
// the 24-hour run timeout, the flow's completion as the compared goal)
// apply when the query is run.
//
// Every number is defined below precisely enough to recompute by hand.
//
// # Events read
//
// A question reads the tenant's events with Time before Range.To (all of
// history, unless Query.Lookback limits how far before Range.From) of the
// structural types message.received, conversation.opened,
// conversation.resolved, conversation.reopened, flow.started, flow.node,
// flow.completed and goal.reached, plus the types goal conditions name.
// Events after Range.To are never read: a result for a past range does not
// change when later events arrive. Left out: events without a contact, and
// events on the test channel unless IncludeTest is set (they are dropped
// before anything else, as if absent). Each contact's events are taken in
// (time, id) order; "before" and "after" below refer to that order.
//
// # Conversations
//
// Goals are evaluated per conversation, and runs live in conversations. A
// conversation belongs to one contact. The rule is the session engine's
// (package session), applied to the events read here. Walking the
// contact's events in order:
//
//   - An event with a host conversation id belongs to the conversation
//     (contact, id). A structural event with an id not seen before for the
//     contact begins it. An event of another type whose id has not begun
//     (a payment naming a conversation with no structural event yet)
//     belongs to none. An event with an id never joins a derived session.
//   - An event without a conversation id joins the contact's latest open
//     conversation (by start) of the same inbox; an event without an inbox
//     joins the latest open one of any inbox, and a conversation without an
//     inbox takes events of any inbox. Host conversations are eligible too
//     (the host forgot the id on a payment, say).
//   - When there is none, a message.received that is not a reaction
//     (message_type "reaction"), a conversation.opened or a
//     conversation.reopened begins a new derived conversation (a session);
//     any other event belongs to no conversation.
//   - A conversation is open until [SessionEnd] (24 hours) after its
//     resolution: a conversation.resolved resolves it (a second one while
//     it is resolved changes nothing), and an inbound message that is not a
//     reaction, a conversation.opened or a conversation.reopened joining it
//     reopens it. At exactly 24 hours after the resolution it is closed; a
//     derived session then never comes back, a host conversation does when
//     an event names its id. A conversation never resolved stays open.
//
// So where the host sends no conversation ids (the demo tenant umbrella),
// "a new session starts with an inbound message when the contact's
// previous session ended, and a resolved session ends 24 hours after its
// resolution", per inbox. A conversation starts at the instant of the event
// that began it. Derived conversations are named "derived@" followed by
// that instant in UTC, RFC 3339 (for example derived@2026-11-02T06:00:00Z),
// and flagged Derived in results.
//
// One difference from the session engine, by design: it also begins host
// conversations with outbound messages and assignments, which this engine
// does not read. A host conversation with no structural event (only
// outbound messages, say) does not exist here, and one that began with an
// outbound message starts here at its first structural event.
//
// # Goals
//
// A [Goal] is a name and a [Condition]. Single-event conditions hold at an
// event:
//
//   - node: a flow.node event whose flow and node (and version, when
//     given) are those named;
//   - event: an event of the type named whose fields have the values in
//     match (a field's JSON key, or attrs.KEY for an attrs entry; an empty
//     value matches an empty field or an absent key);
//   - goal: a goal.reached event whose goal is the name given (the host's
//     explicit goal events).
//
// Over the events of one conversation, e0 … en−1, each condition has a
// first position T at which it holds, or none:
//
//   - single-event: the first event that matches;
//   - any: the smallest T of its conditions;
//   - all: the largest T of its positive conditions, provided each has
//     one and no never condition listed holds anywhere in the
//     conversation (never X: X has no T). This differs from Rasa's "and",
//     which needs its conditions at the same event;
//   - seq: the steps hold in order at strictly increasing positions (one
//     event fills at most one step); T is the position of the event that
//     completes the earliest such choice. A never X standing between two
//     steps forbids X strictly between the events chosen for them; before
//     the first step, X before it; after the last step, X after it — then
//     T is the event completing the sequence after the last X. Nested
//     seq conditions are spliced in. Steps and the conditions under a
//     never in a seq are single-event conditions or any of them.
//
// A goal converts in a conversation at its T — the conversion time is the
// time of that event — and at most once per conversation however often
// the condition holds again. A goal whose condition never holds in the
// events read does not convert.
//
// # Conversion numbers
//
// For a [Query] over [From, To) in the query's calendar:
//
//   - Conversations: conversations that started in [From, To). Started is
//     the same per bucket of their start.
//   - Conversions: conversations whose goal converted at an instant in
//     [From, To), counted in the bucket of that instant (calendar buckets
//     of the query's zone: a day across a DST change has 23 or 25 hours).
//     A conversation that started before From and converts in the range
//     counts here but not in the rate.
//   - Rate: conversations that started in the range and converted (before
//     To), over Conversations. 0/0 is reported as such.
//   - List: every conversion of Conversions: contact, conversation (host
//     id or derived name), when it started, the conversion time, the
//     credited flow and version, the user turns; sorted by time, contact,
//     conversation.
//   - UserTurns (Rasa's num_preceding_user_turns): the number of
//     message.received events of the conversation, reactions excepted,
//     strictly before the event that completed the goal, summarised over
//     the conversions: count,
//     mean, median (the mean of the two middle values for an even count),
//     min, max.
//   - TimeToConvert: conversion time minus conversation start, summarised
//     as a convometrics.DurationStats.
//   - Credited flow: the flow named by the event completing the goal (as
//     on flow.node, flow.completed or a goal.reached with a flow); if it
//     names none, the flow of the latest run started in the conversation
//     at or before that event; if none ran, no flow. The version is the
//     event's flow_version, else that of the latest run of the credited
//     flow started in the conversation at or before the event. ByFlow
//     counts conversions per credited flow and version.
//
// # Runs
//
// A run is one pass of a contact through a flow. It starts at a
// flow.started event (its flow and flow_version are the run's) in the
// conversation of that event (possibly none). It ends at the first of:
//
//   - completion: a flow.completed of the run's flow;
//   - the next flow: any flow.started of the contact (a restart of the
//     same flow included);
//   - the conversation changing: any structural event of the contact in
//     another conversation (or in none, when the run has one);
//   - the timeout: RunTimeout (default [DefaultRunTimeout], 24 hours)
//     after the run's last step (its start or its latest flow.node)
//     without a further step. An event at exactly last step + timeout
//     comes too late.
//
// While the run goes on, each flow.node of its flow is a step reaching that
// node. A flow.node or flow.completed that continues no run (no run going
// on, or the run is of another flow) is counted in Unmatched and ignored. A
// run that has not ended by Range.To, and whose last step is less than the
// timeout before To, is in progress. Runs count when they start in
// [From, To).
//
// # Flow numbers
//
// For a [FlowsQuery] over [From, To):
//
//   - TimesTriggered: flow.started events in the range (runs); Series per
//     bucket of their time. FlowsTriggered: the number of distinct flows
//     among them.
//   - Per flow, ranked by Triggered (descending, ties by name: the most
//     popular first): Triggered, Conversations and Contacts (distinct ones
//     with a run), Completed, Dropped (ended other than by completion) and
//     InProgress, and Completion = Completed / (Completed + Dropped): runs
//     in progress are left out of the denominator.
//
// # Drop-out
//
// Per flow and version (the run's), over the runs that ended (completed or
// dropped; runs in progress are left out):
//
//   - Reached(node): runs with at least one step at the node (a run counts
//     once however often it comes back).
//   - WentOn(node): those with another step — another node or the
//     completion — after their last visit to the node. A completed run went
//     on from every node it reached; a dropped run went on from every node
//     but the last one it reached.
//   - Dropped(node) = Reached − WentOn: runs that stopped at the node, the
//     node where each dropped run stopped; so the Dropped of all nodes add
//     up to the dropped runs, less NoNode, the dropped runs that reached no
//     node.
//   - DropOff(node) = Dropped / Reached, with both parts.
//
// Nodes are ranked worst first: higher DropOff (compared exactly as
// fractions), then more Dropped, then more Reached, then by name. With
// FlowsQuery.DroppedRuns, every dropped run is listed with its contact,
// conversation, flow, version, start, last step, the node it stopped at
// and what ended it (next_flow, conversation_changed or timeout).
//
// # Version comparison
//
// For a [CompareQuery] on flow F and a goal G (by default
// "completed:F", a flow.completed of F), over [From, To):
//
//   - A conversation is exposed to a version when its first run of F
//     started in the range is of that version (runs outside any
//     conversation are left out). Conversations = exposed conversations;
//     Converted = those where G converts at or after that run's
//     flow.started (and before To); Excluded = those where G had converted
//     before it (the flow cannot have caused it; they count in neither).
//     Rate = Converted / Conversations.
//   - Interval: the Wilson score interval at 95% ([Wilson]).
//   - Baseline: the version named in the query, else the first version in
//     natural order (v2 before v10), usually the oldest. Every other version is tested against it with the pooled
//     two-proportion z-test ([TwoProportion]); Difference is the version's
//     rate minus the baseline's and z is positive when the version converts
//     better.
//   - Enough: every expected count n·p̄ and n·(1 − p̄), for both versions
//     with the pooled rate p̄, is at least [MinExpected] (5): Cochran's rule
//     for the normal approximation. Significant: tested, Enough, and
//     p < 0.05. NeededPerVersion: conversations per version to detect the
//     observed difference at the 5% level with 80% power ([SampleSize]),
//     raised when needed to ⌈5 / min(p̃, 1 − p̃)⌉ (p̃ the mean of the two
//     rates) so that Cochran's rule would hold.
//   - Verdict: "too few conversations to conclude" without Enough; "v2
//     converts better (or worse) than v1" when Significant; otherwise "no
//     significant difference", with the needed sample size when the
//     smaller version has fewer conversations than NeededPerVersion.
//
// # Defaults
//
// [DefaultGoals] builds a goal set from a tenant's events for hosts that
// define none, from the events in the range given (test traffic left
// out): one goal per goal name on goal.reached events, named as the goal
// and holding at them; "payment_succeeded" when there are
// payment.succeeded events; and "completed:FLOW" (a flow.completed of the
// flow) per flow started. Like every goal, each counts conversations,
// once each, and its description says so ("conversations with a
// goal.reached event of goal NAME", "conversations with a flow.completed
// event of flow FLOW").
//
// "payment_succeeded" ([PaymentSucceededGoal]) holds at the conversation's
// first payment.succeeded event. Its Conversions are the conversations
// with at least one payment.succeeded in the range, by the rules of §
// Conversations: a payment without a conversation id joins the contact's
// open conversation, and one that finds none (paid 24 hours or more after
// the conversation's resolution, or naming a conversation with no
// structural event) counts nowhere. Every payment.succeeded counts,
// whether or not it carries a link or reference matched to a payment link;
// payment ids are not compared. It is therefore not the conversions of
// the commerce funnel (funnel.Commerce: paid links, each matched payment
// credited to the conversation of its link) or of attribution (each
// payment.succeeded matched to a payment link by attribution.MatchPayments
// is one conversion, de-duplicated by payment id): it also counts
// payments matched to no link, and counts a conversation with several
// payments once. For example, a conversation with two payments through
// two links sent in it and one payment made outside any link is 1
// payment_succeeded conversion, 2 commerce conversions and 2 attribution
// conversions.
//
// # Tables
//
// [Result.Tables] labels every goal count as conversations: the summary
// "Goals" has conversations_converted (Conversions), conversations_started
// (Conversations), converted_of_started (the rate's numerator),
// conversion_rate, user turns and time to convert, and the goal's
// description as definition; "Converted conversations per DAY|WEEK|…"
// and "Converted conversations by credited flow" split
// conversations_converted by bucket and by credited flow.
//
// # Merging
//
// Conversations, runs and goals never span contacts, and each contact's
// events are folded at once, so an accumulator's numbers are sums over
// contacts: Merge adds counts and series, concatenates lists and the
// exact samples behind medians, and maps flow, version and node names
// between the accumulators, which may have been built over different
// frames. Results sort every list, so the merge order does not matter.
//
// Merge accepts only an accumulator of the same query: equal in every
// field, compared by content (the range as instants, the calendar by zone
// name and week start, goals by their JSON), with defaults applied (an
// empty granularity is day, a zero run timeout 24 hours, a nil compared
// goal the flow's completion), except Partition and AllowLongRange, which
// change no number. Anything else, or an accumulator merged into itself,
// is an error wrapping convometrics.ErrMismatch naming the fields that
// differ, and the accumulator is left unchanged. Merge cannot tell two
// accumulators of the same contacts apart: merge disjoint partitions only.
package goals
