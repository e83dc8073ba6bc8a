package neo4j

import (
	"context"
	"slices"
	"strings"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/cmdb"
)

var _ cmdb.Importer = (*CMDB)(nil)

// The CIs $source reports as ext are found in up to three statements: by
// the external id they were created with; by a SourceIdentity another
// source's CI gained, only when the source has any (most never do); then
// the found CIs by id. One statement joining the first two per row (a
// UNION in a subquery) took three times as long as the first alone, which
// is most of a first load's lookups.
const (
	idsBySourceKey = `
UNWIND $externalIds AS ext
MATCH (c:CI {source: $source, externalId: ext})
RETURN ext, c.id AS id`
	sourceHasIdentities = `
RETURN EXISTS { MATCH (k:SourceIdentity) WHERE k.source = $source AND k.externalId IS NOT NULL } AS any`
	// Planned while a source had no identities yet, it started from every
	// CI without the hint (27 s for a third of 100k rows).
	idsByIdentity = `
UNWIND $externalIds AS ext
MATCH (k:SourceIdentity {source: $source, externalId: ext})-[:IDENTIFIES]->(c:CI)
USING INDEX k:SourceIdentity(source, externalId)
RETURN ext, c.id AS id`
	// Locked before they are read, so that no other writer changes them
	// between this read and the batch's writes.
	lockByIDs = `
UNWIND $ids AS id
MATCH (c:CI:Item {id: id})
SET c._lock = true
REMOVE c._lock
RETURN properties(c) AS c`
)

const (
	// A CI $source already reports is no candidate: a second external id
	// of the same source is the source's own business. The hint keeps the
	// planner on the identifier's index: by the statistics, the index on
	// type can look as good, and reads every CI of the type per row.
	lockCandidates = `
UNWIND $rows AS row
MATCH (c:CI {$$ATTR: row.value})
USING INDEX c:CI($$ATTR)
WHERE c.type = row.type AND c.status <> $retired
  AND coalesce(c.source, '') <> $source
  AND none(k IN coalesce(c.identities, []) WHERE k STARTS WITH $prefix)
SET c._lock = true
REMOVE c._lock
RETURN row.ext AS ext, properties(c) AS c`
	linkIdentities = `
UNWIND $links AS l
MATCH (c:CI:Item {id: l.ciId})
CREATE (:SourceIdentity {source: l.source, externalId: l.externalId})-[:IDENTIFIES]->(c)`
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
	// A write that only moves which source owns a field records nothing.
	importQuietUpdates = `
UNWIND $rows AS row
MATCH (c:CI:Item {id: row.props.id})
SET c = row.props`
)

// updateRows splits updates into those with a history entry and the quiet
// ones.
func updateRows(ws []cmdb.ImportWrite) (recorded, quiet []map[string]any, err error) {
	for _, w := range ws {
		if w.Entry == nil {
			quiet = append(quiet, map[string]any{"props": ciToProps(w.CI)})
			continue
		}
		entry, err := entryParams(*w.Entry)
		if err != nil {
			return nil, nil, err
		}
		recorded = append(recorded, map[string]any{"props": ciToProps(w.CI), "entry": entry})
	}
	return recorded, quiet, nil
}

// candidateStatement is lockCandidates for one identifying attribute (from
// cmdb.IdentifyingAttributes, never from input).
func candidateStatement(attr string) string {
	if !slices.Contains(cmdb.IdentifyingAttributes, attr) {
		panic("neo4j: " + attr + " is not an identifying attribute")
	}
	return strings.ReplaceAll(lockCandidates, "$$ATTR", "`"+attrPrefix+attr+"`")
}

