package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// TestGraphBadInput sends invalid catalogue and graph requests and checks
// the exact code (and the field, where the request names one), that no data
// comes back, and that nothing was written.
func TestGraphBadInput(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	w.build(t,
		"bu:Unit CONSUMES bs:Shop",
		"bs:Shop DEPENDS_ON ts:Checkout",
		"ts:Checkout DEPENDS_ON app",
		"app DEPENDS_ON db",
	)
	db, appID, shop, checkout, unit := w.id(t, "db"), w.id(t, "app"), w.id(t, "Shop"), w.id(t, "Checkout"), w.id(t, "Unit")
	cis, totals := e.ciTotal(t), w.catalogTotals(t)
	links := w.links(t, "Unit", "Shop", "Checkout", "app", "db")
	snaps := []ciSnapshot{e.snapshot(t, db), e.snapshot(t, appID)}
	svc := w.readService(t, checkout)

	type m = map[string]any
	impact := func(ids []string, depth any) m {
		in := m{"ciIds": ids}
		if depth != nil {
			in["maxDepth"] = depth
		}
		return m{"in": in}
	}
	many := func(n int, f func(i int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	unknownN := func(i int) string { return fmt.Sprintf("ci_%032d", i+1) }
	sameDB := func(int) string { return db }
	const (
		impactQ     = `query($in: ImpactAnalysisInput!) { impactAnalysis(input: $in) { counts { total } } }`
		impactRawQ  = `query($ids: [ID!]!, $d: Int) { impactAnalysis(input: {ciIds: $ids, maxDepth: $d}) { counts { total } } }`
		serviceQ    = `query($id: ID!, $d: Int) { serviceImpact(serviceId: $id, maxDepth: $d) { counts { total } } }`
		depsQ       = `query($id: ID!, $d: Int) { dependencies(id: $id, depth: $d) { items { distance } } }`
		dependentsQ = `query($id: ID!, $d: Int) { dependents(id: $id, depth: $d) { items { distance } } }`
		treeQ       = `query($id: ID!, $d: Int) { supportingTree(serviceId: $id, depth: $d) { items { distance } } }`
		nbQ         = `query($id: ID!, $d: Int, $types: [String!], $first: Int) { neighbourhood(id: $id, depth: $d, types: $types, first: $first) { items { distance } } }`
		pathsQ      = `query($a: ID!, $b: ID!, $len: Int, $limit: Int, $types: [String!]) { paths(fromId: $a, toId: $b, maxLength: $len, limit: $limit, types: $types) { paths { length } } }`
		servicesQ   = `query($f: ServiceFilter, $first: Int) { services(filter: $f, first: $first) { totalCount } }`
	)
	cases := []struct {
		name  string
		token string
		query string
		vars  map[string]any
		code  string
		field string // "" when not checked
		root  string // the root field that must be null
	}{
		// impactAnalysis
		{"impact: unknown id", e.analyst, impactQ, impact([]string{unknownCI}, nil), "NOT_FOUND", "", "impactAnalysis"},
		{"impact: a known and an unknown id", e.analyst, impactQ, impact([]string{db, unknownCI}, nil), "NOT_FOUND", "", "impactAnalysis"},
		{"impact: unknown service", e.analyst, impactQ, impact([]string{unknownTechService}, nil), "NOT_FOUND", "", "impactAnalysis"},
		{"impact: malformed id", e.analyst, impactQ, impact([]string{"nope"}, nil), "NOT_FOUND", "", "impactAnalysis"},
		{"impact: empty ciIds", e.analyst, impactQ, impact([]string{}, nil), "BAD_USER_INPUT", "ciIds", "impactAnalysis"},
		{"impact: 101 ciIds", e.analyst, impactQ, impact(many(101, unknownN), nil), "BAD_USER_INPUT", "ciIds", "impactAnalysis"},
		{"impact: 101 copies of one id", e.analyst, impactQ, impact(many(101, sameDB), nil), "BAD_USER_INPUT", "ciIds", "impactAnalysis"},
		{"impact: 100 ciIds, 99 unknown", e.analyst, impactQ, impact(append(many(99, unknownN), db), nil), "NOT_FOUND", "", "impactAnalysis"},
		{"impact: maxDepth 0", e.analyst, impactQ, impact([]string{db}, 0), "BAD_USER_INPUT", "maxDepth", "impactAnalysis"},
		{"impact: maxDepth -1", e.analyst, impactQ, impact([]string{db}, -1), "BAD_USER_INPUT", "maxDepth", "impactAnalysis"},
		{"impact: maxDepth 21", e.analyst, impactQ, impact([]string{db}, 21), "BAD_USER_INPUT", "maxDepth", "impactAnalysis"},
		{"impact: maxDepth 2147483647", e.analyst, impactQ, impact([]string{db}, 2147483647), "BAD_USER_INPUT", "maxDepth", "impactAnalysis"},
		{"impact: maxDepth -2147483648", e.analyst, impactQ, impact([]string{db}, -2147483648), "BAD_USER_INPUT", "maxDepth", "impactAnalysis"},
		{"impact: maxDepth beyond Int", e.analyst, impactQ, impact([]string{db}, int64(1)<<40), "BAD_USER_INPUT", "", ""},
		{"impact: maxDepth as a fraction", e.analyst, impactQ, impact([]string{db}, 2.5), "BAD_USER_INPUT", "", ""},
		{"impact: inline maxDepth 21", e.analyst, impactRawQ, m{"ids": []string{db}, "d": 21}, "BAD_USER_INPUT", "maxDepth", "impactAnalysis"},
		{"impact: literal maxDepth beyond Int", e.analyst, `query($ids: [ID!]!) { impactAnalysis(input: {ciIds: $ids, maxDepth: 99999999999}) { counts { total } } }`, m{"ids": []string{db}}, "BAD_USER_INPUT", "", ""},
		{"impact: null ciIds", e.analyst, impactQ, m{"in": m{"ciIds": nil}}, "BAD_USER_INPUT", "", ""},

		// serviceImpact
		{"serviceImpact: unknown service", e.analyst, serviceQ, m{"id": unknownTechService}, "NOT_FOUND", "", "serviceImpact"},
		{"serviceImpact: a CI", e.analyst, serviceQ, m{"id": db}, "NOT_FOUND", "", "serviceImpact"},
		{"serviceImpact: a business unit", e.analyst, serviceQ, m{"id": unit}, "NOT_FOUND", "", "serviceImpact"},
		{"serviceImpact: maxDepth 0", e.analyst, serviceQ, m{"id": checkout, "d": 0}, "BAD_USER_INPUT", "maxDepth", "serviceImpact"},
		{"serviceImpact: maxDepth 21", e.analyst, serviceQ, m{"id": checkout, "d": 21}, "BAD_USER_INPUT", "maxDepth", "serviceImpact"},

		// dependencies, dependents, supportingTree
		{"dependencies: unknown id", e.analyst, depsQ, m{"id": unknownCI}, "NOT_FOUND", "", "dependencies"},
		{"dependencies: depth 0", e.analyst, depsQ, m{"id": shop, "d": 0}, "BAD_USER_INPUT", "depth", "dependencies"},
		{"dependencies: depth -1", e.analyst, depsQ, m{"id": shop, "d": -1}, "BAD_USER_INPUT", "depth", "dependencies"},
		{"dependencies: depth 21", e.analyst, depsQ, m{"id": shop, "d": 21}, "BAD_USER_INPUT", "depth", "dependencies"},
		{"dependents: unknown id", e.analyst, dependentsQ, m{"id": unknownBizService}, "NOT_FOUND", "", "dependents"},
		{"dependents: depth 0", e.analyst, dependentsQ, m{"id": db, "d": 0}, "BAD_USER_INPUT", "depth", "dependents"},
		{"dependents: depth 21", e.analyst, dependentsQ, m{"id": db, "d": 21}, "BAD_USER_INPUT", "depth", "dependents"},
		{"supportingTree: unknown service", e.analyst, treeQ, m{"id": unknownBizService}, "NOT_FOUND", "", "supportingTree"},
		{"supportingTree: a CI", e.analyst, treeQ, m{"id": db}, "NOT_FOUND", "", "supportingTree"},
		{"supportingTree: depth 0", e.analyst, treeQ, m{"id": shop, "d": 0}, "BAD_USER_INPUT", "depth", "supportingTree"},
		{"supportingTree: depth 21", e.analyst, treeQ, m{"id": shop, "d": 21}, "BAD_USER_INPUT", "depth", "supportingTree"},

		// neighbourhood
		{"neighbourhood: unknown id", e.analyst, nbQ, m{"id": unknownCI}, "NOT_FOUND", "", "neighbourhood"},
		{"neighbourhood: depth 0", e.analyst, nbQ, m{"id": db, "d": 0}, "BAD_USER_INPUT", "depth", "neighbourhood"},
		{"neighbourhood: depth -1", e.analyst, nbQ, m{"id": db, "d": -1}, "BAD_USER_INPUT", "depth", "neighbourhood"},
		{"neighbourhood: depth 6", e.analyst, nbQ, m{"id": db, "d": 6}, "BAD_USER_INPUT", "depth", "neighbourhood"},
		{"neighbourhood: unknown type", e.analyst, nbQ, m{"id": db, "types": []string{"NOPE"}}, "BAD_USER_INPUT", "types", "neighbourhood"},
		{"neighbourhood: a known and an unknown type", e.analyst, nbQ, m{"id": db, "types": []string{"DEPENDS_ON", "NOPE"}}, "BAD_USER_INPUT", "types", "neighbourhood"},
		{"neighbourhood: the internal IMPACTS type", e.analyst, nbQ, m{"id": db, "types": []string{"IMPACTS"}}, "BAD_USER_INPUT", "types", "neighbourhood"},
		{"neighbourhood: a lower-case type", e.analyst, nbQ, m{"id": db, "types": []string{"depends_on"}}, "BAD_USER_INPUT", "types", "neighbourhood"},
		{"neighbourhood: an empty type", e.analyst, nbQ, m{"id": db, "types": []string{""}}, "BAD_USER_INPUT", "types", "neighbourhood"},
		{"neighbourhood: a type with Cypher in it", e.analyst, nbQ, m{"id": db, "types": []string{"DEPENDS_ON]-() DETACH DELETE n //"}}, "BAD_USER_INPUT", "types", "neighbourhood"},
		{"neighbourhood: first 0", e.analyst, nbQ, m{"id": db, "first": 0}, "BAD_USER_INPUT", "first", "neighbourhood"},
		{"neighbourhood: first -1", e.analyst, nbQ, m{"id": db, "first": -1}, "BAD_USER_INPUT", "first", "neighbourhood"},
		{"neighbourhood: first 2001", e.analyst, nbQ, m{"id": db, "first": 2001}, "BAD_USER_INPUT", "first", "neighbourhood"},
		{"neighbourhood: first 2147483647", e.analyst, nbQ, m{"id": db, "first": 2147483647}, "BAD_USER_INPUT", "first", "neighbourhood"},

		// paths
		{"paths: limit 0", e.analyst, pathsQ, m{"a": db, "b": shop, "limit": 0}, "BAD_USER_INPUT", "limit", "paths"},
		{"paths: limit 11", e.analyst, pathsQ, m{"a": db, "b": shop, "limit": 11}, "BAD_USER_INPUT", "limit", "paths"},
		{"paths: maxLength 0", e.analyst, pathsQ, m{"a": db, "b": shop, "len": 0}, "BAD_USER_INPUT", "maxLength", "paths"},
		{"paths: maxLength 11", e.analyst, pathsQ, m{"a": db, "b": shop, "len": 11}, "BAD_USER_INPUT", "maxLength", "paths"},
		{"paths: same from and to", e.analyst, pathsQ, m{"a": db, "b": db}, "BAD_USER_INPUT", "toId", "paths"},
		{"paths: unknown from", e.analyst, pathsQ, m{"a": unknownCI, "b": db}, "NOT_FOUND", "", "paths"},
		{"paths: unknown to", e.analyst, pathsQ, m{"a": db, "b": unknownBizService}, "NOT_FOUND", "", "paths"},
		{"paths: unknown type", e.analyst, pathsQ, m{"a": db, "b": shop, "types": []string{"NOPE"}}, "BAD_USER_INPUT", "types", "paths"},
		{"paths: the internal IMPACTS type", e.analyst, pathsQ, m{"a": db, "b": shop, "types": []string{"IMPACTS"}}, "BAD_USER_INPUT", "types", "paths"},

		// Catalogue writes
		{"link: type RUNS_ON", w.owner, linkMutation, m{"in": m{"sourceId": checkout, "type": "RUNS_ON", "targetId": db}}, "BAD_USER_INPUT", "type", "linkCatalogItems"},
		{"link: type PART_OF", w.owner, linkMutation, m{"in": m{"sourceId": checkout, "type": "PART_OF", "targetId": db}}, "BAD_USER_INPUT", "type", "linkCatalogItems"},
		{"link: unknown type", w.owner, linkMutation, m{"in": m{"sourceId": unit, "type": "OWNS", "targetId": shop}}, "BAD_USER_INPUT", "type", "linkCatalogItems"},
		{"link: lower-case type", w.owner, linkMutation, m{"in": m{"sourceId": unit, "type": "consumes", "targetId": shop}}, "BAD_USER_INPUT", "type", "linkCatalogItems"},
		{"link: empty type", w.owner, linkMutation, m{"in": m{"sourceId": unit, "type": "", "targetId": shop}}, "BAD_USER_INPUT", "type", "linkCatalogItems"},
		{"link: unknown source", w.owner, linkMutation, m{"in": m{"sourceId": unknownUnit, "type": "CONSUMES", "targetId": shop}}, "NOT_FOUND", "", "linkCatalogItems"},
		{"unlink: type USES", w.owner, unlinkMutation, m{"in": m{"sourceId": shop, "type": "USES", "targetId": checkout}}, "BAD_USER_INPUT", "type", "unlinkCatalogItems"},
		{"unlink: no such link", w.owner, unlinkMutation, m{"in": m{"sourceId": unit, "type": "CONSUMES", "targetId": checkout}}, "NOT_FOUND", "", "unlinkCatalogItems"},
		{"createService: empty name", w.owner, createServiceMutation, m{"in": m{"kind": "BUSINESS", "name": ""}}, "BAD_USER_INPUT", "name", "createService"},
		{"createService: blank name", w.owner, createServiceMutation, m{"in": m{"kind": "BUSINESS", "name": "   "}}, "BAD_USER_INPUT", "name", "createService"},
		{"createService: name of 201", w.owner, createServiceMutation, m{"in": m{"kind": "BUSINESS", "name": strings.Repeat("n", 201)}}, "BAD_USER_INPUT", "name", "createService"},
		{"createService: description of 4001", w.owner, createServiceMutation, m{"in": m{"kind": "TECHNICAL", "name": "x", "description": strings.Repeat("d", 4001)}}, "BAD_USER_INPUT", "description", "createService"},
		{"createService: RETIRED", w.owner, createServiceMutation, m{"in": m{"kind": "TECHNICAL", "name": "x", "status": "RETIRED"}}, "BAD_USER_INPUT", "status", "createService"},
		{"createService: unknown kind", w.owner, createServiceMutation, m{"in": m{"kind": "MIXED", "name": "x"}}, "BAD_USER_INPUT", "", ""},
		{"createService: unknown owner group", w.owner, createServiceMutation, m{"in": m{"kind": "TECHNICAL", "name": "x", "ownerGroupId": "grp_00000000000000000000000000000000"}}, "NOT_FOUND", "", "createService"},
		{"createBusinessUnit: empty name", w.owner, `mutation { createBusinessUnit(input: {name: ""}) { businessUnit { id } } }`, nil, "BAD_USER_INPUT", "name", "createBusinessUnit"},
		{"createBusinessProcess: name of 201", w.owner, `mutation($n: String!) { createBusinessProcess(input: {name: $n}) { businessProcess { id } } }`, m{"n": strings.Repeat("p", 201)}, "BAD_USER_INPUT", "name", "createBusinessProcess"},
		{"updateService: stale version", w.owner, updateServiceMutation, m{"in": m{"id": checkout, "expectedVersion": svc.Version + 1, "name": "Stale"}}, "CONFLICT", "", "updateService"},
		{"updateService: LIVE → PIPELINE", w.owner, updateServiceMutation, m{"in": m{"id": checkout, "expectedVersion": svc.Version, "status": "PIPELINE"}}, "INVALID_TRANSITION", "", "updateService"},

		// Catalogue reads
		{"services: nameContains of 201", e.analyst, servicesQ, m{"f": m{"nameContains": strings.Repeat("s", 201)}}, "BAD_USER_INPUT", "filter.nameContains", "services"},
		{"services: first 0", e.analyst, servicesQ, m{"first": 0}, "BAD_USER_INPUT", "first", "services"},
		{"services: first 101", e.analyst, servicesQ, m{"first": 101}, "BAD_USER_INPUT", "first", "services"},
		{"technicalCatalog: bad cursor", e.analyst, `{ technicalCatalog(after: "not-a-cursor") { totalCount } }`, nil, "BAD_USER_INPUT", "", "technicalCatalog"},
		{"businessCatalog: unknown unit", e.requester, `query($u: ID) { businessCatalog(businessUnitId: $u) { id } }`, m{"u": unknownUnit}, "NOT_FOUND", "", "businessCatalog"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.fail(t, c.token, c.query, c.vars, c.code)
			if c.field != "" && r.Errors[0].Extensions.Field != c.field {
				t.Errorf("field = %q, want %q (%s)", r.Errors[0].Extensions.Field, c.field, r.Errors[0].Message)
			}
			if c.root != "" && !r.fieldIsNull(c.root) {
				t.Errorf("data = %s, want %s null", r.Data, c.root)
			}
			if c.root == "" && !r.dataIsNull() {
				t.Errorf("data = %s, want none: the operation must not run", r.Data)
			}
		})
	}

	// The bounds themselves are accepted.
	t.Run("bounds accepted", func(t *testing.T) {
		e.ok(t, e.analyst, impactQ, impact([]string{db}, 20), nil)
		e.ok(t, e.analyst, impactQ, impact([]string{db}, 1), nil)
		e.ok(t, e.analyst, impactQ, impact(many(100, sameDB), nil), nil)
		e.ok(t, e.analyst, depsQ, m{"id": shop, "d": 20}, nil)
		e.ok(t, e.analyst, nbQ, m{"id": db, "d": 5}, nil)
		e.ok(t, e.analyst, nbQ, m{"id": db, "first": 1}, nil)
		e.ok(t, e.analyst, nbQ, m{"id": db, "d": 5, "first": 2000}, nil)
		e.ok(t, e.analyst, nbQ, m{"id": db, "types": []string{"DEPENDS_ON", "DEPENDS_ON"}}, nil)
		e.ok(t, e.analyst, pathsQ, m{"a": db, "b": shop, "limit": 10, "len": 10}, nil)
		e.ok(t, e.analyst, pathsQ, m{"a": db, "b": shop, "limit": 1, "len": 1}, nil)
	})

	if n := e.ciTotal(t); n != cis {
		t.Errorf("CI count changed from %d to %d", cis, n)
	}
	if got := w.catalogTotals(t); got != totals {
		t.Errorf("catalogue totals changed from %v to %v", totals, got)
	}
	equalStrings(t, "links after the bad requests", w.links(t, "Unit", "Shop", "Checkout", "app", "db"), links)
	for _, s := range snaps {
		e.assertUnchanged(t, s)
	}
	if got := w.readService(t, checkout); got.key() != svc.key() {
		t.Errorf("Checkout changed: %+v, want %+v", got, svc)
	}
}
