package neo4j

import (
	"context"
	"fmt"
	"strings"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/ids"
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
		"CREATE INDEX ci_name IF NOT EXISTS FOR (c:CI) ON (c.name)",
		"CREATE INDEX ci_owner_group IF NOT EXISTS FOR (c:CI) ON (c.ownerGroupId)",
		// Lists of some types, and lists by time, read each type in order
		// from these (see ciList); counts by type and status read the last.
		"CREATE INDEX ci_type_name IF NOT EXISTS FOR (c:CI) ON (c.type, c.name)",
		"CREATE INDEX ci_type_created_at IF NOT EXISTS FOR (c:CI) ON (c.type, c.createdAt)",
		"CREATE INDEX ci_type_updated_at IF NOT EXISTS FOR (c:CI) ON (c.type, c.updatedAt)",
		"CREATE INDEX ci_type_status IF NOT EXISTS FOR (c:CI) ON (c.type, c.status)",
		"CREATE CONSTRAINT ci_history_id IF NOT EXISTS FOR (h:CIHistory) REQUIRE h.id IS UNIQUE",
		// Another source's identity of a CI (see cmdb.IdentifyingAttributes).
		"CREATE CONSTRAINT source_identity_key IF NOT EXISTS FOR (k:SourceIdentity) REQUIRE (k.source, k.externalId) IS UNIQUE",
	}
	// A feed row its source does not know yet is looked up by these.
	for _, a := range cmdb.IdentifyingAttributes {
		m = append(m, fmt.Sprintf("CREATE INDEX ci_identify_%s IF NOT EXISTS FOR (c:CI) ON (c.`%s%s`)", a, attrPrefix, a))
	}
	// Relationship ids are looked up by node(id:); a relationship index needs
	// its type, so there is one per catalogue type (names from the allowlist).
	for _, t := range cmdb.RelationshipTypes() {
		m = append(m, fmt.Sprintf("CREATE INDEX rel_%s_id IF NOT EXISTS FOR ()-[r:%s]-() ON (r.id)", t.Name, t.Name))
	}
	// Indexes of earlier versions that cost writes and served no query.
	return append(m,
		"DROP CONSTRAINT ci_id IF EXISTS",
		// A handful of statuses, most CIs ACTIVE: too unselective to help.
		"DROP INDEX ci_status IF EXISTS",
		// Lists by time read each type from the (type, …) indexes, and the
		// (type, status) index counts by type: these three cost each CI
		// write and served nothing else (7% of the bulk import rate).
		"DROP INDEX ci_type IF EXISTS",
		"DROP INDEX ci_created_at IF EXISTS",
		"DROP INDEX ci_updated_at IF EXISTS",
		// The trigram TEXT index behind nameContains halved the bulk import
		// rate; a scan comparing lower-cased names answers in about 50 ms at
		// 70k CIs. (CIs no longer store a lower-cased name: one property
		// fewer is about 5% more CIs per second on import.)
		"DROP INDEX ci_name_lower IF EXISTS",
	)
}

// attrPrefix keeps custom attributes apart from the CI's own properties;
// srcPrefix does the same for the source that set each field.
const (
	attrPrefix = "attr."
	srcPrefix  = "src."
)

// identityKey renders a source identity as the CI's identities list holds
// it; the separator cannot occur in a source name.
func identityKey(k cmdb.SourceKey) string { return k.Source + "\x1f" + k.ExternalID }

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
	for k, v := range c.FieldSources {
		p[srcPrefix+k] = v
	}
	if len(c.Identities) > 0 {
		keys := make([]string, len(c.Identities))
		for i, k := range c.Identities {
			keys[i] = identityKey(k)
		}
		p["identities"] = keys
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
		s, ok := v.(string)
		if !ok {
			continue
		}
		if key, ok := strings.CutPrefix(k, attrPrefix); ok {
			c.Attributes[key] = s
		} else if key, ok := strings.CutPrefix(k, srcPrefix); ok {
			if c.FieldSources == nil {
				c.FieldSources = map[string]string{}
			}
			c.FieldSources[key] = s
		}
	}
	for _, k := range strs(p["identities"]) {
		src, ext, _ := strings.Cut(k, "\x1f")
		c.Identities = append(c.Identities, cmdb.SourceKey{Source: src, ExternalID: ext})
	}
	return c
}

