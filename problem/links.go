package problem

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/validate"
)

// linked returns the incident writes that link incidentIDs to problemID:
// NOT_FOUND for an incident that does not exist or v may not read; none
// for one already linked.
func linked(v incident.Viewer, problemID string, incidentIDs []string, w World, now time.Time) ([]IncidentWrite, error) {
	var out []IncidentWrite
	for _, id := range incidentIDs {
		inc, ok := w.Incidents[id]
		if !ok || !v.CanRead(inc) {
			return nil, apperr.New(apperr.NotFound, "incidentIds: no incident has id %q", id)
		}
		if slices.Contains(inc.ProblemIDs, problemID) {
			continue
		}
		inc.ProblemIDs = sortedSet(append(slices.Clone(inc.ProblemIDs), problemID))
		inc.Version++
		inc.UpdatedAt = now
		out = append(out, IncidentWrite{Incident: inc})
	}
	return out, nil
}

// LinkInput links incidents to a problem or unlinks them.
type LinkInput struct {
	ProblemID       string
	ExpectedVersion int
	IncidentIDs     []string
}

// Link links incidents to a problem: each incident's problem list gains
// it (an incident linked already is left as it is, so linking twice
// creates nothing). FORBIDDEN without PROBLEM_MANAGER or AGENT; NOT_FOUND
// for an unknown problem or an incident that does not exist or v may not
// read (nothing is written); CONFLICT when stale; INVALID_TRANSITION on a
// closed or cancelled problem.
func (s *Service) Link(ctx context.Context, v incident.Viewer, in LinkInput) (Problem, error) {
	return s.relink(ctx, v, in, true)
}

// Unlink removes the links of incidents to a problem (those not linked
// are ignored). FORBIDDEN without PROBLEM_MANAGER; otherwise as Link.
func (s *Service) Unlink(ctx context.Context, v incident.Viewer, in LinkInput) (Problem, error) {
	return s.relink(ctx, v, in, false)
}

func (s *Service) relink(ctx context.Context, v incident.Viewer, in LinkInput, link bool) (Problem, error) {
	p := v.Principal
	if err := readable(p, in.ProblemID); err != nil {
		return Problem{}, err
	}
	if link {
		if err := forbidden(p, CanLink(p), "linking incidents to a problem", "PROBLEM_MANAGER or AGENT"); err != nil {
			return Problem{}, err
		}
	} else if err := forbidden(p, CanManage(p), "unlinking incidents from a problem", "PROBLEM_MANAGER"); err != nil {
		return Problem{}, err
	}
	incidentIDs := sortedSet(in.IncidentIDs)
	if len(incidentIDs) == 0 {
		return Problem{}, apperr.Invalid("incidentIds", "is empty; give at least one incident")
	}
	if err := checkIDs("incidentIds", incidentIDs, MaxLinks); err != nil {
		return Problem{}, err
	}
	now := s.now().UTC()
	return s.update(ctx, in.ProblemID, Reads{IncidentIDs: incidentIDs}, func(cur Problem, w World) (Write, error) {
		if err := checkVersion(cur, in.ExpectedVersion); err != nil {
			return Write{}, err
		}
		if cur.State == Closed || cur.State == Cancelled {
			return Write{}, apperr.New(apperr.InvalidTransition, "problem %s is %s; its links can no longer change", cur.ID, cur.State)
		}
		var writes []IncidentWrite
		var err error
		if link {
			writes, err = linked(v, cur.ID, incidentIDs, w, now)
		} else {
			writes, err = unlinked(v, cur.ID, incidentIDs, w, now)
		}
		if err != nil {
			return Write{}, err
		}
		if len(writes) == 0 {
			return Write{Problem: cur}, nil
		}
		var changed []string
		for _, iw := range writes {
			changed = append(changed, iw.Incident.ID)
		}
		h := HistoryEntry{ID: s.newID(HistoryPrefix), At: now, Actor: p.Subject, Field: FieldIncidents}
		if link {
			h.To = strings.Join(changed, ",")
		} else {
			h.From = strings.Join(changed, ",")
		}
		next := cur
		next.Version++
		next.UpdatedAt = now
		return Write{Problem: next, Records: &Records{History: []HistoryEntry{h}}, Incidents: writes}, nil
	})
}

func unlinked(v incident.Viewer, problemID string, incidentIDs []string, w World, now time.Time) ([]IncidentWrite, error) {
	var out []IncidentWrite
	for _, id := range incidentIDs {
		inc, ok := w.Incidents[id]
		if !ok || !v.CanRead(inc) {
			return nil, apperr.New(apperr.NotFound, "incidentIds: no incident has id %q", id)
		}
		if !slices.Contains(inc.ProblemIDs, problemID) {
			continue
		}
		inc.ProblemIDs = slices.DeleteFunc(slices.Clone(inc.ProblemIDs), func(x string) bool { return x == problemID })
		inc.Version++
		inc.UpdatedAt = now
		out = append(out, IncidentWrite{Incident: inc})
	}
	return out, nil
}

// AddNote adds a work note to a problem's timeline. It appends to a trail
// and leaves the version alone, as incident work notes do. FORBIDDEN
// without PROBLEM_MANAGER or AGENT; NOT_FOUND for an unknown problem.
func (s *Service) AddNote(ctx context.Context, v incident.Viewer, problemID, body string) (Note, error) {
	p := v.Principal
	if err := readable(p, problemID); err != nil {
		return Note{}, err
	}
	if err := forbidden(p, CanAddNote(p), "adding a work note to a problem", "PROBLEM_MANAGER or AGENT"); err != nil {
		return Note{}, err
	}
	if err := validate.Text("body", body, true, MaxNoteLen); err != nil {
		return Note{}, err
	}
	n := Note{ID: s.newID(NotePrefix), At: s.now().UTC(), Author: p.Subject, Body: body}
	_, err := s.update(ctx, problemID, Reads{}, func(cur Problem, _ World) (Write, error) {
		return Write{Problem: cur, Records: &Records{Notes: []Note{n}}}, nil
	})
	return n, err
}
