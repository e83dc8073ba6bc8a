package sla

import (
	"slices"
	"sort"
	"time"
)

// Interval is a span of time [Start, End). A nil End is still open.
type Interval struct {
	Start time.Time
	End   *time.Time
}

// Hold is a span a ticket waited for a reason (an incident's hold reason);
// each SLA says which reasons stop its clocks (Terms.PauseOn).
type Hold struct {
	Interval
	Reason string
}

// PriorityChange is a ticket's priority from At on.
type PriorityChange struct {
	At       time.Time
	Priority Priority
}

// Ticket is what the clocks need to know about an incident or a request.
type Ticket struct {
	ID string
	// ServiceIDs are the services the ticket affects; an SLA covering one
	// of them applies.
	ServiceIDs []string
	OpenedAt   time.Time
	// Priority is the priority at OpenedAt.
	Priority Priority
	// PriorityChanges are later changes, in any order.
	PriorityChanges []PriorityChange
	// RespondedAt stops the response clock.
	RespondedAt *time.Time
	// ResolvedAt stops the resolution clock; nil while the ticket is open
	// (a reopened ticket has no ResolvedAt, and the time it spent resolved
	// is one of its Pauses).
	ResolvedAt *time.Time
	// Pauses are the spans every SLA's clocks stand still: resolved before
	// a reopen, and holds recorded before their reasons were kept.
	Pauses []Interval
	// Holds are the spans it waited, with why; they pause the SLAs whose
	// PauseOn names their reason.
	Holds []Hold
	// Cancelled tickets are left out of reports and evaluations.
	Cancelled bool
	// CustomerID is the business unit of whoever raised it; empty when
	// they belong to none (monitoring, or a caller not in the directory).
	CustomerID string
	// Holdings are the spans each group held it, oldest first; OLAs
	// measure their group's.
	Holdings []Holding
	// Target, when set, is the ticket's own target: a request's
	// fulfilment target, from the catalogue item it was ordered from. Such
	// a ticket has one clock, FULFILMENT, from OpenedAt (its approval) to
	// ResolvedAt (its fulfilment), on the SLA's schedule, whatever its
	// priority.
	Target time.Duration
}

// Metric names one of a ticket's two clocks.
type Metric string

// The metrics.
const (
	Response   Metric = "RESPONSE"
	Resolution Metric = "RESOLUTION"
	// Fulfilment is the one clock of a ticket with its own Target.
	Fulfilment Metric = "FULFILMENT"
)

// Status is where a clock stands.
type Status string

// The clock statuses.
const (
	Running     Status = "RUNNING"
	Paused      Status = "PAUSED"
	Met         Status = "MET"
	Breached    Status = "BREACHED"
	NotTargeted Status = "NO_TARGET"
)

// Clock is the state of one metric of one ticket under one SLA at an
// instant.
//
// The boundary rule: a clock is breached only when it stops, or now is,
// strictly after Due. A ticket resolved exactly at its due time met its
// target, and at now == Due a running clock is not breached yet. A warning,
// in contrast, is due as soon as now reaches WarnAt.
type Clock struct {
	Metric Metric
	// Priority is the one whose target applies; empty on a FULFILMENT
	// clock, whose target is the ticket's own.
	Priority Priority
	Target   time.Duration
	// Elapsed is the working time counted so far (up to the stop or now),
	// pauses excluded.
	Elapsed time.Duration
	// Due and WarnAt are nil while the clock is paused before reaching
	// them: they move with the pause.
	Due       *time.Time
	WarnAt    *time.Time
	StoppedAt *time.Time
	Status    Status
	// Warning is true once WarnAt is reached (while running or stopped).
	Warning bool
}

// Breached reports whether the clock has breached.
func (c Clock) Breached() bool { return c.Status == Breached }

