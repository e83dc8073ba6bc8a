package neo4j_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
	"github.com/itsm-graph/itsm/people"
)

// heardIncidents records what the incident service notified, in order.
type heardIncidents struct {
	mu   sync.Mutex
	list []incident.Incident
}

func (h *heardIncidents) Publish(inc incident.Incident) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.list = append(h.list, inc)
}

// versions renders what was heard as "id@version" steps.
func (h *heardIncidents) versions() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, len(h.list))
	for i, inc := range h.list {
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
	f := &incidentFixture{graphFixture: g, heard: &heardIncidents{}, clock: neo4jtest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))}
	svc, err := incident.NewService(g.store.Incidents(), incident.GraphImpact{Analyzer: g.an},
		incident.Policy{ReopenWindow: 48 * time.Hour, AutoCloseAfter: 72 * time.Hour}, f.clock.Now, ids.New, f.heard)
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
