package demo

import (
	"container/heap"
	"slices"
	"strconv"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/shopspring/decimal"
)

// script writes one session (or one campaign send) of one contact, keeping
// its clock and its current assignment.
type script struct {
	g        *generator
	t        *tenant
	c        *contact
	conv     string
	at       time.Time
	campaign string
	reached  bool // whether the last outbound message was delivered or read
	agent    string
	team     string
	lastBot  string // id of the last bot message, which the next answer replies to
}

func (s *script) wait(lo, hi time.Duration) { s.at = s.at.Add(s.g.dur(lo, hi)) }

// ev queues an event of the session with the common fields filled in.
func (s *script) ev(e cm.Event) string {
	e.Time = s.at
	e.Channel = s.c.channel
	e.Inbox = s.c.inbox
	if e.Contact == "" && e.Type != cm.CreditsTopup {
		e.Contact = s.c.id
	}
	if e.Conversation == "" {
		e.Conversation = s.conv
	}
	return s.g.push(s.t, e)
}

// session writes a whole session starting with an inbound message at at.
// replyTo and campaign are set when the message answers a campaign send;
// flowName forces the flow that starts.
func (g *generator) session(t *tenant, c *contact, at time.Time, replyTo, campaign, flowName string) {
	if at.Before(c.busyUntil) {
		at = g.arrivalAfter(t, c.busyUntil)
	}
	s := &script{g: g, t: t, c: c, at: at, campaign: campaign}
	if t.cfg.convIDs {
		s.conv = t.next('v')
	}
	mt := "text"
	switch {
	case replyTo != "":
		mt = "button"
	case g.r.IntN(12) == 0:
		mt = "image"
	}
	s.in(mt, replyTo)
	s.ev(cm.Event{Type: cm.ConversationOpened})
	s.wait(2*time.Second, 8*time.Second)
	s.botSay("text", "")

	var fl *flowConfig
	if flowName != "" {
		for i := range t.cfg.flows {
			if t.cfg.flows[i].name == flowName {
				fl = &t.cfg.flows[i]
			}
		}
	} else if g.r.IntN(100) < 65 {
		// the first flow is the most popular
		k := g.r.IntN(len(t.cfg.flows) + 2)
		fl = &t.cfg.flows[max(0, k-2)]
	}
	handoff := g.r.IntN(100) < 30
	if fl != nil {
		done := s.flow(fl)
		if done && fl.shop {
			s.shop(fl)
		}
		if !done && g.r.IntN(100) < 45 {
			handoff = true
		}
	}
	if handoff {
		s.human()
	} else {
		s.wait(3*time.Minute, 40*time.Minute)
		s.ev(cm.Event{Type: cm.ConversationResolved})
	}
	if g.r.IntN(100) < 8 { // reopened within 24 hours
		s.wait(30*time.Minute, 20*time.Hour)
		s.in("text", "")
		s.ev(cm.Event{Type: cm.ConversationReopened})
		if handoff {
			s.agentReplies(1)
		} else {
			s.wait(2*time.Second, 6*time.Second)
			s.botSay("text", "")
		}
		s.wait(2*time.Minute, 20*time.Minute)
		s.ev(cm.Event{Type: cm.ConversationResolved, Agent: s.agent})
	}
	if g.r.IntN(100) < 3 {
		s.ev(cm.Event{Type: cm.GoalReached, Goal: "newsletter_signup"})
	}
	c.busyUntil = s.at.Add(24 * time.Hour)
	if c.channel != cm.ChannelTest && g.r.IntN(100) < 55 {
		heap.Push(&t.returns, ret{at: c.busyUntil.Add(g.dur(2*time.Hour, 20*24*time.Hour)), c: c})
	}
}

// in writes an inbound message; the first message of an ad contact carries
// the referral.
func (s *script) in(mt, replyTo string) string {
	e := cm.Event{Type: cm.MessageReceived, Message: s.t.next('m'), MessageType: mt, ReplyTo: replyTo}
	if s.c.ad && s.c.lastIn.IsZero() {
		e.Referral = "ad-" + s.t.cfg.id + "-" + strconv.Itoa(int(s.c.hash%5))
		e.Attrs = map[string]string{"ctwa_clid": "clid" + s.t.next('k')}
	}
	s.ev(e)
	s.c.lastIn = s.at
	return e.Message
}

