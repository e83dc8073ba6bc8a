package neo4j

import (
	"context"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/cmdb"
)

// Every typed relationship whose type propagates impact is mirrored by
// IMPACTS edges pointing the way a failure travels: (x)-[:IMPACTS]->(y)
// means "a failure of x impacts y". Impact analysis then needs a single
// directed variable-length pattern, which Neo4j evaluates with a pruning
// breadth-first expand, instead of a direction test per step, which would
// force it to enumerate every path. The edges are written and removed in the
// same transaction as the relationship they mirror.
//
// An IMPACTS edge carries the mirrored relationship's type (via), id (rel)
// and whether it runs the same way (fwd), so that results can show the
// stored relationship.
//
// Which ways a type mirrors is the relationship catalogue's rule
// (cmdb.ImpactDirection); statements take it as $forward and $reverse.
const (
	addImpactEdgesOf = `
MATCH (s:Item {id: $sourceId}), (t:Item {id: $targetId})
FOREACH (_ IN CASE WHEN $forward THEN [1] ELSE [] END |
  CREATE (s)-[:IMPACTS {via: $type, rel: $relId, fwd: true}]->(t))
FOREACH (_ IN CASE WHEN $reverse THEN [1] ELSE [] END |
  CREATE (t)-[:IMPACTS {via: $type, rel: $relId, fwd: false}]->(s))`
	removeImpactEdges = `
MATCH (:Item {id: $sourceId})-[e:IMPACTS]-(:Item {id: $targetId})
WHERE e.rel = $relId
DELETE e`
	removeAllImpactEdges = `
MATCH (:Item {id: $id})-[e:IMPACTS]-()
DELETE e`
)

// impactParams are the $forward and $reverse of relType's impact direction.
func impactParams(relType string, params map[string]any) map[string]any {
	rt, _ := cmdb.LookupRelType(relType)
	params["forward"], params["reverse"] = rt.Impact.Forward(), rt.Impact.Reverse()
	return params
}

// addImpactEdges mirrors (source)-[:relType {id: relID}]->(target).
func addImpactEdges(ctx context.Context, tx driver.ManagedTransaction, relType, relID, sourceID, targetID string) error {
	if rt, _ := cmdb.LookupRelType(relType); !rt.Impact.Forward() && !rt.Impact.Reverse() {
		return nil // nothing to mirror: no round trip
	}
	_, err := collect(ctx, tx, addImpactEdgesOf,
		impactParams(relType, map[string]any{"sourceId": sourceID, "targetId": targetID, "type": relType, "relId": relID}))
	return err
}

func removeImpactEdgesOf(ctx context.Context, tx driver.ManagedTransaction, relID, sourceID, targetID string) error {
	_, err := collect(ctx, tx, removeImpactEdges, map[string]any{"sourceId": sourceID, "targetId": targetID, "relId": relID})
	return err
}

// isolate removes every IMPACTS edge of an item that left service, so that
// impact no longer crosses it; its typed relationships stay for history.
func isolate(ctx context.Context, tx driver.ManagedTransaction, id string) error {
	_, err := collect(ctx, tx, removeAllImpactEdges, map[string]any{"id": id})
	return err
}
