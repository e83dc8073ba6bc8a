package tests

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/auth"
)

// This file holds the helpers of the service catalogue and impact graph
// tests: a small world builder that creates named CIs, services, units and
// processes through the API and links them, and readers that turn graph
// answers into comparable strings of names.

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
  graph { ...GV }
}` + graphFragments

const (
	impactQuery         = `query($in: ImpactAnalysisInput!) { impactAnalysis(input: $in) { ...IA } }` + impactFields
	serviceImpactQuery  = `query($id: ID!, $d: Int) { serviceImpact(serviceId: $id, maxDepth: $d) { ...IA } }` + impactFields
	dependenciesQuery   = `query($id: ID!, $d: Int) { dependencies(id: $id, depth: $d) { ...RE } }` + reachFields
	dependentsQuery     = `query($id: ID!, $d: Int) { dependents(id: $id, depth: $d) { ...RE } }` + reachFields
	supportingTreeQuery = `query($id: ID!, $d: Int) { supportingTree(serviceId: $id, depth: $d) { ...RE } }` + reachFields
	neighbourhoodQuery  = `query($id: ID!, $d: Int, $types: [String!]) { neighbourhood(id: $id, depth: $d, types: $types) { ...RE } }` + reachFields
	pathsQuery          = `query($from: ID!, $to: ID!, $len: Int, $limit: Int, $types: [String!]) {
  paths(fromId: $from, toId: $to, maxLength: $len, limit: $limit, types: $types) {
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
	Root  gItem         `json:"root"`
	Items []reachedItem `json:"items"`
	Graph gView         `json:"graph"`
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
		e: e, owner: e.mint(t, "e2e-service-owner", auth.ServiceOwner),
		ids: map[string]string{}, names: map[string]string{}, kinds: map[string]string{}, rels: map[string]string{},
	}
}

// serviceData is what the catalogue tests read of a service.
type serviceData struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	ServiceKind string  `json:"serviceKind"`
	Description *string `json:"description"`
	Status      string  `json:"status"`
	Criticality string  `json:"criticality"`
	OwnerGroup  *named  `json:"ownerGroup"`
	Version     int     `json:"version"`
	CreatedAt   string  `json:"createdAt"`
	UpdatedAt   string  `json:"updatedAt"`
}

// key renders every field, pointers followed, for comparisons.
func (s serviceData) key() string {
	group := "<nil>"
	if s.OwnerGroup != nil {
		group = s.OwnerGroup.ID + "/" + s.OwnerGroup.Name
	}
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s|%s|%d|%s|%s", s.ID, s.Name, s.Kind, s.ServiceKind, deref(s.Description),
		s.Status, s.Criticality, group, s.Version, s.CreatedAt, s.UpdatedAt)
}

const serviceFields = `
fragment SF on Service {
  id name kind serviceKind description status criticality ownerGroup { id name } version createdAt updatedAt
}`

// customerServiceFields are the service fields a REQUESTER may read.
const customerServiceFields = `
fragment SF on Service {
  id name kind serviceKind description status criticality version createdAt updatedAt
}`

const createServiceMutation = `mutation($in: CreateServiceInput!) { createService(input: $in) { service { ...SF } } }` + serviceFields
const updateServiceMutation = `mutation($in: UpdateServiceInput!) { updateService(input: $in) { service { ...SF } } }` + serviceFields
const linkMutation = `mutation($in: CatalogLinkInput!) { linkCatalogItems(input: $in) { created } }`
const unlinkMutation = `mutation($in: CatalogLinkInput!) { unlinkCatalogItems(input: $in) { removed } }`

// createService creates a service with token and returns it.
func (w *world) createService(t testing.TB, token string, in map[string]any) serviceData {
	t.Helper()
	var out struct {
		CreateService struct {
			Service serviceData `json:"service"`
		} `json:"createService"`
	}
	w.e.ok(t, token, createServiceMutation, map[string]any{"in": in}, &out)
	s := out.CreateService.Service
	w.remember(s.Name, s.ID, s.Kind)
	return s
}

// updateService updates a service as the service owner and returns it.
func (w *world) updateService(t testing.TB, in map[string]any) serviceData {
	t.Helper()
	var out struct {
		UpdateService struct {
			Service serviceData `json:"service"`
		} `json:"updateService"`
	}
	w.e.ok(t, w.owner, updateServiceMutation, map[string]any{"in": in}, &out)
	return out.UpdateService.Service
}

// readService reads a service back.
func (w *world) readService(t testing.TB, id string) serviceData {
	t.Helper()
	var out struct {
		Service serviceData `json:"service"`
	}
	w.e.ok(t, w.e.analyst, `query($id: ID!) { service(id: $id) { ...SF } }`+serviceFields, map[string]any{"id": id}, &out)
	return out.Service
}

func (w *world) createUnit(t testing.TB, token, name string) string {
	t.Helper()
	var out struct {
		CreateBusinessUnit struct {
			BusinessUnit gItem `json:"businessUnit"`
		} `json:"createBusinessUnit"`
	}
	w.e.ok(t, token, `mutation($n: String!) { createBusinessUnit(input: {name: $n, description: "unit"}) { businessUnit { id name kind } } }`,
		map[string]any{"n": name}, &out)
	u := out.CreateBusinessUnit.BusinessUnit
	w.remember(u.Name, u.ID, u.Kind)
	return u.ID
}

func (w *world) createProcess(t testing.TB, token, name string) string {
	t.Helper()
	var out struct {
		CreateBusinessProcess struct {
			BusinessProcess gItem `json:"businessProcess"`
		} `json:"createBusinessProcess"`
	}
	w.e.ok(t, token, `mutation($n: String!) { createBusinessProcess(input: {name: $n, criticality: HIGH}) { businessProcess { id name kind } } }`,
		map[string]any{"n": name}, &out)
	p := out.CreateBusinessProcess.BusinessProcess
	w.remember(p.Name, p.ID, p.Kind)
	return p.ID
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

// catalogTotals counts services, units and processes.
func (w *world) catalogTotals(t testing.TB) [3]int {
	t.Helper()
	var out struct {
		Services struct {
			TotalCount int `json:"totalCount"`
		} `json:"services"`
		BusinessUnits struct {
			TotalCount int `json:"totalCount"`
		} `json:"businessUnits"`
		BusinessProcesses struct {
			TotalCount int `json:"totalCount"`
		} `json:"businessProcesses"`
	}
	w.e.ok(t, w.e.analyst, `{ services { totalCount } businessUnits { totalCount } businessProcesses { totalCount } }`, nil, &out)
	return [3]int{out.Services.TotalCount, out.BusinessUnits.TotalCount, out.BusinessProcesses.TotalCount}
}

// links lists, for every named item, its relationships of any type as seen
// by a depth-1 neighbourhood: the fingerprint of what links exist.
func (w *world) links(t testing.TB, names ...string) []string {
	t.Helper()
	var out []string
	for _, n := range names {
		res := w.reach(t, neighbourhoodQuery, "neighbourhood", map[string]any{"id": w.id(t, n), "d": 1})
		for _, e := range res.Graph.Edges {
			out = append(out, w.edge(e))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
