// Package lifecycle holds what the processes' state machines share.
package lifecycle

import "slices"

// Next returns the states moves lets a record in s go to, in the order of
// all (the lifecycle's order, which answers list).
func Next[S comparable](all []S, moves map[S][]S, s S) []S {
	var out []S
	for _, to := range all {
		if slices.Contains(moves[s], to) {
			out = append(out, to)
		}
	}
	return out
}
