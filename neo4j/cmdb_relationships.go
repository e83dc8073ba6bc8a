package neo4j

import (
	"context"
	"fmt"
	"sort"
	"strings"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/cmdb"
)

// relStatement returns a statement with the relationship type spliced in.
// Types cannot be parameters; the name must come from the catalogue, and a
// name that does not is a programming error.
func relStatement(template, relType string) string {
	if _, ok := cmdb.LookupRelType(relType); !ok {
		panic(fmt.Sprintf("relationship type %q is not in the catalogue", relType))
	}
	return strings.ReplaceAll(template, "$$TYPE", relType)
}

const mergeRelationship = `
MATCH (s:CI:Item {id: $sourceId}), (t:CI:Item {id: $targetId})
MERGE (s)-[r:$$TYPE]->(t)
ON CREATE SET r.id = $id, r.createdAt = $createdAt, r.createdBy = $createdBy
RETURN properties(r) AS r, r.id = $id AS created, properties(s) AS s, properties(t) AS t`

// Relate implements cmdb.Store.
func (m *CMDB) Relate(ctx context.Context, rel cmdb.Relationship, check func(src, tgt cmdb.CI) (cmdb.HistoryEntry, error)) (cmdb.Relationship, bool, error) {
	type result struct {
		rel     cmdb.Relationship
		created bool
	}
	res, err := write(ctx, m.s, func(tx driver.ManagedTransaction) (result, error) {
		// Lock in id order so that two relates of the same pair cannot deadlock.
		ids := []string{rel.Source.ID, rel.Target.ID}
		sort.Strings(ids)
		locked := map[string]cmdb.CI{}
		for _, id := range ids {
			c, err := lock(ctx, tx, id)
			if err != nil {
				return result{}, err
			}
			locked[id] = c
		}
		entry, err := check(locked[rel.Source.ID], locked[rel.Target.ID])
		if err != nil {
			return result{}, err
		}
		recs, err := collect(ctx, tx, relStatement(mergeRelationship, rel.Type), map[string]any{
			"sourceId": rel.Source.ID, "targetId": rel.Target.ID, "id": rel.ID,
			"createdAt": rel.CreatedAt, "createdBy": rel.CreatedBy,
		})
		if err != nil {
			return result{}, err
		}
		created, _ := recs[0].Get("created")
		r := relFromRecord(recs[0], rel.Type)
		if created == true {
			if err := addImpactEdges(ctx, tx, rel.Type, r.ID, rel.Source.ID, rel.Target.ID); err != nil {
				return result{}, err
			}
			if err := recordEntry(ctx, tx, entry, rel.Source.ID, rel.Target.ID); err != nil {
				return result{}, err
			}
			if err := emitCIs(ctx, tx, r.Source, r.Target); err != nil {
				return result{}, err
			}
		}
		return result{rel: r, created: created == true}, nil
	})
	return res.rel, res.created, err
}

func relFromRecord(r *driver.Record, relType string) cmdb.Relationship {
	return relFromProps(relType, props(r, "r"), ciFromProps(props(r, "s")), ciFromProps(props(r, "t")))
}

// relFromProps is a relationship from its properties and its ends.
func relFromProps(relType string, rp map[string]any, source, target cmdb.CI) cmdb.Relationship {
	return cmdb.Relationship{ID: str(rp, "id"), Type: relType, Source: source, Target: target,
		CreatedAt: tm(rp, "createdAt"), CreatedBy: str(rp, "createdBy")}
}

// deleteRelationship returns, for a feed relationship, its derived ADDED
// entry, which must be recorded now that the relationship goes.
const deleteRelationship = `
MATCH (s:CI:Item {id: $sourceId})-[r:$$TYPE]->(t:CI:Item {id: $targetId})
WITH s, t, r, r.id AS id, CASE WHEN r.derivedEntry THEN ` + derivedRelEntry + ` END AS added
DELETE r
RETURN id, added, properties(s) AS s, properties(t) AS t`

// Unrelate implements cmdb.Store.
func (m *CMDB) Unrelate(ctx context.Context, sourceID, relType, targetID string, entry func(src, tgt cmdb.CI) cmdb.HistoryEntry) (string, error) {
	return write(ctx, m.s, func(tx driver.ManagedTransaction) (string, error) {
		recs, err := collect(ctx, tx, relStatement(deleteRelationship, relType), historyParams(map[string]any{"sourceId": sourceID, "targetId": targetID}))
		if err != nil {
			return "", err
		}
		if len(recs) == 0 {
			return "", apperr.New(apperr.NotFound, "there is no %s relationship from %q to %q", relType, sourceID, targetID)
		}
		id, _ := recs[0].Get("id")
		relID, _ := id.(string)
		if err := removeImpactEdgesOf(ctx, tx, relID, sourceID, targetID); err != nil {
			return "", err
		}
		if added := props(recs[0], "added"); added != nil {
			e, err := entryFromMap(added)
			if err != nil {
				return "", err
			}
			if err := recordEntry(ctx, tx, e, sourceID, targetID); err != nil {
				return "", err
			}
		}
		src, tgt := ciFromProps(props(recs[0], "s")), ciFromProps(props(recs[0], "t"))
		if err := recordEntry(ctx, tx, entry(src, tgt), sourceID, targetID); err != nil {
			return "", err
		}
		return relID, emitCIs(ctx, tx, src, tgt)
	})
}

