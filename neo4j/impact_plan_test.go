package neo4j_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/impact"
	"github.com/itsm-graph/itsm/neo4j"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
)

// TestNeighbourhoodSeeksItsStartAndWalksBreadthFirst: the bounded
// neighbourhood starts from the id's index and walks with Neo4j's pruning
// breadth-first expand, which visits each item once, rather than
// enumerating every path to a hub's neighbours.
func TestNeighbourhoodSeeksItsStartAndWalksBreadthFirst(t *testing.T) {
	s := neo4jtest.Open(t)
	for _, depth := range []int{1, 3, impact.MaxNeighbourhoodDepth} {
		stmt, params := neo4j.NeighbourhoodStatement("ci_x", depth, []string{"RUNS_ON", "DEPENDS_ON"}, 150, impact.RetiredStatuses())
		ops, err := s.Operators(context.Background(), stmt, params)
		if err != nil {
			t.Fatalf("depth %d: %v\n%s", depth, err, stmt)
		}
		for _, op := range ops {
			for _, scan := range scans {
				if strings.HasPrefix(op, scan) {
					t.Errorf("depth %d: planned with %s (%v)", depth, op, ops)
				}
			}
		}
		if !slices.ContainsFunc(ops, func(op string) bool { return strings.HasPrefix(op, "NodeUniqueIndexSeek") }) {
			t.Errorf("depth %d: the start is not sought by the id index: %v", depth, ops)
		}
		// One hop has no longer paths to prune.
		if depth > 1 && !slices.ContainsFunc(ops, func(op string) bool { return strings.HasPrefix(op, "VarLengthExpand(Pruning,BFS") }) {
			t.Errorf("depth %d: the walk is not the pruning breadth-first expand: %v", depth, ops)
		}
	}
}
