package neo4j_test

import (
	"testing"
	"time"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/sla"
)

// TestChangeAssessmentSeesIncidentsAndSLAs: the assessment of a change on
// the database lists the open incident on the app it impacts and the SLA
// covering the business service, and forgets the incident once resolved.
func TestChangeAssessmentSeesIncidentsAndSLAs(t *testing.T) {
	f := newIncidents(t)
	slas := sla.NewService(f.store.SLAs(), f.clock.Now, ids.New)
	gold, err := slas.Create(f.ctx, auth.Principal{}, sla.CreateInput{Terms: goldInput(f)})
	if err != nil {
		t.Fatal(err)
	}
	inc, _, err := f.inc.Create(f.ctx, f.agent, incident.CreateInput{ShortDescription: "checkout slow", CallerID: &f.caller.Subject,
		CIIDs: []string{f.ids["app"]}, Impact: incident.Medium, Urgency: incident.High, AssignmentGroupID: &f.group.ID})
	if err != nil {
		t.Fatal(err)
	}
	chg := change.NewService(f.store.Changes(), f.an, change.DefaultPolicy(), f.clock.Now, ids.New)
	requester := auth.Principal{Subject: f.agent.Subject, Roles: []auth.Role{auth.Agent}}
	start, end := f.clock.Now().Add(48*time.Hour), f.clock.Now().Add(50*time.Hour)
	c, err := chg.Create(f.ctx, requester, change.CreateInput{Title: "db patch", TargetIDs: []string{f.ids["db"]},
		PlannedStart: &start, PlannedEnd: &end, ImplementationPlan: "patch", BackoutPlan: "restore"})
	if err != nil {
		t.Fatal(err)
	}
	c, err = chg.Transition(f.ctx, requester, change.TransitionInput{ID: c.ID, ExpectedVersion: c.Version, To: change.Submitted})
	if err != nil {
		t.Fatal(err)
	}
	a := c.Assessment
	if len(a.OpenIncidents) != 1 || a.OpenIncidents[0].ID != inc.ID || a.OpenIncidents[0].Priority != "P2" ||
		len(a.SLAs) != 1 || a.SLAs[0].ID != gold.ID || a.SLAs[0].Name != "Gold webshop" {
		t.Fatalf("exposure: incidents %+v, SLAs %+v", a.OpenIncidents, a.SLAs)
	}
	// Read back, the stored assessment says the same.
	got, err := chg.Get(f.ctx, c.ID)
	if err != nil || len(got.Assessment.OpenIncidents) != 1 || len(got.Assessment.SLAs) != 1 || len(got.Assessment.ImpactedIDs) != len(a.ImpactedIDs) {
		t.Fatalf("stored assessment: %+v %v", got.Assessment, err)
	}

	// Resolved, the incident no longer counts at the next assessment.
	for _, step := range []incident.TransitionInput{
		{ID: inc.ID, To: incident.InProgress},
		{ID: inc.ID, To: incident.Resolved, ResolutionCode: incident.ResolvedFixed, ResolutionNotes: "restarted"},
	} {
		cur, err := f.inc.Get(f.ctx, f.viewer(f.agent, f.group.ID), inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		step.ExpectedVersion = cur.Version
		if _, err := f.inc.Transition(f.ctx, f.as(f.agent), step); err != nil {
			t.Fatalf("%s: %v", step.To, err)
		}
	}
	manager := auth.Principal{Subject: "cm", Roles: []auth.Role{auth.ChangeManager}}
	c, err = chg.Transition(f.ctx, manager, change.TransitionInput{ID: c.ID, ExpectedVersion: c.Version, To: change.Assessed})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Assessment.OpenIncidents) != 0 || len(c.Assessment.SLAs) != 1 {
		t.Fatalf("after resolution: %+v", c.Assessment.OpenIncidents)
	}
}