// relsOf reads the relationships of many CIs in one statement, one row per
// CI: the CI once, and for each relationship its type, its properties, the
// other end (so that resolving source and target costs nothing) and
// whether the CI is its source. The direction decides the pattern
// ($$PATTERN), the ends' detail their projection ($$END).
const relsOf = `
UNWIND $ids AS id
MATCH (c:CI:Item {id: id})
CALL (c) {
  MATCH $$PATTERN
  WITH r, o ORDER BY type(r), o.name, r.id LIMIT $limit
  RETURN collect([type(r), properties(r), $$END(o), startNode(r) = c]) AS rels
}
RETURN id, $$END(c) AS c, rels`

// endProjection is how relsOf projects a CI for each detail of ends.
var endProjection = map[cmdb.Ends]string{
	cmdb.WholeEnds:   "properties($1)",
	cmdb.SummaryEnds: "$1 {.id, .name, .type, .status}",
}

// relsStatement reads the relationships q asks for. The types are in the
// pattern, so the expansion reads only those relationships, never the
// derived impact edges.
func relsStatement(q cmdb.RelationshipQuery) string {
	types := q.Types
	if len(types) == 0 {
		types = cmdb.RelTypeNames()
	}
	pattern := "(c)-[r:$$TYPES]-(o:CI)"
	switch q.Direction {
	case cmdb.Outgoing:
		pattern = "(c)-[r:$$TYPES]->(o:CI)"
	case cmdb.Incoming:
		pattern = "(c)<-[r:$$TYPES]-(o:CI)"
	}
	end := endProjection[q.Ends]
	return strings.NewReplacer(
		"$$PATTERN", strings.Replace(pattern, "$$TYPES", typeAlternation(types), 1),
		"$$END(o)", strings.ReplaceAll(end, "$1", "o"),
		"$$END(c)", strings.ReplaceAll(end, "$1", "c"),
	).Replace(relsOf)
}

// Relationships implements cmdb.Store.
func (m *CMDB) Relationships(ctx context.Context, ciIDs []string, q cmdb.RelationshipQuery) (map[string][]cmdb.Relationship, error) {
	stmt := relsStatement(q)
	return read(ctx, m.s, func(tx driver.ManagedTransaction) (map[string][]cmdb.Relationship, error) {
		recs, err := collect(ctx, tx, stmt, map[string]any{"ids": ciIDs, "limit": int64(q.Limit)})
		if err != nil {
			return nil, err
		}
		out := make(map[string][]cmdb.Relationship, len(ciIDs))
		for _, r := range recs {
			id, _ := r.Get("id")
			c := ciFromProps(props(r, "c"))
			v, _ := r.Get("rels")
			for _, x := range anyList(v) {
				f := anyList(x)
				typ, _ := f[0].(string)
				rp, _ := f[1].(map[string]any)
				op, _ := f[2].(map[string]any)
				outgoing, _ := f[3].(bool)
				source, target := c, ciFromProps(op)
				if !outgoing {
					source, target = target, source
				}
				out[id.(string)] = append(out[id.(string)], relFromProps(typ, rp, source, target))
			}
		}
		return out, nil
	})
}

// relationshipByID has one branch per catalogue type, because a relationship
// property index serves only lookups that name its type.
func relationshipByID() string {
	var branches []string
	for _, t := range cmdb.RelationshipTypes() {
		branches = append(branches, relStatement(`
  MATCH (s:CI)-[r:$$TYPE]->(t:CI) WHERE r.id = $id
  RETURN type(r) AS type, properties(r) AS r, properties(s) AS s, properties(t) AS t`, t.Name))
	}
	return "CALL () {" + strings.Join(branches, "\n  UNION") + "\n}\nRETURN type, r, s, t"
}

// Relationship implements cmdb.Store.
func (m *CMDB) Relationship(ctx context.Context, id string) (cmdb.Relationship, error) {
	stmt := relationshipByID()
	return read(ctx, m.s, func(tx driver.ManagedTransaction) (cmdb.Relationship, error) {
		recs, err := collect(ctx, tx, stmt, map[string]any{"id": id})
		if err != nil {
			return cmdb.Relationship{}, err
		}
		if len(recs) == 0 {
			return cmdb.Relationship{}, apperr.New(apperr.NotFound, "no relationship has id %q", id)
		}
		t, _ := recs[0].Get("type")
		ts, _ := t.(string)
		return relFromRecord(recs[0], ts), nil
	})
}
