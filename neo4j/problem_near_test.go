package neo4j_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/neo4j"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
)

// TestEventsNearSeeksItems: finding what changed near items starts from
// each item by its id index and walks from there, never scanning a label.
func TestEventsNearSeeksItems(t *testing.T) {
	s := neo4jtest.Open(t)
	params := map[string]any{"ids": []string{"ci_a"}, "from": time.Now().UTC(), "to": time.Now().UTC(), "states": []string{"IMPLEMENTING"}}
	ops, err := s.PlanDetails(context.Background(), neo4j.EventsNearStatement, params)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		for _, scan := range scans {
			if strings.HasPrefix(op, scan) {
				t.Errorf("planned with %s (%v)", op, ops)
			}
		}
	}
	if countOps(ops, "NodeUniqueIndexSeek")+countOps(ops, "NodeIndexSeek") == 0 {
		t.Errorf("no index seek for the items (%v)", ops)
	}
}

// TestCandidateStatementsSeek: the window's incidents come from the
// creation-time index, the explained CIs from their id index, and the
// problems and known errors on CIs from the problems' state index; no
// label is scanned.
func TestCandidateStatementsSeek(t *testing.T) {
	s := neo4jtest.Open(t)
	upstream, edges, problems, knownErrors := neo4j.CandidateStatements(3)
	for name, c := range map[string]struct {
		stmt   string
		params map[string]any
		index  string
	}{
		"upstream":             {upstream, map[string]any{"from": time.Now().UTC(), "to": time.Now().UTC()}, "Incident(createdAt)"},
		"problems on":          {problems, map[string]any{"cis": []string{"ci_a"}, "states": []string{"NEW"}}, "Problem(state"},
		"known errors on":      {knownErrors, map[string]any{"cis": []string{"ci_a"}, "services": []string{"svc_a"}, "states": []string{"KNOWN_ERROR"}}, "Problem(state"},
		"edges":                {edges, map[string]any{"pairs": [][]string{{"ci_a", "ci_b"}}}, "Item(id)"},
		"known errors sharing": {neo4j.KnownErrorsSharingStatement(3), map[string]any{"items": []string{"ci_a"}, "states": []string{"KNOWN_ERROR"}}, "Problem(state"},
	} {
		ops, err := s.PlanDetails(context.Background(), c.stmt, c.params)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if countOps(ops, "NodeByLabelScan")+countOps(ops, "AllNodesScan") > 0 || !slices.ContainsFunc(ops, func(op string) bool { return strings.Contains(op, c.index) }) {
			t.Errorf("%s: want a seek of %s and no scan (%v)", name, c.index, ops)
		}
	}
}
