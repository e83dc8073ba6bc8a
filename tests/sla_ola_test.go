package tests

import (
	"slices"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
)

const createOLAMutation = `mutation($in: CreateOLAInput!) { createOLA(input: $in) { ola { id name kind group { id } version } } }`

// olaTerms returns createOLA input binding group to P2 incidents on Shop
// for the given hours, around the clock.
func olaTerms(w *world, t testing.TB, name, kind, group string, p2Hours int) map[string]any {
	return map[string]any{"terms": map[string]any{"name": name, "kind": kind, "groupId": group, "serviceIds": w.idsOf(t, "Shop"),
		"targets": []map[string]any{{"priority": "P2", "minutes": 60 * p2Hours}}, "schedule": map[string]any{"kind": "ALWAYS"}}}
}

type olaClock struct {
	OLA           named   `json:"ola"`
	Priority      string  `json:"priority"`
	TargetMinutes *int    `json:"targetMinutes"`
	HeldSeconds   int     `json:"heldSeconds"`
	DueAt         *string `json:"dueAt"`
	Status        string  `json:"status"`
}

type olaReport struct {
	OLA             named   `json:"ola"`
	Tickets         int     `json:"tickets"`
	Met             int     `json:"met"`
	Breached        int     `json:"breached"`
	Compliance      float64 `json:"compliance"`
	MeanHeldSeconds int     `json:"meanHeldSeconds"`
}

