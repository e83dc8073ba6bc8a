package change

import (
	"fmt"
	"slices"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
)

// via says how a step is taken.
type via int

const (
	// byRequest: a caller asks for it with transitionChange.
	byRequest via = iota
	// byVote: CAB votes move an assessed change on.
	byVote
	// byReview: the post-implementation review.
	byReview
	// bySubmission: what submitting a standard or emergency change does
	// next, on its own.
	bySubmission
)

// step is one edge of the lifecycle, with who may take it. requester means
// the change's own requester may take it too, whatever their roles.
type step struct {
	from, to  State
	by        via
	roles     []auth.Role
	requester bool
}

// lifecycle is SPEC §2.3's state machine. ADMIN may take every step a role
// may take.
func lifecycle() []step {
	managers := []auth.Role{auth.ChangeManager}
	// implementers carry out scheduled changes.
	implementers := []auth.Role{auth.ChangeManager, auth.Agent, auth.ConfigManager}
	return []step{
		{Draft, Submitted, byRequest, managers, true},
		{Draft, Cancelled, byRequest, managers, true},
		{Submitted, Assessed, byRequest, managers, false},
		{Submitted, Assessed, bySubmission, nil, true},
		{Submitted, Authorized, bySubmission, nil, true},
		{Submitted, Rejected, byRequest, managers, false},
		{Submitted, Cancelled, byRequest, managers, true},
		{Assessed, Authorized, byVote, []auth.Role{auth.CABMember, auth.ChangeManager}, false},
		{Assessed, Rejected, byVote, []auth.Role{auth.CABMember, auth.ChangeManager}, false},
		{Assessed, Rejected, byRequest, managers, false},
		{Assessed, Cancelled, byRequest, managers, true},
		{Authorized, Scheduled, byRequest, managers, false},
		{Authorized, Cancelled, byRequest, managers, true},
		{Scheduled, Implementing, byRequest, implementers, false},
		{Scheduled, Cancelled, byRequest, managers, true},
		{Implementing, Implemented, byRequest, implementers, false},
		{Implementing, Failed, byRequest, implementers, false},
		{Implemented, Reviewed, byReview, managers, false},
		{Failed, Reviewed, byReview, managers, false},
		{Reviewed, Closed, byRequest, managers, false},
	}
}

// NextStates lists the states a caller may ask for with transitionChange
// from state s, whoever they are.
func NextStates(s State) []State {
	var out []State
	for _, st := range lifecycle() {
		if st.from == s && st.by == byRequest && !slices.Contains(out, st.to) {
			out = append(out, st.to)
		}
	}
	return out
}

// mayTake reports whether p may take st on c.
func mayTake(st step, c Change, p auth.Principal) bool {
	if st.requester && p.Subject == c.RequesterID {
		return true
	}
	return len(st.roles) > 0 && p.HasAny(st.roles)
}

// checkStep finds the step from c's state to `to` taken by `by` and checks
// p may take it: INVALID_TRANSITION (with the allowed next states) when
// there is no such step, FORBIDDEN when p lacks the role.
func checkStep(c Change, to State, by via, p auth.Principal) error {
	i := slices.IndexFunc(lifecycle(), func(st step) bool { return st.from == c.State && st.to == to && st.by == by })
	if i < 0 {
		return invalidTransition(c.State, to, by)
	}
	st := lifecycle()[i]
	if !mayTake(st, c, p) {
		who := "role " + joinRoles(st.roles)
		if st.requester {
			who += " or being the change's requester"
		}
		return apperr.New(apperr.Forbidden, "moving a change from %s to %s needs %s", c.State, to, who)
	}
	return nil
}

func invalidTransition(from, to State, by via) error {
	next := NextStates(from)
	hint := ""
	switch {
	case by == byVote:
		hint = "votes are taken while a change is ASSESSED"
	case by == byReview:
		hint = "a review is recorded once a change is IMPLEMENTED or FAILED"
	case from == Assessed && to == Authorized:
		hint = "an assessed change is authorised by approvals (decideChange), not directly"
	case from == Implemented || from == Failed:
		hint = "record the post-implementation review with reviewChange"
	}
	msg := fmt.Sprintf("a change cannot go from %s to %s", from, to)
	switch {
	case len(next) > 0:
		msg += fmt.Sprintf("; allowed next states: %v", next)
	case hint == "":
		msg = fmt.Sprintf("a change in state %s cannot change state", from)
	}
	if hint != "" {
		msg += "; " + hint
	}
	return apperr.New(apperr.InvalidTransition, "%s", msg)
}

func joinRoles(rs []auth.Role) string {
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += " or "
		}
		s += string(r)
	}
	return s
}

// AllowedTo lists the states p may move c to with transitionChange.
func AllowedTo(c Change, p auth.Principal) []State {
	var out []State
	for _, st := range lifecycle() {
		if st.from == c.State && st.by == byRequest && mayTake(st, c, p) && !slices.Contains(out, st.to) {
			out = append(out, st.to)
		}
	}
	return out
}
