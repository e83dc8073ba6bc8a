package change

import (
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/validate"
)

// CheckWindow decides whether c may start implementing at now. Inside its
// planned window [start, end) it may; outside it only as an exception a
// change manager records with a reason (returned, for the change to keep),
// which unauthorizedChanges then flags. A reason given inside the window
// is not needed and not kept.
func CheckWindow(c Change, now time.Time, caller auth.Principal, reason string) (*WindowException, error) {
	if err := validate.Text("outsideWindowReason", reason, false, MaxCommentLen); err != nil {
		return nil, err
	}
	if !now.Before(c.PlannedStart) && now.Before(c.PlannedEnd) {
		return nil, nil
	}
	when := "its window opens at " + c.PlannedStart.UTC().Format(time.RFC3339)
	if !now.Before(c.PlannedEnd) {
		when = "its window closed at " + c.PlannedEnd.UTC().Format(time.RFC3339)
	}
	if reason == "" {
		return nil, apperr.New(apperr.InvalidTransition, "change %s cannot start implementing now: %s; wait for the window, reschedule it, or a change manager may start it as an exception with outsideWindowReason", c.ID, when)
	}
	if !caller.HasAny([]auth.Role{auth.ChangeManager}) {
		return nil, apperr.New(apperr.Forbidden, "only a CHANGE_MANAGER may start a change outside its window (%s)", when)
	}
	return &WindowException{Reason: reason, ActorID: caller.Subject, At: now}, nil
}
