package session

import (
	"runtime"
	"sync"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/frame"
)

// Row codes: what the hot loop needs to know about a row, in one uint16
// derived once per frame from its columns (type, channel, sender, agent,
// message type, template, amount), so that the loop reads one small column
// instead of seven and follows no dictionary.
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
)

// codesKey is the frame memo key of the row codes.
type codesKey struct{}

// rowCodes returns the row codes of f, computing them on first use and
// keeping them with the frame (frames are immutable; stores share and cache
// them).
func rowCodes(f *frame.Frame, chanKind, senderKind []uint8, reaction uint32, hasReaction bool) []uint16 {
	return f.Memo(codesKey{}, func() any {
		return computeCodes(f, chanKind, senderKind, reaction, hasReaction)
	}).([]uint16)
}

// computeCodes derives the row codes of f.
func computeCodes(f *frame.Frame, chanKind, senderKind []uint8, reaction uint32, hasReaction bool) []uint16 {
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
	return codes
}