// TestOLAsMeasureEachGroupsHold: the service desk hands an incident to the
// network team, which hands it to the carrier; each group's OLA or
// underpinning contract counts only the time that group held it, and the
// SLA report shows beside the SLA which group held it too long.
func TestOLAsMeasureEachGroupsHold(t *testing.T) {
	e, w, team, clock := newIncidentEnv(t, app.Limits{}, t0)
	gold := e.createSLA(t, w.owner, goldSLA(w, t))
	net := e.createGroup(t, "Network")
	var vendor struct {
		CreateGroup struct{ Group named } `json:"createGroup"`
	}
	e.ok(t, e.admin, `mutation { createGroup(input: {name: "Carrier", kind: VENDOR}) { group { id name } } }`, nil, &vendor)
	carrier := vendor.CreateGroup.Group.ID
	agentOf := func(name, group string) string {
		u := e.createUser(t, map[string]any{"username": name, "displayName": name, "roles": []string{"AGENT"}, "groupIds": []string{group}})
		return e.mint(t, u.ID, auth.Agent)
	}
	netAgent, carrierAgent := agentOf("net-agent", net), agentOf("carrier-agent", carrier)

	// Refusals write nothing.
	bad := func(mutate func(map[string]any)) map[string]any {
		in := olaTerms(w, t, "bad", "OLA", net, 2)
		mutate(in["terms"].(map[string]any))
		return map[string]any{"in": in}
	}
	for _, c := range []struct {
		name, token string
		vars        map[string]any
		code        string
	}{
		{"an agent may not agree OLAs", team.agent, map[string]any{"in": olaTerms(w, t, "x", "OLA", net, 2)}, "FORBIDDEN"},
		{"a contract binds a vendor", w.owner, bad(func(m map[string]any) { m["kind"] = "UNDERPINNING_CONTRACT" }), "BAD_USER_INPUT"},
		{"an OLA binds a team", w.owner, bad(func(m map[string]any) { m["groupId"] = carrier }), "BAD_USER_INPUT"},
		{"unknown group", w.owner, bad(func(m map[string]any) { m["groupId"] = "grp_missing" }), "NOT_FOUND"},
		{"unknown service", w.owner, bad(func(m map[string]any) { m["serviceIds"] = []string{"bs_missing"} }), "NOT_FOUND"},
		{"no target", w.owner, bad(func(m map[string]any) { m["targets"] = []any{} }), "BAD_USER_INPUT"},
		{"a target twice", w.owner, bad(func(m map[string]any) {
			m["targets"] = []map[string]any{{"priority": "P2", "minutes": 60}, {"priority": "P2", "minutes": 90}}
		}), "BAD_USER_INPUT"},
		{"a zero target", w.owner, bad(func(m map[string]any) { m["targets"] = []map[string]any{{"priority": "P2", "minutes": 0}} }), "BAD_USER_INPUT"},
	} {
		e.fail(t, c.token, createOLAMutation, c.vars, c.code)
	}
	var none struct {
		OLAs struct{ TotalCount int } `json:"olas"`
	}
	if e.ok(t, e.analyst, `{ olas { totalCount } }`, nil, &none); none.OLAs.TotalCount != 0 {
		t.Fatalf("refused OLAs were written: %d", none.OLAs.TotalCount)
	}

	var created struct {
		CreateOLA struct {
			OLA struct {
				ID, Name, Kind string
				Group          named
			} `json:"ola"`
		} `json:"createOLA"`
	}
	newOLA := func(name, kind, group string, hours int) string {
		e.ok(t, w.owner, createOLAMutation, map[string]any{"in": olaTerms(w, t, name, kind, group, hours)}, &created)
		if c := created.CreateOLA.OLA; c.Name != name || c.Kind != kind || c.Group.ID != group {
			t.Fatalf("created %+v", c)
		}
		return created.CreateOLA.OLA.ID
	}
	deskOLA := newOLA("Desk triage", "OLA", team.deskID, 1)
	netOLA := newOLA("Network fix", "OLA", net, 2)
	carrierUC := newOLA("Carrier contract", "UNDERPINNING_CONTRACT", carrier, 3)

	// 09:00 logged with the desk; 09:30 to the network team; 12:30 to the
	// carrier; 13:30 resolved.
	inc, _ := e.createIncident(t, team.agent, map[string]any{"shortDescription": "orders fail", "callerId": subjCaller,
		"configurationItemIds": w.idsOf(t, "orders-db"), "impact": "HIGH", "urgency": "MEDIUM", "assignmentGroupId": team.deskID})
	if inc.Priority != "P2" {
		t.Fatalf("priority %s", inc.Priority)
	}
	reassign := func(token string, to string, reason string) {
		cur := e.readIncident(t, token, inc.ID)
		e.incidentWrite(t, token, reassignIncidentMutation, "reassignIncident",
			map[string]any{"id": cur.ID, "expectedVersion": cur.Version, "groupId": to, "reason": reason})
	}
	clock.Advance(30 * time.Minute)
	reassign(team.agent, net, "link down")
	clock.Advance(3 * time.Hour)
	reassign(netAgent, carrier, "the carrier's circuit")
	clock.Advance(20 * time.Minute)

	clocks := func(token string) map[string]olaClock {
		var got struct {
			Incident struct {
				OLAClocks []olaClock `json:"olaClocks"`
			} `json:"incident"`
		}
		e.ok(t, token, `query($id: ID!) { incident(id: $id) { olaClocks { ola { id name } priority targetMinutes heldSeconds dueAt status } } }`,
			map[string]any{"id": inc.ID}, &got)
		out := map[string]olaClock{}
		for _, c := range got.Incident.OLAClocks {
			out[c.OLA.ID] = c
		}
		return out
	}
	now := clocks(carrierAgent)
	// The test clock also moves with real time: a second's slack.
	about := func(got, want int) bool { return got >= want-1 && got <= want+1 }
	if c := now[carrierUC]; c.Status != "RUNNING" || !about(c.HeldSeconds, 20*60) || c.DueAt == nil ||
		!about(int(mustTime(t, *c.DueAt).Sub(t0.Add(3*time.Hour+30*time.Minute+3*time.Hour))/time.Second), 0) {
		t.Fatalf("carrier while holding: %+v", c)
	}
	if c := now[netOLA]; c.Status != "BREACHED" || !about(c.HeldSeconds, 3*3600) || c.TargetMinutes == nil || *c.TargetMinutes != 120 {
		t.Fatalf("network: %+v", c)
	}
	if c := now[deskOLA]; c.Status != "MET" || !about(c.HeldSeconds, 30*60) {
		t.Fatalf("desk: %+v", c)
	}
	clock.Advance(40 * time.Minute)
	cur := e.transitionIncident(t, carrierAgent, e.readIncident(t, carrierAgent, inc.ID), "IN_PROGRESS", nil)
	cur = e.transitionIncident(t, carrierAgent, cur, "RESOLVED", map[string]any{"resolutionCode": "FIXED", "resolutionNotes": "circuit repaired"})
	var groups []string
	for _, h := range cur.History {
		if h.Field == "ASSIGNMENT_GROUP" {
			from := ""
			if h.From != nil {
				from = *h.From
			}
			groups = append(groups, from+">"+h.To)
		}
	}
	if want := []string{">" + team.deskID, team.deskID + ">" + net, net + ">" + carrier}; !slices.Equal(groups, want) {
		t.Fatalf("hand-overs %v, want %v", groups, want)
	}
	if c := clocks(e.analyst)[carrierUC]; c.Status != "MET" || !about(c.HeldSeconds, 3600) || c.DueAt != nil {
		t.Fatalf("carrier after resolving: %+v", c)
	}
	// Requesters do not read OLAs.
	if got := clocks(team.caller); len(got) != 0 {
		t.Fatalf("the caller reads %v", got)
	}

	// Both kinds of clock are computed over one read of the tickets.
	statements := func(fields string) float64 {
		t.Helper()
		before := metricValue(t, e.metrics(t), "itsm_neo4j_statements_total")
		e.ok(t, e.analyst, `query($id: ID!) { incident(id: $id) { `+fields+` } }`, map[string]any{"id": inc.ID}, nil)
		return metricValue(t, e.metrics(t), "itsm_neo4j_statements_total") - before
	}
	bare := statements(`id`)
	slaOnly := statements(`slaClocks { status }`) - bare
	olaOnly := statements(`olaClocks { status }`) - bare
	both := statements(`slaClocks { status } olaClocks { status }`) - bare
	// The tickets are two reads (incidents and history) that both clocks share.
	if both != slaOnly+olaOnly-2 {
		t.Errorf("slaClocks cost %v statements, olaClocks %v, both %v: the tickets must be read once", slaOnly, olaOnly, both)
	}

	period := map[string]any{"from": t0.Format(time.RFC3339), "to": t0.Add(24 * time.Hour).Format(time.RFC3339)}
	var rep struct {
		SLAReport struct {
			Underpinning []olaReport `json:"underpinning"`
		} `json:"slaReport"`
	}
	e.ok(t, e.analyst, `query($id: ID!, $from: DateTime!, $to: DateTime!) { slaReport(slaId: $id, from: $from, to: $to) {
		underpinning { ola { id name } tickets met breached compliance meanHeldSeconds } } }`,
		map[string]any{"id": gold, "from": period["from"], "to": period["to"]}, &rep)
	var got []string
	for _, r := range rep.SLAReport.Underpinning {
		got = append(got, r.OLA.Name)
		if r.Tickets != 1 || r.Met+r.Breached != 1 || (r.OLA.ID == netOLA) != (r.Breached == 1) {
			t.Errorf("underpinning %+v", r)
		}
	}
	if !slices.Equal(got, []string{"Carrier contract", "Desk triage", "Network fix"}) {
		t.Fatalf("underpinning agreements %v", got)
	}
	var one struct {
		OLAReport olaReport `json:"olaReport"`
	}
	e.ok(t, e.analyst, `query($id: ID!, $from: DateTime!, $to: DateTime!) { olaReport(olaId: $id, from: $from, to: $to) {
		ola { id name } tickets met breached compliance meanHeldSeconds } }`,
		map[string]any{"id": netOLA, "from": period["from"], "to": period["to"]}, &one)
	if r := one.OLAReport; r.Tickets != 1 || r.Breached != 1 || r.Compliance != 0 || !about(r.MeanHeldSeconds, 3*3600) {
		t.Fatalf("network report %+v", r)
	}
	e.fail(t, e.analyst, `query { olaReport(olaId: "ola_missing", from: "2026-03-01T00:00:00Z", to: "2026-03-02T00:00:00Z") { tickets } }`, nil, "NOT_FOUND")
}
