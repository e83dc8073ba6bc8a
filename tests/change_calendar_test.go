package tests

import (
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

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

	// Changes that will never happen stay off the calendar.
	rejected := e.transitionChange(t, team.manager, submit("HR rewrite", "hr-app", 8, 14, 15), "ASSESSED", "")
	if rejected = e.decideChange(t, team.cab[0], rejected.ID, "REJECT", "not in peak season"); rejected.State != "REJECTED" {
		t.Fatalf("rejected: %s", rejected.State)
	}
	e.transitionChange(t, team.requester, submit("HR tidy", "hr-app", 8, 16, 17), "CANCELLED", "")

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
