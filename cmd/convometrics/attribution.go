package main

// This file belongs to the attribution engine's command line; it is a placeholder until the engine lands.

import "context"

func runAttribution(ctx context.Context, e *env, args []string) error { return errNotYet }

func runPayments(ctx context.Context, e *env, args []string) error { return errNotYet }

func attributionSection(ctx context.Context, in *reportInput) (*section, error) { return nil, nil }
