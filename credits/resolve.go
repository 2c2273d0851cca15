package credits

// rec is one delivered message as the sink counts it.
type rec struct {
	at                                                     int64 // charge instant: the first delivered, read or played status
	sent                                                   int64 // its send, or its earliest event without one
	msg, contact, inbox, campaign, conv, template, country uint32
	bconv                                                  uint32
	market                                                 uint16
	rate                                                   int32 // rate id; -1 when free or unpriced
	entry                                                  int32 // rate entry; -1 none
	cat, ptype                                             uint8
	flags                                                  uint8
}

// rec flags.
const (
	rfCharged        uint8 = 1 << iota // a charge (priced or not)
	rfEst                              // estimated: from the rules, or the market unknown
	rfNoMarket                         // the recipient's market could not be told (default market used)
	rfCBP                              // conversation-based pricing
	rfCBPRules                         // conversation-based pricing from the rules (conversations simulated)
	rfInConversation                   // under CBP, inside a conversation already charged
	rfUnknown                          // delivered, but its cost cannot be told
)

// resolve decides what message s costs and emits it.
func (r *run) resolve(s *msgState) {
	e := r.e
	k := &r.sink.tot
	if s.flags&mfTest != 0 && !e.q.IncludeTest {
		return
	}
	inRange := s.seenAt >= e.from && s.seenAt < e.to
	if s.flags&mfDelivered == 0 || s.flags&mfFailed != 0 {
		if inRange {
			if s.flags&mfFailed != 0 {
				k.failed++
				if s.pclass > 0 || s.flags&mfDelivered != 0 {
					k.failedPriced++
				}
			} else if s.flags&mfStatus != 0 {
				k.undelivered++
			}
		}
		return
	}
	c := rec{at: s.delivAt, sent: s.seenAt, msg: s.msg, contact: s.contact, inbox: s.inbox, campaign: s.campaign, conv: s.conv,
		template: s.template, country: s.country, bconv: s.bconv, rate: -1, entry: -1}
	if c.inbox == 0 {
		c.inbox = s.sinbox
	}
	if s.flags&mfSend != 0 {
		c.sent = s.sendAt
	}
	charged, ok := r.reported(s, &c)
	if !ok {
		if !r.rulesFor(s, &c, &charged) {
			// Delivered, but neither WhatsApp's pricing nor the rules can say
			// what it costs.
			c.flags, c.cat, c.ptype, charged = rfUnknown, catNone, ptNone, false
		}
	}
	r.price(&c, charged)
}

// reported applies the pricing WhatsApp reported on the statuses. It
// reports false when there is none usable (then the rules decide).
func (r *run) reported(s *msgState, c *rec) (charged, ok bool) {
	if s.pclass == 0 {
		return false, false
	}
	switch s.ptype {
	case ptRegular:
		charged, ok = true, true
	case ptFreeCS, ptFreeEP:
		charged, ok = false, true
	default: // no type (CBP, old payloads) or one this package does not know
		if v, set := s.billable.Bool(); set {
			charged, ok = v, true
		}
	}
	if !ok {
		return false, false
	}
	c.ptype = s.ptype
	if c.ptype == ptNone || c.ptype == ptOther {
		c.ptype = ptFreeCS
		if charged {
			c.ptype = ptRegular
		}
	}
	c.cat = s.pcat
	switch {
	case c.cat == catNone && c.ptype == ptFreeEP:
		c.cat = catReferral
	case c.cat == catNone:
		// Pricing without a category: the send tells.
		c.flags |= rfEst
		c.cat = sendCategory(s)
	case c.cat == catReferral && charged:
		c.cat = catOther
	}
	if s.ptype == ptFreeEP || c.cat == catReferral {
		c.ptype, c.cat = ptFreeEP, catReferral // filed by type, as pricing_analytics does
	}
	if s.model == pmCBP {
		c.flags |= rfCBP
	}
	return charged, true
}

// sendCategory is the category a message's send tells: its template's
// (other when the template has none, or referral_conversion, which is no
// template category), service for a message that is not a template.
func sendCategory(s *msgState) uint8 {
	if s.flags&mfTemplate == 0 {
		return catService
	}
	if s.tcat == catNone || s.tcat == catReferral {
		return catOther
	}
	return s.tcat
}

// rulesFor applies the rule set in force at the charge instant to a
// message whose statuses carry no usable pricing. It reports false when no
// rule set applies or the message's send is unknown.
func (r *run) rulesFor(s *msgState, c *rec, charged *bool) bool {
	e := r.e
	rule := e.cc.rule(c.at)
	if rule == nil || s.flags&mfSend == 0 {
		return false
	}
	if s.flags&mfWindows == 0 {
		r.needRules = true
		return false
	}
	c.flags |= rfEst
	c.cat = sendCategory(s)
	if c.cat == catAuthentication && e.home != "" && c.country != 0 {
		if ctry := r.d.country.Str(c.country); ctry != e.home {
			if m, _ := r.market(c); e.cc.entry(m, catAuthIntl, c.at) >= 0 {
				c.cat = catAuthIntl
			}
		}
	}
	switch {
	case s.flags&mfFEP != 0 && !rule.chargeFEP:
		*charged = false
		c.ptype = ptFreeEP
		c.cat = catReferral
	case s.flags&mfCSW != 0 && rule.freeCSW[c.cat]:
		*charged = false
		c.ptype = ptFreeCS
	default:
		*charged = true
		c.ptype = ptRegular
	}
	if rule.cbp {
		c.flags |= rfCBP | rfCBPRules
	}
	return true
}

// market returns the recipient's market at the charge instant, and whether
// it was told from a country or a phone number (false: the default market).
func (r *run) market(c *rec) (uint16, bool) {
	cc := r.e.cc
	mi := cc.mapAt(c.at)
	if mi < 0 {
		mi = 0 // before the first map: the earliest map applies
	}
	if c.country != 0 {
		if m, ok := r.markets.get(cc, c.country, mi); ok {
			return m, true
		}
	}
	if c.contact != 0 {
		if !r.phoneSet || r.phoneOf != c.contact {
			r.phoneOf, r.phone, r.phoneSet = c.contact, phoneDigits(r.d.contact.Str(c.contact)), true
		}
		if r.phone != "" {
			if m, ok := cc.marketOfPhone(mi, r.phone); ok {
				return m, true
			}
			return cc.maps[mi].def, true
		}
	}
	return cc.maps[mi].def, c.country != 0
}

// price sets the market and rate of a delivered message and emits it.
func (r *run) price(c *rec, charged bool) {
	cc := r.e.cc
	m, told := r.market(c)
	c.market = m
	if !told {
		c.flags |= rfEst | rfNoMarket
	}
	if !charged {
		r.sink.add(c)
		return
	}
	c.flags |= rfCharged
	c.entry = cc.entry(m, c.cat, c.at)
	switch {
	case c.flags&rfCBP != 0:
		// One charge per conversation: decided once every message is known.
		r.sink.cbp = append(r.sink.cbp, *c)
	case c.entry >= 0 && cc.tieredMC[int(m)*int(numCats)+int(c.cat)]:
		// Marginal tiers: the rate depends on the message's rank in the month.
		r.sink.tiered = append(r.sink.tiered, *c)
	default:
		if c.entry >= 0 {
			c.rate = cc.entries[c.entry].bands[0].rate
		}
		r.sink.add(c)
	}
}
