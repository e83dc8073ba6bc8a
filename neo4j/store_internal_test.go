package neo4j

import (
	"context"
	"errors"
	"testing"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"

	"github.com/itsm-graph/itsm/apperr"
)

// A database that stops answering must surface as UNAVAILABLE, with no
// driver text in the message.
func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	d, err := driver.NewDriverWithContext("bolt://127.0.0.1:1", driver.NoAuth(), func(c *config.Config) {
		c.MaxTransactionRetryTime = 500 * time.Millisecond
		c.SocketConnectTimeout = 200 * time.Millisecond
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &Store{driver: d, db: "neo4j"}
	defer func() { _ = s.Close(context.Background()) }()
	_, err = s.CMDB().GetCIs(context.Background(), []string{"ci_x"})
	var app *apperr.Error
	if !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("got %v, want UNAVAILABLE", err)
	}
	if !errors.As(err, &app) || app.Message != "the database is unreachable; retry in a moment" {
		t.Fatalf("message %q", app.Message)
	}
	if err := s.Ping(context.Background()); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("ping: %v", err)
	}
}

func TestMapErrKeepsApplicationErrors(t *testing.T) {
	in := apperr.New(apperr.Conflict, "x")
	if got := mapErr(in); got != in {
		t.Fatalf("got %v", got)
	}
	if got := mapErr(&driver.Neo4jError{Code: "Neo.ClientError.Schema.ConstraintValidationFailed", Msg: "secret detail"}); !apperr.Is(got, apperr.Conflict) {
		t.Fatalf("constraint: %v", got)
	}
	if got := mapErr(&driver.Neo4jError{Code: "Neo.DatabaseError.General.UnknownError", Msg: "secret detail"}); !apperr.Is(got, apperr.Internal) {
		t.Fatalf("unknown: %v", got)
	}
}
