package credits

import (
	"cmp"
	"slices"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/shopspring/decimal"
)

type topup struct {
	at       int64
	currency string
	amount   decimal.Decimal
}

type campDelivery struct {
	contact, campaign uint32
	at                int64
}

type msgCost struct {
	msg  uint32
	rate int32
}

// rateCounts counts charges per rate and slot (a bucket or a ledger
// segment). A card has many rates but a tenant uses a few: counts are kept
// only for the rates seen.
type rateCounts struct {
	n   int       // slots
	idx []int32   // rate id -> local index + 1 (0: not seen)
	ids []int32   // local index -> rate id
	cnt [][]int64 // local index -> count per slot
}

func newRateCounts(rates, slots int) rateCounts {
	return rateCounts{n: slots, idx: make([]int32, rates)}
}

func (c *rateCounts) add(rate int32, slot int, n int64) {
	i := c.idx[rate]
	if i == 0 {
		c.ids = append(c.ids, rate)
		c.cnt = append(c.cnt, make([]int64, c.n))
		i = int32(len(c.ids))
		c.idx[rate] = i
	}
	c.cnt[i-1][slot] += n
}

func (c *rateCounts) merge(o *rateCounts) {
	for k, r := range o.ids {
		for slot, n := range o.cnt[k] {
			if n != 0 {
				c.add(r, slot, n)
			}
		}
	}
}

// amounts returns the cost of the charges in slots [lo, hi), per currency;
// keep, when not nil, selects the rates counted.
func (cc *compiled) amounts(c *rateCounts, lo, hi int, keep func(*crate) bool) cm.Amounts {
	var a cm.Amounts
	for k, r := range c.ids {
		rt := &cc.rates[r]
		if keep != nil && !keep(rt) {
			continue
		}
		var n int64
		for _, v := range c.cnt[k][lo:hi] {
			n += v
		}
		if n != 0 {
			a = a.Add(rt.currency, rt.price.Mul(decimal.NewFromInt(n)))
		}
	}
	return a
}

// totals counts messages delivered in the period.
type totals struct {
	delivered, charged, unpriced, estimated, unknown, noMarket int
	failed, failedPriced, undelivered                          int
	conversions                                                int
	byPT                                                       [numPT]int
	catDeliv, catCharged, catEst, catUnpriced                  [numCats]int
}

func (t *totals) merge(o *totals) {
	t.delivered += o.delivered
	t.charged += o.charged
	t.unpriced += o.unpriced
	t.estimated += o.estimated
	t.unknown += o.unknown
	t.noMarket += o.noMarket
	t.failed += o.failed
	t.failedPriced += o.failedPriced
	t.undelivered += o.undelivered
	t.conversions += o.conversions
	for i := range t.byPT {
		t.byPT[i] += o.byPT[i]
	}
	for i := range t.catDeliv {
		t.catDeliv[i] += o.catDeliv[i]
		t.catCharged[i] += o.catCharged[i]
		t.catEst[i] += o.catEst[i]
		t.catUnpriced[i] += o.catUnpriced[i]
	}
}

// line counts the messages of one value of a dimension in the period.
type line struct {
	delivered, charged, unpriced, estimated, conversions int
	use                                                  rateCounts // one slot
}

func (l *line) merge(o *line) {
	l.delivered += o.delivered
	l.charged += o.charged
	l.unpriced += o.unpriced
	l.estimated += o.estimated
	l.conversions += o.conversions
	l.use.merge(&o.use)
}

// series counts the messages of one value of a dimension per bucket.
type series struct {
	delivered, charged, unpriced []int32 // per bucket
	use                          rateCounts
}

func (s *series) merge(o *series) {
	for i := range o.delivered {
		s.delivered[i] += o.delivered[i]
		s.charged[i] += o.charged[i]
		s.unpriced[i] += o.unpriced[i]
	}
	s.use.merge(&o.use)
}

type reconKey struct {
	bucket         int32
	rate           int32
	country, inbox uint32
	cat, ptype     uint8
}

