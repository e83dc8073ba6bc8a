package tests

import (
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

const rescheduleMutation = changeFields + `
mutation($in: RescheduleChangeInput!) { rescheduleChange(input: $in) { approvalsKept change { ...C } } }`

// TestRescheduleAuthorizedChange: an authorised change moves to another
// window keeping its approvals while its risk band holds and no new
// conflict appears; a move into another change's window sends it back to
// the CAB; bad moves are refused and change nothing.
func TestRescheduleAuthorizedChange(t *testing.T) {
	e, w, team, base := newChangeEnv(t, app.Limits{})
	authorize := func(title string, day int) changeData {
		t.Helper()
		s, en := window(base, day, 20, 22)
		c := e.createChange(t, team.requester, normalChange(title, w.idsOf(t, "hr-app"), s, en))
		c = e.transitionChange(t, team.requester, c, "SUBMITTED", "")
		c = e.transitionChange(t, team.manager, c, "ASSESSED", "")
		for i := 0; c.State == "ASSESSED"; i++ {
			c = e.decideChange(t, team.cab[i], c.ID, "APPROVE", "")
		}
		return c
	}
	move := func(c changeData, day int, reason string) map[string]any {
		s, en := window(base, day, 20, 22)
		return map[string]any{"in": map[string]any{"id": c.ID, "expectedVersion": c.Version, "plannedStart": s, "plannedEnd": en, "reason": reason}}
	}
	type payload struct {
		RescheduleChange struct {
			ApprovalsKept bool       `json:"approvalsKept"`
			Change        changeData `json:"change"`
		} `json:"rescheduleChange"`
	}
	c := authorize("Patch HR", 5)
	votes := len(c.Approvals)

	// Bad moves change nothing.
	for _, bad := range []struct {
		name, token string
		vars        map[string]any
		code        string
	}{
		{"no reason", team.requester, move(c, 6, ""), "BAD_USER_INPUT"},
		{"someone else", team.otherAgent, move(c, 6, "busy"), "FORBIDDEN"},
		{"stale version", team.requester, func() map[string]any {
			v := move(c, 6, "busy")
			v["in"].(map[string]any)["expectedVersion"] = 1
			return v
		}(), "CONFLICT"},
		{"end before start", team.requester, func() map[string]any {
			v := move(c, 6, "busy")
			in := v["in"].(map[string]any)
			in["plannedStart"], in["plannedEnd"] = in["plannedEnd"], in["plannedStart"]
			return v
		}(), "BAD_USER_INPUT"},
	} {
		e.fail(t, bad.token, rescheduleMutation, bad.vars, bad.code)
		if got := e.readChange(t, c.ID); got.Version != c.Version || got.State != "AUTHORIZED" {
			t.Fatalf("%s: written, v%d %s", bad.name, got.Version, got.State)
		}
	}

	// A quiet night later: same risk, no new conflict, approvals kept.
	var p payload
	e.ok(t, team.requester, rescheduleMutation, move(c, 6, "the vendor asked for a day more"), &p)
	c = p.RescheduleChange.Change
	if !p.RescheduleChange.ApprovalsKept || c.State != "AUTHORIZED" || len(c.Approvals) != votes ||
		!strings.Contains(deref(c.Transitions[len(c.Transitions)-1].Comment), "approvals kept") {
		t.Fatalf("moved a day: kept %v, %s, %d approvals, %+v", p.RescheduleChange.ApprovalsKept, c.State, len(c.Approvals), c.Transitions[len(c.Transitions)-1])
	}
	c = e.transitionChange(t, team.manager, c, "SCHEDULED", "")

	// Into the window of another change on the same application: back to
	// the CAB, votes withdrawn.
	other := authorize("Resize HR", 8)
	e.ok(t, team.manager, rescheduleMutation, move(c, 8, "to share the outage"), &p)
	c = p.RescheduleChange.Change
	last := deref(c.Transitions[len(c.Transitions)-1].Comment)
	if p.RescheduleChange.ApprovalsKept || c.State != "ASSESSED" || len(c.Approvals) != 0 || !strings.Contains(last, "back to the CAB") || !strings.Contains(last, other.ID) {
		t.Fatalf("moved onto another change: kept %v, %s, %d approvals, %q", p.RescheduleChange.ApprovalsKept, c.State, len(c.Approvals), last)
	}
	// Only authorised changes are rescheduled.
	e.fail(t, team.manager, rescheduleMutation, move(c, 9, "again"), "INVALID_TRANSITION")

	// Not into a freeze on what it touches.
	fs, fe := window(base, 10, 0, 24)
	e.ok(t, team.manager, `mutation($in: CreateFreezeWindowInput!) { createFreezeWindow(input: $in) { freezeWindow { id } } }`,
		map[string]any{"in": map[string]any{"name": "Payroll run", "start": fs, "end": fe, "serviceIds": w.idsOf(t, "Payroll")}}, nil)
	r := e.fail(t, team.manager, rescheduleMutation, move(other, 10, "earlier"), "CONFLICT")
	if !strings.Contains(r.Errors[0].Message, "Payroll run") {
		t.Fatalf("message: %s", r.Errors[0].Message)
	}
}
