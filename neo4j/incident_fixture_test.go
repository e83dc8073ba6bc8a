package neo4j_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/neo4j"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
	"github.com/itsm-graph/itsm/people"
)

// heardIncidents reads the incident events appended to the log since
// the fixture was made.
type heardIncidents struct {
	log  *neo4j.Events
	from int64
}

// versions renders what the log holds as "id@version" steps, in order.
func (h *heardIncidents) versions(t *testing.T) []string {
	t.Helper()
	evs, err := h.log.After(context.Background(), h.from, 1000, events.Filter{Kinds: []events.Kind{events.KindIncident}})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(evs))
	for i, e := range evs {
		inc, err := events.Decode[incident.Incident](e)
		if err != nil || inc.ID != e.RecordID {
			t.Fatalf("event %d: %+v %v", e.Position, inc, err)
		}
		out[i] = fmt.Sprintf("%s@%d", inc.ID, inc.Version)
	}
	return out
}

type incidentFixture struct {
	*graphFixture
	heard   *heardIncidents
	clock   *neo4jtest.Clock
	inc     *incident.Service
	group   people.Group
	other   people.Group
	agent   auth.Principal
	agent2  auth.Principal
	caller  auth.Principal
	monitor auth.Principal
}

// newIncidents builds Sales → Webshop → Checkout → app → db, plus Reports
// → db, a service desk and a database team with an agent each, a caller,
// and a monitoring service account.
func newIncidents(t *testing.T) *incidentFixture {
	g := newGraph(t)
	g.build(t,
		"bu:Sales CONSUMES bs:Webshop",
		"bs:Webshop DEPENDS_ON ts:Checkout",
		"ts:Checkout DEPENDS_ON app",
		"app DEPENDS_ON db",
		"bs:Reports DEPENDS_ON ts:Warehouse",
		"ts:Warehouse DEPENDS_ON db",
	)
	_, head, err := g.store.Events().Bounds(g.ctx)
	if err != nil {
		t.Fatal(err)
	}
	f := &incidentFixture{graphFixture: g, heard: &heardIncidents{log: g.store.Events(), from: head}, clock: neo4jtest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))}
	svc, err := incident.NewService(g.store.Incidents(), incident.GraphImpact{Analyzer: g.an},
		incident.Policy{ReopenWindow: 48 * time.Hour, AutoCloseAfter: 72 * time.Hour}, f.clock.Now, ids.New)
	if err != nil {
		t.Fatal(err)
	}
	f.inc = svc
	mk := func(name string, roles []auth.Role, groups ...string) auth.Principal {
		u, err := g.dir.CreateUser(g.ctx, auth.Principal{}, people.CreateUserInput{Username: name, DisplayName: name, Roles: roles, GroupIDs: groups})
		if err != nil {
			t.Fatal(err)
		}
		return auth.Principal{Subject: u.ID, Roles: roles}
	}
	if f.group, err = g.dir.CreateGroup(g.ctx, auth.Principal{}, people.CreateGroupInput{Name: "Service desk", Kind: people.Team}); err != nil {
		t.Fatal(err)
	}
	if f.other, err = g.dir.CreateGroup(g.ctx, auth.Principal{}, people.CreateGroupInput{Name: "Database team", Kind: people.Team}); err != nil {
		t.Fatal(err)
	}
	f.agent = mk("agent", []auth.Role{auth.Agent}, f.group.ID)
	f.agent2 = mk("dba", []auth.Role{auth.Agent}, f.other.ID)
	f.caller = mk("caller", []auth.Role{auth.Requester})
	f.monitor = mk("monitor", []auth.Role{auth.Agent})
	return f
}

func (f *incidentFixture) alert(t *testing.T, key, text string) (incident.Incident, bool) {
	t.Helper()
	ch := incident.ChannelMonitoring
	inc, created, err := f.inc.Create(f.ctx, f.monitor, incident.CreateInput{
		ShortDescription: "db unreachable", Description: text, Channel: &ch, CallerID: &f.caller.Subject,
		CIIDs: []string{f.ids["db"]}, Impact: incident.High, Urgency: incident.Medium, IdempotencyKey: &key,
	})
	if err != nil {
		t.Fatal(err)
	}
	return inc, created
}

func (f *incidentFixture) viewer(p auth.Principal, groups ...string) incident.Viewer {
	return incident.Viewer{Principal: p, GroupIDs: groups}
}

// as returns p as the incident rules see them, with the groups p belongs
// to: what the API passes to every incident write.
func (f *incidentFixture) as(p auth.Principal) incident.Viewer {
	groups, err := f.dir.GroupsOf(f.ctx, []string{p.Subject})
	if err != nil {
		panic(err)
	}
	v := incident.Viewer{Principal: p}
	for _, g := range groups[p.Subject] {
		v.GroupIDs = append(v.GroupIDs, g.ID)
	}
	return v
}

func historyText(t *testing.T, f *incidentFixture, id string) string {
	t.Helper()
	h, err := f.inc.History(f.ctx, f.viewer(f.agent), []string{id})
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, e := range h[id] {
		parts = append(parts, fmt.Sprintf("%s:%s>%s", e.Field, e.From, e.To))
	}
	return strings.Join(parts, " ")
}

func sortedIDs(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }
