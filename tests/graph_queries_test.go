package tests

import (
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// reachCase is one dependencies, dependents, supportingTree or
// neighbourhood request with its exact answer.
type reachCase struct {
	name  string
	query string
	field string
	root  string
	depth any
	types []string
	// want lists the reached items as "name:distance" in answer order.
	want  []string
	edges []string // when not nil, the graph's exact edges
	paths map[string]string
}

// pathLine renders a path as its item names joined by ">" after checking
// that its edges join consecutive items.
func (w *world) pathLine(t testing.TB, p gPath) string {
	t.Helper()
	names := make([]string, len(p.Items))
	for i, it := range p.Items {
		names[i] = w.nameOf(it.ID)
	}
	line := strings.Join(names, ">")
	if p.Length != len(p.Edges) || len(p.Items) != len(p.Edges)+1 {
		t.Errorf("path %s: length %d with %d edges and %d items", line, p.Length, len(p.Edges), len(p.Items))
		return line
	}
	for i, e := range p.Edges {
		a, b := p.Items[i].ID, p.Items[i+1].ID
		if !(e.SourceID == a && e.TargetID == b) && !(e.SourceID == b && e.TargetID == a) {
			t.Errorf("path %s: edge %d (%s) does not join %s and %s", line, i, w.edge(e), w.nameOf(a), w.nameOf(b))
		}
	}
	w.checkEdges(t, "path "+line, p.Edges)
	return line
}

// TestGraphQueries checks dependencies, dependents, supportingTree,
// neighbourhood and paths exactly on one topology.
func TestGraphQueries(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	w.build(t,
		"bu:Sales CONSUMES bs:Webshop",
		"bs:Webshop SUPPORTS bp:Ordering",
		"bs:Webshop DEPENDS_ON ts:Checkout",
		"ts:Checkout DEPENDS_ON ts:Payments",
		"ts:Checkout DEPENDS_ON app",
		"ts:Payments DEPENDS_ON db",
		"app DEPENDS_ON db",
		"app RUNS_ON vm",
		"vm HOSTED_ON host",
		"db DOCUMENTED_BY runbook",
		"host CONNECTS_TO switch",
	)
	w.item(t, "lonely")

	toHost := "Webshop-DEPENDS_ON->Checkout Checkout-DEPENDS_ON->app app-RUNS_ON->vm vm-HOSTED_ON->host"
	cases := []reachCase{
		{name: "dependencies of a business service", query: dependenciesQuery, field: "dependencies", root: "Webshop",
			want: []string{"Checkout:1", "app:2", "Payments:2", "db:3", "vm:3", "host:4", "switch:5"},
			edges: []string{"Webshop-DEPENDS_ON->Checkout", "Checkout-DEPENDS_ON->Payments", "Checkout-DEPENDS_ON->app", "Payments-DEPENDS_ON->db",
				"app-DEPENDS_ON->db", "app-RUNS_ON->vm", "vm-HOSTED_ON->host", "host-CONNECTS_TO->switch"},
			paths: map[string]string{"host": toHost, "switch": toHost + " host-CONNECTS_TO->switch", "Payments": "Webshop-DEPENDS_ON->Checkout Checkout-DEPENDS_ON->Payments"}},
		{name: "dependencies, depth 1", query: dependenciesQuery, field: "dependencies", root: "Webshop", depth: 1,
			want: []string{"Checkout:1"}, edges: []string{"Webshop-DEPENDS_ON->Checkout"}},
		{name: "dependencies, depth 2", query: dependenciesQuery, field: "dependencies", root: "Webshop", depth: 2,
			want: []string{"Checkout:1", "app:2", "Payments:2"}, edges: []string{"Webshop-DEPENDS_ON->Checkout", "Checkout-DEPENDS_ON->Payments", "Checkout-DEPENDS_ON->app"}},
		{name: "dependencies of a business unit", query: dependenciesQuery, field: "dependencies", root: "Sales",
			want: []string{"Webshop:1", "Checkout:2", "app:3", "Payments:3", "db:4", "vm:4", "host:5", "switch:6"}},
		{name: "dependencies of a business process", query: dependenciesQuery, field: "dependencies", root: "Ordering",
			want: []string{"Webshop:1", "Checkout:2", "app:3", "Payments:3", "db:4", "vm:4", "host:5", "switch:6"}},
		{name: "dependencies do not follow DOCUMENTED_BY", query: dependenciesQuery, field: "dependencies", root: "db", want: []string{}, edges: []string{}},
		{name: "dependencies of the bottom", query: dependenciesQuery, field: "dependencies", root: "switch", want: []string{}, edges: []string{}},

		{name: "dependents of a database", query: dependentsQuery, field: "dependents", root: "db",
			want: []string{"app:1", "Payments:1", "Checkout:2", "Webshop:3", "Ordering:4", "Sales:4"},
			edges: []string{"app-DEPENDS_ON->db", "Payments-DEPENDS_ON->db", "Checkout-DEPENDS_ON->app", "Checkout-DEPENDS_ON->Payments",
				"Webshop-DEPENDS_ON->Checkout", "Webshop-SUPPORTS->Ordering", "Sales-CONSUMES->Webshop"}},
		{name: "dependents, depth 2", query: dependentsQuery, field: "dependents", root: "db", depth: 2,
			want: []string{"app:1", "Payments:1", "Checkout:2"}},
		{name: "dependents of a switch", query: dependentsQuery, field: "dependents", root: "switch",
			want:  []string{"host:1", "vm:2", "app:3", "Checkout:4", "Webshop:5", "Ordering:6", "Sales:6"},
			paths: map[string]string{"Sales": "host-CONNECTS_TO->switch vm-HOSTED_ON->host app-RUNS_ON->vm Checkout-DEPENDS_ON->app Webshop-DEPENDS_ON->Checkout Sales-CONSUMES->Webshop"}},
		{name: "dependents do not follow DOCUMENTED_BY", query: dependentsQuery, field: "dependents", root: "runbook", want: []string{}, edges: []string{}},
		{name: "dependents of the top", query: dependentsQuery, field: "dependents", root: "Sales", want: []string{}},

		{name: "supporting tree of a business service", query: supportingTreeQuery, field: "supportingTree", root: "Webshop",
			want: []string{"Checkout:1", "app:2", "Payments:2", "db:3", "vm:3", "host:4", "switch:5"}},
		{name: "supporting tree, depth 1", query: supportingTreeQuery, field: "supportingTree", root: "Webshop", depth: 1, want: []string{"Checkout:1"}},
		{name: "supporting tree of a technical service", query: supportingTreeQuery, field: "supportingTree", root: "Checkout",
			want: []string{"app:1", "Payments:1", "db:2", "vm:2", "host:3", "switch:4"}},

		{name: "neighbourhood, default depth", query: neighbourhoodQuery, field: "neighbourhood", root: "db",
			want: []string{"app:1", "runbook:1", "Payments:1"}, edges: []string{"app-DEPENDS_ON->db", "Payments-DEPENDS_ON->db", "db-DOCUMENTED_BY->runbook"}},
		{name: "neighbourhood, depth 1", query: neighbourhoodQuery, field: "neighbourhood", root: "db", depth: 1,
			want: []string{"app:1", "runbook:1", "Payments:1"}},
		{name: "neighbourhood, depth 2", query: neighbourhoodQuery, field: "neighbourhood", root: "db", depth: 2,
			want:  []string{"app:1", "runbook:1", "Payments:1", "vm:2", "Checkout:2"},
			edges: []string{"app-DEPENDS_ON->db", "Payments-DEPENDS_ON->db", "db-DOCUMENTED_BY->runbook", "app-RUNS_ON->vm", "Checkout-DEPENDS_ON->app", "Checkout-DEPENDS_ON->Payments"}},
		{name: "neighbourhood, depth 5", query: neighbourhoodQuery, field: "neighbourhood", root: "db", depth: 5,
			want: []string{"app:1", "runbook:1", "Payments:1", "vm:2", "Checkout:2", "host:3", "Webshop:3", "switch:4", "Ordering:4", "Sales:4"}},
		{name: "neighbourhood across DOCUMENTED_BY only", query: neighbourhoodQuery, field: "neighbourhood", root: "db", depth: 1, types: []string{"DOCUMENTED_BY"},
			want: []string{"runbook:1"}, edges: []string{"db-DOCUMENTED_BY->runbook"}},
		{name: "neighbourhood across DEPENDS_ON only", query: neighbourhoodQuery, field: "neighbourhood", root: "db", depth: 2, types: []string{"DEPENDS_ON"},
			want: []string{"app:1", "Payments:1", "Checkout:2"}, edges: []string{"app-DEPENDS_ON->db", "Payments-DEPENDS_ON->db", "Checkout-DEPENDS_ON->app", "Checkout-DEPENDS_ON->Payments"}},
		{name: "neighbourhood across two types", query: neighbourhoodQuery, field: "neighbourhood", root: "db", depth: 2, types: []string{"DEPENDS_ON", "DOCUMENTED_BY"},
			want: []string{"app:1", "runbook:1", "Payments:1", "Checkout:2"}},
		{name: "neighbourhood across a type the item lacks", query: neighbourhoodQuery, field: "neighbourhood", root: "db", depth: 5, types: []string{"RUNS_ON"},
			want: []string{}, edges: []string{}},
		{name: "neighbourhood of a business service", query: neighbourhoodQuery, field: "neighbourhood", root: "Webshop",
			want: []string{"Checkout:1", "Ordering:1", "Sales:1"}},
		{name: "neighbourhood across catalogue types", query: neighbourhoodQuery, field: "neighbourhood", root: "Webshop", types: []string{"CONSUMES", "SUPPORTS"},
			want: []string{"Ordering:1", "Sales:1"}, edges: []string{"Webshop-SUPPORTS->Ordering", "Sales-CONSUMES->Webshop"}},
		{name: "neighbourhood of an isolated CI", query: neighbourhoodQuery, field: "neighbourhood", root: "lonely", depth: 5, want: []string{}, edges: []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vars := map[string]any{"id": w.id(t, c.root), "d": c.depth}
			if c.types != nil {
				vars["types"] = c.types
			}
			res := w.reach(t, c.query, c.field, vars)
			way := againstImpact
			switch c.field {
			case "dependents":
				way = alongImpact
			case "neighbourhood":
				way = anyWay
			}
			w.checkReach(t, res, c.root, way)
			equalStrings(t, "items", w.reached(res), c.want)
			if res.ReachedCount != len(res.Items) {
				t.Errorf("reachedCount %d, want the %d items", res.ReachedCount, len(res.Items))
			}
			if c.edges != nil {
				equalStrings(t, "graph edges", w.viewEdges(res.Graph), sortedStrings(c.edges...))
			}
			for name, want := range c.paths {
				for _, i := range res.Items {
					if i.Item.ID == w.id(t, name) && w.path(i.Path) != want {
						t.Errorf("path to %s:\n got  %s\n want %s", name, w.path(i.Path), want)
					}
				}
			}
			for _, i := range res.Items {
				if k := w.kinds[w.nameOf(i.Item.ID)]; k != i.Kind {
					t.Errorf("%s: kind %s, want %s", i.Item.Name, i.Kind, k)
				}
			}
		})
	}

	t.Run("paths", func(t *testing.T) {
		pathCases := []struct {
			name          string
			from, to      string
			maxLen, limit any
			types         []string
			want          []string // in answer order
			anyOrder      bool     // the paths have equal lengths
		}{
			{name: "shortest first", from: "host", to: "db", want: []string{"host>vm>app>db", "host>vm>app>Checkout>Payments>db"}},
			{name: "limit 1", from: "host", to: "db", limit: 1, want: []string{"host>vm>app>db"}},
			{name: "limit 10", from: "host", to: "db", limit: 10, want: []string{"host>vm>app>db", "host>vm>app>Checkout>Payments>db"}},
			{name: "maxLength 4", from: "host", to: "db", maxLen: 4, want: []string{"host>vm>app>db"}},
			{name: "maxLength 3", from: "host", to: "db", maxLen: 3, want: []string{"host>vm>app>db"}},
			{name: "maxLength 2: no path", from: "host", to: "db", maxLen: 2, want: []string{}},
			{name: "the reverse way", from: "db", to: "host", want: []string{"db>app>vm>host", "db>Payments>Checkout>app>vm>host"}},
			{name: "across non-propagating relationships", from: "runbook", to: "switch", want: []string{"runbook>db>app>vm>host>switch"}},
			{name: "maxLength 10", from: "runbook", to: "switch", maxLen: 10, want: []string{"runbook>db>app>vm>host>switch", "runbook>db>Payments>Checkout>app>vm>host>switch"}},
			{name: "up to the business", from: "Sales", to: "db", anyOrder: true, want: []string{"Sales>Webshop>Checkout>Payments>db", "Sales>Webshop>Checkout>app>db"}},
			{name: "only DEPENDS_ON", from: "app", to: "db", types: []string{"DEPENDS_ON"}, want: []string{"app>db", "app>Checkout>Payments>db"}},
			{name: "only DEPENDS_ON: no path", from: "host", to: "db", types: []string{"DEPENDS_ON"}, want: []string{}},
			{name: "no path at all", from: "lonely", to: "db", want: []string{}},
		}
		for _, c := range pathCases {
			t.Run(c.name, func(t *testing.T) {
				vars := map[string]any{"from": w.id(t, c.from), "to": w.id(t, c.to), "len": c.maxLen, "limit": c.limit}
				if c.types != nil {
					vars["types"] = c.types
				}
				var out struct {
					Paths pathsResult `json:"paths"`
				}
				e.ok(t, e.analyst, pathsQuery, vars, &out)
				var got []string
				nodes, edges := map[string]bool{}, map[string]bool{}
				for i, p := range out.Paths.Paths {
					got = append(got, w.pathLine(t, p))
					if i > 0 && p.Length < out.Paths.Paths[i-1].Length {
						t.Errorf("path %d is shorter than path %d", i, i-1)
					}
					for _, it := range p.Items {
						nodes[w.nameOf(it.ID)] = true
					}
					for _, ed := range p.Edges {
						edges[w.edge(ed)] = true
					}
				}
				if c.anyOrder {
					slices.Sort(got)
				}
				equalStrings(t, "paths", got, c.want)
				var gotNodes []string
				for _, n := range out.Paths.Graph.Nodes {
					gotNodes = append(gotNodes, w.nameOf(n.ID))
					if n.Severity != nil {
						t.Errorf("graph node %s has severity %s", n.Name, *n.Severity)
					}
				}
				slices.Sort(gotNodes)
				equalStrings(t, "graph nodes", gotNodes, slices.Sorted(func(yield func(string) bool) {
					for k := range nodes {
						if !yield(k) {
							return
						}
					}
				}))
				wantEdges := []string{}
				for k := range edges {
					wantEdges = append(wantEdges, k)
				}
				equalStrings(t, "graph edges", w.viewEdges(out.Paths.Graph), sortedStrings(wantEdges...))
			})
		}
	})

	// A path between two items visits each item once: a walk that reaches
	// the target, goes round a loop and comes back to it is no path.
	t.Run("paths visit each item once", func(t *testing.T) {
		w.build(t, "px DEPENDS_ON py", "py DEPENDS_ON pp", "pp DEPENDS_ON pq", "pq DEPENDS_ON py", "pz DEPENDS_ON px", "pz DEPENDS_ON pp")
		var out struct {
			Paths pathsResult `json:"paths"`
		}
		e.ok(t, e.analyst, pathsQuery, map[string]any{"from": w.id(t, "px"), "to": w.id(t, "py"), "limit": 10}, &out)
		var got []string
		for _, p := range out.Paths.Paths {
			got = append(got, w.pathLine(t, p))
		}
		// Simple paths from px to py: px>py, px>pz>pp>py, px>pz>pp>pq>py.
		equalStrings(t, "paths px → py", got, []string{"px>py", "px>pz>pp>py", "px>pz>pp>pq>py"})
	})
}
