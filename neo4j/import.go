package neo4j

import (
	"context"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/cmdb"
)

var _ cmdb.Importer = (*CMDB)(nil)

const (
	lockBySourceKeys = `
UNWIND $externalIds AS ext
MATCH (c:CI {source: $source, externalId: ext})
SET c._lock = true
REMOVE c._lock
RETURN properties(c) AS c`
	readBySourceKeys = `
UNWIND $externalIds AS ext
MATCH (c:CI {source: $source, externalId: ext})
RETURN properties(c) AS c`
	importCreates = `
UNWIND $rows AS props
CREATE (c:CI:Item)
SET c = props`
	importUpdates = `
UNWIND $rows AS row
MATCH (c:CI:Item {id: row.props.id})
SET c = row.props
CREATE (h:CIHistory)
SET h = row.entry
CREATE (c)-[:HAS_HISTORY]->(h)`
)

func updateRows(ws []cmdb.ImportWrite) ([]map[string]any, error) {
	rows := make([]map[string]any, len(ws))
	for i, w := range ws {
		entry, err := entryParams(w.Entry)
		if err != nil {
			return nil, err
		}
		rows[i] = map[string]any{"props": ciToProps(w.CI), "entry": entry}
	}
	return rows, nil
}

// ImportCIs implements cmdb.Importer.
func (m *CMDB) ImportCIs(ctx context.Context, source string, externalIDs []string, apply func(map[string]cmdb.CI) ([]cmdb.CI, []cmdb.ImportWrite, error)) error {
	_, err := write(ctx, m.s, func(tx driver.ManagedTransaction) (struct{}, error) {
		recs, err := collect(ctx, tx, lockBySourceKeys, map[string]any{"source": source, "externalIds": externalIDs})
		if err != nil {
			return struct{}{}, err
		}
		existing := make(map[string]cmdb.CI, len(recs))
		for _, r := range recs {
			c := ciFromProps(props(r, "c"))
			existing[c.ExternalID] = c
		}
		creates, updates, err := apply(existing)
		if err != nil {
			return struct{}{}, err
		}
		if len(creates) > 0 {
			rows := make([]map[string]any, len(creates))
			for i, c := range creates {
				rows[i] = ciToProps(c)
			}
			if _, err := collect(ctx, tx, importCreates, map[string]any{"rows": rows}); err != nil {
				return struct{}{}, err
			}
		}
		if len(updates) > 0 {
			before := make([]cmdb.CI, len(updates))
			for i, w := range updates {
				before[i] = existing[w.CI.ExternalID]
			}
			if err := recordCreations(ctx, tx, before); err != nil {
				return struct{}{}, err
			}
			rows, err := updateRows(updates)
			if err != nil {
				return struct{}{}, err
			}
			if _, err := collect(ctx, tx, importUpdates, map[string]any{"rows": rows}); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	})
	return err
}

// mergeImportedRels merges relationships of one type and, for the new ones,
// writes their IMPACTS mirror edges in the same statement, the ways the
// type's impact direction says (see impactedges.go). A new relationship is
// marked as having its ADDED entry derived (derivedEntry, see
// cmdb.RelationshipEntry).
const mergeImportedRels = `
UNWIND $rows AS row
MATCH (s:CI:Item {id: row.sourceId}), (t:CI:Item {id: row.targetId})
MERGE (s)-[r:$$TYPE]->(t)
ON CREATE SET r.id = row.id, r.createdAt = row.createdAt, r.createdBy = row.createdBy, r.derivedEntry = true, r.feed = row.feed
WITH s, t, r, row
WHERE r.id = row.id
FOREACH (_ IN CASE WHEN $forward THEN [1] ELSE [] END |
  CREATE (s)-[:IMPACTS {via: type(r), rel: r.id, fwd: true}]->(t))
FOREACH (_ IN CASE WHEN $reverse THEN [1] ELSE [] END |
  CREATE (t)-[:IMPACTS {via: type(r), rel: r.id, fwd: false}]->(s))
RETURN count(*) AS created`

// findEnds reads the CIs ends names, one statement per source (a feed
// names few) and one for the ids. Plain reads: MERGE locks both ends of
// each relationship it writes.
func findEnds(ctx context.Context, tx driver.ManagedTransaction, ends cmdb.RelEnds) (cmdb.FoundEnds, error) {
	found := cmdb.FoundEnds{ByKey: make(map[cmdb.SourceKey]cmdb.CI, len(ends.Keys)), ByID: map[string]cmdb.CI{}}
	bySource := map[string][]string{}
	for _, k := range ends.Keys {
		bySource[k.Source] = append(bySource[k.Source], k.ExternalID)
	}
	for source, exts := range bySource {
		recs, err := collect(ctx, tx, readBySourceKeys, map[string]any{"source": source, "externalIds": exts})
		if err != nil {
			return cmdb.FoundEnds{}, err
		}
		for _, r := range recs {
			c := ciFromProps(props(r, "c"))
			found.ByKey[cmdb.SourceKey{Source: source, ExternalID: c.ExternalID}] = c
		}
	}
	if len(ends.IDs) > 0 {
		recs, err := collect(ctx, tx, readByIDs, map[string]any{"ids": ends.IDs})
		if err != nil {
			return cmdb.FoundEnds{}, err
		}
		for _, r := range recs {
			c := ciFromProps(props(r, "c"))
			found.ByID[c.ID] = c
		}
	}
	return found, nil
}

const readByIDs = `
UNWIND $ids AS id
MATCH (c:CI:Item {id: id})
RETURN properties(c) AS c`

// ImportRelationships implements cmdb.Importer.
func (m *CMDB) ImportRelationships(ctx context.Context, ends cmdb.RelEnds, plan func(cmdb.FoundEnds) ([]cmdb.RelWrite, error)) (int, error) {
	return write(ctx, m.s, func(tx driver.ManagedTransaction) (int, error) {
		found, err := findEnds(ctx, tx, ends)
		if err != nil {
			return 0, err
		}
		writes, err := plan(found)
		if err != nil {
			return 0, err
		}
		byType := map[string][]map[string]any{}
		var order []string
		for _, w := range writes {
			if _, ok := byType[w.Rel.Type]; !ok {
				order = append(order, w.Rel.Type)
			}
			byType[w.Rel.Type] = append(byType[w.Rel.Type], map[string]any{
				"id": w.Rel.ID, "sourceId": w.Rel.Source.ID, "targetId": w.Rel.Target.ID,
				"createdAt": w.Rel.CreatedAt, "createdBy": w.Rel.CreatedBy, "feed": w.Rel.Feed,
			})
		}
		created := 0
		for _, t := range order {
			recs, err := collect(ctx, tx, relStatement(mergeImportedRels, t), impactParams(t, map[string]any{"rows": byType[t]}))
			if err != nil {
				return 0, err
			}
			n, _ := recs[0].Get("created")
			created += int(n.(int64))
		}
		return created, nil
	})
}

const sourceCIs = `
MATCH (c:CI {source: $source})
WHERE c.status <> $retired
RETURN c.externalId AS ext, c.id AS id`

// SourceCIs implements cmdb.Importer.
func (m *CMDB) SourceCIs(ctx context.Context, source string) (map[string]string, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) (map[string]string, error) {
		recs, err := collect(ctx, tx, sourceCIs, map[string]any{"source": source, "retired": string(cmdb.StatusRetired)})
		if err != nil {
			return nil, err
		}
		out := make(map[string]string, len(recs))
		for _, r := range recs {
			ext, _ := r.Get("ext")
			id, _ := r.Get("id")
			out[ext.(string)] = id.(string)
		}
		return out, nil
	})
}

