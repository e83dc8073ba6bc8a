package incident

import (
	"slices"

	"github.com/itsm-graph/itsm/apperr"
)

// ResolveWith returns cur resolved as part of another record's write
// (problem management resolving the incidents linked to a problem, in the
// problem's transaction), with its history entry and a work note naming
// that record. It is pure: the caller writes the result. NOT_FOUND for an
// incident v may not read; INVALID_TRANSITION when the incident lifecycle
// has no move from cur's state to RESOLVED (already resolved, closed or
// cancelled). Who may resolve is the caller's rule (a problem's owner
// resolves its incidents), not the incident AGENT rule.
func (s *Service) ResolveWith(v Viewer, cur Incident, code ResolutionCode, notes, reason string) (Incident, Records, error) {
	if err := readable(v, cur); err != nil {
		return Incident{}, Records{}, err
	}
	if !slices.Contains(NextStates(cur.State), Resolved) {
		return Incident{}, Records{}, apperr.New(apperr.InvalidTransition, "incident %s is %s; only open incidents can be resolved", cur.ID, cur.State)
	}
	now := s.now().UTC()
	next, err := moved(cur, v.Principal, TransitionInput{To: Resolved, ResolutionCode: code, ResolutionNotes: notes}, now)
	if err != nil {
		return Incident{}, Records{}, err
	}
	return next, Records{
		History: []HistoryEntry{{ID: s.newID(HistoryPrefix), At: now, Actor: v.Principal.Subject, Field: FieldState,
			From: string(cur.State), To: string(Resolved), Comment: notes, CommentVisibility: CustomerVisible}},
		Timeline: []TimelineEntry{{ID: s.newID(TimelinePrefix), At: now, Author: v.Principal.Subject, Kind: WorkNote, Body: reason}},
	}, nil
}
