package neo4j

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/paging"
)

// CMDB implements cmdb.Store.
type CMDB struct{ s *Store }

// CMDB returns the CMDB part of the store.
func (s *Store) CMDB() *CMDB { return &CMDB{s: s} }

var _ cmdb.Store = (*CMDB)(nil)

// cmdbMigrations are the constraints and indexes of CIs and their history.
func cmdbMigrations() []string {
	m := []string{
		"CREATE CONSTRAINT ci_source_external_id IF NOT EXISTS FOR (c:CI) REQUIRE (c.source, c.externalId) IS UNIQUE",
		"CREATE INDEX ci_type IF NOT EXISTS FOR (c:CI) ON (c.type)",
		"CREATE INDEX ci_name IF NOT EXISTS FOR (c:CI) ON (c.name)",
		"CREATE INDEX ci_owner_group IF NOT EXISTS FOR (c:CI) ON (c.ownerGroupId)",
		"CREATE CONSTRAINT ci_history_id IF NOT EXISTS FOR (h:CIHistory) REQUIRE h.id IS UNIQUE",
	}
	// Relationship ids are looked up by node(id:); a relationship index needs
	// its type, so there is one per catalogue type (names from the allowlist).
	for _, t := range cmdb.RelationshipTypes() {
		m = append(m, fmt.Sprintf("CREATE INDEX rel_%s_id IF NOT EXISTS FOR ()-[r:%s]-() ON (r.id)", t.Name, t.Name))
	}
	// Indexes of earlier versions that cost writes and served no query.
	return append(m,
		"DROP CONSTRAINT ci_id IF EXISTS",
		"DROP INDEX ci_created_at IF EXISTS",
		"DROP INDEX ci_updated_at IF EXISTS",
		// A handful of statuses, most CIs ACTIVE: too unselective to help.
		"DROP INDEX ci_status IF EXISTS",
		// The trigram TEXT index behind nameContains halved the bulk import
		// rate; a scan comparing lower-cased names answers in about 50 ms at
		// 70k CIs. (CIs no longer store a lower-cased name: one property
		// fewer is about 5% more CIs per second on import.)
		"DROP INDEX ci_name_lower IF EXISTS",
	)
}

// attrPrefix keeps custom attributes apart from the CI's own properties.
const attrPrefix = "attr."

func ciToProps(c cmdb.CI) map[string]any {
	p := map[string]any{
		"id":           c.ID,
		"name":         c.Name,
		"type":         string(c.Type),
		"status":       string(c.Status),
		"environment":  string(c.Environment),
		"criticality":  string(c.Criticality),
		"description":  nullable(c.Description),
		"location":     nullable(c.Location),
		"ownerGroupId": nullable(c.OwnerGroupID),
		"source":       nullable(c.Source),
		"externalId":   nullable(c.ExternalID),
		"version":      int64(c.Version),
		"createdAt":    c.CreatedAt,
		"createdBy":    nullable(c.CreatedBy),
		"updatedAt":    c.UpdatedAt,
	}
	if c.MinimumUp > 0 {
		p["minimumUp"] = int64(c.MinimumUp)
	}
	if c.RetiredAt != nil {
		p["retiredAt"] = *c.RetiredAt
	}
	for k, v := range c.Attributes {
		p[attrPrefix+k] = v
	}
	return p
}