// botSay writes a message from the bot (or the AI assistant).
func (s *script) botSay(mt, flow string) string {
	sender := cm.SenderBot
	if s.t.cfg.aiSender && flow == "" {
		sender = cm.SenderAI
	}
	id := s.out(cm.Event{Sender: sender, Assistant: s.t.cfg.assistant, MessageType: mt, Flow: flow}, 10)
	s.lastBot = id
	return id
}

// out writes an outbound message and its statuses; failPerMille is the
// chance it fails for another reason than the customer-service window.
// It returns the message id.
func (s *script) out(e cm.Event, failPerMille int) string {
	e.Type = cm.MessageSent
	e.Message = s.t.next('m')
	if e.MessageType == "" {
		e.MessageType = "text"
	}
	if e.Template != "" {
		e.MessageType = "template"
	}
	s.ev(e)
	c := s.c
	inCSW := !c.lastIn.IsZero() && s.at.Before(c.lastIn.Add(24*time.Hour))
	if c.ad && c.fepUntil.IsZero() && inCSW {
		c.fepUntil = s.at.Add(72 * time.Hour) // a reply to an ad opens the free-entry-point window
	}
	if c.channel == cm.ChannelWhatsApp {
		s.statuses(e, inCSW, failPerMille)
	}
	return e.Message
}

var failCodes = []string{"131049", "131049", "131049", "131050", "131050", "131026", "131026", "130429", "131056", "132001", "132015", "131042", "131000", "131048"}

// statuses writes the delivery receipts of a WhatsApp message, with pricing
// on sent and on one of delivered or read.
func (s *script) statuses(m cm.Event, inCSW bool, failPerMille int) {
	g := s.g
	st := cm.Event{Type: cm.MessageStatus, Message: m.Message, Country: s.c.country}
	at := s.at
	emit := func(status cm.Status, t time.Time, pricing bool, code string) {
		e := st
		e.Status, e.ErrorCode = status, code
		if pricing {
			s.price(&e, m, inCSW, t)
		}
		saved := s.at
		s.at = t
		s.ev(e)
		s.at = saved
	}
	s.reached = false
	if m.Template == "" && !inCSW {
		emit(cm.StatusFailed, at.Add(g.dur(time.Second, 3*time.Second)), false, "131047")
		return
	}
	sent := at.Add(g.dur(time.Second, 3*time.Second))
	if g.r.IntN(1000) < failPerMille {
		code := failCodes[g.r.IntN(len(failCodes))]
		if g.r.IntN(10) < 4 { // failed after a sent that carried pricing
			emit(cm.StatusSent, sent, true, "")
			emit(cm.StatusFailed, sent.Add(g.dur(5*time.Second, 10*time.Minute)), false, code)
		} else {
			emit(cm.StatusFailed, sent, false, code)
		}
		return
	}
	emit(cm.StatusSent, sent, true, "")
	s.reached = true
	if g.r.IntN(10) == 0 { // read without delivered
		emit(cm.StatusRead, sent.Add(g.dur(10*time.Second, 3*time.Hour)), true, "")
		return
	}
	delivered := sent.Add(g.dur(2*time.Second, 40*time.Second))
	emit(cm.StatusDelivered, delivered, true, "")
	if g.r.IntN(100) < 70 {
		read := delivered.Add(g.dur(10*time.Second, 6*time.Hour))
		emit(cm.StatusRead, read, false, "")
		if m.MessageType == "audio" {
			emit(cm.StatusPlayed, read.Add(g.dur(time.Second, time.Minute)), false, "")
		}
	}
}

// serviceCharged is the day service messages and utility templates inside
// the customer-service window stop being free (WHATSAPP.md §3.5), at local
// midnight in the business's zone.
var serviceCharged = [3]int{2026, 10, 1}

// authIntl lists the recipient countries with an authentication-international
// rate (WHATSAPP.md §3.1).
var authIntl = []string{"AE", "EG", "ID", "IN", "MY", "NG", "PK", "SA", "ZA"}

