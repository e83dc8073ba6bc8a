package sla

import (
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/validate"
)

// Review is a recorded customer review of an SLA.
type Review struct {
	ID        string
	SLAID     string
	Date      time.Time
	Attendees []string
	Notes     string
	Actions   []ReviewAction
	// RecordedBy and RecordedAt say who wrote the record, and when.
	RecordedBy string
	RecordedAt time.Time
}

// ReviewAction is a follow-up agreed in a review.
type ReviewAction struct {
	Description string
	OwnerID     string
	Due         *time.Time
}

// Limits on reviews.
const (
	MaxAttendees    = 100
	MaxActions      = 100
	MaxNotesLen     = 20000
	MaxActionLen    = 2000
	MaxAttendeeLen  = 200
	MaxUpcomingDays = 366
)

// Validate returns BAD_USER_INPUT naming the field at fault.
func (r Review) Validate() error {
	if r.Date.IsZero() {
		return apperr.Invalid("date", "is required")
	}
	if len(r.Attendees) == 0 || len(r.Attendees) > MaxAttendees {
		return apperr.Invalid("attendees", "must list 1 to %d people (got %d)", MaxAttendees, len(r.Attendees))
	}
	for _, a := range r.Attendees {
		if err := validate.Text("attendees", a, true, MaxAttendeeLen); err != nil {
			return err
		}
	}
	if err := validate.Text("notes", r.Notes, false, MaxNotesLen); err != nil {
		return err
	}
	if len(r.Actions) > MaxActions {
		return apperr.Invalid("actions", "has %d actions; the limit is %d", len(r.Actions), MaxActions)
	}
	for _, a := range r.Actions {
		if err := validate.Text("actions.description", a.Description, true, MaxActionLen); err != nil {
			return err
		}
		if err := validate.Text("actions.ownerId", a.OwnerID, false, MaxIDLen); err != nil {
			return err
		}
	}
	return nil
}

// ReviewDate returns the k-th scheduled review (k = 0 is ReviewStart):
// ReviewStart plus k review periods, by calendar months in UTC, clamped to
// the end of a shorter month (a review anchored on 31 January falls on 28 or
// 29 February).
func ReviewDate(s SLA, k int) time.Time {
	start := s.ReviewStart.UTC()
	months := k * s.ReviewPeriod.Months()
	y, m, d := start.Date()
	first := time.Date(y, m+time.Month(months), 1, start.Hour(), start.Minute(), start.Second(), 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, start.Hour(), start.Minute(), start.Second(), 0, time.UTC)
}

// NextReview returns the first scheduled review that the last recorded one
// does not account for (the first scheduled review when none is recorded).
// A review held up to half a period early counts for the date it
// anticipated. The answer may be in the past: the review is overdue.
func NextReview(s SLA, lastReview *time.Time) time.Time {
	var covered time.Time
	if lastReview != nil {
		covered = lastReview.UTC().AddDate(0, 0, s.ReviewPeriod.Months()*15)
	}
	for k := 0; ; k++ {
		if d := ReviewDate(s, k); lastReview == nil || d.After(covered) {
			return d
		}
	}
}

// Upcoming is a review that is due.
type Upcoming struct {
	SLA     SLA
	Date    time.Time
	Overdue bool
}
