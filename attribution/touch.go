package attribution

import (
	"slices"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// kindSet is a set of touch kinds, one bit per kind in the order of Kinds.
type kindSet uint8

func kindBit(k Kind) kindSet { return 1 << slices.Index(Kinds(), k) }

func kindsOf(ks []Kind) kindSet {
	var s kindSet
	for _, k := range ks {
		s |= kindBit(k)
	}
	return s
}

// kind codes: index in Kinds plus one; 0 is "not a touch".
const (
	kNone uint8 = iota
	kCampaignSend
	kTemplateSend
	kAgentReply
	kFlowStart
	kAgentAssignment
	kAdReferral
	kOrganic
)

func kindOfCode(c uint8) Kind {
	if c == kNone {
		return ""
	}
	return Kinds()[c-1]
}

// dimField is the event field each single-field dimension reads.
var dimField = map[Dimension]frame.Field{
	Campaign: frame.Campaign, Template: frame.Template, Flow: frame.Flow, Agent: frame.Agent,
	Team: frame.Team, Channel: frame.Channel, Referral: frame.Referral,
}

// touchTypes lists, per touch event type, the dimensions it can carry a
// value of, and the kinds it can be.
var touchTypes = []struct {
	typ   cm.Type
	dims  []Dimension
	kinds []Kind
}{
	{cm.MessageSent, []Dimension{Campaign, Template, Flow, Agent, Team, Channel, Touchpoint}, []Kind{CampaignSend, TemplateSend, AgentReply}},
	{cm.FlowStarted, []Dimension{Campaign, Flow, Channel, Touchpoint}, []Kind{FlowStart}},
	{cm.ConversationAssigned, []Dimension{Agent, Team, Channel, Touchpoint}, []Kind{AgentAssignment}},
	{cm.MessageReceived, []Dimension{Referral, Channel, Touchpoint}, []Kind{AdReferral, OrganicInbound}},
}

// touchSpec returns the frame spec of the touches a definition reads:
// only the event types that can carry a value of the dimension and be one
// of the kinds, and only the columns needed to classify them.
func touchSpec(tenant string, r cm.Range, p cm.Partition, dim Dimension, kinds kindSet) frame.Spec {
	var types []cm.Type
	fields := frame.Of(frame.Channel)
	if dim == Touchpoint {
		fields |= frame.Of(frame.Campaign, frame.Template, frame.Flow, frame.Agent, frame.Team)
	} else {
		fields |= frame.Of(dimField[dim])
	}
	for _, tt := range touchTypes {
		if !slices.Contains(tt.dims, dim) || kindsOf(tt.kinds)&kinds == 0 {
			continue
		}
		types = append(types, tt.typ)
		switch tt.typ {
		case cm.MessageSent:
			fields |= frame.Of(frame.Sender, frame.Template)
		case cm.MessageReceived:
			fields |= frame.Of(frame.Referral)
		}
	}
	return frame.Spec{Query: cm.Query{Tenant: tenant, Range: r, Types: types, Partition: p}, Fields: fields}
}

// classifier tells the kind and the dimension value of frame rows.
type classifier struct {
	f                          *frame.Frame
	touchpoint                 bool
	val, chans                 []uint32
	sender, template, referral []uint32
	campaign, flow, agent      []uint32 // for touchpoints
	team                       []uint32
	senderCampaign             uint32 // sender ids (^0 when absent)
	senderBroadcast            uint32
	senderAgent                uint32
	test                       uint32 // channel id of "test" (^0 when absent)
	includeTest                bool
	kinds                      kindSet
	tSent, tFlow, tAssigned    uint8 // type codes
	tRecv                      uint8
}

func newClassifier(f *frame.Frame, dim Dimension, kinds kindSet, includeTest bool) *classifier {
	c := &classifier{f: f, chans: f.Col(frame.Channel), includeTest: includeTest, kinds: kinds, touchpoint: dim == Touchpoint}
	if c.touchpoint {
		c.campaign, c.template, c.flow, c.agent, c.team = f.Col(frame.Campaign), f.Col(frame.Template), f.Col(frame.Flow), f.Col(frame.Agent), f.Col(frame.Team)
	} else {
		c.val = f.Col(dimField[dim])
	}
	id := func(col frame.Field, s string) uint32 {
		if v, ok := f.Lookup(col, s); ok {
			return v
		}
		return ^uint32(0)
	}
	c.test = id(frame.Channel, string(cm.ChannelTest))
	if f.Has(frame.Sender) {
		c.sender, c.template = f.Col(frame.Sender), f.Col(frame.Template)
		c.senderCampaign, c.senderBroadcast, c.senderAgent = id(frame.Sender, string(cm.SenderCampaign)), id(frame.Sender, string(cm.SenderBroadcast)), id(frame.Sender, string(cm.SenderAgent))
	}
	if f.Has(frame.Referral) {
		c.referral = f.Col(frame.Referral)
	}
	c.tSent, _ = cm.TypeCode(cm.MessageSent)
	c.tFlow, _ = cm.TypeCode(cm.FlowStarted)
	c.tAssigned, _ = cm.TypeCode(cm.ConversationAssigned)
	c.tRecv, _ = cm.TypeCode(cm.MessageReceived)
	return c
}

// kind returns the kind code of row r, kNone when the row is not a touch
// (or not one of the wanted kinds, or test traffic left out).
func (c *classifier) kind(r int) uint8 {
	if !c.includeTest && c.chans[r] == c.test {
		return kNone
	}
	var k uint8
	switch c.f.Type[r] {
	case c.tSent:
		switch s := c.sender[r]; {
		case s == c.senderCampaign || s == c.senderBroadcast:
			k = kCampaignSend
		case c.template[r] != 0:
			k = kTemplateSend
		case s == c.senderAgent:
			k = kAgentReply
		default:
			return kNone
		}
	case c.tFlow:
		k = kFlowStart
	case c.tAssigned:
		k = kAgentAssignment
	case c.tRecv:
		if c.referral[r] != 0 {
			k = kAdReferral
		} else {
			k = kOrganic
		}
	default:
		return kNone
	}
	if c.kinds&(1<<(k-1)) == 0 {
		return kNone
	}
	return k
}

// Touchpoint value keys: the field in the high 32 bits (touchpoint fields
// below), the symbol id in the low ones.
const (
	tpCampaign uint64 = iota + 1
	tpTemplate
	tpAgent
	tpTeam
	tpFlow
	tpReferral
	tpOrganic
)

var tpPrefix = [...]string{tpCampaign: "campaign:", tpTemplate: "template:", tpAgent: "agent:", tpTeam: "team:",
	tpFlow: "flow:", tpReferral: "referral:", tpOrganic: "organic:"}

var tpField = [...]frame.Field{tpCampaign: frame.Campaign, tpTemplate: frame.Template, tpAgent: frame.Agent,
	tpTeam: frame.Team, tpFlow: frame.Flow, tpReferral: frame.Referral, tpOrganic: frame.Channel}

// value returns the dimension value of touch row r of kind k as a key, 0
// when the touch has no value for the dimension. For single-field
// dimensions the key is the symbol id.
func (c *classifier) value(r int, k uint8) uint64 {
	if !c.touchpoint {
		return uint64(c.val[r])
	}
	key := func(field uint64, id uint32) uint64 {
		if id == 0 {
			return 0
		}
		return field<<32 | uint64(id)
	}
	switch k {
	case kCampaignSend:
		if c.campaign[r] != 0 {
			return key(tpCampaign, c.campaign[r])
		}
		return key(tpTemplate, c.template[r])
	case kTemplateSend:
		return key(tpTemplate, c.template[r])
	case kAgentReply, kAgentAssignment:
		if c.agent[r] != 0 {
			return key(tpAgent, c.agent[r])
		}
		return key(tpTeam, c.team[r])
	case kFlowStart:
		return key(tpFlow, c.flow[r])
	case kAdReferral:
		return key(tpReferral, c.referral[r])
	case kOrganic:
		return tpOrganic<<32 | uint64(c.chans[r])
	}
	return 0
}

// name returns the string of a value key.
func (c *classifier) name(key uint64, dim Dimension) string {
	if !c.touchpoint {
		return c.f.Dict(dimField[dim]).Str(uint32(key))
	}
	field, id := key>>32, uint32(key)
	s := c.f.Dict(tpField[field]).Str(id)
	if field == tpOrganic && s == "" {
		return "organic"
	}
	return tpPrefix[field] + s
}