// price sets the pricing WhatsApp reports for message m, whose status is at
// at: free in the free-entry-point window; free in the customer-service
// window for non-templates and utility templates until 2026-10-01 (local),
// charged after it; templates otherwise charged.
func (s *script) price(e *cm.Event, m cm.Event, inCSW bool, at time.Time) {
	e.PricingModel = "PMP"
	charged := !at.Before(time.Date(serviceCharged[0], time.Month(serviceCharged[1]), serviceCharged[2], 0, 0, 0, 0, s.t.loc))
	switch {
	case s.c.ad && at.Before(s.c.fepUntil):
		e.PricingType, e.PricingCategory, e.Billable = "free_entry_point", "referral_conversion", cm.False
	case m.Template == "" && charged:
		e.PricingType, e.PricingCategory, e.Billable = "regular", "service", cm.True
	case m.Template == "":
		e.PricingType, e.PricingCategory, e.Billable = "free_customer_service", "service", cm.False
	case m.TemplateCategory == "utility" && inCSW && !charged:
		e.PricingType, e.PricingCategory, e.Billable = "free_customer_service", "utility", cm.False
	default:
		e.PricingType, e.PricingCategory, e.Billable = "regular", m.TemplateCategory, cm.True
		if m.TemplateCategory == "authentication" && s.c.country != s.t.cfg.country && slices.Contains(authIntl, s.c.country) {
			e.PricingCategory = "authentication_international"
		}
	}
}

var captured = map[string][2]string{
	"size": {"size", "M"}, "email": {"email", "user@example.com"}, "date": {"date", "2026-11-20"},
	"datum": {"datum", "2026-11-20"}, "slot": {"slot", "10:30"}, "address": {"city", "Istanbul"},
	"menge": {"menge", "2"}, "order-number": {"order", "A-1042"}, "document": {"document", "PAN"},
	"category": {"category", "shoes"}, "produkt": {"produkt", "Drucker"}, "topic": {"topic", "delivery"},
}

// flow runs a flow node by node; it returns whether the run completed.
func (s *script) flow(fl *flowConfig) bool {
	g := s.g
	version := "v1"
	if (s.c.hash>>11)%2 == 1 {
		version = "v2"
	}
	s.wait(time.Second, 10*time.Second)
	s.ev(cm.Event{Type: cm.FlowStarted, Flow: fl.name, FlowVersion: version, Campaign: s.campaign})
	for i, node := range fl.nodes {
		s.wait(2*time.Second, 30*time.Second)
		e := cm.Event{Type: cm.FlowNode, Flow: fl.name, FlowVersion: version, Node: node}
		if kv, ok := captured[node]; ok && i > 0 {
			e.Attrs = map[string]string{kv[0]: kv[1]}
		}
		s.ev(e)
		s.botSay("interactive", fl.name)
		drop := fl.drop[i]
		if version == "v2" && fl.better[i] {
			drop /= 2
		}
		if g.r.IntN(1000) < drop {
			return false
		}
		s.wait(5*time.Second, 3*time.Minute)
		s.in("interactive", s.lastBot)
	}
	s.wait(time.Second, 10*time.Second)
	s.ev(cm.Event{Type: cm.FlowCompleted, Flow: fl.name, FlowVersion: version})
	if fl.goal != "" {
		s.ev(cm.Event{Type: cm.GoalReached, Goal: fl.goal, Flow: fl.name})
	}
	return true
}

// currency picks the currency of a cart: the tenant's, sometimes its second one.
func (s *script) currency() string {
	if s.t.cfg.altCurrency != "" && s.g.r.IntN(10) == 0 {
		return s.t.cfg.altCurrency
	}
	return s.t.cfg.currency
}

// amount draws a price of the tenant's catalogue in currency cur.
func (s *script) amount(cur string) decimal.Decimal {
	p := int64(s.t.cfg.prices[s.g.r.IntN(len(s.t.cfg.prices))])
	if cur == "TRY" {
		return decimal.New(p*100+90, -2)
	}
	return decimal.New(p*100, -2)
}

