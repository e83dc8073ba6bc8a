package tests

import (
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
)

// TestImplementationWindow: a change starts implementing only inside its
// approved window; outside it only a change manager may start it, with a
// reason the change keeps and unauthorizedChanges flags. A freeze created
// after scheduling stops implementation, and starting refreshes the
// assessment with what changed since, votes kept.
func TestImplementationWindow(t *testing.T) {
	e, w, team, base := newChangeEnv(t, app.Limits{})
	time.Sleep(10 * time.Millisecond)
	since := time.Now().UTC().Format(time.RFC3339Nano)
	schedule := func(title, target, start, end string) changeData {
		t.Helper()
		c := e.createChange(t, team.requester, normalChange(title, w.idsOf(t, target), start, end))
		c = e.transitionChange(t, team.requester, c, "SUBMITTED", "")
		c = e.transitionChange(t, team.manager, c, "ASSESSED", "")
		for i := 0; c.State == "ASSESSED"; i++ {
			c = e.decideChange(t, team.cab[i], c.ID, "APPROVE", "")
		}
		return e.transitionChange(t, team.manager, c, "SCHEDULED", "")
	}
	implement := func(c changeData, reason string) map[string]any {
		in := map[string]any{"id": c.ID, "expectedVersion": c.Version, "to": "IMPLEMENTING"}
		if reason != "" {
			in["outsideWindowReason"] = reason
		}
		return map[string]any{"in": in}
	}

	ls, le := window(base, 2, 20, 22)
	later := schedule("Patch the orders database", "orders-db", ls, le)
	r := e.fail(t, team.otherAgent, transitionChangeMutation, implement(later, ""), "INVALID_TRANSITION")
	if !strings.Contains(r.Errors[0].Message, "window opens at "+ls) || !strings.Contains(r.Errors[0].Message, "outsideWindowReason") {
		t.Fatalf("message: %s", r.Errors[0].Message)
	}
	e.fail(t, team.otherAgent, transitionChangeMutation, implement(later, "the engineer is here today"), "FORBIDDEN")
	if got := e.readChange(t, later.ID); got.State != "SCHEDULED" || got.Version != later.Version {
		t.Fatalf("a refused start was written: %s v%d", got.State, got.Version)
	}
	var started struct {
		TransitionChange struct {
			Change struct {
				State           string `json:"state"`
				WindowException *struct {
					Reason  string `json:"reason"`
					ActorID string `json:"actorId"`
				} `json:"windowException"`
				Transitions []struct {
					Comment *string `json:"comment"`
				} `json:"transitions"`
			} `json:"change"`
		} `json:"transitionChange"`
	}
	e.ok(t, team.manager, `mutation($in: TransitionChangeInput!) { transitionChange(input: $in) { change { state windowException { reason actorId } transitions { comment } } } }`,
		implement(later, "the engineer is here today"), &started)
	sc := started.TransitionChange.Change
	if sc.State != "IMPLEMENTING" || sc.WindowException == nil || sc.WindowException.Reason != "the engineer is here today" ||
		sc.WindowException.ActorID != "e2e-change-manager" || !strings.Contains(deref(sc.Transitions[len(sc.Transitions)-1].Comment), "outside its window") {
		t.Fatalf("started outside the window: %+v", sc)
	}
	// What is done under it is flagged by the unauthorised report.
	db := e.snapshot(t, w.id(t, "orders-db"))
	e.updateCI(t, map[string]any{"id": db.ci.ID, "expectedVersion": db.ci.Version, "description": "patched early", "changeId": later.ID})
	var unauth struct {
		UnauthorizedChanges struct {
			Edges []struct {
				Node struct {
					OutsideWindow bool `json:"outsideWindow"`
					Entry         struct {
						ChangeID *string `json:"changeId"`
					} `json:"entry"`
					ConfigurationItems []named `json:"configurationItems"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"unauthorizedChanges"`
	}
	e.ok(t, team.manager, `query($since: DateTime!) { unauthorizedChanges(since: $since) { edges { node { outsideWindow entry { changeId } configurationItems { name } } } } }`,
		map[string]any{"since": since}, &unauth)
	if es := unauth.UnauthorizedChanges.Edges; len(es) != 1 || !es[0].Node.OutsideWindow || deref(es[0].Node.Entry.ChangeID) != later.ID ||
		len(es[0].Node.ConfigurationItems) != 1 || es[0].Node.ConfigurationItems[0].Name != "orders-db" {
		t.Fatalf("unauthorised report: %+v", unauth.UnauthorizedChanges.Edges)
	}

	// Scheduled in a window open now; then another change on the cache is
	// submitted and a freeze is put on the Shop, which the cache supports.
	ns, ne := nowWindow()
	flush := schedule("Flush the cache", "cache", ns, ne)
	resize := e.transitionChange(t, team.requester, e.createChange(t, team.requester, normalChange("Resize the cache", w.idsOf(t, "cache"), ns, ne)), "SUBMITTED", "")
	var fz struct {
		CreateFreezeWindow struct {
			FreezeWindow named `json:"freezeWindow"`
		} `json:"createFreezeWindow"`
	}
	e.ok(t, team.manager, `mutation($in: CreateFreezeWindowInput!) { createFreezeWindow(input: $in) { freezeWindow { id name } } }`,
		map[string]any{"in": map[string]any{"name": "Shop incident freeze", "start": ns, "end": ne, "serviceIds": w.idsOf(t, "Shop")}}, &fz)
	r = e.fail(t, team.otherAgent, transitionChangeMutation, implement(flush, ""), "CONFLICT")
	if !strings.Contains(r.Errors[0].Message, "Shop incident freeze") {
		t.Fatalf("message: %s", r.Errors[0].Message)
	}
	e.ok(t, team.manager, `mutation($id: ID!) { deleteFreezeWindow(input: {id: $id}) { deletedId } }`, map[string]any{"id": fz.CreateFreezeWindow.FreezeWindow.ID}, nil)
	if len(flush.Assessment.Conflicts) != 0 {
		t.Fatalf("conflicts when scheduled: %+v", flush.Assessment.Conflicts)
	}
	flush = e.transitionChange(t, team.otherAgent, flush, "IMPLEMENTING", "")
	if _, ok := conflictsWith(flush.Assessment.Conflicts, resize.ID); !ok || len(flush.Approvals) != 2 {
		t.Fatalf("started: conflicts %+v, approvals %d", flush.Assessment.Conflicts, len(flush.Approvals))
	}
}
