package impact

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/cmdb"
)

// topo builds a subgraph the way the store mirrors relationships: each
// "source TYPE target" becomes impact steps along the type's direction.
// Nodes named like "pool:2/3" are redundancy groups needing 2 of 3 members.
func topo(t *testing.T, rels ...string) Subgraph {
	t.Helper()
	g := Subgraph{}
	node := func(spec string) *Node {
		id, group, _ := strings.Cut(spec, ":")
		n, ok := g[id]
		if !ok {
			n = &Node{ID: id, Kind: catalog.KindCI, Item: cmdb.CI{ID: id, Name: id}}
			g[id] = n
		}
		if group != "" {
			if _, err := fmt.Sscanf(group, "%d/%d", &n.MinimumUp, &n.Members); err != nil {
				t.Fatalf("bad group spec %q", spec)
			}
		}
		return n
	}
	for i, r := range rels {
		f := strings.Fields(r)
		if len(f) == 1 {
			node(f[0])
			continue
		}
		src, tgt := node(f[0]), node(f[2])
		rt, ok := cmdb.LookupRelType(f[1])
		if !ok {
			t.Fatalf("unknown type in %q", r)
		}
		e := Edge{ID: fmt.Sprintf("r%02d", i), Type: rt.Name, Source: src.ID, Target: tgt.ID}
		if rt.Impact == cmdb.SourceImpactsTarget || rt.Impact == cmdb.BothWays {
			src.Out = append(src.Out, Step{From: src.ID, To: tgt.ID, Edge: e})
		}
		if rt.Impact == cmdb.TargetImpactsSource || rt.Impact == cmdb.BothWays {
			tgt.Out = append(tgt.Out, Step{From: tgt.ID, To: src.ID, Edge: e})
		}
	}
	return g
}

