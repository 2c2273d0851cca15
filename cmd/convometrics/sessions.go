package main

// This file belongs to the sessions engine's command line; it is a placeholder until the engine lands.

import "context"

func runSessions(ctx context.Context, e *env, args []string) error { return errNotYet }

func runAgents(ctx context.Context, e *env, args []string) error { return errNotYet }

func sessionSection(ctx context.Context, in *reportInput) (*section, error) { return nil, nil }
