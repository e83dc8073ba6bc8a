package tests

import (
	"slices"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// TestChangeListFilters: changes filters by state, type and target.
func TestChangeListFilters(t *testing.T) {
	e, w, team, base := newChangeEnv(t, app.Limits{})
	s, en := window(base, 2, 1, 2)
	a := e.createChange(t, team.requester, normalChange("A", w.idsOf(t, "cache"), s, en))
	b := e.createChange(t, team.requester, normalChange("B", w.idsOf(t, "hr-app"), s, en))
	e.transitionChange(t, team.requester, b, "SUBMITTED", "")
	list := func(filter map[string]any) []string {
		var out struct {
			Changes struct {
				Edges []struct {
					Node named `json:"node"`
				} `json:"edges"`
			} `json:"changes"`
		}
		e.ok(t, e.analyst, `query($f: ChangeFilter) { changes(filter: $f, first: 10) { edges { node { id } } } }`, map[string]any{"f": filter}, &out)
		var ids []string
		for _, ed := range out.Changes.Edges {
			ids = append(ids, ed.Node.ID)
		}
		return ids
	}
	tests := []struct {
		filter map[string]any
		want   []string
	}{
		{nil, []string{b.ID, a.ID}},
		{map[string]any{"states": []string{"DRAFT"}}, []string{a.ID}},
		{map[string]any{"targetId": w.id(t, "hr-app")}, []string{b.ID}},
		{map[string]any{"riskLevels": []string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}}, []string{b.ID}},
		{map[string]any{"types": []string{"EMERGENCY"}}, nil},
	}
	for _, tt := range tests {
		if got := list(tt.filter); !slices.Equal(got, tt.want) {
			t.Errorf("filter %v: %v, want %v", tt.filter, got, tt.want)
		}
	}
	// Live analyses of a long list are refused up front; a short one runs.
	e.fail(t, e.analyst, `{ changes(first: 100) { edges { node { impact { counts { total } } conflicts { sharedCount } } } } }`, nil, "BAD_USER_INPUT")
	var live struct {
		Changes struct {
			Edges []struct {
				Node struct {
					Impact struct {
						Counts struct {
							Total int `json:"total"`
						} `json:"counts"`
					} `json:"impact"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"changes"`
	}
	e.ok(t, e.analyst, `{ changes(first: 2) { edges { node { impact { counts { total } } } } } }`, nil, &live)
	if len(live.Changes.Edges) != 2 || live.Changes.Edges[0].Node.Impact.Counts.Total != 2 || live.Changes.Edges[1].Node.Impact.Counts.Total != 4 {
		t.Fatalf("live impact: %+v", live.Changes.Edges)
	}
}
