package main

// This file is the command line of the whatsapp adapter: "convometrics
// webhooks" turns WhatsApp Cloud API webhook bodies into events.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	cm "github.com/convometrics/convometrics"
	"github.com/convometrics/convometrics/whatsapp"
)

// routeFlag collects -route id=tenant pairs.
type routeFlag map[string]string

func (r routeFlag) String() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(r)) {
		parts = append(parts, k+"="+r[k])
	}
	return strings.Join(parts, ",")
}

func (r routeFlag) Set(s string) error {
	id, tenant, ok := strings.Cut(s, "=")
	if !ok || id == "" || tenant == "" {
		return fmt.Errorf("want <phone number id or WABA id>=<tenant>, got %q", s)
	}
	if old, dup := r[id]; dup && old != tenant {
		return fmt.Errorf("%s routed twice (to %q and %q)", id, old, tenant)
	}
	r[id] = tenant
	return nil
}

func runWebhooks(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "webhooks", "[flags] [file|directory ...]\n\n"+
		"Reads WhatsApp Cloud API webhook bodies (each file, every *.json and *.jsonl file under a directory,\n"+
		"or stdin) and writes their events as JSON Lines, or with -report prints the report of them.\n"+
		"An input may hold one body or several (JSON Lines, or bodies one after another).")
	routes := routeFlag{}
	fs.Var(routes, "route", "route a business phone number id or WABA id to a tenant: id=tenant (repeatable)")
	defTenant := fs.String("default-tenant", "", "tenant of webhooks no -route matches (default: the WABA id)")
	keyFile := fs.String("contact-key-file", "", "pseudonymise contacts with HMAC-SHA256 under the key in this file (at least 16 bytes)")
	hashIDs := fs.Bool("hash-message-ids", false, "with -contact-key-file: pseudonymise message ids too")
	skipBad := fs.Bool("skip-bad", false, "report malformed bodies and go on (exit status 1 at the end) instead of stopping at the first")
	toReport := fs.Bool("report", false, "print the report of the events instead of writing them (takes the report flags below)")
	var sc scopeFlags
	var out outputFlags
	var rf reportFlags
	sc.register(fs)
	out.register(fs)
	// WhatsApp webhooks never resolve a conversation: with -report,
	// sessions end after a day without an event unless -inactivity says
	// otherwise.
	rf.register(fs, 24*time.Hour)
	if err := parseFormat(fs, args, &out); err != nil {
		return err
	}
	opts := whatsapp.Options{Tenant: *defTenant, HashMessageIDs: *hashIDs}
	if len(routes) > 0 {
		opts.Tenants = routes
	}
	if *keyFile != "" {
		key, err := os.ReadFile(*keyFile)
		if err != nil {
			return fmt.Errorf("-contact-key-file: %w", err)
		}
		opts.ContactKeys = map[string][]byte{"": bytes.TrimRight(key, "\r\n")}
	}
	p, err := whatsapp.NewParser(opts)
	if err != nil {
		return err
	}

	var sink webhookSink
	if *toReport {
		sink = newReportSink(rf)
	} else {
		sink = &jsonlSink{enc: cm.NewEncoder(e.stdout)}
	}
	var st webhookStats
	prog := newProgress(e, "converted")
	err = forEachBody(e, fs.Args(), func(name string, n int, b []byte) error {
		if st.bodies%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			prog.set(st.events)
		}
		st.bodies++
		res, perr := p.Parse(b)
		if perr != nil {
			st.bad++
			if !*skipBad {
				return fmt.Errorf("%s: body %d: %w", name, n, perr)
			}
			fmt.Fprintf(e.stderr, "%s: body %d: %v\n", name, n, perr)
			return nil
		}
		for i := range res.Errors {
			fmt.Fprintf(e.stderr, "%s: body %d: tenant %s, phone number id %s: %v\n", name, n, res.Errors[i].Tenant, res.Errors[i].PhoneNumberID, &res.Errors[i])
		}
		st.events += len(res.Events)
		st.platformErrors += len(res.Errors)
		st.ignored += len(res.Ignored)
		return sink.add(ctx, res.Events)
	})
	if err != nil {
		if j, ok := sink.(*jsonlSink); ok {
			j.enc.Flush() // whole lines of the bodies converted before the error
		}
		return err
	}
	prog.done(st.events)
	if err := sink.finish(ctx, e, &sc, &out); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d webhook bodies, %d events, %d platform errors, %d parts ignored, %d malformed bodies\n",
		st.bodies, st.events, st.platformErrors, st.ignored, st.bad)
	if st.bad > 0 {
		return errBadInput
	}
	return nil
}

