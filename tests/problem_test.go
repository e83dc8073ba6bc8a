package tests

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// TestProblemFromIncidentsToClosed: a problem manager opens a problem from
// two incidents, investigates it, records it as a known error (refused
// first without a workaround), resolves it with a completed change
// (refused while the change is not completed), resolving the linked
// incidents together (a closed one is listed as not moved), and closes it.
func TestProblemFromIncidentsToClosed(t *testing.T) {
	e, w, team := newProblemEnv(t, app.Limits{})
	app1, db := w.id(t, "orders-app"), w.id(t, "orders-db")
	inc1 := e.deskIncident(t, team, "checkout times out", []string{app1})
	inc2 := e.deskIncident(t, team, "order history empty", []string{app1})
	inc3 := e.deskIncident(t, team, "orders slow yesterday", []string{app1})
	inc3 = e.transitionIncident(t, team.agent, inc3, "RESOLVED", map[string]any{"resolutionCode": "WORKAROUND", "resolutionNotes": "restarted"})
	inc3 = e.transitionIncident(t, team.agent, inc3, "CLOSED", nil)

	p, created := e.createProblem(t, team.manager, map[string]any{"title": "Orders time out under load", "impact": "HIGH", "urgency": "MEDIUM",
		"configurationItemIds": []string{app1}, "serviceIds": w.idsOf(t, "Orders"), "incidentIds": []string{inc1.ID, inc2.ID}})
	if !created || p.State != "NEW" || p.Version != 1 || !regexp.MustCompile(`^PRB\d{7}$`).MatchString(p.Number) {
		t.Fatalf("created %v: %+v", created, p)
	}
	// The priority comes from the incident matrix: (H, M) = P2.
	if p.Priority != "P2" || !slices.Equal(p.AllowedTransitions, []string{"INVESTIGATING", "CANCELLED"}) {
		t.Fatalf("priority %s, allowed %v", p.Priority, p.AllowedTransitions)
	}
	if ids := p.incidentIDs(); len(ids) != 2 || !slices.Contains(ids, inc1.ID) || !slices.Contains(ids, inc2.ID) {
		t.Fatalf("incidents %v", ids)
	}
	// The incident shows the link both ways, in one write of the incident.
	ip := e.incidentProblems(t, team.agent, inc1.ID)
	if !slices.Equal(ip.ProblemIDs, []string{p.ID}) || len(ip.Problems) != 1 || ip.Problems[0].Number != p.Number || ip.Version != inc1.Version+1 {
		t.Fatalf("incident after linking: %+v (was version %d)", ip, inc1.Version)
	}

	// An agent links the closed incident, and inc1 again: no duplicate.
	p = e.problemWrite(t, team.agent, linkProblemMutation, "linkIncidentsToProblem",
		map[string]any{"problemId": p.ID, "expectedVersion": p.Version, "incidentIds": []string{inc1.ID, inc3.ID}})
	if len(p.Incidents) != 3 || p.Version != 2 {
		t.Fatalf("after linking: version %d, %v", p.Version, p.incidentIDs())
	}
	if again := e.incidentProblems(t, team.agent, inc1.ID); !slices.Equal(again.ProblemIDs, []string{p.ID}) || again.Version != ip.Version {
		t.Fatalf("linking twice changed the incident: %+v", again)
	}
	same := e.problemWrite(t, team.agent, linkProblemMutation, "linkIncidentsToProblem",
		map[string]any{"problemId": p.ID, "expectedVersion": p.Version, "incidentIds": []string{inc1.ID}})
	if same.Version != p.Version || len(same.Incidents) != 3 {
		t.Fatalf("a link that exists wrote: version %d, %d incidents", same.Version, len(same.Incidents))
	}

	p = e.transitionProblem(t, team.manager, p, "INVESTIGATING", map[string]any{"comment": "looking at the pool"})

	// KNOWN_ERROR needs a workaround: refused, nothing written.
	r := e.fail(t, team.manager, transitionProblemMutation, map[string]any{"in": map[string]any{"id": p.ID, "expectedVersion": p.Version,
		"to": "KNOWN_ERROR", "rootCause": "pool too small"}}, "BAD_USER_INPUT")
	if !strings.Contains(r.Errors[0].Message, "workaround") {
		t.Fatalf("message: %s", r.Errors[0].Message)
	}
	if got := e.readProblem(t, team.manager, p.ID); got.Version != p.Version || got.State != "INVESTIGATING" || got.RootCause != nil {
		t.Fatalf("a refused move wrote: %+v", got)
	}
	p = e.transitionProblem(t, team.manager, p, "KNOWN_ERROR", map[string]any{"rootCause": "pool too small",
		"rootCauseConfigurationItemId": db, "workaround": "restart orders-app"})
	if deref(p.Workaround) != "restart orders-app" || p.RootCauseConfigurationItem == nil || p.RootCauseConfigurationItem.ID != db {
		t.Fatalf("known error: %+v", p)
	}
	if !slices.Equal(p.AllowedTransitions, []string{"RESOLVED", "CANCELLED"}) {
		t.Fatalf("allowed from KNOWN_ERROR: %v", p.AllowedTransitions)
	}

	// RESOLVED needs a linked change, completed.
	resolveIn := map[string]any{"id": p.ID, "expectedVersion": p.Version, "resolveIncidents": true}
	r = e.fail(t, team.manager, resolveProblemMutation, map[string]any{"in": resolveIn}, "BAD_USER_INPUT")
	if !strings.Contains(r.Errors[0].Message, "changeIds") {
		t.Fatalf("message: %s", r.Errors[0].Message)
	}
	c := e.standardChange(t, team.changes, []string{db})
	p = e.problemWrite(t, team.manager, updateProblemMutation, "updateProblem", map[string]any{"id": p.ID, "expectedVersion": p.Version,
		"changeIds": []string{c.ID}})
	resolveIn["expectedVersion"] = p.Version
	r = e.fail(t, team.manager, resolveProblemMutation, map[string]any{"in": resolveIn}, "INVALID_TRANSITION")
	if !strings.Contains(r.Errors[0].Message, c.ID+" is AUTHORIZED") {
		t.Fatalf("message: %s", r.Errors[0].Message)
	}
	if got := e.readProblem(t, team.manager, p.ID); got.Version != p.Version || got.State != "KNOWN_ERROR" {
		t.Fatalf("a refused resolve wrote the problem: %+v", got)
	}
	if got := e.readIncident(t, team.agent, inc1.ID); got.State != "ASSIGNED" || got.Version != ip.Version {
		t.Fatalf("a refused resolve wrote an incident: %s v%d", got.State, got.Version)
	}
	c = e.transitionChange(t, team.changes.manager, c, "SCHEDULED", "")
	c = e.transitionChange(t, team.changes.otherAgent, c, "IMPLEMENTING", "")
	c = e.transitionChange(t, team.changes.otherAgent, c, "IMPLEMENTED", "pool raised to 400")

	var res struct {
		ResolveProblem struct {
			Problem           problemData `json:"problem"`
			ResolvedIncidents []struct {
				ID             string `json:"id"`
				State          string `json:"state"`
				ResolutionCode string `json:"resolutionCode"`
				Timeline       []struct {
					Kind string `json:"kind"`
					Body string `json:"body"`
				} `json:"timeline"`
			} `json:"resolvedIncidents"`
			NotMoved []struct {
				IncidentID string `json:"incidentId"`
				State      string `json:"state"`
				Reason     string `json:"reason"`
			} `json:"notMoved"`
		} `json:"resolveProblem"`
	}
	e.ok(t, team.manager, resolveProblemMutation, map[string]any{"in": resolveIn}, &res)
	p = res.ResolveProblem.Problem
	if p.State != "RESOLVED" || deref(p.ClosureCode) != "FIX_APPLIED" || p.ResolvedAt == nil || p.Version != resolveIn["expectedVersion"].(int)+1 {
		t.Fatalf("resolved: %+v", p)
	}
	var moved []string
	for _, i := range res.ResolveProblem.ResolvedIncidents {
		moved = append(moved, i.ID)
		last := i.Timeline[len(i.Timeline)-1]
		if i.State != "RESOLVED" || i.ResolutionCode != "RESOLVED_BY_CHANGE" || last.Kind != "WORK_NOTE" || !strings.Contains(last.Body, p.Number) {
			t.Fatalf("resolved incident: %+v", i)
		}
	}
	slices.Sort(moved)
	want := []string{inc1.ID, inc2.ID}
	slices.Sort(want)
	if !slices.Equal(moved, want) {
		t.Fatalf("resolved incidents %v, want %v", moved, want)
	}
	nm := res.ResolveProblem.NotMoved
	if len(nm) != 1 || nm[0].IncidentID != inc3.ID || nm[0].State != "CLOSED" || !strings.Contains(nm[0].Reason, "CLOSED") {
		t.Fatalf("not moved: %+v", nm)
	}
	if got := e.readIncident(t, team.agent, inc2.ID); got.State != "RESOLVED" {
		t.Fatalf("inc2 is %s", got.State)
	}
	// A resolved problem still carries its workaround: still a known error.
	if ids := e.knownErrorIDs(t, team.analyst, nil); !slices.Contains(ids, p.ID) {
		t.Fatalf("known errors after resolution: %v", ids)
	}

	p = e.transitionProblem(t, team.manager, p, "CLOSED", nil)
	if p.ClosedAt == nil || len(p.AllowedTransitions) != 0 || deref(p.ClosureCode) != "FIX_APPLIED" {
		t.Fatalf("closed: %+v", p)
	}
	if got := p.states(); !slices.Equal(got, []string{"<nil>>NEW", "NEW>INVESTIGATING", "INVESTIGATING>KNOWN_ERROR", "KNOWN_ERROR>RESOLVED", "RESOLVED>CLOSED"}) {
		t.Fatalf("state history %v", got)
	}
	if ids := e.knownErrorIDs(t, team.analyst, nil); slices.Contains(ids, p.ID) {
		t.Fatalf("a closed problem is still a known error: %v", ids)
	}
	var fields []string
	for _, h := range p.History {
		fields = append(fields, h.Field)
	}
	for _, f := range []string{"INCIDENTS", "ROOT_CAUSE", "WORKAROUND", "CHANGES", "CLOSURE"} {
		if !slices.Contains(fields, f) {
			t.Errorf("history has no %s: %v", f, fields)
		}
	}
}
