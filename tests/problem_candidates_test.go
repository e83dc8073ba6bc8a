package tests

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/limits"
)

type candidateData struct {
	Rank              int   `json:"rank"`
	IncidentCount     int   `json:"incidentCount"`
	Fanout            int   `json:"fanout"`
	ConfigurationItem named `json:"configurationItem"`
	Incidents         []struct {
		Incident          named   `json:"incident"`
		ConfigurationItem named   `json:"configurationItem"`
		Path              []gEdge `json:"path"`
	} `json:"incidents"`
}

const problemCandidatesQuery = `query($min: Int, $depth: Int, $window: TimeWindowInput, $per: Int) {
  problemCandidates(minIncidents: $min, maxDepth: $depth, window: $window, incidentsPerCandidate: $per) {
    rank incidentCount fanout configurationItem { id name }
    incidents { incident { id name: shortDescription } configurationItem { id name } path { id type sourceId targetId } } } }`

// TestProblemCandidatesFindTheSharedServer is the analyst's morning
// question: five incidents on five applications that all depend on one
// database server (itself on a switch) give one candidate, the server,
// with the five incidents and their paths; the switch explains the same
// incidents from further away and is left out. What changed on the server
// two hours before is the first root-cause hint.
func TestProblemCandidatesFindTheSharedServer(t *testing.T) {
	clock := &settableClock{at: time.Now().UTC().Add(-12 * 24 * time.Hour).Truncate(time.Second)}
	e := newEnvAt(t, app.Limits{}, clock.now)
	w := newWorld(t, e)
	var apps []string
	for i := range 5 {
		name := fmt.Sprintf("pc-app-%d", i)
		w.build(t, name+" DEPENDS_ON pc-dbsrv")
		apps = append(apps, w.id(t, name))
	}
	w.build(t, "pc-dbsrv CONNECTS_TO pc-switch", "pc-lonely-app RUNS_ON pc-other-host")
	team := newChangeTeam(t, e)
	// The estate was built before the week the hints look back over.
	clock.advance(8 * 24 * time.Hour)

	chg := implementChange(t, e, clock, team, "upgrade the database server", []string{w.id(t, "pc-dbsrv")})
	clock.advance(2 * time.Hour)
	var incidents []string
	for i, app := range apps {
		inc, _ := e.createIncident(t, e.agent, map[string]any{"shortDescription": fmt.Sprintf("app %d errors", i), "impact": "MEDIUM", "urgency": "HIGH",
			"configurationItemIds": []string{app}})
		incidents = append(incidents, inc.ID)
	}
	e.createIncident(t, e.agent, map[string]any{"shortDescription": "unrelated", "impact": "LOW", "urgency": "LOW",
		"configurationItemIds": []string{w.id(t, "pc-lonely-app")}})

	var out struct {
		ProblemCandidates []candidateData `json:"problemCandidates"`
	}
	e.ok(t, e.analyst, problemCandidatesQuery, map[string]any{"min": 3}, &out)
	if len(out.ProblemCandidates) != 1 {
		t.Fatalf("candidates = %+v, want the database server alone", out.ProblemCandidates)
	}
	c := out.ProblemCandidates[0]
	if c.Rank != 1 || c.ConfigurationItem.Name != "pc-dbsrv" || c.IncidentCount != 5 || len(c.Incidents) != 5 || c.Fanout != 5 {
		t.Fatalf("candidate = %+v, want pc-dbsrv explaining 5 incidents", c)
	}
	var got []string
	for _, ci := range c.Incidents {
		got = append(got, ci.Incident.ID)
		if ci.ConfigurationItem.Name[:7] != "pc-app-" || w.path(ci.Path) != ci.ConfigurationItem.Name+"-DEPENDS_ON->pc-dbsrv" {
			t.Errorf("incident %s: on %s by %s", ci.Incident.ID, ci.ConfigurationItem.Name, w.path(ci.Path))
		}
	}
	slices.Sort(got)
	slices.Sort(incidents)
	if !slices.Equal(got, incidents) {
		t.Errorf("incidents = %v, want %v", got, incidents)
	}

	// A candidate explains as many incidents as asked; it counts them all.
	e.ok(t, e.analyst, problemCandidatesQuery, map[string]any{"min": 3, "per": 2}, &out)
	if c := out.ProblemCandidates; len(c) != 1 || c[0].IncidentCount != 5 || len(c[0].Incidents) != 2 {
		t.Errorf("two incidents per candidate = %+v", c)
	}

	// Each application is a candidate of one incident; two steps up, the
	// switch stands for the same five as the server, which is nearer.
	e.ok(t, e.analyst, problemCandidatesQuery, map[string]any{"min": 1, "depth": 2}, &out)
	var names []string
	for _, c := range out.ProblemCandidates {
		names = append(names, fmt.Sprintf("%s:%d", c.ConfigurationItem.Name, c.IncidentCount))
	}
	if len(names) != 7 || names[0] != "pc-dbsrv:5" || slices.Contains(names, "pc-switch:5") || !slices.Contains(names, "pc-lonely-app:1") {
		t.Errorf("candidates with min 1 = %v, want pc-dbsrv first, each app, the lonely app, and no switch", names)
	}

	// A problem manager opens a problem from the candidate: its first
	// root-cause hint is the change on the server.
	pm := e.mint(t, "pc-problem-manager", auth.ProblemManager)
	prb, _ := e.createProblem(t, pm, map[string]any{"title": "apps fail together", "impact": "HIGH", "urgency": "HIGH",
		"configurationItemIds": []string{c.ConfigurationItem.ID}, "incidentIds": incidents})
	var again struct {
		ProblemCandidates []struct {
			OpenProblems []named `json:"openProblems"`
		} `json:"problemCandidates"`
	}
	e.ok(t, e.analyst, `{ problemCandidates(minIncidents: 3) { openProblems { id } } }`, nil, &again)
	if c := again.ProblemCandidates; len(c) != 1 || len(c[0].OpenProblems) != 1 || c[0].OpenProblems[0].ID != prb.ID {
		t.Errorf("candidate's open problems = %+v, want the new problem %s", c, prb.ID)
	}
	var hinted struct {
		Problem struct {
			RootCauseHints []nearbyData `json:"rootCauseHints"`
		} `json:"problem"`
	}
	e.ok(t, pm, `query($id: ID!) { problem(id: $id) { rootCauseHints { rank kind item { name } change { id } } } }`, map[string]any{"id": prb.ID}, &hinted)
	if h := hinted.Problem.RootCauseHints; len(h) == 0 || h[0].Kind != "CHANGE_IMPLEMENTED" || h[0].Item.Name != "pc-dbsrv" || h[0].Change.ID != chg.ID {
		t.Errorf("root-cause hints = %+v, want the change on pc-dbsrv first", h)
	}

	// The change was the fix: once it is implemented, resolving the problem
	// resolves its five incidents with it.
	chg = e.transitionChange(t, team.otherAgent, chg, "IMPLEMENTED", "")
	prb = e.problemWrite(t, pm, updateProblemMutation, "updateProblem", map[string]any{"id": prb.ID, "expectedVersion": prb.Version, "changeIds": []string{chg.ID}})
	prb = e.transitionProblem(t, pm, prb, "INVESTIGATING", nil)
	var res struct {
		ResolveProblem struct {
			Problem           problemData `json:"problem"`
			ResolvedIncidents []named     `json:"resolvedIncidents"`
		} `json:"resolveProblem"`
	}
	e.ok(t, pm, resolveProblemMutation, map[string]any{"in": map[string]any{"id": prb.ID, "expectedVersion": prb.Version, "resolveIncidents": true}}, &res)
	if res.ResolveProblem.Problem.State != "RESOLVED" || len(res.ResolveProblem.ResolvedIncidents) != 5 {
		t.Errorf("resolved %s with %d incidents, want RESOLVED with 5", res.ResolveProblem.Problem.State, len(res.ResolveProblem.ResolvedIncidents))
	}

	// The first hint for any of the incidents is the change on the server.
	const hints = `query($id: ID!) { incident(id: $id) { recentChangesNear { rank kind item { name } change { id } } } }`
	var inc struct {
		Incident struct {
			RecentChangesNear []nearbyData `json:"recentChangesNear"`
		} `json:"incident"`
	}
	e.ok(t, e.agent, hints, map[string]any{"id": incidents[0]}, &inc)
	if h := inc.Incident.RecentChangesNear; len(h) == 0 || h[0].Kind != "CHANGE_IMPLEMENTED" || h[0].Change == nil || h[0].Change.ID != chg.ID {
		t.Errorf("hints = %+v, want the change on pc-dbsrv first", h)
	}
}

