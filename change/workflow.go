package change

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/validate"
)

// TransitionInput asks to move a change to state To.
type TransitionInput struct {
	ID              string
	ExpectedVersion int
	To              State
	Comment         string
	// OutsideWindowReason lets a change manager start implementing outside
	// the planned window (see CheckWindow).
	OutsideWindowReason string
}

// Transition moves a change to state To on the caller's request. Submitting
// computes the assessment; a STANDARD change then goes straight to
// AUTHORIZED and an EMERGENCY one to ASSESSED, where the emergency CAB
// votes. Assessing computes it again and fixes the approvals needed.
// Scheduling is refused inside a freeze window unless the change is an
// emergency.
func (s *Service) Transition(ctx context.Context, caller auth.Principal, in TransitionInput) (Change, error) {
	if err := validate.Enum("to", in.To, States()); err != nil {
		return Change{}, err
	}
	if err := validate.Text("comment", in.Comment, false, MaxCommentLen); err != nil {
		return Change{}, err
	}
	cur, err := s.Get(ctx, in.ID)
	if err != nil {
		return Change{}, err
	}
	if err := checkVersion(cur, in.ExpectedVersion); err != nil {
		return Change{}, err
	}
	if err := checkStep(cur, in.To, byRequest, caller); err != nil {
		return Change{}, err
	}
	now := s.now().UTC()
	// a is a new assessment, which withdraws the votes cast on the last;
	// refreshed brings the assessment up to date and keeps them.
	var a, refreshed *Assessment
	var exception *WindowException
	// demoted explains why a STANDARD change is handled as NORMAL.
	var demoted string
	comment := in.Comment
	switch in.To {
	case Submitted:
		if err := readyToSubmit(cur); err != nil {
			return Change{}, err
		}
		fallthrough
	case Assessed:
		if a, err = s.assess(ctx, cur); err != nil {
			return Change{}, err
		}
		if in.To == Submitted && cur.Type == Standard {
			if a, demoted, err = s.withinCeiling(ctx, cur, a); err != nil {
				return Change{}, err
			}
			if demoted != "" {
				comment = strings.TrimSpace(comment + " " + demoted)
			}
		}
	case Scheduled:
		if err := s.checkFreeze(ctx, cur); err != nil {
			return Change{}, err
		}
	case Implementing:
		if exception, err = CheckWindow(cur, now, caller, in.OutsideWindowReason); err != nil {
			return Change{}, err
		}
		if refreshed, err = s.readyToImplement(ctx, cur); err != nil {
			return Change{}, err
		}
		if exception != nil && comment == "" {
			comment = "started outside its window: " + exception.Reason
		}
	}
	return s.update(ctx, in.ID, func(c Change) (Change, []Transition, error) {
		if err := checkVersion(c, in.ExpectedVersion); err != nil {
			return Change{}, nil, err
		}
		if err := checkStep(c, in.To, byRequest, caller); err != nil {
			return Change{}, nil, err
		}
		trs := []Transition{s.transition(c, in.To, caller.Subject, now, comment)}
		c.State = in.To
		if demoted != "" {
			c.Type = Normal
		}
		if a != nil {
			c.Assessment, c.Approvals = a, nil
		}
		if refreshed != nil {
			c.Assessment, c.WindowException = refreshed, exception
		}
		if in.To == Submitted {
			switch c.Type {
			case Standard:
				trs = append(trs, s.transition(c, Authorized, caller.Subject, now, "pre-authorised standard change"))
				c.State = Authorized
			case Emergency:
				trs = append(trs, s.transition(c, Assessed, caller.Subject, now, "emergency change: expedited to the emergency CAB"))
				c.State = Assessed
			}
		}
		c.Version, c.UpdatedAt = c.Version+1, now
		return c, trs, nil
	})
}

// DecideInput is a vote on a change.
type DecideInput struct {
	ID       string
	Decision Decision
	Comment  string
}

