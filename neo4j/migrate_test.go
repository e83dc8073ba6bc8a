package neo4j_test

import (
	"context"
	"testing"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
)

func TestMigrateIsIdempotentAndMakesReady(t *testing.T) {
	store := neo4jtest.Open(t) // migrated once
	ctx := context.Background()
	if err := store.Migrate(ctx); err != nil {
		t.Fatalf("second migration: %v", err)
	}
	if err := store.Ready(ctx); err != nil {
		t.Fatalf("ready: %v", err)
	}
	if err := store.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	neo4jtest.Wipe(t, neo4jtest.Config(t))
	if err := store.Ready(ctx); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("ready before migration: %v", err)
	}
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := store.Ready(ctx); err != nil {
		t.Fatalf("ready after migration: %v", err)
	}
}
