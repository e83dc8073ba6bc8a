package problem

import (
	"context"
	"errors"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/incident"
)

// ResolveInput resolves a problem.
type ResolveInput struct {
	ID              string
	ExpectedVersion int
	// ResolveIncidents resolves the open incidents linked to it, in the
	// same transaction.
	ResolveIncidents bool
	ClosureCode      ClosureCode
	Reason           string
}

// Resolution is what resolving a problem did.
type Resolution struct {
	Problem Problem
	// Resolved are the incidents resolved with it.
	Resolved []incident.Incident
	// NotMoved are the linked incidents left as they were, and why.
	NotMoved []NotMoved
}

// Resolve moves a problem to RESOLVED (see Moved for what that needs) and,
// with ResolveIncidents, resolves its linked open incidents in the same
// transaction: each gets a history entry and a work note naming the
// problem; those the incident lifecycle does not let move (already
// resolved, closed or cancelled) are listed in NotMoved with the reason.
// Nothing is written on any error.
func (s *Service) Resolve(ctx context.Context, v incident.Viewer, in ResolveInput) (Resolution, error) {
	p := v.Principal
	if err := readable(p, in.ID); err != nil {
		return Resolution{}, err
	}
	now := s.now().UTC()
	var res Resolution
	got, err := s.update(ctx, in.ID, Reads{Linked: in.ResolveIncidents, Changes: true}, func(cur Problem, w World) (Write, error) {
		res = Resolution{}
		if err := checkVersion(cur, in.ExpectedVersion); err != nil {
			return Write{}, err
		}
		if err := CheckTransition(p, cur, Resolved); err != nil {
			return Write{}, err
		}
		next, err := Moved(cur, Move{To: Resolved, ClosureCode: in.ClosureCode, Reason: in.Reason}, w.ChangeStates)
		if err != nil {
			return Write{}, err
		}
		next.ResolvedAt = &now
		next, rec := s.stamped(cur, next, p.Subject, now, in.Reason)
		wr := Write{Problem: next, Records: rec}
		if !in.ResolveIncidents {
			return wr, nil
		}
		code := incident.ResolvedByChange
		if next.ClosureCode == RiskAccepted {
			code = incident.ResolvedWorkaround
		}
		notes := "Resolved with problem " + next.Number + ": " + next.Title
		note := "Resolved together with problem " + next.Number + " (" + next.ID + "), closure " + string(next.ClosureCode)
		if in.Reason != "" {
			note += ": " + in.Reason
		}
		for _, id := range w.Linked {
			inc := w.Incidents[id]
			moved, irec, err := s.incidents.ResolveWith(v, inc, code, notes, note)
			if err != nil {
				res.NotMoved = append(res.NotMoved, NotMoved{IncidentID: id, State: inc.State, Reason: errText(err)})
				continue
			}
			wr.Incidents = append(wr.Incidents, IncidentWrite{Incident: moved, Records: &irec})
			res.Resolved = append(res.Resolved, moved)
		}
		return wr, nil
	})
	if err != nil {
		return Resolution{}, err
	}
	res.Problem = got
	return res, nil
}

func errText(err error) string {
	var e *apperr.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
