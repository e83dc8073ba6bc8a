package sla

import (
	"testing"
	"time"
)

// TestHoldClock: a group's clock counts only the time it held the ticket,
// less the holds its OLA pauses on, and stops when it passes the ticket on
// or the ticket is resolved.
func TestHoldClock(t *testing.T) {
	network := OLA{ID: "ola_1", OLATerms: OLATerms{Name: "network", Kind: OperationalAgreement, GroupID: "net",
		ServiceIDs: []string{"svc"}, Targets: []HoldTarget{{P2, hours(4)}}, Schedule: TwentyFourSeven(), PauseOn: DefaultPauseOn()}}
	held := func(hs ...Holding) func(*Ticket) { return func(t *Ticket) { t.Holdings = hs } }
	hold := func(group string, from float64, to *time.Time) Holding {
		return Holding{GroupID: group, Interval: Interval{Start: at(from), End: to}}
	}
	tests := []struct {
		name    string
		ticket  func(*Ticket)
		now     time.Time
		held    bool
		status  Status
		elapsed time.Duration
		due     *time.Time
	}{
		{"never held", held(hold("desk", 0, nil)), at(5), false, "", 0, nil},
		{"holds it now", held(hold("desk", 0, atp(1)), hold("net", 1, nil)), at(3), true, Running, hours(2), atp(5)},
		{"passed it on in time", held(hold("desk", 0, atp(1)), hold("net", 1, atp(4)), hold("desk", 4, nil)), at(10), true, Met, hours(3), nil},
		{"breached while holding", held(hold("net", 0, nil)), at(6), true, Breached, hours(6), nil},
		{"two stints add up", held(hold("net", 0, atp(3)), hold("desk", 3, atp(5)), hold("net", 5, nil)), at(6), true, Running, hours(4), atp(6)},
		{"two stints over the target", held(hold("net", 0, atp(3)), hold("desk", 3, atp(5)), hold("net", 5, nil)), at(7), true, Breached, hours(5), nil},
		{"waiting on the caller pauses it", func(t *Ticket) {
			t.Holdings = []Holding{hold("net", 0, nil)}
			t.Holds = []Hold{{Interval{at(1), atp(3)}, "AWAITING_CALLER"}, {Interval{at(3), atp(4)}, "AWAITING_VENDOR"}}
		}, at(5), true, Running, hours(3), atp(6)},
		{"paused now", func(t *Ticket) {
			t.Holdings = []Holding{hold("net", 0, nil)}
			t.Holds = []Hold{{Interval{at(1), nil}, "AWAITING_CALLER"}}
		}, at(5), true, Paused, hours(1), nil},
		{"resolved while holding", func(t *Ticket) {
			t.Holdings = []Holding{hold("net", 0, nil)}
			t.ResolvedAt = atp(2)
		}, at(9), true, Met, hours(2), nil},
		{"no target for the priority", func(t *Ticket) {
			t.Holdings = []Holding{hold("net", 0, nil)}
			t.Priority = P4
		}, at(9), true, NotTargeted, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := Ticket{ID: "inc", ServiceIDs: []string{"svc"}, OpenedAt: at(0), Priority: P2}
			tt.ticket(&tk)
			c, ok, err := HoldClockOf(network, tk, tt.now)
			if err != nil || ok != tt.held {
				t.Fatalf("held %v, %v", ok, err)
			}
			if c.Status != tt.status || c.Held != tt.elapsed || (c.Due == nil) != (tt.due == nil) || c.Due != nil && !c.Due.Equal(*tt.due) {
				t.Fatalf("got %+v (due %v), want %s after %s due %v", c, c.Due, tt.status, tt.elapsed, tt.due)
			}
		})
	}
}

// TestOLAReport counts the tickets the group held on the OLA's services.
func TestOLAReport(t *testing.T) {
	o := OLA{OLATerms: OLATerms{GroupID: "net", ServiceIDs: []string{"svc"}, Targets: []HoldTarget{{P2, hours(4)}}, Schedule: TwentyFourSeven()}}
	tk := func(id string, svc string, hs []Holding, cancelled bool) Ticket {
		return Ticket{ID: id, ServiceIDs: []string{svc}, OpenedAt: at(0), Priority: P2, Holdings: hs, Cancelled: cancelled}
	}
	net := func(from, to float64) []Holding {
		return []Holding{{GroupID: "net", Interval: Interval{at(from), atp(to)}}, {GroupID: "desk", Interval: Interval{Start: at(to)}}}
	}
	r, err := BuildOLAReport(o, []Ticket{
		tk("met", "svc", net(0, 3), false),
		tk("breached", "svc", net(0, 6), false),
		tk("other service", "other", net(0, 6), false),
		tk("cancelled", "svc", net(0, 6), true),
		tk("not held", "svc", []Holding{{GroupID: "desk", Interval: Interval{Start: at(0)}}}, false),
	}, at(10))
	if err != nil || r.Tickets != 2 || r.Met != 1 || r.Breached != 1 || r.Compliance != 50 || r.MeanHeld != hours(4.5) {
		t.Fatalf("report %+v %v", r, err)
	}
}
