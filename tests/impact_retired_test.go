package tests

import (
	"slices"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// TestRetiredItemsAreLeftOutEverywhere: as impact, dependents and
// dependencies leave retired CIs out, so do neighbourhoods and paths
// unless asked to include them; an impact analysis of a retired CI says
// why it impacts nothing.
func TestRetiredItemsAreLeftOutEverywhere(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	w.build(t, "app DEPENDS_ON old-db", "old-db RUNS_ON host", "app DEPENDS_ON new-db", "new-db RUNS_ON host",
		"batch DEPENDS_ON legacy", "legacy RUNS_ON host2")
	e.retireCI(t, w.id(t, "old-db"), 1, "migrated to new-db")
	e.retireCI(t, w.id(t, "legacy"), 1, "")

	around := func(name string, retired any) []string {
		got := w.reach(t, neighbourhoodQuery, "neighbourhood", map[string]any{"id": w.id(t, name), "d": 2, "retired": retired})
		out := w.reached(got)
		slices.Sort(out)
		return out
	}
	equalStrings(t, "app's neighbourhood", around("app", nil), []string{"host:2", "new-db:1"})
	equalStrings(t, "app's neighbourhood, retired included", around("app", true), []string{"host:2", "new-db:1", "old-db:1"})
	// A retired start is kept: its neighbours are its history.
	equalStrings(t, "old-db's neighbourhood", around("old-db", false), []string{"app:1", "host:1", "new-db:2"})

	paths := func(from, to string, retired any) []string {
		var out struct {
			Paths pathsResult `json:"paths"`
		}
		e.ok(t, e.analyst, pathsQuery, map[string]any{"from": w.id(t, from), "to": w.id(t, to), "retired": retired}, &out)
		var got []string
		for _, p := range out.Paths.Paths {
			got = append(got, w.path(p.Edges))
		}
		slices.Sort(got)
		return got
	}
	equalStrings(t, "app to host", paths("app", "host", nil), []string{"app-DEPENDS_ON->new-db new-db-RUNS_ON->host"})
	equalStrings(t, "app to host, retired included", paths("app", "host", true),
		[]string{"app-DEPENDS_ON->new-db new-db-RUNS_ON->host", "app-DEPENDS_ON->old-db old-db-RUNS_ON->host"})
	equalStrings(t, "only through a retired CI", paths("batch", "host2", false), nil)
	equalStrings(t, "to a retired end", paths("app", "old-db", false),
		[]string{"app-DEPENDS_ON->new-db new-db-RUNS_ON->host old-db-RUNS_ON->host", "app-DEPENDS_ON->old-db"})

	var out struct {
		ImpactAnalysis struct {
			RetiredRoots []gItem      `json:"retiredRoots"`
			Counts       impactCounts `json:"counts"`
		} `json:"impactAnalysis"`
	}
	e.ok(t, e.analyst, `query($in: ImpactAnalysisInput!) { impactAnalysis(input: $in) { retiredRoots { id } counts { total } } }`,
		map[string]any{"in": map[string]any{"ciIds": w.idsOf(t, "old-db", "new-db")}}, &out)
	if r := out.ImpactAnalysis.RetiredRoots; len(r) != 1 || r[0].ID != w.id(t, "old-db") || out.ImpactAnalysis.Counts.Total != 1 {
		t.Fatalf("impact of a retired and a live CI: %+v", out.ImpactAnalysis)
	}
}

// TestCIShowsTheServicesUsingIt: a technical service's dependence on a CI
// is visible from the CI.
func TestCIShowsTheServicesUsingIt(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	w.build(t, "ts:Orders DEPENDS_ON orders-db", "ts:Reports DEPENDS_ON orders-db", "ts:HR DEPENDS_ON hr-db", "bs:Shop DEPENDS_ON ts:Orders")
	var out struct {
		ConfigurationItem struct {
			UsedByServices []named `json:"usedByServices"`
		} `json:"configurationItem"`
	}
	e.ok(t, e.analyst, `query($id: ID!) { configurationItem(id: $id) { usedByServices { id name } } }`, map[string]any{"id": w.id(t, "orders-db")}, &out)
	equalStrings(t, "services using orders-db", names(out.ConfigurationItem.UsedByServices), []string{"Orders", "Reports"})
}
