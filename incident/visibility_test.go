package incident

import (
	"reflect"
	"testing"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
)

func TestTextVisibilityDefaultsAndRefusals(t *testing.T) {
	internal, public, bogus := Internal, CustomerVisible, Visibility("PUBLIC")
	tests := []struct {
		name  string
		who   auth.Principal
		asked *Visibility
		want  Visibility
		code  apperr.Code
	}{
		{"staff default", agent, nil, Internal, ""},
		{"analyst default", analyst, nil, Internal, ""},
		{"staff marks it for the caller", agent, &public, CustomerVisible, ""},
		{"staff says internal", admin, &internal, Internal, ""},
		{"requester default", caller, nil, CustomerVisible, ""},
		{"requester says customer-visible", caller, &public, CustomerVisible, ""},
		{"requester cannot hide text", caller, &internal, "", apperr.Forbidden},
		{"unknown value", agent, &bogus, "", apperr.BadUserInput},
	}
	for _, tt := range tests {
		got, err := textVisibility("reasonVisibility", tt.who, tt.asked)
		if got != tt.want || tt.code == "" && err != nil || tt.code != "" && !apperr.Is(err, tt.code) {
			t.Errorf("%s: got %q, %v; want %q, %q", tt.name, got, err, tt.want, tt.code)
		}
	}
}

func TestRequestersReadCustomerVisibleTextAndNoOnesID(t *testing.T) {
	history := []HistoryEntry{
		{Actor: agent.Subject, Field: FieldState, From: "NEW", To: "ASSIGNED", Comment: "vendor lapsed", CommentVisibility: Internal},
		{Actor: agent.Subject, Field: FieldMajor, From: "NO", To: "YES:" + agent.Subject, Comment: "CFO", CommentVisibility: Internal},
		{Actor: agent.Subject, Field: FieldState, From: "ASSIGNED", To: "ON_HOLD", Comment: "please reboot", CommentVisibility: CustomerVisible},
		{Actor: SystemActor, Field: FieldState, From: "RESOLVED", To: "CLOSED", Comment: "closed automatically", CommentVisibility: CustomerVisible},
		{Actor: caller.Subject, Field: FieldState, From: "RESOLVED", To: "IN_PROGRESS", Comment: "still broken", CommentVisibility: CustomerVisible},
		// Stored before texts had a visibility.
		{Actor: agent.Subject, Field: FieldPriority, From: "P3", To: "P2", Comment: "old"},
	}
	wantHistory := []HistoryEntry{
		{Field: FieldState, From: "NEW", To: "ASSIGNED", CommentVisibility: Internal},
		{Field: FieldMajor, From: "NO", To: "YES", CommentVisibility: Internal},
		{Field: FieldState, From: "ASSIGNED", To: "ON_HOLD", Comment: "please reboot", CommentVisibility: CustomerVisible},
		{Actor: SystemActor, Field: FieldState, From: "RESOLVED", To: "CLOSED", Comment: "closed automatically", CommentVisibility: CustomerVisible},
		{Actor: caller.Subject, Field: FieldState, From: "RESOLVED", To: "IN_PROGRESS", Comment: "still broken", CommentVisibility: CustomerVisible},
		{Field: FieldPriority, From: "P3", To: "P2"},
	}
	escalations := []Escalation{
		{Actor: agent.Subject, ToGroupID: "grp_desk", ToAssigneeID: agent.Subject, Reason: "vendor lapsed", ReasonVisibility: Internal},
		{Actor: agent.Subject, FromGroupID: "grp_desk", FromAssigneeID: agent.Subject, ToGroupID: "grp_net", Reason: "to network", ReasonVisibility: CustomerVisible},
	}
	wantEscalations := []Escalation{
		{ToGroupID: "grp_desk", ReasonVisibility: Internal},
		{FromGroupID: "grp_desk", ToGroupID: "grp_net", Reason: "to network", ReasonVisibility: CustomerVisible},
	}
	communications := []Communication{
		{Actor: agent.Subject, Audience: "all staff", Message: "bridge at 10", Visibility: Internal},
		{Actor: agent.Subject, Audience: "customers", Message: "degraded", Visibility: CustomerVisible},
		{Actor: agent.Subject, Audience: "old", Message: "no visibility"},
	}
	wantCommunications := []Communication{{Audience: "customers", Message: "degraded", Visibility: CustomerVisible}}
	timeline := []TimelineEntry{
		{Author: agent.Subject, Kind: WorkNote, Body: "note"},
		{Author: agent.Subject, Kind: Comment, Body: "on it"},
		{Author: caller.Subject, Kind: Comment, Body: "thanks"},
	}
	wantTimeline := []TimelineEntry{{Kind: Comment, Body: "on it"}, {Author: caller.Subject, Kind: Comment, Body: "thanks"}}

	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"history", HistoryFor(caller, history), wantHistory},
		{"escalations", EscalationsFor(caller, escalations), wantEscalations},
		{"communications", CommunicationsFor(caller, communications), wantCommunications},
		{"timeline", TimelineFor(caller, timeline), wantTimeline},
		// Staff read everything as written.
		{"staff history", HistoryFor(agent, history), history},
		{"staff escalations", EscalationsFor(analyst, escalations), escalations},
		{"staff communications", CommunicationsFor(admin, communications), communications},
		{"staff timeline", TimelineFor(agent, timeline), timeline},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, c.got, c.want)
		}
	}
	// The rule copies: the trail it was given stays whole.
	if history[0].Comment != "vendor lapsed" || escalations[0].Actor != agent.Subject {
		t.Error("reading as a requester changed the trail it read")
	}
	// A service account is no one the caller knows either.
	for _, id := range []string{agent.Subject, "svc-monitoring", ""} {
		if got := ShownPerson(caller, id); got != "" {
			t.Errorf("the caller sees %q as %q", id, got)
		}
		if got := ShownPerson(analyst, id); got != id {
			t.Errorf("an analyst sees %q as %q", id, got)
		}
	}
}
