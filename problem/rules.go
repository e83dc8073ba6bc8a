package problem

import (
	"slices"
	"strings"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/lifecycle"
	"github.com/itsm-graph/itsm/validate"
)

// Limits on problem input: the incident limits, so that text moves freely
// between incidents and problems.
const (
	MaxTitleLen    = incident.MaxShortDescriptionLen
	MaxTextLen     = incident.MaxDescriptionLen
	MaxCategoryLen = incident.MaxCategoryLen
	MaxIDLen       = incident.MaxIDLen
	MaxIdemKeyLen  = incident.MaxIdemKeyLen
	MaxItems       = incident.MaxItems
	MaxLinks       = incident.MaxLinks
	MaxNoteLen     = incident.MaxEntryLen
	MaxReasonLen   = incident.MaxCommentLen
)

// Who may do what (ADMIN holds every role).
//
// PROBLEM_MANAGER owns problems: every write. AGENT works incidents and so
// may open a problem, add work notes and link incidents to one. Every
// staff role reads problems; a REQUESTER sees none.

// CanRead reports whether p may read problems.
func CanRead(p auth.Principal) bool { return p.HasAny(auth.Staff) }

// CanManage reports whether p owns problems: update, move, resolve, unlink.
func CanManage(p auth.Principal) bool { return p.Has(auth.ProblemManager) }

// CanCreate reports whether p may open a problem.
func CanCreate(p auth.Principal) bool { return CanManage(p) || p.Has(auth.Agent) }

// CanAddNote reports whether p may add a work note.
func CanAddNote(p auth.Principal) bool { return CanCreate(p) }

// CanLink reports whether p may link incidents to a problem.
func CanLink(p auth.Principal) bool { return CanCreate(p) }

func forbidden(p auth.Principal, allowed bool, what, roles string) error {
	if allowed {
		return nil
	}
	return apperr.New(apperr.Forbidden, "%s needs the %s role", what, roles)
}

// transitions is the state machine. INVESTIGATING may go straight to
// RESOLVED: a fix found before a workaround needs no known error first.
// RESOLVED is no longer open: it only closes. CLOSED and CANCELLED are final.
func transitions() map[State][]State {
	return map[State][]State{
		New:           {Investigating, Cancelled},
		Investigating: {KnownError, Resolved, Cancelled},
		KnownError:    {Resolved, Cancelled},
		Resolved:      {Closed},
	}
}

// NextStates returns the states a problem in s may move to, in lifecycle
// order.
func NextStates(s State) []State { return lifecycle.Next(States(), transitions(), s) }

// CheckTransition returns nil when p may move cur to state to, whatever
// the data the move needs (Moved checks that). BAD_USER_INPUT for an
// unknown state; INVALID_TRANSITION naming the allowed next states;
// FORBIDDEN without PROBLEM_MANAGER.
func CheckTransition(p auth.Principal, cur Problem, to State) error {
	if err := validate.Enum("to", to, States()); err != nil {
		return err
	}
	if !slices.Contains(transitions()[cur.State], to) {
		next := NextStates(cur.State)
		if len(next) == 0 {
			return apperr.New(apperr.InvalidTransition, "problem %s is %s, which is final; open a new problem if the cause recurs", cur.ID, cur.State)
		}
		return apperr.New(apperr.InvalidTransition, "problem %s cannot go from %s to %s; allowed next states: %v", cur.ID, cur.State, to, next)
	}
	return forbidden(p, CanManage(p), "moving a problem", "PROBLEM_MANAGER")
}

// Move is a state change with what the target state needs.
type Move struct {
	To State
	// ClosureCode and Reason: RESOLVED takes FIX_APPLIED (the default) or
	// RISK_ACCEPTED with a reason; CANCELLED takes CANCELLED or DUPLICATE
	// with a reason.
	ClosureCode ClosureCode
	Reason      string
}

// CompletedChange reports whether a change in state s has been carried
// out: implemented, reviewed or closed after its review. A failed,
// rejected or cancelled change fixed nothing.
func CompletedChange(s change.State) bool {
	return s == change.Implemented || s == change.Reviewed || s == change.Closed
}

