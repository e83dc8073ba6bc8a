package tests

import (
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
)

// incidentWrites are the incident mutations that act on an existing
// incident, each as a function of the incident's id and the version the
// caller claims to have read. Their inputs are valid, so that only the row
// decides the answer.
func incidentWrites(team incidentTeam, changeID string) []struct {
	name, field, query string
	in                 func(id string, version int) map[string]any
} {
	return []struct {
		name, field, query string
		in                 func(id string, version int) map[string]any
	}{
		{"update", "updateIncident", updateIncidentMutation, func(id string, v int) map[string]any {
			return map[string]any{"id": id, "expectedVersion": v, "urgency": "HIGH"}
		}},
		{"cancel", "transitionIncident", transitionIncidentMutation, func(id string, v int) map[string]any {
			return map[string]any{"id": id, "expectedVersion": v, "to": "CANCELLED", "comment": "not ours"}
		}},
		{"take", "reassignIncident", reassignIncidentMutation, func(id string, v int) map[string]any {
			return map[string]any{"id": id, "expectedVersion": v, "groupId": team.deskID, "assigneeId": team.agentID, "reason": "mine now"}
		}},
		{"declare major", "setMajorIncident", `mutation($in: SetMajorIncidentInput!) { setMajorIncident(input: $in) { incident { id version major } } }`,
			func(id string, v int) map[string]any {
				return map[string]any{"id": id, "expectedVersion": v, "major": true, "managerId": team.agentID, "reason": "noise"}
			}},
		{"link", "linkIncident", `mutation($in: LinkIncidentInput!) { linkIncident(input: $in) { incident { id version problemIds } } }`,
			func(id string, v int) map[string]any {
				return map[string]any{"id": id, "expectedVersion": v, "causedByChangeId": changeID}
			}},
		{"communicate", "addIncidentCommunication", `mutation($in: AddIncidentCommunicationInput!) { addIncidentCommunication(input: $in) { incident { id } } }`,
			func(id string, _ int) map[string]any {
				return map[string]any{"incidentId": id, "audience": "all staff", "channel": "email", "message": "we know"}
			}},
		{"work note", "addIncidentEntry", addEntryMutation, func(id string, _ int) map[string]any {
			return map[string]any{"incidentId": id, "kind": "WORK_NOTE", "body": "looking"}
		}},
		{"comment", "addIncidentEntry", addEntryMutation, func(id string, _ int) map[string]any {
			return map[string]any{"incidentId": id, "kind": "COMMENT", "body": "me too"}
		}},
	}
}

// incidentTrail is everything a write could change on an incident.
const incidentTrail = `query($id: ID!) { incident(id: $id) { id version state major urgency priority assigneeId
  assignmentGroup { id } problemIds causedByChangeId history { field to } escalations { reason }
  communications { message } timeline { kind body } } }`

func (e *env) trail(t *testing.T, id string) string {
	t.Helper()
	r := e.gql(t, e.analyst, incidentTrail, map[string]any{"id": id})
	if len(r.Errors) > 0 {
		t.Fatalf("reading %s back: %v %s", id, r.codes(), truncate(r.Body))
	}
	return string(r.Data)
}

// TestIncidentWritesNeedTheRead (issue 11, item 6): an AGENT outside an
// incident's group cannot read it, so no write of theirs reaches it either:
// each answers NOT_FOUND with the very message of the read, whatever the
// version they claim, and writes nothing. The agents of its group still
// may.
func TestIncidentWritesNeedTheRead(t *testing.T) {
	e, w, team, _ := newIncidentEnv(t, app.Limits{}, t0)
	network := e.createGroup(t, "Network")
	netAgent := e.createUser(t, map[string]any{"username": "net-agent", "displayName": "Net Agent", "roles": []string{"AGENT"}, "groupIds": []string{network}})
	netToken := e.mint(t, netAgent.ID, auth.Agent)
	c := e.createChange(t, team.agent, normalChange("Swap the core switch", w.idsOf(t, "orders-db"), "2026-03-10T20:00:00Z", "2026-03-10T22:00:00Z"))

	// The network team's incident: not the desk agent's group, not major,
	// not unassigned, not theirs.
	logNetworkIncident := func(t *testing.T) incidentData {
		t.Helper()
		inc, _ := e.createIncident(t, team.monitor, map[string]any{"shortDescription": "core switch flapping", "impact": "MEDIUM",
			"urgency": "MEDIUM", "callerId": subjCaller, "assignmentGroupId": network})
		if inc.State != "ASSIGNED" || inc.Major {
			t.Fatalf("logged %+v", inc)
		}
		return inc
	}
	probe := logNetworkIncident(t)
	read := e.fail(t, team.agent, incidentQuery, map[string]any{"id": probe.ID}, "NOT_FOUND")
	wantMessage := read.Errors[0].Message
	if !strings.Contains(wantMessage, probe.ID) {
		t.Fatalf("the read's NOT_FOUND does not name the id: %q", wantMessage)
	}

	for _, wr := range incidentWrites(team, c.ID) {
		t.Run(wr.name, func(t *testing.T) {
			inc := logNetworkIncident(t)
			before := e.trail(t, inc.ID)
			// The version they read (had they read it), a stale one and an
			// absurd one all get the read's answer: nothing tells the row
			// exists, what state it is in or at what version.
			for _, v := range []int{inc.Version, inc.Version + 4, 0} {
				r := e.fail(t, team.agent, wr.query, map[string]any{"in": wr.in(inc.ID, v)}, "NOT_FOUND")
				if got, want := r.Errors[0].Message, strings.ReplaceAll(wantMessage, probe.ID, inc.ID); got != want {
					t.Errorf("version %d: message %q, want the read's %q", v, got, want)
				}
				if p := r.Errors[0].Path; len(p) != 1 || p[0] != wr.field {
					t.Errorf("version %d: error path %v, want [%s]", v, p, wr.field)
				}
			}
			if after := e.trail(t, inc.ID); after != before {
				t.Errorf("a refused write changed the incident:\nbefore %s\nafter  %s", before, after)
			}
			// The network team's own agent may.
			r := e.gql(t, netToken, wr.query, map[string]any{"in": wr.in(inc.ID, inc.Version)})
			for _, er := range r.Errors {
				// Communications need a major incident: that refusal is
				// about the incident's state, which its reader may know.
				if !(wr.field == "addIncidentCommunication" && er.Extensions.Code == "INVALID_TRANSITION") {
					t.Errorf("the group's agent: %s %s", er.Extensions.Code, er.Message)
				}
			}
		})
	}
}

