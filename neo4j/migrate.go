package neo4j

import (
	"context"
	"fmt"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/cmdb"
)

// SchemaVersion is bumped whenever migrations change; /readyz compares it with
// the version recorded in the database.
const SchemaVersion = 6

// migrations are idempotent (IF NOT EXISTS), so they run at every start.
func migrations() []string {
	m := []string{
		// Item is every node of the impact graph: CIs, services, business
		// units and processes. Its id constraint also serves lookups of CIs
		// by id (written (c:CI:Item {id: …})), so CIs need no index of their
		// own on id: every index costs each write.
		"CREATE CONSTRAINT item_id IF NOT EXISTS FOR (i:Item) REQUIRE i.id IS UNIQUE",
		"CREATE CONSTRAINT ci_source_external_id IF NOT EXISTS FOR (c:CI) REQUIRE (c.source, c.externalId) IS UNIQUE",
		"CREATE INDEX ci_type IF NOT EXISTS FOR (c:CI) ON (c.type)",
		"CREATE INDEX ci_name IF NOT EXISTS FOR (c:CI) ON (c.name)",
		"CREATE INDEX ci_owner_group IF NOT EXISTS FOR (c:CI) ON (c.ownerGroupId)",
		// Lists ordered by creation or update read these in order.
		"CREATE INDEX ci_created_at IF NOT EXISTS FOR (c:CI) ON (c.createdAt)",
		"CREATE INDEX ci_updated_at IF NOT EXISTS FOR (c:CI) ON (c.updatedAt)",
		"CREATE CONSTRAINT service_id IF NOT EXISTS FOR (s:Service) REQUIRE s.id IS UNIQUE",
		"CREATE INDEX service_name IF NOT EXISTS FOR (s:Service) ON (s.name)",
		"CREATE TEXT INDEX service_name_lower IF NOT EXISTS FOR (s:Service) ON (s.nameLower)",
		"CREATE CONSTRAINT business_unit_id IF NOT EXISTS FOR (u:BusinessUnit) REQUIRE u.id IS UNIQUE",
		"CREATE CONSTRAINT business_process_id IF NOT EXISTS FOR (p:BusinessProcess) REQUIRE p.id IS UNIQUE",
		// Business units and processes are listed by name.
		"CREATE INDEX business_unit_name IF NOT EXISTS FOR (u:BusinessUnit) ON (u.name)",
		"CREATE INDEX business_process_name IF NOT EXISTS FOR (p:BusinessProcess) ON (p.name)",
		"CREATE CONSTRAINT ci_history_id IF NOT EXISTS FOR (h:CIHistory) REQUIRE h.id IS UNIQUE",
		"CREATE CONSTRAINT user_id IF NOT EXISTS FOR (u:User) REQUIRE u.id IS UNIQUE",
		"CREATE CONSTRAINT user_username IF NOT EXISTS FOR (u:User) REQUIRE u.username IS UNIQUE",
		"CREATE CONSTRAINT group_id IF NOT EXISTS FOR (g:Group) REQUIRE g.id IS UNIQUE",
		"CREATE CONSTRAINT group_name IF NOT EXISTS FOR (g:Group) REQUIRE g.name IS UNIQUE",
		"CREATE CONSTRAINT idempotency_key IF NOT EXISTS FOR (k:IdempotencyKey) REQUIRE k.key IS UNIQUE",
		"CREATE CONSTRAINT schema_version_name IF NOT EXISTS FOR (v:SchemaVersion) REQUIRE v.name IS UNIQUE",
	}
	m = append(m, changeMigrations()...)
	// Indexes of earlier versions that cost writes and served no query.
	m = append(m,
		"DROP CONSTRAINT ci_id IF EXISTS",
		// A handful of statuses, most CIs ACTIVE: too unselective to help.
		"DROP INDEX ci_status IF EXISTS",
		// The trigram TEXT index behind nameContains halved the bulk import
		// rate; a scan comparing lower-cased names answers in about 50 ms at
		// 70k CIs. (CIs no longer store a lower-cased name: one property
		// fewer is about 5% more CIs per second on import.)
		"DROP INDEX ci_name_lower IF EXISTS",
	)
	// Relationship ids are looked up by node(id:); a relationship index needs
	// its type, so there is one per catalogue type (names from the allowlist).
	for _, t := range cmdb.RelationshipTypes() {
		m = append(m, fmt.Sprintf("CREATE INDEX rel_%s_id IF NOT EXISTS FOR ()-[r:%s]-() ON (r.id)", t.Name, t.Name))
	}
	m = append(m, incidentMigrations()...)
	return m
}

const recordSchemaVersion = `
MERGE (v:SchemaVersion {name: 'itsm'})
SET v.version = $version`

// Migrate applies every migration and records SchemaVersion. Schema commands
// cannot share a transaction with writes, so each runs in its own.
func (s *Store) Migrate(ctx context.Context) error {
	for _, stmt := range migrations() {
		if _, err := write(ctx, s, func(tx driver.ManagedTransaction) (struct{}, error) {
			_, err := collect(ctx, tx, stmt, nil)
			return struct{}{}, err
		}); err != nil {
			return fmt.Errorf("migration %q: %w", stmt, err)
		}
	}
	_, err := write(ctx, s, func(tx driver.ManagedTransaction) (struct{}, error) {
		_, err := collect(ctx, tx, recordSchemaVersion, map[string]any{"version": SchemaVersion})
		return struct{}{}, err
	})
	if err != nil {
		return fmt.Errorf("recording the schema version: %w", err)
	}
	return s.awaitIndexes(ctx)
}

const awaitIndexes = `CALL db.awaitIndexes(300)`

// awaitIndexes waits until new indexes are online, so the first queries after
// a migration do not fall back to scans.
func (s *Store) awaitIndexes(ctx context.Context) error {
	_, err := read(ctx, s, func(tx driver.ManagedTransaction) (struct{}, error) {
		_, err := collect(ctx, tx, awaitIndexes, nil)
		return struct{}{}, err
	})
	return err
}

const readSchemaVersion = `
OPTIONAL MATCH (v:SchemaVersion {name: 'itsm'})
RETURN v.version AS version`

// Ready reports nil when the database answers and is migrated to
// SchemaVersion; UNAVAILABLE otherwise.
func (s *Store) Ready(ctx context.Context) error {
	v, err := read(ctx, s, func(tx driver.ManagedTransaction) (int64, error) {
		recs, err := collect(ctx, tx, readSchemaVersion, nil)
		if err != nil || len(recs) == 0 {
			return 0, err
		}
		v, _ := recs[0].Get("version")
		n, _ := v.(int64)
		return n, nil
	})
	if err != nil {
		return err
	}
	if v != SchemaVersion {
		return apperr.New(apperr.Unavailable, "database schema is at version %d, this server needs %d; run the migrate command", v, SchemaVersion)
	}
	return nil
}
