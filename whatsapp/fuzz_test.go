package whatsapp

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse feeds arbitrary bodies to the parser. The seed corpus is every
// sample in testdata (and testdata/fuzz/FuzzParse). Properties: no panic;
// an error is a *ParseError or ErrUnknownTenant and comes with an empty
// result; otherwise every event is valid, and parsing again gives the same
// result.
func FuzzParse(f *testing.F) {
	for _, b := range allSamples(f) {
		f.Add(b)
	}
	plain := mustParser(f, Options{})
	keyed := mustParser(f, Options{ContactKeys: map[string][]byte{"": testKey}, HashMessageIDs: true})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, p := range []*Parser{plain, keyed} {
			res, err := p.Parse(b)
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) && !errors.Is(err, ErrUnknownTenant) {
					t.Fatalf("unexpected error type %T: %v", err, err)
				}
				if res.Events != nil || res.Errors != nil || res.Ignored != nil {
					t.Fatalf("partial result with error %v: %+v", err, res)
				}
				continue
			}
			for i := range res.Events {
				if verr := res.Events[i].Validate(); verr != nil {
					t.Fatalf("invalid event %d: %v", i, verr)
				}
			}
			again, err := p.Parse(b)
			if err != nil {
				t.Fatalf("second parse failed: %v", err)
			}
			if d := cmp.Diff(res, again, cmpOpts); d != "" {
				t.Fatalf("second parse differs:\n%s", d)
			}
		}
	})
}
