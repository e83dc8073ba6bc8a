package incident

import (
	"context"
	"slices"
	"time"

	"github.com/itsm-graph/itsm/sla"
)

// Ticket returns what the SLA clocks need to know about inc, from its
// history (oldest first):
//   - opened when logged, at the priority it was logged with, with every
//     later priority change;
//   - responded at RespondedAt (the first human acknowledgement);
//   - paused while ON_HOLD, with the hold's reason (each SLA says which
//     reasons pause it), and while RESOLVED before a reopen;
//   - resolved at ResolvedAt while RESOLVED or CLOSED;
//   - the services it affects, those it impacts and those it took down, so
//     that an SLA covering a business service applies to an incident on a
//     CI that service depends on;
//   - held by each group from one hand-over to the next (an incident
//     logged before hand-overs were recorded: by its group since logged).
func Ticket(inc Incident, history []HistoryEntry) sla.Ticket {
	t := sla.Ticket{
		ID:          inc.ID,
		ServiceIDs:  sortedSet(slices.Concat(inc.ServiceIDs, inc.ImpactedBusinessServiceIDs, inc.DownServiceIDs)),
		OpenedAt:    inc.CreatedAt,
		Priority:    inc.Priority,
		RespondedAt: inc.RespondedAt,
		Cancelled:   inc.State == Cancelled,
		CustomerID:  inc.CallerUnitID,
	}
	if inc.State == Resolved || inc.State == Closed {
		t.ResolvedAt = inc.ResolvedAt
	}
	first := true
	var pausedAt *time.Time
	var reason HoldReason
	handedOver := false
	for _, h := range history {
		switch h.Field {
		case FieldAssignmentGroup:
			handedOver = true
			if n := len(t.Holdings); n > 0 && t.Holdings[n-1].End == nil {
				at := h.At
				t.Holdings[n-1].End = &at
			}
			if h.To != "" {
				t.Holdings = append(t.Holdings, sla.Holding{GroupID: h.To, Interval: sla.Interval{Start: h.At}})
			}
		case FieldPriority:
			if first {
				t.Priority = Priority(h.From)
				first = false
			}
			t.PriorityChanges = append(t.PriorityChanges, sla.PriorityChange{At: h.At, Priority: Priority(h.To)})
		case FieldState:
			to := State(h.To)
			if pausedAt != nil && to != Closed {
				end := h.At
				pause(&t, sla.Interval{Start: *pausedAt, End: &end}, reason)
				pausedAt = nil
			}
			if to == OnHold || to == Resolved {
				at := h.At
				pausedAt, reason = &at, h.HoldReason
			}
		}
	}
	// An open hold pauses the clock until it ends; a resolution stops it
	// (ResolvedAt) and needs no pause.
	if pausedAt != nil && inc.State == OnHold {
		pause(&t, sla.Interval{Start: *pausedAt}, reason)
	}
	if !handedOver && inc.AssignmentGroupID != "" {
		t.Holdings = []sla.Holding{{GroupID: inc.AssignmentGroupID, Interval: sla.Interval{Start: inc.CreatedAt}}}
	}
	return t
}

func tickets(incs []Incident, history map[string][]HistoryEntry) []sla.Ticket {
	out := make([]sla.Ticket, 0, len(incs))
	for _, i := range incs {
		out = append(out, Ticket(i, history[i.ID]))
	}
	return out
}

// ClockTickets implements sla.Tickets.
func (s *Service) ClockTickets(ctx context.Context, since time.Time) ([]sla.Ticket, error) {
	incs, history, err := s.store.ClockIncidents(ctx, since)
	if err != nil {
		return nil, err
	}
	return tickets(incs, history), nil
}

// TicketsOpened implements sla.Tickets.
func (s *Service) TicketsOpened(ctx context.Context, serviceIDs []string, from, to time.Time) ([]sla.Ticket, error) {
	incs, history, err := s.store.IncidentsOpened(ctx, serviceIDs, from, to)
	if err != nil {
		return nil, err
	}
	return tickets(incs, history), nil
}

// Outages implements sla.Tickets: an incident whose failed items took a
// service down (or degraded it) is an outage (a degradation) of it from
// when it was logged until it was resolved (open while it is not).
func (s *Service) Outages(ctx context.Context, serviceIDs []string, from, to time.Time) (map[string][]sla.Outage, error) {
	incs, err := s.store.OutageIncidents(ctx, serviceIDs, from, to)
	if err != nil {
		return nil, err
	}
	out := map[string][]sla.Outage{}
	for _, i := range incs {
		if i.State == Cancelled {
			continue
		}
		iv := sla.Interval{Start: i.CreatedAt}
		if i.State == Resolved || i.State == Closed {
			iv.End = i.ResolvedAt
		}
		for _, id := range i.DownServiceIDs {
			out[id] = append(out[id], sla.Outage{Interval: iv})
		}
		for _, id := range i.DegradedServiceIDs {
			out[id] = append(out[id], sla.Outage{Interval: iv, Degraded: true})
		}
	}
	return out, nil
}

var _ sla.Tickets = (*Service)(nil)

// pause adds a span the clocks may stand still: a hold with its reason,
// which pauses the SLAs that name it, or one without (resolved before a
// reopen, a hold recorded before reasons were kept), which pauses them all.
func pause(t *sla.Ticket, iv sla.Interval, reason HoldReason) {
	if reason == "" {
		t.Pauses = append(t.Pauses, iv)
		return
	}
	t.Holds = append(t.Holds, sla.Hold{Interval: iv, Reason: string(reason)})
}