func ciFromProps(p map[string]any) cmdb.CI {
	c := cmdb.CI{
		ID:           str(p, "id"),
		Name:         str(p, "name"),
		Type:         cmdb.Type(str(p, "type")),
		Status:       cmdb.Status(str(p, "status")),
		Environment:  cmdb.Environment(str(p, "environment")),
		Criticality:  cmdb.Criticality(str(p, "criticality")),
		Description:  str(p, "description"),
		Location:     str(p, "location"),
		OwnerGroupID: str(p, "ownerGroupId"),
		MinimumUp:    num(p, "minimumUp"),
		Source:       str(p, "source"),
		ExternalID:   str(p, "externalId"),
		Version:      num(p, "version"),
		CreatedAt:    tm(p, "createdAt"),
		CreatedBy:    str(p, "createdBy"),
		UpdatedAt:    tm(p, "updatedAt"),
		RetiredAt:    tmPtr(p, "retiredAt"),
		Attributes:   map[string]string{},
	}
	for k, v := range p {
		if key, ok := strings.CutPrefix(k, attrPrefix); ok {
			if s, ok := v.(string); ok {
				c.Attributes[key] = s
			}
		}
	}
	return c
}

// fieldChangeDoc is one element of a history entry's changes document
// (see docs.go).
type fieldChangeDoc struct {
	Field  string  `json:"field"`
	Before *string `json:"before,omitempty"`
	After  *string `json:"after,omitempty"`
}

func entryParams(e cmdb.HistoryEntry) (map[string]any, error) {
	changes, err := jsonProp(convert(e.Changes, func(c cmdb.FieldChange) fieldChangeDoc {
		return fieldChangeDoc{Field: c.Field, Before: c.Before, After: c.After}
	}))
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"id":       e.ID,
		"at":       e.At,
		"actor":    e.Actor,
		"action":   string(e.Action),
		"changes":  changes,
		"changeId": nullable(e.ChangeID),
	}, nil
}

// entryFromProps decodes a recorded entry; INTERNAL when its changes cannot
// be read.
func entryFromProps(p map[string]any) (cmdb.HistoryEntry, error) {
	e := cmdb.HistoryEntry{
		ID:       str(p, "id"),
		At:       tm(p, "at"),
		Actor:    str(p, "actor"),
		Action:   cmdb.Action(str(p, "action")),
		ChangeID: str(p, "changeId"),
	}
	var changes []fieldChangeDoc
	if err := decodeDoc(p, "changes", "CI history entry", &changes); err != nil {
		return cmdb.HistoryEntry{}, err
	}
	e.Changes = convert(changes, func(d fieldChangeDoc) cmdb.FieldChange {
		return cmdb.FieldChange{Field: d.Field, Before: d.Before, After: d.After}
	})
	return e, nil
}

const recordHistory = `
CREATE (h:CIHistory)
SET h = $entry
WITH h
MATCH (c:CI:Item) WHERE c.id IN $ciIds
CREATE (c)-[:HAS_HISTORY]->(h)`

// recordCreation writes the CREATED entry of CIs about to change (see
// cmdb.CreationEntry), unless it is already written: by an earlier change,
// or because the CI was created before creations were derived.
const recordCreation = `
UNWIND $entries AS e
MATCH (c:CI:Item {id: e.ciId})
WHERE NOT EXISTS { (c)-[:HAS_HISTORY]->(:CIHistory {action: $created}) }
CREATE (h:CIHistory)
SET h = e.entry
CREATE (c)-[:HAS_HISTORY]->(h)`

func recordCreations(ctx context.Context, tx driver.ManagedTransaction, cis []cmdb.CI) error {
	entries := make([]map[string]any, len(cis))
	for i, c := range cis {
		params, err := entryParams(cmdb.CreationEntry(c))
		if err != nil {
			return err
		}
		entries[i] = map[string]any{"ciId": c.ID, "entry": params}
	}
	_, err := collect(ctx, tx, recordCreation, historyParams(map[string]any{"entries": entries}))
	return err
}

// linkToChange ties an entry to the change it was made under, so that a
// change lists its modifications without a scan of all history.
const linkToChange = `
MATCH (h:CIHistory {id: $entryId})
MATCH (ch:Change {id: $changeId})
CREATE (ch)-[:AUTHORISED]->(h)`

