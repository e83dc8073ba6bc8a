package tests

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
)

// knownError opens a problem on ciIDs and serviceIDs and records it as a
// known error with workaround.
func (e *env) knownError(t testing.TB, team problemTeam, title string, ciIDs, serviceIDs []string, workaround string) problemData {
	t.Helper()
	p, _ := e.createProblem(t, team.manager, map[string]any{"title": title, "impact": "MEDIUM", "urgency": "LOW",
		"configurationItemIds": ciIDs, "serviceIds": serviceIDs})
	p = e.transitionProblem(t, team.manager, p, "INVESTIGATING", nil)
	return e.transitionProblem(t, team.manager, p, "KNOWN_ERROR", map[string]any{"rootCause": "cause of " + title, "workaround": workaround})
}

// TestProblemKnownErrorDatabase: knownErrors lists problems in KNOWN_ERROR
// (and RESOLVED ones with their workaround), filtered by CI, service and
// text; problems still under investigation are not in it.
func TestProblemKnownErrorDatabase(t *testing.T) {
	e, w, team := newProblemEnv(t, app.Limits{})
	cache, hr := w.id(t, "cache"), w.id(t, "hr-app")
	a := e.knownError(t, team, "Cache evicts sessions", []string{cache}, w.idsOf(t, "Orders"), "Pin the session keys")
	b := e.knownError(t, team, "HR export fails on Mondays", []string{hr}, w.idsOf(t, "HR"), "Run the EXPORT by hand")
	open, _ := e.createProblem(t, team.manager, map[string]any{"title": "Cache latency", "impact": "LOW", "urgency": "LOW",
		"configurationItemIds": []string{cache}})
	// Its root cause CI counts as the CI too.
	c := e.knownError(t, team, "Session loss", nil, nil, "log in again")
	c = e.problemWrite(t, team.manager, updateProblemMutation, "updateProblem", map[string]any{"id": c.ID, "expectedVersion": c.Version,
		"rootCauseConfigurationItemId": cache})

	for _, tt := range []struct {
		name   string
		filter map[string]any
		want   []string
	}{
		{"all", nil, []string{c.ID, b.ID, a.ID}},
		{"by CI", map[string]any{"configurationItemId": cache}, []string{c.ID, a.ID}},
		{"by service", map[string]any{"serviceId": w.id(t, "HR")}, []string{b.ID}},
		{"by text, any case", map[string]any{"text": "export"}, []string{b.ID}},
		{"by workaround text", map[string]any{"text": "PIN THE"}, []string{a.ID}},
		{"by CI and text", map[string]any{"configurationItemId": cache, "text": "session"}, []string{c.ID, a.ID}},
		{"nothing", map[string]any{"text": "nowhere"}, []string{}},
	} {
		if got := e.knownErrorIDs(t, team.agent, tt.filter); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	if slices.Contains(e.knownErrorIDs(t, team.agent, nil), open.ID) {
		t.Fatal("a NEW problem is in the known error database")
	}

	// problems lists them all, filtered and ordered.
	var out struct {
		Problems struct {
			TotalCount int `json:"totalCount"`
			Edges      []struct {
				Node struct {
					ID    string `json:"id"`
					State string `json:"state"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"problems"`
	}
	e.ok(t, team.analyst, problemsQuery, map[string]any{"f": map[string]any{"states": []string{"NEW"}}}, &out)
	if out.Problems.TotalCount != 1 || out.Problems.Edges[0].Node.ID != open.ID {
		t.Fatalf("NEW problems: %+v", out.Problems)
	}
	e.ok(t, team.analyst, problemsQuery, map[string]any{"f": map[string]any{"configurationItemId": cache}, "o": map[string]any{"field": "CREATED_AT", "direction": "ASC"}}, &out)
	var ids []string
	for _, ed := range out.Problems.Edges {
		ids = append(ids, ed.Node.ID)
	}
	if !slices.Equal(ids, []string{a.ID, open.ID, c.ID}) {
		t.Fatalf("problems on the cache, oldest first: %v", ids)
	}
}

// TestProblemInvalidTransitionsAndStaleVersions: moves the lifecycle does
// not have are INVALID_TRANSITION, and a stale expectedVersion is CONFLICT,
// on every write; neither changes anything, version included.
func TestProblemInvalidTransitionsAndStaleVersions(t *testing.T) {
	e, _, team := newProblemEnv(t, app.Limits{})
	p, _ := e.createProblem(t, team.manager, map[string]any{"title": "Printer queue stalls", "impact": "LOW", "urgency": "LOW"})
	inc := e.deskIncident(t, team, "printing stuck", nil)
	for _, to := range []string{"KNOWN_ERROR", "RESOLVED", "CLOSED", "NEW"} {
		in := map[string]any{"id": p.ID, "expectedVersion": p.Version, "to": to, "rootCause": "x", "workaround": "y", "closureCode": "RISK_ACCEPTED", "reason": "r"}
		r := e.fail(t, team.manager, transitionProblemMutation, map[string]any{"in": in}, "INVALID_TRANSITION")
		if !strings.Contains(r.Errors[0].Message, "INVESTIGATING") {
			t.Errorf("NEW → %s: %s", to, r.Errors[0].Message)
		}
	}
	stale := p.Version + 1
	for _, c := range []struct {
		mutation string
		in       map[string]any
	}{
		{transitionProblemMutation, map[string]any{"id": p.ID, "expectedVersion": stale, "to": "INVESTIGATING"}},
		{updateProblemMutation, map[string]any{"id": p.ID, "expectedVersion": stale, "title": "x"}},
		{resolveProblemMutation, map[string]any{"id": p.ID, "expectedVersion": stale, "closureCode": "RISK_ACCEPTED", "reason": "r"}},
		{linkProblemMutation, map[string]any{"problemId": p.ID, "expectedVersion": stale, "incidentIds": []string{inc.ID}}},
		{unlinkProblemMutation, map[string]any{"problemId": p.ID, "expectedVersion": stale, "incidentIds": []string{inc.ID}}},
	} {
		e.fail(t, team.manager, c.mutation, map[string]any{"in": c.in}, "CONFLICT")
	}
	if got := e.readProblem(t, team.manager, p.ID); got.Version != p.Version || got.State != "NEW" || got.Title != p.Title || len(got.Incidents) != 0 {
		t.Fatalf("refused writes changed the problem: %+v", got)
	}
	if got := e.incidentProblems(t, team.agent, inc.ID); got.Version != inc.Version || len(got.ProblemIDs) != 0 {
		t.Fatalf("a refused link changed the incident: %+v", got)
	}

	// CANCELLED needs its closure code and a reason; then it is final.
	r := e.fail(t, team.manager, transitionProblemMutation, map[string]any{"in": map[string]any{"id": p.ID, "expectedVersion": p.Version,
		"to": "CANCELLED", "closureCode": "FIX_APPLIED", "reason": "x"}}, "BAD_USER_INPUT")
	if !strings.Contains(r.Errors[0].Message, "closureCode") {
		t.Fatalf("message: %s", r.Errors[0].Message)
	}
	e.fail(t, team.manager, transitionProblemMutation, map[string]any{"in": map[string]any{"id": p.ID, "expectedVersion": p.Version,
		"to": "CANCELLED", "closureCode": "DUPLICATE"}}, "BAD_USER_INPUT")
	p = e.transitionProblem(t, team.manager, p, "CANCELLED", map[string]any{"closureCode": "DUPLICATE", "reason": "same as the spooler problem"})
	if deref(p.ClosureCode) != "DUPLICATE" || p.ClosedAt == nil {
		t.Fatalf("cancelled: %+v", p)
	}
	r = e.fail(t, team.manager, transitionProblemMutation, map[string]any{"in": map[string]any{"id": p.ID, "expectedVersion": p.Version, "to": "INVESTIGATING"}}, "INVALID_TRANSITION")
	if !strings.Contains(r.Errors[0].Message, "final") {
		t.Fatalf("message: %s", r.Errors[0].Message)
	}
	e.fail(t, team.manager, updateProblemMutation, map[string]any{"in": map[string]any{"id": p.ID, "expectedVersion": p.Version, "title": "x"}}, "INVALID_TRANSITION")
}

// TestProblemIdempotentCreate: a retried create returns the first problem
// and creates nothing; the key reused for another request is CONFLICT.
func TestProblemIdempotentCreate(t *testing.T) {
	e, _, team := newProblemEnv(t, app.Limits{})
	inc := e.deskIncident(t, team, "disk full", nil)
	in := map[string]any{"title": "Disk fills up", "impact": "HIGH", "urgency": "HIGH", "incidentIds": []string{inc.ID}, "idempotencyKey": "prb-key-1"}
	first, created := e.createProblem(t, team.agent, in)
	again, createdAgain := e.createProblem(t, team.agent, in)
	if !created || createdAgain || again.ID != first.ID || again.Number != first.Number || again.Priority != "P1" {
		t.Fatalf("first %v %+v, again %v %+v", created, first, createdAgain, again)
	}
	in["title"] = "Another problem"
	e.fail(t, team.agent, createProblemMutation, map[string]any{"in": in}, "CONFLICT")
	var out struct {
		Problems struct {
			TotalCount int `json:"totalCount"`
		} `json:"problems"`
	}
	e.ok(t, team.analyst, problemsQuery, nil, &out)
	if out.Problems.TotalCount != 1 {
		t.Fatalf("%d problems", out.Problems.TotalCount)
	}
	if got := e.incidentProblems(t, team.agent, inc.ID); !slices.Equal(got.ProblemIDs, []string{first.ID}) || got.Version != inc.Version+1 {
		t.Fatalf("incident after a retried create: %+v", got)
	}
}

// TestProblemRoles: who may do what with problems. PROBLEM_MANAGER and
// ADMIN own them; AGENT opens, notes and links; ANALYST and other staff
// read; a REQUESTER sees none anywhere: not by id, not through node(id:),
// not through their own incident's problems, not in lists.
func TestProblemRoles(t *testing.T) {
	e, _, team := newProblemEnv(t, app.Limits{})
	admin := e.mint(t, "e2e-problem-admin", auth.Admin)
	cm := e.mint(t, "e2e-problem-cm", auth.ChangeManager)
	inc := e.deskIncident(t, team, "vpn drops", nil) // the requester is its caller
	p, _ := e.createProblem(t, team.agent, map[string]any{"title": "VPN drops", "impact": "LOW", "urgency": "LOW", "incidentIds": []string{inc.ID}})
	cur := func() int { return e.readProblem(t, team.manager, p.ID).Version }

	type call struct {
		name, token, mutation string
		in                    func() map[string]any
		code                  string // "" for allowed
	}
	create := func() map[string]any { return map[string]any{"title": "x", "impact": "LOW", "urgency": "LOW"} }
	update := func() map[string]any {
		return map[string]any{"id": p.ID, "expectedVersion": cur(), "category": "network"}
	}
	note := func() map[string]any { return map[string]any{"problemId": p.ID, "body": "seen again"} }
	link := func() map[string]any {
		return map[string]any{"problemId": p.ID, "expectedVersion": cur(), "incidentIds": []string{inc.ID}}
	}
	move := func() map[string]any {
		return map[string]any{"id": p.ID, "expectedVersion": cur(), "to": "INVESTIGATING"}
	}
	for _, c := range []call{
		{"requester creates", team.requester, createProblemMutation, create, "FORBIDDEN"},
		{"analyst creates", team.analyst, createProblemMutation, create, "FORBIDDEN"},
		{"change manager creates", cm, createProblemMutation, create, "FORBIDDEN"},
		{"agent creates", team.agent, createProblemMutation, create, ""},
		{"manager creates", team.manager, createProblemMutation, create, ""},
		{"admin creates", admin, createProblemMutation, create, ""},
		{"agent updates", team.agent, updateProblemMutation, update, "FORBIDDEN"},
		{"analyst updates", team.analyst, updateProblemMutation, update, "FORBIDDEN"},
		{"manager updates", team.manager, updateProblemMutation, update, ""},
		{"admin updates", admin, updateProblemMutation, update, ""},
		{"requester notes", team.requester, addProblemNoteMutation, note, "FORBIDDEN"},
		{"analyst notes", team.analyst, addProblemNoteMutation, note, "FORBIDDEN"},
		{"agent notes", team.agent, addProblemNoteMutation, note, ""},
		{"analyst links", team.analyst, linkProblemMutation, link, "FORBIDDEN"},
		{"agent links", team.agent, linkProblemMutation, link, ""},
		{"agent unlinks", team.agent, unlinkProblemMutation, link, "FORBIDDEN"},
		{"agent moves", team.agent, transitionProblemMutation, move, "FORBIDDEN"},
		{"manager moves", team.manager, transitionProblemMutation, move, ""},
	} {
		if c.code == "" {
			e.ok(t, c.token, c.mutation, map[string]any{"in": c.in()}, nil)
		} else {
			e.fail(t, c.token, c.mutation, map[string]any{"in": c.in()}, c.code)
		}
	}

	// Every staff role reads; the requester reads nothing.
	for _, tok := range []string{team.analyst, cm, team.agent, admin} {
		if got := e.readProblem(t, tok, p.ID); got.ID != p.ID {
			t.Fatalf("staff read %+v", got)
		}
	}
	e.fail(t, team.requester, problemQuery, map[string]any{"id": p.ID}, "FORBIDDEN")
	e.fail(t, team.requester, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": p.ID}, "FORBIDDEN")
	e.fail(t, team.requester, problemsQuery, nil, "FORBIDDEN")
	e.fail(t, team.requester, knownErrorsQuery, nil, "FORBIDDEN")
	mine := e.incidentProblems(t, team.requester, inc.ID)
	if len(mine.Problems) != 0 {
		t.Fatalf("the requester sees problems through their incident: %+v", mine)
	}
	if staff := e.incidentProblems(t, team.agent, inc.ID); len(staff.Problems) != 1 {
		t.Fatalf("the agent sees %+v", staff)
	}
	var node struct {
		Node *struct {
			ID     string `json:"id"`
			Number string `json:"number"`
		} `json:"node"`
	}
	e.ok(t, team.analyst, `query($id: ID!) { node(id: $id) { id ... on Problem { number } } }`, map[string]any{"id": p.ID}, &node)
	if node.Node == nil || node.Node.Number != p.Number {
		t.Fatalf("analyst node: %+v", node.Node)
	}
}

// TestProblemBadInput: unknown ids are NOT_FOUND, over-long text
// BAD_USER_INPUT, and a refused request leaves everything as it was.
func TestProblemBadInput(t *testing.T) {
	e, w, team := newProblemEnv(t, app.Limits{})
	inc := e.deskIncident(t, team, "mail bounces", nil)
	p, _ := e.createProblem(t, team.manager, map[string]any{"title": "Mail bounces", "impact": "LOW", "urgency": "LOW"})
	long := strings.Repeat("x", 201)
	for _, c := range []struct {
		name, mutation string
		in             map[string]any
		code           string
	}{
		{"unknown CI", createProblemMutation, map[string]any{"title": "x", "impact": "LOW", "urgency": "LOW", "configurationItemIds": []string{"ci_nope"}}, "NOT_FOUND"},
		{"unknown incident on create", createProblemMutation, map[string]any{"title": "x", "impact": "LOW", "urgency": "LOW", "incidentIds": []string{inc.ID, "inc_nope"}}, "NOT_FOUND"},
		{"long title", createProblemMutation, map[string]any{"title": long, "impact": "LOW", "urgency": "LOW"}, "BAD_USER_INPUT"},
		{"unknown problem", updateProblemMutation, map[string]any{"id": "prb_nope", "expectedVersion": 1, "title": "x"}, "NOT_FOUND"},
		{"unknown change", updateProblemMutation, map[string]any{"id": p.ID, "expectedVersion": 1, "changeIds": []string{"chg_nope"}}, "NOT_FOUND"},
		{"unknown root CI", updateProblemMutation, map[string]any{"id": p.ID, "expectedVersion": 1, "rootCauseConfigurationItemId": "ci_nope"}, "NOT_FOUND"},
		{"long workaround", updateProblemMutation, map[string]any{"id": p.ID, "expectedVersion": 1, "workaround": strings.Repeat("w", 20001)}, "BAD_USER_INPUT"},
		{"long reason", transitionProblemMutation, map[string]any{"id": p.ID, "expectedVersion": 1, "to": "CANCELLED", "closureCode": "CANCELLED", "reason": strings.Repeat("r", 4001)}, "BAD_USER_INPUT"},
		{"unknown incident on link", linkProblemMutation, map[string]any{"problemId": p.ID, "expectedVersion": 1, "incidentIds": []string{inc.ID, "inc_nope"}}, "NOT_FOUND"},
		{"no incidents", linkProblemMutation, map[string]any{"problemId": p.ID, "expectedVersion": 1, "incidentIds": []string{}}, "BAD_USER_INPUT"},
		{"empty note", addProblemNoteMutation, map[string]any{"problemId": p.ID, "body": ""}, "BAD_USER_INPUT"},
		{"note on unknown problem", addProblemNoteMutation, map[string]any{"problemId": "prb_nope", "body": "x"}, "NOT_FOUND"},
		{"assignee outside the group", updateProblemMutation, map[string]any{"id": p.ID, "expectedVersion": 1, "assignmentGroupId": team.deskID, "assigneeId": "usr_nope"}, "NOT_FOUND"},
	} {
		e.fail(t, team.manager, c.mutation, map[string]any{"in": c.in}, c.code)
	}
	got := e.readProblem(t, team.manager, p.ID)
	if got.Version != 1 || got.State != "NEW" || len(got.Incidents) != 0 || len(got.Changes) != 0 || got.Workaround != nil || len(got.Timeline) != 0 || len(got.History) != 1 {
		t.Fatalf("refused requests wrote the problem: %+v", got)
	}
	if ip := e.incidentProblems(t, team.agent, inc.ID); ip.Version != inc.Version || len(ip.ProblemIDs) != 0 {
		t.Fatalf("refused requests wrote the incident: %+v", ip)
	}
	var out struct {
		Problems struct {
			TotalCount int `json:"totalCount"`
		} `json:"problems"`
	}
	e.ok(t, team.analyst, problemsQuery, nil, &out)
	if out.Problems.TotalCount != 1 {
		t.Fatalf("refused creates wrote: %d problems", out.Problems.TotalCount)
	}
	_ = w
}

// TestProblemChangedSubscription: problemChanged delivers a problem each
// time it is written, to staff following it or its group.
func TestProblemChangedSubscription(t *testing.T) {
	e, _, team := newProblemEnv(t, app.Limits{CORSOrigins: []string{okOrigin}})
	p, _ := e.createProblem(t, team.manager, map[string]any{"title": "Backups fail", "impact": "LOW", "urgency": "LOW", "assignmentGroupId": team.deskID})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := e.connectWS(t, ctx, okOrigin, map[string]any{"Authorization": "Bearer " + team.analyst})
	c.expectAck(t)
	c.subscribe(t, "1", `subscription($id: ID) { problemChanged(id: $id) { id state version } }`, map[string]any{"id": p.ID})
	// The group's follower has a connection of its own (nextEvent skips
	// other subscriptions' messages).
	g := e.connectWS(t, ctx, okOrigin, map[string]any{"Authorization": "Bearer " + team.agent})
	g.expectAck(t)
	g.subscribe(t, "2", `subscription($g: ID) { problemChanged(assignmentGroupId: $g) { id state version } }`, map[string]any{"g": team.deskID})
	// Subscriptions start asynchronously: write notes until one is heard.
	for _, f := range []struct {
		ws  *wsClient
		sub string
	}{{c, "1"}, {g, "2"}} {
		live := false
		for i := 0; i < 40 && !live; i++ {
			e.ok(t, team.agent, addProblemNoteMutation, map[string]any{"in": map[string]any{"problemId": p.ID, "body": "watching"}}, nil)
			_, live = nextEvent(t, f.ws, f.sub, "problemChanged", 250*time.Millisecond)
		}
		if !live {
			t.Fatalf("subscription %s never delivered", f.sub)
		}
	}
	// A requester may not follow problems at all.
	rq := e.connectWS(t, ctx, okOrigin, map[string]any{"Authorization": "Bearer " + team.requester})
	rq.expectAck(t)
	rq.subscribe(t, "r", `subscription { problemChanged { id } }`, nil)
	if errs := subscriptionErrors(t, rq.next(t, 10*time.Second), "r"); len(errs) != 1 || errs[0].Extensions.Code != "FORBIDDEN" {
		t.Fatalf("requester subscription: %+v", errs)
	}
	p = e.transitionProblem(t, team.manager, p, "INVESTIGATING", nil)
	for _, f := range []struct {
		ws  *wsClient
		sub string
	}{{c, "1"}, {g, "2"}} {
		sub := f.sub
		for {
			ev, ok := nextEvent(t, f.ws, sub, "problemChanged", 10*time.Second)
			if !ok {
				t.Fatalf("subscription %s: no INVESTIGATING event", sub)
			}
			if d := ev.Data["problemChanged"]; d.State == "INVESTIGATING" {
				if d.ID != p.ID || d.Version != p.Version {
					t.Fatalf("subscription %s: %s", sub, ev.Payload)
				}
				break
			}
		}
	}
}

// TestProblemLinksHaveOneSourceOfTruth: the incident's problemIds is the
// link; linkIncident on the incident side and linkIncidentsToProblem /
// unlinkIncidentsFromProblem on the problem side keep Problem.incidents
// and Incident.problems the same view of it.
func TestProblemLinksHaveOneSourceOfTruth(t *testing.T) {
	e, _, team := newProblemEnv(t, app.Limits{})
	inc := e.deskIncident(t, team, "wifi drops", nil)
	p, _ := e.createProblem(t, team.manager, map[string]any{"title": "Wifi drops", "impact": "LOW", "urgency": "LOW"})

	// Linked from the incident's side.
	linked := e.incidentWrite(t, team.agent, `mutation($in: LinkIncidentInput!) { linkIncident(input: $in) { incident { id version } } }`,
		"linkIncident", map[string]any{"id": inc.ID, "expectedVersion": inc.Version, "problemIds": []string{p.ID}})
	if got := e.readProblem(t, team.manager, p.ID); !slices.Equal(got.incidentIDs(), []string{inc.ID}) || got.Version != p.Version {
		t.Fatalf("problem after linkIncident: %v v%d", got.incidentIDs(), got.Version)
	}
	// Unlinked from the problem's side.
	p = e.problemWrite(t, team.manager, unlinkProblemMutation, "unlinkIncidentsFromProblem",
		map[string]any{"problemId": p.ID, "expectedVersion": p.Version, "incidentIds": []string{inc.ID}})
	if len(p.Incidents) != 0 {
		t.Fatalf("problem after unlinking: %v", p.incidentIDs())
	}
	ip := e.incidentProblems(t, team.agent, inc.ID)
	if len(ip.ProblemIDs) != 0 || len(ip.Problems) != 0 || ip.Version != linked.Version+1 {
		t.Fatalf("incident after unlinking: %+v (was v%d)", ip, linked.Version)
	}
	// Cleared from the incident's side after a link from the problem's.
	p = e.problemWrite(t, team.agent, linkProblemMutation, "linkIncidentsToProblem",
		map[string]any{"problemId": p.ID, "expectedVersion": p.Version, "incidentIds": []string{inc.ID}})
	ip = e.incidentProblems(t, team.agent, inc.ID)
	e.incidentWrite(t, team.agent, `mutation($in: LinkIncidentInput!) { linkIncident(input: $in) { incident { id version } } }`,
		"linkIncident", map[string]any{"id": inc.ID, "expectedVersion": ip.Version, "problemIds": []string{}})
	if got := e.readProblem(t, team.manager, p.ID); len(got.Incidents) != 0 {
		t.Fatalf("problem after the incident dropped it: %v", got.incidentIDs())
	}
}
