// Package neo4j is the store: it owns the driver, the schema migrations and
// every Cypher statement, and implements the Store interfaces declared by the
// domain packages. Statements are constants beside the function that runs
// them; values always travel as parameters, and the few labels and
// relationship types spliced into text come from allowlists in code.
package neo4j

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/limits"
	"github.com/itsm-graph/itsm/telemetry"
)

// Config says where the database is.
type Config struct {
	URI      string
	User     string
	Password string
	Database string
	// RetryTime bounds how long a transaction is retried on transient and
	// connectivity failures before the caller gets UNAVAILABLE.
	RetryTime time.Duration
}

// Store talks to one Neo4j database.
type Store struct {
	driver driver.DriverWithContext
	db     string
	stats  counters
	// bookmarks chains every session of this instance (see Within).
	bookmarks driver.BookmarkManager
	// appended are called after a write that appended events commits,
	// so that this instance's readers of the log need not wait for their
	// next tick.
	appendedMu sync.Mutex
	appended   []func()
}

// OnAppend adds f to the functions called after each committed write
// that appended events to the log.
func (s *Store) OnAppend(f func()) {
	s.appendedMu.Lock()
	s.appended = append(s.appended, f)
	s.appendedMu.Unlock()
}

// counters count work sent to the database, so that benchmarks and tests can
// check that a request costs a bounded number of round trips.
type counters struct {
	transactions atomic.Int64
	statements   atomic.Int64
}

// Stats is a snapshot of the work sent to the database since Open.
type Stats struct {
	// Transactions counts managed transactions (each attempt).
	Transactions int64
	// Statements counts statements run inside them; each is one round trip.
	Statements int64
}

// Stats returns the counters so far.
func (s *Store) Stats() Stats {
	return Stats{Transactions: s.stats.transactions.Load(), Statements: s.stats.statements.Load()}
}

// Open creates a driver and checks the server answers. The error names the
// setting to fix.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	auth := driver.NoAuth()
	if cfg.Password != "" {
		auth = driver.BasicAuth(cfg.User, cfg.Password, "")
	}
	retry := cfg.RetryTime
	if retry <= 0 {
		retry = 5 * time.Second
	}
	d, err := driver.NewDriverWithContext(cfg.URI, auth, func(c *config.Config) {
		c.MaxTransactionRetryTime = retry
		c.SocketConnectTimeout = 2 * time.Second
		c.ConnectionAcquisitionTimeout = 5 * time.Second
		c.UserAgent = "itsm-graph"
	})
	if err != nil {
		return nil, fmt.Errorf("NEO4J_URI %q: %w", cfg.URI, err)
	}
	s := &Store{driver: d, db: cfg.Database, bookmarks: driver.NewBookmarkManager(driver.BookmarkManagerConfig{})}
	if err := d.VerifyConnectivity(ctx); err != nil {
		_ = d.Close(ctx)
		return nil, fmt.Errorf("cannot reach Neo4j at %s (check NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, and that the server runs): %w", cfg.URI, err)
	}
	return s, nil
}

// Close releases the driver's connections.
func (s *Store) Close(ctx context.Context) error { return s.driver.Close(ctx) }

// Ping checks that the server answers; UNAVAILABLE when it does not.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.driver.VerifyConnectivity(ctx); err != nil {
		return mapErr(err)
	}
	return nil
}

func (s *Store) session(ctx context.Context, mode driver.AccessMode) driver.SessionWithContext {
	return s.driver.NewSession(ctx, driver.SessionConfig{DatabaseName: s.db, AccessMode: mode,
		BookmarkManager: s.bookmarks, Bookmarks: sessionBookmarks(ctx)})
}

