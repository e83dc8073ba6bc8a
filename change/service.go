package change

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/catalog"
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
}

// Analyzer is the impact analysis the assessment runs (impact.Analyzer).
type Analyzer interface {
	Impact(ctx context.Context, ids []string, depth *int) (impact.Result, int, error)
}

// Notifier hears about every change whose state or content was written.
type Notifier interface {
	ChangeChanged(c Change)
}

// Service applies the change management rules.
type Service struct {
	store    Store
	analyzer Analyzer
	policy   Policy
	now      func() time.Time
	newID    func(prefix string) string
	notify   Notifier
}

// NewService returns a Service; notify may be nil.
func NewService(store Store, analyzer Analyzer, policy Policy, now func() time.Time, newID func(string) string, notify Notifier) *Service {
	return &Service{store: store, analyzer: analyzer, policy: policy, now: now, newID: newID, notify: notify}
}

// Filter selects changes; empty fields match everything.
type Filter struct {
	States      []State
	Types       []Type
	RiskLevels  []Level
	RequesterID string
	TargetID    string
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
	if in.TemplateID != "" {
		if in.Type != "" && in.Type != Standard {
			return Change{}, apperr.Invalid("type", "a change from a template is STANDARD; leave type out or set STANDARD")
		}
		ts, err := s.store.Templates(ctx, []string{in.TemplateID})
		if err != nil {
			return Change{}, err
		}
		t, ok := ts[in.TemplateID]
		if !ok {
			return Change{}, apperr.New(apperr.NotFound, "templateId: no standard change template has id %q", in.TemplateID)
		}
		c.Type = Standard
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
	s.changed(created)
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
			return Change{}, nil, apperr.New(apperr.InvalidTransition, "a %s change can no longer be edited; cancel it and raise a new one", c.State)
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

// TransitionInput asks to move a change to state To.
type TransitionInput struct {
	ID              string
	ExpectedVersion int
	To              State
	Comment         string
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
	var a *Assessment
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
	case Scheduled:
		if err := s.checkFreeze(ctx, cur); err != nil {
			return Change{}, err
		}
	}
	now := s.now().UTC()
	return s.update(ctx, in.ID, func(c Change) (Change, []Transition, error) {
		if err := checkVersion(c, in.ExpectedVersion); err != nil {
			return Change{}, nil, err
		}
		if err := checkStep(c, in.To, byRequest, caller); err != nil {
			return Change{}, nil, err
		}
		trs := []Transition{s.transition(c, in.To, caller.Subject, now, in.Comment)}
		c.State = in.To
		if a != nil {
			c.Assessment, c.Approvals = a, nil
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
// FAILED change. A failed change can only be reviewed as failed.
func (s *Service) Review(ctx context.Context, caller auth.Principal, in ReviewInput) (Change, error) {
	if err := validate.Enum("outcome", in.Outcome, Outcomes()); err != nil {
		return Change{}, err
	}
	if err := validate.Text("notes", in.Notes, true, MaxTextLen); err != nil {
		return Change{}, err
	}
	now := s.now().UTC()
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
		trs := []Transition{s.transition(c, Reviewed, caller.Subject, now, string(in.Outcome))}
		c.State = Reviewed
		c.Review = &Review{Outcome: in.Outcome, Notes: in.Notes, ReviewerID: caller.Subject, At: now}
		c.Version, c.UpdatedAt = c.Version+1, now
		return c, trs, nil
	})
}

func (s *Service) transition(c Change, to State, actor string, at time.Time, comment string) Transition {
	return Transition{ID: s.newID(TransitionPfx), ChangeID: c.ID, From: c.State, To: to, Actor: actor, At: at, Comment: comment}
}

// update writes a change through the store and tells subscribers.
func (s *Service) update(ctx context.Context, id string, apply func(Change) (Change, []Transition, error)) (Change, error) {
	out, err := s.store.UpdateChange(ctx, id, apply)
	if err != nil {
		return Change{}, err
	}
	s.changed(out)
	return out, nil
}

func (s *Service) changed(c Change) {
	if s.notify != nil {
		s.notify.ChangeChanged(c)
	}
}

// assess computes c's assessment from the graph as it is now.
func (s *Service) assess(ctx context.Context, c Change) (*Assessment, error) {
	res, depth, err := s.analyzer.Impact(ctx, c.TargetIDs, nil)
	if err != nil {
		return nil, err
	}
	a := &Assessment{At: s.now().UTC(), Depth: depth, Counts: map[catalog.Kind]int{}}
	for _, it := range append(slices.Clone(res.Roots), res.Impacted...) {
		if it.Distance > 0 {
			a.ImpactedIDs = append(a.ImpactedIDs, it.Node.ID)
			a.Counts[it.Node.Kind]++
			if it.Severity == impact.Down {
				a.Down++
			}
		}
		if svc, ok := it.Node.Item.(catalog.Service); ok && svc.Kind == catalog.KindBusinessService {
			a.BusinessServices = append(a.BusinessServices, ImpactedService{
				ID: svc.ID, Name: svc.Name, Severity: string(it.Severity), Criticality: svc.Criticality, Distance: it.Distance,
			})
		}
	}
	others, err := s.store.ChangesIn(ctx, c.Window(), activeStates(), maxOverlapping)
	if err != nil {
		return nil, err
	}
	a.Conflicts = FindConflicts(c, a.ImpactedIDs, others)
	freezes, err := s.store.FreezesIn(ctx, c.Window())
	if err != nil {
		return nil, err
	}
	for _, f := range ApplicableFreezes(c, a.ImpactedIDs, freezes) {
		a.FreezeWindowIDs = append(a.FreezeWindowIDs, f.ID)
	}
	ex, err := s.store.Exposure(ctx, append(slices.Clone(c.TargetIDs), a.ImpactedIDs...), maxExposure)
	if err != nil {
		return nil, err
	}
	a.OpenIncidents, a.SLAs = ex.OpenIncidents, ex.SLAs
	if a.PastChanges, a.PastFailures, err = s.store.PastOutcomes(ctx, c.TargetIDs, c.ID); err != nil {
		return nil, err
	}
	a.Risk = Score(RiskInput{
		Type: c.Type, Impacted: len(a.ImpactedIDs), BusinessServices: a.BusinessServices,
		Conflicts: len(a.Conflicts), FreezeWindows: len(a.FreezeWindowIDs),
		PastChanges: a.PastChanges, PastFailures: a.PastFailures,
	})
	a.Required = s.policy.Required(c.Type, a.Risk.Level)
	return a, nil
}

// maxOverlapping bounds how many changes one window is compared with;
// maxExposure how many incidents and SLAs an assessment lists.
const (
	maxOverlapping = 1000
	maxExposure    = 100
)

func activeStates() []State {
	return slices.DeleteFunc(States(), func(s State) bool { return !s.Active() })
}

// checkFreeze refuses to schedule a non-emergency change inside a freeze
// window that covers it.
func (s *Service) checkFreeze(ctx context.Context, c Change) error {
	if c.Type == Emergency {
		return nil
	}
	res, _, err := s.analyzer.Impact(ctx, c.TargetIDs, nil)
	if err != nil {
		return err
	}
	freezes, err := s.store.FreezesIn(ctx, c.Window())
	if err != nil {
		return err
	}
	if hit := ApplicableFreezes(c, impactedIDs(res), freezes); len(hit) > 0 {
		f := hit[0]
		return apperr.New(apperr.Conflict, "the window overlaps freeze window %q (%s to %s) that covers this change; move the window or raise an EMERGENCY change",
			f.Name, f.Start.Format(time.RFC3339), f.End.Format(time.RFC3339))
	}
	return nil
}

func impactedIDs(res impact.Result) []string {
	out := make([]string, 0, len(res.Impacted))
	for _, it := range res.Impacted {
		out = append(out, it.Node.ID)
	}
	return out
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

// Calendar returns the submitted (not drafted) changes and the freeze
// windows that overlap [from, to).
func (s *Service) Calendar(ctx context.Context, from, to time.Time) (Calendar, error) {
	w := Window{Start: from.UTC(), End: to.UTC()}
	if !w.End.After(w.Start) {
		return Calendar{}, apperr.Invalid("to", "must be after from")
	}
	if w.End.Sub(w.Start) > MaxCalendarLen {
		return Calendar{}, apperr.Invalid("to", "a calendar spans at most %d days", int(MaxCalendarLen.Hours()/24))
	}
	states := slices.DeleteFunc(States(), func(s State) bool { return s == Draft })
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

// CreateTemplateInput is a standard change template to create.
type CreateTemplateInput struct {
	Name               string
	Description        string
	ImplementationPlan string
	BackoutPlan        string
	TestPlan           string
}

// CreateTemplate records a pre-authorised standard change template.
func (s *Service) CreateTemplate(ctx context.Context, caller auth.Principal, in CreateTemplateInput) (Template, error) {
	t := Template{ID: s.newID(TemplatePrefix), Name: in.Name, Description: in.Description, ImplementationPlan: in.ImplementationPlan,
		BackoutPlan: in.BackoutPlan, TestPlan: in.TestPlan, CreatedBy: caller.Subject, CreatedAt: s.now().UTC()}
	for _, f := range []struct {
		name, v  string
		required bool
		max      int
	}{{"name", t.Name, true, MaxTitleLen}, {"description", t.Description, false, MaxTextLen},
		{"implementationPlan", t.ImplementationPlan, true, MaxTextLen}, {"backoutPlan", t.BackoutPlan, true, MaxTextLen},
		{"testPlan", t.TestPlan, false, MaxTextLen}} {
		if err := validate.Text(f.name, f.v, f.required, f.max); err != nil {
			return Template{}, err
		}
	}
	return s.store.CreateTemplate(ctx, t)
}

// Templates returns the templates with these ids that exist.
func (s *Service) Templates(ctx context.Context, ids []string) (map[string]Template, error) {
	return s.store.Templates(ctx, ids)
}

// ListTemplates returns every template by name.
func (s *Service) ListTemplates(ctx context.Context) ([]Template, error) {
	return s.store.ListTemplates(ctx)
}

// CreateFreezeInput is a freeze window to create.
type CreateFreezeInput struct {
	Name       string
	Reason     string
	Start, End time.Time
	ServiceIDs []string
}

// CreateFreeze records a freeze window, global when ServiceIDs is empty.
func (s *Service) CreateFreeze(ctx context.Context, caller auth.Principal, in CreateFreezeInput) (FreezeWindow, error) {
	f := FreezeWindow{ID: s.newID(FreezePrefix), Name: in.Name, Reason: in.Reason, Start: in.Start.UTC(), End: in.End.UTC(),
		ServiceIDs: dedupe(in.ServiceIDs), CreatedBy: caller.Subject, CreatedAt: s.now().UTC()}
	if err := validate.Text("name", f.Name, true, MaxTitleLen); err != nil {
		return FreezeWindow{}, err
	}
	if err := validate.Text("reason", f.Reason, false, MaxCommentLen); err != nil {
		return FreezeWindow{}, err
	}
	if !f.End.After(f.Start) {
		return FreezeWindow{}, apperr.Invalid("end", "must be after start")
	}
	if f.End.Sub(f.Start) > MaxCalendarLen {
		return FreezeWindow{}, apperr.Invalid("end", "a freeze window lasts at most %d days", int(MaxCalendarLen.Hours()/24))
	}
	if len(f.ServiceIDs) > MaxTargets {
		return FreezeWindow{}, apperr.Invalid("serviceIds", "at most %d services (got %d)", MaxTargets, len(f.ServiceIDs))
	}
	return s.store.CreateFreeze(ctx, f)
}

// DeleteFreezeInput names the freeze window to remove.
type DeleteFreezeInput struct {
	ID string
}

// DeleteFreeze removes a freeze window.
func (s *Service) DeleteFreeze(ctx context.Context, caller auth.Principal, in DeleteFreezeInput) error {
	return s.store.DeleteFreeze(ctx, in.ID)
}

// Freezes returns the freeze windows with these ids that exist.
func (s *Service) Freezes(ctx context.Context, ids []string) (map[string]FreezeWindow, error) {
	return s.store.Freezes(ctx, ids)
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