// findCandidates locks, for the keys not found, the CIs their identifiers
// match: one statement per identifying attribute, a key trying the next
// attribute only when the stronger ones matched nothing.
func findCandidates(ctx context.Context, tx driver.ManagedTransaction, source string, keys []cmdb.ImportKey, existing map[string]cmdb.CI) (map[string]cmdb.Candidates, error) {
	out := map[string]cmdb.Candidates{}
	for _, attr := range cmdb.IdentifyingAttributes {
		var rows []map[string]any
		for _, k := range keys {
			if _, ok := existing[k.ExternalID]; ok {
				continue
			}
			if _, ok := out[k.ExternalID]; ok {
				continue
			}
			for _, id := range k.Identifiers {
				if id.Attribute == attr {
					rows = append(rows, map[string]any{"ext": k.ExternalID, "type": string(k.Type), "value": id.Value})
				}
			}
		}
		if len(rows) == 0 {
			continue
		}
		recs, err := collect(ctx, tx, candidateStatement(attr), map[string]any{"rows": rows, "source": source, "prefix": identityKey(cmdb.SourceKey{Source: source}),
			"retired": string(cmdb.StatusRetired)})
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			ext, _ := r.Get("ext")
			c := ciFromProps(props(r, "c"))
			got := out[ext.(string)]
			got.By = cmdb.Identifier{Attribute: attr, Value: c.Attributes[attr]}
			got.CIs = append(got.CIs, c)
			out[ext.(string)] = got
		}
	}
	return out, nil
}

