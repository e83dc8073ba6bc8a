package tests

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
)

// settableClock is a server clock a test moves forward.
type settableClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *settableClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *settableClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(d)
}

type nearbyData struct {
	Rank     int    `json:"rank"`
	Reason   string `json:"reason"`
	Kind     string `json:"kind"`
	At       string `json:"at"`
	Distance int    `json:"distance"`
	Item     struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"item"`
	Path         []gEdge `json:"path"`
	RiskLevel    *string `json:"riskLevel"`
	Change       *named  `json:"change"`
	HistoryEntry *struct {
		ID       string  `json:"id"`
		ChangeID *string `json:"changeId"`
	} `json:"historyEntry"`
}

const nearbyFields = `rank reason kind at distance item { id name } path { id type sourceId targetId }
  riskLevel change { id name: title } historyEntry { id changeId }`

const changesNearQuery = `query($id: ID!, $window: TimeWindowInput, $depth: Int) {
  changesNear(ciId: $id, window: $window, maxDepth: $depth) { ` + nearbyFields + ` } }`

// implementChange takes a normal change on targets through CAB approval
// into IMPLEMENTING, its window opening an hour from the server's clock
// and the clock moved into it.
func implementChange(t *testing.T, e *env, clock *settableClock, team changeTeam, title string, targets []string) changeData {
	t.Helper()
	start, end := clock.now().Add(time.Hour), clock.now().Add(3*time.Hour)
	c := e.createChange(t, team.requester, normalChange(title, targets, start.Format(time.RFC3339), end.Format(time.RFC3339)))
	c = e.transitionChange(t, team.requester, c, "SUBMITTED", "")
	c = e.transitionChange(t, team.manager, c, "ASSESSED", "")
	deciders := map[string][]string{"CHANGE_MANAGER": {team.manager, team.manager2}, "CAB_MEMBER": team.cab[:]}
	for i := 0; c.State == "ASSESSED"; i++ {
		c = e.decideChange(t, deciders[c.RequiredApprovals[0].Role][i], c.ID, "APPROVE", "")
	}
	c = e.transitionChange(t, team.manager, c, "SCHEDULED", "")
	clock.advance(90 * time.Minute)
	return e.transitionChange(t, team.otherAgent, c, "IMPLEMENTING", "")
}

// TestChangesNearRanksWhatChangedUpstream: an application fails; what
// changed on it and on what it depends on in the window comes ranked
// nearest first, each with its path and reason; what changed elsewhere or
// before the window does not.
func TestChangesNearRanksWhatChangedUpstream(t *testing.T) {
	clock := &settableClock{at: time.Now().UTC().Add(-30 * 24 * time.Hour).Truncate(time.Second)}
	e := newEnvAt(t, app.Limits{}, clock.now)
	w := newWorld(t, e)
	w.build(t, "near-app DEPENDS_ON near-db", "near-db RUNS_ON near-host", "near-other RUNS_ON near-host2")
	team := newChangeTeam(t, e)
	// Everything above is ten days before the window.
	clock.advance(10 * 24 * time.Hour)

	chg := implementChange(t, e, clock, team, "patch the host", []string{w.id(t, "near-host")})
	implemented := clock.now()
	// The change's own work on the host is the change: listed once.
	host := e.snapshot(t, w.id(t, "near-host")).ci
	e.updateCI(t, map[string]any{"id": host.ID, "expectedVersion": host.Version, "description": "patched", "changeId": chg.ID})
	clock.advance(10 * time.Minute)
	db := e.snapshot(t, w.id(t, "near-db")).ci
	e.updateCI(t, map[string]any{"id": db.ID, "expectedVersion": db.Version, "description": "tuned by hand"})
	other := e.snapshot(t, w.id(t, "near-other")).ci
	e.updateCI(t, map[string]any{"id": other.ID, "expectedVersion": other.Version, "description": "elsewhere"})
	clock.advance(time.Hour)

	var out struct {
		ChangesNear []nearbyData `json:"changesNear"`
	}
	e.ok(t, e.agent, changesNearQuery, map[string]any{"id": w.id(t, "near-app")}, &out)
	got := out.ChangesNear
	if len(got) != 2 {
		t.Fatalf("changesNear = %+v, want the db's modification and the host's change", got)
	}
	mod, ch := got[0], got[1]
	if mod.Rank != 1 || mod.Kind != "CI_MODIFIED" || mod.Item.Name != "near-db" || mod.Distance != 1 || mod.Change != nil ||
		mod.HistoryEntry == nil || mod.HistoryEntry.ChangeID != nil || w.path(mod.Path) != "near-app-DEPENDS_ON->near-db" ||
		!strings.Contains(mod.Reason, "without an authorising change") || !strings.Contains(mod.Reason, "near-db, 1 dependency step away") {
		t.Errorf("first = %+v, want the unauthorised modification of near-db, one step away", mod)
	}
	if ch.Rank != 2 || ch.Kind != "CHANGE_IMPLEMENTED" || ch.Item.Name != "near-host" || ch.Distance != 2 || ch.Change == nil ||
		ch.Change.ID != chg.ID || ch.RiskLevel == nil || ch.HistoryEntry != nil ||
		w.path(ch.Path) != "near-app-DEPENDS_ON->near-db near-db-RUNS_ON->near-host" || !strings.Contains(ch.Reason, "change implemented (risk ") {
		t.Errorf("second = %+v, want the change on near-host, two steps away", ch)
	}
	if at, _ := time.Parse(time.RFC3339, ch.At); !at.Equal(implemented) {
		t.Errorf("change at %s, want %s", ch.At, implemented)
	}

	// One step of dependencies reaches the db only; a window that ends
	// before the change sees nothing.
	e.ok(t, e.agent, changesNearQuery, map[string]any{"id": w.id(t, "near-app"), "depth": 1}, &out)
	if len(out.ChangesNear) != 1 || out.ChangesNear[0].Item.Name != "near-db" {
		t.Errorf("depth 1 = %+v, want the db only", out.ChangesNear)
	}
	before := map[string]any{"from": implemented.Add(-48 * time.Hour).Format(time.RFC3339), "to": implemented.Add(-time.Minute).Format(time.RFC3339)}
	e.ok(t, e.agent, changesNearQuery, map[string]any{"id": w.id(t, "near-app"), "window": before}, &out)
	if len(out.ChangesNear) != 0 {
		t.Errorf("window before the change = %+v, want nothing", out.ChangesNear)
	}
}

// TestChangesNearBadInputAndRoles: the window and depth are bounded with
// messages naming the limit; unknown ids are NOT_FOUND; requesters may not
// ask, and see no nearby change through their incidents.
func TestChangesNearBadInputAndRoles(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	w.build(t, "nb-app DEPENDS_ON nb-db")
	id := w.id(t, "nb-app")
	now := time.Now().UTC()
	cases := []struct {
		name string
		vars map[string]any
		code string
		says string
	}{
		{"window over 90 days", map[string]any{"id": id, "window": map[string]any{"from": now.Add(-91 * 24 * time.Hour).Format(time.RFC3339), "to": now.Format(time.RFC3339)}}, "BAD_USER_INPUT", "at most 90 days"},
		{"window backwards", map[string]any{"id": id, "window": map[string]any{"from": now.Format(time.RFC3339), "to": now.Add(-time.Hour).Format(time.RFC3339)}}, "BAD_USER_INPUT", "must be before"},
		{"depth over the maximum", map[string]any{"id": id, "depth": 21}, "BAD_USER_INPUT", "between 1 and 20"},
		{"unknown CI", map[string]any{"id": "ci_nope"}, "NOT_FOUND", "ci_nope"},
	}
	for _, c := range cases {
		r := e.fail(t, e.agent, changesNearQuery, c.vars, c.code)
		if !strings.Contains(r.Errors[0].Message, c.says) {
			t.Errorf("%s: message %q, want it to say %q", c.name, r.Errors[0].Message, c.says)
		}
	}
	e.fail(t, e.requester, changesNearQuery, map[string]any{"id": id}, "FORBIDDEN")

	// The default window ends at the server's clock, in its local zone.
	var near struct {
		ChangesNear []nearbyData `json:"changesNear"`
	}
	e.ok(t, e.agent, changesNearQuery, map[string]any{"id": id}, &near)
	if len(near.ChangesNear) == 0 {
		t.Errorf("changesNear with the default window = nothing, want the creations of nb-app and nb-db")
	}

	db := e.snapshot(t, w.id(t, "nb-db")).ci
	e.updateCI(t, map[string]any{"id": db.ID, "expectedVersion": db.Version, "description": "changed"})
	inc, _ := e.createIncident(t, e.requester, map[string]any{"shortDescription": "the app is down", "impact": "HIGH", "urgency": "HIGH"})
	linkCIs := `mutation($in: UpdateIncidentInput!) { updateIncident(input: $in) { incident { id version } } }`
	e.ok(t, e.agent, linkCIs, map[string]any{"in": map[string]any{"id": inc.ID, "expectedVersion": inc.Version, "configurationItemIds": []string{id}}}, nil)
	const viaIncident = `query($id: ID!) { incident(id: $id) { recentChangesNear(window: {from: "2020-01-01T00:00:00Z", to: "2020-02-01T00:00:00Z"}) { rank } now: recentChangesNear { rank item { id } } } }`
	var out struct {
		Incident struct {
			RecentChangesNear []nearbyData `json:"recentChangesNear"`
			Now               []nearbyData `json:"now"`
		} `json:"incident"`
	}
	e.ok(t, e.agent, viaIncident, map[string]any{"id": inc.ID}, &out)
	if len(out.Incident.RecentChangesNear) != 0 || len(out.Incident.Now) == 0 {
		t.Errorf("agent: old window %+v, default window %+v; want nothing, then the db's modifications", out.Incident.RecentChangesNear, out.Incident.Now)
	}
	e.ok(t, e.requester, viaIncident, map[string]any{"id": inc.ID}, &out)
	if len(out.Incident.RecentChangesNear) != 0 || len(out.Incident.Now) != 0 {
		t.Errorf("requester sees %+v", out.Incident.Now)
	}
}
