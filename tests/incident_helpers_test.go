package tests

import (
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
)

// incidentFields is what the incident tests read of an incident.
const incidentFields = `
fragment I on Incident {
  id number shortDescription callerId openedBy channel impact urgency priority state holdReason
  resolutionCode resolutionNotes major alertCount version createdAt respondedAt resolvedAt
  assigneeId assignmentGroup { id name }
  configurationItems { id name }
  impactedBusinessServices { id name }
  impactedBusinessUnits { id name }
  outage downServices { id name } degradedServices { id name }
  allowedTransitions
  history { field from to actor comment }
  escalations { fromGroup { id } toGroup { id name } toAssigneeId reason }
  timeline { kind body author }
  slaClocks { sla { id name } metric priority targetMinutes status dueAt breached warning }
}`

type incidentData struct {
	ID                       string   `json:"id"`
	Number                   string   `json:"number"`
	ShortDescription         string   `json:"shortDescription"`
	CallerID                 string   `json:"callerId"`
	OpenedBy                 string   `json:"openedBy"`
	Channel                  string   `json:"channel"`
	Impact                   string   `json:"impact"`
	Urgency                  string   `json:"urgency"`
	Priority                 string   `json:"priority"`
	State                    string   `json:"state"`
	HoldReason               *string  `json:"holdReason"`
	ResolutionCode           *string  `json:"resolutionCode"`
	ResolutionNotes          *string  `json:"resolutionNotes"`
	Major                    bool     `json:"major"`
	AlertCount               int      `json:"alertCount"`
	Version                  int      `json:"version"`
	CreatedAt                string   `json:"createdAt"`
	RespondedAt              *string  `json:"respondedAt"`
	ResolvedAt               *string  `json:"resolvedAt"`
	AssigneeID               *string  `json:"assigneeId"`
	AssignmentGroup          *named   `json:"assignmentGroup"`
	ConfigurationItems       []named  `json:"configurationItems"`
	ImpactedBusinessServices []named  `json:"impactedBusinessServices"`
	ImpactedBusinessUnits    []named  `json:"impactedBusinessUnits"`
	Outage                   string   `json:"outage"`
	DownServices             []named  `json:"downServices"`
	DegradedServices         []named  `json:"degradedServices"`
	AllowedTransitions       []string `json:"allowedTransitions"`
	History                  []struct {
		Field   string  `json:"field"`
		From    *string `json:"from"`
		To      string  `json:"to"`
		Actor   string  `json:"actor"`
		Comment *string `json:"comment"`
	} `json:"history"`
	Escalations []struct {
		FromGroup    *named  `json:"fromGroup"`
		ToGroup      *named  `json:"toGroup"`
		ToAssigneeID *string `json:"toAssigneeId"`
		Reason       string  `json:"reason"`
	} `json:"escalations"`
	Timeline []struct {
		Kind   string `json:"kind"`
		Body   string `json:"body"`
		Author string `json:"author"`
	} `json:"timeline"`
	SLAClocks []struct {
		SLA           named   `json:"sla"`
		Metric        string  `json:"metric"`
		Priority      string  `json:"priority"`
		TargetMinutes int     `json:"targetMinutes"`
		Status        string  `json:"status"`
		DueAt         *string `json:"dueAt"`
		Breached      bool    `json:"breached"`
		Warning       bool    `json:"warning"`
	} `json:"slaClocks"`
}

// states renders the state history as "FROM>TO" steps.
func (i incidentData) states() []string {
	var out []string
	for _, h := range i.History {
		if h.Field == "STATE" {
			from := ""
			if h.From != nil {
				from = *h.From
			}
			out = append(out, from+">"+h.To)
		}
	}
	return out
}

// entries renders the timeline as "KIND:body" lines.
func (i incidentData) entries() []string {
	out := []string{}
	for _, e := range i.Timeline {
		out = append(out, e.Kind+":"+e.Body)
	}
	return out
}

// clocks renders the SLA clocks as "METRIC:STATUS" for one SLA.
func (i incidentData) clocks(slaID string) []string {
	out := []string{}
	for _, c := range i.SLAClocks {
		if c.SLA.ID == slaID {
			out = append(out, c.Metric+":"+c.Status)
		}
	}
	return out
}

func names(ns []named) []string {
	out := []string{}
	for _, n := range ns {
		out = append(out, n.Name)
	}
	return out
}

const (
	createIncidentMutation = incidentFields + `
mutation($in: CreateIncidentInput!) { createIncident(input: $in) { created incident { ...I } } }`
	transitionIncidentMutation = incidentFields + `
mutation($in: TransitionIncidentInput!) { transitionIncident(input: $in) { incident { ...I } } }`
	reassignIncidentMutation = incidentFields + `
mutation($in: ReassignIncidentInput!) { reassignIncident(input: $in) { incident { ...I } } }`
	updateIncidentMutation = incidentFields + `
mutation($in: UpdateIncidentInput!) { updateIncident(input: $in) { incident { ...I } } }`
	addEntryMutation = `
mutation($in: AddIncidentEntryInput!) { addIncidentEntry(input: $in) { entry { kind body author } incident { id version } } }`
	incidentQuery = incidentFields + `
query($id: ID!) { incident(id: $id) { ...I } }`
	incidentsQuery = `
query($f: IncidentFilter) { incidents(filter: $f, first: 100) { totalCount edges { node { id priority state } } } }`
	createSLAMutation = `
mutation($in: CreateSLAInput!) { createSLA(input: $in) { sla { id name version customer { id name } services { id name }
  targets { priority responseMinutes resolutionMinutes } schedule { kind weekdays } } } }`
	setMatrixMutation = `
mutation($in: SetPriorityMatrixInput!) { setPriorityMatrix(input: $in) { cells { impact urgency priority } } }`
)

