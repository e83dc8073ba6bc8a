package neo4j_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/sla"
)

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
	wantHistory := "STATE:>NEW STATE:NEW>ASSIGNED ASSIGNMENT_GROUP:>" + f.group.ID + " STATE:ASSIGNED>IN_PROGRESS STATE:IN_PROGRESS>ON_HOLD STATE:ON_HOLD>IN_PROGRESS " +
		"PRIORITY:P2>P1 STATE:IN_PROGRESS>ASSIGNED ASSIGNMENT_GROUP:" + f.group.ID + ">" + f.other.ID + " STATE:ASSIGNED>RESOLVED STATE:RESOLVED>CLOSED"
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
	// A closed incident's alert opens a new incident that follows it.
	next, created := f.alert(t, "alert-42", "third")
	if !created || next.ID == inc.ID || next.AlertCount != 1 || next.PreviousIncidentID != inc.ID || next.State != incident.New {
		t.Fatalf("alert on closed: %+v", next)
	}
}

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
	// Only the creation was logged: refusals append nothing.
	if got := f.heard.versions(t); !slices.Equal(got, []string{inc.ID + "@1"}) {
		t.Fatalf("heard %v", got)
	}
}

// TestIncidentWritesAreHeard: every committed write appends one event to
// the log, with the incident as written; a deduplicated retry is not a
// write.
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
	if got := f.heard.versions(t); !slices.Equal(got, want) {
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
