package tests

import (
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
)

// TestRepeatedAlertsAfterResolution: a monitoring alert that comes back
// while its incident is resolved reopens it within the reopen window;
// after the window, or once the incident is closed, it opens a new
// incident following the old one, into which later repeats fold. No alert
// is lost.
func TestRepeatedAlertsAfterResolution(t *testing.T) {
	e, w, team, clock := newIncidentEnv(t, app.Limits{}, t0)
	const key = "orders-db-down"
	repeat := func() (incidentData, bool) {
		t.Helper()
		return e.createIncident(t, team.monitor, alert(w, t, key, "still down"))
	}
	resolve := func(id string) incidentData {
		t.Helper()
		return e.transitionIncident(t, team.agent, e.readIncident(t, team.agent, id), "RESOLVED",
			map[string]any{"resolutionCode": "WORKAROUND", "resolutionNotes": "failed over"})
	}
	previous := func(id string) string {
		t.Helper()
		var out struct {
			Incident struct {
				PreviousIncidentID *string `json:"previousIncidentId"`
				PreviousIncident   *named  `json:"previousIncident"`
			} `json:"incident"`
		}
		e.ok(t, team.agent, `query($id: ID!) { incident(id: $id) { previousIncidentId previousIncident { id name: shortDescription } } }`, map[string]any{"id": id}, &out)
		if p := out.Incident; p.PreviousIncidentID != nil && (p.PreviousIncident == nil || p.PreviousIncident.ID != *p.PreviousIncidentID) {
			t.Fatalf("previous incident of %s: %+v", id, p)
		}
		return deref(out.Incident.PreviousIncidentID)
	}

	first, created := repeat()
	if !created {
		t.Fatal("the first alert created nothing")
	}
	resolve(first.ID)
	// Within the reopen window: the incident reopens, without an assignee.
	clock.Advance(time.Hour)
	got, created := repeat()
	if created || got.ID != first.ID || got.State != "IN_PROGRESS" || got.AlertCount != 2 || got.AssigneeID != nil {
		t.Fatalf("repeated within the window: created %v, %s %s, alerts %d, assignee %v", created, got.ID, got.State, got.AlertCount, got.AssigneeID)
	}
	if last := got.History[len(got.History)-1]; deref(last.From) != "RESOLVED" || last.To != "IN_PROGRESS" || last.Actor != subjMonitor {
		t.Fatalf("reopen history %+v", last)
	}

	// Resolved again and the window passed: a new incident follows it.
	resolve(first.ID)
	clock.Advance(121 * time.Hour)
	second, created := repeat()
	if !created || second.ID == first.ID || second.AlertCount != 1 || previous(second.ID) != first.ID {
		t.Fatalf("repeated after the window: created %v, %s, alerts %d", created, second.ID, second.AlertCount)
	}
	if old := e.readIncident(t, team.agent, first.ID); old.State != "RESOLVED" || old.AlertCount != 2 {
		t.Fatalf("the old incident moved: %s, alerts %d", old.State, old.AlertCount)
	}
	// Later repeats fold into the new incident.
	if got, created := repeat(); created || got.ID != second.ID || got.AlertCount != 2 {
		t.Fatalf("repeated again: created %v, %s, alerts %d", created, got.ID, got.AlertCount)
	}

	// Closed: a new incident again, however soon.
	closed := e.transitionIncident(t, team.agent, resolve(second.ID), "CLOSED", nil)
	third, created := repeat()
	if !created || third.ID == closed.ID || previous(third.ID) != second.ID {
		t.Fatalf("repeated after closure: created %v, %s follows %q", created, third.ID, previous(third.ID))
	}
}