// read runs work in one managed read transaction.
func read[T any](ctx context.Context, s *Store, work func(tx driver.ManagedTransaction) (T, error)) (T, error) {
	release, err := limits.Acquire(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	defer release()
	sess := s.session(ctx, driver.AccessModeRead)
	defer func() { _ = sess.Close(context.WithoutCancel(ctx)) }()
	v, err := driver.ExecuteRead(ctx, sess, counted(s, work))
	return v, mapErr(err)
}

// write runs work in one managed write transaction. work may run more than
// once, so it must not have effects outside the transaction.
func write[T any](ctx context.Context, s *Store, work func(tx driver.ManagedTransaction) (T, error)) (T, error) {
	release, err := limits.Acquire(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	defer release()
	sess := s.session(ctx, driver.AccessModeWrite)
	defer func() { _ = sess.Close(context.WithoutCancel(ctx)) }()
	var appended bool
	v, err := driver.ExecuteWrite(ctx, sess, func(tx driver.ManagedTransaction) (T, error) {
		appended = false
		s.stats.transactions.Add(1)
		return work(countingTx{ManagedTransaction: tx, s: s, appended: &appended})
	})
	if err == nil {
		wrote(ctx, sess.LastBookmarks())
	}
	if err == nil && appended {
		s.appendedMu.Lock()
		wake := s.appended
		s.appendedMu.Unlock()
		for _, f := range wake {
			f()
		}
	}
	return v, mapErr(err)
}

// countingTx counts the statements a transaction runs.
type countingTx struct {
	driver.ManagedTransaction
	s *Store
	// appended is set when the transaction appends events (see emit).
	appended *bool
}

func (c countingTx) Run(ctx context.Context, cypher string, params map[string]any) (driver.ResultWithContext, error) {
	c.s.stats.statements.Add(1)
	return c.ManagedTransaction.Run(ctx, cypher, params)
}

func counted[T any](s *Store, work func(tx driver.ManagedTransaction) (T, error)) func(tx driver.ManagedTransaction) (T, error) {
	return func(tx driver.ManagedTransaction) (T, error) {
		s.stats.transactions.Add(1)
		return work(countingTx{ManagedTransaction: tx, s: s})
	}
}

// collect runs one statement and returns all its records, in a span of
// its own that carries the statement (parameters stay out) and the rows.
func collect(ctx context.Context, tx driver.ManagedTransaction, cypher string, params map[string]any) ([]*driver.Record, error) {
	ctx, span := telemetry.Start(ctx, "neo4j", "neo4j "+statementVerb(cypher), trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system.name", "neo4j"), attribute.String("db.query.text", cypher)))
	defer span.End()
	res, err := tx.Run(ctx, cypher, params)
	if err != nil {
		telemetry.Fail(span, err)
		return nil, err
	}
	recs, err := res.Collect(ctx)
	if err != nil {
		telemetry.Fail(span, err)
	}
	span.SetAttributes(attribute.Int("db.response.returned_rows", len(recs)))
	return recs, err
}

// statementVerb is the first clause keyword of a statement (MATCH, MERGE,
// UNWIND, …), which names its span.
func statementVerb(cypher string) string {
	verb := strings.TrimLeft(cypher, " \t\r\n")
	if i := strings.IndexAny(verb, " \t\r\n("); i >= 0 {
		verb = verb[:i]
	}
	if verb == "" {
		return "statement"
	}
	return strings.ToUpper(verb)
}

// mapErr turns driver and server errors into application errors so that no
// database text reaches a client. Application errors pass through.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var app *apperr.Error
	if errors.As(err, &app) {
		return err
	}
	var neoErr *driver.Neo4jError
	var connErr *driver.ConnectivityError
	var limit *driver.TransactionExecutionLimit
	switch {
	case errors.As(err, &neoErr) && neoErr.Code == "Neo.ClientError.Schema.ConstraintValidationFailed":
		return apperr.Wrap(err, apperr.Conflict, "the write collides with an existing record (a unique value is taken); read the current data and retry")
	case errors.As(err, &neoErr) && neoErr.Code == "Neo.ClientError.Transaction.InvalidBookmark":
		return apperr.Wrap(err, apperr.BadUserInput, "bookmark: the database gave no such bookmark; pass back extensions.bookmark of an earlier answer, unchanged")
	case errors.As(err, &neoErr) && strings.HasPrefix(neoErr.Code, "Neo.TransientError."):
		return apperr.Wrap(err, apperr.Unavailable, "the database is busy; retry in a moment")
	case errors.As(err, &neoErr) && strings.HasPrefix(neoErr.Code, "Neo.ClientError.Security."):
		return apperr.Wrap(err, apperr.Unavailable, "the server cannot log in to the database; an operator must check NEO4J_USER and NEO4J_PASSWORD")
	case errors.As(err, &connErr), errors.As(err, &limit), errors.Is(err, context.DeadlineExceeded):
		return apperr.Wrap(err, apperr.Unavailable, "the database is unreachable; retry in a moment")
	case errors.Is(err, context.Canceled):
		return apperr.Wrap(err, apperr.Unavailable, "the request was cancelled")
	default:
		var usage *driver.UsageError
		if errors.As(err, &usage) && strings.Contains(usage.Message, "closed") {
			return apperr.Wrap(err, apperr.Unavailable, "the server is shutting down; retry in a moment")
		}
		return apperr.Wrap(err, apperr.Internal, "internal error in the data store")
	}
}

// Value decoding helpers: records hold maps of properties.

func str(p map[string]any, key string) string {
	v, _ := p[key].(string)
	return v
}

func num(p map[string]any, key string) int {
	v, _ := p[key].(int64)
	return int(v)
}

func num64(p map[string]any, key string) int64 {
	v, _ := p[key].(int64)
	return v
}

func flt(p map[string]any, key string) float64 {
	v, _ := p[key].(float64)
	return v
}

func tm(p map[string]any, key string) time.Time {
	v, _ := p[key].(time.Time)
	return v.UTC()
}

func tmPtr(p map[string]any, key string) *time.Time {
	v, ok := p[key].(time.Time)
	if !ok {
		return nil
	}
	u := v.UTC()
	return &u
}

func strs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func props(r *driver.Record, key string) map[string]any {
	v, _ := r.Get(key)
	m, _ := v.(map[string]any)
	return m
}

func maps(v any) []map[string]any {
	list, _ := v.([]any)
	out := make([]map[string]any, 0, len(list))
	for _, x := range list {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
