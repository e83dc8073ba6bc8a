package sla

import (
	"fmt"
	"slices"
	"time"

	// Schedules name IANA zones; embedding the database makes them resolve
	// the same on every host, whatever its /usr/share/zoneinfo holds.
	_ "time/tzdata"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/validate"
)

// ScheduleKind says when SLA time runs.
type ScheduleKind string

// The schedule kinds.
const (
	// Always is 24x7: every instant counts.
	Always ScheduleKind = "ALWAYS"
	// WorkingHours counts only working hours on working days in a time zone.
	WorkingHours ScheduleKind = "WORKING_HOURS"
)

// ScheduleKinds lists the schedule kinds.
func ScheduleKinds() []ScheduleKind { return []ScheduleKind{Always, WorkingHours} }

// Schedule is when an SLA's clocks run.
//
// For WorkingHours, each working day (a weekday in Weekdays that is not in
// Holidays, both read in TimeZone) has one window from StartMinute to
// EndMinute, in wall-clock minutes after local midnight (EndMinute may be
// 1440, midnight at the end of the day). Windows are wall-clock based: on a
// DST change day the window 08:00–18:00 is still 08:00–18:00 local time, and
// a window spanning the change (00:00–24:00) is an hour shorter or longer, as
// the day is. Always counts absolute elapsed time and ignores the other
// fields.
type Schedule struct {
	Kind        ScheduleKind
	TimeZone    string
	Weekdays    []time.Weekday
	StartMinute int
	EndMinute   int
	// Holidays are local dates, "2026-12-25".
	Holidays []string
}

// TwentyFourSeven is the schedule where every instant counts.
func TwentyFourSeven() Schedule { return Schedule{Kind: Always} }

// Limits on schedules.
const (
	MaxHolidays = 1000
	// maxScanDays bounds how far a computation walks looking for working
	// time; a valid schedule has working days every week, so it is only
	// reached with absurd durations or holiday lists.
	maxScanDays = 20 * 366
	dateLayout  = "2006-01-02"
)

// Validate returns BAD_USER_INPUT naming the field at fault.
func (s Schedule) Validate() error {
	if err := validate.Enum("schedule.kind", s.Kind, ScheduleKinds()); err != nil {
		return err
	}
	if s.Kind == Always {
		return nil
	}
	if s.TimeZone == "" {
		return apperr.Invalid("schedule.timeZone", "is required for working hours; give an IANA zone such as \"Europe/Berlin\"")
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil {
		return apperr.Invalid("schedule.timeZone", "%q is not an IANA time zone; use a name such as \"Europe/Berlin\" or \"UTC\"", s.TimeZone)
	}
	if len(s.Weekdays) == 0 {
		return apperr.Invalid("schedule.weekdays", "must name at least one working day")
	}
	seen := map[time.Weekday]bool{}
	for _, d := range s.Weekdays {
		if d < time.Sunday || d > time.Saturday {
			return apperr.Invalid("schedule.weekdays", "%d is not a weekday", d)
		}
		if seen[d] {
			return apperr.Invalid("schedule.weekdays", "lists %s twice", d)
		}
		seen[d] = true
	}
	if s.StartMinute < 0 || s.EndMinute > 24*60 || s.StartMinute >= s.EndMinute {
		return apperr.Invalid("schedule.start", "working hours must satisfy 00:00 <= start < end <= 24:00 (got %s–%s)", clock(s.StartMinute), clock(s.EndMinute))
	}
	if len(s.Holidays) > MaxHolidays {
		return apperr.Invalid("schedule.holidays", "has %d dates; the limit is %d", len(s.Holidays), MaxHolidays)
	}
	for _, h := range s.Holidays {
		if _, err := time.Parse(dateLayout, h); err != nil {
			return apperr.Invalid("schedule.holidays", "%q is not a date; write YYYY-MM-DD", h)
		}
	}
	return nil
}

func clock(minute int) string { return fmt.Sprintf("%02d:%02d", minute/60, minute%60) }

// window returns the working window of the local day containing t, and
// whether that day has one.
func (s Schedule) window(loc *time.Location, y int, m time.Month, d int) (start, end time.Time, ok bool) {
	day := time.Date(y, m, d, 12, 0, 0, 0, loc)
	if !slices.Contains(s.Weekdays, day.Weekday()) || slices.Contains(s.Holidays, day.Format(dateLayout)) {
		return time.Time{}, time.Time{}, false
	}
	start = time.Date(y, m, d, 0, s.StartMinute, 0, 0, loc)
	end = time.Date(y, m, d, 0, s.EndMinute, 0, 0, loc)
	return start, end, true
}

// windows calls visit with each working window that ends after from, in
// order, until visit returns false. It fails when no working time is found
// within maxScanDays.
func (s Schedule) windows(from time.Time, visit func(start, end time.Time) bool) error {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return apperr.Invalid("schedule.timeZone", "%q is not an IANA time zone", s.TimeZone)
	}
	local := from.In(loc)
	y, m, d := local.Date()
	idle := 0
	for i := 0; ; i++ {
		if idle > maxScanDays {
			return apperr.New(apperr.BadUserInput, "the schedule has no working time within %d days; check its weekdays and holidays", maxScanDays)
		}
		start, end, ok := s.window(loc, y, m, d+i)
		if !ok || !end.After(from) {
			idle++
			continue
		}
		idle = 0
		if !visit(start, end) {
			return nil
		}
	}
}

// Add returns the instant at which d of working time has passed after
// from. With d zero it returns from. When the time runs out exactly at the
// end of a window, the answer is that end, not the start of the next one.
func (s Schedule) Add(from time.Time, d time.Duration) (time.Time, error) {
	if d <= 0 {
		return from, nil
	}
	if s.Kind != WorkingHours {
		return from.Add(d), nil
	}
	var at time.Time
	left := d
	err := s.windows(from, func(start, end time.Time) bool {
		if start.Before(from) {
			start = from
		}
		if avail := end.Sub(start); avail < left {
			left -= avail
			return true
		}
		at = start.Add(left)
		return false
	})
	return at.UTC(), err
}

// Between returns the working time from a to b (zero when b is not after a).
func (s Schedule) Between(a, b time.Time) (time.Duration, error) {
	if !b.After(a) {
		return 0, nil
	}
	if s.Kind != WorkingHours {
		return b.Sub(a), nil
	}
	var total time.Duration
	err := s.windows(a, func(start, end time.Time) bool {
		if !start.Before(b) {
			return false
		}
		if start.Before(a) {
			start = a
		}
		if end.After(b) {
			end = b
		}
		total += end.Sub(start)
		return true
	})
	return total, err
}
