// Package session measures conversations: sessions and their states,
// contacts, messages, the 24-hour customer-service window, response times,
// agent, team and inbox performance, SLA attainment, bot and AI outcomes,
// and agent-assist accuracy.
//
// Each question is one function taking a [Query]: [Overview], [Agents],
// [Assist], [Windows] and [Sessions]. Underneath, an [Accumulator] folds a
// tenant's events one contact at a time and merges with others ([Fold],
// [Accumulator.Merge]), so that partitions of the contacts computed apart
// give exactly the single-pass answer. Results carry totals and series
// (every bucket of the range, in the tenant's calendar) and offer Tables
// for CSV and text export.
//
// This page defines every number precisely enough to recompute it by hand.
// "The range" is the query's half-open period [From, To); "a bucket" is one
// calendar period (hour, day, week or month) of the query's time zone, and
// a count's series counts per bucket what its total counts over the range.
// Instants are compared in nanoseconds; an event at exactly From is in the
// range, one at exactly To is not.
//
// A question's [Query] names a tenant (else an error wrapping
// convometrics.ErrNoTenant) and a range with both bounds, From before To
// (else convometrics.ErrEmptyRange), touching at most 90 calendar days of
// the query's Calendar unless AllowLongRange is set (else
// convometrics.ErrRangeTooLong), as convometrics.Calendar.CheckRange
// checks it. [Query.Validate] reports the first field at fault and never
// modifies the query.
//
// # Input
//
// The engine reads message.received (inbound), message.sent (outbound),
// the conversation.* lifecycle events and assist.suggestion, of one
// tenant, over all of its history: whether a contact is new depends on
// everything before the range, and a session open at the start of the
// range may have started long before. Events are taken in (time, id)
// order per contact, so the order of arrival never matters, and a store
// keeps each event id once, so a webhook delivered twice counts once.
//
// A message is also counted once when it was stored under several event
// ids (a host that gives a re-delivered webhook a new event id): of the
// inbound and outbound messages (message.received and message.sent) of a
// contact that carry the same message id, only the first in (time, id)
// order exists — the others are left out entirely, as if they had never
// happened: they are not counted, answer nothing, await no reply, open
// no window, start and join no session. Events without a message id are
// never merged. A message belongs to its contact: the same message id on
// two contacts' events is two messages (so that partitions of the
// contacts stay exact). Test traffic that is left out takes no part:
// without IncludeTest, the first message with the id outside the test
// channel is the one that exists.
//
// Test traffic (channel "test") is left out entirely, as if it had never
// happened, unless the query sets IncludeTest.
//
// # Sessions
//
// A session is a conversation of one contact. Hosts that send
// conversation ids keep them: every event carrying a conversation id
// belongs to that conversation's session, which starts at its first event
// (of the types above, assist.suggestion aside: suggestions are counted by
// [Assist] only and belong to no session — they start none, join none and
// are not a session's latest event for the inactivity timeout). For events
// without a conversation id — every event
// of a host that sends none, like the demo tenant umbrella — sessions are
// derived by the same rules, per (contact, inbox):
//
//   - an inbound message (other than a reaction), a conversation.opened or
//     a conversation.reopened starts a session when the contact has no
//     active session in that inbox;
//   - any other event without a conversation id joins the contact's latest
//     active session in the same inbox (an event without an inbox joins the
//     latest active session in any inbox, a session without an inbox takes
//     events of any inbox); when there is none it is outside any session;
//   - with [SessionsDerive] conversation ids are ignored and every session
//     is derived (for hosts whose conversation is one endless WhatsApp
//     thread).
//
// An event with a conversation id never joins a derived session, and one
// without an id may join a host session (the host forgot the id on it).
//
// A session is in one of three active states: unassigned, assigned (it has
// an agent or a team), resolved. It is active while unassigned or assigned,
// and stays active (resolved) for 24 hours after a resolution. It ends 24
// hours after its latest resolution unless reopened before: an inbound
// message (other than a reaction), a conversation.reopened or a
// conversation.opened reopens a resolved session and starts a new resolve
// cycle. After a derived session has ended, the contact's next such event
// starts a new session. A host session that has ended stays the same
// session when its conversation id shows up again (the host said it is the
// same conversation): a reopening event makes it active again, other
// events join it without reopening it. conversation.assigned
// sets the assignment to exactly the agent and team it names (an empty
// field clears it); conversation.unassigned clears both; an assignment
// repeating the current one changes nothing. A conversation.resolved of a
// session that is already resolved (or has ended) changes nothing. An open
// session that is never resolved stays active, unless an inactivity
// timeout is set.
//
// With [Options.InactivityTimeout] T (positive), a session that is not
// resolved (unassigned or assigned) ends when it has had no event for T:
// with its latest event at L — any event the rules above give to it, in
// either direction, reactions and lifecycle events included — and none
// before L + T, it ends at exactly L + T (an event at that instant comes
// after the end). Until then it keeps its state, and its assignee, as
// without the timeout: it is active, unassigned or assigned, at every
// instant of [L, L + T), in the snapshots, the active counts and the
// agents' active sessions. From L + T on it is not active. Its end closes
// the resolve cycle as a resolution would: the messages awaiting a reply
// stay unanswered (a later reply answers nothing from before, as after a
// resolution), the wait for a human reply ends, and the SLA clocks still
// running stop at L + T — a first- or next-response clock or the
// resolution clock past its target is breached, one within it is neither
// met nor breached (the resolution clock measures no resolution). It is
// not a resolution: it counts in no resolution number or time, the
// session is never resolved, and no resolution is reopened. Afterwards it
// is like a session ended 24 hours after its resolution: a derived
// session is over, so the contact's next inbound message (not a
// reaction), conversation.opened or conversation.reopened starts a new
// one and other events until then are outside any session; a host
// conversation id showing up again brings the same session back (a
// reopening event makes it active again with a new resolve cycle, other
// events join it without reopening it). So a late agent reply after an
// inactivity end belongs to a host session when it carries the
// conversation id (and counts there, e.g. as a first response of 25
// hours), while in a derived session it falls outside any session and
// counts in no response time. A resolved session ends 24
// hours after its resolution whatever T. A session without events after
// its latest one whose L + T falls after the query's Now is still open at
// Now, its SLA clocks running then (pending within their target).
//
// The timeout is off by default (zero): a session stays active until 24
// hours after its resolution, as the product defines it, which suits
// hosts that send conversation.resolved. A host that never sends it (the
// README's example sends only messages) should set 24h: a conversation
// then ends a day after its last event — the length of WhatsApp's
// customer-service window — instead of staying active forever with no
// contact ever idle.
//
// A session is incoming when its first message is inbound (the contact
// wrote first).
//
// A resolve cycle runs from the session's start, or from the reopening that
// began it, to its resolution (or its inactivity end).
//
// # Filters
//
// A [Filter] selects sessions (see its documentation for what each list
// matches); every number is then computed as if only the selected
// sessions, and the messages outside any session that match by their own
// fields, existed. The 24-hour windows are opened by every inbound message
// passing the channel, inbox and contact filters, whatever the others say.
//
// # Overview
//
// [Overview] returns these numbers; each count also as a series.
//
//   - ActiveSessions: sessions active at some instant of the range (of the
//     bucket); a session counts once in the total.
//   - NewSessions: sessions that started in the range; NewIncomingSessions
//     those of them that are incoming.
//   - Contacts: distinct contacts who sent at least one inbound message in
//     the range (the bucket), counted once in the total.
//   - NewContacts: contacts whose first inbound message ever (among those
//     selected) is in the range. A contact who only ever received
//     messages is never new.
//   - ActiveContacts: distinct contacts with a session active at some
//     instant of the range (the bucket).
//   - Messages: Received counts inbound messages, reactions included; Sent
//     outbound messages, ByAgent, ByBot, ByAI, ByCampaign and ByBroadcast
//     by their sender; all by the message's time.
//   - Messages.PerSession: the messages (both directions, reactions
//     included) of the sessions that started in the range, sent or received
//     before the end of the range, over the number of those sessions; the
//     series puts each session in the bucket of its start.
//   - Messages.OutsideWindow: outbound messages in the range that are not
//     templates, on a WhatsApp (or unspecified) channel, sent when the
//     contact's 24-hour window in that inbox was closed (see below); by
//     sender in OutsideBySender. WhatsApp rejects them with error 131047.
//   - ResponseRate: of the inbound messages in the range (reactions
//     excluded) in a session, those answered. By default a message is
//     answered when a reply — an outbound message of the session by the
//     bot, the AI assistant or an agent, not a reaction, campaign or
//     broadcast — comes before the contact's next inbound message of the
//     session: of three messages in a row followed by one reply only the
//     third is answered. With [Options.ResponseWindow] set, a message is
//     answered when a reply comes within that duration of it, whatever came
//     in between. A resolution ends every wait, and so does an inactivity
//     end: a reply after it answers nothing from before. The rate is
//     credited to the bucket of the inbound message, and a reply after the
//     end of the range still counts.
//   - ResponseTime: for each answered message, the time from it to the
//     first reply after it.
//   - FirstResponse: for each session that started in the range and in
//     which the contact wrote, the time from its first inbound message
//     (not a reaction) to the first reply after it, by anyone (the bot's
//     replies included); in the bucket of the session's start.
//   - Bot: Sessions counts the sessions started in the range in which the
//     bot or the AI assistant replied; BotOnly those of them with no human
//     involvement (no hand-off, no assignment, no agent message — at any
//     time); Resolved those of BotOnly the bot resolved (a resolution without
//     an agent);
//     HandedOff those of Sessions with a conversation.handoff;
//     HandoffRate = HandedOff / Sessions (sessions the bot never served do
//     not dilute it). Handoffs counts conversation.handoff events in the
//     range. Resolutions counts the resolutions in the range (see
//     Sessions), BotResolutions those without an agent; Reopened counts
//     the resolutions in the range that were later reopened (at any time);
//     ReopenRate = Reopened / Resolutions, in the bucket of the resolution.
//   - Cost: the amount and currency of each outbound message in the range,
//     summed per currency (never across currencies), by the message's
//     time. When the query carries [Query.MessageCosts] (for example from
//     the credits engine), those costs take precedence entirely: a message
//     is priced by its id in the map, and a message absent from it costs
//     nothing. PerSession divides, per currency, the cost of the messages
//     of the sessions that started in the range (those before its end) by
//     the number of those sessions, rounded half away from zero to 6
//     decimals.
//   - Now, End, Snapshots: the state at an instant — at the query's Now,
//     after every event at or before it; at the end of the range and at the
//     end of each bucket (clipped to the range), after every event before
//     it. An unset Now is the end of the range.
//     Active, Unassigned, Assigned and Resolved count active sessions by
//     state; ActiveContacts the contacts with an active session;
//     IdleContacts the contacts who had written at least once by then and
//     have no active session; OpenWindows the contacts with an open 24-hour
//     window in some inbox.
//
// # The 24-hour customer-service window
//
// For each (inbox, contact) on a WhatsApp (or unspecified) channel, every
// inbound message — reactions included — opens the window, or resets it:
// the window is open from the message's instant until exactly 24 hours
// later (an outbound message at exactly 24 hours is outside). Web-widget
// and API conversations have no window. [Windows] lists the windows open
// at the query's Now and the sends outside a window during the range.
//
// # Agents, teams and inboxes
//
// [Agents] credits human work. Every number below is credited to an agent,
// to a team, to an inbox (the session's), and to the All row; the team
// members row of a team sums its agents' rows (agents listed in
// Options.Members, else every agent seen with the team on an assignment or
// an agent message in the range). Durations are credited to the bucket of the event
// that ends them (the reply or the resolution), as Chatwoot does; counts
// to the bucket of their event.
//
//   - ActiveNow, ActiveAtEnd: sessions active at Now or at the end of the
//     range with this agent or team assigned (a resolved session keeps its
//     assignee); for an inbox and for All, its active sessions that have an
//     assignee.
//   - TimesAssigned: conversation.assigned events that give the session a
//     new agent (credited to that agent) or a new team (to that team); an
//     inbox and All count every assignment that changed something.
//     SessionsAssigned: distinct sessions assigned to the agent or team in
//     the range, in the bucket of their first such assignment.
//   - MessagesSent: outbound messages with sender agent, credited to the
//     agent named on the message and to its team (else the session's).
//   - FirstResponse: once per resolve cycle, the first agent message of the
//     cycle sent after the contact's first inbound message of the cycle,
//     measured from the latest of: the contact's first inbound message of
//     the cycle, the latest assignment (one that changed something), bot
//     hand-off, conversation.opened or reopening of the cycle before the
//     reply. So a session assigned twice before the reply measures from the
//     second assignment, and a reopened session from the reopening. An
//     agent writing before the contact has written in the cycle responds to
//     nothing; a cycle resolved before any agent reply has none. Credited
//     to the replier (with [CreditAssignee], to the agent assigned at the
//     reply, when there is one), and to the team on the message, else the
//     session's.
//   - ReplyTime: after the cycle's first response, each later wait of the
//     contact for a human: from the first inbound message after an agent
//     reply to the next agent reply. A resolution (or an inactivity end)
//     ends the wait unanswered; a bot reply ends it only with
//     ReplyWaitEndsOnBot. Credited like FirstResponse.
//   - Resolutions: conversation.resolved events in the range that resolved
//     a session, credited to the resolver (the agent on the event; a
//     resolution without an agent is the bot's and is not human work), or
//     with [CreditAssignee] to the session's assignee; to the team on the
//     event, else the session's. With [CountSessions], distinct sessions
//     whose last resolution in the range is not followed by a reopening
//     before the end of the range, credited like their last resolution.
//   - ResolutionTime: for each such resolution, the time from the start of
//     its cycle ([FromCycle]) or of the session ([FromSession]).
//   - SLA (with [Options.SLA]): for sessions that started in the range with
//     human involvement, whether each target was met. A clock that ran
//     past its target is a breach, whether it ended with a reply, with a
//     resolution or is still running at Now; a measured value within the
//     target is met; a clock still running within its target at Now is
//     pending (not in the rate). First response clocks start as
//     FirstResponse measures them, once the cycle has human involvement;
//     next-response clocks are the ReplyTime waits; the resolution clock is
//     every resolve cycle's resolution time. A session breaches a target
//     when any of its cycles does; it is credited to its last assignee.
//     Attainment = met / (met + breached).
//
// Mean, median and p90 are as [cm.DurationStats] defines them: the mean
// truncated to the nanosecond, the median the midpoint of the two middle
// values for an even count, p90 the nearest-rank 90th percentile.
//
// # Business hours
//
// With [Options.BusinessHours] every duration of the package (response
// times, first responses, reply and resolution times, SLA clocks) counts
// only the working time between its two instants: the overlap of the
// interval with the schedule's windows, in the schedule's zone (the
// query's unless set), each local date's windows converted to instants on
// that date (so DST days are right), holidays without windows.
//
// # Agent assist
//
// [Assist] counts assist.suggestion events in the range by agent, team
// and overall. Usage counts every suggestion. Accuracy is the mean, over
// the suggestions not translated, of 1 − Levenshtein(suggested, final) /
// max(len(suggested), len(final)) on Unicode code points ([Accuracy]); a
// suggestion with no final reply scores 0; translated suggestions count in
// usage only. Each accuracy is rounded to nine decimals before summing, so
// that the sum is exact and independent of order. The distance is
// computed bit-parallel (Myers's algorithm in Hyyrö's form, 64 code points
// of the shorter text per machine word): O(⌈m/64⌉·n) for texts of m ≤ n
// code points once their common prefix and suffix are set aside; two
// texts of 16 KB take about 15 ms, fifty times less than the plain
// dynamic programme.
//
// # Chatwoot compatibility
//
// [ChatwootOptions] reproduces Chatwoot's report definitions
// (support-metrics.md): the first human reply once per session, measured
// from the latest bot hand-off (the first only) or reopening, else the
// last bot resolution, else the session's start, credited to the replier;
// the reply time from waiting_since (set at creation and by an inbound
// message when blank, cleared by any reply including the bot's, by a
// resolution, and set again at a reopening) to each later human reply;
// the resolution time from the session's start, credited to the
// assignee; every resolution counted. Use a Calendar whose weeks start on
// Sunday (JSON "week_start": "sunday") for Chatwoot's weeks. Chatwoot has
// no medians or percentiles; the means are its numbers.
//
// # Merging
//
// Every number is a sum over contacts: a session, a window and a
// suggestion belong to one contact, and agent numbers add up. Accumulators
// of disjoint contacts (the parts of cm.Partition) therefore merge by
// addition, durations by concatenation, and give exactly the single-pass
// result. [Accumulator.Merge] refuses, with an error wrapping
// convometrics.ErrMismatch, accumulators of queries that differ in
// anything but their partition and AllowLongRange (compared by content,
// so a query decoded from JSON on another machine merges), and an
// accumulator merged into itself.
//
// # Speed
//
// A question reads one frame of the tenant (package internal/frame) with
// only the columns it needs, which memstore serves from its symbol tables
// and caches. Per frame the engine derives, once, a small code column (the
// row's type, sender kind, channel, template, reaction and amount flags)
// and a contact index (when each contact's last session ended, and its
// first inbound message); both depend on the frame alone (and on the
// session and test-traffic options) and live as long as the frame. A
// question without filters then skips every contact quiet since more than
// 24 hours before its range — its only contribution is to the idle
// counts — and reads the others from their last session start (while no
// session of theirs was active) more than 24 hours before the range, so a
// 30-day question over years of history reads little more than 30 days. The contacts are folded on every core and the partial
// accumulators merged; durations are summarised by selection (linear
// time), exactly.
package session
