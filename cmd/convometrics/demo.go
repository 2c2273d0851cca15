package main

import (
	"context"
	"fmt"
	"os"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/internal/demo"
)

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "[-events N] [-seed S] [-o file]")
	events := fs.Int("events", demo.DefaultEvents, "number of events to generate (1,000 to 10,000,000 is the tested scale)")
	seed := fs.Uint64("seed", 1, "random seed; equal flags give equal output")
	out := fs.String("o", "", "output file (default stdout)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	w := e.stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	enc := cm.NewEncoder(w)
	prog := newProgress(e, "wrote")
	n := 0
	for ev := range demo.Generate(demo.Options{Events: *events, Seed: *seed}) {
		if n%8192 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			prog.set(n)
		}
		if err := enc.Encode(&ev); err != nil {
			return err
		}
		n++
	}
	if err := enc.Flush(); err != nil {
		return err
	}
	prog.done(n)
	if *out != "" {
		fmt.Fprintf(e.stderr, "wrote %s events to %s\n", groupDigits(n), *out)
	}
	return nil
}
