package neo4j_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/people"
	"github.com/itsm-graph/itsm/sla"
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

func TestIncidentFromMonitoringToClosure(t *testing.T) {
	f := newIncidents(t)
	inc, created := f.alert(t, "alert-42", "first")
	if !created || inc.State != incident.New || inc.Priority != sla.P2 || inc.Version != 1 || inc.AlertCount != 1 {
		t.Fatalf("created %v %+v", created, inc)
	}
	// Impact from the graph: db takes Checkout, Warehouse and both business
	// services down, and Sales behind Webshop.
	if fmt.Sprint(inc.ImpactedBusinessServiceIDs) != fmt.Sprint(sortedIDs(f.ids["Reports"], f.ids["Webshop"])) ||
		fmt.Sprint(inc.ImpactedBusinessUnitIDs) != fmt.Sprint([]string{f.ids["Sales"]}) ||
		len(inc.DownServiceIDs) != 4 {
		t.Fatalf("impact %+v", inc)
	}

	// The same alert again: no second incident; it is folded in.
	again, created := f.alert(t, "alert-42", "second")
	if created || again.ID != inc.ID || again.AlertCount != 2 || again.Version != 2 {
		t.Fatalf("repeat: %v %+v", created, again)
	}
	notes, err := f.inc.Timeline(f.ctx, f.viewer(f.agent), []string{inc.ID})
	if err != nil || len(notes[inc.ID]) != 1 || notes[inc.ID][0].Kind != incident.WorkNote || !strings.Contains(notes[inc.ID][0].Body, "second") {
		t.Fatalf("alert note: %+v %v", notes, err)
	}
	// A key reused by someone else is theirs alone; reused for a different
	// request by a person, it is refused.
	key := "k1"
	in := incident.CreateInput{ShortDescription: "printer", Impact: incident.Low, Urgency: incident.Low, IdempotencyKey: &key}
	first, _, err := f.inc.Create(f.ctx, f.caller, in)
	if err != nil {
		t.Fatal(err)
	}
	dup, created, err := f.inc.Create(f.ctx, f.caller, in)
	if err != nil || created || dup.ID != first.ID {
		t.Fatalf("retry: %v %v %v", dup.ID, created, err)
	}
	in.ShortDescription = "scanner"
	if _, _, err := f.inc.Create(f.ctx, f.caller, in); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("reused key: %v", err)
	}

	// Work it: reassign to the service desk's agent, investigate, hold,
	// resume, raise urgency, resolve; the caller confirms.
	cur, err := f.inc.Reassign(f.ctx, f.as(f.agent), incident.ReassignInput{ID: inc.ID, ExpectedVersion: 2, GroupID: f.group.ID, AssigneeID: f.agent.Subject, Reason: "triage"})
	if err != nil || cur.State != incident.Assigned || cur.RespondedAt == nil {
		t.Fatalf("reassign: %+v %v", cur, err)
	}
	// worker is the agent who has it: the desk's, then the database
	// team's (an agent outside the incident's group may not touch it).
	worker := f.agent
	step := func(to incident.State, mod func(*incident.TransitionInput)) {
		t.Helper()
		in := incident.TransitionInput{ID: inc.ID, ExpectedVersion: cur.Version, To: to}
		if mod != nil {
			mod(&in)
		}
		f.clock.Advance(10 * time.Minute)
		next, err := f.inc.Transition(f.ctx, f.as(worker), in)
		if err != nil || next.State != to || next.Version != cur.Version+1 {
			t.Fatalf("→ %s: %+v %v", to, next, err)
		}
		cur = next
	}
	step(incident.InProgress, nil)
	step(incident.OnHold, func(in *incident.TransitionInput) { in.HoldReason = incident.AwaitingVendor })
	if cur.HoldReason != incident.AwaitingVendor {
		t.Fatalf("hold reason %q", cur.HoldReason)
	}
	step(incident.InProgress, nil)
	high := incident.High
	if cur, err = f.inc.Update(f.ctx, f.as(f.agent), incident.UpdateInput{ID: inc.ID, ExpectedVersion: cur.Version, Urgency: &high}); err != nil || cur.Priority != sla.P1 {
		t.Fatalf("urgency: %+v %v", cur, err)
	}
	// Functional escalation to the database team keeps the trail.
	if cur, err = f.inc.Reassign(f.ctx, f.as(f.agent), incident.ReassignInput{ID: inc.ID, ExpectedVersion: cur.Version, GroupID: f.other.ID, AssigneeID: f.agent2.Subject, Reason: "database fault"}); err != nil || cur.State != incident.Assigned {
		t.Fatalf("escalate: %+v %v", cur, err)
	}
	esc, err := f.inc.Escalations(f.ctx, f.viewer(f.agent), []string{inc.ID})
	if err != nil || len(esc[inc.ID]) != 2 || esc[inc.ID][1].FromGroupID != f.group.ID || esc[inc.ID][1].ToGroupID != f.other.ID || esc[inc.ID][1].Reason != "database fault" {
		t.Fatalf("escalations %+v %v", esc, err)
	}
	worker = f.agent2
	// Resolving needs a code and notes.
	if _, err := f.inc.Transition(f.ctx, f.as(f.agent2), incident.TransitionInput{ID: inc.ID, ExpectedVersion: cur.Version, To: incident.Resolved}); !apperr.Is(err, apperr.BadUserInput) {
		t.Fatalf("resolve without code: %v", err)
	}
	step(incident.Resolved, func(in *incident.TransitionInput) {
		in.ResolutionCode, in.ResolutionNotes = incident.ResolvedFixed, "restarted the listener"
	})
	closed, err := f.inc.Transition(f.ctx, f.as(f.caller), incident.TransitionInput{ID: inc.ID, ExpectedVersion: cur.Version, To: incident.Closed, Comment: "works again"})
	if err != nil || closed.State != incident.Closed || closed.ClosedAt == nil {
		t.Fatalf("caller closes: %+v %v", closed, err)
	}
	wantHistory := "STATE:>NEW STATE:NEW>ASSIGNED STATE:ASSIGNED>IN_PROGRESS STATE:IN_PROGRESS>ON_HOLD STATE:ON_HOLD>IN_PROGRESS " +
		"PRIORITY:P2>P1 STATE:IN_PROGRESS>ASSIGNED STATE:ASSIGNED>RESOLVED STATE:RESOLVED>CLOSED"
	if got := historyText(t, f, inc.ID); got != wantHistory {
		t.Fatalf("history\n got %s\nwant %s", got, wantHistory)
	}
	// Closed is final: the error says so, and nothing is written.
	_, err = f.inc.Transition(f.ctx, f.as(worker), incident.TransitionInput{ID: inc.ID, ExpectedVersion: closed.Version, To: incident.InProgress})
	if !apperr.Is(err, apperr.InvalidTransition) || !strings.Contains(err.Error(), "final") {
		t.Fatalf("after close: %v", err)
	}
	if got := historyText(t, f, inc.ID); got != wantHistory {
		t.Fatalf("refused transition wrote history: %s", got)
	}
	// A closed incident's alert key no longer folds alerts in.
	folded, created := f.alert(t, "alert-42", "third")
	if created || folded.AlertCount != 2 || folded.State != incident.Closed {
		t.Fatalf("alert on closed: %+v", folded)
	}
}

