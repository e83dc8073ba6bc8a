package tests

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

type relType struct {
	Name            string `json:"name"`
	Description     string `json:"description"`
	ImpactDirection string `json:"impactDirection"`
}

// catalogue reads relationshipTypes.
func (e *env) catalogue(t testing.TB) []relType {
	t.Helper()
	var out struct {
		RelationshipTypes []relType `json:"relationshipTypes"`
	}
	e.ok(t, e.agent, `{ relationshipTypes { name description impactDirection } }`, nil, &out)
	return out.RelationshipTypes
}

// impacts maps each relationship type to its impact direction.
func (e *env) impacts(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, rt := range e.catalogue(t) {
		out[rt.Name] = rt.ImpactDirection
	}
	return out
}

// TestRelationshipTypes: the catalogue is unique, described, and carries
// the impact directions the schema documents.
func TestRelationshipTypes(t *testing.T) {
	e := newEnv(t, app.Limits{})
	cat := e.catalogue(t)
	var names []string
	for _, rt := range cat {
		names = append(names, rt.Name)
		if strings.TrimSpace(rt.Description) == "" {
			t.Errorf("%s has no description", rt.Name)
		}
		if !slices.Contains([]string{"TARGET_IMPACTS_SOURCE", "SOURCE_IMPACTS_TARGET", "BOTH", "NONE"}, rt.ImpactDirection) {
			t.Errorf("%s has impact direction %q", rt.Name, rt.ImpactDirection)
		}
	}
	if sortedNames := slices.Sorted(slices.Values(names)); len(slices.Compact(sortedNames)) != len(names) {
		t.Errorf("names %v are not unique", names)
	}
	imp := e.impacts(t)
	// The directions the schema's ImpactDirection documentation names.
	for typ, want := range map[string]string{
		"DEPENDS_ON":    "TARGET_IMPACTS_SOURCE",
		"PART_OF":       "SOURCE_IMPACTS_TARGET",
		"DOCUMENTED_BY": "NONE",
		"MEMBER_OF":     "SOURCE_IMPACTS_TARGET",
	} {
		if imp[typ] != want {
			t.Errorf("%s impact direction = %q, want %s", typ, imp[typ], want)
		}
	}
	// A relationship reports its type's direction.
	a := e.createCI(t, map[string]any{"name": "cat-a", "type": "APPLICATION"})
	b := e.createCI(t, map[string]any{"name": "cat-b", "type": "DATABASE"})
	for _, typ := range []string{"DEPENDS_ON", "PART_OF", "DOCUMENTED_BY"} {
		rel, _ := e.relate(t, a.ID, typ, b.ID)
		if rel.ImpactDirection != imp[typ] {
			t.Errorf("%s relationship has impactDirection %q, catalogue says %q", typ, rel.ImpactDirection, imp[typ])
		}
	}
}

