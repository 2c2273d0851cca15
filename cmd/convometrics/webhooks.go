package main

// This file belongs to the webhooks engine's command line; it is a placeholder until the engine lands.

import "context"

func runWebhooks(ctx context.Context, e *env, args []string) error { return errNotYet }
