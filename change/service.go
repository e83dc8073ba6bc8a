package change

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/impact"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/patch"
	"github.com/itsm-graph/itsm/validate"
)

// Store keeps changes, templates and freeze windows.
type Store interface {
	// CreateChange writes a new change and its first transition; NOT_FOUND
	// for an unknown target, group or template. With a key already used,
	// it returns the change created first.
	CreateChange(ctx context.Context, c Change, first Transition, key *ids.IdempotencyKey) (Change, error)
	// UpdateChange locks the change, passes it to apply and writes what
	// apply returns, with the transitions it made; NOT_FOUND when absent.
	UpdateChange(ctx context.Context, id string, apply func(Change) (Change, []Transition, error)) (Change, error)
	// Changes returns the changes with these ids that exist.
	Changes(ctx context.Context, ids []string) (map[string]Change, error)
	ListChanges(ctx context.Context, f Filter, p paging.Request) (paging.Page[Change], error)
	// ChangesIn returns the changes in the given states whose planned
	// window overlaps w (all states when states is empty), at most limit.
	ChangesIn(ctx context.Context, w Window, states []State, limit int) ([]Change, error)
	// Transitions returns the transitions of each change, oldest first.
	Transitions(ctx context.Context, changeIDs []string) (map[string][]Transition, error)
	// Modifications returns, per change, the CI modifications recorded
	// against it, oldest first.
	Modifications(ctx context.Context, changeIDs []string) (map[string][]cmdb.Modification, error)
	// PastOutcomes counts reviewed changes other than excludeID that
	// targeted any of targetIDs, and those that failed.
	PastOutcomes(ctx context.Context, targetIDs []string, excludeID string) (total, failed int, err error)
	// CausedIncidents returns the ids of the incidents linked as caused by
	// the change, oldest first.
	CausedIncidents(ctx context.Context, changeID string) ([]string, error)
	CreateTemplate(ctx context.Context, t Template) (Template, error)
	Templates(ctx context.Context, ids []string) (map[string]Template, error)
	ListTemplates(ctx context.Context) ([]Template, error)
	CreateFreeze(ctx context.Context, f FreezeWindow) (FreezeWindow, error)
	// DeleteFreeze removes a freeze window; NOT_FOUND when absent.
	DeleteFreeze(ctx context.Context, id string) error
	FreezesIn(ctx context.Context, w Window) ([]FreezeWindow, error)
	Freezes(ctx context.Context, ids []string) (map[string]FreezeWindow, error)
	// Exposure returns the open incidents on any of itemIDs and the SLAs
	// covering any of them that is a service, at most limit of each.
	Exposure(ctx context.Context, itemIDs []string, limit int) (Exposure, error)
	// CheckTargets returns NOT_FOUND naming the first id that is no CI or
	// service.
	CheckTargets(ctx context.Context, ids []string) error
	// CITypes returns the type of each of ids that is a CI.
	CITypes(ctx context.Context, ids []string) (map[string]cmdb.Type, error)
}

// Analyzer is the impact analysis the assessment runs (impact.Analyzer).
type Analyzer interface {
	Impact(ctx context.Context, ids []string, depth *int) (impact.Result, int, error)
}

// EventKeys are what subscribers follow a change by: its id. Every write
// of a change's state or content appends its event to the log in the same
// transaction.
func EventKeys(c Change) []string { return []string{c.ID} }

// Service applies the change management rules.
type Service struct {
	store    Store
	analyzer Analyzer
	policy   Policy
	now      func() time.Time
	newID    func(prefix string) string
}

// NewService returns a Service.
func NewService(store Store, analyzer Analyzer, policy Policy, now func() time.Time, newID func(string) string) *Service {
	return &Service{store: store, analyzer: analyzer, policy: policy, now: now, newID: newID}
}

// Filter selects changes; empty fields match everything.
type Filter struct {
	States      []State
	Types       []Type
	RiskLevels  []Level
	RequesterID string
	TargetID    string
	// Sync bounds the creation and modification times and orders the
	// list (newest created first by default).
	paging.Sync
}

// CreateInput is a new change. A TemplateID makes it a STANDARD change
// whose plans default to the template's.
type CreateInput struct {
	Title              string
	Description        string
	Justification      string
	Type               Type
	TemplateID         string
	TargetIDs          []string
	PlannedStart       *time.Time
	PlannedEnd         *time.Time
	ImplementationPlan string
	BackoutPlan        string
	TestPlan           string
	AssignmentGroupID  string
	IdempotencyKey     *string
}

