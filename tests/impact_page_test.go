package tests

import (
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

type impactedPage struct {
	ImpactAnalysis struct {
		Counts        struct{ Total int }
		ImpactedItems struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   string
			}
			Edges []struct {
				Node struct {
					Item     struct{ Name string }
					Distance int
					Severity string
					Path     []struct{ Type string }
				}
			}
		}
	}
}

func (p impactedPage) names() string {
	var out []string
	for _, e := range p.ImpactAnalysis.ImpactedItems.Edges {
		out = append(out, e.Node.Item.Name)
	}
	return strings.Join(out, " ")
}

// TestImpactedItemsPage: a large analysis is read a page at a time,
// filtered by kind, severity and distance, in the order of impacted; the
// counts stay over the whole analysis.
func TestImpactedItemsPage(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	w.build(t,
		"page-app RUNS_ON page-vm",
		"page-vm HOSTED_ON page-host",
		"page-web DEPENDS_ON page-app",
		"page-api DEPENDS_ON page-app",
		"ts:PageSvc DEPENDS_ON page-web",
		"bs:PageShop DEPENDS_ON ts:PageSvc",
	)
	const q = `query($id: ID!, $filter: ImpactedItemFilter, $first: Int, $after: String) {
  impactAnalysis(input: {ciIds: [$id]}) { counts { total }
    impactedItems(filter: $filter, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { item { name } distance severity path { type } } } } } }`
	read := func(vars map[string]any) impactedPage {
		t.Helper()
		vars["id"] = w.id(t, "page-host")
		var out impactedPage
		e.ok(t, e.analyst, q, vars, &out)
		return out
	}

	// Every item, in the order of impacted: nearest first.
	all := read(map[string]any{})
	if got := all.names(); got != "page-vm page-app page-api page-web PageSvc PageShop" {
		t.Fatalf("all items: %s", got)
	}
	if all.ImpactAnalysis.Counts.Total != 6 || all.ImpactAnalysis.ImpactedItems.TotalCount != 6 || all.ImpactAnalysis.ImpactedItems.PageInfo.HasNextPage {
		t.Errorf("counts %+v", all.ImpactAnalysis)
	}
	if p := all.ImpactAnalysis.ImpactedItems.Edges[2].Node.Path; len(p) != 3 {
		t.Errorf("path to page-api has %d steps, want 3", len(p))
	}

	// Pages of two follow one another.
	var pages []string
	after := any(nil)
	for range 4 {
		p := read(map[string]any{"first": 2, "after": after})
		pages = append(pages, p.names())
		if !p.ImpactAnalysis.ImpactedItems.PageInfo.HasNextPage {
			break
		}
		after = p.ImpactAnalysis.ImpactedItems.PageInfo.EndCursor
	}
	if got := strings.Join(pages, " | "); got != "page-vm page-app | page-api page-web | PageSvc PageShop" {
		t.Errorf("pages: %s", got)
	}

	// Filters: the counts stay over the whole analysis.
	for _, tc := range []struct {
		filter map[string]any
		want   string
	}{
		{map[string]any{"kinds": []string{"CONFIGURATION_ITEM"}}, "page-vm page-app page-api page-web"},
		{map[string]any{"kinds": []string{"TECHNICAL_SERVICE", "BUSINESS_SERVICE"}}, "PageSvc PageShop"},
		{map[string]any{"maxDistance": 2}, "page-vm page-app"},
		{map[string]any{"severities": []string{"DEGRADED"}}, ""},
	} {
		p := read(map[string]any{"filter": tc.filter})
		if got := p.names(); got != tc.want {
			t.Errorf("filter %v: %q, want %q", tc.filter, got, tc.want)
		}
		if p.ImpactAnalysis.Counts.Total != 6 || p.ImpactAnalysis.ImpactedItems.TotalCount != len(strings.Fields(tc.want)) {
			t.Errorf("filter %v: counts %d, totalCount %d", tc.filter, p.ImpactAnalysis.Counts.Total, p.ImpactAnalysis.ImpactedItems.TotalCount)
		}
	}

	e.fail(t, e.analyst, q, map[string]any{"id": w.id(t, "page-host"), "after": "bm90LWEtY3Vyc29y"}, "BAD_USER_INPUT")
	e.fail(t, e.analyst, q, map[string]any{"id": w.id(t, "page-host"), "first": 1001}, "BAD_USER_INPUT")
}
