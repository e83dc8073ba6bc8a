package problem

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/patch"
	"github.com/itsm-graph/itsm/validate"
)

// Store persists problems and their trails. Every method runs in one
// transaction; callbacks run inside it and may run more than once (the
// driver retries transient failures), so they must be pure.
//
// The link between a problem and an incident has one source of truth: the
// incident's ProblemIDs (the incident's own field, which linkIncident also
// sets). The store mirrors it as (:Incident)-[:LINKED_TO_PROBLEM]->(:Problem)
// for reads by problem, written in the same transaction as the list, as
// incidents mirror their CIs with AFFECTS.
type Store interface {
	// CreateProblem writes p, giving it the next Number, with rec and the
	// incident writes link returns for the incidents named (World holds
	// those that exist, locked). With key set, a key seen before writes
	// nothing and returns the problem it created, with created false
	// (CONFLICT when the fingerprint differs). NOT_FOUND for an unknown
	// CI, service, change, group or assignee.
	CreateProblem(ctx context.Context, p Problem, rec Records, key *ids.IdempotencyKey, incidentIDs []string,
		link func(World) ([]IncidentWrite, error)) (got Problem, created bool, err error)
	// GetProblems returns the problems with these ids, in any order;
	// absent ids are left out.
	GetProblems(ctx context.Context, ids []string) ([]Problem, error)
	// UpdateProblem locks the problem and, as reads asks, the incidents
	// linked to it and those named, and reads the states of its changes;
	// it passes them to apply, and
	// writes what apply returns: the problem (when its version changed),
	// its records and the incident writes. NOT_FOUND when absent, and as
	// CreateProblem for new references.
	UpdateProblem(ctx context.Context, id string, reads Reads, apply func(cur Problem, w World) (Write, error)) (Problem, error)
	// ListProblems returns one page of the problems matching f in order o.
	ListProblems(ctx context.Context, f Filter, o Order, p paging.Request) (paging.Page[Problem], error)
	// KnownErrors returns one page of the known errors matching f, newest
	// first (see KnownErrorStates).
	KnownErrors(ctx context.Context, f KnownErrorFilter, p paging.Request) (paging.Page[Problem], error)
	// History and Notes return the trails of many problems, oldest first,
	// keyed by problem id.
	History(ctx context.Context, ids []string) (map[string][]HistoryEntry, error)
	Notes(ctx context.Context, ids []string) (map[string][]Note, error)
	// LinkedIncidents returns the ids of the incidents linked to each
	// problem.
	LinkedIncidents(ctx context.Context, problemIDs []string) (map[string][]string, error)
}

// Reads says what of the world around a problem a write needs: writes
// that need none lock the problem alone.
type Reads struct {
	// Linked locks and reads the incidents linked to the problem.
	Linked bool
	// IncidentIDs locks and reads these incidents too.
	IncidentIDs []string
	// Changes reads the states of the problem's changes.
	Changes bool
}

// World is what a write sees of the records around the problem, read in
// its transaction.
type World struct {
	// Incidents are the incidents read (see Reads) that exist, by id.
	Incidents map[string]incident.Incident
	// Linked are the ids of the incidents linked to the problem (with
	// Reads.Linked).
	Linked []string
	// ChangeStates are the states of the problem's changes.
	ChangeStates map[string]change.State
}

// Write is what one update writes.
type Write struct {
	Problem   Problem
	Records   *Records
	Incidents []IncidentWrite
}

// IncidentWrite is an incident written with a problem.
type IncidentWrite struct {
	Incident incident.Incident
	Records  *incident.Records
}

// Notifier hears about every problem written, after the commit, so that
// subscriptions can follow problems.
type Notifier interface {
	Publish(p Problem)
}

// EventKeys are what subscribers follow a problem by: its id and its
// assignment group's id.
func EventKeys(p Problem) []string { return []string{p.ID, p.AssignmentGroupID} }

// ID prefixes, which let node(id:) tell kinds apart.
const (
	Prefix        = "prb"
	HistoryPrefix = "prbh"
	NotePrefix    = "prbn"
)