func sortedIDs(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }

func TestIncidentRefusalsWriteNothing(t *testing.T) {
	f := newIncidents(t)
	inc, _ := f.alert(t, "a", "x")
	tests := []struct {
		name string
		do   func() error
		code apperr.Code
	}{
		{"stale version", func() error {
			_, err := f.inc.Transition(f.ctx, f.as(f.agent), incident.TransitionInput{ID: inc.ID, ExpectedVersion: 7, To: incident.Cancelled})
			return err
		}, apperr.Conflict},
		{"invalid transition", func() error {
			_, err := f.inc.Transition(f.ctx, f.as(f.agent), incident.TransitionInput{ID: inc.ID, ExpectedVersion: 1, To: incident.OnHold, HoldReason: incident.AwaitingCaller})
			return err
		}, apperr.InvalidTransition},
		{"requester moves it", func() error {
			_, err := f.inc.Transition(f.ctx, f.as(f.caller), incident.TransitionInput{ID: inc.ID, ExpectedVersion: 1, To: incident.InProgress})
			return err
		}, apperr.Forbidden},
		{"unknown group", func() error {
			_, err := f.inc.Reassign(f.ctx, f.as(f.agent), incident.ReassignInput{ID: inc.ID, ExpectedVersion: 1, GroupID: "grp_nope", Reason: "x"})
			return err
		}, apperr.NotFound},
		{"assignee outside the group", func() error {
			_, err := f.inc.Reassign(f.ctx, f.as(f.agent), incident.ReassignInput{ID: inc.ID, ExpectedVersion: 1, GroupID: f.group.ID, AssigneeID: f.agent2.Subject, Reason: "x"})
			return err
		}, apperr.BadUserInput},
		{"unknown CI", func() error {
			_, _, err := f.inc.Create(f.ctx, f.agent, incident.CreateInput{ShortDescription: "x", CIIDs: []string{"ci_nope"}, Impact: incident.Low, Urgency: incident.Low})
			return err
		}, apperr.NotFound},
		{"too long", func() error {
			_, _, err := f.inc.Create(f.ctx, f.agent, incident.CreateInput{ShortDescription: strings.Repeat("x", 201), Impact: incident.Low, Urgency: incident.Low})
			return err
		}, apperr.BadUserInput},
		{"bad urgency", func() error {
			_, _, err := f.inc.Create(f.ctx, f.agent, incident.CreateInput{ShortDescription: "x", Impact: incident.Low, Urgency: "SOON"})
			return err
		}, apperr.BadUserInput},
		{"requester logs for someone else", func() error {
			_, _, err := f.inc.Create(f.ctx, f.caller, incident.CreateInput{ShortDescription: "x", CallerID: &f.agent.Subject, Impact: incident.Low, Urgency: incident.Low})
			return err
		}, apperr.Forbidden},
		{"requester writes a work note", func() error {
			_, err := f.inc.AddEntry(f.ctx, f.viewer(f.caller), incident.AddEntryInput{ID: inc.ID, Kind: incident.WorkNote, Body: "x"})
			return err
		}, apperr.Forbidden},
		{"communication on a normal incident", func() error {
			_, err := f.inc.AddCommunication(f.ctx, f.as(f.agent), incident.CommunicationInput{IncidentID: inc.ID, Audience: "all staff", Channel: "email", Message: "x"})
			return err
		}, apperr.InvalidTransition},
		{"requester updates", func() error {
			_, err := f.inc.Update(f.ctx, f.as(f.caller), incident.UpdateInput{ID: inc.ID, ExpectedVersion: 1})
			return err
		}, apperr.Forbidden},
	}
	for _, tt := range tests {
		if err := tt.do(); !apperr.Is(err, tt.code) {
			t.Errorf("%s: got %v, want %s", tt.name, err, tt.code)
		}
	}
	got, err := f.inc.Get(f.ctx, f.viewer(f.agent), inc.ID)
	if err != nil || got.Version != 1 || got.State != incident.New {
		t.Fatalf("after refusals: %+v %v", got, err)
	}
	if h := historyText(t, f, inc.ID); h != "STATE:>NEW" {
		t.Fatalf("history %s", h)
	}
	tl, _ := f.inc.Timeline(f.ctx, f.viewer(f.agent), []string{inc.ID})
	if len(tl[inc.ID]) != 0 {
		t.Fatalf("timeline %+v", tl)
	}
	page, err := f.inc.List(f.ctx, f.viewer(f.agent), incident.Filter{}, paging.Request{First: 10})
	if err != nil || page.Total != 1 {
		t.Fatalf("incidents: %d %v", page.Total, err)
	}
	// Only the creation was announced: refusals publish nothing.
	if got := f.heard.versions(); !slices.Equal(got, []string{inc.ID + "@1"}) {
		t.Fatalf("heard %v", got)
	}
}

