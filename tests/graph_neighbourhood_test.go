package tests

import (
	"fmt"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// TestNeighbourhoodKeepsTheNearest: a neighbourhood keeps at most first
// items, every one at a distance before any further (then by name), draws
// only them and the relationships between them, and says in reachedCount
// how many it reached; retired items are neither kept nor counted unless
// includeRetired.
func TestNeighbourhoodKeepsTheNearest(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	// A hub with 30 leaves, a second ring behind five of them, a retired
	// leaf with an item only it leads to, and a retired item behind leaf06.
	var lines []string
	for i := 1; i <= 30; i++ {
		lines = append(lines, fmt.Sprintf("leaf%02d RUNS_ON hub", i))
	}
	for i := 1; i <= 5; i++ {
		lines = append(lines, fmt.Sprintf("far%02d DEPENDS_ON leaf%02d", i, i))
	}
	lines = append(lines, "old RUNS_ON hub", "behind-old DEPENDS_ON old", "gone DEPENDS_ON leaf06")
	w.build(t, lines...)
	e.retireCI(t, w.id(t, "old"), 1, "replaced")
	e.retireCI(t, w.id(t, "gone"), 1, "")

	// ring lists names at a distance, as items show them.
	ring := func(d int, names ...string) []string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = fmt.Sprintf("%s:%d", n, d)
		}
		return out
	}
	numbered := func(prefix string, from, to int) []string {
		var out []string
		for i := from; i <= to; i++ {
			out = append(out, fmt.Sprintf("%s%02d", prefix, i))
		}
		return out
	}
	leaves := func(to int) []string { return ring(1, numbered("leaf", 1, to)...) }
	cat := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}

	cases := []struct {
		name    string
		depth   int
		first   any // nil: the default
		retired bool
		want    []string // items in answer order
		reached int
	}{
		{name: "the first 10 of a hub", depth: 1, first: 10, want: leaves(10), reached: 30},
		{name: "first 1", depth: 2, first: 1, want: leaves(1), reached: 35},
		{name: "depth 1, default first", depth: 1, want: leaves(30), reached: 30},
		{name: "depth 2, cut inside the first ring", depth: 2, first: 10, want: leaves(10), reached: 35},
		{name: "depth 2, a ring before the next", depth: 2, first: 33, want: cat(leaves(30), ring(2, "far01", "far02", "far03")), reached: 35},
		{name: "depth 2, first exactly what there is", depth: 2, first: 35, want: cat(leaves(30), ring(2, numbered("far", 1, 5)...)), reached: 35},
		{name: "depth 2, default first", depth: 2, want: cat(leaves(30), ring(2, numbered("far", 1, 5)...)), reached: 35},
		{name: "retired included", depth: 2, retired: true,
			want:    cat(leaves(30), ring(1, "old"), ring(2, "behind-old"), ring(2, numbered("far", 1, 5)...), ring(2, "gone")),
			reached: 38},
		{name: "retired included, cut after the first ring", depth: 2, first: 31, retired: true, want: cat(leaves(30), ring(1, "old")), reached: 38},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := w.reach(t, neighbourhoodQuery, "neighbourhood", map[string]any{"id": w.id(t, "hub"), "d": c.depth, "first": c.first, "retired": c.retired})
			w.checkReach(t, res, "hub", anyWay)
			equalStrings(t, "items", w.reached(res), c.want)
			if res.ReachedCount != c.reached {
				t.Errorf("reachedCount %d, want %d", res.ReachedCount, c.reached)
			}
			// The world is a tree: one relationship joins each kept item to
			// a nearer one, and none leads out of the drawing.
			drawn := map[string]bool{}
			for _, n := range res.Graph.Nodes {
				drawn[n.ID] = true
			}
			for _, ed := range res.Graph.Edges {
				if !drawn[ed.SourceID] || !drawn[ed.TargetID] {
					t.Errorf("edge %s leaves the drawing", w.edge(ed))
				}
			}
			if len(res.Graph.Edges) != len(res.Items) {
				t.Errorf("%d edges for %d kept items: %v", len(res.Graph.Edges), len(res.Items), w.viewEdges(res.Graph))
			}
		})
	}

	// The other reaches are never cut: they count what they list.
	res := w.reach(t, dependentsQuery, "dependents", map[string]any{"id": w.id(t, "hub"), "d": 2})
	if len(res.Items) != 35 || res.ReachedCount != 35 {
		t.Errorf("dependents of the hub: %d items, reachedCount %d; want 35 and 35", len(res.Items), res.ReachedCount)
	}
}