const claimIdempotencyKey = `
MERGE (k:IdempotencyKey {key: $key})
ON CREATE SET k.fingerprint = $fingerprint, k.resultId = $resultId, k.createdAt = $now
RETURN k.resultId AS resultId, k.fingerprint AS fingerprint`

// claimKey records key for resultID, or returns the id recorded by an earlier
// request. The unique constraint makes a concurrent claim wait for ours.
func claimKey(ctx context.Context, tx driver.ManagedTransaction, key *ids.IdempotencyKey, resultID string, now time.Time) (string, error) {
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
CALL () {
  MATCH (c:CI {source: $source, externalId: $externalId})
  RETURN c
  UNION
  MATCH (:SourceIdentity {source: $source, externalId: $externalId})-[:IDENTIFIES]->(c:CI)
  RETURN c
}
RETURN c.id AS id`

const createCI = `
CREATE (c:CI:Item)
SET c = $props
RETURN properties(c) AS c`

// CreateCI implements cmdb.Store.
func (m *CMDB) CreateCI(ctx context.Context, ci cmdb.CI, key *ids.IdempotencyKey) (cmdb.CI, error) {
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
		created := ciFromProps(props(recs[0], "c"))
		return created, emitCIs(ctx, tx, created)
	})
}

// emitCIs appends the events of CIs written (see emit).
func emitCIs(ctx context.Context, tx driver.ManagedTransaction, cis ...cmdb.CI) error {
	evs, err := eventsFor(events.KindCI, func(c cmdb.CI) string { return c.ID }, cmdb.EventKeys, cis...)
	if err != nil {
		return err
	}
	return emit(ctx, tx, evs...)
}

const getCIsByID = `
MATCH (c:CI:Item) WHERE c.id IN $ids
RETURN properties(c) AS c`

func getCIs(ctx context.Context, tx driver.ManagedTransaction, ids []string) ([]cmdb.CI, error) {
	recs, err := collect(ctx, tx, getCIsByID, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	return decodeAll(recs, "c", infallible(ciFromProps))
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
		if cur.MinimumUp > 0 && next.MinimumUp == 0 {
			if err := ensureNoMembers(ctx, tx, cur); err != nil {
				return cmdb.CI{}, err
			}
		}
		if err := recordCreations(ctx, tx, []cmdb.CI{cur}); err != nil {
			return cmdb.CI{}, err
		}
		if next.Name != cur.Name {
			if err := recordBeforeRename(ctx, tx, []string{id}); err != nil {
				return cmdb.CI{}, err
			}
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
		updated := ciFromProps(props(recs[0], "c"))
		return updated, emitCIs(ctx, tx, updated)
	})
}

const liveMembers = `
MATCH (:CI:Item {id: $id})<-[:MEMBER_OF]-(m:CI)
WHERE m.status <> $retired
RETURN count(m) AS n`

// ensureNoMembers refuses to end a redundancy group that members not
// retired still belong to: their MEMBER_OF would then point at a CI
// that groups nothing, which relating refuses too.
func ensureNoMembers(ctx context.Context, tx driver.ManagedTransaction, group cmdb.CI) error {
	recs, err := collect(ctx, tx, liveMembers, map[string]any{"id": group.ID, "retired": string(cmdb.StatusRetired)})
	if err != nil {
		return err
	}
	if n, _ := recs[0].Get("n"); n.(int64) > 0 {
		return apperr.Invalid("redundancyMinimumUp", "CI %s (%s) still has %d members; remove their MEMBER_OF relationships or retire them before it stops being a redundancy group", group.ID, group.Name, n)
	}
	return nil
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
