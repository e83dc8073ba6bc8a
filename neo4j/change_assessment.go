package neo4j

import (
	"context"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/incident"
)

const modificationsOf = `
MATCH (ch:Change)-[:AUTHORISED]->(h:CIHistory) WHERE ch.id IN $ids
RETURN ch.id AS id, h {.*, ciIds: [(c:CI)-[:HAS_HISTORY]->(h) | c.id]} AS h
ORDER BY h.at, h.id`

// Modifications implements change.Store.
func (cs *Changes) Modifications(ctx context.Context, changeIDs []string) (map[string][]cmdb.Modification, error) {
	return read(ctx, cs.s, func(tx driver.ManagedTransaction) (map[string][]cmdb.Modification, error) {
		recs, err := collect(ctx, tx, modificationsOf, map[string]any{"ids": changeIDs})
		if err != nil {
			return nil, err
		}
		return groupAll(recs, "h", func(h map[string]any) (cmdb.Modification, error) {
			e, err := entryFromProps(h)
			return cmdb.Modification{Entry: e, CIIDs: strs(h["ciIds"])}, err
		})
	})
}

const pastOutcomes = `
MATCH (c:Change)-[:TARGETS]->(i:Item)
WHERE i.id IN $ids AND c.id <> $exclude AND c.outcome IS NOT NULL
WITH DISTINCT c
RETURN count(c) AS total, count(CASE WHEN c.outcome = $failed THEN 1 END) AS failed`

const causedIncidents = `
MATCH (i:Incident) WHERE i.causedByChangeId = $id AND i.createdAt IS NOT NULL
RETURN i.id AS id ORDER BY i.createdAt, i.id`

// CausedIncidents implements change.Store.
func (cs *Changes) CausedIncidents(ctx context.Context, changeID string) ([]string, error) {
	return read(ctx, cs.s, func(tx driver.ManagedTransaction) ([]string, error) {
		recs, err := collect(ctx, tx, causedIncidents, map[string]any{"id": changeID})
		if err != nil {
			return nil, err
		}
		out := []string{}
		for _, r := range recs {
			id, _ := r.Get("id")
			out = append(out, id.(string))
		}
		return out, nil
	})
}

// PastOutcomes implements change.Store.
func (cs *Changes) PastOutcomes(ctx context.Context, targetIDs []string, excludeID string) (int, int, error) {
	type counts struct{ total, failed int }
	got, err := read(ctx, cs.s, func(tx driver.ManagedTransaction) (counts, error) {
		recs, err := collect(ctx, tx, pastOutcomes, map[string]any{"ids": targetIDs, "exclude": excludeID, "failed": string(change.FailedBackedOut)})
		if err != nil {
			return counts{}, err
		}
		t, _ := recs[0].Get("total")
		f, _ := recs[0].Get("failed")
		return counts{int(t.(int64)), int(f.(int64))}, nil
	})
	return got.total, got.failed, err
}

const exposure = `
CALL () {
  UNWIND $ids AS id
  MATCH (:Item {id: id})<-[:AFFECTS]-(i:Incident)
  WHERE NOT i.state IN $ended
  WITH DISTINCT i ORDER BY i.priority, i.createdAt LIMIT $limit
  RETURN collect(i {.id, title: i.shortDescription, .state, .priority}) AS incidents
}
CALL () {
  MATCH (a:SLA)-[:COVERS]->(s:Service:Item)
  WHERE s.id IN $ids
  WITH DISTINCT a ORDER BY a.name LIMIT $limit
  RETURN collect(a {.id, .name}) AS slas
}
RETURN incidents, slas`

// Exposure implements change.Store.
func (cs *Changes) Exposure(ctx context.Context, itemIDs []string, limit int) (change.Exposure, error) {
	return read(ctx, cs.s, func(tx driver.ManagedTransaction) (change.Exposure, error) {
		recs, err := collect(ctx, tx, exposure, map[string]any{"ids": itemIDs, "ended": texts(incident.EndedStates()), "limit": int64(limit)})
		if err != nil {
			return change.Exposure{}, err
		}
		var ex change.Exposure
		incs, _ := recs[0].Get("incidents")
		for _, m := range maps(incs) {
			ex.OpenIncidents = append(ex.OpenIncidents, change.TicketRef{ID: str(m, "id"), Title: str(m, "title"), State: str(m, "state"), Priority: str(m, "priority")})
		}
		slas, _ := recs[0].Get("slas")
		for _, m := range maps(slas) {
			ex.SLAs = append(ex.SLAs, change.Ref{ID: str(m, "id"), Name: str(m, "name")})
		}
		return ex, nil
	})
}

const checkTargets = `
UNWIND range(0, size($ids) - 1) AS n
OPTIONAL MATCH (i:Item {id: $ids[n]})
WITH n, i
WHERE i IS NULL OR NOT (i:CI OR i:Service)
RETURN $ids[n] AS id
ORDER BY n
LIMIT 1`

const ciTypesOf = `
MATCH (c:CI:Item) WHERE c.id IN $ids
RETURN c.id AS id, c.type AS type`

// CITypes implements change.Store.
func (cs *Changes) CITypes(ctx context.Context, ids []string) (map[string]cmdb.Type, error) {
	return read(ctx, cs.s, func(tx driver.ManagedTransaction) (map[string]cmdb.Type, error) {
		recs, err := collect(ctx, tx, ciTypesOf, map[string]any{"ids": list(ids)})
		if err != nil {
			return nil, err
		}
		out := map[string]cmdb.Type{}
		for _, r := range recs {
			id, _ := r.Get("id")
			typ, _ := r.Get("type")
			out[id.(string)] = cmdb.Type(typ.(string))
		}
		return out, nil
	})
}

// CheckTargets implements change.Store.
func (cs *Changes) CheckTargets(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := read(ctx, cs.s, func(tx driver.ManagedTransaction) (struct{}, error) {
		recs, err := collect(ctx, tx, checkTargets, map[string]any{"ids": ids})
		if err != nil {
			return struct{}{}, err
		}
		if len(recs) > 0 {
			id, _ := recs[0].Get("id")
			return struct{}{}, apperr.New(apperr.NotFound, "targetIds: no CI or service has id %q", id)
		}
		return struct{}{}, nil
	})
	return err
}
