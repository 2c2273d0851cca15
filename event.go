package convometrics

import (
	"maps"
	"time"

	"github.com/shopspring/decimal"
)

// Type is the kind of fact an [Event] records. The set is closed: [Event.Validate]
// rejects any other value. See the constants for what each type means and which
// fields it uses.
type Type string

// Event types. The comment on each names the fields the type requires (beyond
// id, tenant, type and time, which every event requires) and the optional
// fields engines read.
const (
	// MessageReceived is an inbound message from the contact.
	// Requires contact. Optional: message, reply_to, referral, message_type,
	// country (the contact's country, e.g. from the whatsapp adapter).
	MessageReceived Type = "message.received"
	// MessageSent is an outbound message to the contact.
	// Requires contact and sender. Optional: message, agent, team, assistant,
	// template, template_category, campaign, campaign_version, flow,
	// message_type; amount and currency give the price the host recorded for
	// this message, when it has one.
	MessageSent Type = "message.sent"
	// MessageStatus is a delivery receipt for an outbound message.
	// Requires message and status. Optional: contact, error_code and the
	// pricing fields (pricing_model, pricing_type, pricing_category, billable,
	// billing_conversation, country).
	MessageStatus Type = "message.status"

	// ConversationOpened records that a conversation (session) was opened
	// explicitly by the host. Requires contact.
	ConversationOpened Type = "conversation.opened"
	// ConversationAssigned records an assignment to an agent and/or a team.
	// Requires contact and at least one of agent and team.
	ConversationAssigned Type = "conversation.assigned"
	// ConversationUnassigned records that the conversation lost its assignee.
	// Requires contact.
	ConversationUnassigned Type = "conversation.unassigned"
	// ConversationHandoff records a hand-off from the bot (or AI assistant)
	// to humans. Requires contact.
	ConversationHandoff Type = "conversation.handoff"
	// ConversationResolved records a resolution. Requires contact; agent
	// names who resolved it and is empty when the bot did.
	ConversationResolved Type = "conversation.resolved"
	// ConversationReopened records that a resolved conversation was reopened.
	// Requires contact.
	ConversationReopened Type = "conversation.reopened"

	// FlowStarted records the start of a chat flow run. Requires contact and
	// flow. Optional: flow_version, campaign.
	FlowStarted Type = "flow.started"
	// FlowNode records that a flow run reached a node (a box of the flow).
	// Requires contact, flow and node. attrs may carry captured variables.
	FlowNode Type = "flow.node"
	// FlowCompleted records that a flow run reached its end. Requires contact
	// and flow.
	FlowCompleted Type = "flow.completed"

	// CampaignTargeted records that a contact was put into a campaign
	// deployment. Requires contact and campaign. Optional: campaign_version;
	// attrs carry the per-user variables of the deployment.
	CampaignTargeted Type = "campaign.targeted"

	// CartAdded records items added to a cart. Requires contact and currency;
	// amount is the value added.
	CartAdded Type = "cart.added"
	// PaymentLink records a payment link sent in a conversation. Requires
	// link, amount and currency. Optional: reference, contact, campaign,
	// template, flow, agent.
	PaymentLink Type = "payment.link"
	// PaymentSucceeded records a successful payment. Requires payment, amount
	// and currency. Optional: link, reference, provider, contact.
	PaymentSucceeded Type = "payment.succeeded"
	// PaymentFailed records a failed payment attempt. Optional: payment, link,
	// reference, amount, currency, provider, error_code.
	PaymentFailed Type = "payment.failed"
	// PaymentRefunded records a refund of an earlier payment. Requires payment
	// (the id of the payment refunded), amount (the amount refunded, positive)
	// and currency.
	PaymentRefunded Type = "payment.refunded"

	// GoalReached records a goal the host detected itself. Requires contact
	// and goal.
	GoalReached Type = "goal.reached"
	// CreditsTopup records credits added to the tenant's messaging balance.
	// Requires a positive amount and currency.
	CreditsTopup Type = "credits.topup"
	// AssistSuggestion records a reply suggested to an agent by an AI
	// assistant. Requires agent and suggested; final is the reply the agent
	// finally sent (empty when it sent none), translated reports that the
	// suggestion went through translation.
	AssistSuggestion Type = "assist.suggestion"
)

// Types returns every event type in a fixed order.
func Types() []Type {
	return []Type{
		MessageReceived, MessageSent, MessageStatus,
		ConversationOpened, ConversationAssigned, ConversationUnassigned,
		ConversationHandoff, ConversationResolved, ConversationReopened,
		FlowStarted, FlowNode, FlowCompleted,
		CampaignTargeted,
		CartAdded, PaymentLink, PaymentSucceeded, PaymentFailed, PaymentRefunded,
		GoalReached, CreditsTopup, AssistSuggestion,
	}
}

// Known reports whether t is one of the event types of this package.
func (t Type) Known() bool { return typeIndex(t) >= 0 }