// feedRelationships finds the relationships an import of $source created
// from the source's CIs. Those imported before relationships recorded their
// feed count when an import created them between two CIs of the source,
// the only kind feeds could make then.
const feedRelationships = `
MATCH (c:CI {source: $source})-[r]-(:CI)
WHERE type(r) IN $types
  AND coalesce(r.feed, CASE WHEN r.derivedEntry AND startNode(r).source = $source AND endNode(r).source = $source THEN $source END) = $source
WITH DISTINCT r
RETURN r.id AS id, type(r) AS type, r.feed AS feed, properties(startNode(r)) AS s, properties(endNode(r)) AS t`

// FeedRelationships implements cmdb.Importer.
func (m *CMDB) FeedRelationships(ctx context.Context, source string) ([]cmdb.Relationship, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) ([]cmdb.Relationship, error) {
		recs, err := collect(ctx, tx, feedRelationships, map[string]any{"source": source, "types": cmdb.CIRelTypeNames()})
		if err != nil {
			return nil, err
		}
		out := make([]cmdb.Relationship, 0, len(recs))
		for _, r := range recs {
			id, _ := r.Get("id")
			typ, _ := r.Get("type")
			out = append(out, cmdb.Relationship{ID: id.(string), Type: typ.(string), Source: ciFromProps(props(r, "s")), Target: ciFromProps(props(r, "t")), Feed: source})
		}
		return out, nil
	})
}

const missingGroups = `
UNWIND $ids AS id
OPTIONAL MATCH (g:Group {id: id})
WITH id, g WHERE g IS NULL
RETURN collect(id) AS missing`

// MissingGroups implements cmdb.Importer.
func (m *CMDB) MissingGroups(ctx context.Context, ids []string) ([]string, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) ([]string, error) {
		recs, err := collect(ctx, tx, missingGroups, map[string]any{"ids": ids})
		if err != nil {
			return nil, err
		}
		v, _ := recs[0].Get("missing")
		return strs(v), nil
	})
}
