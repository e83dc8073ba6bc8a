package sla

import (
	"testing"
	"time"

	"github.com/itsm-graph/itsm/apperr"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func weekdays() []time.Weekday {
	return []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
}

// berlinOffice is Monday to Friday, 08:00–18:00 in Berlin, closed on
// Christmas Day 2026 (a Friday).
func berlinOffice() Schedule {
	return Schedule{Kind: WorkingHours, TimeZone: "Europe/Berlin", Weekdays: weekdays(),
		StartMinute: 8 * 60, EndMinute: 18 * 60, Holidays: []string{"2026-12-25"}}
}

func allDay(zone string) Schedule {
	return Schedule{Kind: WorkingHours, TimeZone: zone,
		Weekdays:    []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday},
		StartMinute: 0, EndMinute: 24 * 60}
}

func TestScheduleAdd(t *testing.T) {
	ber := mustZone(t, "Europe/Berlin")
	ny := mustZone(t, "America/New_York")
	nyOffice := Schedule{Kind: WorkingHours, TimeZone: "America/New_York", Weekdays: weekdays(), StartMinute: 9 * 60, EndMinute: 17 * 60}
	tests := []struct {
		name  string
		sched Schedule
		from  time.Time
		d     time.Duration
		want  time.Time
	}{
		{"within a day", berlinOffice(), time.Date(2026, 3, 2, 9, 0, 0, 0, ber), 2 * time.Hour, time.Date(2026, 3, 2, 11, 0, 0, 0, ber)},
		{"ends exactly at closing", berlinOffice(), time.Date(2026, 3, 2, 16, 0, 0, 0, ber), 2 * time.Hour, time.Date(2026, 3, 2, 18, 0, 0, 0, ber)},
		{"across a night", berlinOffice(), time.Date(2026, 3, 2, 17, 0, 0, 0, ber), 2 * time.Hour, time.Date(2026, 3, 3, 9, 0, 0, 0, ber)},
		{"before opening", berlinOffice(), time.Date(2026, 3, 2, 6, 0, 0, 0, ber), time.Hour, time.Date(2026, 3, 2, 9, 0, 0, 0, ber)},
		{"after closing", berlinOffice(), time.Date(2026, 3, 2, 20, 0, 0, 0, ber), time.Hour, time.Date(2026, 3, 3, 9, 0, 0, 0, ber)},
		{"across a weekend", berlinOffice(), time.Date(2026, 3, 6, 17, 0, 0, 0, ber), 2 * time.Hour, time.Date(2026, 3, 9, 9, 0, 0, 0, ber)},
		{"from a Saturday", berlinOffice(), time.Date(2026, 3, 7, 12, 0, 0, 0, ber), 30 * time.Minute, time.Date(2026, 3, 9, 8, 30, 0, 0, ber)},
		{"across a holiday and a weekend", berlinOffice(), time.Date(2026, 12, 24, 17, 0, 0, 0, ber), 2 * time.Hour, time.Date(2026, 12, 28, 9, 0, 0, 0, ber)},
		{"several days", berlinOffice(), time.Date(2026, 3, 2, 8, 0, 0, 0, ber), 25 * time.Hour, time.Date(2026, 3, 4, 13, 0, 0, 0, ber)},
		// CET → CEST on Sunday 29 March 2026: the answer is 09:00 CEST, 07:00 UTC.
		{"across the spring DST change", berlinOffice(), time.Date(2026, 3, 27, 17, 0, 0, 0, ber), 2 * time.Hour, time.Date(2026, 3, 30, 7, 0, 0, 0, time.UTC)},
		// CEST → CET on Sunday 25 October 2026: 09:00 CET is 08:00 UTC.
		{"across the autumn DST change", berlinOffice(), time.Date(2026, 10, 23, 17, 0, 0, 0, ber), 2 * time.Hour, time.Date(2026, 10, 26, 8, 0, 0, 0, time.UTC)},
		// Around the clock in Berlin: the short day has 23 hours, so 24 hours
		// of working time from Saturday noon end at Sunday 13:00 CEST.
		{"all-day schedule over the short day", allDay("Europe/Berlin"), time.Date(2026, 3, 28, 12, 0, 0, 0, ber), 24 * time.Hour, time.Date(2026, 3, 29, 13, 0, 0, 0, ber)},
		{"another time zone", nyOffice, time.Date(2026, 3, 2, 20, 0, 0, 0, time.UTC), 3 * time.Hour, time.Date(2026, 3, 3, 10, 0, 0, 0, ny)},
		// New York changes on 8 March 2026, three weeks before Berlin.
		{"New York DST change", nyOffice, time.Date(2026, 3, 6, 16, 0, 0, 0, ny), 2 * time.Hour, time.Date(2026, 3, 9, 14, 0, 0, 0, time.UTC)},
		{"24x7", TwentyFourSeven(), time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC), 50 * time.Hour, time.Date(2026, 3, 31, 1, 0, 0, 0, time.UTC)},
		{"zero", berlinOffice(), time.Date(2026, 3, 7, 12, 0, 0, 0, ber), 0, time.Date(2026, 3, 7, 12, 0, 0, 0, ber)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.sched.Validate(); err != nil {
				t.Fatal(err)
			}
			got, err := tt.sched.Add(tt.from, tt.d)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) {
				t.Fatalf("got %s, want %s", got.In(ber), tt.want.In(ber))
			}
			if tt.d > 0 {
				back, err := tt.sched.Between(tt.from, got)
				if err != nil || back != tt.d {
					t.Fatalf("Between(from, Add(from, d)) = %s, %v; want %s", back, err, tt.d)
				}
			}
		})
	}
}

