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