// Decide records the caller's vote on an ASSESSED change. A rejection stops the
// change; an approval that completes the authorisation rule moves it to
// AUTHORIZED. Votes need no expectedVersion: they do not overwrite each
// other, and the store serialises them so that each is counted once.
func (s *Service) Decide(ctx context.Context, caller auth.Principal, in DecideInput) (Change, error) {
	if err := validate.Enum("decision", in.Decision, []Decision{Approve, Reject}); err != nil {
		return Change{}, err
	}
	if err := validate.Text("comment", in.Comment, in.Decision == Reject, MaxCommentLen); err != nil {
		return Change{}, err
	}
	now := s.now().UTC()
	return s.update(ctx, in.ID, func(c Change) (Change, []Transition, error) {
		to := Authorized
		if in.Decision == Reject {
			to = Rejected
		}
		if c.State != Assessed || c.Assessment == nil {
			return Change{}, nil, invalidTransition(c.State, to, byVote)
		}
		req := c.Assessment.Required
		roles := countingRoles(req, caller)
		switch {
		case len(req) == 0:
			return Change{}, nil, apperr.New(apperr.InvalidTransition, "this change needs no approval")
		case len(roles) == 0:
			return Change{}, nil, apperr.New(apperr.Forbidden, "this change is authorised by %s; you hold none of these roles", describe(req))
		case caller.Subject == c.RequesterID:
			return Change{}, nil, apperr.New(apperr.Forbidden, "the requester of a change cannot vote on it")
		}
		if i := slices.IndexFunc(c.Approvals, func(a Approval) bool { return a.ApproverID == caller.Subject }); i >= 0 {
			return Change{}, nil, apperr.New(apperr.Conflict, "you already voted %s on this change at %s", c.Approvals[i].Decision, c.Approvals[i].At.Format(time.RFC3339))
		}
		c.Approvals = append(slices.Clone(c.Approvals), Approval{ApproverID: caller.Subject, Roles: roles, Decision: in.Decision, Comment: in.Comment, At: now})
		var trs []Transition
		switch {
		case in.Decision == Reject:
			trs = append(trs, s.transition(c, Rejected, caller.Subject, now, in.Comment))
			c.State = Rejected
		case Satisfied(req, c.Approvals):
			trs = append(trs, s.transition(c, Authorized, caller.Subject, now, "authorisation rule met: "+describe(req)))
			c.State = Authorized
		}
		c.Version, c.UpdatedAt = c.Version+1, now
		return c, trs, nil
	})
}

// ReviewInput is the post-implementation review of a change.
type ReviewInput struct {
	ID              string
	ExpectedVersion int
	Outcome         Outcome
	Notes           string
}

// Review records the post-implementation review of an IMPLEMENTED or
// FAILED change, with the incidents linked as caused by it. A failed
// change can only be reviewed as failed, and one that caused incidents not
// as plainly SUCCESSFUL.
func (s *Service) Review(ctx context.Context, caller auth.Principal, in ReviewInput) (Change, error) {
	if err := validate.Enum("outcome", in.Outcome, Outcomes()); err != nil {
		return Change{}, err
	}
	if err := validate.Text("notes", in.Notes, true, MaxTextLen); err != nil {
		return Change{}, err
	}
	now := s.now().UTC()
	caused, err := s.store.CausedIncidents(ctx, in.ID)
	if err != nil {
		return Change{}, err
	}
	return s.update(ctx, in.ID, func(c Change) (Change, []Transition, error) {
		if err := checkVersion(c, in.ExpectedVersion); err != nil {
			return Change{}, nil, err
		}
		if err := checkStep(c, Reviewed, byReview, caller); err != nil {
			return Change{}, nil, err
		}
		if c.State == Failed && in.Outcome != FailedBackedOut {
			return Change{}, nil, apperr.Invalid("outcome", "a FAILED change is reviewed as %s", FailedBackedOut)
		}
		if len(caused) > 0 && in.Outcome == Successful {
			return Change{}, nil, apperr.Invalid("outcome", "change %s caused %d incident(s) (%s); review it as %s or %s",
				c.ID, len(caused), strings.Join(caused, ", "), SuccessfulWithIssues, FailedBackedOut)
		}
		trs := []Transition{s.transition(c, Reviewed, caller.Subject, now, string(in.Outcome))}
		c.State = Reviewed
		c.Review = &Review{Outcome: in.Outcome, Notes: in.Notes, ReviewerID: caller.Subject, At: now, CausedIncidentIDs: caused}
		c.Version, c.UpdatedAt = c.Version+1, now
		return c, trs, nil
	})
}

func (s *Service) transition(c Change, to State, actor string, at time.Time, comment string) Transition {
	return Transition{ID: s.newID(TransitionPfx), ChangeID: c.ID, From: c.State, To: to, Actor: actor, At: at, Comment: comment}
}