func recordEntry(ctx context.Context, tx driver.ManagedTransaction, e cmdb.HistoryEntry, ciIDs ...string) error {
	params, err := entryParams(e)
	if err != nil {
		return err
	}
	if _, err = collect(ctx, tx, recordHistory, map[string]any{"entry": params, "ciIds": ciIDs}); err != nil || e.ChangeID == "" {
		return err
	}
	_, err = collect(ctx, tx, linkToChange, map[string]any{"entryId": e.ID, "changeId": e.ChangeID})
	return err
}

const claimIdempotencyKey = `
MERGE (k:IdempotencyKey {key: $key})
ON CREATE SET k.fingerprint = $fingerprint, k.resultId = $resultId, k.createdAt = $now
RETURN k.resultId AS resultId, k.fingerprint AS fingerprint`

// claimKey records key for resultID, or returns the id recorded by an earlier
// request. The unique constraint makes a concurrent claim wait for ours.
func claimKey(ctx context.Context, tx driver.ManagedTransaction, key *cmdb.IdempotencyKey, resultID string, now time.Time) (string, error) {
	recs, err := collect(ctx, tx, claimIdempotencyKey, map[string]any{
		"key": key.Scope + "\x1f" + key.Key, "fingerprint": key.Fingerprint, "resultId": resultID, "now": now,
	})
	if err != nil {
		return "", err
	}
	got, _ := recs[0].Get("resultId")
	fp, _ := recs[0].Get("fingerprint")
	if fp != key.Fingerprint {
		return "", apperr.New(apperr.Conflict, "idempotencyKey %q was already used for a different request; use a new key for a new request", key.Key)
	}
	id, _ := got.(string)
	return id, nil
}

const checkOwnerGroup = `
OPTIONAL MATCH (g:Group {id: $id})
RETURN g IS NOT NULL AS found`

func ensureGroup(ctx context.Context, tx driver.ManagedTransaction, id string) error {
	if id == "" {
		return nil
	}
	recs, err := collect(ctx, tx, checkOwnerGroup, map[string]any{"id": id})
	if err != nil {
		return err
	}
	if found, _ := recs[0].Get("found"); found != true {
		return apperr.New(apperr.NotFound, "ownerGroupId: no group has id %q", id)
	}
	return nil
}

const findBySourceKey = `
MATCH (c:CI {source: $source, externalId: $externalId})
RETURN c.id AS id`

const createCI = `
CREATE (c:CI:Item)
SET c = $props
RETURN properties(c) AS c`

// CreateCI implements cmdb.Store.
func (m *CMDB) CreateCI(ctx context.Context, ci cmdb.CI, key *cmdb.IdempotencyKey) (cmdb.CI, error) {
	return write(ctx, m.s, func(tx driver.ManagedTransaction) (cmdb.CI, error) {
		if key != nil {
			first, err := claimKey(ctx, tx, key, ci.ID, ci.CreatedAt)
			if err != nil {
				return cmdb.CI{}, err
			}
			if first != ci.ID {
				got, err := getCIs(ctx, tx, []string{first})
				if err != nil {
					return cmdb.CI{}, err
				}
				if len(got) == 0 {
					return cmdb.CI{}, apperr.New(apperr.NotFound, "the CI created under idempotencyKey %q no longer exists", key.Key)
				}
				return got[0], nil
			}
		}
		if err := ensureGroup(ctx, tx, ci.OwnerGroupID); err != nil {
			return cmdb.CI{}, err
		}
		if ci.Source != "" {
			recs, err := collect(ctx, tx, findBySourceKey, map[string]any{"source": ci.Source, "externalId": ci.ExternalID})
			if err != nil {
				return cmdb.CI{}, err
			}
			if len(recs) > 0 {
				id, _ := recs[0].Get("id")
				return cmdb.CI{}, apperr.New(apperr.Conflict, "CI %v already has source %q and externalId %q; update that CI instead", id, ci.Source, ci.ExternalID)
			}
		}
		recs, err := collect(ctx, tx, createCI, map[string]any{"props": ciToProps(ci)})
		if err != nil {
			return cmdb.CI{}, err
		}
		return ciFromProps(props(recs[0], "c")), nil
	})
}

