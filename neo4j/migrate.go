package neo4j

import (
	"context"
	"fmt"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
)

// SchemaVersion is bumped whenever migrations change; /readyz compares it with
// the version recorded in the database.
const SchemaVersion = 23

// sliceMigrations lists each process slice's migrations, once; each slice
// keeps its list beside its store code.
var sliceMigrations = []func() []string{
	cmdbMigrations,
	catalogMigrations,
	peopleMigrations,
	changeMigrations,
	incidentMigrations,
	slaMigrations,
	olaMigrations,
	problemMigrations,
	knowledgeMigrations,
	requestMigrations,
	baselineMigrations,
	ticketMigrations,
	searchMigrations,
	eventMigrations,
	jobMigrations,
	webhookMigrations,
}

// migrations are idempotent (IF NOT EXISTS), so they run at every start:
// first those shared by every slice, then each slice's.
func migrations() []string {
	m := []string{
		// Item is every node of the impact graph: CIs, services, business
		// units and processes. Its id constraint also serves lookups of CIs
		// by id (written (c:CI:Item {id: …})), so CIs need no index of their
		// own on id: every index costs each write.
		"CREATE CONSTRAINT item_id IF NOT EXISTS FOR (i:Item) REQUIRE i.id IS UNIQUE",
		"CREATE CONSTRAINT idempotency_key IF NOT EXISTS FOR (k:IdempotencyKey) REQUIRE k.key IS UNIQUE",
		"CREATE CONSTRAINT schema_version_name IF NOT EXISTS FOR (v:SchemaVersion) REQUIRE v.name IS UNIQUE",
	}
	for _, slice := range sliceMigrations {
		m = append(m, slice()...)
	}
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
