package main

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"

	cm "github.com/convometrics/convometrics"
)

func runValidate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "validate", "[-lenient] [-max-errors N] [file]")
	lenient := fs.Bool("lenient", false, "keep unknown JSON keys in attrs instead of reporting them")
	maxErrs := fs.Int("max-errors", 0, "stop after this many bad lines (0: report all)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	r, name, closeFn, err := openInput(e, fs)
	if err != nil {
		return err
	}
	defer closeFn()

	type seen struct {
		line    int
		content uint64
	}
	seed := maphash.MakeSeed()
	ids := map[uint64]seen{} // hash of (tenant, id) -> first line and content hash
	dec := cm.NewDecoder(r, &cm.DecodeOptions{Lenient: *lenient})
	prog := newProgress(e, "checked")
	var good, bad, dups int
	var buf []byte
	report := func(err error) {
		bad++
		fmt.Fprintf(e.stdout, "%s: %v\n", name, err)
	}
	for ev, derr := range dec.Events() {
		if dec.Line()%8192 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			prog.set(dec.Line())
		}
		if *maxErrs > 0 && bad >= *maxErrs {
			break
		}
		if derr != nil {
			var ee *cm.EventError
			if !errors.As(derr, &ee) {
				return derr // read error
			}
			report(derr)
			continue
		}
		if err := ev.Validate(); err != nil {
			for _, one := range unjoin(err) {
				var ee *cm.EventError
				if errors.As(one, &ee) {
					ee.Line = dec.Line()
				}
				report(one)
				if *maxErrs > 0 && bad >= *maxErrs {
					break
				}
			}
			continue
		}
		buf = ev.AppendJSON(buf[:0])
		key := maphash.String(seed, ev.Tenant+"\x00"+ev.ID)
		content := maphash.Bytes(seed, buf)
		if prev, ok := ids[key]; ok {
			if prev.content != content {
				report(&cm.EventError{Line: dec.Line(), ID: ev.ID, Err: fmt.Errorf("%w: same tenant and id as line %d with different content", cm.ErrConflict, prev.line)})
				continue
			}
			dups++
		} else {
			ids[key] = seen{dec.Line(), content}
		}
		good++
	}
	prog.done(dec.Line())
	fmt.Fprintf(e.stderr, "%s: %s lines, %s valid events (%s exact repeats, which stores ignore), %s problems\n",
		name, groupDigits(dec.Line()), groupDigits(good), groupDigits(dups), groupDigits(bad))
	if bad > 0 {
		return errBadInput
	}
	return nil
}

// unjoin splits an errors.Join result into its parts.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
