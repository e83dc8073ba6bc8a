package sla

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/apperr"
)

func TestAvailabilityCountsSharedOutagesOnce(t *testing.T) {
	tests := []struct {
		name     string
		sched    Schedule
		outages  []Outage
		downtime time.Duration
		degraded time.Duration
		percent  float64
	}{
		{"none", TwentyFourSeven(), nil, 0, 0, 100},
		// Two incidents on a shared database and its SAN take the same
		// service down 10–20 and 15–25: 15 hours, not 20.
		{"overlapping", TwentyFourSeven(), down(at(10), atp(20), at(15), atp(25)), hours(15), 0, 85},
		{"nested and touching", TwentyFourSeven(), down(at(10), atp(30), at(12), atp(14), at(30), atp(40)), hours(30), 0, 70},
		{"clipped to the period, open one until its end", TwentyFourSeven(), down(at(-5), atp(5), at(95), nil), hours(10), 0, 90},
		{"outside the period", TwentyFourSeven(), down(at(-5), atp(-1), at(100), atp(101)), 0, 0, 100},
		// Degraded 5–15 while down 10–20: the 5 hours before the outage
		// are degraded, the overlap is down, and only down lowers percent.
		{"degraded apart from down", TwentyFourSeven(), append(down(at(10), atp(20)), Outage{Interval{at(5), atp(15)}, true}, Outage{Interval{at(50), atp(52)}, true}),
			hours(10), hours(7), 90},
		{"degraded only", TwentyFourSeven(), []Outage{{Interval{at(0), atp(100)}, true}}, 0, hours(100), 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ComputeAvailability(tt.sched, at(0), at(100), tt.outages)
			if err != nil {
				t.Fatal(err)
			}
			if a.Agreed != hours(100) || a.Downtime != tt.downtime || a.Degraded != tt.degraded || math.Abs(a.Percent-tt.percent) > 1e-9 {
				t.Fatalf("got %+v", a)
			}
		})
	}
	// Under office hours only agreed time counts: an outage over a night
	// costs the two office hours it overlaps.
	ber := mustZone(t, "Europe/Berlin")
	a, err := ComputeAvailability(berlinOffice(), time.Date(2026, 3, 2, 0, 0, 0, 0, ber), time.Date(2026, 3, 9, 0, 0, 0, 0, ber),
		down(time.Date(2026, 3, 2, 17, 0, 0, 0, ber), ptrTime(time.Date(2026, 3, 3, 9, 0, 0, 0, ber))))
	if err != nil || a.Agreed != 50*time.Hour || a.Downtime != 2*time.Hour || math.Abs(a.Percent-96) > 1e-9 {
		t.Fatalf("office hours: %+v %v", a, err)
	}
	if _, err := ComputeAvailability(TwentyFourSeven(), at(1), at(1), nil); !apperr.Is(err, apperr.BadUserInput) {
		t.Fatalf("empty period: %v", err)
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

// down turns (start, end) pairs into outages that took the service down.
func down(pairs ...any) []Outage {
	var out []Outage
	for i := 0; i < len(pairs); i += 2 {
		end, _ := pairs[i+1].(*time.Time)
		out = append(out, Outage{Interval: Interval{Start: pairs[i].(time.Time), End: end}})
	}
	return out
}

func TestReport(t *testing.T) {
	s := testSLA(TwentyFourSeven())
	tickets := []Ticket{
		// met: responded after 30 min, resolved after 3h (P1: 1h/4h)
		{ID: "a", OpenedAt: at(0), Priority: P1, RespondedAt: atp(0.5), ResolvedAt: atp(3)},
		// breached: resolved after 5h
		{ID: "b", OpenedAt: at(1), Priority: P1, RespondedAt: atp(1.5), ResolvedAt: atp(6)},
		// open and breached: response never came within 1h
		{ID: "c", OpenedAt: at(2), Priority: P1},
		// open, within target: neither met nor breached yet
		{ID: "d", OpenedAt: at(9), Priority: P5, RespondedAt: atp(9.5)},
		// cancelled and out of period: left out
		{ID: "e", OpenedAt: at(3), Priority: P1, Cancelled: true},
		{ID: "f", OpenedAt: at(20), Priority: P1},
	}
	r, err := BuildReport(s, tickets, at(0), at(10), at(10))
	if err != nil {
		t.Fatal(err)
	}
	want := Report{Tickets: 4, Met: 1, Breached: 2, Compliance: 100.0 / 3,
		MeanTimeToRespond: hours(0.5), MeanTimeToResolve: hours(4)}
	if fmt.Sprint(r) != fmt.Sprint(want) {
		t.Fatalf("got %+v\nwant %+v", r, want)
	}
	empty, err := BuildReport(s, nil, at(0), at(10), at(10))
	if err != nil || empty.Compliance != 100 || empty.Tickets != 0 {
		t.Fatalf("empty: %+v %v", empty, err)
	}
}

func TestEvaluateProducesEachEventOnce(t *testing.T) {
	s := testSLA(TwentyFourSeven())
	n := 0
	newID := func() string { n++; return fmt.Sprintf("e%d", n) }
	open := Ticket{ID: "t1", OpenedAt: at(0), Priority: P1}
	quick := Ticket{ID: "t2", OpenedAt: at(0), Priority: P1, RespondedAt: atp(0.25), ResolvedAt: atp(1)}
	cancelled := Ticket{ID: "t3", OpenedAt: at(0), Priority: P1, Cancelled: true}
	watches := []Watch{{s, open}, {s, quick}, {s, cancelled}}
	var recorded []Event
	steps := []struct {
		now  float64
		want []string
	}{
		{0.5, nil},
		{0.75, []string{"t1 RESPONSE WARNING @0.75"}},
		{0.9, nil},
		{1, nil}, // at the response due time: not breached yet
		{2, []string{"t1 RESPONSE BREACH @1"}},
		{3.5, []string{"t1 RESOLUTION WARNING @3"}},
		{5, []string{"t1 RESOLUTION BREACH @4"}},
		{9, nil},
	}
	for _, st := range steps {
		got, err := Evaluate(at(st.now), watches, recorded, newID)
		if err != nil {
			t.Fatal(err)
		}
		var desc []string
		for _, e := range got {
			desc = append(desc, fmt.Sprintf("%s %s %s @%v", e.TicketID, e.Metric, e.Kind, e.At.Sub(t0).Hours()))
			if !e.RecordedAt.Equal(at(st.now)) || e.ID == "" || e.SLAID != s.ID {
				t.Fatalf("event %+v", e)
			}
		}
		if fmt.Sprint(desc) != fmt.Sprint(st.want) {
			t.Fatalf("at %vh: got %v, want %v", st.now, desc, st.want)
		}
		recorded = append(recorded, got...)
	}
	// A restart that evaluates late sees everything at once, each once.
	all, err := Evaluate(at(9), watches, nil, newID)
	if err != nil || len(all) != 4 {
		t.Fatalf("fresh evaluator: %v %v", all, err)
	}
	again, err := Evaluate(at(9), watches, all, newID)
	if err != nil || len(again) != 0 {
		t.Fatalf("after recording: %v %v", again, err)
	}
}

func TestReviews(t *testing.T) {
	s := testSLA(TwentyFourSeven())
	s.ReviewStart = time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC)
	s.ReviewPeriod = Monthly
	wantDates := []time.Time{
		time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC),
		time.Date(2026, 2, 28, 9, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 31, 9, 0, 0, 0, time.UTC),
		time.Date(2026, 4, 30, 9, 0, 0, 0, time.UTC),
	}
	for k, want := range wantDates {
		if got := ReviewDate(s, k); !got.Equal(want) {
			t.Errorf("review %d: got %s, want %s", k, got, want)
		}
	}
	if got := NextReview(s, nil); !got.Equal(wantDates[0]) {
		t.Errorf("first: %s", got)
	}
	early := time.Date(2026, 2, 25, 0, 0, 0, 0, time.UTC) // held three days early
	if got := NextReview(s, &early); !got.Equal(wantDates[2]) {
		t.Errorf("after an early review: %s", got)
	}
	q := testSLA(TwentyFourSeven())
	q.ID = "sla_q"
	q.ReviewStart = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	last := map[string]time.Time{s.ID: time.Date(2026, 3, 31, 10, 0, 0, 0, time.UTC)}
	now := time.Date(2026, 4, 20, 0, 0, 0, 0, time.UTC)
	up := upcoming([]SLA{q, s}, last, now, 30*24*time.Hour)
	if len(up) != 1 || up[0].SLA.ID != s.ID || !up[0].Date.Equal(wantDates[3]) || up[0].Overdue {
		t.Fatalf("upcoming %+v", up)
	}
	up = upcoming([]SLA{q, s}, nil, now, 60*24*time.Hour)
	if len(up) != 2 || up[0].SLA.ID != s.ID || !up[0].Overdue || up[1].SLA.ID != q.ID {
		t.Fatalf("upcoming without reviews %+v", up)
	}
}

