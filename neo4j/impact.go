package neo4j

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/impact"
)

// Impact implements impact.Store.
type Impact struct {
	s *Store
	// Statements per direction, detail and depth: a variable-length bound
	// cannot be a parameter.
	reach map[reachKey]string
}

type reachKey struct {
	upstream bool
	detail   impact.Detail
	depth    int
}

// Impact returns the graph-analysis part of the store.
func (s *Store) Impact() *Impact {
	im := &Impact{s: s, reach: map[reachKey]string{}}
	for d := 1; d <= impact.MaxSupportedDepth; d++ {
		for _, up := range []bool{false, true} {
			stmt := strings.NewReplacer("$$REACH", reachDownstream, "$$STEPS", stepsDownstream).Replace(reach)
			if up {
				stmt = strings.NewReplacer("$$REACH", reachUpstream, "$$STEPS", stepsUpstream).Replace(reach)
			}
			for detail, record := range map[impact.Detail]string{impact.WholeItems: wholeRecord, impact.Summaries: summaryRecord, impact.Names: nameRecord} {
				im.reach[reachKey{up, detail, d}] = strings.NewReplacer("$$DEPTH", strconv.Itoa(d), "$$RECORD", record).Replace(stmt)
			}
		}
	}
	return im
}

var _ impact.Store = (*Impact)(nil)

// The reach statements find every item within DEPTH IMPACTS steps of the
// start items. Collecting DISTINCT end nodes of a pattern without a path
// variable lets Neo4j use its pruning breadth-first expand, which visits
// each node once instead of every path. Each reached node comes back with
// its record ($$RECORD: whole, or only the summary fields, which saves
// reading and decoding a dozen properties per item), its outgoing IMPACTS
// steps (including those leaving the set, which the analysis ignores) and,
// for redundancy groups, its member count. The direction decides the
// pattern ($$REACH) and which way the steps go ($$STEPS).
//
// Items come back in rows of up to nodesPerRow, each a list: the driver
// pays for every record message (framing, hydration, and a goroutine per
// socket read when the server sends a receive-timeout hint, as Neo4j 5
// does), which cost more than the traversal itself for a few hundred items
// sent one per row. Only node references are collected for the whole set;
// one row's values at a time stay within the server's per-transaction
// memory limit, which a single row holding a hub's whole impact exceeds.
const (
	reach = `
MATCH (s:Item) WHERE s.id IN $ids
WITH collect(s) AS starts
OPTIONAL CALL (starts) {
  UNWIND starts AS s
  MATCH $$REACH
  RETURN collect(DISTINCT x) AS reached
}
UNWIND starts + coalesce(reached, []) AS n
WITH collect(DISTINCT n) AS items
UNWIND range(0, size(items) - 1, $chunk) AS from
CALL (items, from) {
  UNWIND items[from..from + $chunk] AS n
  RETURN collect([n.id, labels(n), $$RECORD,
         CASE WHEN n.minimumUp IS NULL THEN 0 ELSE COUNT { (n)<-[:MEMBER_OF]-(m) WHERE m.status = $serving } END,
         $$STEPS]) AS nodes
}
RETURN nodes`
	reachDownstream = "(s)-[:IMPACTS*1..$$DEPTH]->(x:Item)"
	// A member not in service (planned, in maintenance) neither counts in
	// its redundancy group nor takes it down: its MEMBER_OF step is left
	// out, both ways.
	stepsDownstream = "[(n)-[e:IMPACTS]->(m) WHERE e.via <> $memberOf OR n.status = $serving | [m.id, e.via, e.rel, e.fwd]]"
	reachUpstream   = "(s)<-[:IMPACTS*1..$$DEPTH]-(x:Item)"
	// Upstream, steps lead from an item to what it depends on.
	stepsUpstream = "[(n)<-[e:IMPACTS]-(m) WHERE e.via <> $memberOf OR m.status = $serving | [m.id, e.via, e.rel, NOT e.fwd]]"

	// The record of a reached item: whole, or what impact.Summaries or
	// impact.Names needs beyond the id and labels, as a list (see
	// summaryItem), which costs less to send and decode than a map.
	wholeRecord   = `properties(n)`
	summaryRecord = `[n.name, n.minimumUp, n.type, n.status]`
	nameRecord    = `[n.name, n.minimumUp, null, n.status]`
)

