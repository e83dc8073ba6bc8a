package tests

import (
	"slices"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// TestRelationshipHistoryNamesEndsAsTheyWere: an entry about a relationship
// names both ends by id and by the name they had when it was written, so a
// CI renamed later — by a person or by a feed — does not rewrite its past.
// That holds for relationships people drew and for those a feed made, whose
// first entry the store derives until something changes.
func TestRelationshipHistoryNamesEndsAsTheyWere(t *testing.T) {
	e := newEnv(t, app.Limits{})
	type m = map[string]any
	web := e.createCI(t, m{"name": "shop-web", "type": "APPLICATION"})
	db := e.createCI(t, m{"name": "orders-db", "type": "DATABASE"})
	e.relate(t, web.ID, "DEPENDS_ON", db.ID)
	e.importFeed(t, e.cm, m{"source": "vc", "items": []m{{"externalId": "vm1", "name": "vm-1", "type": "VIRTUAL_MACHINE"},
		{"externalId": "h1", "name": "host-1", "type": "SERVER"}},
		"relationships": []m{{"sourceExternalId": "vm1", "type": "HOSTED_ON", "targetExternalId": "h1"}}})
	vm := e.sourceCIs(t, "vc")["vm1"]

	// Renamed afterwards: by a person, and by the feed.
	e.updateCI(t, m{"id": db.ID, "expectedVersion": db.Version, "name": "orders-db-primary"})
	e.importFeed(t, e.cm, m{"source": "vc", "items": []m{{"externalId": "h1", "name": "esx-host-1", "type": "SERVER"}}})
	// And removed, after the renames.
	e.ok(t, e.cm, unrelateMutation, m{"in": m{"sourceId": web.ID, "type": "DEPENDS_ON", "targetId": db.ID}}, nil)

	relEntries := func(id string) []string {
		t.Helper()
		var out []string
		for _, h := range e.snapshot(t, id).history {
			for _, c := range h.Changes {
				if c.Field != "relationship" {
					continue
				}
				rel := relJSON(t, c.After)
				if rel == nil {
					rel = relJSON(t, c.Before)
				}
				out = append(out, h.Action+" "+rel["sourceName"]+" "+rel["type"]+" "+rel["targetName"])
			}
		}
		return out
	}
	if got, want := relEntries(web.ID), []string{
		"RELATIONSHIP_REMOVED shop-web DEPENDS_ON orders-db-primary",
		"RELATIONSHIP_ADDED shop-web DEPENDS_ON orders-db",
	}; !slices.Equal(got, want) {
		t.Errorf("shop-web's relationship history %q, want %q", got, want)
	}
	if got, want := relEntries(vm.ID), []string{"RELATIONSHIP_ADDED vm-1 HOSTED_ON host-1"}; !slices.Equal(got, want) {
		t.Errorf("vm-1's relationship history %q, want %q (the host's name when the feed related them)", got, want)
	}
	// The rename recorded the feed relationship's entry once: the VM's
	// history has it once, not also derived.
	if n := len(e.snapshot(t, vm.ID).history); n != 2 {
		t.Errorf("vm-1 has %d history entries, want CREATED and RELATIONSHIP_ADDED", n)
	}
}