// TestProblemCandidatesBadInputAndRoles: bounds name their limit; agents,
// who read only some incidents, and requesters may not ask.
func TestProblemCandidatesBadInputAndRoles(t *testing.T) {
	e := newEnv(t, app.Limits{})
	now := time.Now().UTC()
	cases := []struct {
		vars map[string]any
		says string
	}{
		{map[string]any{"depth": 11}, "between 0 and 10"},
		{map[string]any{"min": 0}, "between 1 and 1000"},
		{map[string]any{"per": 201}, "between 0 and 200"},
		{map[string]any{"window": map[string]any{"from": now.Add(-100 * 24 * time.Hour).Format(time.RFC3339), "to": now.Format(time.RFC3339)}}, "at most 90 days"},
	}
	for _, c := range cases {
		r := e.fail(t, e.analyst, problemCandidatesQuery, c.vars, "BAD_USER_INPUT")
		if !strings.Contains(r.Errors[0].Message, c.says) {
			t.Errorf("%v: %q, want it to say %q", c.vars, r.Errors[0].Message, c.says)
		}
	}
	// The default window ends at the server's clock, in its local zone.
	e.ok(t, e.analyst, problemCandidatesQuery, nil, nil)
	for _, token := range []string{e.agent, e.requester} {
		e.fail(t, token, problemCandidatesQuery, nil, "FORBIDDEN")
	}
}