// nodesPerRow bounds the items of one result row (see the reach statements).
const nodesPerRow = 1000

// Reach implements impact.Store.
func (im *Impact) Reach(ctx context.Context, ids []string, depth int, upstream bool, detail impact.Detail) (impact.Subgraph, error) {
	stmt := im.reach[reachKey{upstream, detail, depth}]
	if stmt == "" {
		panic("impact depth outside the prepared statements: " + strconv.Itoa(depth))
	}
	return subgraph(ctx, im.s, stmt, map[string]any{"ids": ids, "chunk": nodesPerRow, "serving": string(cmdb.StatusActive), "memberOf": cmdb.MemberOf})
}

// subgraph runs a statement returning rows whose column nodes lists, per
// node, [id, labels, record, live member count, steps]; each step is
// [other id, relationship type, relationship id, whether the stored
// relationship runs from this node to the other].
func subgraph(ctx context.Context, s *Store, stmt string, params map[string]any) (impact.Subgraph, error) {
	return read(ctx, s, func(tx driver.ManagedTransaction) (impact.Subgraph, error) {
		recs, err := collect(ctx, tx, stmt, params)
		if err != nil {
			return nil, err
		}
		return subgraphOf(recs), nil
	})
}

func subgraphOf(recs []*driver.Record) impact.Subgraph {
	g := impact.Subgraph{}
	for _, r := range recs {
		v, _ := r.Get("nodes")
		for _, x := range anyList(v) {
			if n := nodeFromList(anyList(x)); n != nil {
				g[n.ID] = n
			}
		}
	}
	return g
}

func nodeFromList(f []any) *impact.Node {
	if len(f) != 5 {
		return nil
	}
	kind := kindOf(strs(f[1]))
	n := &impact.Node{Kind: kind}
	n.ID, _ = f[0].(string)
	switch rec := f[2].(type) {
	case map[string]any:
		n.Item, n.MinimumUp = itemFromProps(kind, rec), num(rec, "minimumUp")
	case []any:
		n.Item, n.MinimumUp = summaryItem(kind, n.ID, rec)
	}
	if m, ok := f[3].(int64); ok {
		n.Members = int(m)
	}
	steps := anyList(f[4])
	n.Out = make([]impact.Step, 0, len(steps))
	for _, st := range steps {
		sf := anyList(st)
		if len(sf) != 4 {
			continue
		}
		to, _ := sf[0].(string)
		typ, _ := sf[1].(string)
		rel, _ := sf[2].(string)
		fromHere, _ := sf[3].(bool)
		e := impact.Edge{ID: rel, Type: typ, Source: to, Target: n.ID}
		if fromHere {
			e.Source, e.Target = n.ID, to
		}
		n.Out = append(n.Out, impact.Step{From: n.ID, To: to, Edge: e})
	}
	return n
}

// summaryItem builds an item, and returns its redundancy minimum, from a
// summaryRecord or nameRecord list. A service's kind is its label's.
func summaryItem(kind catalog.Kind, id string, rec []any) (catalog.Item, int) {
	field := func(i int) string {
		if i >= len(rec) {
			return ""
		}
		s, _ := rec[i].(string)
		return s
	}
	minimumUp := 0
	if len(rec) > 1 {
		if m, ok := rec[1].(int64); ok {
			minimumUp = int(m)
		}
	}
	switch kind {
	case catalog.KindCI:
		return cmdb.CI{ID: id, Name: field(0), Type: cmdb.Type(field(2)), Status: cmdb.Status(field(3)), MinimumUp: minimumUp}, minimumUp
	case catalog.KindBusinessService, catalog.KindTechnicalService:
		return catalog.Service{ID: id, Name: field(0), Kind: kind, Status: catalog.Status(field(3))}, minimumUp
	case catalog.KindBusinessUnit:
		return catalog.Unit{ID: id, Name: field(0)}, minimumUp
	default:
		return catalog.Process{ID: id, Name: field(0)}, minimumUp
	}
}

