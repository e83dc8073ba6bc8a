package tests

import (
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

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
