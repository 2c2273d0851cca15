package main

// This file belongs to the credits engine's command line; it is a placeholder until the engine lands.

import "context"

func runCredits(ctx context.Context, e *env, args []string) error { return errNotYet }

func creditsSection(ctx context.Context, in *reportInput) (*section, error) { return nil, nil }