type reconVal struct {
	volume, estimated, unpriced int
}

// sink accumulates delivered messages and top-ups. Runs of one frame each
// fill their own; merge adds them.
type sink struct {
	e          *engine
	R, nb      int
	tot        totals
	segUse     rateCounts // charges per ledger segment
	ledger     bool
	segTop     []cm.Amounts
	bUse       rateCounts // charges per bucket of the period
	bDeliv     []int32
	bCharged   []int32
	bUnpriced  []int32 // bucket*numCats + category
	bTop       []cm.Amounts
	estUse     rateCounts // estimated charges in the period (one slot)
	dimSmall   []*series
	dimMap     map[uint32]*series
	campaigns  map[uint32]*line
	countries  map[uint32]*line
	lastCamp   lastLine // one-entry caches in front of the maps: consecutive
	lastCtry   lastLine // messages mostly share their campaign and country
	lastRecon  reconKey
	lastRVal   *reconVal
	convBits   []uint64
	convUse    rateCounts
	convUnpric int
	recon      map[reconKey]*reconVal
	costs      []msgCost
	cbp        []rec // charged under conversation-based pricing, one charge per conversation
	tiered     []rec // charged at a tiered rate, ranked in the month
	campDeliv  []campDelivery
}

func newSink(e *engine) *sink {
	R, nb, nseg := len(e.cc.rates), e.bk.Len(), len(e.cuts)+1
	s := &sink{e: e, R: R, nb: nb,
		bUse: newRateCounts(R, nb), bDeliv: make([]int32, nb), bCharged: make([]int32, nb),
		bUnpriced: make([]int32, nb*int(numCats)), estUse: newRateCounts(R, 1)}
	if e.nd.ledger {
		s.ledger = true
		s.segUse = newRateCounts(R, nseg)
		s.segTop = make([]cm.Amounts, nseg)
		s.bTop = make([]cm.Amounts, nb)
	}
	switch e.nd.dim {
	case "":
	case ByCategory:
		s.dimSmall = make([]*series, numCats)
	case ByMarket:
		s.dimSmall = make([]*series, len(e.cc.markets))
	default:
		s.dimMap = map[uint32]*series{}
	}
	if e.nd.campaigns {
		s.campaigns = map[uint32]*line{}
	}
	if e.nd.countries {
		s.countries = map[uint32]*line{}
	}
	if e.nd.conversations {
		s.convUse = newRateCounts(R, 1)
	}
	if e.nd.recon {
		s.recon = map[reconKey]*reconVal{}
	}
	return s
}

func (s *sink) newSeries() *series {
	return &series{delivered: make([]int32, s.nb), charged: make([]int32, s.nb), unpriced: make([]int32, s.nb), use: newRateCounts(s.R, s.nb)}
}

type lastLine struct {
	key uint32
	l   *line
}

// cachedLine is lineOf behind a one-entry cache.
func (s *sink) cachedLine(m map[uint32]*line, c *lastLine, k uint32) *line {
	if c.l == nil || c.key != k {
		c.key, c.l = k, s.lineOf(m, k)
	}
	return c.l
}

func (s *sink) lineOf(m map[uint32]*line, k uint32) *line {
	l := m[k]
	if l == nil {
		l = &line{use: newRateCounts(s.R, 1)}
		m[k] = l
	}
	return l
}

// dimKey returns the value of the Usage dimension of c.
func (s *sink) dimKey(c *rec) uint32 {
	switch s.e.nd.dim {
	case ByCategory:
		return uint32(c.cat)
	case ByMarket:
		return uint32(c.market)
	case ByCampaign:
		return c.campaign
	case ByCountry:
		return c.country
	case ByInbox:
		return c.inbox
	default: // ByTemplate
		return c.template
	}
}

