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
const (
	addImpactSourceToTarget = `
MATCH (s:Item {id: $sourceId}), (t:Item {id: $targetId})
CREATE (s)-[:IMPACTS {via: $type, rel: $relId, fwd: true}]->(t)`
	addImpactTargetToSource = `
MATCH (s:Item {id: $sourceId}), (t:Item {id: $targetId})
CREATE (t)-[:IMPACTS {via: $type, rel: $relId, fwd: false}]->(s)`
	removeImpactEdges = `
MATCH (:Item {id: $sourceId})-[e:IMPACTS]-(:Item {id: $targetId})
WHERE e.rel = $relId
DELETE e`
	removeAllImpactEdges = `
MATCH (:Item {id: $id})-[e:IMPACTS]-()
DELETE e`
)

// addImpactEdges mirrors (source)-[:relType {id: relID}]->(target).
func addImpactEdges(ctx context.Context, tx driver.ManagedTransaction, relType, relID, sourceID, targetID string) error {
	rt, _ := cmdb.LookupRelType(relType)
	params := map[string]any{"sourceId": sourceID, "targetId": targetID, "type": relType, "relId": relID}
	var stmts []string
	switch rt.Impact {
	case cmdb.SourceImpactsTarget:
		stmts = []string{addImpactSourceToTarget}
	case cmdb.TargetImpactsSource:
		stmts = []string{addImpactTargetToSource}
	case cmdb.BothWays:
		stmts = []string{addImpactSourceToTarget, addImpactTargetToSource}
	}
	for _, s := range stmts {
		if _, err := collect(ctx, tx, s, params); err != nil {
			return err
		}
	}
	return nil
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
