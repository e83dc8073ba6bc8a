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

// sharedCauses walks up from every CI of the window's incidents once (the
// incidents of a CI grouped first), to each CI above by a shortest walk,
// and keeps the CIs reached from the CIs of at least $min incidents, with
// the summed distance to them. A CI's fanout comes from its degree. $$DEPTH
// is the bound of the walk, which cannot be a parameter.
const sharedCauses = `
MATCH (i:Incident) WHERE i.createdAt >= $from AND i.createdAt <= $to
MATCH (i)-[:AFFECTS]->(c:CI)
WITH c, collect(DISTINCT i.id) AS incidents
MATCH p = ANY SHORTEST (c)<-[:IMPACTS]-{0,$$DEPTH}(x:CI)
WITH x, length(p) AS distance, incidents
UNWIND incidents AS incident
WITH x, incident, min(distance) AS distance
WITH x, collect(incident) AS incidents, sum(distance) AS distance
WHERE size(incidents) >= $min
RETURN x.id AS id, incidents, distance, COUNT { (x)-[:IMPACTS]->() } AS fanout`

// explainShared finds, for each shared CI and each CI of each of its
// incidents given, a shortest walk along the impact edges. The walk goes up
// from each incident's CI to whichever of its shared CIs it reaches, once
// per incident: a search between two bound ends expands from both, and a
// shared CI near the core of the network impacts thousands (at 100k CIs,
// 20 candidates of 20 incidents: 50 ms instead of 150). Each step comes as
// [from, to, relationship type, relationship id, whether the stored
// relationship runs from from to to], in the order impact travels.
const explainShared = `
UNWIND $shared AS s
UNWIND s.incidents AS incident
WITH incident, collect(s.id) AS sharedIDs
MATCH (:Incident {id: incident})-[:AFFECTS]->(c:CI)
MATCH p = ANY SHORTEST (c)<-[:IMPACTS]-{0,$$DEPTH}(x:CI)
WHERE x.id IN sharedIDs
RETURN x.id AS shared, incident, c.id AS ci,
  [r IN reverse(relationships(p)) | [startNode(r).id, endNode(r).id, r.via, r.rel, r.fwd]] AS steps`

func withDepth(stmt string, depth int) string {
	return strings.ReplaceAll(stmt, "$$DEPTH", strconv.Itoa(depth))
}

// SharedCauses implements problem.CandidateStore.
func (n *Near) SharedCauses(ctx context.Context, from, to time.Time, depth, min int) ([]problem.Shared, error) {
	params := map[string]any{"from": from, "to": to, "min": int64(min)}
	return read(ctx, n.s, func(tx driver.ManagedTransaction) ([]problem.Shared, error) {
		recs, err := collect(ctx, tx, withDepth(sharedCauses, depth), params)
		if err != nil {
			return nil, err
		}
		out := make([]problem.Shared, 0, len(recs))
		for _, r := range recs {
			id, _ := r.Get("id")
			incidents, _ := r.Get("incidents")
			fanout, _ := r.Get("fanout")
			distance, _ := r.Get("distance")
			s := problem.Shared{IncidentIDs: strs(incidents)}
			s.CIID, _ = id.(string)
			if f, ok := fanout.(int64); ok {
				s.Fanout = int(f)
			}
			if d, ok := distance.(int64); ok {
				s.Distance = int(d)
			}
			slices.Sort(s.IncidentIDs)
			out = append(out, s)
		}
		return out, nil
	})
}

// Explain implements problem.CandidateStore. Of an incident's CIs, the one
// nearest the shared CI explains it.
func (n *Near) Explain(ctx context.Context, shared []problem.Shared, depth, perShared int) (map[string][]problem.Explanation, error) {
	param := make([]map[string]any, len(shared))
	for i, s := range shared {
		// Only the incidents explained travel: a candidate near the core
		// may have thousands.
		param[i] = map[string]any{"id": s.CIID, "incidents": s.IncidentIDs[:min(perShared, len(s.IncidentIDs))]}
	}
	return read(ctx, n.s, func(tx driver.ManagedTransaction) (map[string][]problem.Explanation, error) {
		recs, err := collect(ctx, tx, withDepth(explainShared, depth), map[string]any{"shared": param})
		if err != nil {
			return nil, err
		}
		best := map[[2]string]problem.Explanation{}
		for _, r := range recs {
			sv, _ := r.Get("shared")
			iv, _ := r.Get("incident")
			cv, _ := r.Get("ci")
			stv, _ := r.Get("steps")
			e := problem.Explanation{}
			e.IncidentID, _ = iv.(string)
			e.CIID, _ = cv.(string)
			for _, st := range anyList(stv) {
				f := anyList(st)
				from, _ := f[0].(string)
				to, _ := f[1].(string)
				edge := impact.Edge{Source: to, Target: from}
				edge.Type, _ = f[2].(string)
				edge.ID, _ = f[3].(string)
				if fwd, _ := f[4].(bool); fwd {
					edge.Source, edge.Target = from, to
				}
				e.Path = append(e.Path, edge)
			}
			key := [2]string{sv.(string), e.IncidentID}
			if b, ok := best[key]; !ok || len(e.Path) < len(b.Path) || len(e.Path) == len(b.Path) && e.CIID < b.CIID {
				best[key] = e
			}
		}
		out := map[string][]problem.Explanation{}
		for key, e := range best {
			out[key[0]] = append(out[key[0]], e)
		}
		for _, es := range out {
			slices.SortFunc(es, func(a, b problem.Explanation) int { return strings.Compare(a.IncidentID, b.IncidentID) })
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