func TestValidateSLA(t *testing.T) {
	if err := testSLA(berlinOffice()).Validate(); err != nil {
		t.Fatal(err)
	}
	bad := map[string]func(*SLA){
		"no name":            func(s *SLA) { s.Name = " " },
		"no customer":        func(s *SLA) { s.CustomerID = "" },
		"no services":        func(s *SLA) { s.ServiceIDs = nil },
		"missing priority":   func(s *SLA) { s.Targets = s.Targets[1:] },
		"duplicate priority": func(s *SLA) { s.Targets[1].Priority = P1 },
		"response > resolve": func(s *SLA) { s.Targets[0].Response = hours(5) },
		"zero target":        func(s *SLA) { s.Targets[0].Response = 0 },
		"availability":       func(s *SLA) { s.Availability = 100.5 },
		"threshold":          func(s *SLA) { s.WarningThreshold = 1 },
		"review period":      func(s *SLA) { s.ReviewPeriod = "WEEKLY" },
		"schedule":           func(s *SLA) { s.Schedule.TimeZone = "Nowhere/Land" },
	}
	for name, mod := range bad {
		s := testSLA(berlinOffice())
		mod(&s)
		if err := s.Validate(); !apperr.Is(err, apperr.BadUserInput) {
			t.Errorf("%s: got %v, want BAD_USER_INPUT", name, err)
		}
	}
}
