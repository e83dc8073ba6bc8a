package neo4j

import (
	"context"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/jobs"
)

// Leases is the job lease part of the store.
type Leases struct{ s *Store }

// Leases returns the job lease part of the store.
func (s *Store) Leases() *Leases { return &Leases{s: s} }

var _ jobs.Leases = (*Leases)(nil)

func jobMigrations() []string {
	return []string{"CREATE CONSTRAINT job_lease_job IF NOT EXISTS FOR (l:JobLease) REQUIRE l.job IS UNIQUE"}
}

// acquireLease takes the lease's lock before reading it, so that two
// instances cannot both see it free; times are the database's, which all
// instances share, not each instance's own clock.
const acquireLease = `
MERGE (l:JobLease {job: $job})
SET l._lock = true
REMOVE l._lock
WITH l, l.holder IS NULL OR l.holder = $holder OR l.expiresAt < datetime() AS free
SET l.holder = CASE WHEN free THEN $holder ELSE l.holder END,
    l.expiresAt = CASE WHEN free THEN datetime() + duration({milliseconds: $ttl}) ELSE l.expiresAt END
RETURN free`

// Acquire implements jobs.Leases.
func (l *Leases) Acquire(ctx context.Context, job, holder string, ttl time.Duration) (bool, error) {
	return write(ctx, l.s, func(tx driver.ManagedTransaction) (bool, error) {
		recs, err := collect(ctx, tx, acquireLease, map[string]any{"job": job, "holder": holder, "ttl": ttl.Milliseconds()})
		if err != nil {
			return false, err
		}
		free, _ := recs[0].Get("free")
		return free == true, nil
	})
}

const releaseLease = `
MATCH (l:JobLease {job: $job, holder: $holder})
REMOVE l.holder, l.expiresAt`

// Release implements jobs.Leases.
func (l *Leases) Release(ctx context.Context, job, holder string) error {
	_, err := write(ctx, l.s, func(tx driver.ManagedTransaction) (struct{}, error) {
		_, err := collect(ctx, tx, releaseLease, map[string]any{"job": job, "holder": holder})
		return struct{}{}, err
	})
	return err
}
