package neo4j_test

import (
	"context"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/neo4j"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
)

// scans are the plan operators that read every node (of a label) instead of
// seeking or scanning an index.
var scans = []string{"AllNodesScan", "NodeByLabelScan"}

// checkPlans fails when Neo4j plans any of the list's statements with a
// scan of every node: each filter and order the API offers must be served by
// an index.
func checkPlans(t *testing.T, s *neo4j.Store, name string, st neo4j.Statements, withCount bool) {
	t.Helper()
	stmts := map[string]string{"first page": st.First, "next page": st.Next}
	if withCount {
		stmts["count"] = st.Count
	}
	for which, stmt := range stmts {
		ops, err := s.Operators(context.Background(), stmt, st.Params)
		if err != nil {
			t.Fatalf("%s, %s: %v\n%s", name, which, err, stmt)
		}
		for _, op := range ops {
			for _, scan := range scans {
				if strings.HasPrefix(op, scan) {
					t.Errorf("%s, %s: planned with %s (%v)\n%s", name, which, op, ops, stmt)
				}
			}
		}
	}
}

func TestCIListsUseIndexes(t *testing.T) {
	s := neo4jtest.Open(t)
	filters := map[string]cmdb.Filter{
		"no filter":             {},
		"types":                 {Types: []cmdb.Type{cmdb.TypeServer}},
		"statuses":              {Statuses: []cmdb.Status{cmdb.StatusActive}},
		"environments":          {Environments: []cmdb.Environment{cmdb.EnvProduction}},
		"criticalities":         {Criticalities: []cmdb.Criticality{cmdb.CriticalityHigh}},
		"owner group":           {OwnerGroupID: "grp_x"},
		"source":                {Source: "scanner"},
		"name contains":         {NameContains: "web"},
		"attribute":             {AttrKey: "rack", AttrValue: "r1"},
		"types and owner group": {Types: []cmdb.Type{cmdb.TypeServer}, OwnerGroupID: "grp_x"},
	}
	orders := []cmdb.Order{{Field: cmdb.OrderByName}, {Field: cmdb.OrderByName, Desc: true},
		{Field: cmdb.OrderByCreatedAt, Desc: true}, {Field: cmdb.OrderByUpdatedAt}}
	for name, f := range filters {
		for _, o := range orders {
			if len(f.Statuses) == 0 { // as cmdb.Service.List lists by default
				f.Statuses = []cmdb.Status{cmdb.StatusPlanned, cmdb.StatusActive, cmdb.StatusMaintenance}
			}
			st, err := neo4j.CIListStatements(f, o)
			if err != nil {
				t.Fatal(err)
			}
			checkPlans(t, s, name+" by "+string(o.Field), st, false)
		}
	}
}

func TestCatalogPeopleAndSLAListsUseIndexes(t *testing.T) {
	s := neo4jtest.Open(t)
	lists := map[string]neo4j.Statements{
		"services":           neo4j.ServiceListStatements(catalog.Filter{}),
		"services by kind":   neo4j.ServiceListStatements(catalog.Filter{Kinds: []catalog.Kind{catalog.KindBusinessService}}),
		"services by status": neo4j.ServiceListStatements(catalog.Filter{Statuses: []catalog.Status{catalog.StatusLive}}),
		"services by name":   neo4j.ServiceListStatements(catalog.Filter{NameContains: "pay"}),
		"business units":     neo4j.UnitListStatements(),
		"business processes": neo4j.ProcessListStatements(),
		"users":              neo4j.UserListStatements(),
		"groups":             neo4j.GroupListStatements(),
		"SLAs":               neo4j.SLAListStatements(""),
		"SLAs of a customer": neo4j.SLAListStatements("bu_x"),
	}
	for name, st := range lists {
		checkPlans(t, s, name, st, false)
	}
}
