package tests

import (
	"slices"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// TestRedundancyCountsMembersInService: a planned member is not serving
// yet, so a cluster of two live members and one planned goes DOWN when a
// live member fails and takes no notice of the planned one failing; retired
// members leave the group's list; a group whose serving members fall below
// its minimum says so; a group stops being one only once it has no
// members.
func TestRedundancyCountsMembersInService(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	w.build(t, "web1 MEMBER_OF pool2:web-pool", "web2 MEMBER_OF web-pool", "web-app RUNS_ON web-pool")
	planned := e.createCI(t, map[string]any{"name": "web3", "type": "SERVER", "status": "PLANNED"})
	w.remember("web3", planned.ID, "CONFIGURATION_ITEM")
	w.build(t, "web3 MEMBER_OF web-pool")

	type group struct {
		MinimumUp    int     `json:"minimumUp"`
		Members      []named `json:"members"`
		Serving      []named `json:"serving"`
		BelowMinimum bool    `json:"belowMinimum"`
	}
	read := func() (*group, int) {
		var out struct {
			ConfigurationItem struct {
				Version    int    `json:"version"`
				Redundancy *group `json:"redundancy"`
			} `json:"configurationItem"`
		}
		e.ok(t, e.analyst, `query($id: ID!) { configurationItem(id: $id) { version redundancy { minimumUp members { name } serving { name } belowMinimum } } }`,
			map[string]any{"id": w.id(t, "web-pool")}, &out)
		return out.ConfigurationItem.Redundancy, out.ConfigurationItem.Version
	}
	g, _ := read()
	if !slices.Equal(names(g.Members), []string{"web1", "web2", "web3"}) || !slices.Equal(names(g.Serving), []string{"web1", "web2"}) || g.BelowMinimum {
		t.Fatalf("redundancy %+v", g)
	}
	// Two serving, two needed: one failure takes the pool down.
	equalStrings(t, "web1 fails", w.summary(w.impact(t, nil, "web1")), []string{"web-pool:1:DOWN", "web-app:2:DOWN"})
	// The planned member carries no load: its failure reaches nothing.
	equalStrings(t, "web3 fails", w.summary(w.impact(t, nil, "web3")), []string{})
	// Nor does a member in maintenance count.
	web2 := e.updateCI(t, map[string]any{"id": w.id(t, "web2"), "expectedVersion": 1, "status": "MAINTENANCE"})
	if g, _ = read(); !slices.Equal(names(g.Serving), []string{"web1"}) || !g.BelowMinimum {
		t.Fatalf("with web2 in maintenance: %+v", g)
	}
	e.updateCI(t, map[string]any{"id": web2.ID, "expectedVersion": web2.Version, "status": "ACTIVE"})

	// Retired members leave the list.
	e.retireCI(t, w.id(t, "web2"), web2.Version+1, "decommissioned")
	if g, _ = read(); !slices.Equal(names(g.Members), []string{"web1", "web3"}) || !slices.Equal(names(g.Serving), []string{"web1"}) || !g.BelowMinimum {
		t.Fatalf("after retiring web2: %+v", g)
	}

	// A group with members cannot stop being one; nothing changes.
	_, version := read()
	e.fail(t, e.cm, updateCIMutation, map[string]any{"in": map[string]any{"id": w.id(t, "web-pool"), "expectedVersion": version, "redundancyMinimumUp": 0}}, "BAD_USER_INPUT")
	e.fail(t, e.cm, updateCIMutation, map[string]any{"in": map[string]any{"id": w.id(t, "web-pool"), "expectedVersion": version, "redundancyMinimumUp": -1}}, "BAD_USER_INPUT")
	if g, v := read(); g == nil || g.MinimumUp != 2 || v != version {
		t.Fatalf("refused updates changed the pool: %+v, version %d", g, v)
	}
	// Once its members are retired, it can.
	e.retireCI(t, w.id(t, "web1"), 1, "")
	e.retireCI(t, w.id(t, "web3"), planned.Version, "")
	e.updateCI(t, map[string]any{"id": w.id(t, "web-pool"), "expectedVersion": version, "redundancyMinimumUp": 0})
	if g, _ := read(); g != nil {
		t.Fatalf("still a group: %+v", g)
	}
	// And is an ordinary CI: nothing may join it.
	e.fail(t, e.cm, `mutation($in: RelateConfigurationItemsInput!) { relateConfigurationItems(input: $in) { created } }`,
		map[string]any{"in": map[string]any{"sourceId": w.id(t, "web-app"), "type": "MEMBER_OF", "targetId": w.id(t, "web-pool")}}, "BAD_USER_INPUT")
}