type webhookStats struct {
	bodies, events, platformErrors, ignored, bad int
}

// forEachBody calls f with every JSON value of every input: each file
// named, every *.json and *.jsonl file under a directory (in lexical order),
// or stdin when there is no argument or it is "-". n counts the bodies of
// one input from 1.
func forEachBody(e *env, args []string, f func(name string, n int, body []byte) error) error {
	if len(args) == 0 {
		args = []string{"-"}
	}
	for _, a := range args {
		if a == "-" {
			if err := bodies(e.stdin, "stdin", f); err != nil {
				return err
			}
			continue
		}
		info, err := os.Stat(a)
		if err != nil {
			return err
		}
		files := []string{a}
		if info.IsDir() {
			files = files[:0]
			err := filepath.WalkDir(a, func(path string, d iofs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if !d.IsDir() && (strings.HasSuffix(path, ".json") || strings.HasSuffix(path, ".jsonl")) {
					files = append(files, path)
				}
				return nil
			})
			if err != nil {
				return err
			}
			if len(files) == 0 {
				return fmt.Errorf("%s: no *.json or *.jsonl files", a)
			}
		}
		for _, name := range files {
			r, err := os.Open(name)
			if err != nil {
				return err
			}
			err = bodies(r, name, f)
			r.Close()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// bodies reads a stream of JSON values (one pretty-printed body, JSON
// Lines, or values one after another) and calls f with the raw bytes of
// each. A stream that is not JSON stops with an error naming the body and
// byte offset.
func bodies(r io.Reader, name string, f func(name string, n int, body []byte) error) error {
	dec := json.NewDecoder(r)
	for n := 1; ; n++ {
		var raw json.RawMessage
		start := dec.InputOffset()
		if err := dec.Decode(&raw); err != nil {
			if err == io.EOF {
				return nil
			}
			var se *json.SyntaxError
			if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("%s: body %d (from byte %d): not JSON: %w", name, n, start, err)
			}
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := f(name, n, raw); err != nil {
			return err
		}
	}
}

// webhookSink receives the events of each body.
type webhookSink interface {
	add(ctx context.Context, events []cm.Event) error
	finish(ctx context.Context, e *env, sc *scopeFlags, out *outputFlags) error
}

// jsonlSink writes events as JSON Lines.
type jsonlSink struct{ enc *cm.Encoder }

func (s *jsonlSink) add(_ context.Context, events []cm.Event) error {
	for i := range events {
		if err := s.enc.Encode(&events[i]); err != nil {
			return err
		}
	}
	return nil
}

func (s *jsonlSink) finish(context.Context, *env, *scopeFlags, *outputFlags) error {
	return s.enc.Flush()
}

// reportSink stores events in memory, one append per body as a webhook
// handler would, and prints the report at the end.
type reportSink struct {
	ds    *dataset
	flags reportFlags
}

func newReportSink(f reportFlags) *reportSink {
	return &reportSink{ds: newDataset(false), flags: f}
}

func (s *reportSink) add(ctx context.Context, events []cm.Event) error {
	return s.ds.add(ctx, events)
}

func (s *reportSink) finish(ctx context.Context, e *env, sc *scopeFlags, out *outputFlags) error {
	scope, err := sc.resolve(s.ds)
	if err != nil {
		return err
	}
	return printReport(ctx, e.stdout, out, s.ds, scope, s.flags)
}
