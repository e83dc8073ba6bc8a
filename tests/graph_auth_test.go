package tests

import (
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
)

// TestGraphAuthorisation: who may read the catalogue and graph queries and
// who may write the catalogue; refused writes write nothing.
func TestGraphAuthorisation(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	w.build(t,
		"bu:Sales CONSUMES bs:Webshop",
		"bs:Webshop SUPPORTS bp:Ordering",
		"bs:Webshop DEPENDS_ON ts:Checkout",
		"ts:Checkout DEPENDS_ON app",
		"app DEPENDS_ON db",
	)
	shop, checkout, sales, ordering, appID, db := w.id(t, "Webshop"), w.id(t, "Checkout"), w.id(t, "Sales"), w.id(t, "Ordering"), w.id(t, "app"), w.id(t, "db")
	serviceOwner := w.owner
	type m = map[string]any

	reads := []struct {
		name  string
		query string
		vars  map[string]any
		field string
	}{
		{"businessCatalog", `{ businessCatalog { id name } }`, nil, "businessCatalog"},
		{"businessCatalog of a unit", `query($u: ID) { businessCatalog(businessUnitId: $u) { id name } }`, m{"u": sales}, "businessCatalog"},
		{"technicalCatalog", `{ technicalCatalog { totalCount } }`, nil, "technicalCatalog"},
		{"services", `{ services { totalCount } }`, nil, "services"},
		{"service", `query($id: ID!) { service(id: $id) { name } }`, m{"id": shop}, "service"},
		{"businessUnits", `{ businessUnits { totalCount } }`, nil, "businessUnits"},
		{"businessProcesses", `{ businessProcesses { totalCount } }`, nil, "businessProcesses"},
		{"impactAnalysis", `query($ids: [ID!]!) { impactAnalysis(input: {ciIds: $ids}) { counts { total } } }`, m{"ids": []string{db}}, "impactAnalysis"},
		{"serviceImpact", `query($id: ID!) { serviceImpact(serviceId: $id) { counts { total } } }`, m{"id": checkout}, "serviceImpact"},
		{"dependencies", `query($id: ID!) { dependencies(id: $id) { items { distance } } }`, m{"id": shop}, "dependencies"},
		{"dependents", `query($id: ID!) { dependents(id: $id) { items { distance } } }`, m{"id": db}, "dependents"},
		{"supportingTree", `query($id: ID!) { supportingTree(serviceId: $id) { items { distance } } }`, m{"id": shop}, "supportingTree"},
		{"neighbourhood", `query($id: ID!) { neighbourhood(id: $id) { items { distance } } }`, m{"id": appID}, "neighbourhood"},
		{"paths", `query($a: ID!, $b: ID!) { paths(fromId: $a, toId: $b) { paths { length } } }`, m{"a": db, "b": shop}, "paths"},
		{"node of a business service", `query($id: ID!) { node(id: $id) { id } }`, m{"id": shop}, "node"},
		{"node of a technical service", `query($id: ID!) { node(id: $id) { id } }`, m{"id": checkout}, "node"},
		{"node of a business unit", `query($id: ID!) { node(id: $id) { id } }`, m{"id": sales}, "node"},
		{"node of a business process", `query($id: ID!) { node(id: $id) { id } }`, m{"id": ordering}, "node"},
	}
	// What a REQUESTER (a customer) may read: the business catalogue only.
	requesterMay := map[string]bool{"businessCatalog": true, "businessCatalog of a unit": true, "node of a business service": true}

	t.Run("ANALYST reads every graph query", func(t *testing.T) {
		for _, r := range reads {
			t.Run(r.name, func(t *testing.T) { e.ok(t, e.analyst, r.query, r.vars, nil) })
		}
	})
	t.Run("AGENT reads every graph query", func(t *testing.T) {
		for _, r := range reads {
			t.Run(r.name, func(t *testing.T) { e.ok(t, e.agent, r.query, r.vars, nil) })
		}
	})
	t.Run("REQUESTER reads the business catalogue only", func(t *testing.T) {
		for _, r := range reads {
			t.Run(r.name, func(t *testing.T) {
				if requesterMay[r.name] {
					e.ok(t, e.requester, r.query, r.vars, nil)
					return
				}
				res := e.fail(t, e.requester, r.query, r.vars, "FORBIDDEN")
				if p := res.Errors[0].Path; len(p) != 1 || p[0] != r.field {
					t.Errorf("error path = %v, want [%s]", p, r.field)
				}
				if !res.fieldIsNull(r.field) {
					t.Errorf("data = %s, want null", res.Data)
				}
			})
		}
	})
	t.Run("no token is UNAUTHENTICATED", func(t *testing.T) {
		for _, r := range reads {
			t.Run(r.name, func(t *testing.T) { e.fail(t, "", r.query, r.vars, "UNAUTHENTICATED") })
		}
		e.fail(t, "", createServiceMutation, m{"in": m{"kind": "BUSINESS", "name": "Anonymous"}}, "UNAUTHENTICATED")
		e.fail(t, "", linkMutation, m{"in": m{"sourceId": sales, "type": "CONSUMES", "targetId": shop}}, "UNAUTHENTICATED")
	})

	// A customer reading the business catalogue must not reach staff-only
	// data through nested fields: technical services are "not shown to
	// customers", and CIs and groups are staff-only.
	t.Run("REQUESTER sees no technical items through businessCatalog", func(t *testing.T) {
		r := e.gql(t, e.requester, `{ businessCatalog { name dependsOn { id name kind ... on ConfigurationItem { location } } } }`, nil)
		for _, leak := range []string{checkout, "Checkout", "TECHNICAL_SERVICE"} {
			if strings.Contains(string(r.Data), leak) {
				t.Errorf("REQUESTER read %q through businessCatalog.dependsOn: %s", leak, r.Data)
			}
		}
		for _, er := range r.Errors {
			if er.Extensions.Code != "FORBIDDEN" {
				t.Errorf("error %s: %s", er.Extensions.Code, er.Message)
			}
		}
		r = e.gql(t, e.requester, `query($id: ID!) { node(id: $id) { ... on Service { name dependsOn { name ... on Service { dependsOn { name kind } } } } } }`, m{"id": shop})
		for _, leak := range []string{"Checkout", `"app"`, "CONFIGURATION_ITEM"} {
			if strings.Contains(string(r.Data), leak) {
				t.Errorf("REQUESTER read %s through node(business service).dependsOn: %s", leak, r.Data)
			}
		}
	})

	// Groups and their members are staff-only (group(id), node(id) of a
	// group): the owner group of a business service must not hand them out.
	t.Run("REQUESTER sees no staff-only group data through businessCatalog", func(t *testing.T) {
		groupID := e.createGroup(t, "Shop Owners")
		e.createUser(t, map[string]any{"username": "shop.owner", "displayName": "Shop Owner", "email": "shop.owner@example.com",
			"roles": []string{"SERVICE_OWNER"}, "groupIds": []string{groupID}})
		s := w.readService(t, shop)
		w.updateService(t, m{"id": shop, "expectedVersion": s.Version, "ownerGroupId": groupID})
		e.fail(t, e.requester, `query($id: ID!) { group(id: $id) { name } }`, m{"id": groupID}, "FORBIDDEN")
		r := e.gql(t, e.requester, `{ businessCatalog { name ownerGroup { id name members { username email roles } } } }`, nil)
		for _, leak := range []string{"shop.owner@example.com", "shop.owner", "SERVICE_OWNER"} {
			if strings.Contains(string(r.Data), leak) {
				t.Errorf("REQUESTER read %q through businessCatalog.ownerGroup: %s", leak, r.Data)
			}
		}
	})

	t.Run("catalogue writes", func(t *testing.T) {
		totals := w.catalogTotals(t)
		links := w.links(t, "Webshop", "Checkout", "Sales", "Ordering", "app")
		forbidden := []struct {
			name  string
			token string
			query string
			vars  map[string]any
			field string
		}{
			{"AGENT creates a service", e.agent, createServiceMutation, m{"in": m{"kind": "TECHNICAL", "name": "Agent Service"}}, "createService"},
			{"ANALYST creates a service", e.analyst, createServiceMutation, m{"in": m{"kind": "BUSINESS", "name": "Analyst Service"}}, "createService"},
			{"REQUESTER creates a service", e.requester, createServiceMutation, m{"in": m{"kind": "BUSINESS", "name": "Requester Service"}}, "createService"},
			{"AGENT updates a service", e.agent, updateServiceMutation, m{"in": m{"id": shop, "expectedVersion": 1, "name": "Renamed"}}, "updateService"},
			{"AGENT creates a unit", e.agent, `mutation { createBusinessUnit(input: {name: "Agents"}) { businessUnit { id } } }`, nil, "createBusinessUnit"},
			{"ANALYST creates a process", e.analyst, `mutation { createBusinessProcess(input: {name: "Analysing"}) { businessProcess { id } } }`, nil, "createBusinessProcess"},
			{"AGENT links", e.agent, linkMutation, m{"in": m{"sourceId": ordering, "type": "SUPPORTS", "targetId": shop}}, "linkCatalogItems"},
			{"ANALYST unlinks", e.analyst, unlinkMutation, m{"in": m{"sourceId": sales, "type": "CONSUMES", "targetId": shop}}, "unlinkCatalogItems"},
			{"SERVICE_OWNER imports CIs", serviceOwner, `mutation { importConfigurationItems(input: {source: "x", items: [{externalId: "a", name: "a", type: "SERVER"}]}) { created } }`, nil, "importConfigurationItems"},
			{"SERVICE_OWNER relates CIs", serviceOwner, relateMutation, m{"in": m{"sourceId": db, "type": "DEPENDS_ON", "targetId": appID}}, "relateConfigurationItems"},
		}
		for _, f := range forbidden {
			t.Run(f.name, func(t *testing.T) {
				r := e.fail(t, f.token, f.query, f.vars, "FORBIDDEN")
				if p := r.Errors[0].Path; len(p) != 1 || p[0] != f.field {
					t.Errorf("error path = %v, want [%s]", p, f.field)
				}
			})
		}
		if got := w.catalogTotals(t); got != totals {
			t.Errorf("refused writes changed the catalogue totals from %v to %v", totals, got)
		}
		equalStrings(t, "links after refused writes", w.links(t, "Webshop", "Checkout", "Sales", "Ordering", "app"), links)
		if n := e.ciTotal(t); n != 2 {
			t.Errorf("%d CIs, want 2", n)
		}

		// SERVICE_OWNER and CONFIG_MANAGER may write the catalogue.
		cm := e.mint(t, "e2e-cm-2", auth.ConfigManager)
		for i, tok := range []string{serviceOwner, cm} {
			name := []string{"Owner", "Manager"}[i]
			s := w.createService(t, tok, m{"kind": "TECHNICAL", "name": name + " Service", "status": "LIVE"})
			unit := w.createUnit(t, tok, name+" Unit")
			proc := w.createProcess(t, tok, name+" Process")
			bs := w.createService(t, tok, m{"kind": "BUSINESS", "name": name + " Shop"})
			for _, l := range [][3]string{{unit, "CONSUMES", bs.ID}, {bs.ID, "SUPPORTS", proc}, {bs.ID, "DEPENDS_ON", s.ID}, {s.ID, "DEPENDS_ON", db}} {
				if !w.link(t, tok, l[0], l[1], l[2]) {
					t.Errorf("%s: %s %s %s not created", name, w.nameOf(l[0]), l[1], w.nameOf(l[2]))
				}
			}
			w.updateService(t, m{"id": bs.ID, "expectedVersion": 1, "status": "LIVE"})
		}
		want := [3]int{totals[0] + 4, totals[1] + 2, totals[2] + 2}
		if got := w.catalogTotals(t); got != want {
			t.Errorf("catalogue totals = %v, want %v", got, want)
		}
	})
}
