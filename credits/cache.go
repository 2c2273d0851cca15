package credits

import (
	"encoding/binary"
	"hash/maphash"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// Compiled cards are cached: a dashboard asks many questions with one
// card. An entry is found by the card's identity and location and used
// only while the card's content fingerprint is unchanged, so a card
// modified after use is validated and compiled again, never served stale.
// The cache is small and bounded: a host that builds a new card for every
// query pays for compiling it, nothing more.
type cardKey struct {
	card *RateCard
	loc  *time.Location
}

type cardEntry struct {
	key cardKey
	sum uint64
	cc  *compiled
	err error
}

var cardCache struct {
	sync.Mutex
	entries []cardEntry // most recent first
}

const cardCacheSize = 16

var fingerprintSeed = maphash.MakeSeed()

// compileCached validates and compiles c for loc, or returns the cached
// result.
func compileCached(c *RateCard, loc *time.Location) (*compiled, error) {
	k := cardKey{c, loc}
	sum := c.fingerprint()
	cardCache.Lock()
	for i, e := range cardCache.entries {
		if e.key == k && e.sum == sum {
			copy(cardCache.entries[1:i+1], cardCache.entries[:i])
			cardCache.entries[0] = e
			cardCache.Unlock()
			return e.cc, e.err
		}
	}
	cardCache.Unlock()
	e := cardEntry{key: k, sum: sum}
	if e.err = c.Validate(); e.err == nil {
		e.cc = compile(c, loc)
	}
	cardCache.Lock()
	cardCache.entries = append([]cardEntry{e}, cardCache.entries...)
	if len(cardCache.entries) > cardCacheSize {
		cardCache.entries = cardCache.entries[:cardCacheSize]
	}
	cardCache.Unlock()
	return e.cc, e.err
}

// fingerprint hashes every field of the card; map entries are combined in
// an order-independent way.
func (c *RateCard) fingerprint() uint64 {
	var h maphash.Hash
	h.SetSeed(fingerprintSeed)
	var buf [8]byte
	num := func(n int64) {
		binary.LittleEndian.PutUint64(buf[:], uint64(n))
		h.Write(buf[:])
	}
	str := func(s string) {
		num(int64(len(s)))
		h.WriteString(s)
	}
	entries := func(m map[string]string) {
		var sum uint64
		for k, v := range m {
			sum += maphash.String(fingerprintSeed, k)*31 + maphash.String(fingerprintSeed, v)
		}
		num(int64(len(m)))
		num(int64(sum))
	}
	price := func(d decimal.Decimal) {
		if d.NumDigits() > 18 {
			str(d.String()) // rare: the coefficient does not fit an int64
			return
		}
		num(d.CoefficientInt64())
		num(int64(d.Exponent()))
	}
	str(c.Name)
	str(c.Note)
	if c.Example {
		num(1)
	}
	num(int64(len(c.Markets)))
	for _, m := range c.Markets {
		str(m.Effective)
		str(m.Default)
		entries(m.Countries)
		entries(m.CallingCodes)
	}
	num(int64(len(c.Rules)))
	for _, r := range c.Rules {
		str(r.Effective)
		str(r.Model)
		if r.ChargeEntryPoint {
			num(1)
		}
		num(int64(len(r.FreeInServiceWindow)))
		for _, cat := range r.FreeInServiceWindow {
			str(string(cat))
		}
	}
	num(int64(len(c.Rates)))
	for _, r := range c.Rates {
		str(r.Effective)
		str(r.Market)
		str(string(r.Category))
		str(r.Currency)
		price(r.Price)
		num(int64(len(r.Tiers)))
		for _, t := range r.Tiers {
			num(t.UpTo)
			price(t.Price)
		}
	}
	return h.Sum64()
}
