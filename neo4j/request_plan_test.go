package neo4j_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/neo4j"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
)

// TestRequestListsUseIndexes guards the plans of the two lists issue 16
// bounds: a requester's requests (made by them or for them) and an
// approver's inbox are read from their indexes, pages and counts alike.
func TestRequestListsUseIndexes(t *testing.T) {
	s := neo4jtest.Open(t)
	for name, st := range map[string]neo4j.Statements{
		"myRequests": neo4j.MyRequestsStatements(), "myApprovals": neo4j.MyApprovalsStatements(),
	} {
		checkPlans(t, s, name, st, true)
		for which, stmt := range map[string]string{"first page": st.First, "next page": st.Next} {
			ops, err := s.PlanDetails(context.Background(), stmt, st.Params)
			if err != nil {
				t.Fatalf("%s, %s: %v", name, which, err)
			}
			if !slices.ContainsFunc(ops, func(op string) bool { return strings.Contains(op, "IndexSeek") }) {
				t.Errorf("%s, %s: no index seek in %v", name, which, ops)
			}
		}
	}
}
