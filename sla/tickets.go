package sla

import (
	"context"
	"time"
)

// Several joins the tickets of several processes (incidents and requests),
// so that one evaluator, one report and one availability figure see them
// all. Each method asks each source in turn.
type Several []Tickets

func gather[T any](ss Several, read func(Tickets) ([]T, error)) ([]T, error) {
	var out []T
	for _, s := range ss {
		got, err := read(s)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// ClockTickets implements Tickets.
func (ss Several) ClockTickets(ctx context.Context, since time.Time) ([]Ticket, error) {
	return gather(ss, func(s Tickets) ([]Ticket, error) { return s.ClockTickets(ctx, since) })
}

// TicketsOpened implements Tickets.
func (ss Several) TicketsOpened(ctx context.Context, serviceIDs []string, from, to time.Time) ([]Ticket, error) {
	return gather(ss, func(s Tickets) ([]Ticket, error) { return s.TicketsOpened(ctx, serviceIDs, from, to) })
}

// Outages implements Tickets.
func (ss Several) Outages(ctx context.Context, serviceIDs []string, from, to time.Time) (map[string][]Outage, error) {
	out := map[string][]Outage{}
	for _, s := range ss {
		got, err := s.Outages(ctx, serviceIDs, from, to)
		if err != nil {
			return nil, err
		}
		for id, os := range got {
			out[id] = append(out[id], os...)
		}
	}
	return out, nil
}

var _ Tickets = Several(nil)
