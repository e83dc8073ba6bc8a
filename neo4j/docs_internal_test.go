package neo4j

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/change"
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

// legacyReviewDoc is the review document as it was first written: the
// domain struct as it then was.
type legacyReviewDoc struct {
	Outcome    change.Outcome
	Notes      string
	ReviewerID string
	At         time.Time
}

// Documents written before they had types of their own (the domain structs
// marshalled as they are) decode into the same values, and the new types
// write the same text, so stored data and new writes agree.
func TestDocumentsReadAndWriteAsBefore(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
	docs := SampleDocuments(at)

	t.Run("CI history changes", func(t *testing.T) {
		e := docs.Entry
		old := AsJSON(t, e.Changes)
		p, err := entryParams(e)
		if err != nil || p["changes"] != old {
			t.Fatalf("written %v (%v), before %s", p["changes"], err, old)
		}
		p["changes"] = old
		got, err := entryFromProps(p)
		if err != nil || !reflect.DeepEqual(got, e) {
			t.Fatalf("read %+v (%v), want %+v", got, err, e)
		}
	})

	t.Run("SLA targets and schedule", func(t *testing.T) {
		a := docs.SLA
		p, err := slaToProps(a)
		if err != nil || p["targets"] != AsJSON(t, a.Targets) || p["schedule"] != AsJSON(t, a.Schedule) {
			t.Fatalf("written %v %v (%v)", p["targets"], p["schedule"], err)
		}
		p["targets"], p["schedule"] = AsJSON(t, a.Targets), AsJSON(t, a.Schedule)
		got, err := slaFromProps(p)
		if err != nil || !reflect.DeepEqual(got.Targets, a.Targets) || !reflect.DeepEqual(got.Schedule, a.Schedule) {
			t.Fatalf("read %+v %+v (%v)", got.Targets, got.Schedule, err)
		}
	})

	t.Run("SLA review actions", func(t *testing.T) {
		r := docs.Review
		p, err := reviewToProps(r)
		if err != nil || p["actions"] != AsJSON(t, r.Actions) {
			t.Fatalf("written %v (%v)", p["actions"], err)
		}
		p["actions"] = AsJSON(t, r.Actions)
		got, err := reviewFromProps(p)
		if err != nil || !reflect.DeepEqual(got.Actions, r.Actions) {
			t.Fatalf("read %+v (%v), want %+v", got.Actions, err, r.Actions)
		}
	})

	t.Run("change documents", func(t *testing.T) {
		c := docs.Change
		a := c.Assessment
		legacy := legacyAssessmentDoc{At: a.At, Depth: a.Depth, Counts: map[string]int{}, Down: a.Down, BusinessServices: a.BusinessServices,
			Conflicts: a.Conflicts, FreezeWindowIDs: a.FreezeWindowIDs, OpenIncidents: a.OpenIncidents,
			SLAs: a.SLAs, PastChanges: a.PastChanges, PastFailures: a.PastFailures, Risk: a.Risk, Required: a.Required}
		for k, n := range a.Counts {
			legacy.Counts[string(k)] = n
		}
		rv := legacyReviewDoc{Outcome: c.Review.Outcome, Notes: c.Review.Notes, ReviewerID: c.Review.ReviewerID, At: c.Review.At}
		p, err := changeToProps(c)
		if err != nil || p["assessment"] != AsJSON(t, legacy) || p["review"] != AsJSON(t, rv) {
			t.Fatalf("written %v %v (%v)", p["assessment"], p["review"], err)
		}
		p["assessment"], p["review"] = AsJSON(t, legacy), AsJSON(t, rv)
		p["impactedIds"] = []any{"bsv_doc"} // as the driver returns lists
		got, err := changeFromProps(p)
		if err != nil || !reflect.DeepEqual(got.Approvals, c.Approvals) || !reflect.DeepEqual(got.Assessment, c.Assessment) || !reflect.DeepEqual(got.Review, c.Review) {
			t.Fatalf("read %+v %+v %+v (%v)", got.Approvals, got.Assessment, got.Review, err)
		}
	})

	t.Run("priority matrix", func(t *testing.T) {
		text, err := matrixText(docs.Matrix)
		if err != nil || text != AsJSON(t, docs.Matrix) {
			t.Fatalf("written %s (%v)", text, err)
		}
		got, err := matrixFromText(AsJSON(t, docs.Matrix))
		if err != nil || !reflect.DeepEqual(got, docs.Matrix) {
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
