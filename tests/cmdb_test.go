package tests

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

type relView struct {
	Type            string `json:"type"`
	ImpactDirection string `json:"impactDirection"`
	Source          struct {
		Name string `json:"name"`
	} `json:"source"`
	Target struct {
		Name string `json:"name"`
	} `json:"target"`
}

func relStrings(rels []relView) []string {
	out := make([]string, len(rels))
	for i, r := range rels {
		out[i] = fmt.Sprintf("%s-[%s/%s]->%s", r.Source.Name, r.Type, r.ImpactDirection, r.Target.Name)
	}
	return out
}

// relJSON parses the JSON value history records for a relationship.
func relJSON(t *testing.T, s *string) map[string]string {
	t.Helper()
	if s == nil {
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(*s), &m); err != nil {
		t.Fatalf("relationship change %q is not a JSON object: %v", *s, err)
	}
	return m
}

// TestCIGraphReadBack creates CIs with attributes, an owner group and a
// redundancy group, relates them, and reads everything back through one
// nested query.
func TestCIGraphReadBack(t *testing.T) {
	e := newEnv(t, app.Limits{})
	imp := e.impacts(t)
	rs := func(src, typ, dst string) string { return fmt.Sprintf("%s-[%s/%s]->%s", src, typ, imp[typ], dst) }
	groupID := e.createGroup(t, "Web Platform")

	web := e.createCI(t, map[string]any{
		"name": "shop-web", "type": "APPLICATION", "status": "ACTIVE", "environment": "STAGING", "criticality": "HIGH",
		"description": "Storefront", "location": "eu-west-1", "ownerGroupId": groupID,
		"attributes": []map[string]any{{"key": "tier", "value": "web"}, {"key": "os", "value": "linux"}},
	})
	wantWeb := ciData{
		ID: web.ID, Name: "shop-web", Type: "APPLICATION", Status: "ACTIVE", Environment: "STAGING", Criticality: "HIGH",
		Description: strp("Storefront"), Location: strp("eu-west-1"), Version: 1,
		CreatedAt: web.CreatedAt, CreatedBy: strp(subjCM), UpdatedAt: web.CreatedAt,
		Attributes: []attribute{{"os", "linux"}, {"tier", "web"}},
		OwnerGroup: &named{ID: groupID, Name: "Web Platform"},
	}
	if !reflect.DeepEqual(web, wantWeb) {
		t.Fatalf("created CI\n got %+v\nwant %+v", web, wantWeb)
	}
	db := e.createCI(t, map[string]any{"name": "shop-db", "type": "DATABASE"})
	if db.Status != "PLANNED" || db.Environment != "PRODUCTION" || db.Criticality != "MEDIUM" || db.Version != 1 ||
		db.Description != nil || db.OwnerGroup != nil || db.Redundancy != nil || len(db.Attributes) != 0 {
		t.Errorf("defaults of a minimal CI: %+v", db)
	}
	pool := e.createCI(t, map[string]any{"name": "web-pool", "type": "CLUSTER", "status": "ACTIVE", "redundancyMinimumUp": 2})
	if pool.Redundancy == nil || pool.Redundancy.MinimumUp != 2 || len(pool.Redundancy.Members) != 0 {
		t.Errorf("redundancy of a new group = %+v", pool.Redundancy)
	}
	n2 := e.createCI(t, map[string]any{"name": "web-02", "type": "SERVER", "status": "ACTIVE"})
	n1 := e.createCI(t, map[string]any{"name": "web-01", "type": "SERVER", "status": "ACTIVE"})

	relations := []struct{ src, typ, dst string }{
		{web.ID, "DEPENDS_ON", db.ID},
		{web.ID, "RUNS_ON", pool.ID},
		{n2.ID, "MEMBER_OF", pool.ID},
		{n1.ID, "MEMBER_OF", pool.ID},
		{db.ID, "DOCUMENTED_BY", web.ID},
	}
	relIDs := map[string]string{}
	for _, r := range relations {
		rel, created := e.relate(t, r.src, r.typ, r.dst)
		if !created || rel.ID == "" || rel.Type != r.typ || rel.Source.ID != r.src || rel.Target.ID != r.dst {
			t.Fatalf("relate %v returned created=%v %+v", r, created, rel)
		}
		relIDs[r.typ+r.src] = rel.ID
	}

	const q = `query($id: ID!) {
  configurationItem(id: $id) {
    name version createdBy
    ownerGroup { name }
    attributes { key value }
    out: relationships(direction: OUTGOING) { type impactDirection source { name } target { name } }
    in: relationships(direction: INCOMING) { type impactDirection source { name } target { name } }
    both: relationships { type impactDirection source { name } target { name } }
    dependsOnly: relationships(types: ["DEPENDS_ON"]) { type impactDirection source { name } target { name } }
    firstOne: relationships(first: 1) { type impactDirection source { name } target { name } }
    redundancy { minimumUp members { name } }
    history { totalCount edges { node { actor action changes { field before after } } } }
  }
}`
	type view struct {
		Name       string `json:"name"`
		Version    int    `json:"version"`
		CreatedBy  string `json:"createdBy"`
		OwnerGroup *struct {
			Name string `json:"name"`
		} `json:"ownerGroup"`
		Attributes  []attribute `json:"attributes"`
		Out         []relView   `json:"out"`
		In          []relView   `json:"in"`
		Both        []relView   `json:"both"`
		DependsOnly []relView   `json:"dependsOnly"`
		FirstOne    []relView   `json:"firstOne"`
		Redundancy  *redundancy `json:"redundancy"`
		History     struct {
			TotalCount int `json:"totalCount"`
			Edges      []struct {
				Node historyEntry `json:"node"`
			} `json:"edges"`
		} `json:"history"`
	}
	read := func(id string) view {
		var out struct {
			ConfigurationItem view `json:"configurationItem"`
		}
		e.ok(t, e.analyst, q, map[string]any{"id": id}, &out)
		return out.ConfigurationItem
	}

	t.Run("application", func(t *testing.T) {
		v := read(web.ID)
		if v.OwnerGroup == nil || v.OwnerGroup.Name != "Web Platform" {
			t.Errorf("ownerGroup = %+v", v.OwnerGroup)
		}
		if !reflect.DeepEqual(v.Attributes, []attribute{{"os", "linux"}, {"tier", "web"}}) {
			t.Errorf("attributes = %+v, want sorted by key", v.Attributes)
		}
		wantOut := []string{
			rs("shop-web", "DEPENDS_ON", "shop-db"),
			rs("shop-web", "RUNS_ON", "web-pool"),
		}
		if got := relStrings(v.Out); !slices.Equal(got, wantOut) {
			t.Errorf("OUTGOING = %v, want %v", got, wantOut)
		}
		wantIn := []string{rs("shop-db", "DOCUMENTED_BY", "shop-web")}
		if got := relStrings(v.In); !slices.Equal(got, wantIn) {
			t.Errorf("INCOMING = %v, want %v", got, wantIn)
		}
		wantBoth := []string{wantOut[0], wantIn[0], wantOut[1]} // by type, then other end's name
		if got := relStrings(v.Both); !slices.Equal(got, wantBoth) {
			t.Errorf("BOTH = %v, want %v", got, wantBoth)
		}
		if got := relStrings(v.DependsOnly); !slices.Equal(got, wantOut[:1]) {
			t.Errorf("types [DEPENDS_ON] = %v, want %v", got, wantOut[:1])
		}
		if got := relStrings(v.FirstOne); !slices.Equal(got, wantBoth[:1]) {
			t.Errorf("first: 1 = %v, want %v", got, wantBoth[:1])
		}
		if v.Redundancy != nil {
			t.Errorf("redundancy = %+v, want null for a CI without redundancyMinimumUp", v.Redundancy)
		}
		if v.Version != 1 {
			t.Errorf("version = %d after relating, want 1", v.Version)
		}
		if v.CreatedBy != subjCM {
			t.Errorf("createdBy = %q, want %q", v.CreatedBy, subjCM)
		}
		// Newest first: the three relationships, then the creation.
		var actions []string
		for _, ed := range v.History.Edges {
			actions = append(actions, ed.Node.Action)
			if ed.Node.Actor != subjCM {
				t.Errorf("history actor = %q, want %q", ed.Node.Actor, subjCM)
			}
		}
		wantActions := []string{"RELATIONSHIP_ADDED", "RELATIONSHIP_ADDED", "RELATIONSHIP_ADDED", "CREATED"}
		if v.History.TotalCount != 4 || !slices.Equal(actions, wantActions) {
			t.Fatalf("history totalCount %d actions %v, want 4 %v", v.History.TotalCount, actions, wantActions)
		}
		// The newest is db DOCUMENTED_BY web, recorded on both ends.
		wantRels := []map[string]string{
			{"source": db.ID, "type": "DOCUMENTED_BY", "target": web.ID},
			{"source": web.ID, "type": "RUNS_ON", "target": pool.ID},
			{"source": web.ID, "type": "DEPENDS_ON", "target": db.ID},
		}
		for i, want := range wantRels {
			ch := v.History.Edges[i].Node.Changes
			if len(ch) != 1 || ch[0].Field != "relationship" || ch[0].Before != nil || !reflect.DeepEqual(relJSON(t, ch[0].After), want) {
				t.Errorf("history[%d].changes = %+v, want relationship null → %v", i, ch, want)
			}
		}
		created := v.History.Edges[3].Node.Changes
		wantCreated := []fieldChange{
			{"name", nil, jsonText("shop-web")},
			{"type", nil, jsonText("APPLICATION")},
			{"status", nil, jsonText("ACTIVE")},
			{"environment", nil, jsonText("STAGING")},
			{"criticality", nil, jsonText("HIGH")},
			{"description", nil, jsonText("Storefront")},
			{"location", nil, jsonText("eu-west-1")},
			{"ownerGroupId", nil, jsonText(groupID)},
			{"attributes.os", nil, jsonText("linux")},
			{"attributes.tier", nil, jsonText("web")},
		}
		if !reflect.DeepEqual(created, wantCreated) {
			t.Errorf("CREATED changes\n got %s\nwant %s", changesString(created), changesString(wantCreated))
		}
	})

	t.Run("redundancy group", func(t *testing.T) {
		v := read(pool.ID)
		if v.Redundancy == nil || v.Redundancy.MinimumUp != 2 || len(v.Redundancy.Members) != 2 ||
			v.Redundancy.Members[0].Name != "web-01" || v.Redundancy.Members[1].Name != "web-02" {
			t.Errorf("redundancy = %+v, want minimumUp 2, members [web-01 web-02]", v.Redundancy)
		}
		wantIn := []string{
			rs("web-01", "MEMBER_OF", "web-pool"),
			rs("web-02", "MEMBER_OF", "web-pool"),
			rs("shop-web", "RUNS_ON", "web-pool"),
		}
		if got := relStrings(v.In); !slices.Equal(got, wantIn) {
			t.Errorf("INCOMING = %v, want %v", got, wantIn)
		}
		if len(v.Out) != 0 {
			t.Errorf("OUTGOING = %v, want none", relStrings(v.Out))
		}
		if v.History.TotalCount != 4 {
			t.Errorf("history totalCount = %d, want 4 (created + 3 relationships)", v.History.TotalCount)
		}
		created := v.History.Edges[len(v.History.Edges)-1].Node
		wantCreated := []fieldChange{
			{"name", nil, jsonText("web-pool")},
			{"type", nil, jsonText("CLUSTER")},
			{"status", nil, jsonText("ACTIVE")},
			{"environment", nil, jsonText("PRODUCTION")},
			{"criticality", nil, jsonText("MEDIUM")},
			{"redundancyMinimumUp", nil, strp("2")},
		}
		if created.Action != "CREATED" || !reflect.DeepEqual(created.Changes, wantCreated) {
			t.Errorf("CREATED entry %s %s, want %s", created.Action, changesString(created.Changes), changesString(wantCreated))
		}
	})

	t.Run("members list their groups", func(t *testing.T) {
		v := read(n1.ID)
		want := []string{rs("web-01", "MEMBER_OF", "web-pool")}
		if got := relStrings(v.Both); !slices.Equal(got, want) {
			t.Errorf("relationships = %v, want %v", got, want)
		}
	})

	t.Run("history pages", func(t *testing.T) {
		var seen []string
		var after any
		for page, want := range []struct {
			edges          int
			next, previous bool
		}{{3, true, false}, {1, false, true}} {
			var out struct {
				ConfigurationItem struct {
					History struct {
						TotalCount int      `json:"totalCount"`
						PageInfo   pageInfo `json:"pageInfo"`
						Edges      []struct {
							Cursor string       `json:"cursor"`
							Node   historyEntry `json:"node"`
						} `json:"edges"`
					} `json:"history"`
				} `json:"configurationItem"`
			}
			e.ok(t, e.analyst, `query($id: ID!, $after: String) { configurationItem(id: $id) {
  history(first: 3, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id action } } } } }`,
				map[string]any{"id": web.ID, "after": after}, &out)
			h := out.ConfigurationItem.History
			if h.TotalCount != 4 || len(h.Edges) != want.edges || h.PageInfo.HasNextPage != want.next || h.PageInfo.HasPreviousPage != want.previous {
				t.Fatalf("history page %d: totalCount %d, %d edges, pageInfo %+v; want 4, %+v", page, h.TotalCount, len(h.Edges), h.PageInfo, want)
			}
			if deref(h.PageInfo.EndCursor) != h.Edges[len(h.Edges)-1].Cursor || deref(h.PageInfo.StartCursor) != h.Edges[0].Cursor {
				t.Errorf("page %d: pageInfo cursors %+v do not match the edges", page, h.PageInfo)
			}
			for _, ed := range h.Edges {
				seen = append(seen, ed.Node.Action)
			}
			after = deref(h.PageInfo.EndCursor)
		}
		want := []string{"RELATIONSHIP_ADDED", "RELATIONSHIP_ADDED", "RELATIONSHIP_ADDED", "CREATED"}
		if !slices.Equal(seen, want) {
			t.Errorf("history across pages = %v, want %v", seen, want)
		}
	})

	t.Run("node", func(t *testing.T) {
		var users struct {
			CreateUser struct {
				User struct {
					ID string `json:"id"`
				} `json:"user"`
			} `json:"createUser"`
		}
		e.ok(t, e.admin, createUserMutation, map[string]any{"in": map[string]any{"username": "noah", "displayName": "Noah", "roles": []string{"AGENT"}}}, &users)
		hist := e.snapshot(t, pool.ID).history
		relID := relIDs["RUNS_ON"+web.ID]
		var out struct {
			CI  map[string]any `json:"ci"`
			U   map[string]any `json:"u"`
			G   map[string]any `json:"g"`
			R   map[string]any `json:"r"`
			H   map[string]any `json:"h"`
			Nil map[string]any `json:"nil"`
		}
		e.ok(t, e.analyst, `query($ci: ID!, $u: ID!, $g: ID!, $r: ID!, $h: ID!) {
  ci: node(id: $ci) { __typename id ... on ConfigurationItem { name type } }
  u: node(id: $u) { __typename id ... on User { username } }
  g: node(id: $g) { __typename id ... on Group { name kind } }
  r: node(id: $r) { __typename id ... on Relationship { type source { name } target { name } } }
  h: node(id: $h) { __typename id ... on CIHistoryEntry { action actor } }
}`, map[string]any{"ci": web.ID, "u": users.CreateUser.User.ID, "g": groupID, "r": relID, "h": hist[len(hist)-1].ID}, &out)
		want := map[string]map[string]any{
			"ci": {"__typename": "ConfigurationItem", "id": web.ID, "name": "shop-web", "type": "APPLICATION"},
			"u":  {"__typename": "User", "id": users.CreateUser.User.ID, "username": "noah"},
			"g":  {"__typename": "Group", "id": groupID, "name": "Web Platform", "kind": "TEAM"},
			"r": {"__typename": "Relationship", "id": relID, "type": "RUNS_ON",
				"source": map[string]any{"name": "shop-web"}, "target": map[string]any{"name": "web-pool"}},
			"h": {"__typename": "CIHistoryEntry", "id": hist[len(hist)-1].ID, "action": "CREATED", "actor": subjCM},
		}
		got := map[string]map[string]any{"ci": out.CI, "u": out.U, "g": out.G, "r": out.R, "h": out.H}
		for k := range want {
			if !reflect.DeepEqual(got[k], want[k]) {
				t.Errorf("node %s = %v, want %v", k, got[k], want[k])
			}
		}
		for _, id := range []string{"ci_00000000000000000000000000000000", "usr_missing", "grp_missing", "rel_missing", "cih_missing", "nonsense", ""} {
			r := e.fail(t, e.analyst, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}, "NOT_FOUND")
			if !r.fieldIsNull("node") {
				t.Errorf("node(%q) data = %s, want null", id, r.Data)
			}
		}
	})
}