const getCIsByID = `
MATCH (c:CI:Item) WHERE c.id IN $ids
RETURN properties(c) AS c`

func getCIs(ctx context.Context, tx driver.ManagedTransaction, ids []string) ([]cmdb.CI, error) {
	recs, err := collect(ctx, tx, getCIsByID, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	out := make([]cmdb.CI, 0, len(recs))
	for _, r := range recs {
		out = append(out, ciFromProps(props(r, "c")))
	}
	return out, nil
}

// GetCIs implements cmdb.Store.
func (m *CMDB) GetCIs(ctx context.Context, ids []string) ([]cmdb.CI, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) ([]cmdb.CI, error) {
		return getCIs(ctx, tx, ids)
	})
}

// lockCI takes the CI's write lock before reading it: Neo4j reads at read
// committed, so comparing versions without the lock could lose an update.
const lockCI = `
MATCH (c:CI:Item {id: $id})
SET c._lock = true
REMOVE c._lock
RETURN properties(c) AS c`

const replaceCI = `
MATCH (c:CI:Item {id: $id})
SET c = $props
RETURN properties(c) AS c`

func lock(ctx context.Context, tx driver.ManagedTransaction, id string) (cmdb.CI, error) {
	recs, err := collect(ctx, tx, lockCI, map[string]any{"id": id})
	if err != nil {
		return cmdb.CI{}, err
	}
	if len(recs) == 0 {
		return cmdb.CI{}, apperr.New(apperr.NotFound, "no configuration item has id %q", id)
	}
	return ciFromProps(props(recs[0], "c")), nil
}

// UpdateCI implements cmdb.Store.
func (m *CMDB) UpdateCI(ctx context.Context, id string, apply func(cmdb.CI) (cmdb.CI, *cmdb.HistoryEntry, error)) (cmdb.CI, error) {
	return write(ctx, m.s, func(tx driver.ManagedTransaction) (cmdb.CI, error) {
		cur, err := lock(ctx, tx, id)
		if err != nil {
			return cmdb.CI{}, err
		}
		next, entry, err := apply(cur)
		if err != nil || entry == nil {
			return next, err
		}
		if next.OwnerGroupID != cur.OwnerGroupID {
			if err := ensureGroup(ctx, tx, next.OwnerGroupID); err != nil {
				return cmdb.CI{}, err
			}
		}
		if err := recordCreations(ctx, tx, []cmdb.CI{cur}); err != nil {
			return cmdb.CI{}, err
		}
		recs, err := collect(ctx, tx, replaceCI, map[string]any{"id": id, "props": ciToProps(next)})
		if err != nil {
			return cmdb.CI{}, err
		}
		if err := recordEntry(ctx, tx, *entry, id); err != nil {
			return cmdb.CI{}, err
		}
		if cmdb.LeavesService(cur.Status, next.Status) {
			if err := isolate(ctx, tx, id); err != nil {
				return cmdb.CI{}, err
			}
		}
		return ciFromProps(props(recs[0], "c")), nil
	})
}

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
func (m *CMDB) Relate(ctx context.Context, rel cmdb.Relationship, check func(src, tgt cmdb.CI) error, entry cmdb.HistoryEntry) (cmdb.Relationship, bool, error) {
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
		if err := check(locked[rel.Source.ID], locked[rel.Target.ID]); err != nil {
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
		}
		return result{rel: r, created: created == true}, nil
	})
	return res.rel, res.created, err
}

func relFromRecord(r *driver.Record, relType string) cmdb.Relationship {
	rp := props(r, "r")
	return cmdb.Relationship{
		ID:        str(rp, "id"),
		Type:      relType,
		Source:    ciFromProps(props(r, "s")),
		Target:    ciFromProps(props(r, "t")),
		CreatedAt: tm(rp, "createdAt"),
		CreatedBy: str(rp, "createdBy"),
	}
}

