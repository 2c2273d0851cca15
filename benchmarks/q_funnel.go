package main

// funnelQuestions are the funnel engine's questions (see questions).
func funnelQuestions() []question { return nil }