// add counts a delivered message.
func (s *sink) add(c *rec) {
	e := s.e
	charged := c.flags&rfCharged != 0
	priced := charged && c.rate >= 0
	if priced && s.ledger {
		s.segUse.add(c.rate, e.segment(c.at), 1)
	}
	if c.campaign != 0 && s.campaigns != nil && c.at < e.to {
		s.campDeliv = append(s.campDeliv, campDelivery{contact: c.contact, campaign: c.campaign, at: c.at})
	}
	if e.nd.costs && priced && c.sent >= e.from && c.sent < e.to {
		// Message costs select by send, whenever the charge.
		s.costs = append(s.costs, msgCost{msg: c.msg, rate: c.rate})
	}
	if c.at < e.from || c.at >= e.to {
		return
	}
	b := e.bucket(c.at)
	t := &s.tot
	t.delivered++
	s.bDeliv[b]++
	t.byPT[c.ptype]++
	t.catDeliv[c.cat]++
	est := c.flags&rfEst != 0
	if est {
		t.estimated++
		t.catEst[c.cat]++
	}
	if c.flags&rfNoMarket != 0 {
		t.noMarket++
	}
	if c.flags&rfUnknown != 0 {
		t.unknown++
	}
	if charged {
		t.charged++
		s.bCharged[b]++
		t.catCharged[c.cat]++
		if priced {
			s.bUse.add(c.rate, b, 1)
			if est {
				s.estUse.add(c.rate, 0, 1)
			}
		} else {
			t.unpriced++
			t.catUnpriced[c.cat]++
			s.bUnpriced[b*int(numCats)+int(c.cat)]++
		}
	}
	if e.nd.dim != "" {
		k := s.dimKey(c)
		var sr *series
		if s.dimSmall != nil {
			if sr = s.dimSmall[k]; sr == nil {
				sr = s.newSeries()
				s.dimSmall[k] = sr
			}
		} else if sr = s.dimMap[k]; sr == nil {
			sr = s.newSeries()
			s.dimMap[k] = sr
		}
		sr.delivered[b]++
		if charged {
			sr.charged[b]++
			if priced {
				sr.use.add(c.rate, b, 1)
			} else {
				sr.unpriced[b]++
			}
		}
	}
	if s.campaigns != nil {
		s.count(s.cachedLine(s.campaigns, &s.lastCamp, c.campaign), c, charged, priced, est)
	}
	if s.countries != nil {
		s.count(s.cachedLine(s.countries, &s.lastCtry, c.country), c, charged, priced, est)
	}
	if s.e.nd.conversations && c.conv != 0 {
		w := int(c.conv >> 6)
		if w >= len(s.convBits) {
			s.convBits = append(s.convBits, make([]uint64, w+1-len(s.convBits))...)
		}
		s.convBits[w] |= 1 << (c.conv & 63)
		if priced {
			s.convUse.add(c.rate, 0, 1)
		} else if charged {
			s.convUnpric++
		}
	}
	if s.recon != nil {
		k := reconKey{bucket: int32(b), rate: -1, country: c.country, inbox: c.inbox, cat: c.cat, ptype: c.ptype}
		if charged {
			k.rate = c.rate
		}
		v := s.lastRVal
		if v == nil || k != s.lastRecon {
			if v = s.recon[k]; v == nil {
				v = &reconVal{}
				s.recon[k] = v
			}
			s.lastRecon, s.lastRVal = k, v
		}
		v.volume++
		if est {
			v.estimated++
		}
		if charged && !priced {
			v.unpriced++
		}
	}
}

func (s *sink) count(l *line, c *rec, charged, priced, est bool) {
	l.delivered++
	if est {
		l.estimated++
	}
	if charged {
		l.charged++
		if priced {
			l.use.add(c.rate, 0, 1)
		} else {
			l.unpriced++
		}
	}
}

// topup books a top-up.
func (s *sink) topup(tp topup) {
	if s.segTop == nil {
		return
	}
	e := s.e
	seg := e.segment(tp.at)
	s.segTop[seg] = s.segTop[seg].Add(tp.currency, tp.amount)
	if tp.at >= e.from && tp.at < e.to {
		b := e.bucket(tp.at)
		s.bTop[b] = s.bTop[b].Add(tp.currency, tp.amount)
	}
}