// deleteRelationship returns, for a feed relationship, its derived ADDED
// entry, which must be recorded now that the relationship goes.
const deleteRelationship = `
MATCH (s:CI:Item {id: $sourceId})-[r:$$TYPE]->(t:CI:Item {id: $targetId})
WITH r, r.id AS id, CASE WHEN r.derivedEntry THEN ` + derivedRelEntry + ` END AS added
DELETE r
RETURN id, added`

// Unrelate implements cmdb.Store.
func (m *CMDB) Unrelate(ctx context.Context, sourceID, relType, targetID string, entry cmdb.HistoryEntry) (string, error) {
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
		if err := recordEntry(ctx, tx, entry, sourceID, targetID); err != nil {
			return "", err
		}
		return relID, nil
	})
}

// The relationships of many CIs in one statement, per direction. The other
// end is returned whole so that resolving source and target costs nothing.
const (
	relsOutgoing = `
UNWIND $ids AS id
MATCH (c:CI:Item {id: id})
CALL (c) {
  MATCH (c)-[r]->(o:CI) WHERE type(r) IN $types
  RETURN r, c AS s, o AS t, o.name AS other ORDER BY type(r), other, r.id LIMIT $limit
}
RETURN id, type(r) AS type, properties(r) AS r, properties(s) AS s, properties(t) AS t`
	relsIncoming = `
UNWIND $ids AS id
MATCH (c:CI:Item {id: id})
CALL (c) {
  MATCH (c)<-[r]-(o:CI) WHERE type(r) IN $types
  RETURN r, o AS s, c AS t, o.name AS other ORDER BY type(r), other, r.id LIMIT $limit
}
RETURN id, type(r) AS type, properties(r) AS r, properties(s) AS s, properties(t) AS t`
	relsBoth = `
UNWIND $ids AS id
MATCH (c:CI:Item {id: id})
CALL (c) {
  MATCH (c)-[r]-(o:CI) WHERE type(r) IN $types
  RETURN r, startNode(r) AS s, endNode(r) AS t, o.name AS other ORDER BY type(r), other, r.id LIMIT $limit
}
RETURN id, type(r) AS type, properties(r) AS r, properties(s) AS s, properties(t) AS t`
)

// Relationships implements cmdb.Store.
func (m *CMDB) Relationships(ctx context.Context, ciIDs []string, dir cmdb.Direction, types []string, limit int) (map[string][]cmdb.Relationship, error) {
	if len(types) == 0 {
		types = cmdb.RelTypeNames()
	}
	stmt := relsBoth
	switch dir {
	case cmdb.Outgoing:
		stmt = relsOutgoing
	case cmdb.Incoming:
		stmt = relsIncoming
	}
	return read(ctx, m.s, func(tx driver.ManagedTransaction) (map[string][]cmdb.Relationship, error) {
		recs, err := collect(ctx, tx, stmt, map[string]any{"ids": ciIDs, "types": types, "limit": int64(limit)})
		if err != nil {
			return nil, err
		}
		out := make(map[string][]cmdb.Relationship, len(ciIDs))
		for _, r := range recs {
			id, _ := r.Get("id")
			t, _ := r.Get("type")
			ts, _ := t.(string)
			out[id.(string)] = append(out[id.(string)], relFromRecord(r, ts))
		}
		return out, nil
	})
}

const membersOf = `
UNWIND $ids AS id
MATCH (g:CI:Item {id: id})<-[:MEMBER_OF]-(m:CI)
WITH id, m ORDER BY m.name, m.id
RETURN id, collect(properties(m)) AS items`

// Members implements cmdb.Store.
func (m *CMDB) Members(ctx context.Context, groupIDs []string) (map[string][]cmdb.CI, error) {
	return grouped(ctx, m.s, membersOf, groupIDs, ciFromProps)
}