// shop adds to the cart (sometimes through a WhatsApp order message), has
// the bot send a payment link and writes what happens to it.
func (s *script) shop(fl *flowConfig) {
	g := s.g
	cur := s.currency()
	s.wait(10*time.Second, 3*time.Minute)
	if s.c.channel == cm.ChannelWhatsApp && g.r.IntN(100) < 30 {
		s.in("order", "") // the contact ordered from the catalogue
		s.wait(time.Second, 5*time.Second)
	}
	total := s.amount(cur)
	s.ev(cm.Event{Type: cm.CartAdded, Amount: total, Currency: cur, Flow: fl.name})
	if g.r.IntN(100) < 30 {
		s.wait(10*time.Second, 2*time.Minute)
		more := s.amount(cur)
		total = total.Add(more)
		s.ev(cm.Event{Type: cm.CartAdded, Amount: more, Currency: cur, Flow: fl.name})
	}
	s.wait(10*time.Second, 2*time.Minute)
	s.link(total, cur, cm.Event{Flow: fl.name, Campaign: s.campaign})
	s.botSay("text", fl.name)
}

// agentSells has the assigned agent add to the cart and send a payment link.
func (s *script) agentSells() {
	cur := s.currency()
	total := s.amount(cur)
	s.ev(cm.Event{Type: cm.CartAdded, Amount: total, Currency: cur, Agent: s.agent, Team: s.team})
	s.wait(10*time.Second, 3*time.Minute)
	s.link(total, cur, cm.Event{Agent: s.agent, Team: s.team})
	s.out(cm.Event{Sender: cm.SenderAgent, Agent: s.agent, Team: s.team}, 10)
}

// link writes a payment link for total in cur, sent by whoever src names
// (flow, campaign or agent), and what happens to it: paid through the link
// (sometimes in two parts, sometimes in another currency), paid with the
// reference only, failed (then sometimes paid), or never paid.
func (s *script) link(total decimal.Decimal, cur string, src cm.Event) {
	g, t := s.g, s.t
	link, ref := "plink_"+t.next('l'), "ORD-"+t.next('o')
	src.Type, src.Link, src.Reference, src.Amount, src.Currency = cm.PaymentLink, link, ref, total, cur
	s.ev(src)

	pay := func(at time.Time, amount decimal.Decimal, currency string, withLink bool) string {
		e := cm.Event{Type: cm.PaymentSucceeded, Time: at, Payment: "pay_" + t.next('y'), Reference: ref,
			Amount: amount, Currency: currency, Provider: provider(t), Channel: s.c.channel, Inbox: s.c.inbox}
		if withLink {
			e.Link = link
		}
		if g.r.IntN(10) < 7 {
			e.Contact = s.c.id
		}
		g.push(t, e)
		if g.r.IntN(100) < 6 { // refunded, in full or in part
			refund := amount
			if g.r.IntN(2) == 0 {
				refund = amount.Div(decimal.NewFromInt(2)).Round(int32(cm.MinorUnits(currency)))
			}
			g.push(t, cm.Event{Type: cm.PaymentRefunded, Time: at.Add(g.dur(24*time.Hour, 7*24*time.Hour)),
				Payment: e.Payment, Amount: refund, Currency: currency, Provider: e.Provider, Contact: e.Contact})
		}
		return e.Payment
	}
	payAt := s.at.Add(g.dur(time.Minute, 6*time.Hour))
	payCur := cur
	if t.cfg.altCurrency != "" && cur == t.cfg.currency && g.r.IntN(30) == 0 {
		payCur = t.cfg.altCurrency // paid in another currency than the link's
	}
	switch x := g.r.IntN(100); {
	case x < 60:
		if g.r.IntN(40) == 0 { // paid in two parts
			half := total.Div(decimal.NewFromInt(2)).Round(int32(cm.MinorUnits(cur)))
			pay(payAt, half, payCur, true)
			pay(payAt.Add(g.dur(time.Hour, 48*time.Hour)), total.Sub(half), payCur, true)
		} else {
			pay(payAt, total, payCur, true)
		}
	case x < 70:
		pay(payAt, total, payCur, false) // the provider gave only the reference
	case x < 80:
		g.push(t, cm.Event{Type: cm.PaymentFailed, Time: payAt, Link: link, Reference: ref, Amount: total, Currency: cur,
			Provider: provider(t), Contact: s.c.id, ErrorCode: "card_declined"})
		if g.r.IntN(2) == 0 {
			pay(payAt.Add(g.dur(5*time.Minute, 3*time.Hour)), total, cur, true)
		}
	}
}

