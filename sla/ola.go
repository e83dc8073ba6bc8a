package sla

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/validate"
)

// OLAPrefix prefixes OLA ids.
const OLAPrefix = "ola"

// UnderpinningKind tells an operational level agreement, with an internal
// team, from an underpinning contract, with a supplier.
type UnderpinningKind string

// The underpinning kinds.
const (
	OperationalAgreement UnderpinningKind = "OLA"
	UnderpinningContract UnderpinningKind = "UNDERPINNING_CONTRACT"
)

// UnderpinningKinds lists the underpinning kinds.
func UnderpinningKinds() []UnderpinningKind {
	return []UnderpinningKind{OperationalAgreement, UnderpinningContract}
}

// OLA is what one group owes the service provider so that the SLAs on the
// services it covers can be met: how much working time the group may hold
// a ticket of each priority. An operational level agreement binds an
// internal team; an underpinning contract binds a vendor group (the store
// checks the group's kind).
type OLA struct {
	ID string
	OLATerms
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// OLATerms are what an OLA agrees.
type OLATerms struct {
	Name        string
	Description string
	Kind        UnderpinningKind
	GroupID     string
	ServiceIDs  []string
	// Targets holds at most one entry per priority; tickets of a priority
	// without one are not measured.
	Targets  []HoldTarget
	Schedule Schedule
	// PauseOn are the hold reasons that stop its clocks, as for an SLA.
	PauseOn []string
}

// HoldTarget is the working time a group may hold a ticket of a priority.
type HoldTarget struct {
	Priority Priority
	Within   time.Duration
}

// Target returns the target for priority p, and false when there is none.
func (o OLATerms) Target(p Priority) (HoldTarget, bool) {
	i := slices.IndexFunc(o.Targets, func(t HoldTarget) bool { return t.Priority == p })
	if i < 0 {
		return HoldTarget{}, false
	}
	return o.Targets[i], true
}

// Validate returns BAD_USER_INPUT naming the field at fault.
func (o OLATerms) Validate() error {
	checks := []error{
		validate.Text("name", o.Name, true, MaxNameLen),
		validate.Text("description", o.Description, false, MaxDescriptionLen),
		validate.Enum("kind", o.Kind, UnderpinningKinds()),
		validate.Text("groupId", o.GroupID, true, MaxIDLen),
	}
	if len(o.ServiceIDs) == 0 || len(o.ServiceIDs) > MaxServices {
		checks = append(checks, apperr.Invalid("serviceIds", "must list 1 to %d services (got %d)", MaxServices, len(o.ServiceIDs)))
	}
	for _, id := range o.ServiceIDs {
		checks = append(checks, validate.Text("serviceIds", id, true, MaxIDLen))
	}
	if len(o.Targets) == 0 {
		checks = append(checks, apperr.Invalid("targets", "must give the holding time of at least one priority"))
	}
	seen := map[Priority]bool{}
	for _, t := range o.Targets {
		checks = append(checks, validate.Enum("targets.priority", t.Priority, Priorities()))
		if seen[t.Priority] {
			checks = append(checks, apperr.Invalid("targets", "lists %s twice; give one target per priority", t.Priority))
		}
		seen[t.Priority] = true
		if t.Within <= 0 || t.Within > MaxTarget {
			checks = append(checks, apperr.Invalid("targets", "%s: the holding time must be positive and at most %s", t.Priority, MaxTarget))
		}
	}
	checks = append(checks, o.Schedule.Validate())
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}

// Holding is a span during which a group held a ticket: from its
// assignment to the next one; open while it still holds it.
type Holding struct {
	GroupID string
	Interval
}

// HoldClock is how long one group held one ticket against its OLA.
type HoldClock struct {
	// Priority is the ticket's priority when the clock stopped (or now).
	Priority Priority
	Target   time.Duration
	// Held is the working time of the OLA's schedule the group held the
	// ticket, pauses excluded.
	Held time.Duration
	// Due is when the target is reached if the group keeps the ticket; nil
	// while it does not hold it or the clock is paused.
	Due *time.Time
	// Status is RUNNING or PAUSED while the group holds the ticket,
	// BREACHED once Held exceeds the target, and MET when the group passed
	// it on or it was resolved within the target (it runs again if the
	// ticket comes back).
	Status Status
}

// HoldClockOf measures how long o's group held t, judged at now; false
// when the group never held it.
//
// The group's time is the ticket's time from opening to resolution (or
// now) with everything else treated as a pause: the spans other groups
// held it, the holds o pauses on, and time it spent resolved before a
// reopen. So the same schedule arithmetic as an SLA's clocks applies.
func HoldClockOf(o OLA, t Ticket, now time.Time) (HoldClock, bool, error) {
	var mine []Interval
	for _, h := range t.Holdings {
		if h.GroupID == o.GroupID {
			mine = append(mine, h.Interval)
		}
	}
	if len(mine) == 0 {
		return HoldClock{}, false, nil
	}
	end := now
	if t.ResolvedAt != nil {
		end = *t.ResolvedAt
	}
	away := awayFrom(t.OpenedAt, Merge(mine))
	pauses := Merge(slices.Concat(away, t.Pauses, pausing(o.PauseOn, t.Holds)))
	c := HoldClock{Priority: priorityAt(t, end)}
	target, ok := o.Target(c.Priority)
	if !ok {
		c.Status = NotTargeted
		return c, true, nil
	}
	c.Target = target.Within
	var err error
	if c.Held, err = workingElapsed(o.Schedule, t.OpenedAt, end, pauses); err != nil {
		return HoldClock{}, false, err
	}
	_, holding := pausedAt(away, end)
	holding = !holding && t.ResolvedAt == nil
	_, paused := pausedAt(pauses, end)
	switch {
	case c.Held > c.Target:
		c.Status = Breached
	case !holding:
		c.Status = Met
	case paused:
		c.Status = Paused
	default:
		c.Status = Running
		if c.Due, err = reach(o.Schedule, t.OpenedAt, c.Target, pauses); err != nil {
			return HoldClock{}, false, err
		}
	}
	return c, true, nil
}

// awayFrom returns the spans from open on that are not in held (sorted
// and merged): the last is open when the group no longer holds it.
func awayFrom(open time.Time, held []Interval) []Interval {
	var out []Interval
	cur := open
	for _, h := range held {
		if h.Start.After(cur) {
			start := h.Start
			out = append(out, Interval{Start: cur, End: &start})
		}
		if h.End == nil {
			return out
		}
		cur = *h.End
	}
	return append(out, Interval{Start: cur})
}

// OLAReport sums up how a group did against its OLA over a set of tickets.
type OLAReport struct {
	OLA OLA
	// Tickets counts the tickets the group held (cancelled ones left out).
	Tickets  int
	Met      int
	Breached int
	// Compliance is Met / (Met + Breached) in percent; 100 when neither.
	Compliance float64
	// MeanHeld averages the working time the group held them.
	MeanHeld time.Duration
}

// BuildOLAReport measures o over the tickets on its services, judged at
// now: a ticket counts once the group passed it on or it was resolved
// (MET) or once it breached; one the group still holds within target is
// counted in Tickets only.
func BuildOLAReport(o OLA, tickets []Ticket, now time.Time) (OLAReport, error) {
	r := OLAReport{OLA: o}
	var held time.Duration
	for _, t := range tickets {
		if t.Cancelled || !slices.ContainsFunc(t.ServiceIDs, func(id string) bool { return slices.Contains(o.ServiceIDs, id) }) {
			continue
		}
		c, ok, err := HoldClockOf(o, t, now)
		if err != nil {
			return OLAReport{}, err
		}
		if !ok {
			continue
		}
		r.Tickets++
		held += c.Held
		switch c.Status {
		case Met:
			r.Met++
		case Breached:
			r.Breached++
		}
	}
	r.Compliance = compliance(r.Met, r.Breached)
	if r.Tickets > 0 {
		r.MeanHeld = held / time.Duration(r.Tickets)
	}
	return r, nil
}

// OLAStore persists OLAs. Each method is one transaction.
type OLAStore interface {
	// CreateOLA writes o; NOT_FOUND for an unknown group or service,
	// BAD_USER_INPUT when the group's kind does not suit o's kind.
	CreateOLA(ctx context.Context, o OLA) (OLA, error)
	// UpdateOLA locks the OLA, passes it to apply and writes the result;
	// NOT_FOUND when absent, and as CreateOLA for the references.
	UpdateOLA(ctx context.Context, id string, apply func(OLA) (OLA, error)) (OLA, error)
	// GetOLAs returns those that exist, in any order.
	GetOLAs(ctx context.Context, ids []string) ([]OLA, error)
	// ListOLAs returns one page of OLAs by name; groupID "" means all.
	ListOLAs(ctx context.Context, groupID string, p paging.Request) (paging.Page[OLA], error)
	// OLAsCovering returns the OLAs that cover any of serviceIDs.
	OLAsCovering(ctx context.Context, serviceIDs []string) ([]OLA, error)
}

func normalizedOLA(o OLATerms) OLATerms {
	o.ServiceIDs, o.PauseOn = tidy(o.ServiceIDs, &o.Schedule, o.PauseOn)
	o.Targets = byPriority(o.Targets, func(t HoldTarget) Priority { return t.Priority })
	return o
}

// CreateOLA validates the terms and stores a new OLA. BAD_USER_INPUT names
// the field at fault; NOT_FOUND for an unknown group or service.
func (s *Service) CreateOLA(ctx context.Context, caller auth.Principal, terms OLATerms) (OLA, error) {
	now := s.now().UTC()
	o := OLA{ID: s.newID(OLAPrefix), OLATerms: normalizedOLA(terms), Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := o.Validate(); err != nil {
		return OLA{}, err
	}
	return s.store.CreateOLA(ctx, o)
}

// UpdateOLA replaces an OLA's terms read at expectedVersion; CONFLICT when
// it is stale, otherwise as CreateOLA.
func (s *Service) UpdateOLA(ctx context.Context, caller auth.Principal, id string, expectedVersion int, terms OLATerms) (OLA, error) {
	now := s.now().UTC()
	terms = normalizedOLA(terms)
	if err := terms.Validate(); err != nil {
		return OLA{}, err
	}
	return s.store.UpdateOLA(ctx, id, func(cur OLA) (OLA, error) {
		if cur.Version != expectedVersion {
			return OLA{}, apperr.Stale("OLA", id, cur.Version, expectedVersion)
		}
		next := cur
		next.OLATerms, next.Version, next.UpdatedAt = terms, cur.Version+1, now
		return next, nil
	})
}

// GetOLA returns one OLA; NOT_FOUND when absent.
func (s *Service) GetOLA(ctx context.Context, id string) (OLA, error) {
	got, err := s.store.GetOLAs(ctx, []string{id})
	return only(got, err, "OLA", id)
}

// ListOLAs returns one page of OLAs, optionally of one group.
func (s *Service) ListOLAs(ctx context.Context, groupID string, p paging.Request) (paging.Page[OLA], error) {
	return s.store.ListOLAs(ctx, groupID, p)
}

// TicketHoldClocks are the clocks of one ticket under the OLAs of the
// groups that held it.
type TicketHoldClocks struct {
	OLA   OLA
	Clock HoldClock
}

// HoldClocksOf returns, keyed by ticket id, each ticket's clock under every
// OLA that covers one of its services and whose group held it (by OLA
// name), judged now, with one store read for all the tickets.
func (s *Service) HoldClocksOf(ctx context.Context, ts []Ticket) (map[string][]TicketHoldClocks, error) {
	var serviceIDs []string
	for _, t := range ts {
		serviceIDs = append(serviceIDs, t.ServiceIDs...)
	}
	out := make(map[string][]TicketHoldClocks, len(ts))
	olas, err := s.covering(ctx, serviceIDs)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for _, t := range ts {
		out[t.ID] = []TicketHoldClocks{}
		for _, o := range olas {
			if !slices.ContainsFunc(t.ServiceIDs, func(id string) bool { return slices.Contains(o.ServiceIDs, id) }) {
				continue
			}
			c, ok, err := HoldClockOf(o, t, now)
			if err != nil {
				return nil, err
			}
			if ok {
				out[t.ID] = append(out[t.ID], TicketHoldClocks{OLA: o, Clock: c})
			}
		}
	}
	return out, nil
}

// covering returns the OLAs covering any of serviceIDs, by name.
func (s *Service) covering(ctx context.Context, serviceIDs []string) ([]OLA, error) {
	if len(serviceIDs) == 0 {
		return nil, nil
	}
	olas, err := s.store.OLAsCovering(ctx, sortedSet(serviceIDs))
	if err != nil {
		return nil, err
	}
	slices.SortFunc(olas, func(a, b OLA) int { return strings.Compare(a.Name+"\x00"+a.ID, b.Name+"\x00"+b.ID) })
	return olas, nil
}

// OLAReport measures an OLA over the tickets opened in [from, to) on its
// services. NOT_FOUND for an unknown OLA; BAD_USER_INPUT for an empty
// period.
func (s *Service) OLAReport(ctx context.Context, olaID string, from, to time.Time, tickets Tickets) (OLAReport, error) {
	if err := CheckPeriod(from, to); err != nil {
		return OLAReport{}, err
	}
	o, err := s.GetOLA(ctx, olaID)
	if err != nil {
		return OLAReport{}, err
	}
	ts, err := tickets.TicketsOpened(ctx, o.ServiceIDs, from, to)
	if err != nil {
		return OLAReport{}, err
	}
	return BuildOLAReport(o, opened(ts, from, to), s.now())
}

// opened keeps the tickets opened in [from, to).
func opened(ts []Ticket, from, to time.Time) []Ticket {
	return slices.DeleteFunc(slices.Clone(ts), func(t Ticket) bool { return t.OpenedAt.Before(from) || !t.OpenedAt.Before(to) })
}