// merge adds o into s.
func (s *sink) merge(o *sink) {
	s.tot.merge(&o.tot)
	s.segUse.merge(&o.segUse)
	s.bUse.merge(&o.bUse)
	s.estUse.merge(&o.estUse)
	s.convUse.merge(&o.convUse)
	for i := range s.bDeliv {
		s.bDeliv[i] += o.bDeliv[i]
		s.bCharged[i] += o.bCharged[i]
	}
	for i := range s.bUnpriced {
		s.bUnpriced[i] += o.bUnpriced[i]
	}
	for i := range s.segTop {
		s.segTop[i] = s.segTop[i].Merge(o.segTop[i])
	}
	for i := range s.bTop {
		s.bTop[i] = s.bTop[i].Merge(o.bTop[i])
	}
	for i, sr := range o.dimSmall {
		switch {
		case sr == nil:
		case s.dimSmall[i] == nil:
			s.dimSmall[i] = sr
		default:
			s.dimSmall[i].merge(sr)
		}
	}
	for k, sr := range o.dimMap {
		if mine := s.dimMap[k]; mine != nil {
			mine.merge(sr)
		} else {
			s.dimMap[k] = sr
		}
	}
	mergeLines(s.campaigns, o.campaigns)
	mergeLines(s.countries, o.countries)
	bitsetOr(&s.convBits, o.convBits)
	s.convUnpric += o.convUnpric
	for k, v := range o.recon {
		if mine := s.recon[k]; mine != nil {
			mine.volume += v.volume
			mine.estimated += v.estimated
			mine.unpriced += v.unpriced
		} else {
			s.recon[k] = v
		}
	}
	s.costs = append(s.costs, o.costs...)
	s.cbp = append(s.cbp, o.cbp...)
	s.tiered = append(s.tiered, o.tiered...)
	s.campDeliv = append(s.campDeliv, o.campDeliv...)
}

func mergeLines(a, b map[uint32]*line) {
	for k, l := range b {
		if mine := a[k]; mine != nil {
			mine.merge(l)
		} else {
			a[k] = l
		}
	}
}

