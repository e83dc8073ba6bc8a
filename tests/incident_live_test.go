package tests

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
)

// liveEvent is one subscription message's data, whatever the field.
type liveEvent struct {
	Payload json.RawMessage `json:"-"`
	Data    map[string]struct {
		ID       string `json:"id"`
		State    string `json:"state"`
		Version  int    `json:"version"`
		Kind     string `json:"kind"`
		Metric   string `json:"metric"`
		TicketID string `json:"ticketId"`
		Incident *named `json:"incident"`
		Request  *named `json:"request"`
		SLA      *named `json:"sla"`
	} `json:"data"`
}

// runBackground runs the server's periodic work with the periods of b
// until the test ends.
func (e *env) runBackground(t *testing.T, b app.Background) {
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		e.api.Run(ctx, b)
	}()
	t.Cleanup(func() { stop(); wg.Wait() })
}

// nextEvent returns the next message of subscription id on c, skipping
// other subscriptions' messages; false when none arrives within wait.
func nextEvent(t *testing.T, c *wsClient, id, field string, wait time.Duration) (liveEvent, bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		m, ok := c.tryNext(t, time.Until(deadline))
		if !ok {
			return liveEvent{}, false
		}
		if m.Type != "next" {
			t.Fatalf("subscription %s: got %s %s", m.ID, m.Type, m.Payload)
		}
		if m.ID != id {
			continue
		}
		var ev liveEvent
		if err := json.Unmarshal(m.Payload, &ev); err != nil {
			t.Fatalf("payload %s: %v", m.Payload, err)
		}
		if _, ok := ev.Data[field]; !ok {
			t.Fatalf("subscription %s delivered %s", id, m.Payload)
		}
		ev.Payload = m.Payload
		return ev, true
	}
}

// awaitLive writes work notes on incident id as token until subscription
// sub on c delivers one: subscriptions start asynchronously, and this
// proves that one has.
func (e *env) awaitLive(t *testing.T, c *wsClient, sub, token, id string) {
	t.Helper()
	for i := 0; i < 40; i++ {
		e.ok(t, token, addEntryMutation, map[string]any{"in": map[string]any{"incidentId": id, "kind": "WORK_NOTE", "body": "watching"}}, nil)
		if _, ok := nextEvent(t, c, sub, "incidentChanged", 250*time.Millisecond); ok {
			return
		}
	}
	t.Fatalf("subscription %s never delivered", sub)
}

// TestIncidentChangedSubscription: incidentChanged follows one incident or
// one assignment group, and delivers only incidents the subscriber may
// read.
func TestIncidentChangedSubscription(t *testing.T) {
	e, w, team, _ := newIncidentEnv(t, app.Limits{CORSOrigins: []string{okOrigin}}, t0)
	inc, _ := e.createIncident(t, team.monitor, alert(w, t, "sub-1", ""))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	connect := func(token, id, query string, vars map[string]any) *wsClient {
		c := e.connectWS(t, ctx, okOrigin, map[string]any{"Authorization": "Bearer " + token})
		c.expectAck(t)
		c.subscribe(t, id, query, vars)
		return c
	}
	const byID = `subscription($id: ID) { incidentChanged(id: $id) { id state version } }`
	one := connect(team.agent, "1", byID, map[string]any{"id": inc.ID})
	desk := connect(team.agent, "2", `subscription($g: ID) { incidentChanged(assignmentGroupId: $g) { id state version } }`, map[string]any{"g": team.deskID})
	caller := connect(team.caller, "3", byID, nil)
	stranger := connect(team.other, "4", byID, nil)

	e.awaitLive(t, one, "1", team.agent, inc.ID)
	cur := e.incidentWrite(t, team.agent, reassignIncidentMutation, "reassignIncident", map[string]any{
		"id": inc.ID, "expectedVersion": inc.Version, "groupId": team.deskID, "reason": "triage"})
	for _, c := range []struct {
		ws *wsClient
		id string
	}{{one, "1"}, {desk, "2"}, {caller, "3"}} {
		for {
			ev, ok := nextEvent(t, c.ws, c.id, "incidentChanged", 10*time.Second)
			if !ok {
				t.Fatalf("subscription %s: no ASSIGNED event", c.id)
			}
			if d := ev.Data["incidentChanged"]; d.State == "ASSIGNED" {
				if d.ID != inc.ID || d.Version != cur.Version {
					t.Fatalf("subscription %s: %s", c.id, ev.Payload)
				}
				break
			}
		}
	}
	// Someone else's incident never reaches a requester.
	if ev, ok := nextEvent(t, stranger, "4", "incidentChanged", 300*time.Millisecond); ok {
		t.Fatalf("stranger heard %s", ev.Payload)
	}
	// Nor does another group's traffic reach the desk's subscription.
	other, _ := e.createIncident(t, team.other, map[string]any{"shortDescription": "mouse broken", "impact": "LOW", "urgency": "LOW"})
	if ev, ok := nextEvent(t, stranger, "4", "incidentChanged", 10*time.Second); !ok || ev.Data["incidentChanged"].ID != other.ID {
		t.Fatalf("the stranger's own incident: %v %s", ok, ev.Payload)
	}
	if ev, ok := nextEvent(t, desk, "2", "incidentChanged", 300*time.Millisecond); ok {
		t.Fatalf("desk heard %s", ev.Payload)
	}
}

