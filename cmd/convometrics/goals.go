package main

// This file belongs to the goals engine's command line; it is a placeholder until the engine lands.

import "context"

func runGoals(ctx context.Context, e *env, args []string) error { return errNotYet }

func runFlows(ctx context.Context, e *env, args []string) error { return errNotYet }

func goalsSection(ctx context.Context, in *reportInput) (*section, error) { return nil, nil }
