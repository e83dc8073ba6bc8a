package cmdb

import (
	"slices"

	"github.com/itsm-graph/itsm/apperr"
)

// Status is a CI's lifecycle status: PLANNED → ACTIVE ⇄ MAINTENANCE, and any
// of them → RETIRED, which is final.
type Status string

// The statuses.
const (
	StatusPlanned     Status = "PLANNED"
	StatusActive      Status = "ACTIVE"
	StatusMaintenance Status = "MAINTENANCE"
	StatusRetired     Status = "RETIRED"
)

// Statuses lists every status in lifecycle order.
func Statuses() []Status {
	return []Status{StatusPlanned, StatusActive, StatusMaintenance, StatusRetired}
}

// LeavesService reports whether a CI moving from one status to the other
// leaves service: from then on impact no longer crosses it, so the store
// removes its impact edges (its relationships stay, for history).
func LeavesService(from, to Status) bool { return to == StatusRetired && from != StatusRetired }

// Serving reports whether a CI in s counts in its redundancy group: only an
// ACTIVE one does (a PLANNED one is not in service yet, one in MAINTENANCE
// is out of rotation). The impact store applies the same rule in Cypher.
func Serving(s Status) bool { return s == StatusActive }

// NextStatuses returns the statuses a CI in s may move to.
func NextStatuses(s Status) []Status {
	switch s {
	case StatusPlanned:
		return []Status{StatusActive, StatusRetired}
	case StatusActive:
		return []Status{StatusMaintenance, StatusRetired}
	case StatusMaintenance:
		return []Status{StatusActive, StatusRetired}
	default:
		return nil
	}
}

// CheckTransition returns INVALID_TRANSITION, naming the allowed next
// statuses, unless a CI may move from one status to the other.
func CheckTransition(from, to Status) error {
	if from == to {
		return nil
	}
	next := NextStatuses(from)
	if slices.Contains(next, to) {
		return nil
	}
	if len(next) == 0 {
		return apperr.New(apperr.InvalidTransition, "a %s CI cannot change status", from)
	}
	return apperr.New(apperr.InvalidTransition, "a CI cannot go from %s to %s; allowed next statuses: %v", from, to, next)
}
