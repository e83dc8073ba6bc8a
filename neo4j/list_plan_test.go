package neo4j_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/neo4j"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/problem"
	"github.com/itsm-graph/itsm/request"
	"github.com/itsm-graph/itsm/sla"
)

// scans are the plan operators that read every node (of a label) instead of
// seeking or scanning an index.
var scans = []string{"AllNodesScan", "NodeByLabelScan"}

// unusedFilter is the shape of a filter left in a statement for when it is
// not given; it keeps the planner from the filter's index.
var unusedFilter = regexp.MustCompile(`\$\w+ IS NULL OR`)

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
		if unusedFilter.MatchString(stmt) {
			t.Errorf("%s, %s: a filter not given stays in the statement as \"$x IS NULL OR …\"\n%s", name, which, stmt)
		}
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
		"OLAs":               neo4j.OLAListStatements(""),
		"OLAs of a group":    neo4j.OLAListStatements("grp_x"),
		"SLA events":         neo4j.SLAEventLogStatements(sla.EventFilter{}),
		"an SLA's events":    neo4j.SLAEventLogStatements(sla.EventFilter{SLAID: "sla_x", Kinds: []sla.EventKind{sla.Breach}}),
	}
	for name, st := range lists {
		checkPlans(t, s, name, st, false)
	}
}

func TestChangeAndIncidentListsUseIndexes(t *testing.T) {
	s := neo4jtest.Open(t)
	yes := true
	agent := incident.Scope{CallerID: "usr_a", AssigneeID: "usr_a", GroupIDs: []string{"grp_a"}, Unassigned: true, Major: true, Opened: true}
	lists := map[string]neo4j.Statements{
		"changes":                            neo4j.ChangeListStatements(change.Filter{}),
		"changes by state":                   neo4j.ChangeListStatements(change.Filter{States: []change.State{change.Scheduled}}),
		"changes by type and risk":           neo4j.ChangeListStatements(change.Filter{Types: []change.Type{change.Normal}, RiskLevels: []change.Level{change.High}}),
		"changes of a requester":             neo4j.ChangeListStatements(change.Filter{RequesterID: "usr_a"}),
		"changes of a target":                neo4j.ChangeListStatements(change.Filter{TargetID: "ci_a"}),
		"incidents":                          neo4j.IncidentListStatements(incident.Scope{All: true}, incident.Filter{}),
		"incidents by state":                 neo4j.IncidentListStatements(incident.Scope{All: true}, incident.Filter{States: []incident.State{incident.New}}),
		"incidents of a group":               neo4j.IncidentListStatements(incident.Scope{All: true}, incident.Filter{AssignmentGroupID: "grp_a"}),
		"incidents of a CI":                  neo4j.IncidentListStatements(incident.Scope{All: true}, incident.Filter{CIID: "ci_a", Major: &yes}),
		"an agent's incidents":               neo4j.IncidentListStatements(agent, incident.Filter{}),
		"a requester's incidents":            neo4j.IncidentListStatements(incident.Scope{CallerID: "usr_r"}, incident.Filter{}),
		"incidents of a change":              neo4j.IncidentListStatements(incident.Scope{All: true}, incident.Filter{CausedByChangeID: "chg_a"}),
		"open incidents on items":            neo4j.OpenIncidentsOnStatements(incident.Scope{All: true}),
		"an agent's open incidents on items": neo4j.OpenIncidentsOnStatements(agent),
	}
	for name, st := range lists {
		checkPlans(t, s, name, st, false)
	}
}

