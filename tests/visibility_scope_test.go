package tests

import (
	"context"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
)

// TestSLAEventsFollowIncidentScope: the objects inside subscription events
// pass the same rules: an AGENT hears the SLA events of the incidents they
// may read, not those of another group's incident (whose id, priority and
// breach the event would tell); a reading role hears both.
func TestSLAEventsFollowIncidentScope(t *testing.T) {
	e, w, team, clock := newIncidentEnv(t, app.Limits{CORSOrigins: []string{okOrigin}}, t0)
	gold := e.createSLA(t, w.owner, goldSLA(w, t))
	network := e.createGroup(t, "Network")
	logged := func(group string) incidentData {
		inc, _ := e.createIncident(t, team.monitor, map[string]any{"shortDescription": "Shop down", "impact": "HIGH", "urgency": "MEDIUM",
			"callerId": subjCaller, "serviceIds": []string{w.id(t, "Shop")}, "assignmentGroupId": group})
		return inc
	}
	mine, theirs := logged(team.deskID), logged(network)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const events = `subscription($id: ID) { slaEvents(slaId: $id) { kind metric ticketId incident { id } sla { id } } }`
	listen := func(token string) *wsClient {
		c := e.connectWS(t, ctx, okOrigin, map[string]any{"Authorization": "Bearer " + token})
		c.expectAck(t)
		c.subscribe(t, "1", events, map[string]any{"id": gold})
		c.subscribe(t, "2", `subscription($id: ID) { incidentChanged(id: $id) { id state version } }`, map[string]any{"id": mine.ID})
		e.awaitLive(t, c, "2", team.agent, mine.ID)
		return c
	}
	agent, analyst := listen(team.agent), listen(e.analyst)

	e.runBackground(t, app.Background{EvaluateSLAs: 20 * time.Millisecond, AutoClose: time.Hour})

	// Past 8h: the response and resolution clocks of both (P2: 2h and 8h;
	// being logged with a group is no response) warned and breached.
	clock.Advance(8*time.Hour + time.Minute)
	heard := func(c *wsClient, want int, wait time.Duration) []string {
		var tickets []string
		for len(tickets) < want {
			ev, ok := nextEvent(t, c, "1", "slaEvents", wait)
			if !ok {
				break
			}
			d := ev.Data["slaEvents"]
			tickets = append(tickets, d.TicketID)
			if d.Incident == nil || d.Incident.ID != d.TicketID {
				t.Errorf("event on %s shows incident %v", d.TicketID, d.Incident)
			}
		}
		sort.Strings(tickets)
		return tickets
	}
	all := heard(analyst, 8, 10*time.Second)
	if want := sortedStrings(mine.ID, mine.ID, mine.ID, mine.ID, theirs.ID, theirs.ID, theirs.ID, theirs.ID); !slices.Equal(all, want) {
		t.Fatalf("the ANALYST heard %v, want warning and breach of both %v", all, want)
	}
	if got := heard(agent, 8, 2*time.Second); !slices.Equal(got, []string{mine.ID, mine.ID, mine.ID, mine.ID}) {
		t.Errorf("the AGENT heard events on %v; they may read only %s (not %s)", got, mine.ID, theirs.ID)
	}
}

// TestOwnAccountStaysVisible: the rules that hide users and groups from
// requesters leave them their own account and groups, however reached:
// through me, through the login that answers with the account, and as the
// caller of their own incident.
func TestOwnAccountStaysVisible(t *testing.T) {
	e := newEnv(t, app.Limits{})
	group := e.createGroup(t, "Retail staff")
	rita := e.createUser(t, map[string]any{"username": "rita", "displayName": "Rita", "roles": []string{"REQUESTER"},
		"password": "correct-horse-battery", "groupIds": []string{group}})
	type account struct {
		ID     string  `json:"id"`
		Groups []named `json:"groups"`
	}
	var login struct {
		Login struct {
			Token string  `json:"token"`
			User  account `json:"user"`
		} `json:"login"`
	}
	e.ok(t, "", `mutation { login(input: {username: "rita", password: "correct-horse-battery"}) { token user { id groups { id name } } } }`, nil, &login)
	if u := login.Login.User; u.ID != rita.ID || len(u.Groups) != 1 || u.Groups[0].ID != group {
		t.Errorf("login answers %+v", u)
	}
	token := login.Login.Token
	var me struct {
		Me struct {
			User *account `json:"user"`
		} `json:"me"`
	}
	e.ok(t, token, `{ me { user { id groups { id name } } } }`, nil, &me)
	if u := me.Me.User; u == nil || u.ID != rita.ID || len(u.Groups) != 1 || u.Groups[0].ID != group {
		t.Errorf("me.user = %+v", u)
	}
	inc, _ := e.createIncident(t, token, map[string]any{"shortDescription": "laptop slow", "impact": "LOW", "urgency": "LOW"})
	var mine struct {
		Incident struct {
			Caller *account `json:"caller"`
		} `json:"incident"`
	}
	e.ok(t, token, `query($id: ID!) { incident(id: $id) { caller { id groups { id } } } }`, map[string]any{"id": inc.ID}, &mine)
	if c := mine.Incident.Caller; c == nil || c.ID != rita.ID || len(c.Groups) != 1 {
		t.Errorf("the caller of their own incident: %+v", c)
	}
	// Other accounts and groups stay staff-only.
	e.fail(t, token, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": group}, "FORBIDDEN")
	e.fail(t, token, `{ me { user { groups { members { id } } } } }`, nil, "FORBIDDEN")
}
