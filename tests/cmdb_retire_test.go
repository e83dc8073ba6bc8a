package tests

import (
	"reflect"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

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