// summary renders a result as "id:distance:SEVERITY" sorted by id.
func summary(r Result) string {
	var parts []string
	for _, i := range r.Impacted {
		parts = append(parts, fmt.Sprintf("%s:%d:%s", i.Node.ID, i.Distance, i.Severity))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func pathText(p []Step) string {
	var ids []string
	for i, s := range p {
		if i == 0 {
			ids = append(ids, s.From)
		}
		ids = append(ids, s.To)
	}
	return strings.Join(ids, ">")
}

func TestAnalyze(t *testing.T) {
	tests := []struct {
		name   string
		rels   []string
		starts []string
		depth  int
		want   string
	}{
		{"chain", []string{"app DEPENDS_ON db", "db RUNS_ON vm", "vm HOSTED_ON host"}, []string{"host"}, 10,
			"app:3:DOWN db:2:DOWN vm:1:DOWN"},
		{"depth limit", []string{"app DEPENDS_ON db", "db RUNS_ON vm", "vm HOSTED_ON host"}, []string{"host"}, 2,
			"db:2:DOWN vm:1:DOWN"},
		{"failure does not travel against a dependency", []string{"app DEPENDS_ON db"}, []string{"app"}, 10, ""},
		{"non-propagating types", []string{"app DOCUMENTED_BY doc", "db BACKED_UP_BY backup", "db REPLICATES_TO replica"}, []string{"doc", "backup", "db"}, 10, ""},
		{"part of flows upwards", []string{"disk PART_OF array", "vol STORES_DATA_ON array"}, []string{"disk"}, 10,
			"array:1:DOWN vol:2:DOWN"},
		{"interdependence goes both ways", []string{"a INTERDEPENDS_WITH b", "x DEPENDS_ON a"}, []string{"b"}, 10, "a:1:DOWN x:2:DOWN"},
		{"a network link impacts the connected end only", []string{"host CONNECTS_TO switch"}, []string{"host"}, 10, ""},
		{"diamond reported once", []string{"app DEPENDS_ON db1", "app DEPENDS_ON db2", "db1 RUNS_ON host", "db2 RUNS_ON host"}, []string{"host"}, 10,
			"app:2:DOWN db1:1:DOWN db2:1:DOWN"},
		{"cycle terminates", []string{"a DEPENDS_ON b", "b DEPENDS_ON c", "c DEPENDS_ON a"}, []string{"a"}, 10, "b:2:DOWN c:1:DOWN"},
		{"redundancy above minimum", []string{"w1 MEMBER_OF pool:1/3", "w2 MEMBER_OF pool", "w3 MEMBER_OF pool", "app RUNS_ON pool"}, []string{"w1"}, 10,
			"app:2:DEGRADED pool:1:DEGRADED"},
		{"redundancy at minimum", []string{"w1 MEMBER_OF pool:2/3", "w2 MEMBER_OF pool", "w3 MEMBER_OF pool", "app RUNS_ON pool"}, []string{"w1"}, 10,
			"app:2:DEGRADED pool:1:DEGRADED"},
		{"redundancy below minimum: failures count together", []string{"w1 MEMBER_OF pool:2/3", "w2 MEMBER_OF pool", "w3 MEMBER_OF pool", "app RUNS_ON pool"}, []string{"w1", "w2"}, 10,
			"app:2:DOWN pool:1:DOWN"},
		{"members lost through a shared host", []string{"w1 MEMBER_OF pool:1/2", "w2 MEMBER_OF pool", "w1 HOSTED_ON h", "w2 HOSTED_ON h", "app RUNS_ON pool"}, []string{"h"}, 10,
			"app:3:DOWN pool:2:DOWN w1:1:DOWN w2:1:DOWN"},
		{"a degraded member still counts as up", []string{"inner1 MEMBER_OF inner:1/2", "inner2 MEMBER_OF inner", "inner MEMBER_OF outer:2/2", "o2 MEMBER_OF outer", "app RUNS_ON outer"}, []string{"inner1"}, 10,
			"app:3:DEGRADED inner:1:DEGRADED outer:2:DEGRADED"},
		{"down wins over degraded", []string{"w1 MEMBER_OF pool:1/2", "w2 MEMBER_OF pool", "app RUNS_ON pool", "app DEPENDS_ON db", "db RUNS_ON w1"}, []string{"w1"}, 10,
			"app:2:DOWN db:1:DOWN pool:1:DEGRADED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := topo(t, tt.rels...)
			res := Analyze(g, tt.starts, tt.depth)
			if got := summary(res); got != tt.want {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
			if len(res.Roots) != len(tt.starts) {
				t.Fatalf("%d roots, want %d", len(res.Roots), len(tt.starts))
			}
			for _, r := range res.Roots {
				if p := res.Path(r.Node.ID); len(p) != 0 {
					t.Errorf("start %s has path %s", r.Node.ID, pathText(p))
				}
			}
			// Each path is a chain from a start item to its item, as long
			// as the item's distance.
			for _, i := range res.Impacted {
				p := res.Path(i.Node.ID)
				if len(p) != i.Distance || !slices.Contains(tt.starts, p[0].From) || p[len(p)-1].To != i.Node.ID {
					t.Errorf("%s: path %s for distance %d", i.Node.ID, pathText(p), i.Distance)
					continue
				}
				for k := 1; k < len(p); k++ {
					if p[k].From != p[k-1].To {
						t.Errorf("%s: broken path %s", i.Node.ID, pathText(p))
					}
				}
			}
		})
	}
}

func TestShortestPathIsReported(t *testing.T) {
	g := topo(t,
		"svc DEPENDS_ON app", "app DEPENDS_ON mid1", "mid1 DEPENDS_ON mid2", "mid2 RUNS_ON host", // long way
		"svc USES host", // short way
	)
	res := Analyze(g, []string{"host"}, 10)
	for _, i := range res.Impacted {
		if i.Node.ID == "svc" {
			p := res.Path("svc")
			if i.Distance != 1 || pathText(p) != "host>svc" || p[0].Edge.Type != "USES" || p[0].Edge.Source != "svc" {
				t.Fatalf("svc: distance %d, path %s via %+v", i.Distance, pathText(p), p)
			}
			return
		}
	}
	t.Fatal("svc not impacted")
}

func TestResultOrderCountsAndEdges(t *testing.T) {
	g := topo(t, "zeta DEPENDS_ON host", "alpha DEPENDS_ON host", "bs DEPENDS_ON alpha", "unit CONSUMES bs", "orphan")
	g["bs"].Kind = catalog.KindBusinessService
	g["unit"].Kind = catalog.KindBusinessUnit
	res := Analyze(g, []string{"host"}, 10)
	var order []string
	for _, i := range res.Impacted {
		order = append(order, i.Node.ID)
	}
	if strings.Join(order, " ") != "alpha zeta bs unit" {
		t.Fatalf("order %v", order)
	}
	if res.Count(catalog.KindCI) != 2 || res.Count(catalog.KindBusinessService) != 1 || res.Count(catalog.KindBusinessUnit) != 1 || res.CountSeverity(Down) != 4 {
		t.Fatalf("counts wrong: %+v", res)
	}
	if len(res.Edges()) != 4 {
		t.Fatalf("edges %+v", res.Edges())
	}
	if p := res.Path(res.Impacted[3].Node.ID); pathText(p) != "host>alpha>bs>unit" {
		t.Fatalf("unit path %s", pathText(p))
	}
}
