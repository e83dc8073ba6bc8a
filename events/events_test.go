package events

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/sla"
)

// receive returns what ch delivers within a short wait, in order.
func receive[T any](ch <-chan T, n int) []T {
	var out []T
	for len(out) < n {
		select {
		case v := <-ch:
			out = append(out, v)
		case <-time.After(200 * time.Millisecond):
			return out
		}
	}
	return out
}

// An incident is followed by its id or by its assignment group's; an
// incident without a group reaches only unfiltered subscribers.
func TestIncidentsFollowedByIDOrGroup(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := NewTopic(incident.EventKeys)
	byID, byGroup, all := b.Subscribe(ctx, []string{"inc_1"}), b.Subscribe(ctx, []string{"grp_a"}), b.Subscribe(ctx, nil)
	b.Publish(incident.Incident{ID: "inc_1"})
	b.Publish(incident.Incident{ID: "inc_2", AssignmentGroupID: "grp_a"})
	b.Publish(incident.Incident{ID: "inc_3", AssignmentGroupID: "grp_b"})
	ids := func(got []incident.Incident) (out []string) {
		for _, i := range got {
			out = append(out, i.ID)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		ch   <-chan incident.Incident
		want string
	}{{"by id", byID, "[inc_1]"}, {"by group", byGroup, "[inc_2]"}, {"all", all, "[inc_1 inc_2 inc_3]"}} {
		if got := ids(receive(tt.ch, 3)); fmt.Sprint(got) != tt.want {
			t.Errorf("%s: got %v, want %s", tt.name, got, tt.want)
		}
	}
}

// SLA events are followed by SLA or by ticket.
func TestSLAEventsFollowedBySLAOrTicket(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := NewTopic(sla.EventKeys)
	bySLA, byTicket := b.Subscribe(ctx, []string{"sla_1"}), b.Subscribe(ctx, []string{"inc_9"})
	b.PublishAll([]sla.Event{{ID: "e1", SLAID: "sla_1", TicketID: "inc_8"}, {ID: "e2", SLAID: "sla_2", TicketID: "inc_9"}})
	if got := receive(bySLA, 2); len(got) != 1 || got[0].ID != "e1" {
		t.Errorf("by SLA: %+v", got)
	}
	if got := receive(byTicket, 2); len(got) != 1 || got[0].ID != "e2" {
		t.Errorf("by ticket: %+v", got)
	}
}
