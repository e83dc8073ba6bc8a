package tests

import (
	"strings"
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

// TestFullFeedReconcilesRelationships: a VM moved to another host. A
// partial feed keeps the old placement; a full feed reports it, or removes
// it with a history entry naming the feed, and impact follows the move.
// Relationships people drew by hand are never touched.
func TestFullFeedReconcilesRelationships(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	type m = map[string]any
	items := []m{{"externalId": "vm1", "name": "vm-1", "type": "VIRTUAL_MACHINE"},
		{"externalId": "h1", "name": "host-1", "type": "SERVER"}, {"externalId": "h2", "name": "host-2", "type": "SERVER"}}
	on := func(host string) []m {
		return []m{{"sourceExternalId": "vm1", "type": "HOSTED_ON", "targetExternalId": host}}
	}
	e.importFeed(t, e.cm, m{"source": "vc", "items": items, "relationships": on("h1")})
	for ext, c := range e.sourceCIs(t, "vc") {
		w.remember(map[string]string{"vm1": "vm-1", "h1": "host-1", "h2": "host-2"}[ext], c.ID, "CONFIGURATION_ITEM")
	}
	// Drawn by hand: a reconciling feed leaves it alone.
	e.relate(t, w.id(t, "vm-1"), "DEPENDS_ON", w.id(t, "host-2"))

	type moved struct {
		ImportConfigurationItems struct {
			RelationshipsCreated int
			RelationshipsRemoved int
			RelationshipsNotSeen []struct {
				Type   string
				Source named
				Target named
			}
		} `json:"importConfigurationItems"`
	}
	move := func(policy string) moved {
		var out moved
		e.ok(t, e.cm, `mutation($in: ImportConfigurationItemsInput!) { importConfigurationItems(input: $in) {
			relationshipsCreated relationshipsRemoved relationshipsNotSeen { type source { id name } target { id name } } } }`,
			m{"in": m{"source": "vc", "items": items, "relationships": on("h2"), "missingRelationships": policy}}, &out)
		return out
	}
	if got := move("KEEP").ImportConfigurationItems; got.RelationshipsCreated != 1 || len(got.RelationshipsNotSeen) != 0 || got.RelationshipsRemoved != 0 {
		t.Fatalf("partial feed: %+v", got)
	}
	equalStrings(t, "host-1 fails, old placement kept", w.summary(w.impact(t, nil, "host-1")), []string{"vm-1:1:DOWN"})
	got := move("REPORT").ImportConfigurationItems
	if len(got.RelationshipsNotSeen) != 1 || got.RelationshipsNotSeen[0].Target.Name != "host-1" || got.RelationshipsRemoved != 0 {
		t.Fatalf("reporting feed: %+v", got)
	}
	got = move("REMOVE").ImportConfigurationItems
	if len(got.RelationshipsNotSeen) != 1 || got.RelationshipsRemoved != 1 {
		t.Fatalf("reconciling feed: %+v", got)
	}
	equalStrings(t, "host-1 fails after the move", w.summary(w.impact(t, nil, "host-1")), []string{})
	equalStrings(t, "host-2 fails after the move", w.summary(w.impact(t, nil, "host-2")), []string{"vm-1:1:DOWN"})
	var hist struct {
		ConfigurationItem struct {
			History struct {
				Edges []struct {
					Node struct {
						Action  string
						Actor   string
						Changes []struct{ Field, Before string }
					}
				}
			}
		} `json:"configurationItem"`
	}
	e.ok(t, e.analyst, `query($id: ID!) { configurationItem(id: $id) { history(first: 1) { edges { node { action actor changes { field before } } } } } }`,
		m{"id": w.id(t, "host-1")}, &hist)
	if h := hist.ConfigurationItem.History.Edges; len(h) != 1 || h[0].Node.Action != "RELATIONSHIP_REMOVED" || !strings.Contains(h[0].Node.Changes[0].Before, `"feed":"vc"`) {
		t.Fatalf("host-1's last history entry %+v", h)
	}
	if got := move("REMOVE").ImportConfigurationItems; got.RelationshipsRemoved != 0 {
		t.Fatalf("second reconciliation removed %d", got.RelationshipsRemoved)
	}
	e.fail(t, e.cm, `mutation($in: ImportConfigurationItemsInput!) { importConfigurationItems(input: $in) { created } }`,
		m{"in": m{"source": "vc", "items": items, "missingRelationships": "PRUNE"}}, "BAD_USER_INPUT")
}

// TestFeedSetsTheOwnerGroup: a feed may say which group owns a CI; a row
// naming a group that does not exist is refused alone.
func TestFeedSetsTheOwnerGroup(t *testing.T) {
	e := newEnv(t, app.Limits{})
	type m = map[string]any
	platform := e.createGroup(t, "Platform")
	rep := e.importFeed(t, e.cm, m{"source": "vc", "items": []m{
		{"externalId": "h1", "name": "host-1", "type": "SERVER", "ownerGroupId": platform},
		{"externalId": "h2", "name": "host-2", "type": "SERVER", "ownerGroupId": "grp_missing"},
	}})
	equalStrings(t, "refused rows", rep.rowErrors(t), []string{"I2:ownerGroupId"})
	cis := e.sourceCIs(t, "vc")
	if _, ok := cis["h2"]; ok || len(cis) != 1 {
		t.Fatalf("the refused row was written: %v", cis)
	}
	owner := func() string {
		var out struct {
			ConfigurationItem struct{ OwnerGroup *named } `json:"configurationItem"`
		}
		e.ok(t, e.analyst, `query($id: ID!) { configurationItem(id: $id) { ownerGroup { id name } } }`, m{"id": cis["h1"].ID}, &out)
		if out.ConfigurationItem.OwnerGroup == nil {
			return ""
		}
		return out.ConfigurationItem.OwnerGroup.Name
	}
	if got := owner(); got != "Platform" {
		t.Fatalf("owner %q, want Platform", got)
	}
	e.importFeed(t, e.cm, m{"source": "vc", "items": []m{{"externalId": "h1", "name": "host-1", "type": "SERVER", "ownerGroupId": ""}}})
	if got := owner(); got != "" {
		t.Fatalf("owner %q after clearing", got)
	}
}
