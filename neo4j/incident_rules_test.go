package neo4j_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/sla"
)

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
	// Links name records that exist.
	for _, in := range []incident.LinkInput{{ProblemIDs: &problems}, {CausedByChangeID: &change}} {
		in.ID, in.ExpectedVersion = inc.ID, cur.Version
		if _, err := f.inc.Link(f.ctx, f.as(f.agent), in); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("link to a record that does not exist: %v", err)
		}
	}
	if err := f.store.Exec(f.ctx, "CREATE (:Problem {id: 'prb_1'}), (:Change {id: 'chg_9'})", nil); err != nil {
		t.Fatal(err)
	}
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
