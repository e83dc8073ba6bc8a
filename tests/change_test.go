package tests

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
)

// changeWorld is the topology the change tests share:
//
//	Retail ─CONSUMES→ Shop ─DEPENDS_ON→ Orders ─DEPENDS_ON→ orders-app → orders-db
//	                                           └DEPENDS_ON→ cart-app  → cache
//	Payroll ─DEPENDS_ON→ HR ─DEPENDS_ON→ hr-app
func changeWorld(t *testing.T, e *env) *world {
	w := newWorld(t, e)
	w.build(t,
		"bu:Retail CONSUMES bs:Shop",
		"bs:Shop DEPENDS_ON ts:Orders",
		"ts:Orders DEPENDS_ON orders-app",
		"orders-app DEPENDS_ON orders-db",
		"ts:Orders DEPENDS_ON cart-app",
		"cart-app DEPENDS_ON cache",
		"bs:Payroll DEPENDS_ON ts:HR",
		"ts:HR DEPENDS_ON hr-app",
	)
	return w
}

// newChangeEnv serves the API over the change world; windows are planned
// in days from base, today at midnight UTC.
func newChangeEnv(t *testing.T, limits app.Limits) (*env, *world, changeTeam, time.Time) {
	e := newEnv(t, limits)
	return e, changeWorld(t, e), newChangeTeam(t, e), time.Now().UTC().Truncate(24 * time.Hour)
}