// Service applies the problem rules. Priorities come from the incident
// service's matrix, and incidents resolved with a problem follow the
// incident rules (incident.Service.ResolveWith).
type Service struct {
	store     Store
	incidents *incident.Service
	now       func() time.Time
	newID     func(prefix string) string
	notify    Notifier
	// incidentNotify hears about the incidents a problem write changed.
	incidentNotify incident.Notifier
}

// NewService returns a Service; the notifiers may be nil.
func NewService(store Store, incidents *incident.Service, now func() time.Time, newID func(prefix string) string,
	notify Notifier, incidentNotify incident.Notifier) *Service {
	return &Service{store: store, incidents: incidents, now: now, newID: newID, notify: notify, incidentNotify: incidentNotify}
}

func (s *Service) published(p Problem, incs []incident.Incident) {
	if s.notify != nil {
		s.notify.Publish(p)
	}
	if s.incidentNotify != nil {
		for _, i := range incs {
			s.incidentNotify.Publish(i)
		}
	}
}

// update runs one UpdateProblem and publishes the problem and the
// incidents it wrote.
func (s *Service) update(ctx context.Context, id string, reads Reads, apply func(Problem, World) (Write, error)) (Problem, error) {
	var wrote []incident.Incident
	got, err := s.store.UpdateProblem(ctx, id, reads, func(cur Problem, w World) (Write, error) {
		wr, err := apply(cur, w)
		wrote = wrote[:0]
		for _, iw := range wr.Incidents {
			wrote = append(wrote, iw.Incident)
		}
		return wr, err
	})
	if err != nil {
		return Problem{}, err
	}
	s.published(got, wrote)
	return got, nil
}

// AllowedTransitions lists the states p may move prob to with
// transitionProblem (or resolveProblem), in lifecycle order. What a move
// needs besides (a workaround, a completed change) is checked when made.
func (s *Service) AllowedTransitions(p auth.Principal, prob Problem) []State {
	var out []State
	for _, to := range NextStates(prob.State) {
		if CheckTransition(p, prob, to) == nil {
			out = append(out, to)
		}
	}
	return out
}

// CreateInput describes a new problem. Nil pointers take defaults.
type CreateInput struct {
	Title             string
	Description       string
	Category          string
	Impact            incident.Level
	Urgency           incident.Level
	AssignmentGroupID *string
	AssigneeID        *string
	CIIDs             []string
	ServiceIDs        []string
	IncidentIDs       []string
	IdempotencyKey    *string
}

