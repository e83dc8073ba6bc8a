package neo4j_test

import (
	"context"
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