var suggestions = map[string][][2]string{
	"acme":     {{"Merhaba! Siparişiniz yarın kargoya verilecek.", "Merhaba! Siparişiniz yarın kargoda 🙂"}, {"İade talebinizi aldık, 3 iş günü içinde dönüş yapacağız.", "İade talebinizi aldık; en geç 3 iş günü içinde döneceğiz."}, {"Ürün stokta mevcut, hemen sipariş verebilirsiniz.", "Ürün stokta, hemen sipariş verebilirsiniz ✅"}},
	"globex":   {{"Thanks for reaching out! Your order ships tomorrow.", "Thanks for reaching out! Your order ships tomorrow 🚚"}, {"I can help you with that refund right away.", "I can help with that refund right away."}, {"Your subscription renews on the 1st.", "Your plan renews on the 1st of next month."}},
	"initech":  {{"Vielen Dank! Ihre Bestellung wird morgen versendet.", "Vielen Dank! Ihre Bestellung geht morgen raus."}, {"Gerne prüfe ich Ihre Rückerstattung.", "Gerne prüfe ich Ihre Rückerstattung sofort."}, {"Der Termin ist für Donnerstag bestätigt.", "Ihr Termin am Donnerstag ist bestätigt ✔️"}},
	"umbrella": {{"Namaste! Your KYC is verified.", "Namaste! Your KYC is now verified 🙏"}, {"Your payment is being processed.", "Your payment is being processed, please wait."}, {"We will call you within 2 hours.", "Our team will call you within 2 hours."}},
}

// human hands the session to an agent and runs the conversation.
func (s *script) human() {
	g, t := s.g, s.t
	s.wait(5*time.Second, 2*time.Minute)
	s.ev(cm.Event{Type: cm.ConversationHandoff})
	s.wait(10*time.Second, 5*time.Minute)
	s.assign(t.cfg.agents[g.r.IntN(len(t.cfg.agents))])
	if g.r.IntN(100) < 10 { // reassigned
		s.wait(time.Minute, 30*time.Minute)
		s.assign(t.cfg.agents[g.r.IntN(len(t.cfg.agents))])
	}
	if g.r.IntN(100) < 3 { // unassigned, then picked up again
		s.wait(time.Minute, 10*time.Minute)
		s.ev(cm.Event{Type: cm.ConversationUnassigned})
		s.agent, s.team = "", ""
		s.wait(2*time.Minute, 30*time.Minute)
		s.assign(t.cfg.agents[g.r.IntN(len(t.cfg.agents))])
	}
	s.agentReplies(1 + g.r.IntN(4))
	if g.r.IntN(100) < 12 { // the agent sells: a cart and a payment link
		s.wait(time.Minute, 10*time.Minute)
		s.agentSells()
	}
	s.wait(time.Minute, 30*time.Minute)
	s.ev(cm.Event{Type: cm.ConversationResolved, Agent: s.agent})
}

func (s *script) assign(a [2]string) {
	s.agent, s.team = a[0], a[1]
	s.ev(cm.Event{Type: cm.ConversationAssigned, Agent: s.agent, Team: s.team})
}

// agentReplies writes rounds of (contact message, agent reply); the first
// reply answers what is already there.
func (s *script) agentReplies(rounds int) {
	g, t := s.g, s.t
	for i := 0; i < rounds; i++ {
		if i > 0 {
			s.wait(30*time.Second, 15*time.Minute)
			s.in("text", "")
		}
		var d time.Duration
		switch {
		case g.r.IntN(100) == 0:
			d = g.dur(25*time.Hour, 30*time.Hour) // too late: outside the 24-hour window
		case t.businessHours(s.at):
			d = g.dur(20*time.Second, 8*time.Minute)
		case g.r.IntN(10) < 5:
			d = g.dur(3*time.Minute, 60*time.Minute) // on call
		default:
			d = t.nextOpening(s.at).Sub(s.at) + g.dur(time.Minute, 30*time.Minute)
		}
		if g.r.IntN(100) < 35 {
			// the suggestion shows up while the agent is replying
			lead := min(d/2, g.dur(2*time.Second, 40*time.Second))
			s.at = s.at.Add(d - lead)
			s.suggest()
			s.at = s.at.Add(lead)
		} else {
			s.at = s.at.Add(d)
		}
		mt := "text"
		if g.r.IntN(50) == 0 {
			mt = "audio"
		}
		id := s.out(cm.Event{Sender: cm.SenderAgent, Agent: s.agent, Team: s.team, MessageType: mt}, 10)
		if s.reached && g.r.IntN(100) < 5 { // the contact reacts to the reply
			s.wait(5*time.Second, 10*time.Minute)
			s.in("reaction", id)
		}
	}
}