// TestBackgroundSLAEvaluationAndAutoClose: the app's periodic work records
// warnings and breaches as the clock passes them, publishes each once on
// slaEvents, and closes a resolved incident once its confirmation period
// has run out.
func TestBackgroundSLAEvaluationAndAutoClose(t *testing.T) {
	e, w, team, clock := newIncidentEnv(t, app.Limits{CORSOrigins: []string{okOrigin}}, t0)
	gold := e.createSLA(t, w.owner, goldSLA(w, t))
	inc, _ := e.createIncident(t, team.monitor, alert(w, t, "bg-1", ""))

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ws := e.connectWS(t, ctx, okOrigin, map[string]any{"Authorization": "Bearer " + e.analyst})
	ws.expectAck(t)
	ws.subscribe(t, "1", `subscription($id: ID) { slaEvents(slaId: $id) { kind metric ticketId incident { id } sla { id name } } }`, map[string]any{"id": gold})
	ws.subscribe(t, "2", `subscription($id: ID) { incidentChanged(id: $id) { id state version } }`, map[string]any{"id": inc.ID})
	// Both subscriptions are live once the second one delivers.
	e.awaitLive(t, ws, "2", team.agent, inc.ID)

	e.runBackground(t, app.Background{EvaluateSLAs: 20 * time.Millisecond, AutoClose: 20 * time.Millisecond})

	// Two hours and a minute later nobody has responded: the response
	// clock warned (at 1h30m) and breached (at 2h).
	clock.Advance(2*time.Hour + time.Minute)
	var kinds []string
	for len(kinds) < 2 {
		ev, ok := nextEvent(t, ws, "1", "slaEvents", 10*time.Second)
		if !ok {
			t.Fatalf("SLA events so far: %v", kinds)
		}
		d := ev.Data["slaEvents"]
		if d.TicketID != inc.ID || d.Incident == nil || d.Incident.ID != inc.ID || d.SLA == nil || d.SLA.Name != "Retail gold" {
			t.Fatalf("event %s", ev.Payload)
		}
		kinds = append(kinds, d.Metric+":"+d.Kind)
	}
	slices.Sort(kinds)
	if !slices.Equal(kinds, []string{"RESPONSE:BREACH", "RESPONSE:WARNING"}) {
		t.Fatalf("events %v", kinds)
	}
	// Further rounds find nothing new.
	if ev, ok := nextEvent(t, ws, "1", "slaEvents", 300*time.Millisecond); ok {
		t.Fatalf("again: %s", ev.Payload)
	}
	// What was heard stays readable: in the log, filtered, and on the
	// incident (for staff; the caller reads no SLAs).
	var logged struct {
		All struct {
			TotalCount int `json:"totalCount"`
			Edges      []struct {
				Node struct {
					Kind     string `json:"kind"`
					TicketID string `json:"ticketId"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"all"`
		Breaches struct {
			TotalCount int `json:"totalCount"`
		} `json:"breaches"`
		Later struct {
			TotalCount int `json:"totalCount"`
		} `json:"later"`
		Oldest struct {
			Edges []struct {
				Node struct {
					Kind string `json:"kind"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"oldest"`
	}
	e.ok(t, e.analyst, `query($sla: ID!, $after: DateTime!) { all: slaEventLog(filter: {slaId: $sla}) { totalCount edges { node { kind ticketId } } }
  breaches: slaEventLog(filter: {slaId: $sla, kinds: [BREACH], metrics: [RESPONSE]}) { totalCount }
  later: slaEventLog(filter: {from: $after}) { totalCount }
  oldest: slaEventLog(filter: {slaId: $sla}, orderBy: {field: CREATED_AT, direction: ASC}) { edges { node { kind } } } }`, map[string]any{"sla": gold, "after": t0.Add(3 * time.Hour)}, &logged)
	if logged.All.TotalCount != 2 || logged.All.Edges[0].Node.Kind != "BREACH" || logged.All.Edges[0].Node.TicketID != inc.ID ||
		logged.Breaches.TotalCount != 1 || logged.Later.TotalCount != 0 ||
		len(logged.Oldest.Edges) != 2 || logged.Oldest.Edges[0].Node.Kind != "WARNING" || logged.Oldest.Edges[1].Node.Kind != "BREACH" {
		t.Fatalf("event log: %+v", logged)
	}
	e.fail(t, e.analyst, `{ slaEventLog(orderBy: {field: UPDATED_AT}) { totalCount } }`, nil, "BAD_USER_INPUT")
	e.fail(t, team.agent, `{ slaEventLog { totalCount } }`, nil, "FORBIDDEN")
	readEvents := func(token string) []string {
		var out struct {
			Incident struct {
				SLAEvents []struct {
					Kind string `json:"kind"`
				} `json:"slaEvents"`
			} `json:"incident"`
		}
		e.ok(t, token, `query($id: ID!) { incident(id: $id) { slaEvents { kind } } }`, map[string]any{"id": inc.ID}, &out)
		var kinds []string
		for _, ev := range out.Incident.SLAEvents {
			kinds = append(kinds, ev.Kind)
		}
		return kinds
	}
	if got := readEvents(team.agent); !slices.Equal(got, []string{"WARNING", "BREACH"}) {
		t.Fatalf("the incident's events for its agent: %v", got)
	}
	if got := readEvents(team.caller); len(got) != 0 {
		t.Fatalf("the caller read SLA events: %v", got)
	}
	cur := e.readIncident(t, team.agent, inc.ID)
	if !slices.Equal(cur.clocks(gold), []string{"RESPONSE:BREACHED", "RESOLUTION:RUNNING"}) {
		t.Fatalf("clocks %v", cur.clocks(gold))
	}

	// Resolved and never confirmed: closed by the system after the
	// auto-close period (the default 120h).
	e.transitionIncident(t, team.agent, cur, "RESOLVED", map[string]any{"resolutionCode": "WORKAROUND", "resolutionNotes": "failed over"})
	clock.Advance(121 * time.Hour)
	for {
		ev, ok := nextEvent(t, ws, "2", "incidentChanged", 10*time.Second)
		if !ok {
			t.Fatal("never closed")
		}
		if ev.Data["incidentChanged"].State == "CLOSED" {
			break
		}
	}
	closed := e.readIncident(t, team.caller, inc.ID)
	last := closed.History[len(closed.History)-1]
	if closed.State != "CLOSED" || last.Actor != "system" || deref(last.From) != "RESOLVED" {
		t.Fatalf("closed: %s, last history %+v", closed.State, last)
	}
}
