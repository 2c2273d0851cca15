package convometrics

import (
	"encoding/json"
	"time"
)

// AppendJSON appends the JSON form of e (one object, no newline) to dst and
// returns the extended buffer. Keys come in a fixed order and attrs are sorted
// by key, so equal events encode to equal bytes.
func (e *Event) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendString(dst, e.ID)
	dst = append(dst, `,"tenant":`...)
	dst = appendString(dst, e.Tenant)
	dst = append(dst, `,"type":`...)
	dst = appendString(dst, string(e.Type))
	dst = append(dst, `,"time":"`...)
	dst = e.Time.AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, '"')
	if e.Channel != "" {
		dst = append(dst, `,"channel":`...)
		dst = appendString(dst, string(e.Channel))
	}
	if e.Inbox != "" {
		dst = append(dst, `,"inbox":`...)
		dst = appendString(dst, e.Inbox)
	}
	if e.Contact != "" {
		dst = append(dst, `,"contact":`...)
		dst = appendString(dst, e.Contact)
	}
	if e.Conversation != "" {
		dst = append(dst, `,"conversation":`...)
		dst = appendString(dst, e.Conversation)
	}
	if e.Message != "" {
		dst = append(dst, `,"message":`...)
		dst = appendString(dst, e.Message)
	}
	if e.ReplyTo != "" {
		dst = append(dst, `,"reply_to":`...)
		dst = appendString(dst, e.ReplyTo)
	}
	if e.MessageType != "" {
		dst = append(dst, `,"message_type":`...)
		dst = appendString(dst, e.MessageType)
	}
	if e.Referral != "" {
		dst = append(dst, `,"referral":`...)
		dst = appendString(dst, e.Referral)
	}
	if e.Sender != "" {
		dst = append(dst, `,"sender":`...)
		dst = appendString(dst, string(e.Sender))
	}
	if e.Agent != "" {
		dst = append(dst, `,"agent":`...)
		dst = appendString(dst, e.Agent)
	}
	if e.Team != "" {
		dst = append(dst, `,"team":`...)
		dst = appendString(dst, e.Team)
	}
	if e.Assistant != "" {
		dst = append(dst, `,"assistant":`...)
		dst = appendString(dst, e.Assistant)
	}
	if e.Template != "" {
		dst = append(dst, `,"template":`...)
		dst = appendString(dst, e.Template)
	}
	if e.TemplateCategory != "" {
		dst = append(dst, `,"template_category":`...)
		dst = appendString(dst, e.TemplateCategory)
	}
	if e.Campaign != "" {
		dst = append(dst, `,"campaign":`...)
		dst = appendString(dst, e.Campaign)
	}
	if e.CampaignVersion != "" {
		dst = append(dst, `,"campaign_version":`...)
		dst = appendString(dst, e.CampaignVersion)
	}
	if e.Flow != "" {
		dst = append(dst, `,"flow":`...)
		dst = appendString(dst, e.Flow)
	}
	if e.FlowVersion != "" {
		dst = append(dst, `,"flow_version":`...)
		dst = appendString(dst, e.FlowVersion)
	}
	if e.Node != "" {
		dst = append(dst, `,"node":`...)
		dst = appendString(dst, e.Node)
	}
	if e.Status != "" {
		dst = append(dst, `,"status":`...)
		dst = appendString(dst, string(e.Status))
	}
	if e.ErrorCode != "" {
		dst = append(dst, `,"error_code":`...)
		dst = appendString(dst, e.ErrorCode)
	}
	if e.PricingModel != "" {
		dst = append(dst, `,"pricing_model":`...)
		dst = appendString(dst, e.PricingModel)
	}
	if e.PricingType != "" {
		dst = append(dst, `,"pricing_type":`...)
		dst = appendString(dst, e.PricingType)
	}
	if e.PricingCategory != "" {
		dst = append(dst, `,"pricing_category":`...)
		dst = appendString(dst, e.PricingCategory)
	}
	switch e.Billable {
	case True:
		dst = append(dst, `,"billable":true`...)
	case False:
		dst = append(dst, `,"billable":false`...)
	}
	if e.BillingConversation != "" {
		dst = append(dst, `,"billing_conversation":`...)
		dst = appendString(dst, e.BillingConversation)
	}
	if e.Country != "" {
		dst = append(dst, `,"country":`...)
		dst = appendString(dst, e.Country)
	}
	if e.Goal != "" {
		dst = append(dst, `,"goal":`...)
		dst = appendString(dst, e.Goal)
	}
	if !e.Amount.IsZero() {
		dst = append(dst, `,"amount":"`...)
		dst = append(dst, amountString(e.Amount)...)
		dst = append(dst, '"')
	}
	if e.Currency != "" {
		dst = append(dst, `,"currency":`...)
		dst = appendString(dst, e.Currency)
	}
	if e.Link != "" {
		dst = append(dst, `,"link":`...)
		dst = appendString(dst, e.Link)
	}
	if e.Reference != "" {
		dst = append(dst, `,"reference":`...)
		dst = appendString(dst, e.Reference)
	}
	if e.Payment != "" {
		dst = append(dst, `,"payment":`...)
		dst = appendString(dst, e.Payment)
	}
	if e.Provider != "" {
		dst = append(dst, `,"provider":`...)
		dst = appendString(dst, e.Provider)
	}
	if e.Suggested != "" {
		dst = append(dst, `,"suggested":`...)
		dst = appendString(dst, e.Suggested)
	}
	if e.Final != "" {
		dst = append(dst, `,"final":`...)
		dst = appendString(dst, e.Final)
	}
	if e.Translated {
		dst = append(dst, `,"translated":true`...)
	}
	if len(e.Attrs) > 0 {
		dst = appendAttrs(dst, e.Attrs)
	}
	return append(dst, '}')
}

