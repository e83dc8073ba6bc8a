package neo4j_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/incident"
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
		"upstream":             {upstream, map[string]any{"from": time.Now().UTC(), "to": time.Now().UTC(), "max": int64(10)}, "Incident(createdAt)"},
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

// TestUpstreamReadsAtMostMax: the walk for common causes reads at most the
// incidents it is asked for, and says how many it read, so that a window
// holding too many is refused before a walk from all of them.
func TestUpstreamReadsAtMostMax(t *testing.T) {
	f := newIncidents(t)
	for i := range 4 {
		_, _, err := f.inc.Create(f.ctx, f.agent, incident.CreateInput{ShortDescription: fmt.Sprintf("db slow %d", i),
			CallerID: &f.caller.Subject, CIIDs: []string{f.ids["db"]}, Impact: incident.Low, Urgency: incident.Low})
		if err != nil {
			t.Fatal(err)
		}
	}
	from, to := f.clock.Now().Add(-time.Hour), f.clock.Now().Add(time.Hour)
	for _, c := range []struct{ max, read int }{{3, 3}, {10, 4}} {
		up, err := f.store.Near().Upstream(f.ctx, from, to, 2, c.max)
		if err != nil {
			t.Fatal(err)
		}
		if up.Read != c.read {
			t.Errorf("max %d: read %d, want %d", c.max, up.Read, c.read)
		}
	}
}