// TestCIListsByTypeReadEachTypeInOrder: a list of some types, or of every
// type by time, reads each type's page in order from a (type, order) index,
// instead of reading and sorting every CI of those types; its count reads
// the (type, status) index alone, without reading each CI's status.
func TestCIListsByTypeReadEachTypeInOrder(t *testing.T) {
	s := neo4jtest.Open(t)
	listed := []cmdb.Status{cmdb.StatusPlanned, cmdb.StatusActive, cmdb.StatusMaintenance}
	orders := []cmdb.Order{{Field: cmdb.OrderByName}, {Field: cmdb.OrderByName, Desc: true},
		{Field: cmdb.OrderByCreatedAt, Desc: true}, {Field: cmdb.OrderByUpdatedAt}}
	for _, types := range [][]cmdb.Type{{cmdb.TypeServer}, {cmdb.TypeApplication, cmdb.TypeServer, cmdb.TypeApplication}, nil} {
		for _, o := range orders {
			if types == nil && o.Field == cmdb.OrderByName {
				continue // ci_name serves it in one read
			}
			name := fmt.Sprintf("%v by %s desc=%v", types, o.Field, o.Desc)
			st, err := neo4j.CIListStatements(cmdb.Filter{Types: types, Statuses: listed}, o)
			if err != nil {
				t.Fatal(err)
			}
			distinct := len(slices.Compact(slices.Sorted(slices.Values(types))))
			if types == nil {
				distinct = len(cmdb.Types())
			}
			for which, stmt := range map[string]string{"first page": st.First, "next page": st.Next} {
				ops, err := s.Operators(context.Background(), stmt, st.Params)
				if err != nil {
					t.Fatalf("%s, %s: %v\n%s", name, which, err, stmt)
				}
				if n := countOps(ops, "PartialTop"); n != distinct {
					t.Errorf("%s, %s: %d of %d types read in index order (%v)\n%s", name, which, n, distinct, ops, stmt)
				}
			}
			ops, err := s.Operators(context.Background(), st.Count, st.Params)
			if err != nil {
				t.Fatalf("%s, count: %v\n%s", name, err, st.Count)
			}
			if countOps(ops, "Filter") > 0 || countOps(ops, "NodeIndexSeek") == 0 {
				t.Errorf("%s: the count reads more than the (type, status) index (%v)\n%s", name, ops, st.Count)
			}
		}
	}
}

// TestCICountsReadIndexesOnly: counting the CIs a default list shows, of
// every type or of some, reads index entries (or the count store), never
// each CI's properties.
func TestCICountsReadIndexesOnly(t *testing.T) {
	s := neo4jtest.Open(t)
	listed := []cmdb.Status{cmdb.StatusPlanned, cmdb.StatusActive, cmdb.StatusMaintenance}
	for name, f := range map[string]cmdb.Filter{
		"default":              {Statuses: listed},
		"every status":         {Statuses: cmdb.Statuses()},
		"retired":              {Statuses: []cmdb.Status{cmdb.StatusRetired}},
		"some types, default":  {Types: []cmdb.Type{cmdb.TypeServer, cmdb.TypeDatabase}, Statuses: listed},
		"one type, one status": {Types: []cmdb.Type{cmdb.TypeServer}, Statuses: []cmdb.Status{cmdb.StatusActive}},
	} {
		st, err := neo4j.CIListStatements(f, cmdb.Order{Field: cmdb.OrderByName})
		if err != nil {
			t.Fatal(err)
		}
		ops, err := s.PlanDetails(context.Background(), st.Count, st.Params)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, st.Count)
		}
		// A filter over the (type, status) index reads the values it holds.
		composite := slices.ContainsFunc(ops, func(op string) bool { return strings.Contains(op, "CI(type, status)") })
		if countOps(ops, "NodeByLabelScan")+countOps(ops, "AllNodesScan") > 0 || countOps(ops, "Filter") > 0 && !composite {
			t.Errorf("%s: the count reads CIs (%v)\n%s", name, ops, st.Count)
		}
	}
}

func countOps(ops []string, name string) int {
	n := 0
	for _, op := range ops {
		if strings.HasPrefix(op, name+"@") || strings.HasPrefix(op, name+" ") || op == name {
			n++
		}
	}
	return n
}