// wireEvent is the decoding shape of Event: fields whose JSON form needs
// checking with a precise error (time, amount, billable) are kept raw.
type wireEvent struct {
	ID                  string            `json:"id"`
	Tenant              string            `json:"tenant"`
	Type                string            `json:"type"`
	Time                string            `json:"time"`
	Channel             string            `json:"channel"`
	Inbox               string            `json:"inbox"`
	Contact             string            `json:"contact"`
	Conversation        string            `json:"conversation"`
	Message             string            `json:"message"`
	ReplyTo             string            `json:"reply_to"`
	MessageType         string            `json:"message_type"`
	Referral            string            `json:"referral"`
	Sender              string            `json:"sender"`
	Agent               string            `json:"agent"`
	Team                string            `json:"team"`
	Assistant           string            `json:"assistant"`
	Template            string            `json:"template"`
	TemplateCategory    string            `json:"template_category"`
	Campaign            string            `json:"campaign"`
	CampaignVersion     string            `json:"campaign_version"`
	Flow                string            `json:"flow"`
	FlowVersion         string            `json:"flow_version"`
	Node                string            `json:"node"`
	Status              string            `json:"status"`
	ErrorCode           string            `json:"error_code"`
	PricingModel        string            `json:"pricing_model"`
	PricingType         string            `json:"pricing_type"`
	PricingCategory     string            `json:"pricing_category"`
	Billable            *bool             `json:"billable"`
	BillingConversation string            `json:"billing_conversation"`
	Country             string            `json:"country"`
	Goal                string            `json:"goal"`
	Amount              json.RawMessage   `json:"amount"`
	Currency            string            `json:"currency"`
	Link                string            `json:"link"`
	Reference           string            `json:"reference"`
	Payment             string            `json:"payment"`
	Provider            string            `json:"provider"`
	Suggested           string            `json:"suggested"`
	Final               string            `json:"final"`
	Translated          bool              `json:"translated"`
	Attrs               map[string]string `json:"attrs"`
}

func (w *wireEvent) event() Event {
	return Event{
		ID:                  w.ID,
		Tenant:              w.Tenant,
		Type:                Type(w.Type),
		Channel:             Channel(w.Channel),
		Inbox:               w.Inbox,
		Contact:             w.Contact,
		Conversation:        w.Conversation,
		Message:             w.Message,
		ReplyTo:             w.ReplyTo,
		MessageType:         w.MessageType,
		Referral:            w.Referral,
		Sender:              Sender(w.Sender),
		Agent:               w.Agent,
		Team:                w.Team,
		Assistant:           w.Assistant,
		Template:            w.Template,
		TemplateCategory:    w.TemplateCategory,
		Campaign:            w.Campaign,
		CampaignVersion:     w.CampaignVersion,
		Flow:                w.Flow,
		FlowVersion:         w.FlowVersion,
		Node:                w.Node,
		Status:              Status(w.Status),
		ErrorCode:           w.ErrorCode,
		PricingModel:        w.PricingModel,
		PricingType:         w.PricingType,
		PricingCategory:     w.PricingCategory,
		BillingConversation: w.BillingConversation,
		Country:             w.Country,
		Goal:                w.Goal,
		Currency:            w.Currency,
		Link:                w.Link,
		Reference:           w.Reference,
		Payment:             w.Payment,
		Provider:            w.Provider,
		Suggested:           w.Suggested,
		Final:               w.Final,
		Translated:          w.Translated,
		Attrs:               w.Attrs,
	}
}

// knownKey reports whether k is the JSON key of an Event field.
func knownKey(k string) bool {
	switch k {
	case "id", "tenant", "type", "time", "channel", "inbox", "contact", "conversation", "message", "reply_to", "message_type", "referral", "sender", "agent", "team", "assistant", "template", "template_category", "campaign", "campaign_version", "flow", "flow_version", "node", "status", "error_code", "pricing_model", "pricing_type", "pricing_category", "billable", "billing_conversation", "country", "goal", "amount", "currency", "link", "reference", "payment", "provider", "suggested", "final", "translated", "attrs":
		return true
	}
	return false
}
