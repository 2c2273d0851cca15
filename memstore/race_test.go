//go:build race

package memstore_test

// raceEnabled shrinks the largest tests under the race detector, which
// slows copying of big Event slices by an order of magnitude.
const raceEnabled = true
