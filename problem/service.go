package problem

import (
	"context"
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

// EventKeys are what subscribers follow a problem by: its id and its
// assignment group's id. Every write of a problem appends its event to the
// log in the same transaction, with those of the incidents it wrote.
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
}

// NewService returns a Service.
func NewService(store Store, incidents *incident.Service, now func() time.Time, newID func(prefix string) string) *Service {
	return &Service{store: store, incidents: incidents, now: now, newID: newID}
}

// update runs one UpdateProblem.
func (s *Service) update(ctx context.Context, id string, reads Reads, apply func(Problem, World) (Write, error)) (Problem, error) {
	return s.store.UpdateProblem(ctx, id, reads, apply)
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
	return s.store.CreateProblem(ctx, prob, rec, key, incidentIDs, func(w World) ([]IncidentWrite, error) {
		return linked(v, prob.ID, incidentIDs, w, now)
	})
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

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
