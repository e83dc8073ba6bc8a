package neo4j_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/neo4j"
	"github.com/itsm-graph/itsm/paging"
)

// summary renders a CI's history newest first as "ACTION name=value ...",
// reading it one entry per page so that every cursor is used.
func (f fixture) historySummary(t *testing.T, id string) (string, []cmdb.HistoryEntry) {
	t.Helper()
	var lines []string
	var entries []cmdb.HistoryEntry
	req := paging.Request{First: 1}
	totals := map[int]bool{}
	for {
		h, err := f.svc.History(f.ctx, []string{id}, req)
		if err != nil {
			t.Fatal(err)
		}
		p := h[id]
		for _, e := range p.Items {
			line := string(e.Action)
			for _, c := range e.Changes {
				if c.Field == "name" && c.After != nil {
					line += " name=" + strings.Trim(*c.After, `"`)
				}
			}
			lines = append(lines, line)
			entries = append(entries, e)
		}
		totals[p.Total] = true
		if !p.HasNext {
			break
		}
		req.After = p.Cursors[len(p.Cursors)-1]
	}
	if len(totals) != 1 || !totals[len(entries)] {
		t.Fatalf("pages gave totals %v for %d entries", totals, len(entries))
	}
	return strings.Join(lines, "; "), entries
}

// A CI's CREATED entry is derived from the CI until the CI first changes,
// then recorded with the values the CI was created with, once.
func TestCreationEntry(t *testing.T) {
	f := setup(t)
	a := f.create(t, "a", cmdb.TypeServer)
	b := f.create(t, "b", cmdb.TypeNetworkDevice)

	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"just created", func() error { return nil }, "CREATED name=a"},
		{"related (fields unchanged)", func() error {
			_, _, err := f.svc.Relate(f.ctx, auth.Principal{Subject: "tester"}, cmdb.RelateInput{SourceID: a.ID, Type: "CONNECTS_TO", TargetID: b.ID})
			return err
		}, "RELATIONSHIP_ADDED; CREATED name=a"},
		{"renamed", func() error {
			_, err := f.svc.Update(f.ctx, auth.Principal{Subject: "editor"}, cmdb.UpdateInput{ID: a.ID, ExpectedVersion: 1, Name: ptr("a2")})
			return err
		}, "UPDATED name=a2; RELATIONSHIP_ADDED; CREATED name=a"},
		{"renamed again", func() error {
			_, err := f.svc.Update(f.ctx, auth.Principal{Subject: "editor"}, cmdb.UpdateInput{ID: a.ID, ExpectedVersion: 2, Name: ptr("a3")})
			return err
		}, "UPDATED name=a3; UPDATED name=a2; RELATIONSHIP_ADDED; CREATED name=a"},
		{"retired", func() error {
			_, err := f.svc.Retire(f.ctx, auth.Principal{Subject: "editor"}, cmdb.RetireInput{ID: a.ID, ExpectedVersion: 3, Reason: "gone"})
			return err
		}, "RETIRED; UPDATED name=a3; UPDATED name=a2; RELATIONSHIP_ADDED; CREATED name=a"},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got, entries := f.historySummary(t, a.ID)
		if got != s.want {
			t.Fatalf("%s: history %q, want %q", s.name, got, s.want)
		}
		created := entries[len(entries)-1]
		if created.ID != cmdb.CreationEntryID(a.ID) || created.Actor != "tester" || !created.At.Equal(a.CreatedAt) {
			t.Fatalf("%s: CREATED entry %+v, want id %s by tester at %v", s.name, created, cmdb.CreationEntryID(a.ID), a.CreatedAt)
		}
		byID, err := f.svc.HistoryEntry(f.ctx, created.ID)
		if err != nil || neo4j.AsJSON(t, byID) != neo4j.AsJSON(t, created) {
			t.Fatalf("%s: entry by id %+v %v, want %+v", s.name, byID, err, created)
		}
	}
	if _, err := f.svc.HistoryEntry(f.ctx, cmdb.CreationEntryID("ci_0000")); err == nil {
		t.Fatal("a creation id of no CI was found")
	}
}

