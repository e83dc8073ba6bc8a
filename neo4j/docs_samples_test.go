package neo4j

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/sla"
)

// The helpers below are exported for the tests of package neo4j_test too.

// AsJSON is v marshalled as it is, which is how the domain structs of the
// stored documents were first written.
func AsJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Documents holds a record of each kind that keeps JSON documents, with
// every document field filled in.
type Documents struct {
	// Entry is an update of CI ci_doc.
	Entry cmdb.HistoryEntry
	// SLA is with business unit bu_doc and covers service bsv_doc.
	SLA    sla.SLA
	Review sla.Review
	// Change targets CI ci_doc.
	Change change.Change
	Matrix incident.Matrix
}

// SampleDocuments returns Documents written at at.
func SampleDocuments(at time.Time) Documents {
	due := at.Add(72 * time.Hour)
	before, after := `"old"`, `"new"`
	m := incident.DefaultMatrix()
	m[0].Priority = sla.P2
	return Documents{
		Entry: cmdb.HistoryEntry{ID: "cih_update1", At: at, Actor: "usr_1", Action: cmdb.ActionUpdated,
			Changes: []cmdb.FieldChange{{Field: "name", Before: &before, After: &after}, {Field: "location", After: &after}}},
		SLA: sla.SLA{ID: "sla_doc", Version: 1, CreatedAt: at, UpdatedAt: at, Terms: sla.Terms{Name: "Gold", CustomerID: "bu_doc",
			ServiceIDs:   []string{"bsv_doc"},
			Targets:      []sla.Target{{Priority: sla.P1, Response: 15 * time.Minute, Resolution: 4 * time.Hour}, {Priority: sla.P2, Response: time.Hour, Resolution: 8 * time.Hour}},
			Availability: 99.9, WarningThreshold: 0.75, ReviewPeriod: sla.Quarterly, ReviewStart: at,
			Schedule: sla.Schedule{Kind: sla.WorkingHours, TimeZone: "Europe/Paris", Weekdays: []time.Weekday{time.Monday, time.Friday},
				StartMinute: 480, EndMinute: 1080, Holidays: []string{"2026-12-25"}}}},
		Review: sla.Review{ID: "slr_doc", SLAID: "sla_doc", Date: at, Attendees: []string{"usr_1"}, RecordedBy: "usr_1", RecordedAt: at,
			Actions: []sla.ReviewAction{{Description: "faster P1", OwnerID: "usr_1", Due: &due}, {Description: "monthly report"}}},
		Change: change.Change{ID: "chg_doc", Title: "patch", Type: change.Normal, State: change.Reviewed, TargetIDs: []string{"ci_doc"},
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
		},
		Matrix: m,
	}
}
