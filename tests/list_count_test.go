package tests

import (
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// TestListsCountOnlyWhenTotalCountIsAsked: a root list runs its count
// statement only when the query selects totalCount, so a page of items costs
// one statement fewer than a page with its total.
func TestListsCountOnlyWhenTotalCountIsAsked(t *testing.T) {
	e := newEnv(t, app.Limits{})
	statements := func(query string) float64 {
		t.Helper()
		before := metricValue(t, e.metrics(t), "itsm_neo4j_statements_total")
		e.gql(t, e.admin, query, nil)
		return metricValue(t, e.metrics(t), "itsm_neo4j_statements_total") - before
	}
	for _, list := range []string{
		`configurationItems`, `configurationItems(filter: {types: [SERVER]})`, `services`, `technicalCatalog`,
		`businessUnits`, `businessProcesses`, `users`, `groups`, `changes`, `incidents`, `slas`,
		`unauthorizedChanges(since: "2020-01-01T00:00:00Z")`, `problems`, `knownErrors(filter: {text: "disk"})`,
	} {
		t.Run(list, func(t *testing.T) {
			page := statements(`{ ` + list + ` { edges { cursor } pageInfo { hasNextPage } } }`)
			withTotal := statements(`{ ` + list + ` { totalCount edges { cursor } pageInfo { hasNextPage } } }`)
			if withTotal-page != 1 {
				t.Errorf("a page costs %v statements and a page with its total %v: the count must run only when totalCount is asked", page, withTotal)
			}
		})
	}
}
