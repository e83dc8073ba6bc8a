package tests

import (
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
)

// problemFields is what the problem tests read of a problem.
const problemFields = `
fragment P on Problem {
  id number title state impact urgency priority version closureCode closureReason rootCause workaround
  rootCauseConfigurationItem { id name }
  configurationItems { id name } services { id name }
  incidents { id state version problemIds }
  changes { id state }
  allowedTransitions
  history { field from to actor comment }
  timeline { body author }
  resolvedAt closedAt
}`

type problemData struct {
	ID                         string   `json:"id"`
	Number                     string   `json:"number"`
	Title                      string   `json:"title"`
	State                      string   `json:"state"`
	Impact                     string   `json:"impact"`
	Urgency                    string   `json:"urgency"`
	Priority                   string   `json:"priority"`
	Version                    int      `json:"version"`
	ClosureCode                *string  `json:"closureCode"`
	ClosureReason              *string  `json:"closureReason"`
	RootCause                  *string  `json:"rootCause"`
	Workaround                 *string  `json:"workaround"`
	RootCauseConfigurationItem *named   `json:"rootCauseConfigurationItem"`
	ConfigurationItems         []named  `json:"configurationItems"`
	Services                   []named  `json:"services"`
	AllowedTransitions         []string `json:"allowedTransitions"`
	Incidents                  []struct {
		ID         string   `json:"id"`
		State      string   `json:"state"`
		Version    int      `json:"version"`
		ProblemIDs []string `json:"problemIds"`
	} `json:"incidents"`
	Changes []struct {
		ID    string `json:"id"`
		State string `json:"state"`
	} `json:"changes"`
	History []struct {
		Field   string  `json:"field"`
		From    *string `json:"from"`
		To      *string `json:"to"`
		Actor   string  `json:"actor"`
		Comment *string `json:"comment"`
	} `json:"history"`
	Timeline []struct {
		Body   string `json:"body"`
		Author string `json:"author"`
	} `json:"timeline"`
	ResolvedAt *string `json:"resolvedAt"`
	ClosedAt   *string `json:"closedAt"`
}

func (p problemData) incidentIDs() []string {
	var out []string
	for _, i := range p.Incidents {
		out = append(out, i.ID)
	}
	return out
}

// states renders the state history as "FROM>TO" steps.
func (p problemData) states() []string {
	var out []string
	for _, h := range p.History {
		if h.Field == "STATE" {
			out = append(out, deref(h.From)+">"+deref(h.To))
		}
	}
	return out
}

const (
	createProblemMutation = problemFields + `
mutation($in: CreateProblemInput!) { createProblem(input: $in) { created problem { ...P } } }`
	updateProblemMutation = problemFields + `
mutation($in: UpdateProblemInput!) { updateProblem(input: $in) { problem { ...P } } }`
	transitionProblemMutation = problemFields + `
mutation($in: TransitionProblemInput!) { transitionProblem(input: $in) { problem { ...P } } }`
	resolveProblemMutation = problemFields + `
mutation($in: ResolveProblemInput!) { resolveProblem(input: $in) { problem { ...P }
  resolvedIncidents { id state resolutionCode timeline { kind body } } notMoved { incidentId state reason } } }`
	linkProblemMutation = problemFields + `
mutation($in: ProblemIncidentsInput!) { linkIncidentsToProblem(input: $in) { problem { ...P } } }`
	unlinkProblemMutation = problemFields + `
mutation($in: ProblemIncidentsInput!) { unlinkIncidentsFromProblem(input: $in) { problem { ...P } } }`
	addProblemNoteMutation = `
mutation($in: AddProblemNoteInput!) { addProblemNote(input: $in) { note { body author } problem { id version } } }`
	problemQuery = problemFields + `
query($id: ID!) { problem(id: $id) { ...P } }`
	knownErrorsQuery = `
query($f: KnownErrorFilter) { knownErrors(filter: $f, first: 50) { totalCount edges { node { id number state workaround } } } }`
	problemsQuery = `
query($f: ProblemFilter, $o: ProblemOrder) { problems(filter: $f, orderBy: $o, first: 50) { totalCount edges { node { id state } } } }`
	incidentProblemsQuery = `
query($id: ID!) { incident(id: $id) { id version problemIds problems { id number state } } }`
)

// problemTeam holds the people of the problem tests, beside the incident
// team (whose agent logs the incidents and the caller reports them).
type problemTeam struct {
	incidentTeam
	manager, agent, analyst, requester string
	changes                            changeTeam
}

const subjProblemManager = "e2e-problem-manager"

// newProblemEnv serves the API on the change world.
func newProblemEnv(t *testing.T, limits app.Limits) (*env, *world, problemTeam) {
	t.Helper()
	e := newEnvAt(t, limits, func() time.Time { return time.Now().UTC() })
	w := changeWorld(t, e)
	it := newIncidentTeam(t, e)
	return e, w, problemTeam{incidentTeam: it, manager: e.mint(t, subjProblemManager, auth.ProblemManager),
		agent: it.agent, analyst: e.mint(t, "e2e-problem-analyst", auth.Analyst), requester: it.caller, changes: newChangeTeam(t, e)}
}