// TestIncidentWritesAreHeard: every committed write reaches the notifier
// once, with the incident as written; a deduplicated retry is not a write.
func TestIncidentWritesAreHeard(t *testing.T) {
	f := newIncidents(t)
	inc, _ := f.alert(t, "a", "x")
	f.alert(t, "a", "again")
	if _, err := f.inc.AddEntry(f.ctx, f.viewer(f.caller), incident.AddEntryInput{ID: inc.ID, Kind: incident.Comment, Body: "any news?"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.inc.Reassign(f.ctx, f.as(f.agent), incident.ReassignInput{ID: inc.ID, ExpectedVersion: 2, GroupID: f.group.ID, Reason: "triage"}); err != nil {
		t.Fatal(err)
	}
	key := "k"
	in := incident.CreateInput{ShortDescription: "printer", Impact: incident.Low, Urgency: incident.Low, IdempotencyKey: &key}
	first, _, err := f.inc.Create(f.ctx, f.caller, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.inc.Create(f.ctx, f.caller, in); err != nil {
		t.Fatal(err)
	}
	want := []string{inc.ID + "@1", inc.ID + "@2", inc.ID + "@2", inc.ID + "@3", first.ID + "@1"}
	if got := f.heard.versions(); !slices.Equal(got, want) {
		t.Fatalf("heard %v, want %v", got, want)
	}
}

func TestConcurrentTransitionsNeverLoseAnUpdate(t *testing.T) {
	f := newIncidents(t)
	inc, _ := f.alert(t, "a", "x")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for n := 0; n < 8; n++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.inc.Reassign(f.ctx, f.as(f.agent), incident.ReassignInput{ID: inc.ID, ExpectedVersion: 1, GroupID: f.group.ID, Reason: "mine"})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	ok, conflicts := 0, 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case apperr.Is(err, apperr.Conflict):
			conflicts++
		default:
			t.Fatal(err)
		}
	}
	esc, _ := f.inc.Escalations(f.ctx, f.viewer(f.agent), []string{inc.ID})
	if ok != 1 || conflicts != 7 || len(esc[inc.ID]) != 1 {
		t.Fatalf("ok %d conflicts %d escalations %d", ok, conflicts, len(esc[inc.ID]))
	}
}

func TestIncidentVisibilityAndTimeline(t *testing.T) {
	f := newIncidents(t)
	mine, _, err := f.inc.Create(f.ctx, f.caller, incident.CreateInput{ShortDescription: "cannot log in", Impact: incident.Low, Urgency: incident.Medium})
	if err != nil {
		t.Fatal(err)
	}
	others, _, err := f.inc.Create(f.ctx, f.agent2, incident.CreateInput{ShortDescription: "slow queries", Impact: incident.Medium, Urgency: incident.Medium,
		AssignmentGroupID: &f.other.ID})
	if err != nil || others.State != incident.Assigned {
		t.Fatal(others, err)
	}
	if _, err := f.inc.AddEntry(f.ctx, f.viewer(f.agent, f.group.ID), incident.AddEntryInput{ID: mine.ID, Kind: incident.WorkNote, Body: "password reset pending"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.inc.AddEntry(f.ctx, f.viewer(f.agent, f.group.ID), incident.AddEntryInput{ID: mine.ID, Kind: incident.Comment, Body: "we are on it"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.inc.AddEntry(f.ctx, f.viewer(f.caller), incident.AddEntryInput{ID: mine.ID, Kind: incident.Comment, Body: "thanks"}); err != nil {
		t.Fatal(err)
	}
	body := func(v incident.Viewer) string {
		tl, err := f.inc.Timeline(f.ctx, v, []string{mine.ID})
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, e := range tl[mine.ID] {
			parts = append(parts, e.Body)
		}
		return strings.Join(parts, "|")
	}
	if got := body(f.viewer(f.caller)); got != "we are on it|thanks" {
		t.Fatalf("caller sees %q", got)
	}
	if got := body(f.viewer(f.agent)); got != "password reset pending|we are on it|thanks" {
		t.Fatalf("agent sees %q", got)
	}
	list := func(v incident.Viewer) string {
		p, err := f.inc.List(f.ctx, v, incident.Filter{}, paging.Request{First: 10})
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, i := range p.Items {
			parts = append(parts, i.ShortDescription)
		}
		return fmt.Sprintf("%d:%s", p.Total, strings.Join(parts, "|"))
	}
	// The service desk agent sees the unassigned ticket, not the database
	// team's; the DBA sees their team's and the triage queue; the caller
	// only their own.
	if got := list(f.viewer(f.agent, f.group.ID)); got != "1:cannot log in" {
		t.Fatalf("service desk lists %q", got)
	}
	if got := list(f.viewer(f.agent2, f.other.ID)); got != "2:slow queries|cannot log in" {
		t.Fatalf("dba lists %q", got)
	}
	if got := list(f.viewer(f.caller)); got != "1:cannot log in" {
		t.Fatalf("caller lists %q", got)
	}
	if _, err := f.inc.Get(f.ctx, f.viewer(f.caller), others.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("caller reads another's incident: %v", err)
	}
	if _, err := f.inc.AddEntry(f.ctx, f.viewer(f.caller), incident.AddEntryInput{ID: others.ID, Kind: incident.Comment, Body: "me too"}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("caller comments on another's incident: %v", err)
	}
	// Paging: one at a time, newest first.
	p1, err := f.inc.List(f.ctx, f.viewer(f.agent2, f.other.ID), incident.Filter{}, paging.Request{First: 1})
	if err != nil || len(p1.Items) != 1 || !p1.HasNext {
		t.Fatalf("page 1 %+v %v", p1, err)
	}
	p2, err := f.inc.List(f.ctx, f.viewer(f.agent2, f.other.ID), incident.Filter{}, paging.Request{First: 1, After: p1.Cursors[0]})
	if err != nil || len(p2.Items) != 1 || p2.HasNext || p2.Items[0].ID != mine.ID {
		t.Fatalf("page 2 %+v %v", p2, err)
	}
	// Filters.
	yes := true
	p, err := f.inc.List(f.ctx, f.viewer(f.agent2), incident.Filter{States: []incident.State{incident.Assigned}, Major: &yes}, paging.Request{First: 10})
	if err != nil || p.Total != 0 {
		t.Fatalf("filtered %+v %v", p, err)
	}
}

func TestMajorIncidentAndLinks(t *testing.T) {
	f := newIncidents(t)
	inc, _ := f.alert(t, "a", "x")
	cur, err := f.inc.SetMajor(f.ctx, f.as(f.agent), incident.MajorInput{ID: inc.ID, ExpectedVersion: 1, Major: true, ManagerID: f.agent2.Subject, Reason: "webshop down"})
	if err != nil || !cur.Major || cur.MajorManagerID != f.agent2.Subject {
		t.Fatalf("major: %+v %v", cur, err)
	}
	// Every agent sees major incidents.
	if _, err := f.inc.Get(f.ctx, f.viewer(f.agent2, f.other.ID), inc.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.inc.AddCommunication(f.ctx, f.as(f.agent2), incident.CommunicationInput{IncidentID: inc.ID, Audience: "Sales", Channel: "email", Message: "webshop down, next update 10:00"}); err != nil {
		t.Fatal(err)
	}
	comms, err := f.inc.Communications(f.ctx, f.viewer(f.agent), []string{inc.ID})
	if err != nil || len(comms[inc.ID]) != 1 || comms[inc.ID][0].Audience != "Sales" {
		t.Fatalf("communications %+v %v", comms, err)
	}
	problems := []string{"prb_1"}
	change := "chg_9"
	cur, err = f.inc.Link(f.ctx, f.as(f.agent), incident.LinkInput{ID: inc.ID, ExpectedVersion: cur.Version, ProblemIDs: &problems, CausedByChangeID: &change})
	if err != nil || fmt.Sprint(cur.ProblemIDs) != "[prb_1]" || cur.CausedByChange != "chg_9" {
		t.Fatalf("link %+v %v", cur, err)
	}
	got, err := f.inc.Get(f.ctx, f.viewer(f.agent), inc.ID)
	if err != nil || got.Version != cur.Version || got.CausedByChange != "chg_9" || !got.Major {
		t.Fatalf("read back %+v %v", got, err)
	}
	if h := historyText(t, f, inc.ID); !strings.Contains(h, "MAJOR:NO>YES:"+f.agent2.Subject) {
		t.Fatalf("history %s", h)
	}
	// Changing the CIs recomputes the impact: the app alone spares Reports.
	cur, err = f.inc.Update(f.ctx, f.as(f.agent), incident.UpdateInput{ID: inc.ID, ExpectedVersion: cur.Version, CIIDs: []string{f.ids["app"]}, SetCIs: true})
	if err != nil || fmt.Sprint(cur.ImpactedBusinessServiceIDs) != fmt.Sprint([]string{f.ids["Webshop"]}) || len(cur.DownServiceIDs) != 2 {
		t.Fatalf("recomputed impact %+v %v", cur, err)
	}
}

func TestReopenWindowAndAutoCloseInTheStore(t *testing.T) {
	f := newIncidents(t)
	resolve := func(key string) incident.Incident {
		inc, _ := f.alert(t, key, "x")
		cur, err := f.inc.Transition(f.ctx, f.as(f.agent), incident.TransitionInput{ID: inc.ID, ExpectedVersion: inc.Version, To: incident.Resolved,
			ResolutionCode: incident.ResolvedSelfCleared, ResolutionNotes: "recovered"})
		if err != nil {
			t.Fatal(err)
		}
		return cur
	}
	a := resolve("a")
	f.clock.Advance(24 * time.Hour)
	b := resolve("b")
	reopened, err := f.inc.Transition(f.ctx, f.as(f.caller), incident.TransitionInput{ID: b.ID, ExpectedVersion: b.Version, To: incident.InProgress, Comment: "still broken"})
	if err != nil || reopened.ResolvedAt != nil || reopened.ResolutionCode != "" {
		t.Fatalf("reopen: %+v %v", reopened, err)
	}
	f.clock.Advance(25 * time.Hour) // a was resolved 49h ago
	if _, err := f.inc.Transition(f.ctx, f.as(f.caller), incident.TransitionInput{ID: a.ID, ExpectedVersion: a.Version, To: incident.InProgress}); !apperr.Is(err, apperr.InvalidTransition) {
		t.Fatalf("late reopen: %v", err)
	}
	closed, err := f.inc.AutoClose(f.ctx)
	if err != nil || len(closed) != 0 {
		t.Fatalf("too early: %v %v", closed, err)
	}
	f.clock.Advance(23 * time.Hour) // a: 72h
	closed, err = f.inc.AutoClose(f.ctx)
	if err != nil || len(closed) != 1 || closed[0].ID != a.ID || closed[0].State != incident.Closed {
		t.Fatalf("auto close: %+v %v", closed, err)
	}
	h, _ := f.inc.History(f.ctx, f.viewer(f.agent), []string{a.ID})
	last := h[a.ID][len(h[a.ID])-1]
	if last.Actor != incident.SystemActor || last.To != string(incident.Closed) {
		t.Fatalf("auto close entry %+v", last)
	}
	if closed, _ := f.inc.AutoClose(f.ctx); len(closed) != 0 {
		t.Fatalf("second run closed %v", closed)
	}
}

func TestPriorityMatrixIsData(t *testing.T) {
	f := newIncidents(t)
	m, err := f.inc.Matrix(f.ctx)
	if err != nil || fmt.Sprint(m) != fmt.Sprint(incident.DefaultMatrix()) {
		t.Fatalf("default: %v %v", m, err)
	}
	custom := incident.DefaultMatrix()
	custom[8].Priority = sla.P4
	if _, err := f.inc.SetMatrix(f.ctx, f.agent, custom); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent sets matrix: %v", err)
	}
	admin := auth.Principal{Subject: "usr_admin", Roles: []auth.Role{auth.Admin}}
	if _, err := f.inc.SetMatrix(f.ctx, admin, custom[:8]); !apperr.Is(err, apperr.BadUserInput) {
		t.Fatalf("incomplete matrix: %v", err)
	}
	if _, err := f.inc.SetMatrix(f.ctx, admin, custom); err != nil {
		t.Fatal(err)
	}
	inc, _, err := f.inc.Create(f.ctx, f.caller, incident.CreateInput{ShortDescription: "x", Impact: incident.Low, Urgency: incident.Low})
	if err != nil || inc.Priority != sla.P4 {
		t.Fatalf("with the custom matrix: %v %v", inc.Priority, err)
	}
}
