package tests

import (
	"context"
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
	start, end := window(base, 2, 20, 22)

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

	// STANDARD without a template, or a template with another type, is refused.
	e.fail(t, team.requester, createChangeMutation, map[string]any{"in": map[string]any{"title": "x", "type": "STANDARD"}}, "BAD_USER_INPUT")
	e.fail(t, team.requester, createChangeMutation, map[string]any{"in": map[string]any{"templateId": tpl.CreateChangeTemplate.Template.ID, "type": "NORMAL"}}, "BAD_USER_INPUT")
	e.fail(t, team.requester, createChangeMutation, map[string]any{"in": map[string]any{"templateId": "chgt_nope"}}, "NOT_FOUND")

	var list struct {
		ChangeTemplates []named `json:"changeTemplates"`
	}
	e.ok(t, e.analyst, `{ changeTemplates { id name } }`, nil, &list)
	if len(list.ChangeTemplates) != 1 || list.ChangeTemplates[0].Name != "Rotate TLS certificate" {
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
	c = e.transitionChange(t, team.otherAgent, c, "IMPLEMENTING", "")
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

// TestRejectedChange: a CAB rejection needs a reason and ends the change.
func TestRejectedChange(t *testing.T) {
	e, w, team, base := newChangeEnv(t, app.Limits{})
	start, end := window(base, 4, 1, 2)
	c := e.createChange(t, team.requester, normalChange("Re-platform HR", w.idsOf(t, "hr-app"), start, end))
	c = e.transitionChange(t, team.requester, c, "SUBMITTED", "")
	c = e.transitionChange(t, team.manager, c, "ASSESSED", "")
	e.fail(t, team.cab[0], decideChangeMutation, map[string]any{"in": map[string]any{"id": c.ID, "decision": "REJECT"}}, "BAD_USER_INPUT")
	if got := e.readChange(t, c.ID); got.Version != c.Version || len(got.Approvals) != 0 {
		t.Fatalf("a refused vote was written: %+v", got)
	}
	c = e.decideChange(t, team.cab[0], c.ID, "REJECT", "no test plan for payroll run")
	if c.State != "REJECTED" || c.Transitions[len(c.Transitions)-1].To != "REJECTED" || deref(c.Transitions[len(c.Transitions)-1].Comment) != "no test plan for payroll run" {
		t.Fatalf("rejected: %s %+v", c.State, c.Transitions)
	}
	r := e.fail(t, team.manager, transitionChangeMutation, map[string]any{"in": map[string]any{"id": c.ID, "expectedVersion": c.Version, "to": "SUBMITTED"}}, "INVALID_TRANSITION")
	if !strings.Contains(r.Errors[0].Message, "REJECTED") {
		t.Fatalf("message: %s", r.Errors[0].Message)
	}
	e.fail(t, team.cab[1], decideChangeMutation, map[string]any{"in": map[string]any{"id": c.ID, "decision": "APPROVE"}}, "INVALID_TRANSITION")
}

// TestChangeConflictsAndFreezeWindows checks conflicts found through the
// graph and freeze windows inherited by supporting items.
func TestChangeConflictsAndFreezeWindows(t *testing.T) {
	e, w, team, base := newChangeEnv(t, app.Limits{})
	submit := func(title, target string, day, from, to int) changeData {
		t.Helper()
		s, en := window(base, day, from, to)
		c := e.createChange(t, team.requester, normalChange(title, w.idsOf(t, target), s, en))
		return e.transitionChange(t, team.requester, c, "SUBMITTED", "")
	}
	// Different CIs, both taking the Shop down, at overlapping times.
	db := submit("DB upgrade", "orders-db", 5, 20, 23)
	cache := submit("Cache upgrade", "cache", 5, 22, 24)
	cf, ok := conflictsWith(cache.Assessment.Conflicts, db.ID)
	if !ok || !slices.Equal(cf.Reasons, []string{"SHARED_IMPACT"}) || cache.points("CONFLICTS") != 10 {
		t.Fatalf("cache change conflicts: %+v (CONFLICTS %d)", cache.Assessment.Conflicts, cache.points("CONFLICTS"))
	}
	// Orders, Shop and Retail are shared; business services come first.
	if cf.SharedCount != 3 || len(cf.SharedItems) != 3 || cf.SharedItems[0].Name != "Shop" {
		t.Fatalf("shared: %d %+v", cf.SharedCount, cf.SharedItems)
	}
	// The earlier change learns of the later one through changeConflicts.
	var live struct {
		ChangeConflicts []conflictData `json:"changeConflicts"`
	}
	e.ok(t, e.analyst, `query($id: ID!) { changeConflicts(changeId: $id) { change { id } reasons sharedCount sharedItems { id name } } }`, map[string]any{"id": db.ID}, &live)
	if _, ok := conflictsWith(live.ChangeConflicts, cache.ID); !ok || len(live.ChangeConflicts) != 1 {
		t.Fatalf("live conflicts of the DB change: %+v", live.ChangeConflicts)
	}
	// Same CI.
	again := submit("DB reindex", "orders-db", 5, 21, 22)
	if cf, ok := conflictsWith(again.Assessment.Conflicts, db.ID); !ok || cf.Reasons[0] != "SAME_TARGET" {
		t.Fatalf("same CI: %+v", again.Assessment.Conflicts)
	}
	// One change's target impacted by the other.
	app := submit("App restart", "orders-app", 5, 20, 21)
	if cf, ok := conflictsWith(app.Assessment.Conflicts, db.ID); !ok || !slices.Contains(cf.Reasons, "TARGET_IMPACTED") {
		t.Fatalf("target impacted: %+v", app.Assessment.Conflicts)
	}
	// Adjacent windows do not conflict; nor do unrelated services.
	adjacent := submit("DB follow-up", "orders-db", 6, 0, 2)
	if len(adjacent.Assessment.Conflicts) != 0 {
		t.Fatalf("adjacent: %+v", adjacent.Assessment.Conflicts)
	}
	hr := submit("HR patch", "hr-app", 5, 20, 23)
	if len(hr.Assessment.Conflicts) != 0 {
		t.Fatalf("unrelated: %+v", hr.Assessment.Conflicts)
	}

	// A freeze on the Shop reaches the cache, which supports it, but not HR.
	fStart, fEnd := window(base, 8, 0, 24)
	var fz struct {
		CreateFreezeWindow struct {
			FreezeWindow struct {
				ID       string  `json:"id"`
				Global   bool    `json:"global"`
				Services []named `json:"services"`
			} `json:"freezeWindow"`
		} `json:"createFreezeWindow"`
	}
	e.ok(t, team.manager, `mutation($in: CreateFreezeWindowInput!) { createFreezeWindow(input: $in) { freezeWindow { id global services { id name } } } }`,
		map[string]any{"in": map[string]any{"name": "Shop peak", "start": fStart, "end": fEnd, "serviceIds": w.idsOf(t, "Shop")}}, &fz)
	if f := fz.CreateFreezeWindow.FreezeWindow; f.Global || len(f.Services) != 1 || f.Services[0].Name != "Shop" {
		t.Fatalf("freeze window: %+v", f)
	}
	frozen := submit("Cache flush", "cache", 8, 10, 11)
	if len(frozen.Assessment.FreezeWindows) != 1 || frozen.points("FREEZE_WINDOW") != 40 {
		t.Fatalf("frozen cache change: %+v", frozen.Assessment.FreezeWindows)
	}
	free := submit("HR flush", "hr-app", 8, 10, 11)
	if len(free.Assessment.FreezeWindows) != 0 || free.points("FREEZE_WINDOW") != 0 {
		t.Fatalf("HR change: %+v", free.Assessment.FreezeWindows)
	}
	// Authorised, the frozen change still cannot be scheduled.
	frozen = e.transitionChange(t, team.manager, frozen, "ASSESSED", "")
	for i := 0; frozen.State == "ASSESSED"; i++ {
		frozen = e.decideChange(t, team.cab[i], frozen.ID, "APPROVE", "")
	}
	r := e.fail(t, team.manager, transitionChangeMutation, map[string]any{"in": map[string]any{"id": frozen.ID, "expectedVersion": frozen.Version, "to": "SCHEDULED"}}, "CONFLICT")
	if !strings.Contains(r.Errors[0].Message, "Shop peak") {
		t.Fatalf("message: %s", r.Errors[0].Message)
	}
	// Moving the window out of the freeze is refused once authorised…
	ns, ne := window(base, 9, 10, 11)
	e.fail(t, team.requester, updateChangeMutation, map[string]any{"in": map[string]any{"id": frozen.ID, "expectedVersion": frozen.Version, "plannedStart": ns, "plannedEnd": ne}}, "INVALID_TRANSITION")
	// …but an assessed change can move, which reassesses it and withdraws votes.
	moved := submit("Cache warm-up", "cache", 8, 12, 13)
	moved = e.transitionChange(t, team.manager, moved, "ASSESSED", "")
	moved = e.decideChange(t, team.cab[0], moved.ID, "APPROVE", "")
	var up struct {
		UpdateChange changePayload `json:"updateChange"`
	}
	e.ok(t, team.requester, updateChangeMutation, map[string]any{"in": map[string]any{"id": moved.ID, "expectedVersion": moved.Version, "plannedStart": ns, "plannedEnd": ne}}, &up)
	if m := up.UpdateChange.Change; len(m.Assessment.FreezeWindows) != 0 || len(m.Approvals) != 0 || m.State != "ASSESSED" {
		t.Fatalf("moved change: %s approvals %+v freezes %+v", m.State, m.Approvals, m.Assessment.FreezeWindows)
	}

	// The calendar shows the period's submitted changes and freeze windows.
	var cal struct {
		ChangeCalendar struct {
			Changes       []named `json:"changes"`
			FreezeWindows []named `json:"freezeWindows"`
		} `json:"changeCalendar"`
	}
	cs, ce := window(base, 8, 0, 24)
	e.ok(t, e.analyst, `query($from: DateTime!, $to: DateTime!) { changeCalendar(from: $from, to: $to) { changes { id } freezeWindows { id } } }`,
		map[string]any{"from": cs, "to": ce}, &cal)
	var calIDs []string
	for _, c := range cal.ChangeCalendar.Changes {
		calIDs = append(calIDs, c.ID)
	}
	slices.Sort(calIDs)
	want := []string{frozen.ID, free.ID}
	slices.Sort(want)
	if !slices.Equal(calIDs, want) || len(cal.ChangeCalendar.FreezeWindows) != 1 {
		t.Fatalf("calendar: %v (want %v), freezes %+v", calIDs, want, cal.ChangeCalendar.FreezeWindows)
	}
	e.fail(t, e.analyst, `query($from: DateTime!, $to: DateTime!) { changeCalendar(from: $from, to: $to) { changes { id } } }`,
		map[string]any{"from": ce, "to": cs}, "BAD_USER_INPUT")
}

// TestConcurrentApprovals: votes arriving together are each counted once.
func TestConcurrentApprovals(t *testing.T) {
	e, w, team, base := newChangeEnv(t, app.Limits{})
	assessed := func(title string, day int) changeData {
		s, en := window(base, day, 1, 2)
		c := e.createChange(t, team.requester, normalChange(title, w.idsOf(t, "orders-db"), s, en))
		c = e.transitionChange(t, team.requester, c, "SUBMITTED", "")
		c = e.transitionChange(t, team.manager, c, "ASSESSED", "")
		if len(c.RequiredApprovals) != 1 || c.RequiredApprovals[0].Count != 2 {
			t.Fatalf("required: %+v", c.RequiredApprovals)
		}
		return c
	}
	vote := map[string]any{"decision": "APPROVE"}
	for round := 0; round < 3; round++ {
		c := assessed(fmt.Sprintf("round %d", round), 20+round)
		in := func(i int) map[string]any {
			return map[string]any{"in": map[string]any{"id": c.ID, "decision": vote["decision"], "comment": fmt.Sprintf("vote %d", i)}}
		}
		resps := e.concurrentlyAs(t, []string{team.cab[0], team.cab[1]}, decideChangeMutation, in)
		for i, r := range resps {
			if len(r.Errors) > 0 {
				t.Fatalf("round %d vote %d: %+v", round, i, r.Errors)
			}
		}
		got := e.readChange(t, c.ID)
		authorised := 0
		for _, tr := range got.Transitions {
			if tr.To == "AUTHORIZED" {
				authorised++
			}
		}
		if got.State != "AUTHORIZED" || len(got.Approvals) != 2 || authorised != 1 || got.Approvals[0].ApproverID == got.Approvals[1].ApproverID {
			t.Fatalf("round %d: state %s, approvals %+v, %d authorisations", round, got.State, got.Approvals, authorised)
		}
	}
	// One member voting twice at once: one vote lands, the other is refused.
	c := assessed("double vote", 30)
	resps := e.concurrentlyAs(t, []string{team.cab[2], team.cab[2]}, decideChangeMutation, func(int) map[string]any {
		return map[string]any{"in": map[string]any{"id": c.ID, "decision": "APPROVE"}}
	})
	var codes []string
	for _, r := range resps {
		codes = append(codes, strings.Join(r.codes(), ","))
	}
	slices.Sort(codes)
	if !slices.Equal(codes, []string{"", "CONFLICT"}) {
		t.Fatalf("codes %v", codes)
	}
	if got := e.readChange(t, c.ID); got.State != "ASSESSED" || len(got.Approvals) != 1 {
		t.Fatalf("after a double vote: %s %+v", got.State, got.Approvals)
	}
}

// TestChangeBadInputChangesNothing: each refused request names its fault
// and leaves changes as they were.
func TestChangeBadInputChangesNothing(t *testing.T) {
	e, w, team, base := newChangeEnv(t, app.Limits{})
	start, end := window(base, 2, 1, 2)
	c := e.createChange(t, team.requester, normalChange("Base", w.idsOf(t, "orders-db"), start, end))
	count := func() int {
		var out struct {
			Changes struct {
				TotalCount int `json:"totalCount"`
			} `json:"changes"`
		}
		e.ok(t, e.analyst, `{ changes { totalCount } }`, nil, &out)
		return out.Changes.TotalCount
	}
	before := count()
	tooLong := strings.Repeat("x", 201)
	bad := []struct {
		name  string
		token string
		query string
		in    map[string]any
		code  string
	}{
		{"unknown target", team.requester, createChangeMutation, normalChange("x", []string{"ci_nope"}, start, end), "NOT_FOUND"},
		{"a relationship is no target", team.requester, createChangeMutation, normalChange("x", []string{"rel_nope"}, start, end), "NOT_FOUND"},
		{"end before start", team.requester, createChangeMutation, normalChange("x", w.idsOf(t, "cache"), end, start), "BAD_USER_INPUT"},
		{"title too long", team.requester, createChangeMutation, normalChange(tooLong, w.idsOf(t, "cache"), start, end), "BAD_USER_INPUT"},
		{"no title", team.requester, createChangeMutation, map[string]any{"targetIds": w.idsOf(t, "cache")}, "BAD_USER_INPUT"},
		{"unknown group", team.requester, createChangeMutation, map[string]any{"title": "x", "assignmentGroupId": "grp_nope"}, "NOT_FOUND"},
		{"wrong enum", team.requester, createChangeMutation, map[string]any{"title": "x", "type": "WHENEVER"}, "BAD_USER_INPUT"},
		{"a time that is not a time", team.requester, createChangeMutation, map[string]any{"title": "x", "plannedStart": "next tuesday"}, "BAD_USER_INPUT"},
		{"an object for a string", team.requester, createChangeMutation, map[string]any{"title": map[string]any{"a": 1}}, "BAD_USER_INPUT"},
		{"a string for a number", team.requester, transitionChangeMutation, map[string]any{"id": c.ID, "expectedVersion": "one", "to": "SUBMITTED"}, "BAD_USER_INPUT"},
		{"requesters raise no changes", e.requester, createChangeMutation, normalChange("x", w.idsOf(t, "cache"), start, end), "FORBIDDEN"},
		{"analysts raise no changes", e.analyst, createChangeMutation, normalChange("x", w.idsOf(t, "cache"), start, end), "FORBIDDEN"},
		{"stale version", team.requester, transitionChangeMutation, map[string]any{"id": c.ID, "expectedVersion": 9, "to": "SUBMITTED"}, "CONFLICT"},
		{"skipping states", team.manager, transitionChangeMutation, map[string]any{"id": c.ID, "expectedVersion": 1, "to": "IMPLEMENTING"}, "INVALID_TRANSITION"},
		{"unknown change", team.manager, transitionChangeMutation, map[string]any{"id": "chg_nope", "expectedVersion": 1, "to": "SUBMITTED"}, "NOT_FOUND"},
		{"comment too long", team.requester, transitionChangeMutation, map[string]any{"id": c.ID, "expectedVersion": 1, "to": "SUBMITTED", "comment": strings.Repeat("x", 4001)}, "BAD_USER_INPUT"},
		{"vote on a draft", team.cab[0], decideChangeMutation, map[string]any{"id": c.ID, "decision": "APPROVE"}, "INVALID_TRANSITION"},
		{"vote without the role", team.otherAgent, decideChangeMutation, map[string]any{"id": c.ID, "decision": "APPROVE"}, "FORBIDDEN"},
		{"review of a draft", team.manager, reviewChangeMutation, map[string]any{"id": c.ID, "expectedVersion": 1, "outcome": "SUCCESSFUL", "notes": "x"}, "INVALID_TRANSITION"},
		{"edit by someone else", team.otherAgent, updateChangeMutation, map[string]any{"id": c.ID, "expectedVersion": 1, "title": "mine now"}, "FORBIDDEN"},
		{"type to STANDARD", team.requester, updateChangeMutation, map[string]any{"id": c.ID, "expectedVersion": 1, "type": "STANDARD"}, "BAD_USER_INPUT"},
	}
	for _, b := range bad {
		r := e.fail(t, b.token, b.query, map[string]any{"in": b.in}, b.code)
		if r.Errors[0].Message == "" {
			t.Errorf("%s: empty message", b.name)
		}
	}
	// Submitting without the plans says what is missing.
	bare := e.createChange(t, team.requester, map[string]any{"title": "bare", "targetIds": w.idsOf(t, "cache"), "plannedStart": start, "plannedEnd": end})
	r := e.fail(t, team.requester, transitionChangeMutation, map[string]any{"in": map[string]any{"id": bare.ID, "expectedVersion": 1, "to": "SUBMITTED"}}, "BAD_USER_INPUT")
	if !strings.Contains(r.Errors[0].Message, "implementation plan") {
		t.Fatalf("message: %s", r.Errors[0].Message)
	}
	if got := e.readChange(t, c.ID); got.Version != 1 || got.State != "DRAFT" || got.Title != "Base" || len(got.Transitions) != 1 {
		t.Fatalf("the change moved: %+v", got)
	}
	if got := count(); got != before+1 {
		t.Fatalf("%d changes, want %d", got, before+1)
	}
	// Requesters cannot read changes at all.
	e.fail(t, e.requester, changeQuery, map[string]any{"id": c.ID}, "FORBIDDEN")
	e.fail(t, e.requester, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": c.ID}, "FORBIDDEN")
	var node struct {
		Node struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"node"`
	}
	e.ok(t, e.analyst, `query($id: ID!) { node(id: $id) { id ... on Change { title } } }`, map[string]any{"id": c.ID}, &node)
	if node.Node.Title != "Base" {
		t.Fatalf("node: %+v", node)
	}

	// A retried create with the same idempotency key returns the first change.
	in := normalChange("Idempotent", w.idsOf(t, "cache"), start, end)
	in["idempotencyKey"] = "pipeline-42"
	first := e.createChange(t, team.requester, in)
	second := e.createChange(t, team.requester, in)
	if first.ID != second.ID {
		t.Fatalf("retry made a second change: %s vs %s", first.ID, second.ID)
	}
	in["title"] = "Other"
	e.fail(t, team.requester, createChangeMutation, map[string]any{"in": in}, "CONFLICT")
}

// TestChangeListFilters: changes filters by state, type and target.
func TestChangeListFilters(t *testing.T) {
	e, w, team, base := newChangeEnv(t, app.Limits{})
	s, en := window(base, 2, 1, 2)
	a := e.createChange(t, team.requester, normalChange("A", w.idsOf(t, "cache"), s, en))
	b := e.createChange(t, team.requester, normalChange("B", w.idsOf(t, "hr-app"), s, en))
	e.transitionChange(t, team.requester, b, "SUBMITTED", "")
	list := func(filter map[string]any) []string {
		var out struct {
			Changes struct {
				Edges []struct {
					Node named `json:"node"`
				} `json:"edges"`
			} `json:"changes"`
		}
		e.ok(t, e.analyst, `query($f: ChangeFilter) { changes(filter: $f, first: 10) { edges { node { id } } } }`, map[string]any{"f": filter}, &out)
		var ids []string
		for _, ed := range out.Changes.Edges {
			ids = append(ids, ed.Node.ID)
		}
		return ids
	}
	tests := []struct {
		filter map[string]any
		want   []string
	}{
		{nil, []string{b.ID, a.ID}},
		{map[string]any{"states": []string{"DRAFT"}}, []string{a.ID}},
		{map[string]any{"targetId": w.id(t, "hr-app")}, []string{b.ID}},
		{map[string]any{"riskLevels": []string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}}, []string{b.ID}},
		{map[string]any{"types": []string{"EMERGENCY"}}, nil},
	}
	for _, tt := range tests {
		if got := list(tt.filter); !slices.Equal(got, tt.want) {
			t.Errorf("filter %v: %v, want %v", tt.filter, got, tt.want)
		}
	}
	// Live analyses of a long list are refused up front; a short one runs.
	e.fail(t, e.analyst, `{ changes(first: 100) { edges { node { impact { counts { total } } conflicts { sharedCount } } } } }`, nil, "BAD_USER_INPUT")
	var live struct {
		Changes struct {
			Edges []struct {
				Node struct {
					Impact struct {
						Counts struct {
							Total int `json:"total"`
						} `json:"counts"`
					} `json:"impact"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"changes"`
	}
	e.ok(t, e.analyst, `{ changes(first: 2) { edges { node { impact { counts { total } } } } } }`, nil, &live)
	if len(live.Changes.Edges) != 2 || live.Changes.Edges[0].Node.Impact.Counts.Total != 2 || live.Changes.Edges[1].Node.Impact.Counts.Total != 4 {
		t.Fatalf("live impact: %+v", live.Changes.Edges)
	}
}

// TestChangeSubscription: changeChanged delivers state changes.
func TestChangeSubscription(t *testing.T) {
	e, w, team, base := newChangeEnv(t, app.Limits{CORSOrigins: []string{okOrigin}})
	s, en := window(base, 2, 1, 2)
	c := e.createChange(t, team.requester, normalChange("Watched", w.idsOf(t, "cache"), s, en))

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ws := e.connectWS(t, ctx, okOrigin, map[string]any{"Authorization": "Bearer " + e.analyst})
	ws.expectAck(t)
	ws.subscribe(t, "1", `subscription($ids: [ID!]) { changeChanged(ids: $ids) { id state version } }`, map[string]any{"ids": []string{c.ID}})

	// The subscription starts asynchronously: edit until an event arrives.
	seen := map[string]bool{}
	for i := 0; i < 40 && len(seen) == 0; i++ {
		var up struct {
			UpdateChange changePayload `json:"updateChange"`
		}
		e.ok(t, team.requester, updateChangeMutation, map[string]any{"in": map[string]any{"id": c.ID, "expectedVersion": c.Version, "description": fmt.Sprint(i)}}, &up)
		c = up.UpdateChange.Change
		if m, ok := ws.tryNext(t, 250*time.Millisecond); ok {
			seen[string(m.Payload)] = true
		}
	}
	if len(seen) == 0 {
		t.Fatal("no event")
	}
	c = e.transitionChange(t, team.requester, c, "SUBMITTED", "")
	for {
		m := ws.next(t, 10*time.Second)
		if strings.Contains(string(m.Payload), `"state":"SUBMITTED"`) {
			break
		}
		if m.Type != "next" {
			t.Fatalf("unexpected %s %s", m.Type, m.Payload)
		}
	}
	// Requesters may not subscribe.
	rq := e.connectWS(t, ctx, okOrigin, map[string]any{"Authorization": "Bearer " + e.requester})
	rq.expectAck(t)
	rq.subscribe(t, "2", `subscription { changeChanged { id } }`, nil)
	if errs := subscriptionErrors(t, rq.next(t, 10*time.Second), "2"); len(errs) == 0 || errs[0].Extensions.Code != "FORBIDDEN" {
		t.Fatalf("requester subscription: %+v", errs)
	}
}
