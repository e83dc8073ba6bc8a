package tests

import (
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// TestChangeCausedIncidents: an incident is linked only to a change (and
// problems) that exist; the change lists the incidents it caused, the
// incident list filters by the causing change, and the post-implementation
// review sees them: it records them and refuses to call the change plainly
// SUCCESSFUL.
func TestChangeCausedIncidents(t *testing.T) {
	e, w, team, _ := newChangeEnv(t, app.Limits{})
	start, end := nowWindow()
	in := normalChange("Hotfix the cache", w.idsOf(t, "cache"), start, end)
	in["type"] = "EMERGENCY"
	c := e.createChange(t, team.requester, in)
	c = e.transitionChange(t, team.requester, c, "SUBMITTED", "outage")
	c = e.decideChange(t, team.cab[0], c.ID, "APPROVE", "")
	c = e.decideChange(t, team.manager, c.ID, "APPROVE", "go")
	c = e.transitionChange(t, team.manager, c, "SCHEDULED", "")
	c = e.transitionChange(t, team.otherAgent, c, "IMPLEMENTING", "")
	c = e.transitionChange(t, team.otherAgent, c, "IMPLEMENTED", "done")

	inc, _ := e.createIncident(t, e.agent, map[string]any{"shortDescription": "cart errors since the cache hotfix", "callerId": subjCaller,
		"configurationItemIds": w.idsOf(t, "cache"), "impact": "MEDIUM", "urgency": "MEDIUM"})
	const link = `mutation($in: LinkIncidentInput!) { linkIncident(input: $in) { incident { id version causedByChangeId problemIds } } }`
	for _, bad := range []struct {
		field string
		in    map[string]any
	}{
		{"causedByChangeId", map[string]any{"causedByChangeId": "chg_0000"}},
		{"problemIds", map[string]any{"problemIds": []string{"prb_0000"}}},
	} {
		bad.in["id"], bad.in["expectedVersion"] = inc.ID, inc.Version
		r := e.fail(t, e.agent, link, map[string]any{"in": bad.in}, "NOT_FOUND")
		if !strings.Contains(r.Errors[0].Message, bad.field) {
			t.Fatalf("message for %s: %s", bad.field, r.Errors[0].Message)
		}
	}
	if got := e.readIncident(t, e.agent, inc.ID); got.Version != inc.Version {
		t.Fatalf("a refused link was written: version %d → %d", inc.Version, got.Version)
	}
	e.ok(t, e.agent, link, map[string]any{"in": map[string]any{"id": inc.ID, "expectedVersion": inc.Version, "causedByChangeId": c.ID}}, nil)

	var read struct {
		Change struct {
			CausedIncidents []named `json:"causedIncidents"`
		} `json:"change"`
		Incidents struct {
			TotalCount int `json:"totalCount"`
		} `json:"incidents"`
	}
	e.ok(t, e.analyst, `query($id: ID!) { change(id: $id) { causedIncidents { id name: shortDescription } }
  incidents(filter: {causedByChangeId: $id}) { totalCount } }`, map[string]any{"id": c.ID}, &read)
	if len(read.Change.CausedIncidents) != 1 || read.Change.CausedIncidents[0].ID != inc.ID || read.Incidents.TotalCount != 1 {
		t.Fatalf("caused incidents %+v, filtered %d", read.Change.CausedIncidents, read.Incidents.TotalCount)
	}

	r := e.fail(t, team.manager, reviewChangeMutation, map[string]any{"in": map[string]any{"id": c.ID, "expectedVersion": c.Version,
		"outcome": "SUCCESSFUL", "notes": "cache is faster"}}, "BAD_USER_INPUT")
	if !strings.Contains(r.Errors[0].Message, inc.ID) || !strings.Contains(r.Errors[0].Message, "SUCCESSFUL_WITH_ISSUES") {
		t.Fatalf("message: %s", r.Errors[0].Message)
	}
	var rv struct {
		ReviewChange struct {
			Change struct {
				State  string `json:"state"`
				Review struct {
					Outcome           string   `json:"outcome"`
					CausedIncidentIds []string `json:"causedIncidentIds"`
				} `json:"review"`
			} `json:"change"`
		} `json:"reviewChange"`
	}
	e.ok(t, team.manager, `mutation($in: ReviewChangeInput!) { reviewChange(input: $in) { change { state review { outcome causedIncidentIds } } } }`,
		map[string]any{"in": map[string]any{"id": c.ID, "expectedVersion": c.Version, "outcome": "SUCCESSFUL_WITH_ISSUES", "notes": "cart errors for an hour"}}, &rv)
	if got := rv.ReviewChange.Change; got.State != "REVIEWED" || got.Review.Outcome != "SUCCESSFUL_WITH_ISSUES" || !slices.Equal(got.Review.CausedIncidentIds, []string{inc.ID}) {
		t.Fatalf("reviewed: %+v", got)
	}
}