// typeIndex returns the position of t in Types, or -1.
func typeIndex(t Type) int {
	switch t {
	case MessageReceived:
		return 0
	case MessageSent:
		return 1
	case MessageStatus:
		return 2
	case ConversationOpened:
		return 3
	case ConversationAssigned:
		return 4
	case ConversationUnassigned:
		return 5
	case ConversationHandoff:
		return 6
	case ConversationResolved:
		return 7
	case ConversationReopened:
		return 8
	case FlowStarted:
		return 9
	case FlowNode:
		return 10
	case FlowCompleted:
		return 11
	case CampaignTargeted:
		return 12
	case CartAdded:
		return 13
	case PaymentLink:
		return 14
	case PaymentSucceeded:
		return 15
	case PaymentFailed:
		return 16
	case PaymentRefunded:
		return 17
	case GoalReached:
		return 18
	case CreditsTopup:
		return 19
	case AssistSuggestion:
		return 20
	}
	return -1
}

// TypeCode returns a dense code for t in [0, NumTypes) and true, or 0 and
// false for an unknown type. Codes follow the order of [Types] and never
// change for an existing type; stores use them for compact columns.
func TypeCode(t Type) (uint8, bool) {
	i := typeIndex(t)
	if i < 0 {
		return 0, false
	}
	return uint8(i), true
}

// TypeOfCode is the inverse of [TypeCode]. It returns "" for a code out of range.
func TypeOfCode(c uint8) Type {
	if int(c) >= NumTypes {
		return ""
	}
	return Types()[c]
}

// NumTypes is the number of event types.
const NumTypes = 21

// Channel is the channel type a conversation runs on. The set is closed.
// An empty channel means "not specified" and is treated like any non-test
// channel.
type Channel string

// Channel types.
const (
	ChannelWhatsApp  Channel = "whatsapp"
	ChannelWebWidget Channel = "web_widget"
	ChannelAPI       Channel = "api"
	// ChannelTest marks test traffic (for example conversations started from a
	// dashboard's test console). Engines exclude it from business metrics
	// unless asked to include it.
	ChannelTest Channel = "test"
)

// Known reports whether c is empty or one of the channel types.
func (c Channel) Known() bool {
	switch c {
	case "", ChannelWhatsApp, ChannelWebWidget, ChannelAPI, ChannelTest:
		return true
	}
	return false
}

// Sender is who sent an outbound message. The set is closed.
type Sender string

// Senders of outbound messages.
const (
	SenderBot       Sender = "bot"       // the chatbot (rules or flows)
	SenderAgent     Sender = "agent"     // a human agent
	SenderAI        Sender = "ai"        // an AI assistant answering on its own
	SenderCampaign  Sender = "campaign"  // a campaign (outbound conversation) deployment
	SenderBroadcast Sender = "broadcast" // a one-off broadcast
)

// Known reports whether s is one of the senders.
func (s Sender) Known() bool {
	switch s {
	case SenderBot, SenderAgent, SenderAI, SenderCampaign, SenderBroadcast:
		return true
	}
	return false
}

// Status is a delivery state reported for an outbound message. WhatsApp adds
// states from time to time, so the type is open: the constants are the
// states engines understand, and any other non-empty value is stored and
// treated as carrying no delivery state.
type Status string

// Delivery states, in the order a message normally moves through them.
// Failed is terminal.
const (
	StatusSent      Status = "sent"
	StatusDelivered Status = "delivered"
	StatusRead      Status = "read"
	StatusPlayed    Status = "played"
	StatusFailed    Status = "failed"
)

// Known reports whether s is one of the states engines understand.
func (s Status) Known() bool {
	switch s {
	case StatusSent, StatusDelivered, StatusRead, StatusPlayed, StatusFailed:
		return true
	}
	return false
}

// OptBool is a boolean that may be unset. Its zero value is [Unset]. In JSON
// it is true, false, or absent.
type OptBool uint8

// Values of an OptBool.
const (
	Unset OptBool = iota
	False
	True
)

// Bool returns the value and whether it is set.
func (b OptBool) Bool() (value, ok bool) { return b == True, b != Unset }

// OptBoolOf returns True or False.
func OptBoolOf(v bool) OptBool {
	if v {
		return True
	}
	return False
}

