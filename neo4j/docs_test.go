package neo4j_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
	"github.com/itsm-graph/itsm/sla"
)

// Every kind of document kept as JSON on a node reads back from the
// database as it was written.
func TestStoredDocumentsReadBack(t *testing.T) {
	store := neo4jtest.Open(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
	due := at.Add(72 * time.Hour)
	before, after := `"old"`, `"new"`

	t.Run("CI history changes", func(t *testing.T) {
		ci := cmdb.CI{ID: "ci_doc", Name: "db", Type: cmdb.TypeServer, Status: cmdb.StatusActive, Environment: cmdb.EnvProduction,
			Criticality: cmdb.CriticalityHigh, Version: 1, CreatedAt: at, UpdatedAt: at}
		if _, err := store.CMDB().CreateCI(ctx, ci, nil); err != nil {
			t.Fatal(err)
		}
		entry := cmdb.HistoryEntry{ID: "cih_update1", At: at, Actor: "usr_1", Action: cmdb.ActionUpdated,
			Changes: []cmdb.FieldChange{{Field: "name", Before: &before, After: &after}, {Field: "location", After: &after}}}
		if _, err := store.CMDB().UpdateCI(ctx, ci.ID, func(cur cmdb.CI) (cmdb.CI, *cmdb.HistoryEntry, error) {
			cur.Name, cur.Version = "db2", cur.Version+1
			return cur, &entry, nil
		}); err != nil {
			t.Fatal(err)
		}
		got, err := store.CMDB().HistoryEntry(ctx, entry.ID)
		if err != nil || !reflect.DeepEqual(got, entry) {
			t.Fatalf("read %+v (%v), want %+v", got, err, entry)
		}
	})

	t.Run("SLA targets, schedule and review actions", func(t *testing.T) {
		if _, err := store.Catalog().CreateUnit(ctx, catalog.Unit{ID: "bu_doc", Name: "Retail", CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Catalog().CreateService(ctx, catalog.Service{ID: "bsv_doc", Kind: catalog.KindBusinessService, Name: "Shop",
			Status: catalog.StatusLive, Criticality: cmdb.CriticalityHigh, Version: 1, CreatedAt: at, UpdatedAt: at}); err != nil {
			t.Fatal(err)
		}
		a := sla.SLA{ID: "sla_doc", Version: 1, CreatedAt: at, UpdatedAt: at, Terms: sla.Terms{Name: "Gold", CustomerID: "bu_doc",
			ServiceIDs:   []string{"bsv_doc"},
			Targets:      []sla.Target{{Priority: sla.P1, Response: 15 * time.Minute, Resolution: 4 * time.Hour}, {Priority: sla.P2, Response: time.Hour, Resolution: 8 * time.Hour}},
			Availability: 99.9, WarningThreshold: 0.75, ReviewPeriod: sla.Quarterly, ReviewStart: at,
			Schedule: sla.Schedule{Kind: sla.WorkingHours, TimeZone: "Europe/Paris", Weekdays: []time.Weekday{time.Monday, time.Friday},
				StartMinute: 480, EndMinute: 1080, Holidays: []string{"2026-12-25"}}}}
		if _, err := store.SLAs().CreateSLA(ctx, a); err != nil {
			t.Fatal(err)
		}
		got, err := store.SLAs().GetSLAs(ctx, []string{a.ID})
		if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0].Targets, a.Targets) || !reflect.DeepEqual(got[0].Schedule, a.Schedule) {
			t.Fatalf("read %+v (%v), want %+v %+v", got, err, a.Targets, a.Schedule)
		}
		r := sla.Review{ID: "slr_doc", SLAID: a.ID, Date: at, Attendees: []string{"usr_1"}, RecordedBy: "usr_1", RecordedAt: at,
			Actions: []sla.ReviewAction{{Description: "faster P1", OwnerID: "usr_1", Due: &due}, {Description: "monthly report"}}}
		if _, err := store.SLAs().RecordReview(ctx, r); err != nil {
			t.Fatal(err)
		}
		reviews, err := store.SLAs().Reviews(ctx, a.ID)
		if err != nil || len(reviews) != 1 || !reflect.DeepEqual(reviews[0].Actions, r.Actions) {
			t.Fatalf("read %+v (%v), want %+v", reviews, err, r.Actions)
		}
	})

	t.Run("change approvals, assessment and review", func(t *testing.T) {
		c := change.Change{ID: "chg_doc", Title: "patch", Type: change.Normal, State: change.Reviewed, TargetIDs: []string{"ci_doc"},
			RequesterID: "usr_1", Version: 1, CreatedAt: at, UpdatedAt: at,
			Approvals: []change.Approval{{ApproverID: "usr_2", Roles: []auth.Role{auth.Agent}, Decision: change.Approve, Comment: "ok", At: at}},
			Assessment: &change.Assessment{At: at, Depth: 3, ImpactedIDs: []string{"bsv_doc"}, Counts: map[catalog.Kind]int{catalog.KindBusinessService: 1}, Down: 1,
				BusinessServices: []change.ImpactedService{{ID: "bsv_doc", Name: "Shop", Severity: "DOWN", Criticality: cmdb.CriticalityHigh, Distance: 2}},
				Conflicts: []change.Conflict{{ChangeID: "chg_other", Reasons: []change.ConflictReason{change.SameTarget, change.SharedImpact},
					SharedIDs: []string{"ci_doc"}, SharedCount: 1, Overlap: change.Window{Start: at, End: due}}},
				FreezeWindowIDs: []string{"frz_1"},
				OpenIncidents:   []change.TicketRef{{ID: "inc_1", Title: "slow", State: "NEW", Priority: "P2"}},
				SLAs:            []change.Ref{{ID: "sla_doc", Name: "Gold"}},
				PastChanges:     4, PastFailures: 1,
				Risk:     change.Risk{Score: 40, Level: change.High, Factors: []change.Factor{{Name: change.BlastRadius, Points: 30, Detail: "3 items"}}},
				Required: []change.Requirement{{Role: auth.Admin, Count: 1}}},
			Review: &change.Review{Outcome: change.FailedBackedOut, Notes: "rolled back", ReviewerID: "usr_2", At: due},
		}
		first := change.Transition{ID: "chgtr_doc", ChangeID: c.ID, To: change.Draft, Actor: "usr_1", At: at}
		if _, err := store.Changes().CreateChange(ctx, c, first, nil); err != nil {
			t.Fatal(err)
		}
		got, err := store.Changes().Changes(ctx, []string{c.ID})
		g := got[c.ID]
		if err != nil || !reflect.DeepEqual(g.Approvals, c.Approvals) || !reflect.DeepEqual(g.Assessment, c.Assessment) || !reflect.DeepEqual(g.Review, c.Review) {
			t.Fatalf("read %+v %+v %+v (%v), want %+v %+v %+v", g.Approvals, g.Assessment, g.Review, err, c.Approvals, c.Assessment, c.Review)
		}
	})

	t.Run("priority matrix", func(t *testing.T) {
		m := incident.DefaultMatrix()
		m[0].Priority = sla.P2
		if err := store.Incidents().SavePriorityMatrix(ctx, m, "usr_1", at); err != nil {
			t.Fatal(err)
		}
		got, err := store.Incidents().PriorityMatrix(ctx)
		if err != nil || !reflect.DeepEqual(got, m) {
			t.Fatalf("read %+v (%v), want %+v", got, err, m)
		}
	})
}
