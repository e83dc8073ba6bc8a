package tests

import (
	"fmt"
	"slices"
	"testing"
)

// relTypeImpact is the impact direction of each relationship type.
var relTypeImpact = map[string]string{
	"BACKED_UP_BY": "NONE", "CONNECTS_TO": "TARGET_IMPACTS_SOURCE", "CONSUMES": "TARGET_IMPACTS_SOURCE",
	"DEPENDS_ON": "TARGET_IMPACTS_SOURCE", "DOCUMENTED_BY": "NONE", "HOSTED_ON": "TARGET_IMPACTS_SOURCE",
	"INSTALLED_ON": "TARGET_IMPACTS_SOURCE", "INTERDEPENDS_WITH": "BOTH", "MEMBER_OF": "SOURCE_IMPACTS_TARGET",
	"PART_OF": "SOURCE_IMPACTS_TARGET", "REPLICATES_TO": "NONE", "RUNS_ON": "TARGET_IMPACTS_SOURCE",
	"STORES_DATA_ON": "TARGET_IMPACTS_SOURCE", "SUPPORTS": "SOURCE_IMPACTS_TARGET", "USES": "TARGET_IMPACTS_SOURCE",
}

// Ways a path may cross its relationships.
const (
	alongImpact   = "impact"   // the way a failure travels
	againstImpact = "upstream" // towards what an item needs
	anyWay        = "any"
)

// checkEdges checks what every edge must satisfy: an id, a catalogue type,
// the impact direction of that type, and (for CI relationships the world
// created) the id of the stored relationship.
func (w *world) checkEdges(t testing.TB, what string, edges []gEdge) {
	t.Helper()
	for _, e := range edges {
		if e.ID == "" {
			t.Errorf("%s: edge %s has no id", what, w.edge(e))
		}
		if want, ok := relTypeImpact[e.Type]; !ok || e.ImpactDirection != want {
			t.Errorf("%s: edge %s has impactDirection %q, want %q", what, w.edge(e), e.ImpactDirection, want)
		}
		if id, ok := w.rels[w.edge(e)]; ok && id != e.ID {
			t.Errorf("%s: edge %s has id %s, want the relationship's id %s", what, w.edge(e), e.ID, id)
		}
	}
}

// checkChain checks that path is a chain of relationships from one of the
// starts to target, of the given length, each crossed the given way.
func (w *world) checkChain(t testing.TB, starts []string, target string, length int, path []gEdge, way string) {
	t.Helper()
	what := "path to " + w.nameOf(target)
	w.checkEdges(t, what, path)
	if len(path) != length {
		t.Errorf("%s has %d edges (%s), want %d (its distance)", what, len(path), w.path(path), length)
		return
	}
	if len(path) == 0 {
		return
	}
	var cur string
	for _, s := range starts {
		if path[0].SourceID == s || path[0].TargetID == s {
			cur = s
		}
	}
	if cur == "" {
		t.Errorf("%s (%s) does not begin at a start item", what, w.path(path))
		return
	}
	for _, e := range path {
		var next string
		forward := e.SourceID == cur // crossing from source to target
		switch {
		case e.SourceID == cur:
			next = e.TargetID
		case e.TargetID == cur:
			next = e.SourceID
		default:
			t.Errorf("%s (%s) is not a chain at %s", what, w.path(path), w.edge(e))
			return
		}
		dir := relTypeImpact[e.Type]
		okWay := true
		switch way {
		case alongImpact:
			okWay = dir == "BOTH" || (forward && dir == "SOURCE_IMPACTS_TARGET") || (!forward && dir == "TARGET_IMPACTS_SOURCE")
		case againstImpact:
			okWay = dir == "BOTH" || (!forward && dir == "SOURCE_IMPACTS_TARGET") || (forward && dir == "TARGET_IMPACTS_SOURCE")
		}
		if !okWay {
			t.Errorf("%s (%s) crosses %s against the %s direction", what, w.path(path), w.edge(e), way)
		}
		cur = next
	}
	if cur != target {
		t.Errorf("%s (%s) ends at %s", what, w.path(path), w.nameOf(cur))
	}
}

