// Package jobs runs the API's periodic work once across all instances:
// each job has a lease in the store, which one instance at a time holds
// and renews while it runs the job; when that instance stops renewing (it
// stopped or died), another takes the lease over once it expires.
package jobs

import (
	"context"
	"time"
)

// Leases is the store of job leases.
type Leases interface {
	// Acquire takes the lease of job for holder until ttl from now (by
	// the store's clock), when it is free, expired, or holder's already
	// (a renewal), and reports whether holder holds it.
	Acquire(ctx context.Context, job, holder string, ttl time.Duration) (bool, error)
	// Release gives the lease up if holder holds it.
	Release(ctx context.Context, job, holder string) error
}

// Job is one kind of periodic work.
type Job struct {
	// Name names the job's lease.
	Name string
	// Every is how often a round runs.
	Every time.Duration
	// Round does one round of the work.
	Round func(ctx context.Context)
}

// Runner runs jobs under leases for one instance.
type Runner struct {
	Leases Leases
	// Holder names this instance in the leases it holds.
	Holder string
	// TTL is how long a lease lasts without renewal; it is renewed every
	// third of it.
	TTL time.Duration
	// OnError hears of a failure to take or renew a lease.
	OnError func(error)
}

// Run runs j's rounds while this instance holds its lease, until ctx
// ends; it then gives the lease up, so that another instance need not
// wait for it to expire.
func (r Runner) Run(ctx context.Context, j Job) {
	renew := r.TTL / 3
	tick := time.NewTicker(min(renew, j.Every))
	defer tick.Stop()
	held := false
	var last time.Time
	for {
		ok, err := r.Leases.Acquire(ctx, j.Name, r.Holder, r.TTL)
		if err != nil {
			ok = false
			if ctx.Err() == nil && r.OnError != nil {
				r.OnError(err)
			}
		}
		if ok && (!held || time.Since(last) >= j.Every) {
			// A round at once on taking the lease over: the previous
			// holder may have stopped before its round was due.
			j.Round(ctx)
			last = time.Now()
		}
		held = ok
		select {
		case <-ctx.Done():
			if held {
				_ = r.Leases.Release(context.WithoutCancel(ctx), j.Name, r.Holder)
			}
			return
		case <-tick.C:
		}
	}
}