// TestImportLookupsUseIndexes: an import finds each row's CI by its source
// key (on CIs and on other sources' identities) and by its identifiers with
// seeks of those indexes, never a scan of every CI nor of every CI of a
// type.
func TestImportLookupsUseIndexes(t *testing.T) {
	s := neo4jtest.Open(t)
	want := map[string]string{"by source key": "externalId", "by identity": "externalId", "source has identities": "SourceIdentity",
		"by id": "id", "by serialNumber": "attr.serialNumber", "by hostname": "attr.hostname"}
	for name, st := range neo4j.ImportLookupStatements() {
		ops, err := s.PlanDetails(context.Background(), st.First, st.Params)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		seek := false
		for _, op := range ops {
			for _, scan := range scans {
				if strings.HasPrefix(op, scan) {
					t.Errorf("%s: planned with %s (%v)", name, op, ops)
				}
			}
			if strings.Contains(op, "IndexSeek") && strings.Contains(op, want[name]) {
				seek = true
			}
		}
		if !seek {
			t.Errorf("%s: no seek of the %s index in %v", name, want[name], ops)
		}
	}
}

// TestSyncListsUseIndexes: the incremental-sync shape of every list of
// records (modified since a time, oldest modification first) and the
// creation ranges are served by an index, as is the default order.
func TestSyncListsUseIndexes(t *testing.T) {
	s := neo4jtest.Open(t)
	since := paging.TimeRange{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	window := paging.TimeRange{From: since.From, Before: since.From.AddDate(0, 1, 0)}
	syncs := map[string]paging.Sync{
		"updated since, oldest first":   {Updated: since, Order: paging.TimeOrder{Field: paging.ByUpdated, Asc: true}},
		"updated since, newest first":   {Updated: since, Order: paging.TimeOrder{Field: paging.ByUpdated}},
		"created in a month":            {Created: window},
		"created in a month, by update": {Created: window, Order: paging.TimeOrder{Field: paging.ByUpdated, Asc: true}},
	}
	lists := map[string]neo4j.Statements{}
	for name, sy := range syncs {
		lists["incidents, "+name] = neo4j.IncidentListStatements(incident.Scope{All: true}, incident.Filter{Sync: sy})
		lists["incidents by state, "+name] = neo4j.IncidentListStatements(incident.Scope{All: true}, incident.Filter{States: []incident.State{incident.New}, Sync: sy})
		lists["changes, "+name] = neo4j.ChangeListStatements(change.Filter{Sync: sy})
		lists["serviceRequests, "+name] = neo4j.RequestListStatements(request.Filter{Sync: sy})
		lists["serviceRequests by state, "+name] = neo4j.RequestListStatements(request.Filter{States: []request.State{request.Closed}, Sync: sy})
		lists["problems, "+name] = neo4j.ProblemListStatements(problem.Filter{Created: sy.Created, Updated: sy.Updated},
			problem.Order{Field: problem.OrderField(sy.Order.Field), Desc: !sy.Order.Asc})
	}
	for name, st := range lists {
		checkPlans(t, s, name, st, false)
	}
	st, err := neo4j.CIListStatements(cmdb.Filter{Updated: since, Statuses: []cmdb.Status{cmdb.StatusActive}}, cmdb.Order{Field: cmdb.OrderByUpdatedAt})
	if err != nil {
		t.Fatal(err)
	}
	checkPlans(t, s, "CIs updated since, oldest first", st, false)
	checkPlans(t, s, "services updated since", neo4j.ServiceListStatements(catalog.Filter{Updated: since}), false)
	for _, o := range []paging.TimeOrder{{Field: paging.ByCreated, Asc: true}, {Field: paging.ByCreated}} {
		for name, st := range neo4j.ListsByTime(o) {
			checkPlans(t, s, name+" by "+string(o.Field), st, false)
		}
	}
	for _, name := range []string{"services", "slas", "olas"} {
		checkPlans(t, s, name+" by modification", neo4j.ListsByTime(paging.TimeOrder{Field: paging.ByUpdated, Asc: true})[name], false)
	}
}
