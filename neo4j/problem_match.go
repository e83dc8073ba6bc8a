package neo4j

import (
	"context"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/problem"
)

// knownErrorsOn reads the known errors (as knownErrorList defines them) on
// any of $cis or $services. The known error database is read by state from
// its index (named, since the planner may prefer a scan while there are few
// problems); the CIs and services are lists on each problem.
const knownErrorsOn = `
MATCH (p:Problem) USING INDEX p:Problem(state, createdAt)
WHERE p.state IN $states AND p.createdAt IS NOT NULL AND p.workaround IS NOT NULL
  AND (any(id IN p.ciIds WHERE id IN $cis) OR p.rootCauseCiId IN $cis OR any(id IN p.serviceIds WHERE id IN $services))
RETURN properties(p) AS p`

// KnownErrorsOn implements problem.NearStore.
func (n *Near) KnownErrorsOn(ctx context.Context, ciIDs, serviceIDs []string) ([]problem.Problem, error) {
	params := map[string]any{"states": stringList(problem.KnownErrorStates()), "cis": list(ciIDs), "services": list(serviceIDs)}
	return read(ctx, n.s, func(tx driver.ManagedTransaction) ([]problem.Problem, error) {
		recs, err := collect(ctx, tx, knownErrorsOn, params)
		if err != nil {
			return nil, err
		}
		out := make([]problem.Problem, len(recs))
		for i, r := range recs {
			out[i] = problemFromProps(props(r, "p"))
		}
		return out, nil
	})
}

// knownErrorsSharing walks up from the CIs of every known error to any of
// $items. Known errors are few next to CIs, and the walk up from each is
// short, where a walk down from a shared item near the core would reach
// thousands.
const knownErrorsSharing = `
MATCH (p:Problem) USING INDEX p:Problem(state, createdAt)
WHERE p.state IN $states AND p.createdAt IS NOT NULL AND p.workaround IS NOT NULL
UNWIND p.ciIds + coalesce(p.rootCauseCiId, []) AS ci
WITH DISTINCT p, ci
MATCH (c:Item {id: ci}) WHERE c:CI
MATCH path = ANY SHORTEST (c)<-[:IMPACTS]-{1,$$DEPTH}(x:Item)
WHERE x.id IN $items
RETURN properties(p) AS p, c.id AS ci, c.name AS name, x.id AS item,
  [r IN reverse(relationships(path)) | [startNode(r).id, endNode(r).id, r.via, r.rel, r.fwd]] AS steps`

// KnownErrorsSharing implements problem.NearStore.
func (n *Near) KnownErrorsSharing(ctx context.Context, itemIDs []string, depth int) ([]problem.Sharing, error) {
	if len(itemIDs) == 0 {
		return nil, nil
	}
	params := map[string]any{"states": stringList(problem.KnownErrorStates()), "items": itemIDs}
	return read(ctx, n.s, func(tx driver.ManagedTransaction) ([]problem.Sharing, error) {
		recs, err := collect(ctx, tx, withDepth(knownErrorsSharing, depth), params)
		if err != nil {
			return nil, err
		}
		out := make([]problem.Sharing, len(recs))
		for i, r := range recs {
			ci, _ := r.Get("ci")
			name, _ := r.Get("name")
			item, _ := r.Get("item")
			steps, _ := r.Get("steps")
			out[i] = problem.Sharing{KnownError: problemFromProps(props(r, "p")), Path: impactSteps(steps)}
			out[i].CIID, _ = ci.(string)
			out[i].CIName, _ = name.(string)
			out[i].ItemID, _ = item.(string)
		}
		return out, nil
	})
}