// TestProblemCandidatesLoadInBatches: the candidates' incidents, CIs and
// open problems load a batch each, however their fields interleave: with
// loaders that wait for nothing, the answer still fits a small budget of
// transactions.
func TestProblemCandidatesLoadInBatches(t *testing.T) {
	e := newEnv(t, app.Limits{LoaderWait: time.Nanosecond, Request: limits.Request{MaxTransactions: 10}})
	w := newWorld(t, e)
	var apps []string
	for i := range 8 {
		name := fmt.Sprintf("lb-app-%d", i)
		w.build(t, name+" DEPENDS_ON lb-db")
		apps = append(apps, w.id(t, name))
	}
	for i, app := range apps {
		e.createIncident(t, e.agent, map[string]any{"shortDescription": fmt.Sprintf("app %d down", i), "impact": "LOW", "urgency": "LOW",
			"configurationItemIds": []string{app}})
	}
	pm := e.mint(t, "lb-problem-manager", auth.ProblemManager)
	e.createProblem(t, pm, map[string]any{"title": "db", "impact": "LOW", "urgency": "LOW", "configurationItemIds": []string{w.id(t, "lb-db")}})
	var out struct {
		ProblemCandidates []struct {
			candidateData
			OpenProblems []named `json:"openProblems"`
		} `json:"problemCandidates"`
	}
	e.ok(t, e.analyst, `{ problemCandidates(minIncidents: 8) {
    rank incidentCount configurationItem { id name } openProblems { id }
    incidents { incident { id name: shortDescription } configurationItem { id name } path { id } } } }`, nil, &out)
	if c := out.ProblemCandidates; len(c) != 1 || c[0].ConfigurationItem.Name != "lb-db" || len(c[0].Incidents) != 8 || len(c[0].OpenProblems) != 1 {
		t.Fatalf("candidates = %+v, want lb-db with 8 incidents and its problem", c)
	}
	for _, i := range out.ProblemCandidates[0].Incidents {
		if i.Incident.Name == "" || !strings.HasPrefix(i.ConfigurationItem.Name, "lb-app-") {
			t.Errorf("incident %+v not loaded", i)
		}
	}
}
