package neo4j_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/cmdb"
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

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
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
			_, _, err := f.svc.Relate(f.ctx, "tester", a.ID, "CONNECTS_TO", b.ID)
			return err
		}, "RELATIONSHIP_ADDED; CREATED name=a"},
		{"renamed", func() error {
			_, err := f.svc.Update(f.ctx, "editor", cmdb.UpdateInput{ID: a.ID, ExpectedVersion: 1, Name: ptr("a2")})
			return err
		}, "UPDATED name=a2; RELATIONSHIP_ADDED; CREATED name=a"},
		{"renamed again", func() error {
			_, err := f.svc.Update(f.ctx, "editor", cmdb.UpdateInput{ID: a.ID, ExpectedVersion: 2, Name: ptr("a3")})
			return err
		}, "UPDATED name=a3; UPDATED name=a2; RELATIONSHIP_ADDED; CREATED name=a"},
		{"retired", func() error {
			_, err := f.svc.Retire(f.ctx, "editor", a.ID, 3, "gone")
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
		if err != nil || asJSON(t, byID) != asJSON(t, created) {
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
		if _, err := f.svc.Import(f.ctx, "scanner", "discovery", items, nil, cmdb.ImportOptions{}); err != nil {
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
