package tests

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
)

// TestPauseReasonsPerSLA: waiting on a vendor is the provider's own time,
// so by default it does not stop an SLA's clocks; an SLA that says so
// pauses on it too. Waiting on the caller pauses both.
func TestPauseReasonsPerSLA(t *testing.T) {
	e, w, team, clock := newIncidentEnv(t, app.Limits{}, t0)
	plain := goldSLA(w, t)
	plainID := e.createSLA(t, w.owner, plain)
	vendor := goldSLA(w, t)
	vendor["terms"].(map[string]any)["name"] = "Retail gold, vendor time excluded"
	vendor["terms"].(map[string]any)["pauseOn"] = []string{"AWAITING_VENDOR", "AWAITING_CALLER"}
	vendorID := e.createSLA(t, w.owner, vendor)
	var slas struct {
		Plain  struct{ PauseOn []string } `json:"plain"`
		Vendor struct{ PauseOn []string } `json:"vendor"`
	}
	e.ok(t, e.analyst, `query($p: ID!, $v: ID!) { plain: sla(id: $p) { pauseOn } vendor: sla(id: $v) { pauseOn } }`,
		map[string]any{"p": plainID, "v": vendorID}, &slas)
	if !slices.Equal(slas.Plain.PauseOn, []string{"AWAITING_CALLER"}) || !slices.Equal(slas.Vendor.PauseOn, []string{"AWAITING_CALLER", "AWAITING_VENDOR"}) {
		t.Fatalf("pause reasons: %+v", slas)
	}

	inc, _ := e.createIncident(t, team.agent, map[string]any{"shortDescription": "orders fail", "callerId": subjCaller,
		"configurationItemIds": w.idsOf(t, "orders-db"), "impact": "MEDIUM", "urgency": "MEDIUM", "assignmentGroupId": team.deskID})
	inc = e.transitionIncident(t, team.agent, inc, "IN_PROGRESS", nil)
	clock.Advance(time.Hour)
	inc = e.transitionIncident(t, team.agent, inc, "ON_HOLD", map[string]any{"holdReason": "AWAITING_VENDOR"})
	clock.Advance(2 * time.Hour)
	inc = e.transitionIncident(t, team.agent, inc, "IN_PROGRESS", nil)
	clock.Advance(time.Hour)
	inc = e.transitionIncident(t, team.agent, inc, "ON_HOLD", map[string]any{"holdReason": "AWAITING_CALLER"})
	clock.Advance(time.Hour)

	var read struct {
		Incident struct {
			SLAClocks []struct {
				SLA            named  `json:"sla"`
				Metric         string `json:"metric"`
				Status         string `json:"status"`
				ElapsedSeconds int    `json:"elapsedSeconds"`
			} `json:"slaClocks"`
		} `json:"incident"`
	}
	e.ok(t, team.agent, `query($id: ID!) { incident(id: $id) { slaClocks { sla { id name } metric status elapsedSeconds } } }`, map[string]any{"id": inc.ID}, &read)
	got := map[string]int{}
	for _, c := range read.Incident.SLAClocks {
		if c.Metric == "RESOLUTION" {
			got[c.SLA.ID] = c.ElapsedSeconds / 60
			if c.Status != "PAUSED" {
				t.Fatalf("%s on hold for the caller: %s", c.SLA.Name, c.Status)
			}
		}
	}
	// Four hours worked or waited on before the caller's hold; the vendor's
	// two count under the plain SLA only.
	if got[plainID] != 240 || got[vendorID] != 120 {
		t.Fatalf("resolution minutes: plain %d, vendor excluded %d", got[plainID], got[vendorID])
	}
}