// The same holds for CIs created and then changed by a feed.
func TestCreationEntryOfImportedCI(t *testing.T) {
	f := setup(t)
	feed := func(name string) {
		t.Helper()
		items := []cmdb.ImportItem{{ExternalID: "h1", Name: name, Type: cmdb.TypeServer}}
		if _, err := f.svc.Import(f.ctx, auth.Principal{Subject: "scanner"}, cmdb.ImportInput{Source: "discovery", Items: items}); err != nil {
			t.Fatal(err)
		}
	}
	feed("host")
	ids, err := f.store.CMDB().SourceCIs(f.ctx, "discovery")
	if err != nil {
		t.Fatal(err)
	}
	id := ids["h1"]
	for _, step := range []struct{ name, want string }{
		{"host", "CREATED name=host"},
		{"host", "CREATED name=host"},
		{"host-2", "UPDATED name=host-2; CREATED name=host"},
		{"host-3", "UPDATED name=host-3; UPDATED name=host-2; CREATED name=host"},
	} {
		feed(step.name)
		got, entries := f.historySummary(t, id)
		if got != step.want {
			t.Fatalf("after feeding %s: history %q, want %q", step.name, got, step.want)
		}
		if c := entries[len(entries)-1]; c.Actor != "scanner" || c.ID != cmdb.CreationEntryID(id) {
			t.Fatalf("CREATED entry %+v", c)
		}
	}
}

