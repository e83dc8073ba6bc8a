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

// ID prefixes.
const (
	SLAPrefix    = "sla"
	EventPrefix  = "slae"
	ReviewPrefix = "slar"
)

// Store persists SLAs, their events and reviews. Each method is one
// transaction.
type Store interface {
	// CreateSLA writes s; NOT_FOUND when its customer is not a business
	// unit or one of its services is not a service.
	CreateSLA(ctx context.Context, s SLA) (SLA, error)
	// UpdateSLA locks the SLA, passes it to apply and writes the result;
	// NOT_FOUND when absent, and as CreateSLA for the references.
	UpdateSLA(ctx context.Context, id string, apply func(SLA) (SLA, error)) (SLA, error)
	// GetSLAs returns those that exist, in any order.
	GetSLAs(ctx context.Context, ids []string) ([]SLA, error)
	// ListSLAs returns one page of SLAs by name; customerID "" means all.
	ListSLAs(ctx context.Context, customerID string, p paging.Request) (paging.Page[SLA], error)
	// SLAsCovering returns the SLAs that cover any of serviceIDs.
	SLAsCovering(ctx context.Context, serviceIDs []string) ([]SLA, error)
	// RecordEvents stores the events whose Key is new and returns those,
	// so that concurrent evaluators publish each event once.
	RecordEvents(ctx context.Context, events []Event) ([]Event, error)
	// Events returns the recorded events of these tickets.
	Events(ctx context.Context, ticketIDs []string) ([]Event, error)
	// EventLog pages the recorded events that f selects, newest first.
	EventLog(ctx context.Context, f EventFilter, p paging.Request) (paging.Page[Event], error)
	// RecordReview writes r; NOT_FOUND for an unknown SLA.
	RecordReview(ctx context.Context, r Review) (Review, error)
	// Reviews returns the reviews of an SLA, newest first.
	Reviews(ctx context.Context, slaID string) ([]Review, error)
	// LastReviews returns the date of the latest review of every SLA that
	// has one, with every SLA.
	LastReviews(ctx context.Context) ([]SLA, map[string]time.Time, error)
	OLAStore
}

// Tickets is where the SLA service finds tickets: the incident and request
// services implement it, and Several joins them.
type Tickets interface {
	// ClockTickets returns the tickets whose clocks may still produce
	// events: open ones, and those resolved or closed at or after since.
	ClockTickets(ctx context.Context, since time.Time) ([]Ticket, error)
	// TicketsOpened returns the tickets opened in [from, to) that affect
	// any of serviceIDs.
	TicketsOpened(ctx context.Context, serviceIDs []string, from, to time.Time) ([]Ticket, error)
	// Outages returns, by service, the spans overlapping [from, to) in
	// which tickets took any of serviceIDs down or degraded it.
	Outages(ctx context.Context, serviceIDs []string, from, to time.Time) (map[string][]Outage, error)
}

// Service applies the SLA rules. Its clock and id source are injected.
type Service struct {
	store Store
	now   func() time.Time
	newID func(prefix string) string
}

// NewService returns a Service.
func NewService(store Store, now func() time.Time, newID func(prefix string) string) *Service {
	return &Service{store: store, now: now, newID: newID}
}

// normalized returns t with its lists sorted and without duplicates.
func normalized(t Terms) Terms {
	t.ServiceIDs, t.PauseOn = tidy(t.ServiceIDs, &t.Schedule, t.PauseOn)
	t.Targets = byPriority(t.Targets, func(t Target) Priority { return t.Priority })
	t.ReviewStart = t.ReviewStart.UTC()
	return t
}

// tidy sorts and dedupes what every agreement lists — its services, its
// schedule's holidays and its pause reasons, the default ones when none are
// given — so that equal terms compare equal.
func tidy(serviceIDs []string, s *Schedule, pauseOn []string) ([]string, []string) {
	s.Holidays = sortedSet(s.Holidays)
	if pauseOn == nil {
		pauseOn = DefaultPauseOn()
	}
	return sortedSet(serviceIDs), sortedSet(pauseOn)
}

func sortedSet(xs []string) []string { return slices.Compact(slices.Sorted(slices.Values(xs))) }

// byPriority returns targets sorted from P1 to P5.
func byPriority[T any](targets []T, of func(T) Priority) []T {
	out := slices.Clone(targets)
	slices.SortFunc(out, func(a, b T) int { return slices.Index(Priorities(), of(a)) - slices.Index(Priorities(), of(b)) })
	return out
}

