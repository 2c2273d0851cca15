package main

// creditsQuestions are the credits engine's questions (see questions).
func creditsQuestions() []question { return nil }
