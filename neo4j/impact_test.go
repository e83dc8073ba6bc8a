package neo4j_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/impact"
)

// graphFixture builds CIs and catalogue items by name from "a TYPE b" lines.
type graphFixture struct {
	fixture
	cat  *catalog.Catalog
	an   *impact.Analyzer
	byID map[string]string // id → name
	ids  map[string]string // name → id
}

func newGraph(t *testing.T) *graphFixture {
	f := setup(t)
	c := &clock{}
	return &graphFixture{
		fixture: f,
		cat:     catalog.New(f.store.Catalog(), c.now, ids.New),
		an:      impact.NewAnalyzer(f.store.Impact(), impact.DefaultLimits()),
		byID:    map[string]string{}, ids: map[string]string{},
	}
}

// item creates a node named name: "bs:" and "ts:" prefixes make business
// and technical services, "bu:" a unit, "bp:" a process, "pool:N" a CI
// redundancy group needing N members; anything else is a CI.
func (g *graphFixture) item(t *testing.T, spec string) string {
	t.Helper()
	name := spec
	if i := strings.Index(spec, ":"); i > 0 && spec[:i] != "pool" {
		name = spec[i+1:]
	}
	if id, ok := g.ids[name]; ok {
		return id
	}
	var id string
	switch {
	case strings.HasPrefix(spec, "bs:"), strings.HasPrefix(spec, "ts:"):
		kind := catalog.KindBusinessService
		if spec[0] == 't' {
			kind = catalog.KindTechnicalService
		}
		s, err := g.cat.CreateService(g.ctx, auth.Principal{}, catalog.CreateServiceInput{Kind: kind, Name: name, Status: ptr(catalog.StatusLive)})
		if err != nil {
			t.Fatal(err)
		}
		id = s.ID
	case strings.HasPrefix(spec, "bu:"):
		u, err := g.cat.CreateUnit(g.ctx, auth.Principal{}, catalog.CreateUnitInput{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		id = u.ID
	case strings.HasPrefix(spec, "bp:"):
		p, err := g.cat.CreateProcess(g.ctx, auth.Principal{}, catalog.CreateProcessInput{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		id = p.ID
	default:
		var minUp *int
		if n, err := fmt.Sscanf(spec, "pool:%d", new(int)); n == 1 && err == nil {
			var m int
			fmt.Sscanf(spec, "pool:%d", &m)
			minUp = &m
			name = "pool"
		}
		id = g.create(t, name, cmdb.TypeServer, func(in *cmdb.CreateInput) { in.MinimumUp = minUp }).ID
	}
	g.ids[name], g.byID[id] = id, name
	return id
}

func (g *graphFixture) build(t *testing.T, rels ...string) {
	t.Helper()
	for _, r := range rels {
		f := strings.Fields(r)
		src, tgt := g.item(t, f[0]), g.item(t, f[2])
		if strings.HasPrefix(src, cmdb.CIPrefix+"_") && strings.HasPrefix(tgt, cmdb.CIPrefix+"_") {
			if _, _, err := g.svc.Relate(g.ctx, auth.Principal{Subject: "t"}, cmdb.RelateInput{SourceID: src, Type: f[1], TargetID: tgt}); err != nil {
				t.Fatalf("%s: %v", r, err)
			}
			continue
		}
		if _, err := g.cat.Link(g.ctx, auth.Principal{Subject: "t"}, catalog.LinkInput{SourceID: src, Type: f[1], TargetID: tgt}); err != nil {
			t.Fatalf("%s: %v", r, err)
		}
	}
}

// pathNames spells each path as its items' names joined by ">".
func (g *graphFixture) pathNames(paths []impact.Path) []string {
	var out []string
	for _, p := range paths {
		var names []string
		for _, n := range p.Nodes {
			names = append(names, g.byID[n.ID])
		}
		out = append(out, strings.Join(names, ">"))
	}
	return out
}

func (g *graphFixture) summary(res impact.Result) string {
	var parts []string
	for _, i := range res.Impacted {
		parts = append(parts, fmt.Sprintf("%s:%d:%s", g.byID[i.Node.ID], i.Distance, i.Severity))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func TestImpactThroughTheStore(t *testing.T) {
	g := newGraph(t)
	g.build(t,
		"bu:Sales CONSUMES bs:Webshop",
		"bs:Webshop SUPPORTS bp:Ordering",
		"bs:Webshop DEPENDS_ON ts:Checkout",
		"ts:Checkout DEPENDS_ON app",
		"app RUNS_ON pool:1",
		"web1 MEMBER_OF pool",
		"web2 MEMBER_OF pool",
		"web1 HOSTED_ON host1",
		"web2 HOSTED_ON host2",
		"app DEPENDS_ON db",
		"db DOCUMENTED_BY runbook",
		"host1 CONNECTS_TO switch",
		"host2 CONNECTS_TO switch",
	)
	depth := 10
	tests := []struct {
		starts []string
		want   string
	}{
		{[]string{"host1"}, "Ordering:6:DEGRADED Sales:6:DEGRADED Webshop:5:DEGRADED app:3:DEGRADED Checkout:4:DEGRADED pool:2:DEGRADED web1:1:DOWN"},
		{[]string{"switch"}, "Ordering:7:DOWN Sales:7:DOWN Webshop:6:DOWN app:4:DOWN Checkout:5:DOWN pool:3:DOWN web1:2:DOWN web2:2:DOWN host1:1:DOWN host2:1:DOWN"},
		{[]string{"db"}, "Checkout:2:DOWN Ordering:4:DOWN Sales:4:DOWN Webshop:3:DOWN app:1:DOWN"},
		{[]string{"runbook"}, ""},
		{[]string{"web1", "web2"}, "Checkout:3:DOWN Ordering:5:DOWN Sales:5:DOWN Webshop:4:DOWN app:2:DOWN pool:1:DOWN"},
		{[]string{"Checkout"}, "Ordering:2:DOWN Sales:2:DOWN Webshop:1:DOWN"},
	}
	// Every detail of record reads what severities and names need.
	for _, detail := range []impact.Detail{impact.WholeItems, impact.Summaries, impact.Names} {
		an := g.an.Showing(detail)
		for _, tt := range tests {
			var ids []string
			for _, n := range tt.starts {
				ids = append(ids, g.ids[n])
			}
			res, _, err := an.Impact(g.ctx, ids, &depth)
			if err != nil {
				t.Fatal(tt.starts, err)
			}
			want := strings.Fields(tt.want)
			sort.Strings(want)
			if got := g.summary(res); got != strings.Join(want, " ") {
				t.Errorf("detail %d, %v:\n got  %s\n want %s", detail, tt.starts, got, strings.Join(want, " "))
			}
		}
	}

	// Paths explain with stored relationships: Sales is reached from db
	// through app, Checkout and Webshop.
	res, _, _ := g.an.Impact(g.ctx, []string{g.ids["db"]}, &depth)
	for _, i := range res.Impacted {
		if g.byID[i.Node.ID] != "Sales" {
			continue
		}
		var hops []string
		for _, s := range res.Path(i.Node.ID) {
			hops = append(hops, g.byID[s.Edge.Source]+"-"+s.Edge.Type+"->"+g.byID[s.Edge.Target])
		}
		if strings.Join(hops, " ") != "app-DEPENDS_ON->db Checkout-DEPENDS_ON->app Webshop-DEPENDS_ON->Checkout Sales-CONSUMES->Webshop" {
			t.Fatalf("path to Sales: %v", hops)
		}
		if i.Node.Kind != catalog.KindBusinessUnit {
			t.Fatalf("kind %s", i.Node.Kind)
		}
	}

	// Depth limit, unknown ids, bad depth.
	two := 2
	res, _, _ = g.an.Impact(g.ctx, []string{g.ids["db"]}, &two)
	if g.summary(res) != "Checkout:2:DOWN app:1:DOWN" {
		t.Fatalf("depth 2: %s", g.summary(res))
	}
	if _, _, err := g.an.Impact(g.ctx, []string{g.ids["db"], "ci_nope"}, nil); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	for _, d := range []int{0, -1, impact.MaxSupportedDepth + 1} {
		if _, _, err := g.an.Impact(g.ctx, []string{g.ids["db"]}, &d); !apperr.Is(err, apperr.BadUserInput) {
			t.Fatalf("depth %d: %v", d, err)
		}
	}

	// Dependencies go the other way.
	deps, err := g.an.Dependencies(g.ctx, g.ids["Webshop"], nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := g.summary(deps); got != "Checkout:1: app:2: db:3: host1:5: host2:5: pool:3: switch:6: web1:4: web2:4:" {
		t.Fatalf("dependencies: %s", got)
	}
	dependents, err := g.an.Dependents(g.ctx, g.ids["app"], &two)
	if err != nil || g.summary(dependents) != "Checkout:1:DOWN Webshop:2:DOWN" {
		t.Fatalf("dependents: %s %v", g.summary(dependents), err)
	}

	// Neighbourhood follows relationships in any direction, including
	// non-propagating ones, filtered by type.
	one := 1
	nb, err := g.an.Neighbourhood(g.ctx, g.ids["db"], &one, nil, false, nil)
	if err != nil || g.summary(nb) != "app:1: runbook:1:" {
		t.Fatalf("neighbourhood: %s %v", g.summary(nb), err)
	}
	nb, err = g.an.Neighbourhood(g.ctx, g.ids["app"], &two, []string{"DEPENDS_ON"}, false, nil)
	if err != nil || g.summary(nb) != "Checkout:1: Webshop:2: db:1:" {
		t.Fatalf("neighbourhood by type: %s %v", g.summary(nb), err)
	}

	// Paths between two items, shortest first.
	paths, err := g.an.Paths(g.ctx, g.ids["web1"], g.ids["web2"], nil, ptr(3), nil, false)
	if err != nil || len(paths) != 2 {
		t.Fatalf("paths: %d %v", len(paths), err)
	}
	lines := g.pathNames(paths)
	if lines[0] != "web1>pool>web2" || lines[1] != "web1>host1>switch>host2>web2" {
		t.Fatalf("paths %v", lines)
	}
	if _, err := g.an.Paths(g.ctx, g.ids["web1"], "ci_nope", nil, nil, nil, false); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("path to unknown: %v", err)
	}

	// Retiring a CI stops impact crossing it; removing a relationship too.
	if _, err := g.svc.Retire(g.ctx, auth.Principal{Subject: "t"}, cmdb.RetireInput{ID: g.ids["app"], ExpectedVersion: 1, Reason: ""}); err != nil {
		t.Fatal(err)
	}
	res, _, _ = g.an.Impact(g.ctx, []string{g.ids["db"]}, &depth)
	if g.summary(res) != "" {
		t.Fatalf("after retiring app: %s", g.summary(res))
	}
	if _, err := g.svc.Unrelate(g.ctx, auth.Principal{Subject: "t"}, cmdb.UnrelateInput{SourceID: g.ids["host1"], Type: "CONNECTS_TO", TargetID: g.ids["switch"]}); err != nil {
		t.Fatal(err)
	}
	res, _, _ = g.an.Impact(g.ctx, []string{g.ids["switch"]}, &depth)
	if g.summary(res) != "host2:1:DOWN pool:3:DEGRADED web2:2:DOWN" {
		t.Fatalf("after unrelate: %s", g.summary(res))
	}
}

func TestCatalogLinksAreChecked(t *testing.T) {
	g := newGraph(t)
	g.build(t, "bs:Shop DEPENDS_ON ts:Pay", "ts:Pay DEPENDS_ON db")
	unit := g.item(t, "bu:Finance")
	proc := g.item(t, "bp:Billing")
	refusals := []struct {
		src, typ, tgt string
		code          apperr.Code
	}{
		{g.ids["db"], "DEPENDS_ON", g.ids["Pay"], apperr.BadUserInput},  // a CI does not depend on a service
		{g.ids["Shop"], "DEPENDS_ON", g.ids["db"], apperr.BadUserInput}, // business services need technical ones
		{unit, "SUPPORTS", proc, apperr.BadUserInput},
		{g.ids["Shop"], "CONSUMES", unit, apperr.BadUserInput},
		{g.ids["Shop"], "RUNS_ON", g.ids["Pay"], apperr.BadUserInput},
		{g.ids["Shop"], "DEPENDS_ON", "tsv_nope", apperr.NotFound},
		{g.ids["Shop"], "DEPENDS_ON", g.ids["Shop"], apperr.BadUserInput},
	}
	for _, r := range refusals {
		if _, err := g.cat.Link(g.ctx, auth.Principal{Subject: "t"}, catalog.LinkInput{SourceID: r.src, Type: r.typ, TargetID: r.tgt}); !apperr.Is(err, r.code) {
			t.Errorf("%s %s %s: got %v, want %s", r.src, r.typ, r.tgt, err, r.code)
		}
	}
	if created, err := g.cat.Link(g.ctx, auth.Principal{Subject: "t"}, catalog.LinkInput{SourceID: g.ids["Shop"], Type: "DEPENDS_ON", TargetID: g.ids["Pay"]}); err != nil || created {
		t.Fatalf("existing link: %v %v", created, err)
	}
	if _, _, err := g.svc.Relate(g.ctx, auth.Principal{Subject: "t"}, cmdb.RelateInput{SourceID: g.ids["db"], Type: "CONSUMES", TargetID: g.create(t, "x", cmdb.TypeServer).ID}); !apperr.Is(err, apperr.BadUserInput) {
		t.Fatalf("CONSUMES between CIs: %v", err)
	}
	linked, err := g.cat.Linked(g.ctx, []string{g.ids["Pay"]}, "DEPENDS_ON", false)
	if err != nil || len(linked[g.ids["Pay"]]) != 1 || linked[g.ids["Pay"]][0].(cmdb.CI).Name != "db" {
		t.Fatalf("linked: %+v %v", linked, err)
	}
	if err := g.cat.Unlink(g.ctx, auth.Principal{}, catalog.UnlinkInput{SourceID: g.ids["Pay"], Type: "DEPENDS_ON", TargetID: g.ids["db"]}); err != nil {
		t.Fatal(err)
	}
	if err := g.cat.Unlink(g.ctx, auth.Principal{}, catalog.UnlinkInput{SourceID: g.ids["Pay"], Type: "DEPENDS_ON", TargetID: g.ids["db"]}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unlink twice: %v", err)
	}
	res, _, _ := g.an.Impact(g.ctx, []string{g.ids["db"]}, nil)
	if len(res.Impacted) != 0 {
		t.Fatalf("impact after unlink: %s", g.summary(res))
	}
	// Service lifecycle.
	s, _ := g.cat.Service(g.ctx, g.ids["Shop"])
	if _, err := g.cat.UpdateService(g.ctx, auth.Principal{}, catalog.UpdateServiceInput{ID: s.ID, ExpectedVersion: s.Version, Status: ptr(catalog.StatusPipeline)}); !apperr.Is(err, apperr.InvalidTransition) {
		t.Fatalf("LIVE → PIPELINE: %v", err)
	}
	if _, err := g.cat.UpdateService(g.ctx, auth.Principal{}, catalog.UpdateServiceInput{ID: s.ID, ExpectedVersion: s.Version + 1, Name: ptr("x")}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("stale: %v", err)
	}
	r, err := g.cat.UpdateService(g.ctx, auth.Principal{}, catalog.UpdateServiceInput{ID: s.ID, ExpectedVersion: s.Version, Status: ptr(catalog.StatusRetired)})
	if err != nil || r.Status != catalog.StatusRetired || r.Version != 2 {
		t.Fatalf("retire service: %+v %v", r, err)
	}
}
