package tests

import (
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
)

// TestOpeningGroupKeepsTheIncident: the service desk logs an incident and
// escalates it to the database team; the desk still reads it, finds it in
// its list, and adds work notes and comments, while the work (moves,
// edits, another reassignment) is left to the database team. An agent of
// neither group reads nothing.
func TestOpeningGroupKeepsTheIncident(t *testing.T) {
	e, w, team, _ := newIncidentEnv(t, app.Limits{}, t0)
	dbTeam := e.createGroup(t, "Database team")
	dba := e.createUser(t, map[string]any{"username": "dba", "displayName": "DBA", "roles": []string{"AGENT"}, "groupIds": []string{dbTeam}})
	dbaToken := e.mint(t, dba.ID, auth.Agent)
	hr := e.createGroup(t, "HR support")
	hrAgent := e.createUser(t, map[string]any{"username": "hr-agent", "displayName": "HR agent", "roles": []string{"AGENT"}, "groupIds": []string{hr}})
	hrToken := e.mint(t, hrAgent.ID, auth.Agent)

	inc, _ := e.createIncident(t, team.agent, map[string]any{"shortDescription": "orders are slow", "callerId": subjCaller,
		"configurationItemIds": w.idsOf(t, "orders-db"), "impact": "MEDIUM", "urgency": "MEDIUM", "assignmentGroupId": team.deskID})
	inc = e.incidentWrite(t, team.agent, reassignIncidentMutation, "reassignIncident",
		map[string]any{"id": inc.ID, "expectedVersion": inc.Version, "groupId": dbTeam, "reason": "database side"})

	var read struct {
		Incident struct {
			OpeningGroupID *string `json:"openingGroupId"`
		} `json:"incident"`
		Incidents struct {
			TotalCount int `json:"totalCount"`
		} `json:"incidents"`
	}
	e.ok(t, team.agent, `query($id: ID!) { incident(id: $id) { openingGroupId } incidents { totalCount } }`, map[string]any{"id": inc.ID}, &read)
	if deref(read.Incident.OpeningGroupID) != team.deskID || read.Incidents.TotalCount != 1 {
		t.Fatalf("the desk's view: %+v", read)
	}
	for _, kind := range []string{"WORK_NOTE", "COMMENT"} {
		e.ok(t, team.agent, addEntryMutation, map[string]any{"in": map[string]any{"incidentId": inc.ID, "kind": kind, "body": "caller called again"}}, nil)
	}
	// The work is the database team's.
	for _, bad := range []struct {
		mutation, field string
		in              map[string]any
	}{
		{transitionIncidentMutation, "transitionIncident", map[string]any{"to": "IN_PROGRESS"}},
		{updateIncidentMutation, "updateIncident", map[string]any{"urgency": "HIGH"}},
		{reassignIncidentMutation, "reassignIncident", map[string]any{"groupId": team.deskID, "reason": "back to us"}},
	} {
		bad.in["id"], bad.in["expectedVersion"] = inc.ID, inc.Version
		e.fail(t, team.agent, bad.mutation, map[string]any{"in": bad.in}, "FORBIDDEN")
	}
	if got := e.readIncident(t, dbaToken, inc.ID); got.Version != inc.Version || got.State != "ASSIGNED" {
		t.Fatalf("a refused write was written: v%d %s", got.Version, got.State)
	}
	e.transitionIncident(t, dbaToken, inc, "IN_PROGRESS", nil)
	// Neither holding nor opening it, HR support reads nothing.
	e.fail(t, hrToken, incidentQuery, map[string]any{"id": inc.ID}, "NOT_FOUND")
	e.ok(t, hrToken, `{ incidents { totalCount } }`, nil, &read)
	if read.Incidents.TotalCount != 0 {
		t.Fatalf("HR support lists %d incidents", read.Incidents.TotalCount)
	}
}

// TestResponseIsAHumanAcknowledgement: logging an incident with a group,
// by a person or by monitoring, and routing it to a queue leave its
// response clock running; an agent working it, or giving it to a named
// person, stops it.
func TestResponseIsAHumanAcknowledgement(t *testing.T) {
	e, w, team, clock := newIncidentEnv(t, app.Limits{}, t0)
	log := func(token string, extra map[string]any) incidentData {
		t.Helper()
		in := map[string]any{"shortDescription": "orders are slow", "callerId": subjCaller, "configurationItemIds": w.idsOf(t, "orders-db"),
			"impact": "MEDIUM", "urgency": "MEDIUM", "assignmentGroupId": team.deskID}
		for k, v := range extra {
			in[k] = v
		}
		inc, _ := e.createIncident(t, token, in)
		return inc
	}
	byDesk := log(team.agent, nil)
	byMonitor := log(team.monitor, map[string]any{"channel": "MONITORING", "idempotencyKey": "slow-orders"})
	for _, inc := range []incidentData{byDesk, byMonitor} {
		if inc.State != "ASSIGNED" || inc.RespondedAt != nil {
			t.Fatalf("logged with a group: %s, responded %v", inc.State, deref(inc.RespondedAt))
		}
	}
	dbTeam := e.createGroup(t, "Database team")
	dba := e.createUser(t, map[string]any{"username": "dba", "displayName": "DBA", "roles": []string{"AGENT"}, "groupIds": []string{dbTeam}})
	clock.Advance(10 * time.Minute)
	queued := e.incidentWrite(t, team.agent, reassignIncidentMutation, "reassignIncident",
		map[string]any{"id": byMonitor.ID, "expectedVersion": byMonitor.Version, "groupId": dbTeam, "reason": "database side"})
	if queued.RespondedAt != nil {
		t.Fatalf("routed to a queue: responded %s", deref(queued.RespondedAt))
	}
	working := e.transitionIncident(t, team.agent, byDesk, "IN_PROGRESS", nil)
	if got := mustTime(t, deref(working.RespondedAt)); !within(got, t0.Add(10*time.Minute)) {
		t.Fatalf("taken to work: responded %s", got)
	}
	clock.Advance(5 * time.Minute)
	named := e.incidentWrite(t, e.mint(t, dba.ID, auth.Agent), reassignIncidentMutation, "reassignIncident",
		map[string]any{"id": byMonitor.ID, "expectedVersion": queued.Version, "groupId": dbTeam, "assigneeId": dba.ID, "reason": "mine"})
	if got := mustTime(t, deref(named.RespondedAt)); !within(got, t0.Add(15*time.Minute)) {
		t.Fatalf("given to a person: responded %s", got)
	}
}

// within reports whether got is at want or at most a second after it (the
// test clock ticks on each reading).
func within(got, want time.Time) bool { return !got.Before(want) && got.Before(want.Add(time.Second)) }