// TestRelateIsIdempotentAndUnrelateRecordsHistory: relating the same triple
// twice writes once; unrelating removes it with history on both ends, and a
// second unrelate is NOT_FOUND.
func TestRelateIsIdempotentAndUnrelateRecordsHistory(t *testing.T) {
	e := newEnv(t, app.Limits{})
	imp := e.impacts(t)
	a := e.createCI(t, map[string]any{"name": "api", "type": "APPLICATION"})
	b := e.createCI(t, map[string]any{"name": "queue", "type": "MIDDLEWARE"})

	first, created := e.relate(t, a.ID, "USES", b.ID)
	if !created || first.Type != "USES" || first.ImpactDirection != imp["USES"] ||
		first.Source.Name != "api" || first.Target.Name != "queue" {
		t.Fatalf("first relate: created=%v %+v", created, first)
	}
	sa, sb := e.snapshot(t, a.ID), e.snapshot(t, b.ID)
	if len(sa.history) != 2 || len(sb.history) != 2 || sa.rels != 1 || sb.rels != 1 {
		t.Fatalf("after relate: history %d/%d, relationships %d/%d; want 2/2, 1/1", len(sa.history), len(sb.history), sa.rels, sb.rels)
	}
	if sa.history[0].ID != sb.history[0].ID {
		t.Errorf("the relationship entry differs between ends: %s vs %s", sa.history[0].ID, sb.history[0].ID)
	}

	again, created := e.relate(t, a.ID, "USES", b.ID)
	if created || again.ID != first.ID || again.CreatedAt != first.CreatedAt {
		t.Errorf("second relate: created=%v id %s (first %s), want created=false and the same relationship", created, again.ID, first.ID)
	}
	e.assertUnchanged(t, sa)
	e.assertUnchanged(t, sb)

	// The reverse direction and another type are different relationships.
	if _, created := e.relate(t, b.ID, "USES", a.ID); !created {
		t.Error("relate in the reverse direction: created=false, want a new relationship")
	}
	if _, created := e.relate(t, a.ID, "DEPENDS_ON", b.ID); !created {
		t.Error("relate with another type: created=false, want a new relationship")
	}

	var removed struct {
		UnrelateConfigurationItems struct {
			RemovedRelationshipID string `json:"removedRelationshipId"`
		} `json:"unrelateConfigurationItems"`
	}
	unrel := map[string]any{"in": map[string]any{"sourceId": a.ID, "type": "USES", "targetId": b.ID}}
	e.ok(t, e.cm, unrelateMutation, unrel, &removed)
	if removed.UnrelateConfigurationItems.RemovedRelationshipID != first.ID {
		t.Errorf("removedRelationshipId = %q, want %q", removed.UnrelateConfigurationItems.RemovedRelationshipID, first.ID)
	}
	wantRel := map[string]string{"source": a.ID, "sourceName": a.Name, "type": "USES", "target": b.ID, "targetName": b.Name}
	for _, id := range []string{a.ID, b.ID} {
		s := e.snapshot(t, id)
		if len(s.history) != 5 {
			t.Fatalf("history of %s has %d entries, want 5", id, len(s.history))
		}
		h := s.history[0]
		if h.Action != "RELATIONSHIP_REMOVED" || h.Actor != subjCM || len(h.Changes) != 1 || h.Changes[0].Field != "relationship" ||
			h.Changes[0].After != nil || !reflect.DeepEqual(relJSON(t, h.Changes[0].Before), wantRel) {
			t.Errorf("newest history entry of %s = %+v %s, want RELATIONSHIP_REMOVED of %v", id, h, changesString(h.Changes), wantRel)
		}
		if s.rels != 2 {
			t.Errorf("%s has %d relationships after unrelate, want 2", id, s.rels)
		}
	}
	var rels struct {
		ConfigurationItem struct {
			Relationships []relView `json:"relationships"`
		} `json:"configurationItem"`
	}
	e.ok(t, e.analyst, `query($id: ID!) { configurationItem(id: $id) { relationships(types: ["USES"]) { type impactDirection source { name } target { name } } } }`,
		map[string]any{"id": a.ID}, &rels)
	if got, want := relStrings(rels.ConfigurationItem.Relationships), []string{"queue-[USES/" + imp["USES"] + "]->api"}; !slices.Equal(got, want) {
		t.Errorf("USES relationships after unrelate = %v, want %v", got, want)
	}
	r := e.fail(t, e.analyst, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": first.ID}, "NOT_FOUND")
	_ = r

	sa, sb = e.snapshot(t, a.ID), e.snapshot(t, b.ID)
	e.fail(t, e.cm, unrelateMutation, unrel, "NOT_FOUND")
	e.assertUnchanged(t, sa)
	e.assertUnchanged(t, sb)
}

// TestConcurrentRelateCreatesOnce: the same relationship requested five
// times at once is created once and recorded once.
func TestConcurrentRelateCreatesOnce(t *testing.T) {
	e := newEnv(t, app.Limits{})
	a := e.createCI(t, map[string]any{"name": "race-a", "type": "APPLICATION"})
	b := e.createCI(t, map[string]any{"name": "race-b", "type": "DATABASE"})
	const n = 5
	resps := e.concurrently(t, n, e.cm, relateMutation, func(int) map[string]any {
		return map[string]any{"in": map[string]any{"sourceId": a.ID, "type": "DEPENDS_ON", "targetId": b.ID}}
	})
	created := 0
	ids := map[string]bool{}
	for i, r := range resps {
		if len(r.Errors) > 0 {
			t.Errorf("request %d failed: %s", i, errorsString(r))
			continue
		}
		var out struct {
			RelateConfigurationItems struct {
				Created      bool    `json:"created"`
				Relationship relData `json:"relationship"`
			} `json:"relateConfigurationItems"`
		}
		if err := json.Unmarshal(r.Data, &out); err != nil {
			t.Fatal(err)
		}
		if out.RelateConfigurationItems.Created {
			created++
		}
		ids[out.RelateConfigurationItems.Relationship.ID] = true
	}
	if created != 1 || len(ids) != 1 {
		t.Errorf("%d requests reported created, %d distinct ids; want 1 and 1", created, len(ids))
	}
	for _, id := range []string{a.ID, b.ID} {
		if s := e.snapshot(t, id); len(s.history) != 2 || s.rels != 1 {
			t.Errorf("%s: %d history entries, %d relationships; want 2 and 1", id, len(s.history), s.rels)
		}
	}
}

// TestRelationshipEndsAreWholeWhenAsked: a relationships read that shows
// only summaries of its ends fetches only those, and any other field of an
// end (here every one, through a fragment, two levels deep) comes whole.
func TestRelationshipEndsAreWholeWhenAsked(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	db := e.createCI(t, map[string]any{"name": "ends-db", "type": "DATABASE", "status": "ACTIVE", "environment": "TEST",
		"criticality": "HIGH", "description": "orders", "location": "rack 4", "attributes": []map[string]any{{"key": "engine", "value": "postgres"}}})
	w.remember("ends-db", db.ID, "CONFIGURATION_ITEM")
	host := e.createCI(t, map[string]any{"name": "ends-host", "type": "SERVER", "status": "MAINTENANCE", "environment": "STAGING", "criticality": "LOW"})
	w.remember("ends-host", host.ID, "CONFIGURATION_ITEM")
	app1 := e.createCI(t, map[string]any{"name": "ends-app", "type": "APPLICATION", "status": "ACTIVE"})
	w.remember("ends-app", app1.ID, "CONFIGURATION_ITEM")
	w.build(t, "ends-app DEPENDS_ON ends-db", "ends-db RUNS_ON ends-host")

	type level struct {
		Relationships []struct {
			Type   string `json:"type"`
			Source ciData `json:"source"`
			Target struct {
				ciData
				Relationships []struct {
					Target ciData `json:"target"`
				} `json:"relationships"`
			} `json:"target"`
		} `json:"relationships"`
	}
	var whole struct {
		ConfigurationItem level `json:"configurationItem"`
	}
	e.ok(t, e.agent, `query($id: ID!) { configurationItem(id: $id) { relationships(direction: OUTGOING) {
  type source { ...CIFields } target { ...CIFields relationships(direction: OUTGOING) { target { ...CIFields } } } } } }`+ciFields,
		map[string]any{"id": app1.ID}, &whole)
	rels := whole.ConfigurationItem.Relationships
	if len(rels) != 1 || len(rels[0].Target.Relationships) != 1 {
		t.Fatalf("relationships = %+v, want app -> db -> host", rels)
	}
	if !equalJSON(t, rels[0].Source, app1) || !equalJSON(t, rels[0].Target.ciData, db) || !equalJSON(t, rels[0].Target.Relationships[0].Target, host) {
		t.Errorf("ends = %+v, want the whole app, db and host", rels[0])
	}

	var brief struct {
		ConfigurationItem level `json:"configurationItem"`
	}
	e.ok(t, e.agent, `query($id: ID!) { configurationItem(id: $id) { relationships(direction: OUTGOING) {
  type target { id name type status relationships(direction: OUTGOING) { target { id name type status } } } } } }`,
		map[string]any{"id": app1.ID}, &brief)
	got := brief.ConfigurationItem.Relationships
	want := ciData{ID: host.ID, Name: host.Name, Type: host.Type, Status: host.Status}
	if len(got) != 1 || got[0].Target.Name != "ends-db" || got[0].Target.Status != "ACTIVE" ||
		len(got[0].Target.Relationships) != 1 || !reflect.DeepEqual(got[0].Target.Relationships[0].Target, want) {
		t.Errorf("summaries = %+v, want db then host %+v", got, want)
	}
}