func TestScheduleBetween(t *testing.T) {
	ber := mustZone(t, "Europe/Berlin")
	tests := []struct {
		name  string
		sched Schedule
		a, b  time.Time
		want  time.Duration
	}{
		{"over a weekend", berlinOffice(), time.Date(2026, 3, 6, 17, 0, 0, 0, ber), time.Date(2026, 3, 9, 9, 0, 0, 0, ber), 2 * time.Hour},
		{"a whole week", berlinOffice(), time.Date(2026, 3, 2, 0, 0, 0, 0, ber), time.Date(2026, 3, 9, 0, 0, 0, 0, ber), 50 * time.Hour},
		{"Christmas week", berlinOffice(), time.Date(2026, 12, 21, 0, 0, 0, 0, ber), time.Date(2026, 12, 28, 0, 0, 0, 0, ber), 40 * time.Hour},
		{"outside hours only", berlinOffice(), time.Date(2026, 3, 2, 18, 0, 0, 0, ber), time.Date(2026, 3, 3, 8, 0, 0, 0, ber), 0},
		{"reversed", berlinOffice(), time.Date(2026, 3, 3, 0, 0, 0, 0, ber), time.Date(2026, 3, 2, 0, 0, 0, 0, ber), 0},
		{"short DST day", allDay("Europe/Berlin"), time.Date(2026, 3, 29, 0, 0, 0, 0, ber), time.Date(2026, 3, 30, 0, 0, 0, 0, ber), 23 * time.Hour},
		{"long DST day", allDay("Europe/Berlin"), time.Date(2026, 10, 25, 0, 0, 0, 0, ber), time.Date(2026, 10, 26, 0, 0, 0, 0, ber), 25 * time.Hour},
		{"office hours on the short day's week", berlinOffice(), time.Date(2026, 3, 23, 0, 0, 0, 0, ber), time.Date(2026, 4, 6, 0, 0, 0, 0, ber), 100 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sched.Between(tt.a, tt.b)
			if err != nil || got != tt.want {
				t.Fatalf("got %s, %v; want %s", got, err, tt.want)
			}
		})
	}
}

func TestScheduleValidate(t *testing.T) {
	bad := map[string]func(*Schedule){
		"kind":             func(s *Schedule) { s.Kind = "SOMETIMES" },
		"no zone":          func(s *Schedule) { s.TimeZone = "" },
		"bad zone":         func(s *Schedule) { s.TimeZone = "Mars/Olympus" },
		"no weekdays":      func(s *Schedule) { s.Weekdays = nil },
		"weekday twice":    func(s *Schedule) { s.Weekdays = []time.Weekday{time.Monday, time.Monday} },
		"bad weekday":      func(s *Schedule) { s.Weekdays = []time.Weekday{9} },
		"end before start": func(s *Schedule) { s.StartMinute, s.EndMinute = 600, 540 },
		"past midnight":    func(s *Schedule) { s.EndMinute = 24*60 + 1 },
		"bad holiday":      func(s *Schedule) { s.Holidays = []string{"25.12.2026"} },
	}
	for name, mod := range bad {
		s := berlinOffice()
		mod(&s)
		if err := s.Validate(); !apperr.Is(err, apperr.BadUserInput) {
			t.Errorf("%s: got %v, want BAD_USER_INPUT", name, err)
		}
	}
	all := Schedule{Kind: WorkingHours, TimeZone: "UTC", Weekdays: []time.Weekday{time.Monday}, StartMinute: 0, EndMinute: 60,
		Holidays: nil}
	if err := all.Validate(); err != nil {
		t.Fatal(err)
	}
}
