package tests

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
)

// t0 is when the incident tests' server clock starts: a Monday morning.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// TestMonitoringAlertToResolution: a monitoring alert opens an incident and
// a repeat folds into it; an agent works it to resolution; the caller sees
// comments but not work notes and nobody else's incidents; the SLA report
// and the service's availability show it.
func TestMonitoringAlertToResolution(t *testing.T) {
	e, w, team, clock := newIncidentEnv(t, app.Limits{}, t0)
	gold := e.createSLA(t, w.owner, goldSLA(w, t))

	inc, created := e.createIncident(t, team.monitor, alert(w, t, "orders-db-down-1", "ping timeout"))
	if !created || inc.State != "NEW" || inc.Priority != "P2" || inc.Version != 1 || inc.AlertCount != 1 ||
		inc.Channel != "MONITORING" || inc.OpenedBy != subjMonitor || inc.CallerID != subjCaller {
		t.Fatalf("created %v: %+v", created, inc)
	}
	// The graph says orders-db takes Orders and Shop down, and Retail
	// behind Shop.
	if got := names(inc.ImpactedBusinessServices); !slices.Equal(got, []string{"Shop"}) {
		t.Fatalf("impacted business services %v", got)
	}
	if got := names(inc.ImpactedBusinessUnits); !slices.Equal(got, []string{"Retail"}) {
		t.Fatalf("impacted units %v", got)
	}
	if got := sorted(names(inc.DownServices)); !slices.Equal(got, []string{"Orders", "Shop"}) {
		t.Fatalf("down services %v", got)
	}
	// Gold covers Shop: P2 has 2h to respond, 8h to resolve.
	if got := inc.clocks(gold); !slices.Equal(got, []string{"RESPONSE:RUNNING", "RESOLUTION:RUNNING"}) {
		t.Fatalf("clocks %v", got)
	}
	created0 := mustTime(t, inc.CreatedAt)
	if due := mustTime(t, deref(inc.SLAClocks[0].DueAt)); !due.Equal(created0.Add(2 * time.Hour)) {
		t.Fatalf("response due %s, logged %s", due, created0)
	}

	// The same alert again: no second incident; it is folded in.
	clock.Advance(5 * time.Minute)
	again, created := e.createIncident(t, team.monitor, alert(w, t, "orders-db-down-1", "still down"))
	if created || again.ID != inc.ID || again.AlertCount != 2 || again.Version != 2 {
		t.Fatalf("repeat: created %v, %+v", created, again)
	}
	if ids := e.incidentIDs(t, e.analyst); !slices.Equal(ids, []string{inc.ID}) {
		t.Fatalf("incidents after the repeat: %v", ids)
	}

	// An agent works it: takes it for the service desk, investigates,
	// waits on the caller, resumes and resolves.
	clock.Advance(10 * time.Minute)
	cur := e.incidentWrite(t, team.agent, reassignIncidentMutation, "reassignIncident", map[string]any{
		"id": inc.ID, "expectedVersion": again.Version, "groupId": team.deskID, "assigneeId": team.agentID, "reason": "triage"})
	if cur.State != "ASSIGNED" || cur.AssignmentGroup == nil || cur.AssignmentGroup.Name != "Service desk" || cur.RespondedAt == nil {
		t.Fatalf("reassigned: %+v", cur)
	}
	cur = e.transitionIncident(t, team.agent, cur, "IN_PROGRESS", nil)
	e.ok(t, team.agent, addEntryMutation, map[string]any{"in": map[string]any{"incidentId": inc.ID, "kind": "WORK_NOTE", "body": "disk full on orders-db"}}, nil)
	e.ok(t, team.agent, addEntryMutation, map[string]any{"in": map[string]any{"incidentId": inc.ID, "kind": "COMMENT", "body": "Are orders failing for you?"}}, nil)
	cur = e.transitionIncident(t, team.agent, cur, "ON_HOLD", map[string]any{"holdReason": "AWAITING_CALLER"})
	if deref(cur.HoldReason) != "AWAITING_CALLER" || !slices.Equal(cur.clocks(gold), []string{"RESPONSE:MET", "RESOLUTION:PAUSED"}) {
		t.Fatalf("on hold: %s %v", deref(cur.HoldReason), cur.clocks(gold))
	}
	// The caller answers with a comment; the clock stood still meanwhile.
	clock.Advance(time.Hour)
	e.ok(t, team.caller, addEntryMutation, map[string]any{"in": map[string]any{"incidentId": inc.ID, "kind": "COMMENT", "body": "Yes, checkout fails"}}, nil)
	cur = e.transitionIncident(t, team.agent, cur, "IN_PROGRESS", nil)
	clock.Advance(30 * time.Minute)
	cur = e.transitionIncident(t, team.agent, cur, "RESOLVED", map[string]any{"resolutionCode": "FIXED", "resolutionNotes": "freed disk space"})
	if deref(cur.ResolutionCode) != "FIXED" || cur.ResolvedAt == nil || !slices.Equal(cur.clocks(gold), []string{"RESPONSE:MET", "RESOLUTION:MET"}) {
		t.Fatalf("resolved: %+v", cur)
	}
	wantStates := []string{">NEW", "NEW>ASSIGNED", "ASSIGNED>IN_PROGRESS", "IN_PROGRESS>ON_HOLD", "ON_HOLD>IN_PROGRESS", "IN_PROGRESS>RESOLVED"}
	if got := cur.states(); !slices.Equal(got, wantStates) {
		t.Fatalf("history %v", got)
	}
	if len(cur.Escalations) != 1 || cur.Escalations[0].FromGroup != nil || cur.Escalations[0].ToGroup.Name != "Service desk" || cur.Escalations[0].Reason != "triage" {
		t.Fatalf("escalations %+v", cur.Escalations)
	}
	// Staff see every entry, the repeated alert's note first.
	staff := e.readIncident(t, team.agent, inc.ID)
	if got := staff.entries(); len(got) != 4 || !strings.HasPrefix(got[0], "WORK_NOTE:Repeated alert") ||
		!slices.Equal(got[1:], []string{"WORK_NOTE:disk full on orders-db", "COMMENT:Are orders failing for you?", "COMMENT:Yes, checkout fails"}) {
		t.Fatalf("agent's timeline %v", got)
	}

	// The caller sees the comments, not the work notes, and not the CIs,
	// groups or people behind the incident; they may confirm or reopen it.
	mine := e.readIncident(t, team.caller, inc.ID)
	if got := mine.entries(); !slices.Equal(got, []string{"COMMENT:Are orders failing for you?", "COMMENT:Yes, checkout fails"}) {
		t.Fatalf("caller's timeline %v", got)
	}
	if len(mine.ConfigurationItems) != 0 || mine.AssignmentGroup != nil || !slices.Equal(names(mine.ImpactedBusinessServices), []string{"Shop"}) ||
		len(mine.ImpactedBusinessUnits) != 0 || !slices.Equal(names(mine.DownServices), []string{"Shop"}) {
		t.Fatalf("caller's view: %+v", mine)
	}
	if !slices.Equal(mine.AllowedTransitions, []string{"IN_PROGRESS", "CLOSED"}) || len(staff.AllowedTransitions) != 2 {
		t.Fatalf("caller may move it to %v", mine.AllowedTransitions)
	}
	// Another requester's incident is out of the caller's reach, and the
	// caller's out of theirs.
	theirs, _ := e.createIncident(t, team.other, map[string]any{"shortDescription": "laptop slow", "impact": "LOW", "urgency": "LOW"})
	e.fail(t, team.caller, incidentQuery, map[string]any{"id": theirs.ID}, "NOT_FOUND")
	e.fail(t, team.other, incidentQuery, map[string]any{"id": inc.ID}, "NOT_FOUND")
	if ids := e.incidentIDs(t, team.caller); !slices.Equal(ids, []string{inc.ID}) {
		t.Fatalf("caller lists %v", ids)
	}
	if ids := e.incidentIDs(t, team.other); !slices.Equal(ids, []string{theirs.ID}) {
		t.Fatalf("other requester lists %v", ids)
	}
	// node(id:) applies the same scope.
	var node struct {
		Node *struct {
			ID string `json:"id"`
		} `json:"node"`
	}
	e.ok(t, team.caller, `query($id: ID!) { node(id: $id) { id ... on Incident { state } } }`, map[string]any{"id": inc.ID}, &node)
	if node.Node == nil || node.Node.ID != inc.ID {
		t.Fatalf("caller's node: %+v", node.Node)
	}
	e.fail(t, team.other, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": inc.ID}, "NOT_FOUND")
	e.fail(t, team.caller, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": gold}, "FORBIDDEN")

	// The caller confirms the resolution.
	closed := e.transitionIncident(t, team.caller, mine, "CLOSED", map[string]any{"comment": "works again"})
	if len(closed.AllowedTransitions) != 0 {
		t.Fatalf("closed may still move to %v", closed.AllowedTransitions)
	}

	// The SLA report counts it as met, with its response and resolution
	// times (the hour on hold excluded).
	resolved, responded := mustTime(t, deref(cur.ResolvedAt)), mustTime(t, deref(cur.RespondedAt))
	var rep struct {
		SLAReport struct {
			SLA                      named   `json:"sla"`
			Tickets                  int     `json:"tickets"`
			Met                      int     `json:"met"`
			Breached                 int     `json:"breached"`
			Compliance               float64 `json:"compliance"`
			MeanTimeToRespondSeconds int     `json:"meanTimeToRespondSeconds"`
			MeanTimeToResolveSeconds int     `json:"meanTimeToResolveSeconds"`
		} `json:"slaReport"`
	}
	e.ok(t, e.analyst, `query($id: ID!, $from: DateTime!, $to: DateTime!) { slaReport(slaId: $id, from: $from, to: $to) {
		sla { id name } tickets met breached compliance meanTimeToRespondSeconds meanTimeToResolveSeconds } }`,
		map[string]any{"id": gold, "from": t0.Format(time.RFC3339), "to": t0.Add(24 * time.Hour).Format(time.RFC3339)}, &rep)
	r := rep.SLAReport
	wantResolve := int((resolved.Sub(created0) - time.Hour) / time.Second)
	if r.SLA.ID != gold || r.Tickets != 1 || r.Met != 1 || r.Breached != 0 || r.Compliance != 100 ||
		r.MeanTimeToRespondSeconds != int(responded.Sub(created0)/time.Second) || math.Abs(float64(r.MeanTimeToResolveSeconds-wantResolve)) > 1 {
		t.Fatalf("report %+v; want resolve about %ds", r, wantResolve)
	}

	// Shop was down from the alert until the resolution.
	var av struct {
		ServiceAvailability struct {
			Service         named   `json:"service"`
			AgreedSeconds   int     `json:"agreedSeconds"`
			DowntimeSeconds int     `json:"downtimeSeconds"`
			Percent         float64 `json:"percent"`
			Outages         []struct {
				Start string `json:"start"`
				End   string `json:"end"`
			} `json:"outages"`
		} `json:"serviceAvailability"`
	}
	e.ok(t, e.analyst, `query($id: ID!, $from: DateTime!, $to: DateTime!) { serviceAvailability(serviceId: $id, from: $from, to: $to) {
		service { id name } agreedSeconds downtimeSeconds percent outages { start end } } }`,
		map[string]any{"id": w.id(t, "Shop"), "from": t0.Format(time.RFC3339), "to": t0.Add(24 * time.Hour).Format(time.RFC3339)}, &av)
	a := av.ServiceAvailability
	down := resolved.Sub(created0)
	if a.Service.Name != "Shop" || a.AgreedSeconds != 86400 || a.DowntimeSeconds != int(down/time.Second) || len(a.Outages) != 1 ||
		!mustTime(t, a.Outages[0].Start).Equal(created0) || !mustTime(t, a.Outages[0].End).Equal(resolved) ||
		math.Abs(a.Percent-100*(86400-down.Seconds())/86400) > 0.01 {
		t.Fatalf("availability %+v (down %s)", a, down)
	}
	// Payroll was never down.
	e.ok(t, e.analyst, `query($id: ID!, $from: DateTime!, $to: DateTime!) { serviceAvailability(serviceId: $id, from: $from, to: $to) {
		service { id name } agreedSeconds downtimeSeconds percent outages { start end } } }`,
		map[string]any{"id": w.id(t, "Payroll"), "from": t0.Format(time.RFC3339), "to": t0.Add(24 * time.Hour).Format(time.RFC3339)}, &av)
	if av.ServiceAvailability.Percent != 100 || len(av.ServiceAvailability.Outages) != 0 {
		t.Fatalf("payroll %+v", av.ServiceAvailability)
	}
}

// TestIncidentRefusalsWriteNothing: bad input and wrong roles are refused
// with the right code and a message that says what to fix, and nothing is
// written.
func TestIncidentRefusalsWriteNothing(t *testing.T) {
	e, w, team, _ := newIncidentEnv(t, app.Limits{}, t0)
	inc, _ := e.createIncident(t, team.monitor, alert(w, t, "a-1", ""))
	ref := func(extra map[string]any) map[string]any {
		in := map[string]any{"id": inc.ID, "expectedVersion": 1}
		for k, v := range extra {
			in[k] = v
		}
		return map[string]any{"in": in}
	}
	cells := func(n int) []map[string]any {
		var out []map[string]any
		for _, i := range []string{"HIGH", "MEDIUM", "LOW"} {
			for _, u := range []string{"HIGH", "MEDIUM", "LOW"} {
				out = append(out, map[string]any{"impact": i, "urgency": u, "priority": "P3"})
			}
		}
		return out[:n]
	}
	badSLA := goldSLA(w, t)
	badSLA["terms"].(map[string]any)["warningThreshold"] = 1.5
	tests := []struct {
		name, token, query string
		vars               map[string]any
		code               string
		message            []string
	}{
		{"stale version", team.agent, transitionIncidentMutation, ref(map[string]any{"expectedVersion": 5, "to": "ASSIGNED"}), "CONFLICT",
			[]string{"version 1, not 5", "read it again"}},
		{"invalid transition", team.agent, transitionIncidentMutation, ref(map[string]any{"to": "ON_HOLD", "holdReason": "AWAITING_VENDOR"}), "INVALID_TRANSITION",
			[]string{"from NEW to ON_HOLD", "allowed next states", "ASSIGNED IN_PROGRESS RESOLVED CANCELLED"}},
		{"resolve without notes", team.agent, transitionIncidentMutation, ref(map[string]any{"to": "RESOLVED", "resolutionCode": "FIXED"}), "BAD_USER_INPUT",
			[]string{"resolutionNotes"}},
		{"unknown incident", team.agent, transitionIncidentMutation, map[string]any{"in": map[string]any{"id": "inc_nope", "expectedVersion": 1, "to": "ASSIGNED"}}, "NOT_FOUND",
			[]string{"inc_nope"}},
		{"unknown CI", team.agent, createIncidentMutation, map[string]any{"in": map[string]any{"shortDescription": "x", "impact": "LOW", "urgency": "LOW",
			"configurationItemIds": []string{"ci_nope"}}}, "NOT_FOUND", []string{"ci_nope"}},
		{"unknown group", team.agent, reassignIncidentMutation, ref(map[string]any{"groupId": "grp_nope", "reason": "x"}), "NOT_FOUND", []string{"grp_nope"}},
		{"oversize summary", team.caller, createIncidentMutation, map[string]any{"in": map[string]any{"shortDescription": strings.Repeat("x", 201),
			"impact": "LOW", "urgency": "LOW"}}, "BAD_USER_INPUT", []string{"shortDescription"}},
		{"oversize comment", team.caller, addEntryMutation, map[string]any{"in": map[string]any{"incidentId": inc.ID, "kind": "COMMENT",
			"body": strings.Repeat("x", 20001)}}, "BAD_USER_INPUT", []string{"body"}},
		{"requester assigns", team.caller, reassignIncidentMutation, ref(map[string]any{"groupId": team.deskID, "reason": "mine"}), "FORBIDDEN", []string{"AGENT"}},
		{"requester logs assigned", team.caller, createIncidentMutation, map[string]any{"in": map[string]any{"shortDescription": "x", "impact": "LOW",
			"urgency": "LOW", "assignmentGroupId": team.deskID}}, "FORBIDDEN", []string{"assignmentGroupId"}},
		{"requester logs for someone else", team.caller, createIncidentMutation, map[string]any{"in": map[string]any{"shortDescription": "x",
			"impact": "LOW", "urgency": "LOW", "callerId": subjOther}}, "FORBIDDEN", []string{"callerId"}},
		{"requester moves it", team.caller, transitionIncidentMutation, ref(map[string]any{"to": "IN_PROGRESS"}), "FORBIDDEN", []string{"AGENT"}},
		{"requester writes a work note", team.caller, addEntryMutation, map[string]any{"in": map[string]any{"incidentId": inc.ID, "kind": "WORK_NOTE",
			"body": "x"}}, "FORBIDDEN", []string{"work notes are internal"}},
		{"stranger comments", team.other, addEntryMutation, map[string]any{"in": map[string]any{"incidentId": inc.ID, "kind": "COMMENT",
			"body": "x"}}, "NOT_FOUND", []string{inc.ID}},
		{"requester updates", team.caller, updateIncidentMutation, ref(map[string]any{"urgency": "HIGH"}), "FORBIDDEN", nil},
		{"analyst logs", e.analyst, createIncidentMutation, map[string]any{"in": map[string]any{"shortDescription": "x", "impact": "LOW",
			"urgency": "LOW"}}, "FORBIDDEN", nil},
		{"agent changes the matrix", team.agent, setMatrixMutation, map[string]any{"in": map[string]any{"cells": cells(9)}}, "FORBIDDEN", []string{"ADMIN"}},
		{"incomplete matrix", e.admin, setMatrixMutation, map[string]any{"in": map[string]any{"cells": cells(8)}}, "BAD_USER_INPUT",
			[]string{"LOW × urgency LOW", "all nine"}},
		{"agent creates an SLA", team.agent, createSLAMutation, map[string]any{"in": goldSLA(w, t)}, "FORBIDDEN", nil},
		{"bad warning threshold", w.owner, createSLAMutation, map[string]any{"in": badSLA}, "BAD_USER_INPUT", []string{"warningThreshold"}},
		{"report of an unknown SLA", e.analyst, `query { slaReport(slaId: "sla_nope", from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z") { tickets } }`,
			nil, "NOT_FOUND", []string{"sla_nope"}},
		{"report of an empty period", e.analyst, `query { serviceAvailability(serviceId: "bs_x", from: "2026-03-01T00:00:00Z", to: "2026-03-01T00:00:00Z") { percent } }`,
			nil, "BAD_USER_INPUT", []string{"after from"}},
		{"requester reads a report", team.caller, `query { slaReport(slaId: "sla_nope", from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z") { tickets } }`,
			nil, "FORBIDDEN", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.fail(t, tt.token, tt.query, tt.vars, tt.code)
			for _, m := range tt.message {
				if !strings.Contains(r.Errors[0].Message, m) {
					t.Errorf("message %q does not mention %q", r.Errors[0].Message, m)
				}
			}
		})
	}
	got := e.readIncident(t, e.analyst, inc.ID)
	if got.Version != 1 || got.State != "NEW" || got.AssignmentGroup != nil || got.Urgency != "MEDIUM" ||
		!slices.Equal(got.states(), []string{">NEW"}) || len(got.Timeline) != 0 || len(got.Escalations) != 0 {
		t.Fatalf("after the refusals: %+v", got)
	}
	if ids := e.incidentIDs(t, e.analyst); !slices.Equal(ids, []string{inc.ID}) {
		t.Fatalf("incidents after the refusals: %v", ids)
	}
	var slas struct {
		Slas struct {
			TotalCount int `json:"totalCount"`
		} `json:"slas"`
	}
	e.ok(t, e.analyst, `{ slas { totalCount } }`, nil, &slas)
	var matrix struct {
		PriorityMatrix []map[string]string `json:"priorityMatrix"`
	}
	e.ok(t, e.analyst, `{ priorityMatrix { impact urgency priority } }`, nil, &matrix)
	if slas.Slas.TotalCount != 0 || len(matrix.PriorityMatrix) != 9 || matrix.PriorityMatrix[8]["priority"] != "P5" {
		t.Fatalf("SLAs %d, matrix %v", slas.Slas.TotalCount, matrix.PriorityMatrix)
	}
}

// TestPriorityMatrixIsData: the default matrix is SPEC §2.6; an admin
// changes a cell and new incidents follow it, while existing ones keep
// their priority.
func TestPriorityMatrixIsData(t *testing.T) {
	e, _, team, _ := newIncidentEnv(t, app.Limits{}, t0)
	var m struct {
		PriorityMatrix []map[string]string `json:"priorityMatrix"`
	}
	e.ok(t, team.caller, `{ priorityMatrix { impact urgency priority } }`, nil, &m)
	var got []string
	for _, c := range m.PriorityMatrix {
		got = append(got, c["impact"][:1]+c["urgency"][:1]+"="+c["priority"])
	}
	if want := []string{"HH=P1", "HM=P2", "HL=P3", "MH=P2", "MM=P3", "ML=P4", "LH=P3", "LM=P4", "LL=P5"}; !slices.Equal(got, want) {
		t.Fatalf("default matrix %v", got)
	}
	before, _ := e.createIncident(t, team.caller, map[string]any{"shortDescription": "printer jam", "impact": "LOW", "urgency": "LOW"})
	if before.Priority != "P5" {
		t.Fatalf("LOW×LOW is %s", before.Priority)
	}
	cells := []map[string]any{}
	for _, c := range m.PriorityMatrix {
		cell := map[string]any{"impact": c["impact"], "urgency": c["urgency"], "priority": c["priority"]}
		if c["impact"] == "LOW" && c["urgency"] == "LOW" {
			cell["priority"] = "P4"
		}
		cells = append(cells, cell)
	}
	var set struct {
		SetPriorityMatrix struct {
			Cells []map[string]string `json:"cells"`
		} `json:"setPriorityMatrix"`
	}
	e.ok(t, e.admin, setMatrixMutation, map[string]any{"in": map[string]any{"cells": cells}}, &set)
	if len(set.SetPriorityMatrix.Cells) != 9 {
		t.Fatalf("set %+v", set)
	}
	after, _ := e.createIncident(t, team.caller, map[string]any{"shortDescription": "stapler jam", "impact": "LOW", "urgency": "LOW"})
	if after.Priority != "P4" {
		t.Fatalf("after the change LOW×LOW is %s", after.Priority)
	}
	if again := e.readIncident(t, team.caller, before.ID); again.Priority != "P5" || again.Version != 1 {
		t.Fatalf("existing incident: %s v%d", again.Priority, again.Version)
	}
	// A later urgency change uses the matrix in force.
	up := e.incidentWrite(t, team.agent, updateIncidentMutation, "updateIncident", map[string]any{"id": before.ID, "expectedVersion": 1, "urgency": "MEDIUM"})
	if up.Priority != "P4" || up.Version != 2 || up.History[len(up.History)-1].Field != "PRIORITY" {
		t.Fatalf("updated: %s v%d %+v", up.Priority, up.Version, up.History)
	}
}

// TestIdempotentIncidentCreates: a retried portal request returns the
// first incident, and a key reused for another request is refused;
// concurrent monitoring alerts under one key open one incident.
func TestIdempotentIncidentCreates(t *testing.T) {
	e, w, team, _ := newIncidentEnv(t, app.Limits{}, t0)
	in := map[string]any{"shortDescription": "VPN drops", "impact": "MEDIUM", "urgency": "MEDIUM", "idempotencyKey": "req-1"}
	first, created := e.createIncident(t, team.caller, in)
	retry, again := e.createIncident(t, team.caller, in)
	if !created || again || retry.ID != first.ID || retry.Version != 1 {
		t.Fatalf("retry: %v %v %+v", created, again, retry)
	}
	in["shortDescription"] = "VPN slow"
	e.fail(t, team.caller, createIncidentMutation, map[string]any{"in": in}, "CONFLICT")

	tokens := make([]string, 6)
	for i := range tokens {
		tokens[i] = team.monitor
	}
	resps := e.concurrentlyAs(t, tokens, createIncidentMutation, func(int) map[string]any {
		return map[string]any{"in": alert(w, t, "storm-1", "flapping")}
	})
	for _, r := range resps {
		if len(r.Errors) > 0 {
			t.Fatalf("alert: %v %s", r.codes(), truncate(r.Body))
		}
	}
	var alerts []string
	for _, id := range e.incidentIDs(t, e.analyst) {
		if id != first.ID {
			alerts = append(alerts, id)
		}
	}
	if len(alerts) != 1 {
		t.Fatalf("a storm of one alert opened %d incidents", len(alerts))
	}
	if got := e.readIncident(t, e.analyst, alerts[0]); got.AlertCount != len(tokens) || got.Version != len(tokens) {
		t.Fatalf("folded alerts: count %d, version %d", got.AlertCount, got.Version)
	}
}

// TestMajorIncidentAndLinks: hierarchical escalation with its
// communications, and links to problems, knowledge and the causing change,
// which requesters do not see.
func TestMajorIncidentAndLinks(t *testing.T) {
	e, w, team, _ := newIncidentEnv(t, app.Limits{}, t0)
	inc, _ := e.createIncident(t, team.monitor, alert(w, t, "major-1", ""))
	const comm = `mutation($in: AddIncidentCommunicationInput!) { addIncidentCommunication(input: $in) {
		communication { audience channel message actor } incident { id version } } }`
	msg := map[string]any{"in": map[string]any{"incidentId": inc.ID, "audience": "all staff", "channel": "email", "message": "Checkout is down"}}
	e.fail(t, team.agent, comm, msg, "INVALID_TRANSITION")

	const major = incidentFields + `
mutation($in: SetMajorIncidentInput!) { setMajorIncident(input: $in) { incident { ...I majorManagerId communications { audience message actor } } } }`
	var out struct {
		SetMajorIncident struct {
			Incident struct {
				incidentData
				MajorManagerID *string `json:"majorManagerId"`
			} `json:"incident"`
		} `json:"setMajorIncident"`
	}
	e.fail(t, team.agent, major, map[string]any{"in": map[string]any{"id": inc.ID, "expectedVersion": 1, "major": true, "reason": "revenue"}}, "BAD_USER_INPUT")
	e.ok(t, team.agent, major, map[string]any{"in": map[string]any{"id": inc.ID, "expectedVersion": 1, "major": true,
		"managerId": team.agentID, "reason": "revenue at risk"}}, &out)
	m := out.SetMajorIncident.Incident
	if !m.Major || deref(m.MajorManagerID) != team.agentID || m.Version != 2 || m.History[len(m.History)-1].To != "YES:"+team.agentID {
		t.Fatalf("major: %+v", m)
	}
	var sent struct {
		AddIncidentCommunication struct {
			Communication struct {
				Audience string `json:"audience"`
				Actor    string `json:"actor"`
			} `json:"communication"`
			Incident struct {
				Version int `json:"version"`
			} `json:"incident"`
		} `json:"addIncidentCommunication"`
	}
	e.ok(t, team.agent, comm, msg, &sent)
	if c := sent.AddIncidentCommunication; c.Communication.Audience != "all staff" || c.Communication.Actor != team.agentID || c.Incident.Version != 2 {
		t.Fatalf("communication %+v", c)
	}

	c := e.createChange(t, team.agent, normalChange("Resize orders-db", w.idsOf(t, "orders-db"), "2026-03-01T20:00:00Z", "2026-03-01T22:00:00Z"))
	const link = `mutation($in: LinkIncidentInput!) { linkIncident(input: $in) { incident { id version problemIds knowledgeArticleIds causedByChangeId causedByChange { id name: title } } } }`
	var linked struct {
		LinkIncident struct {
			Incident struct {
				Version             int      `json:"version"`
				ProblemIds          []string `json:"problemIds"`
				KnowledgeArticleIds []string `json:"knowledgeArticleIds"`
				CausedByChangeID    *string  `json:"causedByChangeId"`
				CausedByChange      *named   `json:"causedByChange"`
			} `json:"incident"`
		} `json:"linkIncident"`
	}
	e.fail(t, team.caller, link, map[string]any{"in": map[string]any{"id": inc.ID, "expectedVersion": 2, "problemIds": []string{"prb_1"}}}, "FORBIDDEN")
	e.ok(t, team.agent, link, map[string]any{"in": map[string]any{"id": inc.ID, "expectedVersion": 2, "causedByChangeId": c.ID}}, &linked)
	l := linked.LinkIncident.Incident
	if l.Version != 3 || len(l.ProblemIds) != 0 || len(l.KnowledgeArticleIds) != 0 ||
		l.CausedByChange == nil || l.CausedByChange.Name != "Resize orders-db" {
		t.Fatalf("linked %+v", l)
	}
	// The caller sees that a change caused it, not the change itself, and
	// not the message to all staff, which was not marked for them.
	var mine struct {
		Incident struct {
			CausedByChangeID *string `json:"causedByChangeId"`
			CausedByChange   *named  `json:"causedByChange"`
			Communications   []any   `json:"communications"`
		} `json:"incident"`
	}
	e.ok(t, team.caller, `query($id: ID!) { incident(id: $id) { causedByChangeId causedByChange { id } communications { message } } }`, map[string]any{"id": inc.ID}, &mine)
	if deref(mine.Incident.CausedByChangeID) != c.ID || mine.Incident.CausedByChange != nil || len(mine.Incident.Communications) != 0 {
		t.Fatalf("caller's view %+v", mine.Incident)
	}
}
