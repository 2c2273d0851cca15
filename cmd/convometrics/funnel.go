package main

// This file belongs to the funnel engine's command line; it is a placeholder until the engine lands.

import "context"

func runFunnel(ctx context.Context, e *env, args []string) error { return errNotYet }

func runCampaigns(ctx context.Context, e *env, args []string) error { return errNotYet }

func funnelSection(ctx context.Context, in *reportInput) (*section, error) { return nil, nil }
