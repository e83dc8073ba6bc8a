// Package neo4jtest gives tests a real, empty, migrated Neo4j database.
//
// Tests need NEO4J_TEST_URI (set by `make test`); without it they fail, they
// do not skip. The database is wiped at the start of each test, so it must be
// a throwaway one. Community edition has a single user database, so tests
// that share it take an exclusive file lock for their whole run: test
// packages (which `go test` runs in parallel processes) then take turns and
// never see each other's data.
package neo4jtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/neo4j"
)

// EnvURI names the variable holding the test database URI.
const EnvURI = "NEO4J_TEST_URI"

// Config returns the test database settings, failing the test without them.
func Config(t testing.TB) neo4j.Config {
	t.Helper()
	uri := os.Getenv(EnvURI)
	if uri == "" {
		t.Fatalf("%s is not set: run the tests with `make test`, which starts a throwaway Neo4j, or point %s at a Neo4j 5 database you are willing to have wiped", EnvURI, EnvURI)
	}
	return neo4j.Config{URI: uri, User: os.Getenv("NEO4J_TEST_USER"), Password: os.Getenv("NEO4J_TEST_PASSWORD"), Database: "neo4j"}
}

// Open locks the test database, wipes it, migrates it and returns a store
// that is closed (and the lock released) when the test ends.
func Open(t testing.TB) *neo4j.Store {
	t.Helper()
	cfg := Config(t)
	unlock := lock(t, cfg.URI)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	Wipe(t, cfg)
	store, err := neo4j.Open(ctx, cfg)
	if err != nil {
		unlock()
		t.Fatalf("opening the test database: %v", err)
	}
	if err := store.Migrate(ctx); err != nil {
		unlock()
		t.Fatalf("migrating the test database: %v", err)
	}
	t.Cleanup(func() {
		_ = store.Close(context.Background())
		unlock()
	})
	return store
}

const wipe = `MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS`

// Wipe deletes every node and relationship of the test database.
func Wipe(t testing.TB, cfg neo4j.Config) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	auth := driver.NoAuth()
	if cfg.Password != "" {
		auth = driver.BasicAuth(cfg.User, cfg.Password, "")
	}
	d, err := driver.NewDriverWithContext(cfg.URI, auth)
	if err != nil {
		t.Fatalf("%s: %v", EnvURI, err)
	}
	defer func() { _ = d.Close(ctx) }()
	sess := d.NewSession(ctx, driver.SessionConfig{DatabaseName: cfg.Database})
	defer func() { _ = sess.Close(ctx) }()
	// CALL … IN TRANSACTIONS needs an implicit transaction.
	res, err := sess.Run(ctx, wipe, nil)
	if err == nil {
		_, err = res.Consume(ctx)
	}
	if err != nil {
		t.Fatalf("wiping the test database at %s (is it running?): %v", cfg.URI, err)
	}
}

// lock takes an exclusive lock shared by every test process using uri.
func lock(t testing.TB, uri string) func() {
	t.Helper()
	sum := sha256.Sum256([]byte(uri))
	path := filepath.Join(os.TempDir(), "itsm-neo4j-test-"+hex.EncodeToString(sum[:8])+".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("test database lock %s: %v", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		t.Fatalf("test database lock %s: %v", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}
}

// Clock is a clock tests move by hand, for services that take their time
// source as a func. Every reading adds a millisecond so that records
// written in a row keep their order.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock standing at start.
func NewClock(start time.Time) *Clock { return &Clock{t: start} }

// Now returns the time, a millisecond after the previous reading.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
