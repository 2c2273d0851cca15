// Command convometrics is the command line of the convometrics library: it
// generates demo data, validates JSON Lines event files and prints reports
// and exports from any engine.
//
// Usage:
//
//	convometrics <command> [flags] [file]
//
// Run "convometrics help" for the list of commands and "convometrics
// <command> -h" for the flags of one.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

// env is what a command runs against; tests substitute buffers.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// stderrTTY reports whether stderr is a terminal (progress is shown only then).
	stderrTTY bool
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"demo", "write the demo workload as JSON Lines", runDemo},
		{"validate", "check a JSON Lines file and report every bad line", runValidate},
		{"report", "print the overview of a tenant (every engine's section)", runReport},
		{"sessions", "sessions, contacts, messages and response times (session engine)", runSessions},
		{"agents", "agent, team and inbox performance (session engine)", runAgents},
		{"funnel", "conversion funnels (funnel engine)", runFunnel},
		{"campaigns", "campaign deployment metrics and per-user table (funnel engine)", runCampaigns},
		{"goals", "goal conversions (goals engine)", runGoals},
		{"flows", "flows triggered and drop-out per node (goals engine)", runFlows},
		{"attribution", "revenue attribution by campaign, template, flow, agent (attribution engine)", runAttribution},
		{"payments", "payment-link matching: matched, unmatched, unpaid links (attribution engine)", runPayments},
		{"credits", "message cost, balance and usage history (credits engine)", runCredits},
		{"webhooks", "turn WhatsApp Cloud API webhook bodies into events (whatsapp adapter)", runWebhooks},
	}
}

// errUsage marks an error already explained by printed usage.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, stderrTTY: isTerminal(os.Stderr)}
	os.Exit(run(ctx, e, os.Args[1:]))
}

// run executes one command line and returns the exit status: 0 success,
// 1 failure (including bad input found by validate), 2 usage error.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		case errors.Is(err, errBadInput):
			return 1
		default:
			fmt.Fprintf(e.stderr, "convometrics %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(e.stderr, "convometrics: unknown command %q\n\n", args[0])
	usage(e.stderr)
	return 2
}

func usage(w io.Writer) {
	var b strings.Builder
	b.WriteString("convometrics measures WhatsApp conversations: sessions, agents, funnels, goals, revenue and cost.\n\n")
	b.WriteString("Usage: convometrics <command> [flags] [file]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-12s %s\n", c.name, c.summary)
	}
	b.WriteString("\nMost commands read JSON Lines events from a file or stdin, or generate the demo workload with -demo.\n")
	b.WriteString("Run \"convometrics <command> -h\" for its flags.\n")
	io.WriteString(w, b.String())
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