// Create opens a problem, NEW, linked to the incidents given (which v must
// be able to read). FORBIDDEN without PROBLEM_MANAGER or AGENT;
// BAD_USER_INPUT names the field at fault; NOT_FOUND for unknown
// references; CONFLICT for a key reused for another request.
func (s *Service) Create(ctx context.Context, v incident.Viewer, in CreateInput) (Problem, bool, error) {
	p := v.Principal
	if err := forbidden(p, CanCreate(p), "opening a problem", "PROBLEM_MANAGER or AGENT"); err != nil {
		return Problem{}, false, err
	}
	now := s.now().UTC()
	prob := Problem{
		ID: s.newID(Prefix), Title: in.Title, Description: in.Description, Category: in.Category,
		Impact: in.Impact, Urgency: in.Urgency,
		AssignmentGroupID: deref(in.AssignmentGroupID), AssigneeID: deref(in.AssigneeID),
		CIIDs: sortedSet(in.CIIDs), ServiceIDs: sortedSet(in.ServiceIDs),
		State: New, OpenedBy: p.Subject, Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	if err := Validate(prob); err != nil {
		return Problem{}, false, err
	}
	incidentIDs := sortedSet(in.IncidentIDs)
	if err := checkIDs("incidentIds", incidentIDs, MaxLinks); err != nil {
		return Problem{}, false, err
	}
	m, err := s.incidents.Matrix(ctx)
	if err != nil {
		return Problem{}, false, err
	}
	prob.Priority = m.Priority(prob.Impact, prob.Urgency)
	var key *ids.IdempotencyKey
	if in.IdempotencyKey != nil {
		if err := validate.Text("idempotencyKey", *in.IdempotencyKey, true, MaxIdemKeyLen); err != nil {
			return Problem{}, false, err
		}
		prob.IdempotencyKey = *in.IdempotencyKey
		fp := prob
		fp.ID, fp.CreatedAt, fp.UpdatedAt = "", time.Time{}, time.Time{}
		key = &ids.IdempotencyKey{Scope: p.Subject + "\x1fcreateProblem", Key: *in.IdempotencyKey,
			Fingerprint: ids.Fingerprint(struct {
				P         Problem
				Incidents []string
			}{fp, incidentIDs})}
	}
	rec := Records{History: []HistoryEntry{{ID: s.newID(HistoryPrefix), At: now, Actor: p.Subject, Field: FieldState, To: string(New)}}}
	var wrote []incident.Incident
	got, created, err := s.store.CreateProblem(ctx, prob, rec, key, incidentIDs, func(w World) ([]IncidentWrite, error) {
		writes, err := linked(v, prob.ID, incidentIDs, w, now)
		wrote = wrote[:0]
		for _, iw := range writes {
			wrote = append(wrote, iw.Incident)
		}
		return writes, err
	})
	if err == nil && created {
		s.published(got, wrote)
	}
	return got, created, err
}

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

// Get returns one problem p may read; NOT_FOUND when it does not exist or
// p may not read problems.
func (s *Service) Get(ctx context.Context, p auth.Principal, id string) (Problem, error) {
	got, err := s.GetMany(ctx, p, []string{id})
	if err != nil {
		return Problem{}, err
	}
	prob, ok := got[id]
	if !ok {
		return Problem{}, notFound(id)
	}
	return prob, nil
}

// GetMany returns the problems with these ids, keyed by id; none for a
// principal who may not read problems.
func (s *Service) GetMany(ctx context.Context, p auth.Principal, ids []string) (map[string]Problem, error) {
	if !CanRead(p) || len(ids) == 0 {
		return map[string]Problem{}, nil
	}
	probs, err := s.store.GetProblems(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Problem, len(probs))
	for _, pr := range probs {
		out[pr.ID] = pr
	}
	return out, nil
}

func notFound(id string) error { return apperr.New(apperr.NotFound, "no problem has id %q", id) }

// readable is the first check of every write: a principal who may not read
// problems gets NOT_FOUND, as a read would.
func readable(p auth.Principal, id string) error {
	if !CanRead(p) {
		return notFound(id)
	}
	return nil
}

func checkVersion(cur Problem, expected int) error {
	if cur.Version != expected {
		return apperr.Stale("problem", cur.ID, cur.Version, expected)
	}
	return nil
}

// stamped returns next with its version bumped and the history of what
// changed from cur, recorded by actor at now with comment.
func (s *Service) stamped(cur, next Problem, actor string, now time.Time, comment string) (Problem, *Records) {
	rec := &Records{}
	for _, h := range Diff(cur, next) {
		h.ID, h.At, h.Actor, h.Comment = s.newID(HistoryPrefix), now, actor, comment
		rec.History = append(rec.History, h)
	}
	next.Version = cur.Version + 1
	next.UpdatedAt = now
	return next, rec
}

// UpdateInput changes a problem's fields; nil fields are left alone, a
// given list replaces the old one, an empty string clears an optional
// text or id.
type UpdateInput struct {
	ID                string
	ExpectedVersion   int
	Title             *string
	Description       *string
	Category          *string
	Impact            *incident.Level
	Urgency           *incident.Level
	AssignmentGroupID *string
	AssigneeID        *string
	CIIDs             *[]string
	ServiceIDs        *[]string
	ChangeIDs         *[]string
	RootCause         *string
	RootCauseCIID     *string
	Workaround        *string
}

// Update applies in with optimistic concurrency and records each changed
// field in the history; a new impact or urgency recomputes the priority.
// FORBIDDEN without PROBLEM_MANAGER; NOT_FOUND for an unknown problem or
// reference; CONFLICT when stale; INVALID_TRANSITION on a closed or
// cancelled problem; BAD_USER_INPUT names the field at fault. A known
// error keeps its root cause and workaround (clearing one is refused).
func (s *Service) Update(ctx context.Context, v incident.Viewer, in UpdateInput) (Problem, error) {
	p := v.Principal
	if err := readable(p, in.ID); err != nil {
		return Problem{}, err
	}
	if err := forbidden(p, CanManage(p), "updating a problem", "PROBLEM_MANAGER"); err != nil {
		return Problem{}, err
	}
	m, err := s.incidents.Matrix(ctx)
	if err != nil {
		return Problem{}, err
	}
	now := s.now().UTC()
	return s.update(ctx, in.ID, Reads{}, func(cur Problem, _ World) (Write, error) {
		if err := checkVersion(cur, in.ExpectedVersion); err != nil {
			return Write{}, err
		}
		if cur.State == Closed || cur.State == Cancelled {
			return Write{}, apperr.New(apperr.InvalidTransition, "problem %s is %s and can no longer be changed", cur.ID, cur.State)
		}
		next := cur
		patch.Set(&next.Title, in.Title)
		patch.Set(&next.Description, in.Description)
		patch.Set(&next.Category, in.Category)
		patch.Set(&next.Impact, in.Impact)
		patch.Set(&next.Urgency, in.Urgency)
		patch.Set(&next.AssignmentGroupID, in.AssignmentGroupID)
		patch.Set(&next.AssigneeID, in.AssigneeID)
		patch.Set(&next.RootCause, in.RootCause)
		patch.Set(&next.RootCauseCIID, in.RootCauseCIID)
		patch.Set(&next.Workaround, in.Workaround)
		for _, l := range []struct {
			dst *[]string
			src *[]string
		}{{&next.CIIDs, in.CIIDs}, {&next.ServiceIDs, in.ServiceIDs}, {&next.ChangeIDs, in.ChangeIDs}} {
			if l.src != nil {
				*l.dst = sortedSet(*l.src)
			}
		}
		if err := Validate(next); err != nil {
			return Write{}, err
		}
		if cur.State == KnownError {
			if _, err := Moved(next, Move{To: KnownError}, nil); err != nil {
				return Write{}, err
			}
		}
		next.Priority = m.Priority(next.Impact, next.Urgency)
		if len(Diff(cur, next)) == 0 {
			return Write{Problem: cur}, nil
		}
		next, rec := s.stamped(cur, next, p.Subject, now, "")
		return Write{Problem: next, Records: rec}, nil
	})
}

// TransitionInput moves a problem to another state.
type TransitionInput struct {
	ID              string
	ExpectedVersion int
	To              State
	// RootCause, RootCauseCIID and Workaround, when given, are recorded
	// with the move (a move to KNOWN_ERROR needs the first and last).
	RootCause     *string
	RootCauseCIID *string
	Workaround    *string
	ClosureCode   ClosureCode
	Reason        string
	Comment       string
}

// Transition moves a problem along its lifecycle (see transitions and
// Moved) and records it in the history. A move to RESOLVED is Resolve
// without resolving the incidents. NOT_FOUND, FORBIDDEN,
// INVALID_TRANSITION, CONFLICT and BAD_USER_INPUT as their rules say;
// nothing is written on any error.
func (s *Service) Transition(ctx context.Context, v incident.Viewer, in TransitionInput) (Problem, error) {
	if in.To == Resolved {
		got, err := s.Resolve(ctx, v, ResolveInput{ID: in.ID, ExpectedVersion: in.ExpectedVersion, ClosureCode: in.ClosureCode, Reason: in.Reason})
		return got.Problem, err
	}
	p := v.Principal
	if err := readable(p, in.ID); err != nil {
		return Problem{}, err
	}
	if err := validate.Text("comment", in.Comment, false, MaxReasonLen); err != nil {
		return Problem{}, err
	}
	now := s.now().UTC()
	return s.update(ctx, in.ID, Reads{}, func(cur Problem, w World) (Write, error) {
		if err := checkVersion(cur, in.ExpectedVersion); err != nil {
			return Write{}, err
		}
		if err := CheckTransition(p, cur, in.To); err != nil {
			return Write{}, err
		}
		withText := cur
		patch.Set(&withText.RootCause, in.RootCause)
		patch.Set(&withText.RootCauseCIID, in.RootCauseCIID)
		patch.Set(&withText.Workaround, in.Workaround)
		if err := Validate(withText); err != nil {
			return Write{}, err
		}
		next, err := Moved(withText, Move{To: in.To, ClosureCode: in.ClosureCode, Reason: in.Reason}, w.ChangeStates)
		if err != nil {
			return Write{}, err
		}
		if in.To == Closed || in.To == Cancelled {
			next.ClosedAt = &now
		}
		next, rec := s.stamped(cur, next, p.Subject, now, in.Comment)
		return Write{Problem: next, Records: rec}, nil
	})
}

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

// Filter selects problems; zero fields match everything.
type Filter struct {
	States            []State
	Priorities        []incident.Priority
	AssignmentGroupID string
	AssigneeID        string
	CIID              string
	ServiceID         string
}

// OrderField is what a list of problems is ordered by.
type OrderField string

// The orders.
const (
	OrderByCreatedAt OrderField = "CREATED_AT"
	OrderByUpdatedAt OrderField = "UPDATED_AT"
)

// Order is a list order; the zero value is newest first.
type Order struct {
	Field OrderField
	Desc  bool
}

// List returns one page of the problems matching f. NOT_FOUND-free:
// a principal who may not read problems gets FORBIDDEN.
func (s *Service) List(ctx context.Context, p auth.Principal, f Filter, o Order, pr paging.Request) (paging.Page[Problem], error) {
	if err := forbidden(p, CanRead(p), "reading problems", "a staff"); err != nil {
		return paging.Page[Problem]{}, err
	}
	for _, st := range f.States {
		if err := validate.Enum("filter.states", st, States()); err != nil {
			return paging.Page[Problem]{}, err
		}
	}
	if o.Field == "" {
		o = Order{Field: OrderByCreatedAt, Desc: true}
	}
	if err := validate.Enum("orderBy.field", o.Field, []OrderField{OrderByCreatedAt, OrderByUpdatedAt}); err != nil {
		return paging.Page[Problem]{}, err
	}
	return s.store.ListProblems(ctx, f, o, pr)
}

// KnownErrorFilter selects known errors; zero fields match everything.
type KnownErrorFilter struct {
	// CIID matches the problem's CIs and its root-cause CI.
	CIID      string
	ServiceID string
	// Text matches title, description, root cause and workaround, case
	// insensitively.
	Text string
}

// KnownErrorStates are the states of the known error database: KNOWN_ERROR,
// and RESOLVED while the problem still carries its workaround (the fix may
// not have reached every instance yet, and the workaround still helps);
// a CLOSED problem has left it.
func KnownErrorStates() []State { return []State{KnownError, Resolved} }

// KnownErrors returns one page of the known error database, newest first.
func (s *Service) KnownErrors(ctx context.Context, p auth.Principal, f KnownErrorFilter, pr paging.Request) (paging.Page[Problem], error) {
	if err := forbidden(p, CanRead(p), "reading known errors", "a staff"); err != nil {
		return paging.Page[Problem]{}, err
	}
	if err := validate.Text("filter.text", f.Text, false, MaxTitleLen); err != nil {
		return paging.Page[Problem]{}, err
	}
	f.Text = strings.ToLower(strings.TrimSpace(f.Text))
	return s.store.KnownErrors(ctx, f, pr)
}

// SearchText is what the known error text filter searches: title,
// description, root cause and workaround, lower case.
func SearchText(p Problem) string {
	return strings.ToLower(strings.Join([]string{p.Title, p.Description, p.RootCause, p.Workaround}, "\n"))
}

// History returns the history of each problem, oldest first.
func (s *Service) History(ctx context.Context, p auth.Principal, ids []string) (map[string][]HistoryEntry, error) {
	if !CanRead(p) {
		return map[string][]HistoryEntry{}, nil
	}
	return s.store.History(ctx, ids)
}

// Notes returns the work notes of each problem, oldest first.
func (s *Service) Notes(ctx context.Context, p auth.Principal, ids []string) (map[string][]Note, error) {
	if !CanRead(p) {
		return map[string][]Note{}, nil
	}
	return s.store.Notes(ctx, ids)
}

// LinkedIncidents returns the ids of the incidents linked to each problem
// (the reader's incident rule applies when they are loaded).
func (s *Service) LinkedIncidents(ctx context.Context, p auth.Principal, ids []string) (map[string][]string, error) {
	if !CanRead(p) {
		return map[string][]string{}, nil
	}
	return s.store.LinkedIncidents(ctx, ids)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
