package session

import (
	"runtime"
	"slices"
	"sync"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// Row codes: what the hot loop needs to know about a row, in one uint16
// derived once per frame from its columns (type, channel, sender, agent,
// message type, template, amount, message id), so that the loop reads one
// small column instead of eight and follows no dictionary.
const (
	cReceived   = 1
	cSent       = 2
	cOpen       = 3 // conversation.opened or conversation.reopened
	cAssigned   = 4
	cUnassigned = 5
	cHandoff    = 6
	cResolved   = 7
	cTypeMask   = 7

	cTest      = 1 << 3 // test channel
	cWindow    = 1 << 4 // a channel with the customer-service window (WhatsApp or unspecified)
	cReaction  = 1 << 5
	cTemplate  = 1 << 6
	cAmount    = 1 << 7
	cKindShift = 8 // sender kind, 3 bits
	cKindMask  = 7 << cKindShift
	cChanShift = 11      // channel kind, 3 bits
	cAgent     = 1 << 14 // the row names an agent
	// cRepeat marks a message row whose message id an earlier message row
	// of the contact carries (see markRepeats): the engine skips it
	cRepeat = 1 << 15
)

// codesKey is the frame memo key of the row codes, which depend on whether
// test traffic is counted (a test row never wins a message id without it).
type codesKey struct{ includeTest bool }

// rowCodes returns the row codes of f, computing them on first use and
// keeping them with the frame (frames are immutable; stores share and cache
// them).
func rowCodes(f *frame.Frame, chanKind, senderKind []uint8, reaction uint32, hasReaction, includeTest bool) []uint16 {
	return f.Memo(codesKey{includeTest}, func() any {
		return computeCodes(f, chanKind, senderKind, reaction, hasReaction, includeTest)
	}).([]uint16)
}

// computeCodes derives the row codes of f.
func computeCodes(f *frame.Frame, chanKind, senderKind []uint8, reaction uint32, hasReaction, includeTest bool) []uint16 {
	codes := make([]uint16, f.Len())
	ch, snd, mt, tm, ag := f.Col(frame.Channel), f.Col(frame.Sender), f.Col(frame.MessageType), f.Col(frame.Template), f.Col(frame.Agent)
	var typeCode [cm.NumTypes]uint16
	typeCode[tReceived], typeCode[tSent] = cReceived, cSent
	typeCode[tOpened], typeCode[tReopened] = cOpen, cOpen
	typeCode[tAssigned], typeCode[tUnassigned] = cAssigned, cUnassigned
	typeCode[tHandoff], typeCode[tResolved] = cHandoff, cResolved
	fill := func(lo, hi int) {
		for r := lo; r < hi; r++ {
			c := typeCode[f.Type[r]] | uint16(chanKind[ch[r]])<<cChanShift
			if ag[r] != 0 {
				c |= cAgent
			}
			switch chanKind[ch[r]] {
			case chTest:
				c |= cTest
			case chWhatsApp, chOther:
				c |= cWindow
			}
			if hasReaction && mt[r] == reaction {
				c |= cReaction
			}
			if c&cTypeMask == cSent {
				if tm[r] != 0 {
					c |= cTemplate
				}
				if f.HasAmount(r) {
					c |= cAmount
				}
				c |= uint16(senderKind[snd[r]]) << cKindShift
			}
			codes[r] = c
		}
	}
	n := f.Len()
	if n < 1<<16 {
		fill(0, n)
	} else {
		var wg sync.WaitGroup
		k := runtime.GOMAXPROCS(0)
		for i := 0; i < k; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				fill(n*i/k, n*(i+1)/k)
			}()
		}
		wg.Wait()
	}
	if f.Has(frame.Message) {
		msg := f.Col(frame.Message)
		f.Parallel(0, func(_, lo, hi int) {
			var keys []uint64
			for g := lo; g < hi; g++ {
				glo, ghi := f.Group(g)
				keys = markRepeats(codes, msg, glo, ghi, includeTest, keys)
			}
		})
	}
	return codes
}

// markRepeats sets cRepeat on the message rows (message.received and
// message.sent) of one contact's rows [lo, hi) whose message id an earlier
// message row carries: the rows are in (time, id) order, so the first
// wins. Rows without a message id are never repeats; test rows take part
// only with includeTest (otherwise they do not exist). keys is scratch
// space, returned for reuse.
func markRepeats(codes []uint16, msg []uint32, lo, hi int, includeTest bool, keys []uint64) []uint64 {
	keys = keys[:0]
	for r := lo; r < hi; r++ {
		c := codes[r]
		if t := c & cTypeMask; (t == cReceived || t == cSent) && msg[r] != 0 && (includeTest || c&cTest == 0) {
			// the id in the high half, the row in the low: sorted, each
			// id's rows come together, the first one first
			keys = append(keys, uint64(msg[r])<<32|uint64(r-lo))
		}
	}
	if len(keys) < 2 {
		return keys
	}
	slices.Sort(keys)
	for i := 1; i < len(keys); i++ {
		if keys[i]>>32 == keys[i-1]>>32 {
			codes[lo+int(uint32(keys[i]))] |= cRepeat
		}
	}
	return keys
}
