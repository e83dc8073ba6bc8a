package tests

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
)

// textFields is every free text and person id an incident shows.
const textFields = `
  callerId openedBy assigneeId majorManagerId assignee { id }
  history { field from to actor comment }
  escalations { fromAssigneeId toAssigneeId actor reason }
  communications { audience channel message actor }
  timeline { kind body author }`

const (
	textQuery     = `query($id: ID!) { incident(id: $id) {` + textFields + ` } }`
	textNodeQuery = `query($id: ID!) { node(id: $id) { ... on Incident {` + textFields + ` } } }`
	// staffTextQuery adds who may read each text.
	staffTextQuery = `query($id: ID!) { incident(id: $id) {
  history { field from to actor comment commentVisibility }
  escalations { actor reason reasonVisibility }
  communications { audience channel message actor visibility }
  timeline { kind body author } } }`
	setMajorMutation = incidentFields + `
mutation($in: SetMajorIncidentInput!) { setMajorIncident(input: $in) { incident { ...I } } }`
	communicationMutation = `
mutation($in: AddIncidentCommunicationInput!) { addIncidentCommunication(input: $in) { communication { message } } }`
)

type textView struct {
	OpenedBy       *string `json:"openedBy"`
	AssigneeID     *string `json:"assigneeId"`
	MajorManagerID *string `json:"majorManagerId"`
	Assignee       *named  `json:"assignee"`
	History        []struct {
		Field             string  `json:"field"`
		From              *string `json:"from"`
		To                string  `json:"to"`
		Actor             *string `json:"actor"`
		Comment           *string `json:"comment"`
		CommentVisibility string  `json:"commentVisibility"`
	} `json:"history"`
	Escalations []struct {
		FromAssigneeID   *string `json:"fromAssigneeId"`
		ToAssigneeID     *string `json:"toAssigneeId"`
		Actor            *string `json:"actor"`
		Reason           *string `json:"reason"`
		ReasonVisibility string  `json:"reasonVisibility"`
	} `json:"escalations"`
	Communications []struct {
		Audience   string  `json:"audience"`
		Channel    string  `json:"channel"`
		Message    string  `json:"message"`
		Actor      *string `json:"actor"`
		Visibility string  `json:"visibility"`
	} `json:"communications"`
	Timeline []struct {
		Kind   string  `json:"kind"`
		Body   string  `json:"body"`
		Author *string `json:"author"`
	} `json:"timeline"`
}

// shown renders an optional value, null as "-".
func shown(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

// tagged adds the visibility to a rendered line, when it was read.
func tagged(line, visibility string) string {
	if visibility == "" {
		return line
	}
	return line + " [" + visibility + "]"
}

// history renders each entry as "FIELD from>to by actor: comment [visibility]".
func (v textView) history() []string {
	out := []string{}
	for _, h := range v.History {
		line := h.Field + " " + shown(h.From) + ">" + h.To + " by " + shown(h.Actor) + ": " + shown(h.Comment)
		out = append(out, tagged(line, h.CommentVisibility))
	}
	return out
}

// escalations renders each as "from>to by actor: reason [visibility]".
func (v textView) escalations() []string {
	out := []string{}
	for _, e := range v.Escalations {
		line := shown(e.FromAssigneeID) + ">" + shown(e.ToAssigneeID) + " by " + shown(e.Actor) + ": " + shown(e.Reason)
		out = append(out, tagged(line, e.ReasonVisibility))
	}
	return out
}

// communications renders each as "audience/channel by actor: message [visibility]".
func (v textView) communications() []string {
	out := []string{}
	for _, c := range v.Communications {
		line := c.Audience + "/" + c.Channel + " by " + shown(c.Actor) + ": " + c.Message
		out = append(out, tagged(line, c.Visibility))
	}
	return out
}

// timeline renders each entry as "KIND by author: body".
func (v textView) timeline() []string {
	out := []string{}
	for _, e := range v.Timeline {
		out = append(out, e.Kind+" by "+shown(e.Author)+": "+e.Body)
	}
	return out
}

// readText reads the incident's texts as token, returning the raw data too.
func (e *env) readText(t testing.TB, token, query, field, id string) (textView, string) {
	t.Helper()
	r := e.gql(t, token, query, map[string]any{"id": id})
	var out map[string]textView
	if len(r.Errors) > 0 || json.Unmarshal(r.Data, &out) != nil {
		t.Fatalf("reading incident %s: errors %v\nbody: %s", id, r.codes(), truncate(r.Body))
	}
	return out[field], string(r.Data)
}

// noLeaks fails for each of secrets that data contains.
func noLeaks(t testing.TB, who, data string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(data, s) {
			t.Errorf("%s reads %q: %s", who, s, data)
		}
	}
}