// Event is one fact about a conversation: a message, a status, a lifecycle
// change, a flow step, a payment. It is the interchange type between hosts,
// stores and engines. Fields that do not apply to a type stay empty; the
// constants of [Type] list which fields each type requires.
//
// ID is unique within the tenant: stores keep the first event with a given
// (Tenant, ID) and ignore exact repeats. Time is an instant; stores may return
// it in UTC. Amount and Currency carry money: Amount is exact
// (decimal.Decimal) and is never meaningful without Currency.
//
// The JSON form uses the snake_case keys shown in the field tags, RFC 3339
// times, and the amount as a decimal string.
type Event struct {
	ID           string    `json:"id"`
	Tenant       string    `json:"tenant"`
	Type         Type      `json:"type"`
	Time         time.Time `json:"time"`
	Channel      Channel   `json:"channel,omitempty"`
	Inbox        string    `json:"inbox,omitempty"`        // phone number id or widget id
	Contact      string    `json:"contact,omitempty"`      // the end user (phone, user id or a pseudonym)
	Conversation string    `json:"conversation,omitempty"` // the host's conversation (session) id, when it has one

	Message          string `json:"message,omitempty"`      // message id (WhatsApp wamid)
	ReplyTo          string `json:"reply_to,omitempty"`     // id of the message this inbound message answers
	MessageType      string `json:"message_type,omitempty"` // text, template, interactive, image, order, reaction, …
	Referral         string `json:"referral,omitempty"`     // ad or source id that brought the contact (click-to-WhatsApp)
	Sender           Sender `json:"sender,omitempty"`
	Agent            string `json:"agent,omitempty"`
	Team             string `json:"team,omitempty"`
	Assistant        string `json:"assistant,omitempty"` // the AI assistant or bot configuration serving the conversation
	Template         string `json:"template,omitempty"`  // template name; non-empty means the message is a template
	TemplateCategory string `json:"template_category,omitempty"`
	Campaign         string `json:"campaign,omitempty"`
	CampaignVersion  string `json:"campaign_version,omitempty"`
	Flow             string `json:"flow,omitempty"`
	FlowVersion      string `json:"flow_version,omitempty"`
	Node             string `json:"node,omitempty"`

	Status              Status  `json:"status,omitempty"`
	ErrorCode           string  `json:"error_code,omitempty"`
	PricingModel        string  `json:"pricing_model,omitempty"`    // PMP or CBP, as WhatsApp reports it
	PricingType         string  `json:"pricing_type,omitempty"`     // regular, free_customer_service, free_entry_point
	PricingCategory     string  `json:"pricing_category,omitempty"` // marketing, utility, authentication, service, …
	Billable            OptBool `json:"billable,omitzero"`
	BillingConversation string  `json:"billing_conversation,omitempty"` // WhatsApp's pricing conversation id (not a session)
	Country             string  `json:"country,omitempty"`              // recipient's country, ISO 3166-1 alpha-2

	Goal string `json:"goal,omitempty"`

	Amount    decimal.Decimal `json:"amount,omitzero"`
	Currency  string          `json:"currency,omitempty"` // ISO 4217, three upper-case letters
	Link      string          `json:"link,omitempty"`     // payment link id
	Reference string          `json:"reference,omitempty"`
	Payment   string          `json:"payment,omitempty"` // payment id (for a refund: the payment refunded)
	Provider  string          `json:"provider,omitempty"`

	Suggested  string `json:"suggested,omitempty"`
	Final      string `json:"final,omitempty"`
	Translated bool   `json:"translated,omitempty"`

	Attrs map[string]string `json:"attrs,omitempty"`
}

// Equal reports whether e and o record the same fact: every field equal,
// times as instants (time.Time.Equal), amounts by value and attrs as maps
// (nil equals empty). Stores use it to tell an exact repeat from a conflict.
func (e *Event) Equal(o *Event) bool {
	if !e.Time.Equal(o.Time) || !e.Amount.Equal(o.Amount) {
		return false
	}
	if len(e.Attrs) != len(o.Attrs) || (len(e.Attrs) > 0 && !maps.Equal(e.Attrs, o.Attrs)) {
		return false
	}
	return e.ID == o.ID &&
		e.Tenant == o.Tenant &&
		e.Type == o.Type &&
		e.Channel == o.Channel &&
		e.Inbox == o.Inbox &&
		e.Contact == o.Contact &&
		e.Conversation == o.Conversation &&
		e.Message == o.Message &&
		e.ReplyTo == o.ReplyTo &&
		e.MessageType == o.MessageType &&
		e.Referral == o.Referral &&
		e.Sender == o.Sender &&
		e.Agent == o.Agent &&
		e.Team == o.Team &&
		e.Assistant == o.Assistant &&
		e.Template == o.Template &&
		e.TemplateCategory == o.TemplateCategory &&
		e.Campaign == o.Campaign &&
		e.CampaignVersion == o.CampaignVersion &&
		e.Flow == o.Flow &&
		e.FlowVersion == o.FlowVersion &&
		e.Node == o.Node &&
		e.Status == o.Status &&
		e.ErrorCode == o.ErrorCode &&
		e.PricingModel == o.PricingModel &&
		e.PricingType == o.PricingType &&
		e.PricingCategory == o.PricingCategory &&
		e.Billable == o.Billable &&
		e.BillingConversation == o.BillingConversation &&
		e.Country == o.Country &&
		e.Goal == o.Goal &&
		e.Currency == o.Currency &&
		e.Link == o.Link &&
		e.Reference == o.Reference &&
		e.Payment == o.Payment &&
		e.Provider == o.Provider &&
		e.Suggested == o.Suggested &&
		e.Final == o.Final &&
		e.Translated == o.Translated
}

// IsTest reports whether the event belongs to test traffic.
func (e *Event) IsTest() bool { return e.Channel == ChannelTest }
