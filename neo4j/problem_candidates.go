package neo4j

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/impact"
	"github.com/itsm-graph/itsm/problem"
)

var _ problem.CandidateStore = (*Near)(nil)

// upstreamWalk reads the window's incidents grouped by their CIs, and the
// items that impact each item of the walk up from those CIs directly, a
// level at a time, each item of a level once ($$LEVELS holds one call per
// level). Each edge is an item in $items and its parent at the same place
// in $parents, in one row: rows and small lists cost most to read.
const upstreamWalk = `
MATCH (i:Incident) WHERE i.createdAt >= $from AND i.createdAt <= $to
WITH i LIMIT $max
WITH collect(i) AS window
CALL (window) {
  UNWIND window AS i
  MATCH (i)-[:AFFECTS]->(c:CI)
  WITH c, collect(i.id) AS incidents
  RETURN collect(c) AS level, collect(c.id) AS cis, collect(incidents) AS incidents
}
WITH size(window) AS read, level, cis, incidents, [] AS items, [] AS parents
$$LEVELS
RETURN read, cis, incidents, items, parents`

// upstreamLevel is one level of upstreamWalk.
const upstreamLevel = `CALL (level) {
  UNWIND level AS n
  MATCH (n)<-[:IMPACTS]-(p)
  RETURN collect(n.id) AS below, collect(p.id) AS above, collect(DISTINCT p) AS next
}
WITH read, cis, incidents, next AS level, items + below AS items, parents + above AS parents
`

// upstreamStatement is upstreamWalk for a depth.
func upstreamStatement(depth int) string {
	return strings.Replace(upstreamWalk, "$$LEVELS", strings.Repeat(upstreamLevel, depth), 1)
}

// fanouts reads how many items each of $ids impacts directly, for those
// that are CIs.
const fanouts = `
UNWIND $ids AS id
MATCH (x:Item {id: id}) WHERE x:CI
RETURN id, COUNT { (x)-[:IMPACTS]->() } AS fanout`

// impactEdges reads, for each [item, parent] of $pairs, the parent's
// IMPACTS edge to the item (the one of the lowest relationship id when two
// relationships join them), as [from, to, relationship type, relationship
// id, whether the stored relationship runs from from to to].
const impactEdges = `
UNWIND $pairs AS pair
MATCH (:Item {id: pair[1]})-[e:IMPACTS]->(:Item {id: pair[0]})
WITH pair, e ORDER BY e.rel
WITH pair, collect(e)[0] AS e
RETURN collect(pair) AS pairs, collect([pair[1], pair[0], e.via, e.rel, e.fwd]) AS steps`

func withDepth(stmt string, depth int) string {
	return strings.ReplaceAll(stmt, "$$DEPTH", strconv.Itoa(depth))
}

// Upstream implements problem.CandidateStore. The walk reads each item of
// a level once, whatever the number of incidents below it: a shortest walk
// from every CI would cross the items near the core of the network once per
// CI below them.
func (n *Near) Upstream(ctx context.Context, from, to time.Time, depth, max int) (problem.Upstream, error) {
	return read(ctx, n.s, func(tx driver.ManagedTransaction) (problem.Upstream, error) {
		up := problem.Upstream{Incidents: map[string][]string{}, Parents: map[string][]string{}}
		recs, err := collect(ctx, tx, upstreamStatement(depth), map[string]any{"from": from, "to": to, "max": int64(max)})
		if err != nil || len(recs) == 0 {
			return up, err
		}
		r := recs[0]
		read, _ := r.Get("read")
		count, _ := read.(int64)
		up.Read = int(count)
		cis, _ := r.Get("cis")
		incidents, _ := r.Get("incidents")
		for i, ci := range strs(cis) {
			up.Incidents[ci] = strs(anyList(incidents)[i])
		}
		items, _ := r.Get("items")
		parents, _ := r.Get("parents")
		above := strs(parents)
		for i, item := range strs(items) {
			if !slices.Contains(up.Parents[item], above[i]) {
				up.Parents[item] = append(up.Parents[item], above[i])
			}
		}
		return up, nil
	})
}

// Fanouts implements problem.CandidateStore.
func (n *Near) Fanouts(ctx context.Context, ids []string) (map[string]int, error) {
	return read(ctx, n.s, func(tx driver.ManagedTransaction) (map[string]int, error) {
		recs, err := collect(ctx, tx, fanouts, map[string]any{"ids": list(ids)})
		if err != nil {
			return nil, err
		}
		out := make(map[string]int, len(recs))
		for _, r := range recs {
			id, _ := r.Get("id")
			f, _ := r.Get("fanout")
			n, _ := f.(int64)
			out[id.(string)] = int(n)
		}
		return out, nil
	})
}

// ImpactEdges implements problem.CandidateStore.
func (n *Near) ImpactEdges(ctx context.Context, pairs [][2]string) (map[[2]string]impact.Edge, error) {
	param := make([][]string, len(pairs))
	for i, p := range pairs {
		param[i] = []string{p[0], p[1]}
	}
	return read(ctx, n.s, func(tx driver.ManagedTransaction) (map[[2]string]impact.Edge, error) {
		recs, err := collect(ctx, tx, impactEdges, map[string]any{"pairs": param})
		if err != nil || len(recs) == 0 {
			return nil, err
		}
		ps, _ := recs[0].Get("pairs")
		steps, _ := recs[0].Get("steps")
		edges := impactSteps(steps)
		out := make(map[[2]string]impact.Edge, len(edges))
		for i, p := range anyList(ps) {
			pair := strs(p)
			out[[2]string{pair[0], pair[1]}] = edges[i]
		}
		return out, nil
	})
}

// problemsOn finds the problems in $states on each of $cis, among their
// CIs or as root cause; problems are read by state from its index (named,
// since the planner may prefer a scan while there are few problems).
const problemsOn = `
MATCH (p:Problem) USING INDEX p:Problem(state, createdAt)
WHERE p.state IN $states AND p.createdAt IS NOT NULL
UNWIND [id IN $cis WHERE id IN p.ciIds OR id = p.rootCauseCiId] AS ci
RETURN ci, collect(p.id) AS problems`

// ProblemsOn implements problem.CandidateStore.
func (n *Near) ProblemsOn(ctx context.Context, ciIDs []string, states []problem.State) (map[string][]string, error) {
	return read(ctx, n.s, func(tx driver.ManagedTransaction) (map[string][]string, error) {
		recs, err := collect(ctx, tx, problemsOn, map[string]any{"cis": list(ciIDs), "states": stringList(states)})
		if err != nil {
			return nil, err
		}
		out := map[string][]string{}
		for _, r := range recs {
			ci, _ := r.Get("ci")
			ps, _ := r.Get("problems")
			id, _ := ci.(string)
			out[id] = strs(ps)
			slices.Sort(out[id])
		}
		return out, nil
	})
}

// impactSteps reads the relationships of a walk along impact edges, each
// as [from, to, relationship type, relationship id, whether the stored
// relationship runs from from to to].
func impactSteps(v any) []impact.Edge {
	var out []impact.Edge
	for _, st := range anyList(v) {
		f := anyList(st)
		from, _ := f[0].(string)
		to, _ := f[1].(string)
		edge := impact.Edge{Source: to, Target: from}
		edge.Type, _ = f[2].(string)
		edge.ID, _ = f[3].(string)
		if fwd, _ := f[4].(bool); fwd {
			edge.Source, edge.Target = from, to
		}
		out = append(out, edge)
	}
	return out
}