// Clocks computes the response and resolution clocks of t under s at now.
//
// Due times follow the priority in effect when the clock stopped (or now,
// while it runs): a priority change recomputes them from the opening, so the
// working time already spent stays spent against the new target. Pauses
// shift due times by the working time they cover.
func Clocks(s SLA, t Ticket, now time.Time) ([]Clock, error) {
	pauses := Merge(append(slices.Clone(t.Pauses), pausing(s.PauseOn, t.Holds)...))
	if t.Target > 0 {
		c, err := clockOf(s, t, Fulfilment, t.ResolvedAt, pauses, now)
		if err != nil {
			return nil, err
		}
		return []Clock{c}, nil
	}
	out := make([]Clock, 0, 2)
	for _, m := range []Metric{Response, Resolution} {
		stop := t.RespondedAt
		if m == Resolution {
			stop = t.ResolvedAt
		}
		c, err := clockOf(s, t, m, stop, pauses, now)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func clockOf(s SLA, t Ticket, m Metric, stop *time.Time, pauses []Interval, now time.Time) (Clock, error) {
	end := now
	if stop != nil {
		end = *stop
	}
	c := Clock{Metric: m, StoppedAt: stop}
	switch m {
	case Fulfilment:
		c.Target = t.Target
	default:
		c.Priority = priorityAt(t, end)
		target, ok := s.Target(c.Priority)
		if !ok {
			c.Status = NotTargeted
			return c, nil
		}
		c.Target = target.Response
		if m == Resolution {
			c.Target = target.Resolution
		}
	}
	elapsed, err := workingElapsed(s.Schedule, t.OpenedAt, end, pauses)
	if err != nil {
		return Clock{}, err
	}
	c.Elapsed = elapsed
	if c.Due, err = reach(s.Schedule, t.OpenedAt, c.Target, pauses); err != nil {
		return Clock{}, err
	}
	warn := time.Duration(float64(c.Target) * s.WarningThreshold)
	if c.WarnAt, err = reach(s.Schedule, t.OpenedAt, warn, pauses); err != nil {
		return Clock{}, err
	}
	// A paused clock is judged at the instant it paused: paused exactly at
	// its due time, it has not breached (yet).
	pausedSince, paused := pausedAt(pauses, now)
	if stop == nil && paused {
		end = pausedSince
	}
	paused = paused && stop == nil
	c.Warning = c.WarnAt != nil && !end.Before(*c.WarnAt)
	switch {
	case c.Due != nil && end.After(*c.Due):
		c.Status = Breached
	case stop != nil:
		c.Status = Met
	case paused:
		c.Status = Paused
	default:
		c.Status = Running
	}
	return c, nil
}

// priorityAt returns the priority in effect at instant at.
func priorityAt(t Ticket, at time.Time) Priority {
	changes := append([]PriorityChange(nil), t.PriorityChanges...)
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].At.Before(changes[j].At) })
	p := t.Priority
	for _, c := range changes {
		if c.At.After(at) {
			break
		}
		p = c.Priority
	}
	return p
}

// pausedAt returns the start of the pause covering at, if one does.
func pausedAt(ps []Interval, at time.Time) (time.Time, bool) {
	for _, p := range ps {
		if !p.Start.After(at) && (p.End == nil || p.End.After(at)) {
			return p.Start, true
		}
	}
	return time.Time{}, false
}

// workingElapsed is the working time from open to end minus the working
// time of the pauses within it.
func workingElapsed(s Schedule, open, end time.Time, pauses []Interval) (time.Duration, error) {
	total, err := s.Between(open, end)
	if err != nil {
		return 0, err
	}
	for _, p := range pauses {
		a, b := p.Start, end
		if p.End != nil && p.End.Before(end) {
			b = *p.End
		}
		if a.Before(open) {
			a = open
		}
		d, err := s.Between(a, b)
		if err != nil {
			return 0, err
		}
		total -= d
	}
	return total, nil
}

// reach returns the instant at which d of working time, counted from open
// and skipping the pauses, has passed; nil when an open pause is reached
// first (the instant depends on when it ends).
func reach(s Schedule, open time.Time, d time.Duration, pauses []Interval) (*time.Time, error) {
	cur, left := open, d
	for _, p := range pauses {
		if p.End != nil && !p.End.After(cur) {
			continue
		}
		start := p.Start
		if start.Before(cur) {
			start = cur
		}
		at, err := s.Add(cur, left)
		if err != nil {
			return nil, err
		}
		if !at.After(start) {
			return &at, nil
		}
		used, err := s.Between(cur, start)
		if err != nil {
			return nil, err
		}
		left -= used
		if p.End == nil {
			return nil, nil
		}
		cur = *p.End
	}
	at, err := s.Add(cur, left)
	if err != nil {
		return nil, err
	}
	return &at, nil
}

// pausing returns the spans of the holds whose reason is one of on.
func pausing(on []string, hs []Hold) []Interval {
	var out []Interval
	for _, h := range hs {
		if slices.Contains(on, h.Reason) {
			out = append(out, h.Interval)
		}
	}
	return out
}

// Merge sorts intervals by start and joins those that overlap or touch, so
// that time covered twice counts once. An open interval swallows every
// later one.
func Merge(in []Interval) []Interval {
	ivs := append([]Interval(nil), in...)
	sort.SliceStable(ivs, func(i, j int) bool { return ivs[i].Start.Before(ivs[j].Start) })
	var out []Interval
	for _, iv := range ivs {
		if iv.End != nil && iv.End.Before(iv.Start) {
			continue
		}
		if n := len(out); n > 0 {
			last := &out[n-1]
			if last.End == nil || !iv.Start.After(*last.End) {
				if last.End != nil && (iv.End == nil || iv.End.After(*last.End)) {
					last.End = iv.End
				}
				continue
			}
		}
		out = append(out, iv)
	}
	return out
}