// TestRequesterReadsOnlyCustomerVisibleText: every free text on an
// incident is internal unless its writer marked it customer-visible (a
// comment is; a work note is not), and the caller reads only the
// customer-visible ones, and no agent's user id, however the incident is
// reached; staff read everything, with who may read it.
func TestRequesterReadsOnlyCustomerVisibleText(t *testing.T) {
	e, _, team, clock := newIncidentEnv(t, app.Limits{}, t0)
	network := e.createGroup(t, "Network")
	netUser := e.createUser(t, map[string]any{"username": "net-agent", "displayName": "Net Agent", "roles": []string{"AGENT"}, "groupIds": []string{network}})
	netAgent := e.mint(t, netUser.ID, auth.Agent)
	const secret = "INTERNAL-ONLY"

	// An agent logs the caller's phone call and works it, writing text
	// everywhere a text is taken without marking any of it for the caller.
	inc, _ := e.createIncident(t, team.agent, map[string]any{"shortDescription": "checkout fails", "callerId": subjCaller,
		"channel": "PHONE", "impact": "HIGH", "urgency": "HIGH"})
	cur := e.incidentWrite(t, team.agent, reassignIncidentMutation, "reassignIncident", map[string]any{"id": inc.ID,
		"expectedVersion": inc.Version, "groupId": team.deskID, "assigneeId": team.agentID, "reason": secret + " reassign: vendor contract lapsed"})
	cur = e.transitionIncident(t, team.agent, cur, "IN_PROGRESS", map[string]any{"comment": secret + " transition: the DBA broke it"})
	cur = e.incidentWrite(t, team.agent, setMajorMutation, "setMajorIncident", map[string]any{"id": inc.ID,
		"expectedVersion": cur.Version, "major": true, "managerId": team.agentID, "reason": secret + " major: the CFO escalated"})
	e.ok(t, team.agent, communicationMutation, map[string]any{"in": map[string]any{"incidentId": inc.ID,
		"audience": "all staff", "channel": "email", "message": secret + " communication: bridge call at 10"}}, nil)
	e.ok(t, team.agent, addEntryMutation, map[string]any{"in": map[string]any{"incidentId": inc.ID, "kind": "WORK_NOTE", "body": secret + " note"}}, nil)
	e.ok(t, team.caller, addEntryMutation, map[string]any{"in": map[string]any{"incidentId": inc.ID, "kind": "COMMENT", "body": "It still fails for me"}}, nil)

	for _, q := range []struct{ query, field string }{{textQuery, "incident"}, {textNodeQuery, "node"}} {
		mine, data := e.readText(t, team.caller, q.query, q.field, inc.ID)
		noLeaks(t, "the caller ("+q.field+")", data, secret, team.agentID)
		if mine.OpenedBy != nil || mine.AssigneeID != nil || mine.MajorManagerID != nil || mine.Assignee != nil {
			t.Errorf("the caller (%s) reads the agent: %s", q.field, data)
		}
	}
	list := e.gql(t, team.caller, `query { incidents(first: 10) { edges { node { id`+textFields+` } } } }`, nil)
	if len(list.Errors) > 0 || !strings.Contains(string(list.Data), inc.ID) {
		t.Fatalf("the caller lists: %s", truncate(list.Body))
	}
	noLeaks(t, "the caller (incidents)", string(list.Data), secret, team.agentID)
	if t.Failed() {
		t.FailNow()
	}

	// Text marked for the caller reaches them; the stand-down and the
	// reassignment to the network team are explained to them.
	clock.Advance(10 * time.Minute)
	cur = e.transitionIncident(t, team.agent, cur, "ON_HOLD", map[string]any{"holdReason": "AWAITING_CALLER",
		"comment": "Please restart your browser and tell us", "commentVisibility": "CUSTOMER_VISIBLE"})
	e.ok(t, team.agent, addEntryMutation, map[string]any{"in": map[string]any{"incidentId": inc.ID, "kind": "COMMENT", "body": "We are on it"}}, nil)
	e.ok(t, team.agent, communicationMutation, map[string]any{"in": map[string]any{"incidentId": inc.ID, "audience": "affected customers",
		"channel": "status page", "message": "Checkout is degraded; next update at 11:00", "visibility": "CUSTOMER_VISIBLE"}}, nil)
	cur = e.incidentWrite(t, team.agent, reassignIncidentMutation, "reassignIncident", map[string]any{"id": inc.ID,
		"expectedVersion": cur.Version, "groupId": network, "reason": "Passed to our network team", "reasonVisibility": "CUSTOMER_VISIBLE"})
	// The incident is the network team's now: the desk agent no longer
	// reads it, nor writes it.
	cur = e.incidentWrite(t, netAgent, setMajorMutation, "setMajorIncident", map[string]any{"id": inc.ID,
		"expectedVersion": cur.Version, "major": false, "reason": "The outage is contained", "reasonVisibility": "CUSTOMER_VISIBLE"})
	cur = e.transitionIncident(t, netAgent, cur, "RESOLVED", map[string]any{"resolutionCode": "FIXED",
		"resolutionNotes": "Restarted the payment gateway", "comment": secret + " resolve: gateway leaked memory again"})
	// The caller's own text is for the service desk to read with them: it
	// cannot be made internal.
	e.fail(t, team.caller, transitionIncidentMutation, map[string]any{"in": map[string]any{"id": inc.ID, "expectedVersion": cur.Version,
		"to": "IN_PROGRESS", "comment": "Still broken", "commentVisibility": "INTERNAL"}}, "FORBIDDEN")
	e.transitionIncident(t, team.caller, cur, "IN_PROGRESS", map[string]any{"comment": "Still broken"})

	mine, data := e.readText(t, team.caller, textQuery, "incident", inc.ID)
	noLeaks(t, "the caller", data, secret, team.agentID)
	wantHistory := []string{
		"STATE ->NEW by -: -",
		"STATE NEW>ASSIGNED by -: -",
		"STATE ASSIGNED>IN_PROGRESS by -: -",
		"MAJOR NO>YES by -: -",
		"STATE IN_PROGRESS>ON_HOLD by -: Please restart your browser and tell us",
		"MAJOR YES>NO by -: The outage is contained",
		"STATE ON_HOLD>RESOLVED by -: -",
		"STATE RESOLVED>IN_PROGRESS by " + subjCaller + ": Still broken",
	}
	if got := mine.history(); !slices.Equal(got, wantHistory) {
		t.Errorf("the caller's history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantHistory, "\n"))
	}
	if got, want := mine.escalations(), []string{"->- by -: -", "->- by -: Passed to our network team"}; !slices.Equal(got, want) {
		t.Errorf("the caller's escalations %q, want %q", got, want)
	}
	if got, want := mine.communications(), []string{"affected customers/status page by -: Checkout is degraded; next update at 11:00"}; !slices.Equal(got, want) {
		t.Errorf("the caller's communications %q, want %q", got, want)
	}
	if got, want := mine.timeline(), []string{"COMMENT by " + subjCaller + ": It still fails for me", "COMMENT by -: We are on it"}; !slices.Equal(got, want) {
		t.Errorf("the caller's timeline %q, want %q", got, want)
	}
	if mine.OpenedBy != nil {
		t.Errorf("the caller reads who logged it: %s", *mine.OpenedBy)
	}

	// Staff (an agent of the group now working it) read everything, and
	// who may read each text.
	staff, data := e.readText(t, netAgent, staffTextQuery, "incident", inc.ID)
	agent, net := team.agentID, netUser.ID
	wantHistory = []string{
		"STATE ->NEW by " + agent + ": - [INTERNAL]",
		"STATE NEW>ASSIGNED by " + agent + ": " + secret + " reassign: vendor contract lapsed [INTERNAL]",
		"ASSIGNMENT_GROUP ->" + team.deskID + " by " + agent + ": - [INTERNAL]",
		"STATE ASSIGNED>IN_PROGRESS by " + agent + ": " + secret + " transition: the DBA broke it [INTERNAL]",
		"MAJOR NO>YES:" + agent + " by " + agent + ": " + secret + " major: the CFO escalated [INTERNAL]",
		"STATE IN_PROGRESS>ON_HOLD by " + agent + ": Please restart your browser and tell us [CUSTOMER_VISIBLE]",
		"ASSIGNMENT_GROUP " + team.deskID + ">" + network + " by " + agent + ": - [INTERNAL]",
		"MAJOR YES:" + agent + ">NO by " + net + ": The outage is contained [CUSTOMER_VISIBLE]",
		"STATE ON_HOLD>RESOLVED by " + net + ": " + secret + " resolve: gateway leaked memory again [INTERNAL]",
		"STATE RESOLVED>IN_PROGRESS by " + subjCaller + ": Still broken [CUSTOMER_VISIBLE]",
	}
	if got := staff.history(); !slices.Equal(got, wantHistory) {
		t.Errorf("the agent's history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantHistory, "\n"))
	}
	if got, want := staff.escalations(), []string{
		"->- by " + agent + ": " + secret + " reassign: vendor contract lapsed [INTERNAL]",
		"->- by " + agent + ": Passed to our network team [CUSTOMER_VISIBLE]",
	}; !slices.Equal(got, want) {
		t.Errorf("the agent's escalations %q, want %q", got, want)
	}
	if got, want := staff.communications(), []string{
		"all staff/email by " + agent + ": " + secret + " communication: bridge call at 10 [INTERNAL]",
		"affected customers/status page by " + agent + ": Checkout is degraded; next update at 11:00 [CUSTOMER_VISIBLE]",
	}; !slices.Equal(got, want) {
		t.Errorf("the agent's communications %q, want %q", got, want)
	}
	if got, want := staff.timeline(), []string{
		"WORK_NOTE by " + agent + ": " + secret + " note",
		"COMMENT by " + subjCaller + ": It still fails for me",
		"COMMENT by " + agent + ": We are on it",
	}; !slices.Equal(got, want) {
		t.Errorf("the agent's timeline %q, want %q", got, want)
	}
	full, _ := e.readText(t, netAgent, textQuery, "incident", inc.ID)
	if deref(full.OpenedBy) != agent || len(full.Escalations) != 2 || deref(full.Escalations[0].ToAssigneeID) != agent {
		t.Errorf("the agent reads %+v", full)
	}
	if !strings.Contains(data, secret) {
		t.Errorf("the agent misses internal text: %s", data)
	}
}
