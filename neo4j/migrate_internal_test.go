package neo4j

import "testing"

// Each slice lists its own migrations; a statement listed by two slices (or
// by a slice and the shared list) would mean they have drifted into copies.
func TestMigrationsListedOnce(t *testing.T) {
	seen := map[string]bool{}
	for _, stmt := range migrations() {
		if seen[stmt] {
			t.Errorf("migration listed twice: %s", stmt)
		}
		seen[stmt] = true
	}
}
