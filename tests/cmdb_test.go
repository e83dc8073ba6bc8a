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
		History     historyConn `json:"history"`
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
			{"source": db.ID, "sourceName": db.Name, "type": "DOCUMENTED_BY", "target": web.ID, "targetName": web.Name},
			{"source": web.ID, "sourceName": web.Name, "type": "RUNS_ON", "target": pool.ID, "targetName": pool.Name},
			{"source": web.ID, "sourceName": web.Name, "type": "DEPENDS_ON", "target": db.ID, "targetName": db.Name},
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
