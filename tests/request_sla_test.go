package tests

import (
	"context"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
)

const requestClocksQuery = `
query($id: ID!) { serviceRequest(id: $id) { slaClocks { sla { id } metric priority targetMinutes status warning breached } } }`

type requestClock struct {
	SLA           *named  `json:"sla"`
	Metric        string  `json:"metric"`
	Priority      *string `json:"priority"`
	TargetMinutes int     `json:"targetMinutes"`
	Status        string  `json:"status"`
	Warning       bool    `json:"warning"`
	Breached      bool    `json:"breached"`
}

func (rt *requestTeam) clocks(t testing.TB, token, id string) []requestClock {
	t.Helper()
	var out struct {
		ServiceRequest struct {
			SLAClocks []requestClock `json:"slaClocks"`
		} `json:"serviceRequest"`
	}
	rt.e.ok(t, token, requestClocksQuery, map[string]any{"id": id}, &out)
	return out.ServiceRequest.SLAClocks
}

// TestRequestFulfilmentClock: an SLA covering an item's service runs a
// FULFILMENT clock on each approved request against the item's target;
// the background evaluator warns and breaches it once, on slaEvents with
// the request; the SLA report counts requests with incidents and gives
// their mean time to fulfil.
func TestRequestFulfilmentClock(t *testing.T) {
	clock := &settableClock{at: time.Now().UTC().Truncate(time.Second)}
	start, advance := clock.now(), clock.advance
	e := newEnvAt(t, app.Limits{CORSOrigins: []string{okOrigin}}, clock.now)
	rt := setUpRequestTeam(t, e)
	var bu struct {
		CreateBusinessUnit struct {
			BusinessUnit named `json:"businessUnit"`
		} `json:"createBusinessUnit"`
	}
	e.ok(t, e.admin, `mutation { createBusinessUnit(input: {name: "Head office"}) { businessUnit { id name } } }`, nil, &bu)
	targets := []map[string]any{}
	for _, p := range []string{"P1", "P2", "P3", "P4", "P5"} {
		targets = append(targets, map[string]any{"priority": p, "responseMinutes": 60, "resolutionMinutes": 480})
	}
	slaID := e.createSLA(t, rt.owner, map[string]any{"terms": map[string]any{
		"name": "Workplace basic", "customerId": bu.CreateBusinessUnit.BusinessUnit.ID, "serviceIds": []string{rt.serviceID},
		"targets": targets, "availability": 99, "schedule": map[string]any{"kind": "ALWAYS"},
		"warningThreshold": 0.5, "reviewPeriod": "YEARLY", "reviewStart": "2026-01-01T09:00:00Z",
	}})

	// VPN access needs no approval: its 8-hour clock starts at once.
	late := rt.submit(t, rt.rita, map[string]any{"itemId": rt.vpn})
	got := rt.clocks(t, rt.rita, late.ID)
	if len(got) != 1 || got[0].Metric != "FULFILMENT" || got[0].Priority != nil || got[0].TargetMinutes != 480 ||
		got[0].Status != "RUNNING" || got[0].SLA != nil {
		t.Fatalf("the requester's clocks: %+v", got)
	}
	if got := rt.clocks(t, rt.dan, late.ID); len(got) != 1 || got[0].SLA == nil || got[0].SLA.ID != slaID {
		t.Fatalf("the desk's clocks: %+v", got)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ws := e.connectWS(t, ctx, okOrigin, map[string]any{"Authorization": "Bearer " + e.analyst})
	ws.expectAck(t)
	ws.subscribe(t, "1", `subscription($id: ID) { slaEvents(slaId: $id) { kind metric ticketId incident { id } request { id } sla { id name } } }`,
		map[string]any{"id": slaID})
	ws.subscribe(t, "2", `subscription($id: ID) { requestChanged(id: $id) { id state version } }`, map[string]any{"id": late.ID})
	// Both subscriptions are live once the second one delivers.
	live := false
	for i := 0; i < 40 && !live; i++ {
		late = rt.read(t, rt.dan, late.ID)
		rt.write(t, rt.dan, updateTaskMutation, "updateRequestTask", map[string]any{"taskId": late.Tasks[0].ID, "expectedVersion": late.Version, "note": "on it"})
		_, live = nextEvent(t, ws, "2", "requestChanged", 250*time.Millisecond)
	}
	if !live {
		t.Fatal("requestChanged never delivered")
	}

	e.runBackground(t, app.Background{EvaluateSLAs: 20 * time.Millisecond, AutoClose: time.Hour})

	// Eight hours and a minute later the task is still open: the clock
	// warned (at 4h) and breached (at 8h).
	advance(8*time.Hour + time.Minute)
	var kinds []string
	for len(kinds) < 2 {
		ev, ok := nextEvent(t, ws, "1", "slaEvents", 10*time.Second)
		if !ok {
			t.Fatalf("SLA events so far: %v", kinds)
		}
		d := ev.Data["slaEvents"]
		if d.TicketID != late.ID || d.Request == nil || d.Request.ID != late.ID || d.Incident != nil || d.SLA == nil || d.SLA.ID != slaID {
			t.Fatalf("event %s", ev.Payload)
		}
		kinds = append(kinds, d.Metric+":"+d.Kind)
	}
	if kinds[0] > kinds[1] {
		kinds[0], kinds[1] = kinds[1], kinds[0]
	}
	if kinds[0] != "FULFILMENT:BREACH" || kinds[1] != "FULFILMENT:WARNING" {
		t.Fatalf("events %v", kinds)
	}
	late = rt.read(t, rt.dan, late.ID)
	rt.write(t, rt.dan, updateTaskMutation, "updateRequestTask", map[string]any{"taskId": late.Tasks[0].ID, "expectedVersion": late.Version, "state": "DONE"})
	if got := rt.clocks(t, rt.rita, late.ID); len(got) != 1 || got[0].Status != "BREACHED" || !got[0].Breached || !got[0].Warning {
		t.Fatalf("fulfilled late: %+v", got)
	}

	// A second order done within the hour meets its target and warns of
	// nothing.
	quick := rt.submit(t, rt.rita, map[string]any{"itemId": rt.vpn})
	advance(time.Hour)
	quick = rt.write(t, rt.dan, updateTaskMutation, "updateRequestTask", map[string]any{"taskId": quick.Tasks[0].ID, "expectedVersion": quick.Version, "state": "DONE"})
	if got := rt.clocks(t, rt.rita, quick.ID); quick.State != "FULFILLED" || len(got) != 1 || got[0].Status != "MET" || got[0].Warning {
		t.Fatalf("fulfilled in time (%s): %+v", quick.State, got)
	}
	if ev, ok := nextEvent(t, ws, "1", "slaEvents", 300*time.Millisecond); ok {
		t.Fatalf("again: %s", ev.Payload)
	}

	var rep struct {
		SLAReport struct {
			Tickets                  int     `json:"tickets"`
			Met                      int     `json:"met"`
			Breached                 int     `json:"breached"`
			Compliance               float64 `json:"compliance"`
			MeanTimeToResolveSeconds int     `json:"meanTimeToResolveSeconds"`
			MeanTimeToFulfilSeconds  int     `json:"meanTimeToFulfilSeconds"`
		} `json:"slaReport"`
	}
	e.ok(t, e.analyst, `query($id: ID!, $from: DateTime!, $to: DateTime!) { slaReport(slaId: $id, from: $from, to: $to) {
  tickets met breached compliance meanTimeToResolveSeconds meanTimeToFulfilSeconds } }`,
		map[string]any{"id": slaID, "from": start.Add(-time.Hour), "to": clock.now().Add(time.Hour)}, &rep)
	r := rep.SLAReport
	want := int(((8*time.Hour + time.Minute) + time.Hour) / 2 / time.Second)
	if r.Tickets != 2 || r.Met != 1 || r.Breached != 1 || r.Compliance != 50 || r.MeanTimeToResolveSeconds != 0 || r.MeanTimeToFulfilSeconds != want {
		t.Fatalf("report %+v, want a mean time to fulfil of %ds", r, want)
	}
}
