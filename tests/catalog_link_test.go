package tests

import (
	"encoding/json"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// TestConcurrentLinkCreatesOnce: the same catalogue link requested at once
// by several callers is created once, and impact crosses it once.
func TestConcurrentLinkCreatesOnce(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	w.build(t, "ts:Race DEPENDS_ON race-db")
	shop := w.createService(t, w.owner, map[string]any{"kind": "BUSINESS", "name": "Race Shop", "status": "LIVE"}).ID
	race := w.id(t, "Race")
	const n = 6
	resps := e.concurrently(t, n, w.owner, linkMutation, func(int) map[string]any {
		return map[string]any{"in": map[string]any{"sourceId": shop, "type": "DEPENDS_ON", "targetId": race}}
	})
	created := 0
	for i, r := range resps {
		if len(r.Errors) > 0 {
			t.Errorf("request %d failed: %v", i, r.codes())
			continue
		}
		var out struct {
			LinkCatalogItems struct {
				Created bool `json:"created"`
			} `json:"linkCatalogItems"`
		}
		if err := json.Unmarshal(r.Data, &out); err != nil {
			t.Fatal(err)
		}
		if out.LinkCatalogItems.Created {
			created++
		}
	}
	if created != 1 {
		t.Errorf("%d requests reported created, want 1", created)
	}
	equalStrings(t, "links", w.links(t, "Race Shop", "Race"), []string{"Race Shop-DEPENDS_ON->Race", "Race-DEPENDS_ON->race-db"})
	w.runImpact(t, impactCase{starts: []string{"race-db"}, want: []string{"Race:1:DOWN", "Race Shop:2:DOWN"},
		edges: []string{"Race-DEPENDS_ON->race-db", "Race Shop-DEPENDS_ON->Race"}})
}

// unlinkLeavesCIRelationship checks that unlinkCatalogItems refuses a
// DEPENDS_ON between the CIs db and cache and leaves it in place.
func unlinkLeavesCIRelationship(t *testing.T, e *env, w *world, db, cache string) {
	rel, _ := e.relate(t, db, "DEPENDS_ON", cache)
	before := e.snapshot(t, db)
	r := e.gql(t, w.owner, unlinkMutation, map[string]any{"in": map[string]any{"sourceId": db, "type": "DEPENDS_ON", "targetId": cache}})
	if len(r.Errors) != 1 || (r.Errors[0].Extensions.Code != "NOT_FOUND" && r.Errors[0].Extensions.Code != "BAD_USER_INPUT") {
		t.Errorf("unlinkCatalogItems(CI DEPENDS_ON CI) = HTTP %d, errors %v, data %s; want NOT_FOUND or BAD_USER_INPUT", r.Status, r.codes(), r.Data)
	}
	e.assertUnchanged(t, before)
	var out struct {
		Node *struct {
			ID string `json:"id"`
		} `json:"node"`
	}
	rr := e.gql(t, e.analyst, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": rel.ID})
	if len(rr.Errors) > 0 {
		t.Errorf("relationship %s after unlinkCatalogItems: errors %v (it was removed)", rel.ID, rr.codes())
	} else if err := json.Unmarshal(rr.Data, &out); err != nil || out.Node == nil || out.Node.ID != rel.ID {
		t.Errorf("relationship %s after unlinkCatalogItems: %s", rel.ID, rr.Data)
	}
}
