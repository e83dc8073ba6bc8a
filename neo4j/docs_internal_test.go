package neo4j

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/sla"
)

// legacyAssessmentDoc is the assessment document as it was first written:
// tagged at the top, the domain structs marshalled as they are inside.
type legacyAssessmentDoc struct {
	At               time.Time                `json:"at"`
	Depth            int                      `json:"depth"`
	Counts           map[string]int           `json:"counts"`
	Down             int                      `json:"down"`
	BusinessServices []change.ImpactedService `json:"businessServices"`
	Conflicts        []change.Conflict        `json:"conflicts"`
	FreezeWindowIDs  []string                 `json:"freezeWindowIds"`
	OpenIncidents    []change.TicketRef       `json:"openIncidents"`
	SLAs             []change.Ref             `json:"slas"`
	PastChanges      int                      `json:"pastChanges"`
	PastFailures     int                      `json:"pastFailures"`
	Risk             change.Risk              `json:"risk"`
	Required         []change.Requirement     `json:"required"`
}

func legacyJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Documents written before they had types of their own (the domain structs
// marshalled as they are) decode into the same values, and the new types
// write the same text, so stored data and new writes agree.
func TestDocumentsReadAndWriteAsBefore(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
	due := at.Add(72 * time.Hour)
	before, after := `"a"`, `"b"`

	t.Run("CI history changes", func(t *testing.T) {
		e := cmdb.HistoryEntry{ID: "cih_1", At: at, Actor: "u", Action: cmdb.ActionUpdated,
			Changes: []cmdb.FieldChange{{Field: "name", Before: &before, After: &after}, {Field: "location", After: &after}}}
		old := legacyJSON(t, e.Changes)
		p, err := entryParams(e)
		if err != nil || p["changes"] != old {
			t.Fatalf("written %v (%v), before %s", p["changes"], err, old)
		}
		got, err := entryFromProps(map[string]any{"id": e.ID, "at": at, "actor": "u", "action": string(e.Action), "changes": old})
		if err != nil || !reflect.DeepEqual(got, e) {
			t.Fatalf("read %+v (%v), want %+v", got, err, e)
		}
	})

	t.Run("SLA targets and schedule", func(t *testing.T) {
		a := sla.SLA{ID: "sla_1", Terms: sla.Terms{
			Targets: []sla.Target{{Priority: sla.P1, Response: 15 * time.Minute, Resolution: 4 * time.Hour}, {Priority: sla.P2, Response: time.Hour, Resolution: 8 * time.Hour}},
			Schedule: sla.Schedule{Kind: sla.WorkingHours, TimeZone: "Europe/Paris", Weekdays: []time.Weekday{time.Monday, time.Friday},
				StartMinute: 480, EndMinute: 1080, Holidays: []string{"2026-12-25"}},
		}}
		p, err := slaToProps(a)
		if err != nil || p["targets"] != legacyJSON(t, a.Targets) || p["schedule"] != legacyJSON(t, a.Schedule) {
			t.Fatalf("written %v %v (%v)", p["targets"], p["schedule"], err)
		}
		got, err := slaFromProps(map[string]any{"id": a.ID, "targets": legacyJSON(t, a.Targets), "schedule": legacyJSON(t, a.Schedule)})
		if err != nil || !reflect.DeepEqual(got.Targets, a.Targets) || !reflect.DeepEqual(got.Schedule, a.Schedule) {
			t.Fatalf("read %+v %+v (%v)", got.Targets, got.Schedule, err)
		}
	})

	t.Run("SLA review actions", func(t *testing.T) {
		r := sla.Review{ID: "slr_1", SLAID: "sla_1", Date: at, Attendees: []string{"u"}, RecordedBy: "u", RecordedAt: at,
			Actions: []sla.ReviewAction{{Description: "faster P1", OwnerID: "u", Due: &due}, {Description: "report"}}}
		p, err := reviewToProps(r)
		if err != nil || p["actions"] != legacyJSON(t, r.Actions) {
			t.Fatalf("written %v (%v)", p["actions"], err)
		}
		p["actions"] = legacyJSON(t, r.Actions)
		got, err := reviewFromProps(p)
		if err != nil || !reflect.DeepEqual(got.Actions, r.Actions) {
			t.Fatalf("read %+v (%v), want %+v", got.Actions, err, r.Actions)
		}
	})

	t.Run("change documents", func(t *testing.T) {
		c := change.Change{ID: "chg_1",
			Approvals: []change.Approval{{ApproverID: "u", Roles: []auth.Role{auth.Agent}, Decision: change.Approve, Comment: "ok", At: at}},
			Assessment: &change.Assessment{At: at, Depth: 3, ImpactedIDs: []string{"ci_2"}, Counts: map[catalog.Kind]int{catalog.KindCI: 2}, Down: 1,
				BusinessServices: []change.ImpactedService{{ID: "bsv_1", Name: "shop", Severity: "DOWN", Criticality: cmdb.CriticalityHigh, Distance: 2}},
				Conflicts: []change.Conflict{{ChangeID: "chg_2", Reasons: []change.ConflictReason{change.SameTarget}, SharedIDs: []string{"ci_2"},
					SharedCount: 1, Overlap: change.Window{Start: at, End: due}}},
				FreezeWindowIDs: []string{"frz_1"},
				OpenIncidents:   []change.TicketRef{{ID: "inc_1", Title: "slow", State: "NEW", Priority: "P2"}},
				SLAs:            []change.Ref{{ID: "sla_1", Name: "Gold"}},
				PastChanges:     4, PastFailures: 1,
				Risk:     change.Risk{Score: 40, Level: change.High, Factors: []change.Factor{{Name: change.BlastRadius, Points: 30, Detail: "3 items"}}},
				Required: []change.Requirement{{Role: auth.Admin, Count: 1}}},
			Review: &change.Review{Outcome: change.Successful, Notes: "fine", ReviewerID: "u", At: due},
		}
		legacy := legacyAssessmentDoc{At: at, Depth: 3, Counts: map[string]int{string(catalog.KindCI): 2}, Down: 1, BusinessServices: c.Assessment.BusinessServices,
			Conflicts: c.Assessment.Conflicts, FreezeWindowIDs: c.Assessment.FreezeWindowIDs, OpenIncidents: c.Assessment.OpenIncidents,
			SLAs: c.Assessment.SLAs, PastChanges: 4, PastFailures: 1, Risk: c.Assessment.Risk, Required: c.Assessment.Required}
		p, err := changeToProps(c)
		if err != nil || p["assessment"] != legacyJSON(t, legacy) || p["review"] != legacyJSON(t, c.Review) {
			t.Fatalf("written %v %v (%v)", p["assessment"], p["review"], err)
		}
		p["assessment"], p["review"] = legacyJSON(t, legacy), legacyJSON(t, c.Review)
		p["impactedIds"] = []any{"ci_2"} // as the driver returns lists
		got, err := changeFromProps(p)
		if err != nil || !reflect.DeepEqual(got.Approvals, c.Approvals) || !reflect.DeepEqual(got.Assessment, c.Assessment) || !reflect.DeepEqual(got.Review, c.Review) {
			t.Fatalf("read %+v %+v %+v (%v)", got.Approvals, got.Assessment, got.Review, err)
		}
	})

	t.Run("priority matrix", func(t *testing.T) {
		m := incident.DefaultMatrix()
		text, err := matrixText(m)
		if err != nil || text != legacyJSON(t, m) {
			t.Fatalf("written %s (%v)", text, err)
		}
		got, err := matrixFromText(legacyJSON(t, m))
		if err != nil || !reflect.DeepEqual(got, m) {
			t.Fatalf("read %+v (%v)", got, err)
		}
	})
}

// A document that does not decode is an INTERNAL error naming the record,
// never a silently empty value.
func TestUnreadableDocumentsAreErrors(t *testing.T) {
	damaged := `{"not": "a list"`
	for name, decode := range map[string]func() error{
		"history changes": func() error {
			_, err := entryFromProps(map[string]any{"id": "cih_1", "changes": damaged})
			return err
		},
		"SLA targets": func() error { _, err := slaFromProps(map[string]any{"id": "sla_1", "targets": damaged}); return err },
		"SLA schedule": func() error {
			_, err := slaFromProps(map[string]any{"id": "sla_1", "schedule": damaged})
			return err
		},
		"review actions": func() error {
			_, err := reviewFromProps(map[string]any{"id": "slr_1", "actions": damaged})
			return err
		},
		"approvals": func() error {
			_, err := changeFromProps(map[string]any{"id": "chg_1", "approvals": damaged})
			return err
		},
		"assessment": func() error {
			_, err := changeFromProps(map[string]any{"id": "chg_1", "assessment": damaged})
			return err
		},
		"review": func() error { _, err := changeFromProps(map[string]any{"id": "chg_1", "review": damaged}); return err },
	} {
		if err := decode(); !apperr.Is(err, apperr.Internal) || !strings.Contains(err.Error(), `_1"`) {
			t.Errorf("%s: got %v, want INTERNAL naming the record", name, err)
		}
	}
}
