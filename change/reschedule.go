package change

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/validate"
)

// RescheduleInput moves the window of an authorised change.
type RescheduleInput struct {
	ID              string
	ExpectedVersion int
	Start, End      time.Time
	Reason          string
}

// KeepsApprovals decides whether an authorised change, re-assessed for a
// new window as a, keeps the approvals it has: when its risk stays in the
// same band or falls, and it conflicts with no change it did not conflict
// with before. The reason says which held or failed.
func KeepsApprovals(cur Change, a *Assessment) (bool, string) {
	old := cur.Assessment
	if old == nil {
		return false, "it has no assessment to compare with"
	}
	if slices.Index(Levels(), a.Risk.Level) > slices.Index(Levels(), old.Risk.Level) {
		return false, fmt.Sprintf("its risk rose from %s to %s", old.Risk.Level, a.Risk.Level)
	}
	var fresh []string
	for _, c := range a.Conflicts {
		if !slices.ContainsFunc(old.Conflicts, func(o Conflict) bool { return o.ChangeID == c.ChangeID }) {
			fresh = append(fresh, c.ChangeID)
		}
	}
	if len(fresh) > 0 {
		return false, "it now conflicts with " + strings.Join(fresh, ", ")
	}
	return true, fmt.Sprintf("its risk stays %s and it conflicts with no new change", a.Risk.Level)
}

// Reschedule moves the window of an AUTHORIZED or SCHEDULED change, by its
// requester or a change manager, and re-assesses it. It keeps its state and
// approvals when KeepsApprovals says so; otherwise it goes back to ASSESSED
// for new votes (a STANDARD change then as a NORMAL one). Either way the
// move is a transition with the reason. A new window inside a freeze that
// covers the change is refused (CONFLICT) unless it is an EMERGENCY change.
// The boolean reports whether the approvals were kept.
func (s *Service) Reschedule(ctx context.Context, caller auth.Principal, in RescheduleInput) (Change, bool, error) {
	if err := validate.Text("reason", in.Reason, true, MaxCommentLen); err != nil {
		return Change{}, false, err
	}
	cur, err := s.Get(ctx, in.ID)
	if err != nil {
		return Change{}, false, err
	}
	next := cur
	next.PlannedStart, next.PlannedEnd = in.Start.UTC(), in.End.UTC()
	if err := validateChange(next); err != nil {
		return Change{}, false, err
	}
	if err := canReschedule(cur, caller, in.ExpectedVersion); err != nil {
		return Change{}, false, err
	}
	if err := s.checkFreeze(ctx, next); err != nil {
		return Change{}, false, err
	}
	a, err := s.assess(ctx, next)
	if err != nil {
		return Change{}, false, err
	}
	keep, why := KeepsApprovals(cur, a)
	if !keep && cur.Type == Standard {
		// Back to the CAB, it needs a normal change's approvals.
		n := next
		n.Type = Normal
		if a, err = s.assess(ctx, n); err != nil {
			return Change{}, false, err
		}
	}
	now := s.now().UTC()
	window := fmt.Sprintf("rescheduled to %s – %s (%s): ", next.PlannedStart.Format(time.RFC3339), next.PlannedEnd.Format(time.RFC3339), in.Reason)
	got, err := s.update(ctx, in.ID, func(c Change) (Change, []Transition, error) {
		if err := canReschedule(c, caller, in.ExpectedVersion); err != nil {
			return Change{}, nil, err
		}
		to, note := c.State, "approvals kept: "+why
		if !keep {
			to, note = Assessed, "back to the CAB: "+why
		}
		trs := []Transition{s.transition(c, to, caller.Subject, now, window+note)}
		c.PlannedStart, c.PlannedEnd, c.Assessment, c.State = next.PlannedStart, next.PlannedEnd, a, to
		if !keep {
			c.Approvals = nil
			if c.Type == Standard {
				c.Type = Normal
			}
		}
		c.Version, c.UpdatedAt = c.Version+1, now
		return c, trs, nil
	})
	return got, keep, err
}

// canReschedule checks the version, the state and who asks.
func canReschedule(c Change, caller auth.Principal, expected int) error {
	if err := checkVersion(c, expected); err != nil {
		return err
	}
	if c.State != Authorized && c.State != Scheduled {
		return apperr.New(apperr.InvalidTransition, "a %s change is not rescheduled: only AUTHORIZED and SCHEDULED ones are (edit an unauthorised one with updateChange)", c.State)
	}
	if caller.Subject != c.RequesterID && !caller.Has(auth.ChangeManager) {
		return apperr.New(apperr.Forbidden, "only the change's requester or a CHANGE_MANAGER may reschedule it")
	}
	return nil
}