// Moved returns cur moved as m says, checking what the target state
// needs: KNOWN_ERROR a root cause and a workaround (BAD_USER_INPUT naming
// the missing one); RESOLVED with FIX_APPLIED a linked change
// (BAD_USER_INPUT naming changeIds) that is completed (INVALID_TRANSITION
// naming each change's state; changes holds their states), with
// RISK_ACCEPTED a reason; CANCELLED a closure code CANCELLED or DUPLICATE
// and a reason. It leaves version and times to the caller, and does not
// check the move itself (CheckTransition).
func Moved(cur Problem, m Move, changes map[string]change.State) (Problem, error) {
	next := cur
	next.State = m.To
	if err := validate.Text("reason", m.Reason, false, MaxReasonLen); err != nil {
		return Problem{}, err
	}
	if m.ClosureCode != "" {
		if err := validate.Enum("closureCode", m.ClosureCode, ClosureCodes()); err != nil {
			return Problem{}, err
		}
	}
	switch m.To {
	case KnownError:
		if strings.TrimSpace(cur.RootCause) == "" {
			return Problem{}, apperr.Invalid("rootCause", "is required for a known error; record the root cause first")
		}
		if strings.TrimSpace(cur.Workaround) == "" {
			return Problem{}, apperr.Invalid("workaround", "is required for a known error; record the workaround first")
		}
	case Resolved:
		code := m.ClosureCode
		if code == "" {
			code = FixApplied
		}
		switch code {
		case FixApplied:
			if len(cur.ChangeIDs) == 0 {
				return Problem{}, apperr.Invalid("changeIds", "problem %s has no linked change; link the change that fixes it, or resolve with closureCode RISK_ACCEPTED and a reason", cur.ID)
			}
			if !slices.ContainsFunc(cur.ChangeIDs, func(id string) bool { return CompletedChange(changes[id]) }) {
				var states []string
				for _, id := range cur.ChangeIDs {
					states = append(states, id+" is "+string(changes[id]))
				}
				return Problem{}, apperr.New(apperr.InvalidTransition, "problem %s needs a completed fix (a linked change IMPLEMENTED, REVIEWED or CLOSED): %s", cur.ID, strings.Join(states, ", "))
			}
		case RiskAccepted:
			if strings.TrimSpace(m.Reason) == "" {
				return Problem{}, apperr.Invalid("reason", "is required to resolve with RISK_ACCEPTED; say why the risk is accepted")
			}
		default:
			return Problem{}, apperr.Invalid("closureCode", "%s does not resolve a problem; use FIX_APPLIED or RISK_ACCEPTED (or cancel it)", code)
		}
		next.ClosureCode, next.ClosureReason = code, m.Reason
	case Cancelled:
		if m.ClosureCode != CancelledCode && m.ClosureCode != Duplicate {
			return Problem{}, apperr.Invalid("closureCode", "must be CANCELLED or DUPLICATE to cancel a problem")
		}
		if strings.TrimSpace(m.Reason) == "" {
			return Problem{}, apperr.Invalid("reason", "is required to cancel a problem; say why")
		}
		next.ClosureCode, next.ClosureReason = m.ClosureCode, m.Reason
	}
	return next, nil
}

func checkIDs(field string, ids []string, max int) error {
	if len(ids) > max {
		return apperr.Invalid(field, "lists %d ids; the limit is %d", len(ids), max)
	}
	for _, id := range ids {
		if err := validate.Text(field, id, true, MaxIDLen); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks the fields a caller sets, with the incident limits.
func Validate(p Problem) error {
	for _, err := range []error{
		validate.Text("title", p.Title, true, MaxTitleLen),
		validate.Text("description", p.Description, false, MaxTextLen),
		validate.Text("category", p.Category, false, MaxCategoryLen),
		validate.Enum("impact", p.Impact, incident.Levels()),
		validate.Enum("urgency", p.Urgency, incident.Levels()),
		validate.Text("assignmentGroupId", p.AssignmentGroupID, false, MaxIDLen),
		validate.Text("assigneeId", p.AssigneeID, false, MaxIDLen),
		checkIDs("ciIds", p.CIIDs, MaxItems),
		checkIDs("serviceIds", p.ServiceIDs, MaxItems),
		checkIDs("changeIds", p.ChangeIDs, MaxLinks),
		validate.Text("rootCause", p.RootCause, false, MaxTextLen),
		validate.Text("rootCauseCiId", p.RootCauseCIID, false, MaxIDLen),
		validate.Text("workaround", p.Workaround, false, MaxTextLen),
	} {
		if err != nil {
			return err
		}
	}
	if p.AssigneeID != "" && p.AssignmentGroupID == "" {
		return apperr.Invalid("assigneeId", "an assignee needs an assignment group; give assignmentGroupId too")
	}
	return nil
}

// Diff returns a history entry (without id, time or actor) for each
// tracked field that differs between a and b, in a fixed order.
func Diff(a, b Problem) []HistoryEntry {
	fields := []struct {
		f    HistoryField
		x, y string
	}{
		{FieldState, string(a.State), string(b.State)},
		{FieldTitle, a.Title, b.Title},
		{FieldDescription, a.Description, b.Description},
		{FieldCategory, a.Category, b.Category},
		{FieldPriority, string(a.Priority), string(b.Priority)},
		{FieldAssignmentGroup, a.AssignmentGroupID, b.AssignmentGroupID},
		{FieldAssignee, a.AssigneeID, b.AssigneeID},
		{FieldCIs, strings.Join(a.CIIDs, ","), strings.Join(b.CIIDs, ",")},
		{FieldServices, strings.Join(a.ServiceIDs, ","), strings.Join(b.ServiceIDs, ",")},
		{FieldChanges, strings.Join(a.ChangeIDs, ","), strings.Join(b.ChangeIDs, ",")},
		{FieldRootCause, a.RootCause, b.RootCause},
		{FieldRootCauseCI, a.RootCauseCIID, b.RootCauseCIID},
		{FieldWorkaround, a.Workaround, b.Workaround},
		{FieldClosure, closure(a), closure(b)},
	}
	var out []HistoryEntry
	for _, f := range fields {
		if f.x != f.y {
			out = append(out, HistoryEntry{Field: f.f, From: f.x, To: f.y})
		}
	}
	return out
}

func closure(p Problem) string {
	if p.ClosureCode == "" {
		return ""
	}
	return string(p.ClosureCode) + ": " + p.ClosureReason
}

func sortedSet(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	return slices.Compact(slices.Sorted(slices.Values(ids)))
}
