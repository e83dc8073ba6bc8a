package tests

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/auth"
)

// subjOwner is the subject of the world's SERVICE_OWNER.
const subjOwner = "e2e-service-owner"

// This file holds the helpers of the service catalogue and impact graph
// tests: a small world builder that creates named CIs, services, units and
// processes through the API and links them, and readers that turn graph
// answers into comparable strings of names. The service, unit and process
// builders are in catalog_helpers_test.go, the answer checks in
// graph_checks_test.go.

// GraphQL fragments shared by the graph queries.
const graphFragments = `
fragment GI on GraphItem { id name kind }
fragment GE on GraphEdge { id type sourceId targetId impactDirection }
fragment GV on GraphView {
  nodes { id kind name type status distance severity item { ...GI } }
  edges { ...GE }
}`

const impactFields = `
fragment IA on ImpactAnalysis {
  maxDepth
  roots { ...GI }
  impacted { item { ...GI } kind distance severity path { ...GE } }
  counts { total configurationItems technicalServices businessServices businessProcesses businessUnits down degraded }
  graph { ...GV }
}` + graphFragments

const reachFields = `
fragment RE on Reach {
  root { ...GI }
  items { item { ...GI } kind distance path { ...GE } }
  reachedCount
  graph { ...GV }
}` + graphFragments

const (
	impactQuery         = `query($in: ImpactAnalysisInput!) { impactAnalysis(input: $in) { ...IA } }` + impactFields
	serviceImpactQuery  = `query($id: ID!, $d: Int) { serviceImpact(serviceId: $id, maxDepth: $d) { ...IA } }` + impactFields
	dependenciesQuery   = `query($id: ID!, $d: Int) { dependencies(id: $id, depth: $d) { ...RE } }` + reachFields
	dependentsQuery     = `query($id: ID!, $d: Int) { dependents(id: $id, depth: $d) { ...RE } }` + reachFields
	supportingTreeQuery = `query($id: ID!, $d: Int) { supportingTree(serviceId: $id, depth: $d) { ...RE } }` + reachFields
	neighbourhoodQuery  = `query($id: ID!, $d: Int, $types: [String!], $retired: Boolean, $first: Int) { neighbourhood(id: $id, depth: $d, types: $types, includeRetired: $retired, first: $first) { ...RE } }` + reachFields
	pathsQuery          = `query($from: ID!, $to: ID!, $len: Int, $limit: Int, $types: [String!], $retired: Boolean) {
  paths(fromId: $from, toId: $to, maxLength: $len, limit: $limit, types: $types, includeRetired: $retired) {
    paths { items { ...GI } edges { ...GE } length }
    graph { ...GV }
  }
}` + graphFragments
)

type gItem struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

type gEdge struct {
	ID              string `json:"id"`
	Type            string `json:"type"`
	SourceID        string `json:"sourceId"`
	TargetID        string `json:"targetId"`
	ImpactDirection string `json:"impactDirection"`
}

type gNode struct {
	ID       string  `json:"id"`
	Kind     string  `json:"kind"`
	Name     string  `json:"name"`
	Type     *string `json:"type"`
	Status   *string `json:"status"`
	Distance int     `json:"distance"`
	Severity *string `json:"severity"`
	Item     gItem   `json:"item"`
}

type gView struct {
	Nodes []gNode `json:"nodes"`
	Edges []gEdge `json:"edges"`
}

type impactCounts struct {
	Total              int `json:"total"`
	ConfigurationItems int `json:"configurationItems"`
	TechnicalServices  int `json:"technicalServices"`
	BusinessServices   int `json:"businessServices"`
	BusinessProcesses  int `json:"businessProcesses"`
	BusinessUnits      int `json:"businessUnits"`
	Down               int `json:"down"`
	Degraded           int `json:"degraded"`
}

type impactedItem struct {
	Item     gItem   `json:"item"`
	Kind     string  `json:"kind"`
	Distance int     `json:"distance"`
	Severity string  `json:"severity"`
	Path     []gEdge `json:"path"`
}

