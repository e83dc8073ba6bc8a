package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// nestedScreen is what a CMDB screen asks for: applications with two
// levels of dependencies and a dozen fields per item.
func nestedScreen(apps, rels int) string {
	item := `id name type status environment criticality description location createdAt updatedAt version source`
	return fmt.Sprintf(`{ configurationItems(first: %[1]d, filter: {types: [APPLICATION]}, orderBy: {field: NAME, direction: ASC}) {
  edges { node { %[3]s relationships(direction: OUTGOING, first: %[2]d) { type target { %[3]s
    relationships(direction: OUTGOING, first: %[2]d) { type target { %[3]s } } } } } } } }`, apps, rels, item)
}

// TestCostCountsWhatAQueryCanReturn: the cost limit counts the objects a
// query could return, so a screen of 50 applications with two levels of 20
// dependencies and a dozen fields each runs, while a query that could
// return millions is refused with its count and how to reduce it.
func TestCostCountsWhatAQueryCanReturn(t *testing.T) {
	e := newEnv(t, app.Limits{})
	sw := e.createCI(t, map[string]any{"name": "cost-switch", "type": "NETWORK_DEVICE"})
	for i := range 3 {
		a := e.createCI(t, map[string]any{"name": fmt.Sprintf("cost-app-%d", i), "type": "APPLICATION"})
		for j := range 2 {
			s := e.createCI(t, map[string]any{"name": fmt.Sprintf("cost-server-%d-%d", i, j), "type": "SERVER"})
			e.relate(t, a.ID, "RUNS_ON", s.ID)
			e.relate(t, s.ID, "CONNECTS_TO", sw.ID)
		}
	}

	var out struct {
		ConfigurationItems struct {
			Edges []struct {
				Node struct {
					Name          string
					Relationships []struct {
						Target struct {
							Name          string
							Relationships []struct {
								Target struct{ Name string }
							}
						}
					}
				}
			}
		}
	}
	e.ok(t, e.analyst, nestedScreen(50, 20), nil, &out)
	if n := len(out.ConfigurationItems.Edges); n != 3 {
		t.Fatalf("%d applications, want 3", n)
	}
	first := out.ConfigurationItems.Edges[0].Node
	if first.Name != "cost-app-0" || len(first.Relationships) != 2 ||
		len(first.Relationships[0].Target.Relationships) != 1 || first.Relationships[0].Target.Relationships[0].Target.Name != "cost-switch" {
		t.Errorf("nested answer %+v", first)
	}

	// 100 applications × 100 relationships × 100 relationships: about two
	// million objects.
	msg := e.refusedFast(t, e.analyst, nestedScreen(100, 100), nil)
	var objects int
	if _, err := fmt.Sscanf(msg[max(strings.Index(msg, "about "), 0):], "about %d objects", &objects); err != nil || objects < 2_000_000 {
		t.Errorf("message %q does not count the objects the query could return (%d, %v)", msg, objects, err)
	}
	for _, want := range []string{"complexity", "first", "500000"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not say %q", msg, want)
		}
	}
}
