package neo4j_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/neo4j"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
)

// Every kind of document kept as JSON on a node reads back from the
// database as it was written.
func TestStoredDocumentsReadBack(t *testing.T) {
	store := neo4jtest.Open(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
	docs := neo4j.SampleDocuments(at)

	t.Run("CI history changes", func(t *testing.T) {
		ci := cmdb.CI{ID: "ci_doc", Name: "db", Type: cmdb.TypeServer, Status: cmdb.StatusActive, Environment: cmdb.EnvProduction,
			Criticality: cmdb.CriticalityHigh, Version: 1, CreatedAt: at, UpdatedAt: at}
		if _, err := store.CMDB().CreateCI(ctx, ci, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := store.CMDB().UpdateCI(ctx, ci.ID, func(cur cmdb.CI) (cmdb.CI, *cmdb.HistoryEntry, error) {
			cur.Name, cur.Version = "db2", cur.Version+1
			return cur, &docs.Entry, nil
		}); err != nil {
			t.Fatal(err)
		}
		got, err := store.CMDB().HistoryEntry(ctx, docs.Entry.ID)
		if err != nil || !reflect.DeepEqual(got, docs.Entry) {
			t.Fatalf("read %+v (%v), want %+v", got, err, docs.Entry)
		}
	})

	t.Run("SLA targets, schedule and review actions", func(t *testing.T) {
		if _, err := store.Catalog().CreateUnit(ctx, catalog.Unit{ID: "bu_doc", Name: "Retail", CreatedAt: at},
			cmdb.HistoryEntry{ID: "cih_doc_bu", At: at, Actor: "doc", Action: cmdb.ActionCreated}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Catalog().CreateService(ctx, catalog.Service{ID: "bsv_doc", Kind: catalog.KindBusinessService, Name: "Shop",
			Status: catalog.StatusLive, Criticality: cmdb.CriticalityHigh, Version: 1, CreatedAt: at, UpdatedAt: at},
			cmdb.HistoryEntry{ID: "cih_doc_bsv", At: at, Actor: "doc", Action: cmdb.ActionCreated}); err != nil {
			t.Fatal(err)
		}
		a := docs.SLA
		if _, err := store.SLAs().CreateSLA(ctx, a); err != nil {
			t.Fatal(err)
		}
		got, err := store.SLAs().GetSLAs(ctx, []string{a.ID})
		if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0].Targets, a.Targets) || !reflect.DeepEqual(got[0].Schedule, a.Schedule) {
			t.Fatalf("read %+v (%v), want %+v %+v", got, err, a.Targets, a.Schedule)
		}
		if _, err := store.SLAs().RecordReview(ctx, docs.Review); err != nil {
			t.Fatal(err)
		}
		reviews, err := store.SLAs().Reviews(ctx, a.ID)
		if err != nil || len(reviews) != 1 || !reflect.DeepEqual(reviews[0].Actions, docs.Review.Actions) {
			t.Fatalf("read %+v (%v), want %+v", reviews, err, docs.Review.Actions)
		}
	})

	t.Run("change approvals, assessment and review", func(t *testing.T) {
		c := docs.Change
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
		if err := store.Incidents().SavePriorityMatrix(ctx, docs.Matrix, "usr_1", at); err != nil {
			t.Fatal(err)
		}
		got, err := store.Incidents().PriorityMatrix(ctx)
		if err != nil || !reflect.DeepEqual(got, docs.Matrix) {
			t.Fatalf("read %+v (%v), want %+v", got, err, docs.Matrix)
		}
	})
}