// checkImpact checks the invariants of an impact answer: roots are the
// starts, every item's kind and path are consistent, counts match the
// items, and the graph holds exactly the roots and impacted items.
func (w *world) checkImpact(t testing.TB, res impactResult, starts ...string) {
	t.Helper()
	startIDs := w.idsOf(t, starts...)
	var roots []string
	for _, r := range res.Roots {
		roots = append(roots, w.nameOf(r.ID))
	}
	slices.Sort(roots)
	want := slices.Compact(sortedStrings(starts...))
	if !slices.Equal(roots, want) {
		t.Errorf("roots = %v, want %v", roots, want)
	}
	var c impactCounts
	for _, i := range res.Impacted {
		if i.Kind != i.Item.Kind {
			t.Errorf("%s: kind %s but item.kind %s", i.Item.Name, i.Kind, i.Item.Kind)
		}
		if k, ok := w.kinds[w.nameOf(i.Item.ID)]; ok && k != i.Kind {
			t.Errorf("%s: kind %s, want %s", i.Item.Name, i.Kind, k)
		}
		w.checkChain(t, startIDs, i.Item.ID, i.Distance, i.Path, alongImpact)
		c.Total++
		switch i.Kind {
		case "CONFIGURATION_ITEM":
			c.ConfigurationItems++
		case "TECHNICAL_SERVICE":
			c.TechnicalServices++
		case "BUSINESS_SERVICE":
			c.BusinessServices++
		case "BUSINESS_PROCESS":
			c.BusinessProcesses++
		case "BUSINESS_UNIT":
			c.BusinessUnits++
		}
		switch i.Severity {
		case "DOWN":
			c.Down++
		case "DEGRADED":
			c.Degraded++
		default:
			t.Errorf("%s: severity %q", i.Item.Name, i.Severity)
		}
	}
	if res.Counts != c {
		t.Errorf("counts = %+v, want %+v (from the impacted items)", res.Counts, c)
	}
	// The graph: roots without severity, impacted items as listed.
	var nodes []string
	for _, r := range roots {
		nodes = append(nodes, r+":0:-")
	}
	nodes = append(nodes, w.summary(res)...)
	slices.Sort(nodes)
	if got := w.viewNodes(res.Graph); !slices.Equal(got, nodes) {
		t.Errorf("graph nodes = %v\nwant          %v", got, nodes)
	}
	for _, n := range res.Graph.Nodes {
		if n.Item.ID != n.ID || n.Item.Name != n.Name || n.Item.Kind != n.Kind {
			t.Errorf("graph node %s does not match its item %+v", n.Name, n.Item)
		}
	}
	w.checkEdges(t, "graph", res.Graph.Edges)
}

// checkReach checks a Reach answer's invariants: the root, consistent
// kinds and paths crossed the given way, and a graph holding exactly the
// root and the items, without severities.
func (w *world) checkReach(t testing.TB, res reachResult, root string, way string) {
	t.Helper()
	if w.nameOf(res.Root.ID) != root {
		t.Errorf("root = %s, want %s", w.nameOf(res.Root.ID), root)
	}
	nodes := []string{root + ":0:-"}
	for _, i := range res.Items {
		if i.Kind != i.Item.Kind {
			t.Errorf("%s: kind %s but item.kind %s", i.Item.Name, i.Kind, i.Item.Kind)
		}
		w.checkChain(t, []string{w.id(t, root)}, i.Item.ID, i.Distance, i.Path, way)
		nodes = append(nodes, fmt.Sprintf("%s:%d:-", w.nameOf(i.Item.ID), i.Distance))
	}
	slices.Sort(nodes)
	if got := w.viewNodes(res.Graph); !slices.Equal(got, nodes) {
		t.Errorf("graph nodes = %v\nwant          %v", got, nodes)
	}
	w.checkEdges(t, "graph", res.Graph.Edges)
}
