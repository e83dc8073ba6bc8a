package neo4j_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/neo4j"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/request"
)

// TestRequestListsUseIndexes guards the plans of the request lists: a
// requester's requests (made by them or for them), an approver's inbox, a
// group's task queue and the staff list by each filter are read from
// their indexes, pages and counts alike.
func TestRequestListsUseIndexes(t *testing.T) {
	s := neo4jtest.Open(t)
	for name, st := range map[string]neo4j.Statements{
		"myRequests": neo4j.MyRequestsStatements(), "myApprovals": neo4j.MyApprovalsStatements(),
		"task queue":                        neo4j.TaskQueueStatements(),
		"serviceRequests":                   neo4j.RequestListStatements(request.Filter{}),
		"serviceRequests by state":          neo4j.RequestListStatements(request.Filter{States: []request.State{request.InFulfilment, request.Fulfilled}}),
		"serviceRequests by item":           neo4j.RequestListStatements(request.Filter{ItemID: "rqi_a"}),
		"serviceRequests by item and state": neo4j.RequestListStatements(request.Filter{ItemID: "rqi_a", States: []request.State{request.Closed}}),
	} {
		checkRequestPlans(t, s, name, st)
	}
	// The orders by time the lists take as orderBy: still from the
	// lists' own indexes.
	for _, o := range []paging.TimeOrder{{Asc: true}, {Field: paging.ByUpdated}} {
		for name, st := range neo4j.OrderedStatements(o) {
			if name == "myApprovals" && o.Updated() {
				continue // refused: approvals waiting keep no modification time
			}
			checkRequestPlans(t, s, fmt.Sprintf("%s by %+v", name, o), st)
		}
	}
	stmt, params := neo4j.WebhookDeliveriesStatement()
	ops, err := s.PlanDetails(context.Background(), stmt, params)
	if err != nil || !slices.ContainsFunc(ops, func(op string) bool { return strings.Contains(op, "WebhookDelivery(webhookId, at)") }) {
		t.Errorf("webhook deliveries: %v %v, want the (webhookId, at) index", ops, err)
	}
}

func checkRequestPlans(t *testing.T, s *neo4j.Store, name string, st neo4j.Statements) {
	t.Helper()
	{
		checkPlans(t, s, name, st, true)
		if name == "serviceRequests" {
			return // no filter: the createdAt index is scanned in order, which checkPlans allows
		}
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
