package main

// attributionQuestions are the attribution engine's questions (see questions).
func attributionQuestions() []question { return nil }