// relSummary renders history entries newest first as "ACTION" or, for
// relationship entries, "ADDED|REMOVED source TYPE target" with CI names.
func relSummary(t *testing.T, entries []cmdb.HistoryEntry, names map[string]string) string {
	t.Helper()
	var lines []string
	for _, e := range entries {
		line := string(e.Action)
		for _, c := range e.Changes {
			if c.Field != "relationship" {
				continue
			}
			text := c.After
			if text == nil {
				text = c.Before
			}
			var r struct{ Source, Type, Target string }
			if err := json.Unmarshal([]byte(*text), &r); err != nil {
				t.Fatalf("relationship change %q: %v", *text, err)
			}
			line = strings.TrimPrefix(line, "RELATIONSHIP_") + " " + names[r.Source] + " " + r.Type + " " + names[r.Target]
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "; ")
}

// A feed relationship's ADDED entry is derived from the relationship: it
// is in the history of both ends, found by id and listed among the
// unauthorised modifications, in order with recorded entries, until the
// relationship is removed, which records it under the same id.
func TestRelationshipEntryOfFeed(t *testing.T) {
	f := setup(t)
	items := []cmdb.ImportItem{
		{ExternalID: "h1", Name: "h1", Type: cmdb.TypeServer},
		{ExternalID: "h2", Name: "h2", Type: cmdb.TypeServer},
		{ExternalID: "h3", Name: "h3", Type: cmdb.TypeNetworkDevice},
	}
	feed := func(rels ...cmdb.ImportRelationship) {
		t.Helper()
		rep, err := f.svc.Import(f.ctx, auth.Principal{Subject: "scanner"}, cmdb.ImportInput{Source: "discovery", Items: items, Relationships: rels})
		if err != nil || len(rep.Errors) > 0 {
			t.Fatalf("import: %v %+v", err, rep.Errors)
		}
	}
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dependsOn := cmdb.ImportRelationship{SourceExternalID: "h1", Type: "DEPENDS_ON", TargetExternalID: "h2"}
	feed(dependsOn)
	ids, err := f.store.CMDB().SourceCIs(f.ctx, "discovery")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for ext, id := range ids {
		names[id] = ext
	}
	if _, _, err := f.svc.Relate(f.ctx, auth.Principal{Subject: "tester"}, cmdb.RelateInput{SourceID: ids["h2"], Type: "CONNECTS_TO", TargetID: ids["h3"]}); err != nil {
		t.Fatal(err)
	}
	// Fed again, DEPENDS_ON is unchanged and gets no second entry.
	feed(dependsOn, cmdb.ImportRelationship{SourceExternalID: "h1", Type: "CONNECTS_TO", TargetExternalID: "h3"})

	// check compares each CI's history, and the unauthorised modifications,
	// with what is wanted; every entry must be found by its id as listed.
	check := func(step string, want map[string]string, wantUnauthorized string) map[string]cmdb.HistoryEntry {
		t.Helper()
		seen := map[string]cmdb.HistoryEntry{}
		for ext, w := range want {
			_, entries := f.historySummary(t, ids[ext])
			if got := relSummary(t, entries, names); got != w {
				t.Fatalf("%s: history of %s %q, want %q", step, ext, got, w)
			}
			for _, e := range entries {
				byID, err := f.svc.HistoryEntry(f.ctx, e.ID)
				if err != nil || neo4j.AsJSON(t, byID) != neo4j.AsJSON(t, e) {
					t.Fatalf("%s: entry %s by id %+v %v, want %+v", step, e.ID, byID, err, e)
				}
				seen[e.ID] = e
			}
		}
		var mods []cmdb.HistoryEntry
		req := paging.Request{First: 1}
		for {
			p, err := f.svc.Unauthorized(f.ctx, since, req)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range p.Items {
				e := m.Entry
				if neo4j.AsJSON(t, e) != neo4j.AsJSON(t, seen[e.ID]) {
					t.Fatalf("%s: unauthorised %+v, in history %+v", step, e, seen[e.ID])
				}
				if len(m.CIIDs) != 2 {
					t.Fatalf("%s: unauthorised %s touches %v, want both ends", step, e.ID, m.CIIDs)
				}
				mods = append(mods, e)
			}
			if !p.HasNext {
				if p.Total != len(mods) {
					t.Fatalf("%s: unauthorised total %d, listed %d", step, p.Total, len(mods))
				}
				break
			}
			req.After = p.Cursors[len(p.Cursors)-1]
		}
		if got := relSummary(t, mods, names); got != wantUnauthorized {
			t.Fatalf("%s: unauthorised %q, want %q", step, got, wantUnauthorized)
		}
		return seen
	}

	before := check("fed twice", map[string]string{
		"h1": "ADDED h1 CONNECTS_TO h3; ADDED h1 DEPENDS_ON h2; CREATED",
		"h2": "ADDED h2 CONNECTS_TO h3; ADDED h1 DEPENDS_ON h2; CREATED",
		"h3": "ADDED h1 CONNECTS_TO h3; ADDED h2 CONNECTS_TO h3; CREATED",
	}, "ADDED h1 CONNECTS_TO h3; ADDED h2 CONNECTS_TO h3; ADDED h1 DEPENDS_ON h2")
	for _, e := range before {
		if e.Action == cmdb.ActionRelationshipAdded && e.Actor == "scanner" && !strings.HasPrefix(e.ID, cmdb.HistoryPrefix+"_") {
			t.Fatalf("derived entry id %s", e.ID)
		}
	}

	relID, err := f.svc.Unrelate(f.ctx, auth.Principal{Subject: "remover"}, cmdb.UnrelateInput{SourceID: ids["h1"], Type: "DEPENDS_ON", TargetID: ids["h2"]})
	if err != nil {
		t.Fatal(err)
	}
	after := check("unrelated", map[string]string{
		"h1": "REMOVED h1 DEPENDS_ON h2; ADDED h1 CONNECTS_TO h3; ADDED h1 DEPENDS_ON h2; CREATED",
		"h2": "REMOVED h1 DEPENDS_ON h2; ADDED h2 CONNECTS_TO h3; ADDED h1 DEPENDS_ON h2; CREATED",
		"h3": "ADDED h1 CONNECTS_TO h3; ADDED h2 CONNECTS_TO h3; CREATED",
	}, "REMOVED h1 DEPENDS_ON h2; ADDED h1 CONNECTS_TO h3; ADDED h2 CONNECTS_TO h3; ADDED h1 DEPENDS_ON h2")
	// The relationship is gone; its ADDED entry is recorded as it was.
	added := cmdb.RelationshipEntryID(relID)
	if neo4j.AsJSON(t, after[added]) != neo4j.AsJSON(t, before[added]) || before[added].Actor != "scanner" {
		t.Fatalf("ADDED entry after removal %+v, before %+v", after[added], before[added])
	}
	if _, err := f.svc.HistoryEntry(f.ctx, cmdb.RelationshipEntryID("rel_0000")); err == nil {
		t.Fatal("an entry id of no relationship was found")
	}
}