// CreateInput is the terms of a new SLA.
type CreateInput struct {
	Terms Terms
}

// Create validates the terms and stores a new SLA. BAD_USER_INPUT names the field
// at fault; NOT_FOUND for an unknown customer or service.
func (s *Service) Create(ctx context.Context, caller auth.Principal, in CreateInput) (SLA, error) {
	now := s.now().UTC()
	a := SLA{ID: s.newID(SLAPrefix), Terms: normalized(in.Terms), Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := a.Validate(); err != nil {
		return SLA{}, err
	}
	return s.store.CreateSLA(ctx, a)
}

// UpdateInput replaces the terms of an SLA read at ExpectedVersion.
type UpdateInput struct {
	ID              string
	ExpectedVersion int
	Terms           Terms
}

// Update replaces the SLA's terms with optimistic concurrency. CONFLICT when
// ExpectedVersion is stale; NOT_FOUND as for Create or an unknown SLA.
func (s *Service) Update(ctx context.Context, caller auth.Principal, in UpdateInput) (SLA, error) {
	now := s.now().UTC()
	terms := normalized(in.Terms)
	if err := terms.Validate(); err != nil {
		return SLA{}, err
	}
	return s.store.UpdateSLA(ctx, in.ID, func(cur SLA) (SLA, error) {
		if cur.Version != in.ExpectedVersion {
			return SLA{}, apperr.Stale("SLA", in.ID, cur.Version, in.ExpectedVersion)
		}
		next := cur
		next.Terms = terms
		next.Version = cur.Version + 1
		next.UpdatedAt = now
		return next, nil
	})
}

// Get returns one SLA; NOT_FOUND when absent.
func (s *Service) Get(ctx context.Context, id string) (SLA, error) {
	got, err := s.store.GetSLAs(ctx, []string{id})
	return only(got, err, "SLA", id)
}

// only returns the record a read of one id found; NOT_FOUND naming what
// was asked for when there is none.
func only[T any](got []T, err error, what, id string) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	if len(got) == 0 {
		return zero, apperr.New(apperr.NotFound, "no %s has id %q", what, id)
	}
	return got[0], nil
}

// GetMany returns the SLAs with these ids that exist, keyed by id, for
// batch loading.
func (s *Service) GetMany(ctx context.Context, ids []string) (map[string]SLA, error) {
	got, err := s.store.GetSLAs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]SLA, len(got))
	for _, a := range got {
		out[a.ID] = a
	}
	return out, nil
}

// List returns one page of SLAs, optionally of one customer.
func (s *Service) List(ctx context.Context, customerID string, p paging.Request) (paging.Page[SLA], error) {
	return s.store.ListSLAs(ctx, customerID, p)
}

// Covering returns the SLAs that apply to a ticket affecting serviceIDs.
func (s *Service) Covering(ctx context.Context, serviceIDs []string) ([]SLA, error) {
	if len(serviceIDs) == 0 {
		return nil, nil
	}
	return s.store.SLAsCovering(ctx, serviceIDs)
}

// TicketClocks are the clocks of one ticket under one SLA that covers it.
type TicketClocks struct {
	SLA    SLA
	Clocks []Clock
}

// ClocksOf returns, keyed by ticket id, the clocks of each ticket under
// every SLA that covers it (by SLA name), judged now. One store read serves
// all the tickets, so a page of incidents costs one query, not one each.
func (s *Service) ClocksOf(ctx context.Context, ts []Ticket) (map[string][]TicketClocks, error) {
	var serviceIDs []string
	for _, t := range ts {
		serviceIDs = append(serviceIDs, t.ServiceIDs...)
	}
	slas, err := s.Covering(ctx, sortedSet(serviceIDs))
	if err != nil {
		return nil, err
	}
	slices.SortFunc(slas, func(a, b SLA) int { return strings.Compare(a.Name+"\x00"+a.ID, b.Name+"\x00"+b.ID) })
	now := s.now()
	out := make(map[string][]TicketClocks, len(ts))
	for _, t := range ts {
		out[t.ID] = []TicketClocks{}
		for _, a := range slas {
			if !a.Applies(t) {
				continue
			}
			cs, err := Clocks(a, t, now)
			if err != nil {
				return nil, err
			}
			out[t.ID] = append(out[t.ID], TicketClocks{SLA: a, Clocks: cs})
		}
	}
	return out, nil
}

