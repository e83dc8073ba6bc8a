package baseline

import (
	"slices"
	"testing"
)

func TestCompare(t *testing.T) {
	item := func(id string, kv ...string) Item {
		f := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			f[kv[i]] = kv[i+1]
		}
		return Item{ID: id, Name: id, Fields: f}
	}
	rel := func(s, typ, t string) Relationship {
		return Relationship{SourceID: s, SourceName: s, Type: typ, TargetID: t, TargetName: t}
	}
	was := Snapshot{Items: []Item{item("a", "name", "a", "location", "DC1"), item("b", "name", "b")},
		Relationships: []Relationship{rel("a", "HOSTED_ON", "b")}}
	for _, c := range []struct {
		name                    string
		now                     Snapshot
		added, removed, changed []string
		relsAdded, relsRemoved  int
		drifted                 bool
	}{
		{name: "same", now: was},
		{name: "field moved", now: Snapshot{Items: []Item{item("a", "name", "a", "location", "DC2"), item("b", "name", "b")}, Relationships: was.Relationships},
			changed: []string{"a:location"}, drifted: true},
		{name: "field gone and new", now: Snapshot{Items: []Item{item("a", "name", "a", "os", "x"), item("b", "name", "b")}, Relationships: was.Relationships},
			changed: []string{"a:location", "a:os"}, drifted: true},
		{name: "item replaced", now: Snapshot{Items: []Item{item("a", "name", "a", "location", "DC1"), item("c", "name", "c")},
			Relationships: []Relationship{rel("a", "HOSTED_ON", "c")}},
			added: []string{"c"}, removed: []string{"b"}, relsAdded: 1, relsRemoved: 1, drifted: true},
		{name: "root gone", now: Snapshot{}, removed: []string{"a", "b"}, relsRemoved: 1, drifted: true},
	} {
		d := Compare(was, c.now)
		ids := func(items []Item) []string {
			var out []string
			for _, it := range items {
				out = append(out, it.ID)
			}
			return out
		}
		var changed []string
		for _, ch := range d.Changed {
			for _, f := range ch.Changes {
				changed = append(changed, ch.Item.ID+":"+f.Field)
			}
		}
		if !slices.Equal(ids(d.Added), c.added) || !slices.Equal(ids(d.Removed), c.removed) || !slices.Equal(changed, c.changed) ||
			len(d.RelationshipsAdded) != c.relsAdded || len(d.RelationshipsRemoved) != c.relsRemoved || d.Drifted() != c.drifted {
			t.Errorf("%s: %+v", c.name, d)
		}
	}
}
