package request

import (
	"context"
	"time"

	"github.com/itsm-graph/itsm/sla"
)

// Ticket returns what the SLA clocks need to know about an approved
// request, and false for one not approved (its clock has not started).
// Its one clock, FULFILMENT, runs from approval to fulfilment against the
// target of the item as ordered, on the schedule of each SLA covering the
// item's service. The time a request spent FULFILLED before its requester
// said it was not done counts: the work was not done.
func Ticket(r Request) (sla.Ticket, bool) {
	if r.ApprovedAt == nil || r.Item.Target <= 0 {
		return sla.Ticket{}, false
	}
	return sla.Ticket{
		ID:         r.ID,
		ServiceIDs: []string{r.Item.ServiceID},
		OpenedAt:   *r.ApprovedAt,
		ResolvedAt: r.FulfilledAt,
		Target:     r.Item.Target,
		Cancelled:  r.State == Cancelled,
	}, true
}

func tickets(recs []Record, err error) ([]sla.Ticket, error) {
	if err != nil {
		return nil, err
	}
	out := make([]sla.Ticket, 0, len(recs))
	for _, rec := range recs {
		if t, ok := Ticket(rec.Request); ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// ClockTickets implements sla.Tickets.
func (s *Service) ClockTickets(ctx context.Context, since time.Time) ([]sla.Ticket, error) {
	return tickets(s.store.ClockRequests(ctx, since))
}

// TicketsOpened implements sla.Tickets: a request's clock opens when it is
// approved.
func (s *Service) TicketsOpened(ctx context.Context, serviceIDs []string, from, to time.Time) ([]sla.Ticket, error) {
	return tickets(s.store.RequestsApproved(ctx, serviceIDs, from, to))
}

// Outages implements sla.Tickets: a request never takes a service down.
func (s *Service) Outages(context.Context, []string, time.Time, time.Time) (map[string][]sla.Outage, error) {
	return nil, nil
}

var _ sla.Tickets = (*Service)(nil)