// TestNormalChangeFromDraftToClosed walks a NORMAL change through its whole
// lifecycle with CAB approval, recording a CI modification under it.
func TestNormalChangeFromDraftToClosed(t *testing.T) {
	e, w, team, base := newChangeEnv(t, app.Limits{})
	// Building the world modified CIs outside any change too; the report
	// is asked for what happened after it.
	time.Sleep(10 * time.Millisecond)
	since := time.Now().UTC().Format(time.RFC3339Nano)
	start, end := nowWindow()

	c := e.createChange(t, team.requester, normalChange("Patch the orders database", w.idsOf(t, "orders-db"), start, end))
	if c.State != "DRAFT" || c.Version != 1 || c.Type != "NORMAL" || c.RequesterID != subjChangeRequester || c.Assessment != nil || c.Risk != nil {
		t.Fatalf("created: %+v", c)
	}
	if !slices.Equal(c.AllowedTransitions, []string{"SUBMITTED", "CANCELLED"}) {
		t.Fatalf("requester may move a draft to %v", c.AllowedTransitions)
	}

	// An agent who did not raise it may not submit it; nothing is written.
	e.fail(t, team.otherAgent, transitionChangeMutation, map[string]any{"in": map[string]any{"id": c.ID, "expectedVersion": 1, "to": "SUBMITTED"}}, "FORBIDDEN")

	c = e.transitionChange(t, team.requester, c, "SUBMITTED", "ready for assessment")
	if c.State != "SUBMITTED" || c.Assessment == nil || c.Risk == nil {
		t.Fatalf("submitted: %+v", c)
	}
	a := c.Assessment
	// orders-app, Orders, Shop and Retail.
	if a.ImpactedCount != 4 || a.DownCount != 4 || a.BusinessServices != 1 || len(a.ImpactedBusinessServices) != 1 ||
		a.ImpactedBusinessServices[0].Name != "Shop" || deref(a.ImpactedBusinessServices[0].Severity) != "DOWN" ||
		a.ImpactedBusinessServices[0].Service == nil || a.ImpactedBusinessServices[0].Service.ID != w.id(t, "Shop") {
		t.Fatalf("assessment: %+v", a)
	}
	// 5 (4 impacted) + 10 (Shop is MEDIUM) + 10 (Shop would be DOWN).
	if c.Risk.Score != 25 || c.Risk.Level != "MEDIUM" || c.points("BLAST_RADIUS") != 5 || c.points("BUSINESS_CRITICALITY") != 10 ||
		c.points("SINGLE_POINTS_OF_FAILURE") != 10 || c.points("EMERGENCY") != 0 || len(c.Risk.Factors) != 7 {
		t.Fatalf("risk: %+v", c.Risk)
	}
	sum := 0
	for _, f := range c.Risk.Factors {
		sum += f.Points
	}
	if sum != c.Risk.Score {
		t.Fatalf("factors sum to %d, score %d", sum, c.Risk.Score)
	}

	// Only the change manager assesses.
	e.fail(t, team.requester, transitionChangeMutation, map[string]any{"in": map[string]any{"id": c.ID, "expectedVersion": c.Version, "to": "ASSESSED"}}, "FORBIDDEN")
	c = e.transitionChange(t, team.manager, c, "ASSESSED", "")
	if c.State != "ASSESSED" || len(c.RequiredApprovals) != 1 || c.RequiredApprovals[0].Role != "CAB_MEMBER" || c.RequiredApprovals[0].Count != 2 {
		t.Fatalf("assessed: state %s, required %+v", c.State, c.RequiredApprovals)
	}
	// AUTHORIZED comes from votes, not from a request.
	r := e.fail(t, team.manager, transitionChangeMutation, map[string]any{"in": map[string]any{"id": c.ID, "expectedVersion": c.Version, "to": "AUTHORIZED"}}, "INVALID_TRANSITION")
	if !strings.Contains(r.Errors[0].Message, "decideChange") {
		t.Fatalf("message: %s", r.Errors[0].Message)
	}

	c = e.decideChange(t, team.cab[0], c.ID, "APPROVE", "backout plan is sound")
	if c.State != "ASSESSED" || len(c.Approvals) != 1 || !slices.Equal(c.Approvals[0].Roles, []string{"CAB_MEMBER"}) {
		t.Fatalf("after one vote: %s %+v", c.State, c.Approvals)
	}
	e.fail(t, team.cab[0], decideChangeMutation, map[string]any{"in": map[string]any{"id": c.ID, "decision": "APPROVE"}}, "CONFLICT")
	// A change manager is not a CAB member: the rule needs CAB votes.
	e.fail(t, team.manager, decideChangeMutation, map[string]any{"in": map[string]any{"id": c.ID, "decision": "APPROVE"}}, "FORBIDDEN")
	c = e.decideChange(t, team.cab[1], c.ID, "APPROVE", "")
	if c.State != "AUTHORIZED" || len(c.Approvals) != 2 {
		t.Fatalf("after two votes: %s %+v", c.State, c.Approvals)
	}

	c = e.transitionChange(t, team.manager, c, "SCHEDULED", "tonight")
	c = e.transitionChange(t, team.otherAgent, c, "IMPLEMENTING", "")

	// A CI modification inside the change's scope is recorded against it;
	// one outside its scope is refused and changes nothing.
	db := e.snapshot(t, w.id(t, "orders-db"))
	updated := e.updateCI(t, map[string]any{"id": db.ci.ID, "expectedVersion": db.ci.Version, "description": "patched", "changeId": c.ID})
	hr := e.snapshot(t, w.id(t, "hr-app"))
	e.fail(t, e.cm, updateCIMutation, map[string]any{"in": map[string]any{"id": hr.ci.ID, "expectedVersion": hr.ci.Version, "description": "x", "changeId": c.ID}}, "BAD_USER_INPUT")
	e.assertUnchanged(t, hr)
	// So are relationship changes: both ends must be in scope.
	e.ok(t, e.cm, relateMutation, map[string]any{"in": map[string]any{"sourceId": w.id(t, "orders-app"), "type": "CONNECTS_TO",
		"targetId": w.id(t, "orders-db"), "changeId": c.ID}}, nil)
	e.fail(t, e.cm, relateMutation, map[string]any{"in": map[string]any{"sourceId": w.id(t, "hr-app"), "type": "CONNECTS_TO",
		"targetId": w.id(t, "orders-db"), "changeId": c.ID}}, "BAD_USER_INPUT")
	e.ok(t, e.cm, unrelateMutation, map[string]any{"in": map[string]any{"sourceId": w.id(t, "orders-app"), "type": "CONNECTS_TO",
		"targetId": w.id(t, "orders-db"), "changeId": c.ID}}, nil)
	// A modification made outside any change is reported as unauthorised.
	cache := e.snapshot(t, w.id(t, "cache"))
	e.updateCI(t, map[string]any{"id": cache.ci.ID, "expectedVersion": cache.ci.Version, "description": "tuned by hand"})

	var hist struct {
		ConfigurationItem struct {
			History struct {
				Edges []struct {
					Node struct {
						Action   string  `json:"action"`
						ChangeID *string `json:"changeId"`
					} `json:"node"`
				} `json:"edges"`
			} `json:"history"`
		} `json:"configurationItem"`
	}
	e.ok(t, e.analyst, `query($id: ID!) { configurationItem(id: $id) { history(first: 3) { edges { node { action changeId } } } } }`,
		map[string]any{"id": updated.ID}, &hist)
	var actions []string
	for _, h := range hist.ConfigurationItem.History.Edges {
		if deref(h.Node.ChangeID) != c.ID {
			t.Fatalf("history entry %s of the patched CI not recorded against the change", h.Node.Action)
		}
		actions = append(actions, h.Node.Action)
	}
	if !slices.Equal(actions, []string{"RELATIONSHIP_REMOVED", "RELATIONSHIP_ADDED", "UPDATED"}) {
		t.Fatalf("history of the patched CI: %v", actions)
	}
	var unauth struct {
		UnauthorizedChanges struct {
			TotalCount int `json:"totalCount"`
			Edges      []struct {
				Node struct {
					Entry struct {
						Actor    string  `json:"actor"`
						ChangeID *string `json:"changeId"`
					} `json:"entry"`
					ConfigurationItems []named `json:"configurationItems"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"unauthorizedChanges"`
	}
	e.ok(t, team.manager, `query($since: DateTime!) { unauthorizedChanges(since: $since) { totalCount edges { node { entry { actor changeId } configurationItems { id name } } } } }`,
		map[string]any{"since": since}, &unauth)
	var touched []string
	for _, ed := range unauth.UnauthorizedChanges.Edges {
		if ed.Node.Entry.ChangeID != nil {
			t.Fatalf("an authorised modification is listed: %+v", ed)
		}
		for _, ci := range ed.Node.ConfigurationItems {
			touched = append(touched, ci.Name)
		}
	}
	if !slices.Contains(touched, "cache") || slices.Contains(touched, "orders-db") || unauth.UnauthorizedChanges.TotalCount != len(unauth.UnauthorizedChanges.Edges) {
		t.Fatalf("unauthorised modifications touch %v (total %d)", touched, unauth.UnauthorizedChanges.TotalCount)
	}

	// The change lists what was done under it: the update and the
	// relationship added and removed (each recorded once).
	var mods struct {
		Change struct {
			CIModifications []struct {
				Entry struct {
					Action string `json:"action"`
				} `json:"entry"`
				ConfigurationItems []named `json:"configurationItems"`
			} `json:"ciModifications"`
		} `json:"change"`
	}
	e.ok(t, e.analyst, `query($id: ID!) { change(id: $id) { ciModifications { entry { action } configurationItems { id name } } } }`, map[string]any{"id": c.ID}, &mods)
	var done []string
	for _, m := range mods.Change.CIModifications {
		done = append(done, fmt.Sprintf("%s:%d", m.Entry.Action, len(m.ConfigurationItems)))
	}
	if !slices.Equal(done, []string{"UPDATED:1", "RELATIONSHIP_ADDED:2", "RELATIONSHIP_REMOVED:2"}) {
		t.Fatalf("modifications under the change: %v", done)
	}

	// Closure needs the review first.
	c = e.transitionChange(t, team.otherAgent, c, "IMPLEMENTED", "done")
	r = e.fail(t, team.manager, transitionChangeMutation, map[string]any{"in": map[string]any{"id": c.ID, "expectedVersion": c.Version, "to": "CLOSED"}}, "INVALID_TRANSITION")
	if !strings.Contains(r.Errors[0].Message, "reviewChange") {
		t.Fatalf("message: %s", r.Errors[0].Message)
	}
	e.fail(t, team.manager, reviewChangeMutation, map[string]any{"in": map[string]any{"id": c.ID, "expectedVersion": c.Version, "outcome": "SUCCESSFUL", "notes": ""}}, "BAD_USER_INPUT")
	var rv struct {
		ReviewChange changePayload `json:"reviewChange"`
	}
	e.ok(t, team.manager, reviewChangeMutation, map[string]any{"in": map[string]any{"id": c.ID, "expectedVersion": c.Version, "outcome": "SUCCESSFUL", "notes": "no incident"}}, &rv)
	c = rv.ReviewChange.Change
	if c.State != "REVIEWED" || c.Review == nil || c.Review.Outcome != "SUCCESSFUL" {
		t.Fatalf("reviewed: %+v", c)
	}
	c = e.transitionChange(t, team.manager, c, "CLOSED", "")
	want := []string{">DRAFT", "DRAFT>SUBMITTED", "SUBMITTED>ASSESSED", "ASSESSED>AUTHORIZED", "AUTHORIZED>SCHEDULED",
		"SCHEDULED>IMPLEMENTING", "IMPLEMENTING>IMPLEMENTED", "IMPLEMENTED>REVIEWED", "REVIEWED>CLOSED"}
	if got := e.readChange(t, c.ID); !slices.Equal(got.path(), want) || got.State != "CLOSED" || len(got.AllowedTransitions) != 0 {
		t.Fatalf("closed change: state %s, transitions %v, allowed %v", got.State, got.path(), got.AllowedTransitions)
	}

	// A later change on the same CI sees one reviewed change in its history.
	s2, e2 := window(base, 9, 1, 2)
	next := e.createChange(t, team.requester, normalChange("Patch again", w.idsOf(t, "orders-db"), s2, e2))
	next = e.transitionChange(t, team.requester, next, "SUBMITTED", "")
	if next.Assessment.PastChanges != 1 || next.Assessment.PastFailures != 0 || next.points("CHANGE_HISTORY") != 0 {
		t.Fatalf("history factor: %+v", next.Assessment)
	}
}

// TestStandardChangeFromTemplate: a template's change is pre-authorised.
func TestStandardChangeFromTemplate(t *testing.T) {
	e, w, team, base := newChangeEnv(t, app.Limits{})

	var tpl struct {
		CreateChangeTemplate struct {
			Template named `json:"template"`
		} `json:"createChangeTemplate"`
	}
	tplMutation := `mutation($in: CreateChangeTemplateInput!) { createChangeTemplate(input: $in) { template { id name } } }`
	tplInput := map[string]any{"name": "Rotate TLS certificate", "implementationPlan": "deploy new cert", "backoutPlan": "redeploy old cert"}
	// A template needs a scope, of services that exist.
	e.fail(t, team.manager, tplMutation, map[string]any{"in": tplInput}, "BAD_USER_INPUT")
	tplInput["serviceIds"] = []string{"bsv_nope"}
	e.fail(t, team.manager, tplMutation, map[string]any{"in": tplInput}, "NOT_FOUND")
	delete(tplInput, "serviceIds")
	tplInput["configurationItemTypes"], tplInput["maxRiskLevel"] = []string{"SERVER"}, "HIGH"
	e.fail(t, team.requester, tplMutation, map[string]any{"in": tplInput}, "FORBIDDEN")
	e.ok(t, team.manager, tplMutation, map[string]any{"in": tplInput}, &tpl)

	start, end := window(base, 3, 9, 10)
	in := map[string]any{"templateId": tpl.CreateChangeTemplate.Template.ID, "targetIds": w.idsOf(t, "cart-app"), "plannedStart": start, "plannedEnd": end}
	c := e.createChange(t, team.requester, in)
	if c.Type != "STANDARD" || c.Title != "Rotate TLS certificate" || deref(c.BackoutPlan) != "redeploy old cert" || c.Template == nil {
		t.Fatalf("from template: %+v", c)
	}
	c = e.transitionChange(t, team.requester, c, "SUBMITTED", "")
	if c.State != "AUTHORIZED" || len(c.RequiredApprovals) != 0 || !slices.Equal(c.path(), []string{">DRAFT", "DRAFT>SUBMITTED", "SUBMITTED>AUTHORIZED"}) {
		t.Fatalf("standard change after submission: %s %v %+v", c.State, c.path(), c.RequiredApprovals)
	}
	c = e.transitionChange(t, team.manager, c, "SCHEDULED", "")

	// Targets outside the template's scope are refused, when created and
	// when edited.
	shop := w.id(t, "Shop")
	r := e.fail(t, team.requester, createChangeMutation, map[string]any{"in": map[string]any{"templateId": tpl.CreateChangeTemplate.Template.ID,
		"targetIds": []string{w.id(t, "cache"), shop}}}, "BAD_USER_INPUT")
	if !strings.Contains(r.Errors[0].Message, shop) || !strings.Contains(r.Errors[0].Message, "NORMAL") {
		t.Fatalf("message: %s", r.Errors[0].Message)
	}
	d := e.createChange(t, team.requester, map[string]any{"templateId": tpl.CreateChangeTemplate.Template.ID, "targetIds": w.idsOf(t, "cache")})
	e.fail(t, team.requester, updateChangeMutation, map[string]any{"in": map[string]any{"id": d.ID, "expectedVersion": d.Version, "targetIds": []string{shop}}}, "BAD_USER_INPUT")

	// Assessed above its template's ceiling (LOW by default), a change is
	// not pre-authorised: it goes on as a NORMAL change.
	var low struct {
		CreateChangeTemplate struct {
			Template named `json:"template"`
		} `json:"createChangeTemplate"`
	}
	e.ok(t, team.manager, tplMutation, map[string]any{"in": map[string]any{"name": "Restart a server", "implementationPlan": "restart",
		"backoutPlan": "none", "configurationItemTypes": []string{"SERVER"}}}, &low)
	risky := e.createChange(t, team.requester, map[string]any{"templateId": low.CreateChangeTemplate.Template.ID, "targetIds": w.idsOf(t, "orders-db"),
		"plannedStart": start, "plannedEnd": end})
	risky = e.transitionChange(t, team.requester, risky, "SUBMITTED", "")
	if risky.Type != "NORMAL" || risky.State != "SUBMITTED" || risky.Risk == nil || risky.Risk.Level == "LOW" ||
		!strings.Contains(deref(risky.Transitions[len(risky.Transitions)-1].Comment), "handled as a NORMAL change") {
		t.Fatalf("above the ceiling: %s %s risk %+v, transitions %+v", risky.Type, risky.State, risky.Risk, risky.Transitions)
	}

	// STANDARD without a template, or a template with another type, is refused.
	e.fail(t, team.requester, createChangeMutation, map[string]any{"in": map[string]any{"title": "x", "type": "STANDARD"}}, "BAD_USER_INPUT")
	e.fail(t, team.requester, createChangeMutation, map[string]any{"in": map[string]any{"templateId": tpl.CreateChangeTemplate.Template.ID, "type": "NORMAL"}}, "BAD_USER_INPUT")
	e.fail(t, team.requester, createChangeMutation, map[string]any{"in": map[string]any{"templateId": "chgt_nope"}}, "NOT_FOUND")

	var list struct {
		ChangeTemplates []named `json:"changeTemplates"`
	}
	e.ok(t, e.analyst, `{ changeTemplates { id name } }`, nil, &list)
	if len(list.ChangeTemplates) != 2 || list.ChangeTemplates[1].Name != "Rotate TLS certificate" {
		t.Fatalf("templates: %+v", list.ChangeTemplates)
	}
}

// TestEmergencyChange: submission takes it straight to the emergency CAB,
// which a change manager and a CAB member make up; a freeze window does
// not stop it being scheduled.
func TestEmergencyChange(t *testing.T) {
	e, w, team, base := newChangeEnv(t, app.Limits{})
	start, end := window(base, 1, 2, 3)
	var fz struct {
		CreateFreezeWindow struct {
			FreezeWindow named `json:"freezeWindow"`
		} `json:"createFreezeWindow"`
	}
	fStart, fEnd := window(base, 1, 0, 24)
	e.ok(t, team.manager, `mutation($in: CreateFreezeWindowInput!) { createFreezeWindow(input: $in) { freezeWindow { id name } } }`,
		map[string]any{"in": map[string]any{"name": "Black Friday", "start": fStart, "end": fEnd}}, &fz)

	in := normalChange("Hotfix the cache", w.idsOf(t, "cache"), start, end)
	in["type"] = "EMERGENCY"
	c := e.createChange(t, team.requester, in)
	c = e.transitionChange(t, team.requester, c, "SUBMITTED", "outage")
	if c.State != "ASSESSED" || c.points("EMERGENCY") != 20 || c.points("FREEZE_WINDOW") != 40 || len(c.RequiredApprovals) != 2 {
		t.Fatalf("emergency after submission: %s, risk %+v, required %+v", c.State, c.Risk, c.RequiredApprovals)
	}
	if len(c.Assessment.FreezeWindows) != 1 || c.Assessment.FreezeWindows[0].ID != fz.CreateFreezeWindow.FreezeWindow.ID {
		t.Fatalf("freeze windows: %+v", c.Assessment.FreezeWindows)
	}
	c = e.decideChange(t, team.cab[0], c.ID, "APPROVE", "")
	if c.State != "ASSESSED" {
		t.Fatalf("after the CAB member alone: %s", c.State)
	}
	c = e.decideChange(t, team.manager, c.ID, "APPROVE", "go")
	if c.State != "AUTHORIZED" {
		t.Fatalf("after the emergency CAB: %s", c.State)
	}
	c = e.transitionChange(t, team.manager, c, "SCHEDULED", "")
	// Its window opens tomorrow; the outage is now.
	var started struct {
		TransitionChange changePayload `json:"transitionChange"`
	}
	e.ok(t, team.manager, transitionChangeMutation, map[string]any{"in": map[string]any{"id": c.ID, "expectedVersion": c.Version,
		"to": "IMPLEMENTING", "outsideWindowReason": "the cache is down now"}}, &started)
	c = started.TransitionChange.Change
	c = e.transitionChange(t, team.otherAgent, c, "FAILED", "did not help, backed out")
	e.fail(t, team.manager, reviewChangeMutation, map[string]any{"in": map[string]any{"id": c.ID, "expectedVersion": c.Version, "outcome": "SUCCESSFUL", "notes": "x"}}, "BAD_USER_INPUT")
	e.ok(t, team.manager, reviewChangeMutation, map[string]any{"in": map[string]any{"id": c.ID, "expectedVersion": c.Version, "outcome": "FAILED_BACKED_OUT", "notes": "root cause elsewhere"}}, nil)

	// A failed change on the cache weighs on the next change to it.
	s2, e2 := window(base, 12, 1, 2)
	next := e.createChange(t, team.requester, normalChange("Resize the cache", w.idsOf(t, "cache"), s2, e2))
	next = e.transitionChange(t, team.requester, next, "SUBMITTED", "")
	if next.Assessment.PastChanges != 1 || next.Assessment.PastFailures != 1 || next.points("CHANGE_HISTORY") != 20 {
		t.Fatalf("history factor: %+v / %d", next.Assessment, next.points("CHANGE_HISTORY"))
	}
}