// incidentTeam holds the people of the incident tests: a service desk
// group with an agent who is a real user, a monitoring service account,
// the caller and another requester.
type incidentTeam struct {
	deskID, agentID string
	agent, monitor  string
	caller, other   string
}

const (
	subjMonitor = "svc-monitoring"
	subjCaller  = "e2e-caller"
	subjOther   = "e2e-other-requester"
)

func newIncidentTeam(t *testing.T, e *env) incidentTeam {
	t.Helper()
	desk := e.createGroup(t, "Service desk")
	u := e.createUser(t, map[string]any{"username": "desk-agent", "displayName": "Desk Agent", "roles": []string{"AGENT"}, "groupIds": []string{desk}})
	return incidentTeam{
		deskID: desk, agentID: u.ID,
		agent:   e.mint(t, u.ID, auth.Agent),
		monitor: e.mint(t, subjMonitor, auth.Agent),
		caller:  e.mint(t, subjCaller, auth.Requester),
		other:   e.mint(t, subjOther, auth.Requester),
	}
}

// newIncidentEnv serves the API on the change world with the server's
// clock at start.
func newIncidentEnv(t *testing.T, limits app.Limits, start time.Time) (*env, *world, incidentTeam, *neo4jtest.Clock) {
	t.Helper()
	clock := neo4jtest.NewClock(start)
	e := newEnvAt(t, limits, clock.Now)
	return e, changeWorld(t, e), newIncidentTeam(t, e), clock
}

func (e *env) createIncident(t testing.TB, token string, in map[string]any) (incidentData, bool) {
	t.Helper()
	var out struct {
		CreateIncident struct {
			Created  bool         `json:"created"`
			Incident incidentData `json:"incident"`
		} `json:"createIncident"`
	}
	e.ok(t, token, createIncidentMutation, map[string]any{"in": in}, &out)
	return out.CreateIncident.Incident, out.CreateIncident.Created
}

// incidentWrite runs one incident mutation whose payload is IncidentPayload.
func (e *env) incidentWrite(t testing.TB, token, mutation, field string, in map[string]any) incidentData {
	t.Helper()
	var out map[string]struct {
		Incident incidentData `json:"incident"`
	}
	e.ok(t, token, mutation, map[string]any{"in": in}, &out)
	return out[field].Incident
}

func (e *env) transitionIncident(t testing.TB, token string, i incidentData, to string, extra map[string]any) incidentData {
	t.Helper()
	in := map[string]any{"id": i.ID, "expectedVersion": i.Version, "to": to}
	for k, v := range extra {
		in[k] = v
	}
	got := e.incidentWrite(t, token, transitionIncidentMutation, "transitionIncident", in)
	if got.State != to || got.Version != i.Version+1 {
		t.Fatalf("→ %s: state %s, version %d after version %d", to, got.State, got.Version, i.Version)
	}
	return got
}

func (e *env) readIncident(t testing.TB, token, id string) incidentData {
	t.Helper()
	var out struct {
		Incident incidentData `json:"incident"`
	}
	e.ok(t, token, incidentQuery, map[string]any{"id": id}, &out)
	return out.Incident
}

// incidentIDs lists the ids of the incidents token may read.
func (e *env) incidentIDs(t testing.TB, token string) []string {
	t.Helper()
	var out struct {
		Incidents struct {
			TotalCount int `json:"totalCount"`
			Edges      []struct {
				Node struct {
					ID string `json:"id"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"incidents"`
	}
	e.ok(t, token, incidentsQuery, nil, &out)
	ids := []string{}
	for _, ed := range out.Incidents.Edges {
		ids = append(ids, ed.Node.ID)
	}
	if len(ids) != out.Incidents.TotalCount {
		t.Fatalf("totalCount %d, but %d edges", out.Incidents.TotalCount, len(ids))
	}
	return ids
}

// goldSLA returns createSLA terms: Retail's agreement on Shop, around the
// clock, P2 answered within 2h and resolved within 8h.
func goldSLA(w *world, t testing.TB) map[string]any {
	targets := []map[string]any{}
	for i, p := range []string{"P1", "P2", "P3", "P4", "P5"} {
		targets = append(targets, map[string]any{"priority": p, "responseMinutes": 60 * (i + 1), "resolutionMinutes": 240 * (i + 1)})
	}
	return map[string]any{"terms": map[string]any{
		"name": "Retail gold", "customerId": w.id(t, "Retail"), "serviceIds": []string{w.id(t, "Shop")},
		"targets": targets, "availability": 99.5, "schedule": map[string]any{"kind": "ALWAYS"},
		"warningThreshold": 0.75, "reviewPeriod": "QUARTERLY", "reviewStart": "2026-04-01T09:00:00Z",
	}}
}

func (e *env) createSLA(t testing.TB, token string, in map[string]any) string {
	t.Helper()
	var out struct {
		CreateSLA struct {
			SLA named `json:"sla"`
		} `json:"createSLA"`
	}
	e.ok(t, token, createSLAMutation, map[string]any{"in": in}, &out)
	return out.CreateSLA.SLA.ID
}

// alert is what the monitoring tool sends when orders-db stops answering.
func alert(w *world, t testing.TB, key, text string) map[string]any {
	return map[string]any{
		"shortDescription": "orders-db not answering", "description": text, "channel": "MONITORING",
		"callerId": subjCaller, "configurationItemIds": []string{w.id(t, "orders-db")},
		"impact": "HIGH", "urgency": "MEDIUM", "idempotencyKey": key,
	}
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return v
}