// EvaluationLookback is how long after resolution a ticket is still
// evaluated, so that a breach that happened while no evaluator ran (the
// ticket resolved late during an outage) is still recorded.
const EvaluationLookback = 7 * 24 * time.Hour

// Evaluate records the warnings and breaches that are due now and returns
// the ones this call recorded, for publishing. It may run on any number of
// instances and after restarts: the store keeps each event once.
func (s *Service) Evaluate(ctx context.Context, tickets Tickets) ([]Event, error) {
	now := s.now().UTC()
	ts, err := tickets.ClockTickets(ctx, now.Add(-EvaluationLookback))
	if err != nil {
		return nil, err
	}
	var serviceIDs, ticketIDs []string
	for _, t := range ts {
		serviceIDs = append(serviceIDs, t.ServiceIDs...)
		ticketIDs = append(ticketIDs, t.ID)
	}
	slas, err := s.Covering(ctx, sortedSet(serviceIDs))
	if err != nil {
		return nil, err
	}
	var watches []Watch
	for _, t := range ts {
		for _, a := range slas {
			if a.Applies(t) {
				watches = append(watches, Watch{SLA: a, Ticket: t})
			}
		}
	}
	if len(watches) == 0 {
		return nil, nil
	}
	recorded, err := s.store.Events(ctx, ticketIDs)
	if err != nil {
		return nil, err
	}
	fresh, err := Evaluate(now, watches, recorded, func() string { return s.newID(EventPrefix) })
	if err != nil || len(fresh) == 0 {
		return nil, err
	}
	return s.store.RecordEvents(ctx, fresh)
}

// Events returns the recorded events of these tickets.
func (s *Service) Events(ctx context.Context, ticketIDs []string) ([]Event, error) {
	return s.store.Events(ctx, ticketIDs)
}

// EventFilter selects recorded events; zero fields select all.
type EventFilter struct {
	SLAID, TicketID string
	Kinds           []EventKind
	Metrics         []Metric
	// From and To bound when the events happened: [From, To).
	From, To *time.Time
}

// EventLog pages the recorded warnings and breaches that f selects, newest
// first, for those who report on SLAs (the schema lets only the roles that
// read every incident and request ask). BAD_USER_INPUT for an unknown kind
// or metric, or an empty period.
func (s *Service) EventLog(ctx context.Context, f EventFilter, p paging.Request) (paging.Page[Event], error) {
	for _, k := range f.Kinds {
		if err := validate.Enum("filter.kinds", k, []EventKind{Warning, Breach}); err != nil {
			return paging.Page[Event]{}, err
		}
	}
	for _, m := range f.Metrics {
		if err := validate.Enum("filter.metrics", m, []Metric{Response, Resolution, Fulfilment}); err != nil {
			return paging.Page[Event]{}, err
		}
	}
	if f.From != nil && f.To != nil {
		if err := CheckPeriod(*f.From, *f.To); err != nil {
			return paging.Page[Event]{}, err
		}
	}
	return s.store.EventLog(ctx, f, p)
}

// Report computes the report of an SLA over [from, to), with the
// availability of each of its services under its schedule, and beside it
// how each group did against the OLAs on those services over the same
// tickets. NOT_FOUND for an
// unknown SLA; BAD_USER_INPUT for an empty period.
func (s *Service) Report(ctx context.Context, slaID string, from, to time.Time, tickets Tickets) (Report, error) {
	if err := CheckPeriod(from, to); err != nil {
		return Report{}, err
	}
	a, err := s.Get(ctx, slaID)
	if err != nil {
		return Report{}, err
	}
	ts, err := tickets.TicketsOpened(ctx, a.ServiceIDs, from, to)
	if err != nil {
		return Report{}, err
	}
	now := s.now()
	rep, err := BuildReport(a, ts, from, to, now)
	if err != nil {
		return Report{}, err
	}
	if rep.Availability, err = s.availability(ctx, &a, a.ServiceIDs, from, to, tickets); err != nil {
		return Report{}, err
	}
	olas, err := s.covering(ctx, a.ServiceIDs)
	if err != nil {
		return Report{}, err
	}
	counted := slices.DeleteFunc(opened(ts, from, to), func(t Ticket) bool { return !a.Serves(t) })
	for _, o := range olas {
		r, err := BuildOLAReport(o, counted, now)
		if err != nil {
			return Report{}, err
		}
		rep.Underpinning = append(rep.Underpinning, r)
	}
	return rep, nil
}

