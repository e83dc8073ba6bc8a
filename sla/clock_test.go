package sla

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // a Monday

func at(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }

func atp(h float64) *time.Time { v := at(h); return &v }

func hours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

// testSLA has 24x7 targets P1 1h/4h, P2 2h/8h, P3 4h/16h, P4 8h/32h,
// P5 16h/64h, and warns at 75%.
func testSLA(sched Schedule) SLA {
	var ts []Target
	for i, p := range Priorities() {
		n := 1 << i
		ts = append(ts, Target{Priority: p, Response: hours(float64(n)), Resolution: hours(float64(4 * n))})
	}
	return SLA{ID: "sla_1", Terms: Terms{Name: "gold", CustomerID: "bu_1", ServiceIDs: []string{"bsv_1"}, Targets: ts,
		Availability: 99.5, Schedule: sched, WarningThreshold: 0.75, ReviewPeriod: Quarterly, ReviewStart: t0}}
}

func resolution(t *testing.T, s SLA, tk Ticket, now time.Time) Clock {
	t.Helper()
	cs, err := Clocks(s, tk, now)
	if err != nil {
		t.Fatal(err)
	}
	return cs[1]
}

func TestResolutionClock(t *testing.T) {
	s := testSLA(TwentyFourSeven())
	p1 := Ticket{ID: "t", OpenedAt: t0, Priority: P1}
	with := func(mod func(*Ticket)) Ticket { tk := p1; mod(&tk); return tk }
	tests := []struct {
		name    string
		ticket  Ticket
		now     time.Time
		status  Status
		due     *time.Time
		warning bool
		elapsed time.Duration
	}{
		{"fresh", p1, at(1), Running, atp(4), false, hours(1)},
		{"warning reached exactly", p1, at(3), Running, atp(4), true, hours(3)},
		{"at the due instant: not breached yet", p1, at(4), Running, atp(4), true, hours(4)},
		{"a nanosecond later: breached", p1, at(4).Add(1), Breached, atp(4), true, hours(4) + 1},
		{"resolved exactly at the due time: met", with(func(tk *Ticket) { tk.ResolvedAt = atp(4) }), at(9), Met, atp(4), true, hours(4)},
		{"resolved a nanosecond late: breached", with(func(tk *Ticket) { v := at(4).Add(1); tk.ResolvedAt = &v }), at(9), Breached, atp(4), true, hours(4) + 1},
		{"resolved early", with(func(tk *Ticket) { tk.ResolvedAt = atp(2) }), at(9), Met, atp(4), false, hours(2)},
		{"a closed pause moves the due time", with(func(tk *Ticket) { tk.Pauses = []Interval{{at(1), atp(3)}} }), at(5), Running, atp(6), true, hours(3)},
		{"an open pause: paused, due unknown", with(func(tk *Ticket) { tk.Pauses = []Interval{{at(1), nil}} }), at(7), Paused, nil, false, hours(1)},
		{"paused after the breach stays breached", with(func(tk *Ticket) { tk.Pauses = []Interval{{at(5), nil}} }), at(7), Breached, atp(4), true, hours(5)},
		{"two overlapping pauses count once", with(func(tk *Ticket) { tk.Pauses = []Interval{{at(1), atp(3)}, {at(2), atp(4)}} }), at(5), Running, atp(7), false, hours(2)},
		{"pause starting exactly at the due time", with(func(tk *Ticket) { tk.Pauses = []Interval{{at(4), nil}} }), at(8), Paused, atp(4), true, hours(4)},
		{"escalated P3 → P1 after an hour", Ticket{ID: "t", OpenedAt: t0, Priority: P3,
			PriorityChanges: []PriorityChange{{at(1), P1}}}, at(2), Running, atp(4), false, hours(2)},
		{"P3 → P1 → P3", Ticket{ID: "t", OpenedAt: t0, Priority: P3,
			PriorityChanges: []PriorityChange{{at(3), P3}, {at(1), P1}}}, at(5), Running, atp(16), false, hours(5)},
		{"downgraded after the breach: due follows the new priority", Ticket{ID: "t", OpenedAt: t0, Priority: P1,
			PriorityChanges: []PriorityChange{{at(6), P2}}}, at(7), Running, atp(8), true, hours(7)},
		{"priority changed after resolution is ignored", Ticket{ID: "t", OpenedAt: t0, Priority: P2, ResolvedAt: atp(5),
			PriorityChanges: []PriorityChange{{at(6), P1}}}, at(7), Met, atp(8), false, hours(5)},
		{"reopened: the resolved span is a pause", Ticket{ID: "t", OpenedAt: t0, Priority: P1,
			Pauses: []Interval{{at(2), atp(10)}}}, at(11), Running, atp(12), true, hours(3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := resolution(t, s, tt.ticket, tt.now)
			if c.Status != tt.status || fmt.Sprint(c.Due) != fmt.Sprint(tt.due) || c.Warning != tt.warning || c.Elapsed != tt.elapsed {
				t.Fatalf("got status %s due %v warning %v elapsed %s; want %s %v %v %s",
					c.Status, c.Due, c.Warning, c.Elapsed, tt.status, tt.due, tt.warning, tt.elapsed)
			}
		})
	}
}