// TestBreachEscalatesTheIncident: every breach writes a work note on the
// incident; an SLA that asks for it also raises the incident's priority
// one level, in the history.
func TestBreachEscalatesTheIncident(t *testing.T) {
	e, w, team, clock := newIncidentEnv(t, app.Limits{}, t0)
	gold := goldSLA(w, t)
	gold["terms"].(map[string]any)["raisePriorityOnBreach"] = true
	e.createSLA(t, w.owner, gold)
	inc, _ := e.createIncident(t, team.agent, map[string]any{"shortDescription": "orders fail", "callerId": subjCaller,
		"configurationItemIds": w.idsOf(t, "orders-db"), "impact": "MEDIUM", "urgency": "MEDIUM", "assignmentGroupId": team.deskID})
	if inc.Priority != "P3" {
		t.Fatalf("logged at %s", inc.Priority)
	}

	e.runBackground(t, app.Background{EvaluateSLAs: 20 * time.Millisecond, AutoClose: time.Hour})

	// Nobody acknowledged it within the P3 response target (3h).
	clock.Advance(3*time.Hour + time.Minute)
	deadline := time.Now().Add(10 * time.Second)
	var got incidentData
	for time.Now().Before(deadline) {
		if got = e.readIncident(t, team.agent, inc.ID); got.Priority != inc.Priority {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	notes := 0
	for _, n := range got.Timeline {
		if n.Kind == "WORK_NOTE" && strings.Contains(n.Body, "RESPONSE clock breached") && strings.Contains(n.Body, "Retail gold") {
			notes++
		}
	}
	last := got.History[len(got.History)-1]
	if got.Priority != "P2" || notes != 1 || deref(last.From) != "P3" || last.To != "P2" || !strings.Contains(deref(last.Comment), "raised") {
		t.Fatalf("after the breach: %s, %d notes, last history %+v", got.Priority, notes, last)
	}
}

// TestSLAsApplyToTheirCustomersCallers: an SLA with a customer applies to
// the incidents that customer's people raise, not to another customer's on
// the same service; an incident whose caller belongs to no business unit
// (an alert) falls under every SLA of its services.
func TestSLAsApplyToTheirCustomersCallers(t *testing.T) {
	e, w, team, _ := newIncidentEnv(t, app.Limits{}, t0)
	var unit struct {
		CreateBusinessUnit struct {
			BusinessUnit named `json:"businessUnit"`
		} `json:"createBusinessUnit"`
	}
	e.ok(t, e.admin, `mutation { createBusinessUnit(input: {name: "Wholesale"}) { businessUnit { id name } } }`, nil, &unit)
	wholesale := unit.CreateBusinessUnit.BusinessUnit.ID
	goldID := e.createSLA(t, w.owner, goldSLA(w, t))
	silver := goldSLA(w, t)
	silver["terms"].(map[string]any)["name"], silver["terms"].(map[string]any)["customerId"] = "Wholesale silver", wholesale
	silverID := e.createSLA(t, w.owner, silver)

	e.fail(t, e.admin, createUserMutation, map[string]any{"in": map[string]any{"username": "nobody", "displayName": "Nobody",
		"roles": []string{"REQUESTER"}, "businessUnitId": "bu_nope"}}, "NOT_FOUND")
	raise := func(token string) incidentData {
		t.Helper()
		inc, _ := e.createIncident(t, token, map[string]any{"shortDescription": "cannot order", "configurationItemIds": w.idsOf(t, "orders-db"),
			"impact": "MEDIUM", "urgency": "MEDIUM"})
		return e.readIncident(t, team.agent, inc.ID)
	}
	person := func(name, unitID string) string {
		u := e.createUser(t, map[string]any{"username": name, "displayName": name, "roles": []string{"REQUESTER"}, "businessUnitId": unitID})
		return e.mint(t, u.ID, auth.Requester)
	}
	slas := func(inc incidentData) []string {
		var out []string
		for _, id := range []string{goldID, silverID} {
			if len(inc.clocks(id)) > 0 {
				out = append(out, id)
			}
		}
		return out
	}
	if got := slas(raise(person("rita", w.id(t, "Retail")))); !slices.Equal(got, []string{goldID}) {
		t.Fatalf("a Retail caller's incident falls under %v", got)
	}
	if got := slas(raise(person("walt", wholesale))); !slices.Equal(got, []string{silverID}) {
		t.Fatalf("a Wholesale caller's incident falls under %v", got)
	}
	alerted, _ := e.createIncident(t, team.monitor, alert(w, t, "orders-db-down", ""))
	if got := slas(e.readIncident(t, team.agent, alerted.ID)); !slices.Equal(got, []string{goldID, silverID}) {
		t.Fatalf("an alert falls under %v", got)
	}
}
