package tests

import (
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

type matchData struct {
	Rank       int    `json:"rank"`
	Reason     string `json:"reason"`
	Kind       string `json:"kind"`
	Distance   int    `json:"distance"`
	KnownError struct {
		ID         string  `json:"id"`
		Workaround *string `json:"workaround"`
	} `json:"knownError"`
	Item struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"item"`
	Path []gEdge `json:"path"`
}

const matchingQuery = `query($id: ID!) { incident(id: $id) { matchingKnownErrors {
  rank reason kind distance knownError { id workaround } item { id name } path { id type sourceId targetId } } } }`

// TestMatchingKnownErrors: an agent working an incident on orders-app is
// offered the known errors that may explain it, each once and ranked: on
// the app itself, then on the database it depends on (with the path), then
// on its service; a known error elsewhere, or not yet known, is not
// offered; a requester is offered none.
func TestMatchingKnownErrors(t *testing.T) {
	e, w, team := newProblemEnv(t, app.Limits{})
	known := func(title string, in map[string]any) string {
		in["title"], in["impact"], in["urgency"] = title, "MEDIUM", "MEDIUM"
		p, _ := e.createProblem(t, team.manager, in)
		p = e.transitionProblem(t, team.manager, p, "INVESTIGATING", nil)
		p = e.transitionProblem(t, team.manager, p, "KNOWN_ERROR", map[string]any{"rootCause": "cause of " + title, "workaround": "work around " + title})
		return p.ID
	}
	onDB := known("db pool exhausted", map[string]any{"configurationItemIds": []string{w.id(t, "orders-db")}})
	onApp := known("app leaks memory", map[string]any{"configurationItemIds": []string{w.id(t, "orders-app")}})
	onService := known("orders slow at noon", map[string]any{"serviceIds": []string{w.id(t, "Orders")}})
	known("hr app crashes", map[string]any{"configurationItemIds": []string{w.id(t, "hr-app")}})
	notYet, _ := e.createProblem(t, team.manager, map[string]any{"title": "unknown", "impact": "LOW", "urgency": "LOW",
		"configurationItemIds": []string{w.id(t, "orders-app")}})

	inc := e.deskIncident(t, team, "orders failing", []string{w.id(t, "orders-app")})
	upd := `mutation($in: UpdateIncidentInput!) { updateIncident(input: $in) { incident { id } } }`
	e.ok(t, team.agent, upd, map[string]any{"in": map[string]any{"id": inc.ID, "expectedVersion": inc.Version, "serviceIds": []string{w.id(t, "Orders")}}}, nil)

	var out struct {
		Incident struct {
			MatchingKnownErrors []matchData `json:"matchingKnownErrors"`
		} `json:"incident"`
	}
	e.ok(t, team.agent, matchingQuery, map[string]any{"id": inc.ID}, &out)
	got := out.Incident.MatchingKnownErrors
	var ids []string
	for _, m := range got {
		ids = append(ids, m.KnownError.ID)
	}
	if want := []string{onApp, onDB, onService}; strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Fatalf("matches %v, want the app's, the db's, the service's known errors (%v); not %s", ids, want, notYet.ID)
	}
	app, db, svc := got[0], got[1], got[2]
	if app.Kind != "SAME_CI" || app.Distance != 0 || app.Item.Name != "orders-app" || !strings.Contains(app.Reason, "a CI of the incident") ||
		app.KnownError.Workaround == nil || *app.KnownError.Workaround != "work around app leaks memory" {
		t.Errorf("first = %+v", app)
	}
	if db.Kind != "DEPENDENCY" || db.Distance != 1 || db.Item.Name != "orders-db" || w.path(db.Path) != "orders-app-DEPENDS_ON->orders-db" ||
		!strings.Contains(db.Reason, "depends on (1 step)") {
		t.Errorf("second = %+v", db)
	}
	if svc.Kind != "SAME_SERVICE" || svc.Item.Name != "Orders" || len(svc.Path) != 0 {
		t.Errorf("third = %+v", svc)
	}

	e.ok(t, team.requester, matchingQuery, map[string]any{"id": inc.ID}, &out)
	if len(out.Incident.MatchingKnownErrors) != 0 {
		t.Errorf("a requester is offered %+v", out.Incident.MatchingKnownErrors)
	}
}

// TestMatchingKnownErrorsOnSiblings: a known error on a CI that depends on
// something the incident's CI depends on too is offered after those on
// the CI and its dependencies, nearest first, with the shared item and the
// path on each side; a known error on a CI that shares nothing is not.
func TestMatchingKnownErrorsOnSiblings(t *testing.T) {
	e, w, team := newProblemEnv(t, app.Limits{})
	w.build(t, "reports-app DEPENDS_ON orders-db", "orders-db RUNS_ON db-host", "batch-job DEPENDS_ON db-host")
	known := func(title, ci string) string {
		p, _ := e.createProblem(t, team.manager, map[string]any{"title": title, "impact": "MEDIUM", "urgency": "MEDIUM", "configurationItemIds": []string{w.id(t, ci)}})
		p = e.transitionProblem(t, team.manager, p, "INVESTIGATING", nil)
		p = e.transitionProblem(t, team.manager, p, "KNOWN_ERROR", map[string]any{"rootCause": "cause of " + title, "workaround": "work around " + title})
		return p.ID
	}
	onBatch := known("batch job locks tables", "batch-job")
	onReports := known("reports time out", "reports-app")
	onDB := known("db pool exhausted", "orders-db")
	known("cart drops items", "cart-app")
	inc := e.deskIncident(t, team, "orders failing", []string{w.id(t, "orders-app")})

	const query = `query($id: ID!) { incident(id: $id) { matchingKnownErrors {
  rank reason kind distance knownError { id } item { id name } path { id type sourceId targetId }
  knownErrorConfigurationItem { name } knownErrorPath { id type sourceId targetId } } } }`
	type sibling struct {
		matchData
		KnownErrorCI   *named  `json:"knownErrorConfigurationItem"`
		KnownErrorPath []gEdge `json:"knownErrorPath"`
	}
	var out struct {
		Incident struct {
			MatchingKnownErrors []sibling `json:"matchingKnownErrors"`
		} `json:"incident"`
	}
	e.ok(t, team.agent, query, map[string]any{"id": inc.ID}, &out)
	got := out.Incident.MatchingKnownErrors
	var ids []string
	for _, m := range got {
		ids = append(ids, m.KnownError.ID)
	}
	if want := []string{onDB, onReports, onBatch}; strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Fatalf("matches %v, want the db's, then the reports app's, then the batch job's (%v)", ids, want)
	}
	if db := got[0]; db.Kind != "DEPENDENCY" || db.KnownErrorCI != nil || len(db.KnownErrorPath) != 0 {
		t.Errorf("first = %+v", db)
	}
	reports, batch := got[1], got[2]
	if reports.Kind != "SHARED_DEPENDENCY" || reports.Item.Name != "orders-db" || reports.Distance != 1 ||
		w.path(reports.Path) != "orders-app-DEPENDS_ON->orders-db" || reports.KnownErrorCI == nil || reports.KnownErrorCI.Name != "reports-app" ||
		w.path(reports.KnownErrorPath) != "reports-app-DEPENDS_ON->orders-db" || !strings.Contains(reports.Reason, "reports-app, which depends on orders-db as the incident's CI does (1 + 1 steps)") {
		t.Errorf("second = %+v", reports)
	}
	if batch.Kind != "SHARED_DEPENDENCY" || batch.Item.Name != "db-host" || batch.Distance != 2 || batch.KnownErrorCI == nil || batch.KnownErrorCI.Name != "batch-job" ||
		w.path(batch.KnownErrorPath) != "batch-job-DEPENDS_ON->db-host" {
		t.Errorf("third = %+v", batch)
	}
}