// derivedRelEntry is what cmdb.RelationshipEntry needs of a relationship r
// whose ADDED entry is derived, with the entry's id (made as
// cmdb.RelationshipEntryID makes it) and the CIs it concerns; entryFromMap
// reads it.
const derivedRelEntry = `{rel: r.id, type: type(r), source: startNode(r).id, target: endNode(r).id,
  at: r.createdAt, actor: r.createdBy, id: $entryPrefix + substring(r.id, size($relPrefix)),
  ciIds: [startNode(r).id, endNode(r).id]}`

// historyParams adds the parameters history statements use: those of
// derivedRelEntry, and the action of a CREATED entry.
func historyParams(params map[string]any) map[string]any {
	params["entryPrefix"], params["relPrefix"] = cmdb.HistoryPrefix+"_", cmdb.RelationshipPrefix+"_"
	params["created"] = string(cmdb.ActionCreated)
	return params
}

// entryFromMap decodes a recorded entry's properties or a derivedRelEntry.
func entryFromMap(p map[string]any) (cmdb.HistoryEntry, error) {
	if _, derived := p["rel"]; !derived {
		return entryFromProps(p)
	}
	return cmdb.RelationshipEntry(cmdb.Relationship{
		ID: str(p, "rel"), Type: str(p, "type"),
		Source: cmdb.CI{ID: str(p, "source")}, Target: cmdb.CI{ID: str(p, "target")},
		CreatedAt: tm(p, "at"), CreatedBy: str(p, "actor"),
	}), nil
}

// A CI's history is its recorded entries and the derived ADDED entries of
// its feed relationships, merged in one order; its CREATED entry, while
// derived, is added in Go (it needs the CI whole).
const historyOf = `
UNWIND $ids AS id
MATCH (c:CI:Item {id: id})
CALL (c) {
  CALL (c) {
    MATCH (c)-[:HAS_HISTORY]->(h:CIHistory)
    RETURN properties(h) AS entry
    UNION ALL
    MATCH (c)-[r]-(:CI) WHERE r.derivedEntry
    RETURN ` + derivedRelEntry + ` AS entry
  }
  WITH entry
  WHERE $afterAt IS NULL OR entry.at < $afterAt OR (entry.at = $afterAt AND entry.id < $afterId)
  ORDER BY entry.at DESC, entry.id DESC LIMIT $limit
  RETURN collect(entry) AS entries
}
RETURN id, entries,
  COUNT { (c)-[:HAS_HISTORY]->(:CIHistory) } + COUNT { (c)-[r]-(:CI) WHERE r.derivedEntry } AS total,
  EXISTS { (c)-[:HAS_HISTORY]->(:CIHistory {action: $created}) } AS recorded,
  properties(c) AS ci`

const historySort = "history"

