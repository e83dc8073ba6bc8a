package tests

import (
	"slices"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
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