func changesString(cs []fieldChange) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s: %s → %s", c.Field, deref(c.Before), deref(c.After)))
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

type pageInfo struct {
	HasNextPage     bool    `json:"hasNextPage"`
	HasPreviousPage bool    `json:"hasPreviousPage"`
	StartCursor     *string `json:"startCursor"`
	EndCursor       *string `json:"endCursor"`
}

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
	wantRel := map[string]string{"source": a.ID, "type": "USES", "target": b.ID}
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

// TestRetire: retiring records RETIRED with the reason, hides the CI from
// default lists and refuses new relationships.
func TestRetire(t *testing.T) {
	e := newEnv(t, app.Limits{})
	c := e.createCI(t, map[string]any{"name": "old-box", "type": "SERVER", "status": "ACTIVE"})
	other := e.createCI(t, map[string]any{"name": "new-box", "type": "SERVER", "status": "ACTIVE"})
	r := e.retireCI(t, c.ID, 1, "replaced by new-box")
	if r.Status != "RETIRED" || r.Version != 2 || r.RetiredAt == nil || r.UpdatedAt != *r.RetiredAt {
		t.Fatalf("retired CI = %+v", r)
	}
	s := e.snapshot(t, c.ID)
	h := s.history[0]
	want := []fieldChange{
		{"status", jsonText("ACTIVE"), jsonText("RETIRED")},
		{"retiredAt", nil, jsonText(*r.RetiredAt)},
		{"reason", nil, jsonText("replaced by new-box")},
	}
	if len(s.history) != 2 || h.Action != "RETIRED" || h.Actor != subjCM || !reflect.DeepEqual(h.Changes, want) {
		t.Errorf("history = %d entries, newest %s %s; want RETIRED %s", len(s.history), h.Action, changesString(h.Changes), changesString(want))
	}
	var list struct {
		Default struct {
			TotalCount int `json:"totalCount"`
			Edges      []struct {
				Node named `json:"node"`
			} `json:"edges"`
		} `json:"default"`
		Retired struct {
			TotalCount int `json:"totalCount"`
			Edges      []struct {
				Node named `json:"node"`
			} `json:"edges"`
		} `json:"retired"`
	}
	e.ok(t, e.analyst, `{
  default: configurationItems { totalCount edges { node { id name } } }
  retired: configurationItems(filter: {statuses: [RETIRED]}) { totalCount edges { node { id name } } }
}`, nil, &list)
	if list.Default.TotalCount != 1 || len(list.Default.Edges) != 1 || list.Default.Edges[0].Node.ID != other.ID {
		t.Errorf("default list = %+v, want only new-box", list.Default)
	}
	if list.Retired.TotalCount != 1 || len(list.Retired.Edges) != 1 || list.Retired.Edges[0].Node.ID != c.ID {
		t.Errorf("RETIRED list = %+v, want only old-box", list.Retired)
	}
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

// TestGroupMembership: ADMIN adds and removes members; both are no-ops when
// repeated.
func TestGroupMembership(t *testing.T) {
	e := newEnv(t, app.Limits{})
	g := e.createGroup(t, "Service Desk")
	u := e.createUser(t, map[string]any{"username": "sam", "displayName": "Sam", "roles": []string{"AGENT"}})
	const add = `mutation($g: ID!, $u: ID!) { addGroupMember(input: {groupId: $g, userId: $u}) { group { name members { username } } } }`
	const remove = `mutation($g: ID!, $u: ID!) { removeGroupMember(input: {groupId: $g, userId: $u}) { group { name members { username } } } }`
	members := func(query string) []string {
		var out map[string]struct {
			Group struct {
				Members []struct {
					Username string `json:"username"`
				} `json:"members"`
			} `json:"group"`
		}
		e.ok(t, e.admin, query, map[string]any{"g": g, "u": u.ID}, &out)
		var names []string
		for _, p := range out {
			for _, m := range p.Group.Members {
				names = append(names, m.Username)
			}
		}
		return names
	}
	for _, step := range []struct {
		query string
		want  []string
	}{{add, []string{"sam"}}, {add, []string{"sam"}}, {remove, nil}, {remove, nil}} {
		if got := members(step.query); !slices.Equal(got, step.want) {
			t.Errorf("members = %v, want %v", got, step.want)
		}
	}
	var user struct {
		User struct {
			Groups []struct {
				Name string `json:"name"`
			} `json:"groups"`
		} `json:"user"`
	}
	e.ok(t, e.analyst, `query($id: ID!) { user(id: $id) { groups { name } } }`, map[string]any{"id": u.ID}, &user)
	if len(user.User.Groups) != 0 {
		t.Errorf("user groups = %v after removal", user.User.Groups)
	}
}