// ServiceAvailability measures a service over [from, to) from the outages
// of tickets that took it down or degraded it: around the clock without an
// SLA, else within that SLA's service hours and against its target.
// NOT_FOUND for an unknown SLA; BAD_USER_INPUT when the SLA does not cover
// the service.
func (s *Service) ServiceAvailability(ctx context.Context, serviceID, slaID string, from, to time.Time, tickets Tickets) (Availability, error) {
	if err := CheckPeriod(from, to); err != nil {
		return Availability{}, err
	}
	if err := validate.Text("serviceId", serviceID, true, MaxIDLen); err != nil {
		return Availability{}, err
	}
	var under *SLA
	if slaID != "" {
		a, err := s.Get(ctx, slaID)
		if err != nil {
			return Availability{}, err
		}
		if !slices.Contains(a.ServiceIDs, serviceID) {
			return Availability{}, apperr.Invalid("slaId", "SLA %s does not cover service %s; pick an SLA from the service's slas or leave slaId out", slaID, serviceID)
		}
		under = &a
	}
	got, err := s.availability(ctx, under, []string{serviceID}, from, to, tickets)
	if err != nil {
		return Availability{}, err
	}
	return got[0], nil
}

// availability measures each of serviceIDs, in order, with one read of
// the outages.
func (s *Service) availability(ctx context.Context, under *SLA, serviceIDs []string, from, to time.Time, tickets Tickets) ([]Availability, error) {
	outages, err := tickets.Outages(ctx, serviceIDs, from, to)
	if err != nil {
		return nil, err
	}
	sched := TwentyFourSeven()
	if under != nil {
		sched = under.Schedule
	}
	out := make([]Availability, len(serviceIDs))
	for i, id := range serviceIDs {
		if out[i], err = ComputeAvailability(sched, from, to, outages[id]); err != nil {
			return nil, err
		}
		out[i].ServiceID, out[i].SLA = id, under
	}
	return out, nil
}

// RecordReviewInput is a review held for an SLA.
type RecordReviewInput struct {
	SLAID     string
	Date      time.Time
	Attendees []string
	Notes     string
	Actions   []ReviewAction
}

// RecordReview validates and stores a review held for an SLA, attributed
// to the caller. BAD_USER_INPUT names the field at fault; NOT_FOUND for an
// unknown SLA.
func (s *Service) RecordReview(ctx context.Context, caller auth.Principal, in RecordReviewInput) (Review, error) {
	r := Review{SLAID: in.SLAID, Date: in.Date, Attendees: in.Attendees, Notes: in.Notes, Actions: in.Actions}
	r.ID = s.newID(ReviewPrefix)
	r.RecordedBy = caller.Subject
	r.RecordedAt = s.now().UTC()
	r.Date = r.Date.UTC()
	if err := r.Validate(); err != nil {
		return Review{}, err
	}
	return s.store.RecordReview(ctx, r)
}

// Reviews returns the reviews of an SLA, newest first.
func (s *Service) Reviews(ctx context.Context, slaID string) ([]Review, error) {
	return s.store.Reviews(ctx, slaID)
}

// UpcomingReviews lists the next review of every SLA that falls before
// now + within (overdue ones included), soonest first. BAD_USER_INPUT for a
// window outside 1..MaxUpcomingDays days.
func (s *Service) UpcomingReviews(ctx context.Context, within time.Duration) ([]Upcoming, error) {
	if within <= 0 || within > MaxUpcomingDays*24*time.Hour {
		return nil, apperr.Invalid("withinDays", "must be between 1 and %d days", MaxUpcomingDays)
	}
	slas, last, err := s.store.LastReviews(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	return upcoming(slas, last, now, within), nil
}

func upcoming(slas []SLA, last map[string]time.Time, now time.Time, within time.Duration) []Upcoming {
	var out []Upcoming
	for _, a := range slas {
		var lr *time.Time
		if t, ok := last[a.ID]; ok {
			lr = &t
		}
		d := NextReview(a, lr)
		if d.Before(now.Add(within)) {
			out = append(out, Upcoming{SLA: a, Date: d, Overdue: d.Before(now)})
		}
	}
	slices.SortStableFunc(out, func(a, b Upcoming) int { return a.Date.Compare(b.Date) })
	return out
}
