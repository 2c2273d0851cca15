package memstore

import (
	"sync"

	"github.com/shopspring/decimal"
)

// ncol is an append-only column of small unsigned integers (symbol ids,
// codes) whose width grows with the largest value stored: 1, 2 or 4 bytes
// per event. Values already written never change, so a copy of the struct
// taken under the cache's lock is an immutable snapshot of its prefix.
type ncol struct {
	w8    []uint8
	w16   []uint16
	w32   []uint32
	width uint8 // 1, 2 or 4
}

func (c *ncol) len() int {
	switch c.width {
	case 2:
		return len(c.w16)
	case 4:
		return len(c.w32)
	}
	return len(c.w8)
}

func (c *ncol) bytes() int { return cap(c.w8) + 2*cap(c.w16) + 4*cap(c.w32) }

// add appends vals, widening the column first when one does not fit.
func (c *ncol) add(vals []uint32) {
	var m uint32
	for _, v := range vals {
		m = max(m, v)
	}
	need := uint8(1)
	switch {
	case m > 0xffff:
		need = 4
	case m > 0xff:
		need = 2
	}
	if c.width == 0 {
		c.width = 1
	}
	if need > c.width {
		c.widen(need)
	}
	switch c.width {
	case 1:
		for _, v := range vals {
			c.w8 = append(c.w8, uint8(v))
		}
	case 2:
		for _, v := range vals {
			c.w16 = append(c.w16, uint16(v))
		}
	default:
		c.w32 = append(c.w32, vals...)
	}
}

func (c *ncol) widen(w uint8) {
	n := c.len()
	switch w {
	case 2:
		c.w16 = make([]uint16, n, max(2*n, 1024))
		for i, v := range c.w8 {
			c.w16[i] = uint16(v)
		}
		c.w8 = nil
	case 4:
		c.w32 = make([]uint32, n, max(2*n, 1024))
		if c.width == 1 {
			for i, v := range c.w8 {
				c.w32[i] = uint32(v)
			}
		} else {
			for i, v := range c.w16 {
				c.w32[i] = uint32(v)
			}
		}
		c.w8, c.w16 = nil, nil
	}
	c.width = w
}

// gather sets dst[k] to the value of event sel[k], for k in [lo, hi).
func (c *ncol) gather(dst, sel []uint32, lo, hi int) {
	switch c.width {
	case 1:
		src := c.w8
		for k := lo; k < hi; k++ {
			dst[k] = uint32(src[sel[k]])
		}
	case 2:
		src := c.w16
		for k := lo; k < hi; k++ {
			dst[k] = uint32(src[sel[k]])
		}
	default:
		src := c.w32
		for k := lo; k < hi; k++ {
			dst[k] = src[sel[k]]
		}
	}
}

// amountVal is a decoded amount: coef × 10^exp, or an index into big.
type amountVal struct {
	coef int64
	exp  int8
}

// colcache keeps a tenant's record fields decoded into columns in arrival
// order, so that a frame needs only a gather: decoding a record costs about
// 100 ns (its variable-length fields branch unpredictably), a gather a few.
// A field is decoded once, when a frame first asks for it, and extended as
// events arrive. Amounts are kept as a column of 1-based indexes into a
// table of the amounts that occur (most events have none).
//
// Memory is 1 to 4 bytes per event per field ever asked for (reported by
// Stats as CacheBytes); DropCaches releases it.
type colcache struct {
	mu      sync.Mutex
	n       int                        // events covered by every cached column
	have    uint64                     // record bits cached
	cols    [fAttrs]ncol               // by record bit (fAmount: index into amounts)
	amounts []amountVal                // index 0 unused
	big     map[uint32]decimal.Decimal // by amount index, for coefficients beyond int64
}

// covers reports whether every record bit of want is cached.
func (c *colcache) covers(want uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return want&^c.have == 0
}

// cacheView is a snapshot of the cached columns.
type cacheView struct {
	cols    [fAttrs]ncol
	amounts []amountVal
	big     map[uint32]decimal.Decimal
}

// columns returns a view in which every record bit of want is decoded for
// at least the snapshot's events, decoding what is missing.
func (p *part) columns(sn *snapshot, want uint64, workers int) *cacheView {
	c := &p.cols
	c.mu.Lock()
	defer c.mu.Unlock()
	if add := want &^ c.have; add != 0 && c.n > 0 {
		dsn := sn
		if c.n > sn.n {
			dsn = p.snapshot() // the cache already covers newer events
		}
		c.decode(dsn, add, 0, c.n, workers)
	}
	c.have |= want
	if sn.n > c.n {
		c.decode(sn, c.have, c.n, sn.n, workers)
		c.n = sn.n
	}
	v := &cacheView{cols: c.cols, amounts: c.amounts, big: c.big}
	return v
}

// decode appends bits of events [lo, hi) to the columns (each column in
// bits must hold exactly lo events before).
func (c *colcache) decode(sn *snapshot, bits uint64, lo, hi, workers int) {
	var fields []int
	for b := 0; b < fAttrs; b++ {
		if bits&(1<<b) != 0 && b != fAmount && b != fBillable && b != fTranslated {
			fields = append(fields, b)
		}
	}
	n := hi - lo
	sc := &scratch{}
	for _, b := range fields {
		sc.cols[b] = make([]uint32, n)
	}
	if bits&(1<<fAmount) != 0 {
		sc.coef, sc.exp = make([]int64, n), make([]int8, n)
	}
	if bits&(1<<fBillable) != 0 {
		sc.billable = make([]uint8, n)
	}
	if bits&(1<<fTranslated) != 0 {
		sc.translated = make([]bool, n)
	}
	// Decode segment by segment on all cores.
	first, last := lo>>segBits, (hi-1)>>segBits
	parallel(workers, last-first+1, func(k int) {
		si := first + k
		seg := &sn.segs[si]
		base := si << segBits
		from, to := max(lo, base)-base, min(hi, base+len(seg.times))-base
		for j := from; j < to; j++ {
			decodeInto(seg.record(j), bits, uint32(base+j-lo), sc, &sn.v.syms)
		}
	})
	for _, b := range fields {
		c.cols[b].add(sc.cols[b])
	}
	if bits&(1<<fBillable) != 0 {
		v := make([]uint32, n)
		for i, x := range sc.billable {
			v[i] = uint32(x)
		}
		c.cols[fBillable].add(v)
	}
	if bits&(1<<fTranslated) != 0 {
		v := make([]uint32, n)
		for i, x := range sc.translated {
			if x {
				v[i] = 1
			}
		}
		c.cols[fTranslated].add(v)
	}
	if bits&(1<<fAmount) != 0 {
		if len(c.amounts) == 0 {
			c.amounts = append(c.amounts, amountVal{})
		}
		v := make([]uint32, n)
		for i := range v {
			d, isBig := sc.big[uint32(i)]
			if sc.coef[i] == 0 && !isBig {
				continue
			}
			v[i] = uint32(len(c.amounts))
			if isBig {
				if c.big == nil {
					c.big = map[uint32]decimal.Decimal{}
				}
				c.big[uint32(len(c.amounts))] = d
			}
			c.amounts = append(c.amounts, amountVal{sc.coef[i], sc.exp[i]})
		}
		c.cols[fAmount].add(v)
	}
}

func (c *colcache) bytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := cap(c.amounts) * 16
	for i := range c.cols {
		n += c.cols[i].bytes()
	}
	return n
}

func (c *colcache) drop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n, c.have, c.cols, c.amounts, c.big = 0, 0, [fAttrs]ncol{}, nil, nil
}