type impactResult struct {
	MaxDepth int            `json:"maxDepth"`
	Roots    []gItem        `json:"roots"`
	Impacted []impactedItem `json:"impacted"`
	Counts   impactCounts   `json:"counts"`
	Graph    gView          `json:"graph"`
}

type reachedItem struct {
	Item     gItem   `json:"item"`
	Kind     string  `json:"kind"`
	Distance int     `json:"distance"`
	Path     []gEdge `json:"path"`
}

type reachResult struct {
	Root         gItem         `json:"root"`
	Items        []reachedItem `json:"items"`
	ReachedCount int           `json:"reachedCount"`
	Graph        gView         `json:"graph"`
}

type gPath struct {
	Items  []gItem `json:"items"`
	Edges  []gEdge `json:"edges"`
	Length int     `json:"length"`
}

type pathsResult struct {
	Paths []gPath `json:"paths"`
	Graph gView   `json:"graph"`
}

// world is a topology built through the API, with its items known by name.
type world struct {
	e *env
	// owner writes the catalogue (a SERVICE_OWNER token).
	owner string
	ids   map[string]string // name → id
	names map[string]string // id → name
	kinds map[string]string // name → ItemKind
	rels  map[string]string // "a-TYPE->b" → relationship id (CI relationships only)
}

func newWorld(t testing.TB, e *env) *world {
	t.Helper()
	return &world{
		e: e, owner: e.mint(t, subjOwner, auth.ServiceOwner),
		ids: map[string]string{}, names: map[string]string{}, kinds: map[string]string{}, rels: map[string]string{},
	}
}

func (w *world) remember(name, id, kind string) {
	w.ids[name], w.names[id], w.kinds[name] = id, name, kind
}

// item returns the id of the item named by spec, creating it first:
// "bs:" and "ts:" make LIVE business and technical services, "bu:" a
// business unit, "bp:" a business process, "poolN:" an ACTIVE CLUSTER CI
// needing N members up; any other spec is an ACTIVE SERVER CI of that name.
func (w *world) item(t testing.TB, spec string) string {
	t.Helper()
	prefix, name, ok := strings.Cut(spec, ":")
	if !ok {
		prefix, name = "", spec
	}
	if id, ok := w.ids[name]; ok {
		return id
	}
	switch {
	case prefix == "bs" || prefix == "ts":
		kind := map[string]string{"bs": "BUSINESS", "ts": "TECHNICAL"}[prefix]
		return w.createService(t, w.owner, map[string]any{"kind": kind, "name": name, "status": "LIVE"}).ID
	case prefix == "bu":
		return w.createUnit(t, w.owner, name)
	case prefix == "bp":
		return w.createProcess(t, w.owner, name)
	case strings.HasPrefix(prefix, "pool"):
		var n int
		if _, err := fmt.Sscanf(prefix, "pool%d", &n); err != nil {
			t.Fatalf("bad pool spec %q", spec)
		}
		ci := w.e.createCI(t, map[string]any{"name": name, "type": "CLUSTER", "status": "ACTIVE", "redundancyMinimumUp": n})
		w.remember(name, ci.ID, "CONFIGURATION_ITEM")
		return ci.ID
	case prefix == "":
		ci := w.e.createCI(t, map[string]any{"name": name, "type": "SERVER", "status": "ACTIVE"})
		w.remember(name, ci.ID, "CONFIGURATION_ITEM")
		return ci.ID
	}
	t.Fatalf("bad item spec %q", spec)
	return ""
}

// build creates "a TYPE b" lines: CI to CI with relateConfigurationItems,
// anything else with linkCatalogItems.
func (w *world) build(t testing.TB, lines ...string) {
	t.Helper()
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != 3 {
			t.Fatalf("bad line %q", l)
		}
		src, tgt := w.item(t, f[0]), w.item(t, f[2])
		sn, tn := w.names[src], w.names[tgt]
		if w.kinds[sn] == "CONFIGURATION_ITEM" && w.kinds[tn] == "CONFIGURATION_ITEM" {
			rel, created := w.e.relate(t, src, f[1], tgt)
			if !created {
				t.Fatalf("%s: relationship existed already", l)
			}
			w.rels[sn+"-"+f[1]+"->"+tn] = rel.ID
			continue
		}
		if created := w.link(t, w.owner, src, f[1], tgt); !created {
			t.Fatalf("%s: link existed already", l)
		}
	}
}

