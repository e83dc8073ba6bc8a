package lifecycle

import (
	"slices"
	"testing"
)

func TestNext(t *testing.T) {
	all := []string{"NEW", "OPEN", "DONE", "CANCELLED"}
	moves := map[string][]string{"NEW": {"CANCELLED", "OPEN"}, "OPEN": {"DONE"}}
	for s, want := range map[string][]string{"NEW": {"OPEN", "CANCELLED"}, "OPEN": {"DONE"}, "DONE": nil} {
		if got := Next(all, moves, s); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", s, got, want)
		}
	}
}