// suggest writes an AI reply suggestion shown to the agent just before a reply.
func (s *script) suggest() {
	g := s.g
	list := suggestions[s.t.cfg.id]
	pair := list[g.r.IntN(len(list))]
	e := cm.Event{Type: cm.AssistSuggestion, Agent: s.agent, Team: s.team, Suggested: pair[0]}
	switch x := g.r.IntN(100); {
	case x < 45:
		e.Final = pair[0] // accepted as is
	case x < 75:
		e.Final = pair[1] // edited
	case x < 88:
		e.Final = list[(g.r.IntN(len(list)-1)+1)%len(list)][1] // rewritten
	case x < 96:
		e.Final, e.Translated = "Thank you, we are on it.", true
	default:
		e.Translated = true // discarded after translation
	}
	s.ev(e)
}

// deploy sends a campaign (or broadcast) to a batch of contacts.
func (g *generator) deploy(t *tenant, cc campaignConfig, sender cm.Sender, dayStart time.Time, budget float64) {
	t.deployed[cc.name]++
	version := strconv.Itoa(t.deployed[cc.name])
	g.deployments++
	lt := dayStart.In(t.loc)
	at := time.Date(lt.Year(), lt.Month(), lt.Day(), 10, 0, 0, 0, t.loc)
	if at.Before(dayStart) {
		at = at.AddDate(0, 0, 1)
	}
	n := max(1, int(budget*t.cfg.share/12))
	respond := 22
	if sender == cm.SenderBroadcast {
		respond = 6
	}
	for i := 0; i < n; i++ {
		// A known contact is targeted once per deployment, and only when
		// their scripted sessions ended before the send, so that their
		// windows are known then.
		var c *contact
		switch {
		case len(t.known) > 0 && cc.category == "utility" && g.r.IntN(100) < 60:
			// updates go mostly to recent contacts
			k := len(t.known)
			c = t.known[k-1-g.r.IntN(min(k, 200))]
		case len(t.known) > 0 && g.r.IntN(100) < 40:
			c = t.known[g.r.IntN(len(t.known))]
		}
		if c != nil {
			if c.channel != cm.ChannelWhatsApp || c.deployment == g.deployments || !c.busyUntil.Add(-24*time.Hour).Before(at) {
				c = nil
			}
		}
		if c == nil {
			c = g.newContact(t, true)
		}
		c.deployment = g.deployments
		s := &script{g: g, t: t, c: c, at: at.Add(time.Duration(i) * 2 * time.Second), campaign: cc.name}
		if sender == cm.SenderCampaign {
			vars := map[string]string{"first_name": firstNames[g.r.IntN(len(firstNames))]}
			if cc.category == "marketing" {
				vars["coupon"] = "C" + strconv.Itoa(100+g.r.IntN(900))
			}
			if cc.category == "authentication" {
				vars["code"] = strconv.Itoa(100000 + g.r.IntN(900000))
			}
			s.ev(cm.Event{Type: cm.CampaignTargeted, Campaign: cc.name, CampaignVersion: version, Attrs: vars})
			if g.r.IntN(100) < 3 {
				continue // still in process
			}
		}
		s.wait(5*time.Second, 20*time.Minute)
		e := cm.Event{Sender: sender, Template: cc.template, TemplateCategory: cc.category, Campaign: cc.name, Flow: cc.flow}
		if sender == cm.SenderCampaign {
			e.CampaignVersion = version
		}
		msg := s.out(e, 60)
		if s.reached && g.r.IntN(100) < respond {
			g.session(t, c, s.at.Add(g.dur(3*time.Minute, 8*time.Hour)), msg, cc.name, cc.flow)
		}
	}
}

var firstNames = []string{"Ayşe", "Mehmet", "José", "Zoë", "Jürgen", "Priya", "Anna", "Ali", "Chloé", "Ravi"}