// bySourceKeys returns the CIs source reports as exts, by external id,
// read by byIDs (lockByIDs or readByIDs).
func bySourceKeys(ctx context.Context, tx driver.ManagedTransaction, source string, exts []string, byIDs string) (map[string]cmdb.CI, error) {
	params := map[string]any{"source": source, "externalIds": exts}
	recs, err := collect(ctx, tx, idsBySourceKey, params)
	if err != nil {
		return nil, err
	}
	has, err := collect(ctx, tx, sourceHasIdentities, params)
	if err != nil {
		return nil, err
	}
	if yes, _ := has[0].Get("any"); yes == true {
		more, err := collect(ctx, tx, idsByIdentity, params)
		if err != nil {
			return nil, err
		}
		recs = append(recs, more...)
	}
	if len(recs) == 0 {
		return map[string]cmdb.CI{}, nil
	}
	extsOf := make(map[string][]string, len(recs))
	ids := make([]string, 0, len(recs))
	for _, r := range recs {
		ext, _ := r.Get("ext")
		id, _ := r.Get("id")
		if _, ok := extsOf[id.(string)]; !ok {
			ids = append(ids, id.(string))
		}
		extsOf[id.(string)] = append(extsOf[id.(string)], ext.(string))
	}
	cis, err := collect(ctx, tx, byIDs, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	out := make(map[string]cmdb.CI, len(recs))
	for _, r := range cis {
		c := ciFromProps(props(r, "c"))
		for _, ext := range extsOf[c.ID] {
			out[ext] = c
		}
	}
	return out, nil
}

// ImportCIs implements cmdb.Importer.
func (m *CMDB) ImportCIs(ctx context.Context, source string, keys []cmdb.ImportKey, apply func(cmdb.ImportFound) (cmdb.ImportPlan, error)) error {
	externalIDs := make([]string, len(keys))
	for i, k := range keys {
		externalIDs[i] = k.ExternalID
	}
	_, err := write(ctx, m.s, func(tx driver.ManagedTransaction) (struct{}, error) {
		existing, err := bySourceKeys(ctx, tx, source, externalIDs, lockByIDs)
		if err != nil {
			return struct{}{}, err
		}
		candidates, err := findCandidates(ctx, tx, source, keys, existing)
		if err != nil {
			return struct{}{}, err
		}
		plan, err := apply(cmdb.ImportFound{Existing: existing, Candidates: candidates})
		if err != nil {
			return struct{}{}, err
		}
		creates, updates := plan.Creates, plan.Updates
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
			was := foundByID(existing, candidates)
			before := make([]cmdb.CI, 0, len(updates))
			var renamed []string
			for _, w := range updates {
				if w.Entry == nil {
					continue
				}
				cur := was[w.CI.ID]
				before = append(before, cur)
				if cur.Name != w.CI.Name {
					renamed = append(renamed, cur.ID)
				}
			}
			if err := recordCreations(ctx, tx, before); err != nil {
				return struct{}{}, err
			}
			if err := recordBeforeRename(ctx, tx, renamed); err != nil {
				return struct{}{}, err
			}
			recorded, quiet, err := updateRows(updates)
			if err != nil {
				return struct{}{}, err
			}
			for _, u := range []struct {
				stmt string
				rows []map[string]any
			}{{importUpdates, recorded}, {importQuietUpdates, quiet}} {
				if len(u.rows) == 0 {
					continue
				}
				if _, err := collect(ctx, tx, u.stmt, map[string]any{"rows": u.rows}); err != nil {
					return struct{}{}, err
				}
			}
		}
		if len(plan.Links) > 0 {
			links := make([]map[string]any, len(plan.Links))
			for i, l := range plan.Links {
				links[i] = map[string]any{"source": l.Key.Source, "externalId": l.Key.ExternalID, "ciId": l.CIID}
			}
			if _, err := collect(ctx, tx, linkIdentities, map[string]any{"links": links}); err != nil {
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
		cis, err := bySourceKeys(ctx, tx, source, exts, readByIDs)
		if err != nil {
			return cmdb.FoundEnds{}, err
		}
		for ext, c := range cis {
			found.ByKey[cmdb.SourceKey{Source: source, ExternalID: ext}] = c
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
CALL () {
  MATCH (c:CI {source: $source})
  RETURN c.externalId AS ext, c
  UNION
  MATCH (k:SourceIdentity {source: $source})-[:IDENTIFIES]->(c:CI)
  RETURN k.externalId AS ext, c
}
WITH ext, c WHERE c.status <> $retired
RETURN ext, c.id AS id`

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
CALL () {
  MATCH (c:CI {source: $source})
  RETURN c
  UNION
  MATCH (:SourceIdentity {source: $source})-[:IDENTIFIES]->(c:CI)
  RETURN c
}
MATCH (c)-[r]-(:CI)
WHERE type(r) IN $types
  AND coalesce(r.feed, CASE WHEN r.derivedEntry AND startNode(r).source = $source AND endNode(r).source = $source THEN $source END) = $source
WITH DISTINCT r
RETURN r.id AS id, type(r) AS type, startNode(r).id AS s, endNode(r).id AS t`

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
			s, _ := r.Get("s")
			t, _ := r.Get("t")
			out = append(out, cmdb.Relationship{ID: id.(string), Type: typ.(string), Source: cmdb.CI{ID: s.(string)}, Target: cmdb.CI{ID: t.(string)}, Feed: source})
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

// foundByID keys the CIs a batch found by id.
func foundByID(existing map[string]cmdb.CI, candidates map[string]cmdb.Candidates) map[string]cmdb.CI {
	out := make(map[string]cmdb.CI, len(existing)+len(candidates))
	for _, c := range existing {
		out[c.ID] = c
	}
	for _, cs := range candidates {
		for _, c := range cs.CIs {
			out[c.ID] = c
		}
	}
	return out
}

const (
	readRules = `
OPTIONAL MATCH (r:ReconciliationRules {name: 'cmdb'})
RETURN properties(r) AS r`
	writeRules = `
MERGE (r:ReconciliationRules {name: 'cmdb'})
SET r.precedence = $precedence, r.updatedAt = $at, r.updatedBy = $by`
)

type precedenceDoc struct {
	Field   string   `json:"field"`
	Sources []string `json:"sources"`
}

// ReconciliationRules implements cmdb.Importer.
func (m *CMDB) ReconciliationRules(ctx context.Context) (cmdb.Rules, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) (cmdb.Rules, error) {
		recs, err := collect(ctx, tx, readRules, nil)
		if err != nil {
			return cmdb.Rules{}, err
		}
		p := props(recs[0], "r")
		if p == nil {
			return cmdb.Rules{}, nil
		}
		prec, err := decodeList(p, "precedence", "reconciliation rules", func(d precedenceDoc) cmdb.Precedence {
			return cmdb.Precedence{Field: d.Field, Sources: d.Sources}
		})
		return cmdb.Rules{Precedence: prec, UpdatedAt: tm(p, "updatedAt"), UpdatedBy: str(p, "updatedBy")}, err
	})
}

// SetReconciliationRules implements cmdb.Importer.
func (m *CMDB) SetReconciliationRules(ctx context.Context, r cmdb.Rules) error {
	prec, err := jsonProp(convert(r.Precedence, func(p cmdb.Precedence) precedenceDoc {
		return precedenceDoc{Field: p.Field, Sources: p.Sources}
	}))
	if err != nil {
		return err
	}
	_, err = write(ctx, m.s, func(tx driver.ManagedTransaction) (struct{}, error) {
		_, err := collect(ctx, tx, writeRules, map[string]any{"precedence": prec, "at": r.UpdatedAt, "by": r.UpdatedBy})
		return struct{}{}, err
	})
	return err
}
