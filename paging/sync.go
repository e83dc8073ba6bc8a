package paging

import (
	"time"

	"github.com/itsm-graph/itsm/apperr"
)

// TimeRange bounds a list by a time of its records: From (inclusive) and
// Before (exclusive); a zero end leaves that side open. With an order on
// the same time it is how a client syncs incrementally: ask for what
// changed since the last time it saw, oldest first.
type TimeRange struct {
	From, Before time.Time
}

// IsZero reports whether the range is open at both ends.
func (r TimeRange) IsZero() bool { return r.From.IsZero() && r.Before.IsZero() }

// Contains reports whether t is in the range.
func (r TimeRange) Contains(t time.Time) bool {
	return (r.From.IsZero() || !t.Before(r.From)) && (r.Before.IsZero() || t.Before(r.Before))
}

// Check refuses a range that cannot hold anything.
func (r TimeRange) Check(field string) error {
	if !r.From.IsZero() && !r.Before.IsZero() && !r.From.Before(r.Before) {
		return apperr.Invalid(field, "from (%s) must be before before (%s)", r.From.Format(time.RFC3339), r.Before.Format(time.RFC3339))
	}
	return nil
}

// TimeField is a time a list can be ordered by.
type TimeField string

// The times lists of records are ordered by.
const (
	ByCreated TimeField = "CREATED_AT"
	ByUpdated TimeField = "UPDATED_AT"
)

// TimeOrder orders a list by a time of its records, ties broken by id.
// The zero value is newest created first.
type TimeOrder struct {
	Field TimeField
	Asc   bool
}

// Updated reports whether the order is by modification time.
func (o TimeOrder) Updated() bool { return o.Field == ByUpdated }

// Sync is what every list of records (CIs and tickets) offers for
// incremental reads: ranges on creation and modification times, and an
// order on either.
type Sync struct {
	Created, Updated TimeRange
	Order            TimeOrder
}

// Check refuses ranges that cannot hold anything.
func (s Sync) Check() error {
	if err := s.Created.Check("filter.created"); err != nil {
		return err
	}
	return s.Updated.Check("filter.updated")
}
