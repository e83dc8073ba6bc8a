package neo4j_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/paging"
)

func TestImport(t *testing.T) {
	g := newGraph(t)
	items := []cmdb.ImportItem{
		{ExternalID: "sw", Name: "switch", Type: cmdb.TypeNetworkDevice},
		{ExternalID: "h1", Name: "host-1", Type: cmdb.TypeServer, Attributes: []cmdb.AttributeInput{{Key: "ram", Value: ptr("64")}}},
		{ExternalID: "h2", Name: "host-2", Type: cmdb.TypeServer},
		{ExternalID: "pool", Name: "pool", Type: cmdb.TypeCluster, MinimumUp: ptr(1)},
		{ExternalID: "", Name: "no id", Type: cmdb.TypeServer},                    // row 5: invalid
		{ExternalID: "bad", Name: "bad", Type: "TOASTER"},                         // row 6: invalid
		{ExternalID: "h1", Name: "dup", Type: cmdb.TypeServer},                    // row 7: duplicate
		{ExternalID: "app", Name: "app", Type: cmdb.TypeApplication},              // row 8
		{ExternalID: "long", Name: strings.Repeat("x", 201), Type: "APPLICATION"}, // row 9: invalid
	}
	rels := []cmdb.ImportRelationship{
		{SourceExternalID: "h1", Type: "CONNECTS_TO", TargetExternalID: "sw"},
		{SourceExternalID: "h2", Type: "CONNECTS_TO", TargetExternalID: "sw"},
		{SourceExternalID: "h1", Type: "MEMBER_OF", TargetExternalID: "pool"},
		{SourceExternalID: "h2", Type: "MEMBER_OF", TargetExternalID: "pool"},
		{SourceExternalID: "app", Type: "RUNS_ON", TargetExternalID: "pool"},
		{SourceExternalID: "app", Type: "LIKES", TargetExternalID: "pool"},    // row 6: bad type
		{SourceExternalID: "app", Type: "RUNS_ON", TargetExternalID: "ghost"}, // row 7: unknown end
		{SourceExternalID: "app", Type: "MEMBER_OF", TargetExternalID: "sw"},  // row 8: not a group
		{SourceExternalID: "app", Type: "RUNS_ON", TargetExternalID: "app"},   // row 9: self
		{SourceExternalID: "h1", Type: "CONNECTS_TO", TargetExternalID: "sw"}, // row 10: repeat in batch
	}
	opt := cmdb.ImportOptions{BatchSize: 3}
	rep, err := g.svc.Import(g.ctx, auth.Principal{Subject: "discovery"}, cmdb.ImportInput{Source: "scanner", Items: items, Relationships: rels, Options: opt})
	if err != nil {
		t.Fatal(err)
	}
	errRows := func(r cmdb.ImportReport) string {
		var s []string
		for _, e := range r.Errors {
			s = append(s, fmt.Sprintf("%s%d:%s", e.Kind[:1], e.Row, e.Field))
		}
		return strings.Join(s, " ")
	}
	if rep.Created != 5 || rep.Updated != 0 || rep.Unchanged != 0 || rep.RelationshipsCreated != 5 || rep.RelationshipsUnchanged != 1 ||
		errRows(rep) != "I5:externalId I6:type I7:externalId I9:name R6:type R7:targetExternalId R8:targetExternalId R9:targetExternalId" {
		t.Fatalf("first import: %+v errors %s", rep, errRows(rep))
	}

	// The same feed again changes nothing.
	again, err := g.svc.Import(g.ctx, auth.Principal{Subject: "discovery"}, cmdb.ImportInput{Source: "scanner", Items: items, Relationships: rels, Options: opt})
	if err != nil || again.Created != 0 || again.Updated != 0 || again.Unchanged != 5 || again.RelationshipsCreated != 0 || again.RelationshipsUnchanged != 6 {
		t.Fatalf("second import: %+v %v", again, err)
	}

	// A changed row updates with history; a missing one is reported.
	changed := []cmdb.ImportItem{
		{ExternalID: "sw", Name: "switch", Type: cmdb.TypeNetworkDevice},
		{ExternalID: "h1", Name: "host-1", Type: cmdb.TypeServer, Attributes: []cmdb.AttributeInput{{Key: "ram", Value: ptr("128")}}},
		{ExternalID: "h2", Name: "host-2", Type: cmdb.TypeServer},
		{ExternalID: "pool", Name: "pool", Type: cmdb.TypeCluster},
	}
	third, err := g.svc.Import(g.ctx, auth.Principal{Subject: "discovery"}, cmdb.ImportInput{Source: "scanner", Items: changed, Options: cmdb.ImportOptions{ReportNotSeen: true}})
	if err != nil || third.Updated != 1 || third.Unchanged != 3 || len(third.NotSeen) != 1 {
		t.Fatalf("third import: %+v %v", third, err)
	}
	page, _ := g.svc.List(g.ctx, cmdb.Filter{Source: "scanner", NameContains: "host-1"}, cmdb.Order{}, paging.Request{First: 5})
	h1 := page.Items[0]
	hist := g.history(t, h1.ID)
	if h1.Version != 2 || h1.Attributes["ram"] != "128" || hist[0].Action != cmdb.ActionUpdated || hist[0].Actor != "discovery" ||
		len(hist[0].Changes) != 1 || *hist[0].Changes[0].Before != `"64"` {
		t.Fatalf("updated CI %+v history %+v", h1, hist)
	}
	// h1 history: created, 2 relationships, updated.
	if len(hist) != 4 {
		t.Fatalf("h1 has %d history entries, want 4", len(hist))
	}
	app, _ := g.svc.List(g.ctx, cmdb.Filter{Source: "scanner", NameContains: "app"}, cmdb.Order{}, paging.Request{First: 5})
	if n := third.NotSeen[0]; n.ID != app.Items[0].ID || n.ExternalID != "app" || n.Name != app.Items[0].Name {
		t.Fatalf("not seen %v, want the app", third.NotSeen)
	}

	// Imported relationships carry impact like any other.
	sw, _ := g.svc.List(g.ctx, cmdb.Filter{Source: "scanner", NameContains: "switch"}, cmdb.Order{}, paging.Request{First: 5})
	for _, c := range []cmdb.CI{sw.Items[0], h1} {
		g.byID[c.ID] = c.Name
	}
	for _, c := range app.Items {
		g.byID[c.ID] = c.Name
	}
	all, _ := g.svc.List(g.ctx, cmdb.Filter{Source: "scanner"}, cmdb.Order{}, paging.Request{First: 10})
	for _, c := range all.Items {
		g.byID[c.ID] = c.Name
	}
	res, _, err := g.an.Impact(g.ctx, []string{sw.Items[0].ID}, nil)
	if err != nil || g.summary(res) != "app:3:DOWN host-1:1:DOWN host-2:1:DOWN pool:2:DOWN" {
		t.Fatalf("impact after import: %s %v", g.summary(res), err)
	}
	if _, err := g.svc.Import(g.ctx, auth.Principal{Subject: "discovery"}, cmdb.ImportInput{Source: "", Items: items, Options: opt}); err == nil {
		t.Fatal("empty source accepted")
	}
}