// TestNoIncidentOracles (issue 11, item 9): another requester's incident,
// and an incident out of an agent's reach, answer every write exactly as
// an incident that does not exist does (NOT_FOUND, same message but for
// the id): no FORBIDDEN that says it exists, no CONFLICT that tells its
// version, no INVALID_TRANSITION that tells its state.
func TestNoIncidentOracles(t *testing.T) {
	e, w, team, _ := newIncidentEnv(t, app.Limits{}, t0)
	network := e.createGroup(t, "Network")
	c := e.createChange(t, team.agent, normalChange("Swap the core switch", w.idsOf(t, "orders-db"), "2026-03-10T20:00:00Z", "2026-03-10T22:00:00Z"))
	// The caller's NEW incident: the caller may cancel it, others not.
	callers, _ := e.createIncident(t, team.caller, map[string]any{"shortDescription": "cannot print", "impact": "LOW", "urgency": "LOW"})
	networks, _ := e.createIncident(t, team.monitor, map[string]any{"shortDescription": "core switch flapping", "impact": "MEDIUM",
		"urgency": "MEDIUM", "callerId": subjCaller, "assignmentGroupId": network})
	const missing = "inc_0123456789abcdef0123456789abcdef"

	type answer struct{ code, message string }
	ask := func(t *testing.T, token, query string, in map[string]any, id string) answer {
		t.Helper()
		r := e.gql(t, token, query, map[string]any{"in": in})
		if len(r.Errors) != 1 {
			return answer{code: strings.Join(r.codes(), ","), message: string(r.Data)}
		}
		return answer{code: r.Errors[0].Extensions.Code, message: strings.ReplaceAll(r.Errors[0].Message, id, "<id>")}
	}
	cases := []struct {
		who, token string
		inc        incidentData
	}{
		{"another requester", team.other, callers},
		{"an agent of another group", team.agent, networks},
	}
	for _, cs := range cases {
		for _, wr := range incidentWrites(team, c.ID) {
			for _, v := range []int{cs.inc.Version, cs.inc.Version + 4} {
				name := cs.who + " " + wr.name
				if v != cs.inc.Version {
					name += " with a stale version"
				}
				t.Run(name, func(t *testing.T) {
					before := e.trail(t, cs.inc.ID)
					got := ask(t, cs.token, wr.query, wr.in(cs.inc.ID, v), cs.inc.ID)
					want := ask(t, cs.token, wr.query, wr.in(missing, v), missing)
					if got != want {
						t.Errorf("an existing incident answers %+v, a missing one %+v", got, want)
					}
					// Writes the role may not make at all are refused for
					// any id alike (FORBIDDEN from @auth); the others are
					// the read's NOT_FOUND.
					if got.code != "NOT_FOUND" && got.code != "FORBIDDEN" {
						t.Errorf("answer %+v, want NOT_FOUND", got)
					}
					if after := e.trail(t, cs.inc.ID); after != before {
						t.Errorf("a refused write changed the incident:\nbefore %s\nafter  %s", before, after)
					}
				})
			}
		}
	}

	// What a caller may do to their own incident still works: comment,
	// then cancel it while it is NEW.
	e.ok(t, team.caller, addEntryMutation, map[string]any{"in": map[string]any{"incidentId": callers.ID, "kind": "COMMENT", "body": "still broken"}}, nil)
	e.transitionIncident(t, team.caller, e.readIncident(t, team.caller, callers.ID), "CANCELLED", nil)
}