func TestClocksOnWorkingHours(t *testing.T) {
	ber := mustZone(t, "Europe/Berlin")
	s := testSLA(berlinOffice())
	// Logged on Friday 27 March 2026 at 16:00 CET; P2 responds within 2h
	// and resolves within 8h of office time. Weekend and the DST change
	// pass; on Monday it waits on the caller from 09:00 to 11:00.
	open := time.Date(2026, 3, 27, 16, 0, 0, 0, ber)
	hold := time.Date(2026, 3, 30, 9, 0, 0, 0, ber)
	resume := time.Date(2026, 3, 30, 11, 0, 0, 0, ber)
	responded := time.Date(2026, 3, 27, 17, 30, 0, 0, ber)
	tk := Ticket{ID: "t", OpenedAt: open, Priority: P2, RespondedAt: &responded, Pauses: []Interval{{hold, &resume}}}
	now := time.Date(2026, 3, 30, 12, 0, 0, 0, ber)
	cs, err := Clocks(s, tk, now)
	if err != nil {
		t.Fatal(err)
	}
	resp, res := cs[0], cs[1]
	if resp.Status != Met || !resp.Due.Equal(time.Date(2026, 3, 27, 18, 0, 0, 0, ber)) || resp.Elapsed != 90*time.Minute {
		t.Fatalf("response %+v", resp)
	}
	// 2h on Friday, 1h on Monday before the hold, then 5h after 11:00 → 16:00.
	if res.Status != Running || !res.Due.Equal(time.Date(2026, 3, 30, 16, 0, 0, 0, ber)) || res.Elapsed != 4*time.Hour {
		t.Fatalf("resolution %+v", res)
	}
	// Warning at 6h: 2h Friday + 1h Monday + 3h after the hold → 14:00.
	if !res.WarnAt.Equal(time.Date(2026, 3, 30, 14, 0, 0, 0, ber)) || res.Warning {
		t.Fatalf("warning %+v", res)
	}
}

// TestFulfilmentClock: a ticket with its own target (a request) has one
// clock, counted in the SLA's working hours whatever its priority, and the
// SLA's missing priority targets do not matter.
func TestFulfilmentClock(t *testing.T) {
	ber := mustZone(t, "Europe/Berlin")
	s := testSLA(berlinOffice())
	s.Targets = nil
	// Approved on Friday 27 March 2026 at 16:00 with a 16-hour target:
	// 2h on Friday, 10h on Monday, 4h on Tuesday → due Tuesday 12:00.
	approved := time.Date(2026, 3, 27, 16, 0, 0, 0, ber)
	tk := Ticket{ID: "req_1", OpenedAt: approved, Target: 16 * time.Hour}
	cs, err := Clocks(s, tk, time.Date(2026, 3, 31, 12, 30, 0, 0, ber))
	if err != nil {
		t.Fatal(err)
	}
	c := cs[0]
	if len(cs) != 1 || c.Metric != Fulfilment || c.Priority != "" || c.Status != Breached || c.Target != 16*time.Hour ||
		!c.Due.Equal(time.Date(2026, 3, 31, 12, 0, 0, 0, ber)) || !c.Warning {
		t.Fatalf("clocks %+v", cs)
	}
	done := time.Date(2026, 3, 30, 17, 0, 0, 0, ber)
	tk.ResolvedAt = &done
	if cs, err = Clocks(s, tk, time.Date(2026, 4, 2, 0, 0, 0, 0, ber)); err != nil || cs[0].Status != Met || cs[0].Elapsed != 11*time.Hour {
		t.Fatalf("fulfilled Monday 17:00: %+v, %v", cs, err)
	}
}

func TestMissingTarget(t *testing.T) {
	s := testSLA(TwentyFourSeven())
	s.Targets = s.Targets[:1]
	c := resolution(t, s, Ticket{ID: "t", OpenedAt: t0, Priority: P5}, at(100))
	if c.Status != NotTargeted || c.Breached() {
		t.Fatalf("%+v", c)
	}
}

func TestMerge(t *testing.T) {
	got := Merge([]Interval{{at(40), atp(45)}, {at(15), atp(25)}, {at(10), atp(20)}, {at(25), atp(30)}, {at(95), nil}, {at(96), atp(97)}})
	want := []Interval{{at(10), atp(30)}, {at(40), atp(45)}, {at(95), nil}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}
