package sla

import (
	"time"
)

// EventKind is what happened to a clock.
type EventKind string

// The event kinds.
const (
	Warning EventKind = "WARNING"
	Breach  EventKind = "BREACH"
)

// Event records that a clock of a ticket under an SLA reached its warning
// threshold or breached. At is when it happened (the warning instant, or
// the due time the clock ran past); RecordedAt is when the evaluator saw it.
type Event struct {
	ID         string
	SLAID      string
	TicketID   string
	Metric     Metric
	Kind       EventKind
	Priority   Priority
	At         time.Time
	RecordedAt time.Time
}

// EventKeys are what subscribers follow an SLA event by: its SLA's id and
// its ticket's id.
func EventKeys(e Event) []string { return []string{e.SLAID, e.TicketID} }

// Key identifies the event among all events: each clock warns and breaches
// at most once, whatever its priority changes, so the key leaves them out.
func (e Event) Key() string {
	return e.SLAID + "|" + e.TicketID + "|" + string(e.Metric) + "|" + string(e.Kind)
}

// Watch pairs a ticket with an SLA that applies to it.
type Watch struct {
	SLA    SLA
	Ticket Ticket
}

// Evaluate returns the warning and breach events that are due at now and
// not among recorded (matched by Key), each once, in the order of watches.
// Because it is driven by what was recorded rather than by what it saw last
// time, running it again — after a restart, or on another instance — adds
// nothing new once its events are stored. newID names each event.
func Evaluate(now time.Time, watches []Watch, recorded []Event, newID func() string) ([]Event, error) {
	seen := make(map[string]bool, len(recorded))
	for _, e := range recorded {
		seen[e.Key()] = true
	}
	var out []Event
	add := func(w Watch, c Clock, kind EventKind, at time.Time) {
		e := Event{SLAID: w.SLA.ID, TicketID: w.Ticket.ID, Metric: c.Metric, Kind: kind, Priority: c.Priority, At: at.UTC(), RecordedAt: now.UTC()}
		if seen[e.Key()] {
			return
		}
		seen[e.Key()] = true
		e.ID = newID()
		out = append(out, e)
	}
	for _, w := range watches {
		if w.Ticket.Cancelled {
			continue
		}
		clocks, err := Clocks(w.SLA, w.Ticket, now)
		if err != nil {
			return nil, err
		}
		for _, c := range clocks {
			if c.Warning {
				add(w, c, Warning, *c.WarnAt)
			}
			if c.Breached() {
				add(w, c, Breach, *c.Due)
			}
		}
	}
	return out, nil
}
