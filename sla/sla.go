// Package sla holds the service level rules of SPEC §2.2: agreements with
// their targets and schedules, the clocks that run on tickets (due times,
// pauses, priority changes, warnings and breaches), the evaluator that turns
// clocks into events exactly once, reports, availability and reviews. The
// computations are pure functions of their inputs and an instant "now", so
// tests can move time; the Service adds storage. It knows nothing of
// incidents or requests: tickets arrive as Ticket values.
package sla

import (
	"slices"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/validate"
)

// Priority is a ticket priority, P1 (highest) to P5.
type Priority string

// The priorities.
const (
	P1 Priority = "P1"
	P2 Priority = "P2"
	P3 Priority = "P3"
	P4 Priority = "P4"
	P5 Priority = "P5"
)

// Priorities lists the priorities, highest first.
func Priorities() []Priority { return []Priority{P1, P2, P3, P4, P5} }

// Target is the response and resolution time allowed for one priority, in
// working time of the SLA's schedule.
type Target struct {
	Priority   Priority
	Response   time.Duration
	Resolution time.Duration
}

// ReviewPeriod is how often the customer reviews the SLA.
type ReviewPeriod string

// The review periods.
const (
	Monthly    ReviewPeriod = "MONTHLY"
	Quarterly  ReviewPeriod = "QUARTERLY"
	HalfYearly ReviewPeriod = "HALF_YEARLY"
	Yearly     ReviewPeriod = "YEARLY"
)

// ReviewPeriods lists the review periods.
func ReviewPeriods() []ReviewPeriod { return []ReviewPeriod{Monthly, Quarterly, HalfYearly, Yearly} }

// Months returns the length of the period in months.
func (p ReviewPeriod) Months() int {
	switch p {
	case Monthly:
		return 1
	case Quarterly:
		return 3
	case HalfYearly:
		return 6
	default:
		return 12
	}
}

// SLA is an agreement with a customer business unit covering services.
type SLA struct {
	ID string
	Terms
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Terms are what an SLA agrees: everything about it that its owner edits.
type Terms struct {
	Name        string
	Description string
	// CustomerID is the business unit the agreement is with.
	CustomerID string
	ServiceIDs []string
	// Targets holds one entry per priority.
	Targets []Target
	// Availability is the agreed availability in percent (0 < a <= 100).
	Availability float64
	Schedule     Schedule
	// WarningThreshold is the fraction of a target after which a warning
	// is raised (0 < w < 1), for example 0.75.
	WarningThreshold float64
	ReviewPeriod     ReviewPeriod
	// ReviewStart anchors the review schedule: reviews fall on it and every
	// ReviewPeriod after.
	ReviewStart time.Time
	// PauseOn are the hold reasons that stop the clocks. Waiting on the
	// customer is the customer's time; waiting on a supplier or a change is
	// the provider's own, covered by its underpinning contracts, so by
	// default only AWAITING_CALLER pauses (DefaultPauseOn).
	PauseOn []string
	// RaiseOnBreach: a breach of one of its clocks raises the incident's
	// priority one level (up to P1), besides the work note every breach
	// writes.
	RaiseOnBreach bool
}

// DefaultPauseOn is what an SLA pauses on unless it says otherwise: the
// incident hold reason AWAITING_CALLER.
func DefaultPauseOn() []string { return []string{"AWAITING_CALLER"} }

// Target returns the target for priority p, and false when there is none.
func (s Terms) Target(p Priority) (Target, bool) {
	i := slices.IndexFunc(s.Targets, func(t Target) bool { return t.Priority == p })
	if i < 0 {
		return Target{}, false
	}
	return s.Targets[i], true
}

// Applies reports whether the SLA applies to t: it covers one of t's
// services, and t was raised by its customer (or by nobody's: a ticket
// without a customer falls under every SLA of its services).
func (s Terms) Applies(t Ticket) bool { return s.Covers(t.ServiceIDs) && s.Serves(t) }

// Serves reports whether t was raised by the SLA's customer, or by nobody's.
func (s Terms) Serves(t Ticket) bool { return t.CustomerID == "" || t.CustomerID == s.CustomerID }

// Covers reports whether the SLA covers one of serviceIDs.
func (s Terms) Covers(serviceIDs []string) bool {
	for _, id := range serviceIDs {
		if slices.Contains(s.ServiceIDs, id) {
			return true
		}
	}
	return false
}

// Limits on SLA fields.
const (
	MaxNameLen        = 200
	MaxDescriptionLen = 4000
	MaxServices       = 500
	MaxIDLen          = 200
	// MaxTarget bounds a target: a year of working time.
	MaxTarget = 366 * 24 * time.Hour
)

// Validate returns BAD_USER_INPUT naming the field at fault.
func (s Terms) Validate() error {
	if err := validate.Text("name", s.Name, true, MaxNameLen); err != nil {
		return err
	}
	if err := validate.Text("description", s.Description, false, MaxDescriptionLen); err != nil {
		return err
	}
	if err := validate.Text("customerId", s.CustomerID, true, MaxIDLen); err != nil {
		return err
	}
	if len(s.ServiceIDs) == 0 || len(s.ServiceIDs) > MaxServices {
		return apperr.Invalid("serviceIds", "must list 1 to %d services (got %d)", MaxServices, len(s.ServiceIDs))
	}
	for _, id := range s.ServiceIDs {
		if err := validate.Text("serviceIds", id, true, MaxIDLen); err != nil {
			return err
		}
	}
	if err := checkTargets(s.Targets); err != nil {
		return err
	}
	if !(s.Availability > 0 && s.Availability <= 100) {
		return apperr.Invalid("availability", "must be a percentage above 0 and at most 100 (got %v)", s.Availability)
	}
	if !(s.WarningThreshold > 0 && s.WarningThreshold < 1) {
		return apperr.Invalid("warningThreshold", "must be a fraction between 0 and 1, such as 0.75 (got %v)", s.WarningThreshold)
	}
	if err := validate.Enum("reviewPeriod", s.ReviewPeriod, ReviewPeriods()); err != nil {
		return err
	}
	if s.ReviewStart.IsZero() {
		return apperr.Invalid("reviewStart", "is required: the date of the first review")
	}
	return s.Schedule.Validate()
}

// checkTargets requires exactly one target per priority, each positive,
// with response no later than resolution.
func checkTargets(ts []Target) error {
	seen := map[Priority]bool{}
	for _, t := range ts {
		if err := validate.Enum("targets.priority", t.Priority, Priorities()); err != nil {
			return err
		}
		if seen[t.Priority] {
			return apperr.Invalid("targets", "lists %s twice; give one target per priority", t.Priority)
		}
		seen[t.Priority] = true
		if t.Response <= 0 || t.Resolution <= 0 || t.Resolution > MaxTarget {
			return apperr.Invalid("targets", "%s: response and resolution must be positive and at most %s", t.Priority, MaxTarget)
		}
		if t.Response > t.Resolution {
			return apperr.Invalid("targets", "%s: the response time (%s) exceeds the resolution time (%s)", t.Priority, t.Response, t.Resolution)
		}
	}
	if len(seen) != len(Priorities()) {
		return apperr.Invalid("targets", "must give a target for each of %v (got %d)", Priorities(), len(seen))
	}
	return nil
}