// Create records a new change in DRAFT.
func (s *Service) Create(ctx context.Context, caller auth.Principal, in CreateInput) (Change, error) {
	now := s.now().UTC()
	c := Change{
		ID: s.newID(Prefix), Title: in.Title, Description: in.Description, Justification: in.Justification,
		Type: in.Type, State: Draft, TargetIDs: dedupe(in.TargetIDs), ImplementationPlan: in.ImplementationPlan,
		BackoutPlan: in.BackoutPlan, TestPlan: in.TestPlan, RequesterID: caller.Subject, AssignmentGroupID: in.AssignmentGroupID,
		TemplateID: in.TemplateID, Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	if in.PlannedStart != nil {
		c.PlannedStart = in.PlannedStart.UTC()
	}
	if in.PlannedEnd != nil {
		c.PlannedEnd = in.PlannedEnd.UTC()
	}
	var tpl *Template
	if in.TemplateID != "" {
		if in.Type != "" && in.Type != Standard {
			return Change{}, apperr.Invalid("type", "a change from a template is STANDARD; leave type out or set STANDARD")
		}
		t, err := s.template(ctx, in.TemplateID)
		if err != nil {
			return Change{}, err
		}
		c.Type = Standard
		tpl = &t
		c.ImplementationPlan = or(c.ImplementationPlan, t.ImplementationPlan)
		c.BackoutPlan = or(c.BackoutPlan, t.BackoutPlan)
		c.TestPlan = or(c.TestPlan, t.TestPlan)
		c.Title = or(c.Title, t.Name)
		c.Description = or(c.Description, t.Description)
	} else if c.Type == Standard {
		return Change{}, apperr.Invalid("templateId", "a STANDARD change is created from a pre-authorised template; give templateId")
	}
	if c.Type == "" {
		c.Type = Normal
	}
	if err := validateChange(c); err != nil {
		return Change{}, err
	}
	if err := s.store.CheckTargets(ctx, c.TargetIDs); err != nil {
		return Change{}, err
	}
	if tpl != nil {
		if err := s.checkScope(ctx, *tpl, c.TargetIDs); err != nil {
			return Change{}, err
		}
	}
	var key *ids.IdempotencyKey
	if in.IdempotencyKey != nil {
		if err := validate.Text("idempotencyKey", *in.IdempotencyKey, true, MaxIdemKeyLen); err != nil {
			return Change{}, err
		}
		key = &ids.IdempotencyKey{Scope: caller.Subject + "\x1fcreateChange", Key: *in.IdempotencyKey, Fingerprint: fingerprint(in)}
	}
	first := Transition{ID: s.newID(TransitionPfx), ChangeID: c.ID, To: Draft, Actor: caller.Subject, At: now, Comment: "created"}
	created, err := s.store.CreateChange(ctx, c, first, key)
	if err != nil {
		return Change{}, err
	}
	return created, nil
}

// UpdateInput changes a change that is not yet authorised; nil fields stay.
type UpdateInput struct {
	ID                 string
	ExpectedVersion    int
	Title              *string
	Description        *string
	Justification      *string
	Type               *Type
	TargetIDs          []string
	PlannedStart       *time.Time
	PlannedEnd         *time.Time
	ImplementationPlan *string
	BackoutPlan        *string
	TestPlan           *string
	AssignmentGroupID  *string
}

// Update edits a DRAFT, SUBMITTED or ASSESSED change. When the targets or
// the window of a submitted change move, its assessment is computed again
// and votes already cast are withdrawn: they approved another plan.
func (s *Service) Update(ctx context.Context, caller auth.Principal, in UpdateInput) (Change, error) {
	cur, err := s.Get(ctx, in.ID)
	if err != nil {
		return Change{}, err
	}
	next := cur
	patch.Set(&next.Title, in.Title)
	patch.Set(&next.Description, in.Description)
	patch.Set(&next.Justification, in.Justification)
	patch.Set(&next.ImplementationPlan, in.ImplementationPlan)
	patch.Set(&next.BackoutPlan, in.BackoutPlan)
	patch.Set(&next.TestPlan, in.TestPlan)
	patch.Set(&next.AssignmentGroupID, in.AssignmentGroupID)
	if in.Type != nil && *in.Type != cur.Type {
		if cur.State != Draft || *in.Type == Standard || cur.Type == Standard {
			return Change{}, apperr.Invalid("type", "the type can change only in DRAFT, between NORMAL and EMERGENCY")
		}
		next.Type = *in.Type
	}
	if in.TargetIDs != nil {
		next.TargetIDs = dedupe(in.TargetIDs)
	}
	if in.PlannedStart != nil {
		next.PlannedStart = in.PlannedStart.UTC()
	}
	if in.PlannedEnd != nil {
		next.PlannedEnd = in.PlannedEnd.UTC()
	}
	if err := validateChange(next); err != nil {
		return Change{}, err
	}
	if in.TargetIDs != nil {
		if err := s.store.CheckTargets(ctx, next.TargetIDs); err != nil {
			return Change{}, err
		}
		if next.Type == Standard {
			if err := s.inTemplateScope(ctx, next); err != nil {
				return Change{}, err
			}
		}
	}
	moved := !slices.Equal(next.TargetIDs, cur.TargetIDs) || !next.PlannedStart.Equal(cur.PlannedStart) || !next.PlannedEnd.Equal(cur.PlannedEnd) || next.Type != cur.Type
	var a *Assessment
	if moved && cur.State != Draft {
		if err := readyToSubmit(next); err != nil {
			return Change{}, err
		}
		if a, err = s.assess(ctx, next); err != nil {
			return Change{}, err
		}
	}
	now := s.now().UTC()
	return s.update(ctx, in.ID, func(c Change) (Change, []Transition, error) {
		if err := checkVersion(c, in.ExpectedVersion); err != nil {
			return Change{}, nil, err
		}
		if !slices.Contains([]State{Draft, Submitted, Assessed}, c.State) {
			hint := "cancel it and raise a new one"
			if c.State == Authorized || c.State == Scheduled {
				hint = "move its window with rescheduleChange"
			}
			return Change{}, nil, apperr.New(apperr.InvalidTransition, "a %s change can no longer be edited; %s", c.State, hint)
		}
		if caller.Subject != c.RequesterID && !caller.Has(auth.ChangeManager) {
			return Change{}, nil, apperr.New(apperr.Forbidden, "only the change's requester or a CHANGE_MANAGER may edit it")
		}
		next.State, next.Approvals = c.State, c.Approvals
		if a != nil {
			next.Assessment = a
			next.Approvals = nil
		}
		next.Version, next.UpdatedAt = c.Version+1, now
		return next, nil, nil
	})
}

// update writes a change through the store.
func (s *Service) update(ctx context.Context, id string, apply func(Change) (Change, []Transition, error)) (Change, error) {
	return s.store.UpdateChange(ctx, id, apply)
}

// Get returns one change; NOT_FOUND when absent.
func (s *Service) Get(ctx context.Context, id string) (Change, error) {
	got, err := s.store.Changes(ctx, []string{id})
	if err != nil {
		return Change{}, err
	}
	c, ok := got[id]
	if !ok {
		return Change{}, apperr.New(apperr.NotFound, "no change has id %q", id)
	}
	return c, nil
}

// GetMany returns the changes with these ids that exist.
func (s *Service) GetMany(ctx context.Context, ids []string) (map[string]Change, error) {
	return s.store.Changes(ctx, ids)
}

// List returns a page of changes, newest first.
func (s *Service) List(ctx context.Context, f Filter, p paging.Request) (paging.Page[Change], error) {
	if err := f.Check(); err != nil {
		return paging.Page[Change]{}, err
	}
	for _, st := range f.States {
		if err := validate.Enum("filter.states", st, States()); err != nil {
			return paging.Page[Change]{}, err
		}
	}
	return s.store.ListChanges(ctx, f, p)
}

// Transitions returns each change's recorded transitions, oldest first.
func (s *Service) Transitions(ctx context.Context, ids []string) (map[string][]Transition, error) {
	return s.store.Transitions(ctx, ids)
}

// Modifications returns the CI modifications made under each change.
func (s *Service) Modifications(ctx context.Context, ids []string) (map[string][]cmdb.Modification, error) {
	return s.store.Modifications(ctx, ids)
}

// Conflicts compares c with the active changes as they are now.
func (s *Service) Conflicts(ctx context.Context, c Change) ([]Conflict, error) {
	if len(c.TargetIDs) == 0 || c.PlannedStart.IsZero() {
		return nil, nil
	}
	res, _, err := s.analyzer.Impact(ctx, c.TargetIDs, nil)
	if err != nil {
		return nil, err
	}
	others, err := s.store.ChangesIn(ctx, c.Window(), activeStates(), maxOverlapping)
	if err != nil {
		return nil, err
	}
	return FindConflicts(c, impactedIDs(res), others), nil
}

// Calendar is what a period holds.
type Calendar struct {
	Changes []Change
	Freezes []FreezeWindow
}

// maxCalendarChanges bounds a calendar answer.
const maxCalendarChanges = 2000

// Calendar returns the changes that are planned, under way or done (not
// drafts, nor those rejected or cancelled, which will never happen) and the
// freeze windows that overlap [from, to).
func (s *Service) Calendar(ctx context.Context, from, to time.Time) (Calendar, error) {
	w := Window{Start: from.UTC(), End: to.UTC()}
	if !w.End.After(w.Start) {
		return Calendar{}, apperr.Invalid("to", "must be after from")
	}
	if w.End.Sub(w.Start) > MaxCalendarLen {
		return Calendar{}, apperr.Invalid("to", "a calendar spans at most %d days", int(MaxCalendarLen.Hours()/24))
	}
	states := slices.DeleteFunc(States(), func(s State) bool { return s == Draft || s == Rejected || s == Cancelled })
	cs, err := s.store.ChangesIn(ctx, w, states, maxCalendarChanges)
	if err != nil {
		return Calendar{}, err
	}
	fs, err := s.store.FreezesIn(ctx, w)
	if err != nil {
		return Calendar{}, err
	}
	return Calendar{Changes: cs, Freezes: fs}, nil
}

// CheckImplementing lets a CI modification be recorded against a change:
// the change must be IMPLEMENTING and the CIs within its scope (its
// targets and what they impact).
func (s *Service) CheckImplementing(ctx context.Context, changeID string, ciIDs []string) error {
	got, err := s.store.Changes(ctx, []string{changeID})
	if err != nil {
		return err
	}
	c, ok := got[changeID]
	if !ok {
		return apperr.New(apperr.NotFound, "changeId: no change has id %q", changeID)
	}
	if c.State != Implementing {
		return apperr.Invalid("changeId", "change %s is %s; CI modifications are recorded against a change only while it is IMPLEMENTING", c.ID, c.State)
	}
	var impacted []string
	if c.Assessment != nil {
		impacted = c.Assessment.ImpactedIDs
	}
	sc := scopeOf(c.TargetIDs, impacted)
	for _, id := range ciIDs {
		if !sc.has(id) {
			return apperr.Invalid("changeId", "CI %s is outside change %s's scope (its targets and the items they impact)", id, c.ID)
		}
	}
	return nil
}

func validateChange(c Change) error {
	for _, f := range []struct {
		name, v string
		max     int
	}{{"description", c.Description, MaxTextLen}, {"justification", c.Justification, MaxTextLen},
		{"implementationPlan", c.ImplementationPlan, MaxTextLen}, {"backoutPlan", c.BackoutPlan, MaxTextLen},
		{"testPlan", c.TestPlan, MaxTextLen}} {
		if err := validate.Text(f.name, f.v, false, f.max); err != nil {
			return err
		}
	}
	if err := validate.Text("title", c.Title, true, MaxTitleLen); err != nil {
		return err
	}
	if err := validate.Enum("type", c.Type, Types()); err != nil {
		return err
	}
	if len(c.TargetIDs) > MaxTargets {
		return apperr.Invalid("targetIds", "at most %d targets (got %d)", MaxTargets, len(c.TargetIDs))
	}
	if !c.PlannedStart.IsZero() && !c.PlannedEnd.IsZero() {
		if !c.PlannedEnd.After(c.PlannedStart) {
			return apperr.Invalid("plannedEnd", "must be after plannedStart")
		}
		if c.PlannedEnd.Sub(c.PlannedStart) > MaxWindow {
			return apperr.Invalid("plannedEnd", "a change window lasts at most %d days", int(MaxWindow.Hours()/24))
		}
	}
	return nil
}

// readyToSubmit lists what a change needs before it can be assessed.
func readyToSubmit(c Change) error {
	switch {
	case len(c.TargetIDs) == 0:
		return apperr.Invalid("targetIds", "name at least one target CI or service before submitting")
	case c.PlannedStart.IsZero() || c.PlannedEnd.IsZero():
		return apperr.Invalid("plannedStart", "set plannedStart and plannedEnd before submitting")
	case c.ImplementationPlan == "":
		return apperr.Invalid("implementationPlan", "write the implementation plan before submitting")
	case c.BackoutPlan == "":
		return apperr.Invalid("backoutPlan", "write the backout plan before submitting")
	}
	return nil
}

func checkVersion(c Change, expected int) error {
	if c.Version != expected {
		return apperr.Stale("change", c.ID, c.Version, expected)
	}
	return nil
}

func describe(req []Requirement) string {
	s := ""
	for i, r := range req {
		if i > 0 {
			s += " and "
		}
		s += strconv.Itoa(r.Count) + " " + string(r.Role)
	}
	return s
}

func fingerprint(in CreateInput) string {
	in.IdempotencyKey = nil
	return ids.Fingerprint(in)
}

func dedupe(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
