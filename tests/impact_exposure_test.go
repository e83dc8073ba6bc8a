package tests

import (
	"slices"
	"testing"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
)

// TestImpactShowsSLAsAndOpenIncidents: what an impact analysis reaches
// comes with the SLAs it puts at risk and the open incidents already on
// it, each reader seeing the incidents they may read.
func TestImpactShowsSLAsAndOpenIncidents(t *testing.T) {
	e, w, team, _ := newIncidentEnv(t, app.Limits{}, t0)
	e.createSLA(t, w.owner, goldSLA(w, t))
	logOn := func(token, what, ci string, group string) incidentData {
		in := map[string]any{"shortDescription": what, "callerId": subjCaller, "configurationItemIds": w.idsOf(t, ci), "impact": "LOW", "urgency": "LOW"}
		if group != "" {
			in["assignmentGroupId"] = group
		}
		inc, _ := e.createIncident(t, token, in)
		return inc
	}
	slow := logOn(team.agent, "orders app slow", "orders-app", team.deskID)
	logOn(team.agent, "payroll login fails", "hr-app", team.deskID)
	done := logOn(team.agent, "cache restarted", "cache", team.deskID)
	done = e.transitionIncident(t, team.agent, done, "IN_PROGRESS", nil)
	e.transitionIncident(t, team.agent, done, "RESOLVED", map[string]any{"resolutionCode": "FIXED", "resolutionNotes": "ok"})

	query := `query($in: ImpactAnalysisInput!) { impactAnalysis(input: $in) { slasAtRisk { id name } openIncidents { id shortDescription } } }`
	read := func(token string) ([]string, []string) {
		var out struct {
			ImpactAnalysis struct {
				SLAsAtRisk    []named `json:"slasAtRisk"`
				OpenIncidents []struct {
					ID               string `json:"id"`
					ShortDescription string `json:"shortDescription"`
				} `json:"openIncidents"`
			} `json:"impactAnalysis"`
		}
		e.ok(t, token, query, map[string]any{"in": map[string]any{"ciIds": w.idsOf(t, "orders-db", "cache")}}, &out)
		var incs []string
		for _, i := range out.ImpactAnalysis.OpenIncidents {
			incs = append(incs, i.ID)
		}
		return names(out.ImpactAnalysis.SLAsAtRisk), incs
	}
	slas, incs := read(team.agent)
	if !slices.Equal(slas, []string{"Retail gold"}) || !slices.Equal(incs, []string{slow.ID}) {
		t.Fatalf("the desk sees SLAs %v, incidents %v (want %s)", slas, incs, slow.ID)
	}
	// An agent of another group reads none of the desk's incidents.
	other := e.createGroup(t, "Facilities")
	u := e.createUser(t, map[string]any{"username": "fac-agent", "displayName": "Fac", "roles": []string{"AGENT"}, "groupIds": []string{other}})
	if slas, incs := read(e.mint(t, u.ID, auth.Agent)); len(incs) != 0 || len(slas) != 1 {
		t.Fatalf("another group's agent sees SLAs %v, incidents %v", slas, incs)
	}
}
