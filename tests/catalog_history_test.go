package tests

import (
	"slices"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// TestCatalogueItemsKeepAHistory: services, business units and processes
// record their creation, every change of a service (its status above all)
// and every catalogue link made or removed, like a CI; a CI a technical
// service depends on shows the link in its own history, with both ends
// named as they were. Requesters, who may read live business services, do
// not read their history.
func TestCatalogueItemsKeepAHistory(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	type m = map[string]any
	unit := w.createUnit(t, w.owner, "Retail")
	process := w.createProcess(t, w.owner, "Order to cash")
	shop := w.createService(t, w.owner, m{"kind": "BUSINESS", "name": "Webshop"})
	payments := w.createService(t, w.owner, m{"kind": "TECHNICAL", "name": "Payments"})
	db := e.createCI(t, m{"name": "payments-db", "type": "DATABASE"})
	w.remember(db.Name, db.ID, "CONFIGURATION_ITEM")
	for _, l := range [][3]string{{"Retail", "CONSUMES", "Webshop"}, {"Webshop", "SUPPORTS", "Order to cash"},
		{"Webshop", "DEPENDS_ON", "Payments"}, {"Payments", "DEPENDS_ON", "payments-db"}} {
		w.link(t, w.owner, w.id(t, l[0]), l[1], w.id(t, l[2]))
	}
	shop = w.updateService(t, m{"id": shop.ID, "expectedVersion": shop.Version, "status": "LIVE"})
	w.updateService(t, m{"id": payments.ID, "expectedVersion": payments.Version, "name": "Payments platform"})
	e.ok(t, w.owner, unlinkMutation, m{"in": m{"sourceId": payments.ID, "type": "DEPENDS_ON", "targetId": db.ID}}, nil)

	type entry struct {
		Action  string
		Actor   string
		Changes []struct {
			Field         string
			Before, After *string
		}
	}
	history := func(token, id string) ([]entry, []string) {
		t.Helper()
		var out struct {
			Node struct {
				History struct {
					TotalCount int
					Edges      []struct{ Node entry }
				}
			}
		}
		e.ok(t, token, `query($id: ID!) { node(id: $id) {
			... on Service { history { totalCount edges { node { action actor changes { field before after } } } } }
			... on BusinessUnit { history { totalCount edges { node { action actor changes { field before after } } } } }
			... on BusinessProcess { history { totalCount edges { node { action actor changes { field before after } } } } }
			... on ConfigurationItem { history { totalCount edges { node { action actor changes { field before after } } } } } } }`,
			m{"id": id}, &out)
		var es []entry
		var lines []string
		for _, ed := range out.Node.History.Edges {
			es = append(es, ed.Node)
			line := ed.Node.Action
			for _, c := range ed.Node.Changes {
				if c.Field == "relationship" {
					rel := relJSON(t, c.After)
					if rel == nil {
						rel = relJSON(t, c.Before)
					}
					line += " " + rel["sourceName"] + " " + rel["type"] + " " + rel["targetName"]
				} else {
					line += " " + c.Field + "=" + deref(c.After)
				}
			}
			lines = append(lines, line)
		}
		if out.Node.History.TotalCount != len(es) {
			t.Errorf("totalCount %d for %d entries", out.Node.History.TotalCount, len(es))
		}
		return es, lines
	}
	for _, c := range []struct {
		name string
		id   string
		want []string
	}{
		{"business unit", unit, []string{
			"RELATIONSHIP_ADDED Retail CONSUMES Webshop",
			`CREATED name="Retail" description="unit"`,
		}},
		{"process", process, []string{
			"RELATIONSHIP_ADDED Webshop SUPPORTS Order to cash",
			`CREATED name="Order to cash" criticality="HIGH"`,
		}},
		{"business service", shop.ID, []string{
			`UPDATED status="LIVE"`,
			"RELATIONSHIP_ADDED Webshop DEPENDS_ON Payments",
			"RELATIONSHIP_ADDED Webshop SUPPORTS Order to cash",
			"RELATIONSHIP_ADDED Retail CONSUMES Webshop",
			`CREATED name="Webshop" kind="BUSINESS_SERVICE" status="PIPELINE" criticality="MEDIUM"`,
		}},
		{"technical service", payments.ID, []string{
			"RELATIONSHIP_REMOVED Payments platform DEPENDS_ON payments-db",
			`UPDATED name="Payments platform"`,
			"RELATIONSHIP_ADDED Payments DEPENDS_ON payments-db",
			"RELATIONSHIP_ADDED Webshop DEPENDS_ON Payments",
			`CREATED name="Payments" kind="TECHNICAL_SERVICE" status="PIPELINE" criticality="MEDIUM"`,
		}},
		{"CI", db.ID, []string{
			"RELATIONSHIP_REMOVED Payments platform DEPENDS_ON payments-db",
			"RELATIONSHIP_ADDED Payments DEPENDS_ON payments-db",
			`CREATED name="payments-db" type="DATABASE" status="PLANNED" environment="PRODUCTION" criticality="MEDIUM"`,
		}},
	} {
		es, got := history(e.analyst, c.id)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s history:\n got %q\nwant %q", c.name, got, c.want)
		}
		for _, h := range es {
			if h.Action != "CREATED" || c.name != "CI" {
				if h.Actor != subjOwner {
					t.Errorf("%s: %s by %q, want %q", c.name, h.Action, h.Actor, subjOwner)
				}
			}
		}
	}
	r := e.gql(t, e.requester, `query($id: ID!) { service(id: $id) { name history { totalCount } } }`, m{"id": shop.ID})
	if !slices.Contains(r.codes(), "FORBIDDEN") {
		t.Errorf("a requester read a service's history: %v %s", r.codes(), r.Body)
	}
	// A retirement is recorded as one.
	shop = w.updateService(t, m{"id": shop.ID, "expectedVersion": shop.Version, "status": "RETIRED"})
	if _, got := history(e.analyst, shop.ID); got[0] != `RETIRED status="RETIRED"` {
		t.Errorf("after retiring: %q", got[0])
	}
}