// History implements cmdb.Store.
func (m *CMDB) History(ctx context.Context, ciIDs []string, p paging.Request) (map[string]paging.Page[cmdb.HistoryEntry], error) {
	params := historyParams(map[string]any{"ids": ciIDs, "limit": int64(p.First + 1), "afterAt": nil, "afterId": nil})
	if p.After != "" {
		k, err := paging.Decode(p.After, historySort)
		if err != nil {
			return nil, err
		}
		at, err := keysetTime(k)
		if err != nil {
			return nil, err
		}
		params["afterAt"], params["afterId"] = at, k.ID
	}
	return read(ctx, m.s, func(tx driver.ManagedTransaction) (map[string]paging.Page[cmdb.HistoryEntry], error) {
		recs, err := collect(ctx, tx, historyOf, params)
		if err != nil {
			return nil, err
		}
		out := make(map[string]paging.Page[cmdb.HistoryEntry], len(recs))
		for _, r := range recs {
			id, _ := r.Get("id")
			v, _ := r.Get("entries")
			total, _ := r.Get("total")
			recorded, _ := r.Get("recorded")
			page := paging.Page[cmdb.HistoryEntry]{HasPrevious: p.After != ""}
			page.Total = int(total.(int64))
			stored := maps(v)
			entries := make([]cmdb.HistoryEntry, 0, len(stored)+1)
			for _, hp := range stored {
				e, err := entryFromMap(hp)
				if err != nil {
					return nil, err
				}
				entries = append(entries, e)
			}
			if recorded != true {
				// The CI has not changed since it was created: its CREATED
				// entry is derived from it (see cmdb.CreationEntry).
				page.Total++
				created := cmdb.CreationEntry(ciFromProps(props(r, "ci")))
				if p.After == "" || newerFirst(created, params["afterAt"].(time.Time), params["afterId"].(string)) > 0 {
					entries = append(entries, created)
					slices.SortFunc(entries, func(a, b cmdb.HistoryEntry) int { return newerFirst(a, b.At, b.ID) })
				}
			}
			for _, e := range entries {
				if len(page.Items) == p.First {
					page.HasNext = true
					break
				}
				page.Items = append(page.Items, e)
				page.Cursors = append(page.Cursors, paging.Encode(paging.Keyset{Value: e.At.Format(time.RFC3339Nano), ID: e.ID, Sort: historySort}))
			}
			out[id.(string)] = page
		}
		return out, nil
	})
}

// newerFirst orders history entries as History lists them: newest first,
// then by id descending. It is negative when e comes before (at, id).
func newerFirst(e cmdb.HistoryEntry, at time.Time, id string) int {
	if c := at.Compare(e.At); c != 0 {
		return c
	}
	return strings.Compare(id, e.ID)
}

func keysetTime(k paging.Keyset) (time.Time, error) {
	s, _ := k.Value.(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, apperr.Invalid("after", "is not a cursor returned by this list")
	}
	return t, nil
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

// historyEntryByID finds a recorded entry, or the CI whose CREATED entry
// would have the id if it is still derived.
const historyEntryByID = `
OPTIONAL MATCH (h:CIHistory {id: $id})
OPTIONAL MATCH (c:CI:Item {id: $ciId})
  WHERE NOT EXISTS { (c)-[:HAS_HISTORY]->(:CIHistory {action: $created}) }
RETURN properties(h) AS h, properties(c) AS c`

// derivedEntryByRel finds the feed relationship whose ADDED entry would
// have the id, one branch per type as in relationshipByID.
func derivedEntryByRel() string {
	var branches []string
	for _, t := range cmdb.CIRelTypeNames() {
		branches = append(branches, relStatement(`
  MATCH (:CI)-[r:$$TYPE]->(:CI) WHERE r.id = $relId AND r.derivedEntry
  RETURN `+derivedRelEntry+` AS entry`, t))
	}
	return "CALL () {" + strings.Join(branches, "\n  UNION") + "\n}\nRETURN entry"
}

// HistoryEntry implements cmdb.Store.
func (m *CMDB) HistoryEntry(ctx context.Context, id string) (cmdb.HistoryEntry, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) (cmdb.HistoryEntry, error) {
		ciID, relID, _ := cmdb.DerivedFrom(id)
		recs, err := collect(ctx, tx, historyEntryByID, historyParams(map[string]any{"id": id, "ciId": ciID}))
		if err != nil {
			return cmdb.HistoryEntry{}, err
		}
		if h := props(recs[0], "h"); h != nil {
			return entryFromProps(h)
		}
		if c := props(recs[0], "c"); c != nil {
			return cmdb.CreationEntry(ciFromProps(c)), nil
		}
		if relID != "" {
			recs, err := collect(ctx, tx, derivedEntryByRel(), historyParams(map[string]any{"relId": relID}))
			if err != nil {
				return cmdb.HistoryEntry{}, err
			}
			if len(recs) > 0 {
				return entryFromMap(props(recs[0], "entry"))
			}
		}
		return cmdb.HistoryEntry{}, apperr.New(apperr.NotFound, "no history entry has id %q", id)
	})
}
