package memstore

import (
	"context"
	"testing"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/demo"
	"github.com/convometrics/convometrics/internal/frame"
)

func BenchmarkDecodeInto(b *testing.B) {
	s := New()
	var evs []cm.Event
	for e := range demo.Generate(demo.Options{Events: 300_000, Seed: 1}) {
		evs = append(evs, e)
	}
	s.Append(context.Background(), evs...)
	p := s.part("acme")
	sn, _ := p.read()
	spec := frame.Spec{Fields: frame.Of(frame.Sender, frame.Agent, frame.Team, frame.Inbox, frame.Channel, frame.Conversation, frame.Message, frame.Status), Amount: true}
	var fields []int
	var want uint64
	for bb, fld := range recordField {
		if fld >= 0 && spec.Fields.Has(frame.Field(fld)) {
			want |= 1 << bb
			fields = append(fields, bb)
		}
	}
	want |= 1 << fAmount
	sc := newScratch(sn.n, fields, spec)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for si := range sn.segs {
			seg := &sn.segs[si]
			base := uint32(si) << segBits
			for j := range seg.times {
				decodeInto(seg.record(j), want, base+uint32(j), sc, &sn.v.syms)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*sn.n), "ns/event")
}