// finish settles what needs every message: one charge per conversation
// under conversation-based pricing, ranks in volume tiers, and
// conversions. d names the ids (for ties broken by message id).
func (s *sink) finish(d dicts) {
	e := s.e
	cc := e.cc
	byMsg := func(a, b *rec) int {
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		if a.msg == b.msg {
			return 0
		}
		return cmp.Compare(d.msg.Str(a.msg), d.msg.Str(b.msg))
	}
	cbp := s.cbp
	s.cbp = nil
	var reported, simulated []rec
	for _, c := range cbp {
		if c.flags&rfCBPRules != 0 {
			simulated = append(simulated, c)
		} else {
			reported = append(reported, c)
		}
	}
	// Reported conversations: the first delivery of each conversation id is
	// the charge; a message without an id is a conversation of its own.
	slices.SortFunc(reported, func(a, b rec) int {
		if a.bconv != b.bconv {
			return cmp.Compare(d.bconv.Str(a.bconv), d.bconv.Str(b.bconv))
		}
		return byMsg(&a, &b)
	})
	for i := range reported {
		c := &reported[i]
		if c.bconv != 0 && i > 0 && reported[i-1].bconv == c.bconv {
			c.flags = c.flags&^rfCharged | rfInConversation
			c.entry = -1
		}
		s.charge(c)
	}
	// Simulated conversations: per contact and business number, a charged
	// message opens a conversation of its category for 24 hours unless one
	// is open; a service message is covered by a conversation of any
	// category.
	slices.SortFunc(simulated, func(a, b rec) int {
		if a.contact != b.contact {
			return cmp.Compare(d.contact.Str(a.contact), d.contact.Str(b.contact))
		}
		if a.inbox != b.inbox {
			return cmp.Compare(d.inbox.Str(a.inbox), d.inbox.Str(b.inbox))
		}
		return byMsg(&a, &b)
	})
	var open [numCats]int64
	for i := range simulated {
		c := &simulated[i]
		if i == 0 || simulated[i-1].contact != c.contact || simulated[i-1].inbox != c.inbox {
			for k := range open {
				open[k] = noTime
			}
		}
		covered := open[c.cat] != noTime && c.at < open[c.cat]+cbpLen
		if c.cat == catService {
			for _, t := range open {
				covered = covered || (t != noTime && c.at < t+cbpLen)
			}
		}
		if covered {
			c.flags = c.flags&^rfCharged | rfInConversation
			c.entry = -1
		} else {
			open[c.cat] = c.at
		}
		s.charge(c)
	}
	// Tiers: rank the charges of each market, category and local month.
	tiered := s.tiered
	s.tiered = nil
	month := func(t int64) int {
		y, m, _ := time.Unix(0, t).In(e.loc).Date()
		return y*12 + int(m)
	}
	type ranked struct {
		rec
		month int
	}
	rs := make([]ranked, len(tiered))
	for i, c := range tiered {
		rs[i] = ranked{c, month(c.at)}
	}
	slices.SortFunc(rs, func(a, b ranked) int {
		if a.market != b.market {
			return cmp.Compare(a.market, b.market)
		}
		if a.cat != b.cat {
			return cmp.Compare(a.cat, b.cat)
		}
		return byMsg(&a.rec, &b.rec)
	})
	var n int64
	for i := range rs {
		c := &rs[i]
		if i == 0 || rs[i-1].market != c.market || rs[i-1].cat != c.cat || rs[i-1].month != c.month {
			n = 0
		}
		n++
		bands := cc.entries[c.entry].bands
		k := 0
		for k < len(bands)-1 && n > bands[k].upTo {
			k++
		}
		c.rate = bands[k].rate
		s.add(&c.rec)
	}
	// Conversions: every payment matched to a link in the period is a
	// conversion, credited to the campaign of its contact's latest
	// campaign message delivered at most the conversion window before it.
	if s.campaigns == nil {
		return
	}
	slices.SortFunc(s.campDeliv, func(a, b campDelivery) int {
		if a.contact != b.contact {
			return cmp.Compare(a.contact, b.contact)
		}
		if a.at != b.at {
			return cmp.Compare(a.at, b.at)
		}
		return cmp.Compare(d.campaign.Str(a.campaign), d.campaign.Str(b.campaign))
	})
	for _, p := range e.convs {
		if p.at < e.from || p.at >= e.to {
			continue // matching selects the period's payments: never
		}
		s.tot.conversions++
		contact, ok := d.contact.Lookup(p.contact)
		if p.contact == "" || !ok {
			continue // no contact, or one without messages: no campaign
		}
		// the last delivery of the contact at or before the payment
		i, _ := slices.BinarySearchFunc(s.campDeliv, contact, func(c campDelivery, contact uint32) int {
			if c.contact != contact {
				return cmp.Compare(c.contact, contact)
			}
			if c.at <= p.at {
				return -1
			}
			return 1
		})
		if i == 0 {
			continue
		}
		if c := s.campDeliv[i-1]; c.contact == contact && p.at-c.at <= e.convWin {
			s.lineOf(s.campaigns, c.campaign).conversions++
		}
	}
}

// charge settles a conversation-based charge: tiered, or at its flat rate.
func (s *sink) charge(c *rec) {
	cc := s.e.cc
	switch {
	case c.flags&rfCharged == 0 || c.entry < 0:
		s.add(c)
	case cc.tieredMC[int(c.market)*int(numCats)+int(c.cat)]:
		s.tiered = append(s.tiered, *c)
	default:
		c.rate = cc.entries[c.entry].bands[0].rate
		s.add(c)
	}
}
