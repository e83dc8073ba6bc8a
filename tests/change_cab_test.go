package tests

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

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