func anyList(v any) []any {
	l, _ := v.([]any)
	return l
}

// typeAlternation joins catalogue types for a pattern such as [:A|B].
func typeAlternation(types []string) string {
	for _, t := range types {
		if _, ok := cmdb.LookupRelType(t); !ok {
			panic("relationship type not in the catalogue: " + t)
		}
	}
	return strings.Join(types, "|")
}

// The neighbourhood statement walks breadth first from s, neither through
// nor onto an item whose status is in $retired: the node condition on the
// path and the distance as min(length(p)) over DISTINCT ends let Neo4j run
// its pruning breadth-first expand, which visits each node once and yields
// each with its distance (s too, when a cycle leads back to it). Only node
// references of every reached item are kept, to count them and keep the
// $first nearest ($$RANK: by kind, as impact.Analyze orders them); the
// records and steps are read for the kept ones only, and only the steps
// between kept items, so a hub's tens of thousands of neighbours are
// neither read nor sent.
const neighbourhood = `
MATCH (s:Item {id: $id})
OPTIONAL CALL (s) {
  MATCH p = (s)-[:$$TYPES*1..$$DEPTH]-(x:Item)
  WHERE x <> s AND all(n IN nodes(p) WHERE n = s OR NOT coalesce(n.status, '') IN $retired)
  WITH x, min(length(p)) AS distance
  ORDER BY distance, $$RANK, x.name, x.id
  WITH collect(x) AS near
  RETURN size(near) AS reached, near[..$first] AS kept
}
WITH reached, [s] + coalesce(kept, []) AS items
UNWIND range(0, size(items) - 1, $chunk) AS from
CALL (items, from) {
  UNWIND items[from..from + $chunk] AS n
  RETURN collect([n.id, labels(n), properties(n), 0,
         [(n)-[r:$$TYPES]-(m:Item) WHERE m IN items | [m.id, type(r), r.id, startNode(r) = n]]]) AS nodes
}
RETURN coalesce(reached, 0) AS reached, nodes`

// kindRank is a Cypher expression ranking item x by kind as
// catalog.Kinds orders them.
func kindRank() string {
	label := map[catalog.Kind]string{
		catalog.KindCI: "CI", catalog.KindTechnicalService: labelTechService, catalog.KindBusinessService: labelBusinessService,
		catalog.KindBusinessProcess: labelBusinessProcess, catalog.KindBusinessUnit: labelBusinessUnit,
	}
	var b strings.Builder
	b.WriteString("CASE")
	for i, k := range catalog.Kinds() {
		l, ok := label[k]
		if !ok {
			panic("no label for item kind " + string(k))
		}
		fmt.Fprintf(&b, " WHEN x:%s THEN %d", l, i)
	}
	b.WriteString(" END")
	return b.String()
}

// neighbourhoodStatement is the neighbourhood statement for these bounds,
// with its parameters.
func neighbourhoodStatement(id string, depth int, types []string, first int, retired []string) (string, map[string]any) {
	stmt := strings.NewReplacer("$$TYPES", typeAlternation(types), "$$DEPTH", strconv.Itoa(depth), "$$RANK", kindRank()).Replace(neighbourhood)
	if retired == nil {
		retired = []string{} // as null, IN would keep nothing
	}
	return stmt, map[string]any{"id": id, "chunk": nodesPerRow, "first": first, "retired": retired}
}

