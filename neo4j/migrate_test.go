package neo4j_test

import (
	"context"
	"testing"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
	"github.com/itsm-graph/itsm/tickets"
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

// TestMigrateNumbersOldTickets: incidents and changes stored before they
// had numbers get them at migration, in the order they were created.
func TestMigrateNumbersOldTickets(t *testing.T) {
	store := neo4jtest.Open(t)
	ctx := context.Background()
	err := store.Exec(ctx, `CREATE (:Incident {id: 'inc_later', createdAt: datetime('2021-01-01T00:00:00Z')}),
(:Incident {id: 'inc_earlier', createdAt: datetime('2020-01-01T00:00:00Z')}),
(:Change {id: 'chg_old', createdAt: datetime('2020-06-01T00:00:00Z')})`, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // a second migration changes nothing
		if err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	tk := tickets.NewLookup(store.Tickets())
	for _, tc := range []struct {
		kind       tickets.Kind
		number, id string
	}{
		{tickets.Incident, "INC0000001", "inc_earlier"},
		{tickets.Incident, "INC0000002", "inc_later"},
		{tickets.Change, "CHG0000001", "chg_old"},
	} {
		got, err := tickets.Get(ctx, tk, tc.kind, nil, &tc.number, func(_ context.Context, id string) (string, error) { return id, nil })
		if err != nil || got != tc.id {
			t.Errorf("%s: %q, %v; want %s", tc.number, got, err, tc.id)
		}
	}
}