// link calls linkCatalogItems and returns created.
func (w *world) link(t testing.TB, token, src, typ, tgt string) bool {
	t.Helper()
	var out struct {
		LinkCatalogItems struct {
			Created bool `json:"created"`
		} `json:"linkCatalogItems"`
	}
	w.e.ok(t, token, linkMutation, map[string]any{"in": map[string]any{"sourceId": src, "type": typ, "targetId": tgt}}, &out)
	return out.LinkCatalogItems.Created
}

// ci returns the id of a CI created earlier (it fails on unknown names).
func (w *world) id(t testing.TB, name string) string {
	t.Helper()
	id, ok := w.ids[name]
	if !ok {
		t.Fatalf("no item named %q in this world", name)
	}
	return id
}

func (w *world) idsOf(t testing.TB, names ...string) []string {
	t.Helper()
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = w.id(t, n)
	}
	return out
}

// nameOf names an id, or shows the id when it is not one of the world's.
func (w *world) nameOf(id string) string {
	if n, ok := w.names[id]; ok {
		return n
	}
	return "?" + id
}

func (w *world) edge(e gEdge) string {
	return w.nameOf(e.SourceID) + "-" + e.Type + "->" + w.nameOf(e.TargetID)
}

func (w *world) path(p []gEdge) string {
	s := make([]string, len(p))
	for i, e := range p {
		s[i] = w.edge(e)
	}
	return strings.Join(s, " ")
}

// impact runs impactAnalysis as ANALYST on the named items.
func (w *world) impact(t testing.TB, depth any, names ...string) impactResult {
	t.Helper()
	in := map[string]any{"ciIds": w.idsOf(t, names...)}
	if depth != nil {
		in["maxDepth"] = depth
	}
	var out struct {
		ImpactAnalysis impactResult `json:"impactAnalysis"`
	}
	w.e.ok(t, w.e.analyst, impactQuery, map[string]any{"in": in}, &out)
	return out.ImpactAnalysis
}

// reach runs one of the Reach queries as ANALYST.
func (w *world) reach(t testing.TB, query, field string, vars map[string]any) reachResult {
	t.Helper()
	var out map[string]reachResult
	w.e.ok(t, w.e.analyst, query, vars, &out)
	return out[field]
}

// summary lists impacted items as "name:distance:SEVERITY" in answer order.
func (w *world) summary(res impactResult) []string {
	out := []string{}
	for _, i := range res.Impacted {
		out = append(out, fmt.Sprintf("%s:%d:%s", w.nameOf(i.Item.ID), i.Distance, i.Severity))
	}
	return out
}

// reached lists reached items as "name:distance" in answer order.
func (w *world) reached(res reachResult) []string {
	out := []string{}
	for _, i := range res.Items {
		out = append(out, fmt.Sprintf("%s:%d", w.nameOf(i.Item.ID), i.Distance))
	}
	return out
}

// viewNodes lists a graph's nodes as "name:distance:SEVERITY" (SEVERITY "-"
// when null), sorted.
func (w *world) viewNodes(v gView) []string {
	out := []string{}
	for _, n := range v.Nodes {
		sev := "-"
		if n.Severity != nil {
			sev = *n.Severity
		}
		out = append(out, fmt.Sprintf("%s:%d:%s", w.nameOf(n.ID), n.Distance, sev))
	}
	slices.Sort(out)
	return out
}

// viewEdges lists a graph's edges as "a-TYPE->b", sorted.
func (w *world) viewEdges(v gView) []string {
	out := []string{}
	for _, e := range v.Edges {
		out = append(out, w.edge(e))
	}
	slices.Sort(out)
	return out
}

// equalStrings reports a difference between two string lists.
func equalStrings(t testing.TB, what string, got, want []string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if got == nil {
		got = []string{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %v\n want %v", what, got, want)
	}
}

// sortedStrings returns a sorted copy.
func sortedStrings(s ...string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}