// Neighbourhood implements impact.Store.
func (im *Impact) Neighbourhood(ctx context.Context, id string, depth int, types []string, first int, retired []string) (impact.Subgraph, int, error) {
	if depth < 1 || depth > impact.MaxNeighbourhoodDepth {
		panic("neighbourhood depth outside the allowed range")
	}
	stmt, params := neighbourhoodStatement(id, depth, types, first, retired)
	type answer struct {
		g       impact.Subgraph
		reached int
	}
	a, err := read(ctx, im.s, func(tx driver.ManagedTransaction) (answer, error) {
		recs, err := collect(ctx, tx, stmt, params)
		if err != nil || len(recs) == 0 {
			return answer{g: impact.Subgraph{}}, err
		}
		reached, _ := recs[0].Get("reached")
		n, _ := reached.(int64)
		return answer{subgraphOf(recs), int(n)}, nil
	})
	return a.g, a.reached, err
}

// shortestPaths asks for the shortest simple paths: the condition on the
// steps' ends (each item once) sits inside the path pattern, so the search
// applies it while it selects the k shortest, rather than after.
const shortestPaths = `
MATCH (a:Item {id: $from}), (b:Item {id: $to})
MATCH p = SHORTEST $$K ((a) (()-[:$$TYPES]-(y)){1,$$LEN} (b)
  WHERE NOT a IN y AND all(i IN range(0, size(y) - 2) WHERE NOT y[i] IN y[i + 1..])$$LIVE)
RETURN [n IN nodes(p) | [n.id, labels(n), properties(n)]] AS nodes,
       [r IN relationships(p) | [r.id, type(r), startNode(r).id, endNode(r).id]] AS rels
ORDER BY length(p)`

// pathsInService keeps a path's inner items in service (the last of y is
// the end b, which may be retired).
const pathsInService = ` AND all(i IN range(0, size(y) - 2) WHERE y[i].status IS NULL OR y[i].status <> $retired)`

const itemsExist = `MATCH (n:Item) WHERE n.id IN $ids RETURN collect(n.id) AS found`

// Paths implements impact.Store.
func (im *Impact) Paths(ctx context.Context, fromID, toID string, maxLen, limit int, types []string, includeRetired bool) ([]impact.Path, error) {
	if maxLen < 1 || maxLen > impact.MaxPathLength || limit < 1 || limit > impact.MaxPaths {
		panic("path bounds outside the allowed range")
	}
	live := pathsInService
	if includeRetired {
		live = ""
	}
	stmt := strings.NewReplacer("$$TYPES", typeAlternation(types), "$$LEN", strconv.Itoa(maxLen), "$$K", strconv.Itoa(limit), "$$LIVE", live).Replace(shortestPaths)
	return read(ctx, im.s, func(tx driver.ManagedTransaction) ([]impact.Path, error) {
		found, err := collect(ctx, tx, itemsExist, map[string]any{"ids": []string{fromID, toID}})
		if err != nil {
			return nil, err
		}
		v, _ := found[0].Get("found")
		if err := missingIDs([]string{fromID, toID}, strs(v)); err != nil {
			return nil, err
		}
		recs, err := collect(ctx, tx, stmt, map[string]any{"from": fromID, "to": toID, "retired": string(cmdb.StatusRetired)})
		if err != nil {
			return nil, err
		}
		var paths []impact.Path
		for _, r := range recs {
			var p impact.Path
			ns, _ := r.Get("nodes")
			for _, x := range anyList(ns) {
				f := anyList(x)
				id, _ := f[0].(string)
				pp, _ := f[2].(map[string]any)
				kind := kindOf(strs(f[1]))
				p.Nodes = append(p.Nodes, &impact.Node{ID: id, Kind: kind, Item: itemFromProps(kind, pp), MinimumUp: num(pp, "minimumUp")})
			}
			rs, _ := r.Get("rels")
			for _, x := range anyList(rs) {
				f := anyList(x)
				e := impact.Edge{}
				e.ID, _ = f[0].(string)
				e.Type, _ = f[1].(string)
				e.Source, _ = f[2].(string)
				e.Target, _ = f[3].(string)
				p.Edges = append(p.Edges, e)
			}
			paths = append(paths, p)
		}
		return paths, nil
	})
}

func missingIDs(want, found []string) error {
	for _, id := range want {
		if !slices.Contains(found, id) {
			return apperr.New(apperr.NotFound, "no CI, service, business unit or business process has id %q", id)
		}
	}
	return nil
}
