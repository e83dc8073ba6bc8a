package neo4j_test

import (
	"testing"

	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/neo4j"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
	"github.com/itsm-graph/itsm/problem"
)

// TestProblemListsUseIndexes is the EXPLAIN guard of the problem lists:
// every filter and order problems and knownErrors offer, alone and
// together, is served by an index.
func TestProblemListsUseIndexes(t *testing.T) {
	s := neo4jtest.Open(t)
	filters := map[string]problem.Filter{
		"no filter":  {},
		"states":     {States: []problem.State{problem.New, problem.KnownError}},
		"priorities": {Priorities: []incident.Priority{"P1"}},
		"group":      {AssignmentGroupID: "grp_a"},
		"assignee":   {AssignmentGroupID: "grp_a", AssigneeID: "usr_a"},
		"CI":         {CIID: "ci_a"},
		"service":    {ServiceID: "svc_a", States: []problem.State{problem.Investigating}},
	}
	orders := []problem.Order{{Field: problem.OrderByCreatedAt, Desc: true}, {Field: problem.OrderByCreatedAt},
		{Field: problem.OrderByUpdatedAt}, {Field: problem.OrderByUpdatedAt, Desc: true}}
	lists := map[string]neo4j.Statements{}
	for name, f := range filters {
		for _, o := range orders {
			lists["problems, "+name+" by "+string(o.Field)] = neo4j.ProblemListStatements(f, o)
		}
	}
	for name, f := range map[string]problem.KnownErrorFilter{
		"no filter": {}, "CI": {CIID: "ci_a"}, "service": {ServiceID: "svc_a"}, "text": {Text: "disk"},
		"all": {CIID: "ci_a", ServiceID: "svc_a", Text: "disk"},
	} {
		lists["known errors, "+name] = neo4j.KnownErrorStatements(f)
	}
	for name, st := range lists {
		checkPlans(t, s, name, st, false)
	}
}