func (e *env) createProblem(t testing.TB, token string, in map[string]any) (problemData, bool) {
	t.Helper()
	var out struct {
		CreateProblem struct {
			Created bool        `json:"created"`
			Problem problemData `json:"problem"`
		} `json:"createProblem"`
	}
	e.ok(t, token, createProblemMutation, map[string]any{"in": in}, &out)
	return out.CreateProblem.Problem, out.CreateProblem.Created
}

// problemWrite runs one problem mutation whose payload is ProblemPayload.
func (e *env) problemWrite(t testing.TB, token, mutation, field string, in map[string]any) problemData {
	t.Helper()
	var out map[string]struct {
		Problem problemData `json:"problem"`
	}
	e.ok(t, token, mutation, map[string]any{"in": in}, &out)
	return out[field].Problem
}

func (e *env) transitionProblem(t testing.TB, token string, p problemData, to string, extra map[string]any) problemData {
	t.Helper()
	in := map[string]any{"id": p.ID, "expectedVersion": p.Version, "to": to}
	for k, v := range extra {
		in[k] = v
	}
	got := e.problemWrite(t, token, transitionProblemMutation, "transitionProblem", in)
	if got.State != to || got.Version != p.Version+1 {
		t.Fatalf("→ %s: state %s, version %d after version %d", to, got.State, got.Version, p.Version)
	}
	return got
}

func (e *env) readProblem(t testing.TB, token, id string) problemData {
	t.Helper()
	var out struct {
		Problem problemData `json:"problem"`
	}
	e.ok(t, token, problemQuery, map[string]any{"id": id}, &out)
	return out.Problem
}

type incidentProblems struct {
	ID         string   `json:"id"`
	Version    int      `json:"version"`
	ProblemIDs []string `json:"problemIds"`
	Problems   []struct {
		ID     string `json:"id"`
		Number string `json:"number"`
		State  string `json:"state"`
	} `json:"problems"`
}

func (e *env) incidentProblems(t testing.TB, token, id string) incidentProblems {
	t.Helper()
	var out struct {
		Incident incidentProblems `json:"incident"`
	}
	e.ok(t, token, incidentProblemsQuery, map[string]any{"id": id}, &out)
	return out.Incident
}

// knownErrorIDs lists the ids knownErrors returns for filter f, checking
// totalCount against them.
func (e *env) knownErrorIDs(t testing.TB, token string, f map[string]any) []string {
	t.Helper()
	var out struct {
		KnownErrors struct {
			TotalCount int `json:"totalCount"`
			Edges      []struct {
				Node struct {
					ID string `json:"id"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"knownErrors"`
	}
	e.ok(t, token, knownErrorsQuery, map[string]any{"f": f}, &out)
	ids := []string{}
	for _, ed := range out.KnownErrors.Edges {
		ids = append(ids, ed.Node.ID)
	}
	if len(ids) != out.KnownErrors.TotalCount {
		t.Fatalf("knownErrors %v: totalCount %d, %d edges", f, out.KnownErrors.TotalCount, len(ids))
	}
	return ids
}

// deskIncident logs an incident on ci with the service desk, as the agent.
func (e *env) deskIncident(t testing.TB, team problemTeam, text string, ciIDs []string) incidentData {
	t.Helper()
	inc, _ := e.createIncident(t, team.agent, map[string]any{"shortDescription": text, "callerId": subjCaller,
		"configurationItemIds": ciIDs, "impact": "MEDIUM", "urgency": "MEDIUM", "assignmentGroupId": team.deskID})
	return inc
}

// implementedChange returns a STANDARD change on targets carried to state
// (AUTHORIZED after submission, then SCHEDULED, IMPLEMENTING, IMPLEMENTED).
func (e *env) standardChange(t testing.TB, team changeTeam, targets []string) changeData {
	t.Helper()
	var tpl struct {
		CreateChangeTemplate struct {
			Template named `json:"template"`
		} `json:"createChangeTemplate"`
	}
	e.ok(t, team.manager, `mutation($in: CreateChangeTemplateInput!) { createChangeTemplate(input: $in) { template { id name } } }`,
		map[string]any{"in": map[string]any{"name": "Fix it", "implementationPlan": "apply the fix", "backoutPlan": "revert",
			"configurationItemTypes": []string{"SERVER", "DATABASE"}, "maxRiskLevel": "CRITICAL"}}, &tpl)
	start, end := nowWindow()
	c := e.createChange(t, team.requester, map[string]any{"templateId": tpl.CreateChangeTemplate.Template.ID, "targetIds": targets,
		"plannedStart": start, "plannedEnd": end})
	return e.transitionChange(t, team.requester, c, "SUBMITTED", "")
}
