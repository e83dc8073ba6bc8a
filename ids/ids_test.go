package ids

import (
	"regexp"
	"slices"
	"testing"
)

var shape = regexp.MustCompile(`^ci_[0-9a-f]{32}$`)

func TestNewIDsAreKindedAndSortInCreationOrder(t *testing.T) {
	made := make([]string, 10000)
	for i := range made {
		made[i] = New("ci")
		if !shape.MatchString(made[i]) {
			t.Fatalf("id %q is not ci_ and 32 hex digits", made[i])
		}
		if k := Kind(made[i]); k != "ci" {
			t.Fatalf("Kind(%q) = %q, want ci", made[i], k)
		}
	}
	// Many share a millisecond: the order must hold within one too.
	if !slices.IsSorted(made) {
		t.Error("ids made one after another do not sort in the order they were made")
	}
	if len(slices.Compact(slices.Clone(made))) != len(made) {
		t.Error("an id was made twice")
	}
}

func TestKind(t *testing.T) {
	for in, want := range map[string]string{"inc_abc": "inc", "rel_": "rel", "nounderscore": "", "": ""} {
		if got := Kind(in); got != want {
			t.Errorf("Kind(%q) = %q, want %q", in, got, want)
		}
	}
}
