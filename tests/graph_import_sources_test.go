package tests

import (
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// TestImportJoinsSources: a hypervisor feed places its VM on a host the
// hardware feed reported and on a CI entered by hand, naming them by the
// other source's external id and by id; the graph then carries impact
// across the feeds. Ends that do not resolve are refused by row.
func TestImportJoinsSources(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	type m = map[string]any
	e.importFeed(t, e.cm, m{"source": "hardware", "items": []m{{"externalId": "h1", "name": "host-1", "type": "SERVER"}}})
	san := e.createCI(t, m{"name": "san-1", "type": "STORAGE"})
	rep := e.importFeed(t, e.cm, m{"source": "hypervisor", "items": []m{{"externalId": "vm1", "name": "vm-1", "type": "VIRTUAL_MACHINE"}},
		"relationships": []m{
			{"sourceExternalId": "vm1", "type": "HOSTED_ON", "targetExternalId": "h1", "targetExternalSource": "hardware"},
			{"sourceExternalId": "vm1", "type": "STORES_DATA_ON", "targetId": san.ID},
			{"sourceExternalId": "vm1", "type": "HOSTED_ON", "targetExternalId": "h9", "targetExternalSource": "hardware"},
			{"sourceExternalId": "vm1", "type": "HOSTED_ON", "targetExternalId": "h1", "targetId": san.ID},
			{"sourceExternalId": "vm1", "type": "HOSTED_ON", "targetId": "ci_missing"},
			{"type": "HOSTED_ON", "targetId": san.ID},
		}})
	if rep.RelationshipsCreated != 2 {
		t.Errorf("created %d relationships, want 2", rep.RelationshipsCreated)
	}
	equalStrings(t, "refused rows", rep.rowErrors(t), []string{"R3:targetExternalId", "R4:targetExternalId", "R5:targetId", "R6:sourceExternalId"})

	for name, id := range map[string]string{"vm-1": e.sourceCIs(t, "hypervisor")["vm1"].ID, "host-1": e.sourceCIs(t, "hardware")["h1"].ID, "san-1": san.ID} {
		w.remember(name, id, "CONFIGURATION_ITEM")
	}
	equalStrings(t, "host-1 fails", w.summary(w.impact(t, nil, "host-1")), []string{"vm-1:1:DOWN"})
	equalStrings(t, "san-1 fails", w.summary(w.impact(t, nil, "san-1")), []string{"vm-1:1:DOWN"})
	// Importing again changes nothing.
	again := e.importFeed(t, e.cm, m{"source": "hypervisor", "items": []m{{"externalId": "vm1", "name": "vm-1", "type": "VIRTUAL_MACHINE"}},
		"relationships": []m{{"sourceExternalId": "vm1", "type": "HOSTED_ON", "targetExternalId": "h1", "targetExternalSource": "hardware"}}})
	if again.RelationshipsCreated != 0 || again.RelationshipsUnchanged != 1 {
		t.Errorf("re-import: %s", again.counts())
	}
}
