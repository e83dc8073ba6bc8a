package incident

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/patch"
	"github.com/itsm-graph/itsm/validate"
)

// Store persists incidents and their trails. Every method runs in one
// transaction; callbacks run inside it and may run more than once (the
// driver retries transient failures), so they must be pure.
type Store interface {
	// CreateIncident writes inc and rec. With key set, a key seen before
	// writes nothing and returns the incident it created, with created
	// false (CONFLICT when the fingerprint differs). NOT_FOUND for an
	// unknown CI, service, group, assignee or manager.
	CreateIncident(ctx context.Context, inc Incident, rec Records, key *ids.IdempotencyKey) (got Incident, created bool, err error)
	// GetIncidents returns the incidents with these ids, in any order;
	// absent ids are left out.
	GetIncidents(ctx context.Context, ids []string) ([]Incident, error)
	// UpdateIncident locks the incident, passes it to apply and writes the
	// result (when its version changed) and the records apply returns.
	// NOT_FOUND when absent, and as CreateIncident for new references.
	UpdateIncident(ctx context.Context, id string, apply func(Incident) (Incident, *Records, error)) (Incident, error)
	// ListIncidents returns one page of the incidents in scope matching f,
	// newest first.
	ListIncidents(ctx context.Context, scope Scope, f Filter, p paging.Request) (paging.Page[Incident], error)
	// OpenIncidentsOn returns up to limit open incidents in scope that
	// affect any of itemIDs (CIs or services), highest priority first,
	// then newest.
	OpenIncidentsOn(ctx context.Context, scope Scope, itemIDs []string, limit int) ([]Incident, error)
	// ImportIncidents writes the rows in one transaction: each new one
	// with its trail, each whose key was imported before read back instead
	// (created false). CONFLICT for a key imported with other content;
	// NOT_FOUND naming the row for unknown references, writing nothing.
	ImportIncidents(ctx context.Context, rows []ImportRow) ([]Incident, []bool, error)
	// IncidentsCausedBy returns, keyed by change id, the newest limit
	// incidents linked as caused by each change.
	IncidentsCausedBy(ctx context.Context, changeIDs []string, limit int) (map[string][]Incident, error)
	// SucceedIncident writes inc, which follows prev, and moves key from
	// prev to inc, in one transaction, so that later repeats find inc.
	// When key no longer names prev (a concurrent repeat made a successor
	// first) nothing is written and the incident it names is returned with
	// false.
	SucceedIncident(ctx context.Context, prev string, inc Incident, rec Records, key ids.IdempotencyKey) (Incident, bool, error)
	// ResolvedBefore returns up to limit RESOLVED incidents resolved at or
	// before cutoff.
	ResolvedBefore(ctx context.Context, cutoff time.Time, limit int) ([]Incident, error)
	// ClockIncidents returns the incidents that are open or were resolved,
	// closed or cancelled at or after since, with their history.
	ClockIncidents(ctx context.Context, since time.Time) ([]Incident, map[string][]HistoryEntry, error)
	// IncidentsOpened returns the incidents logged in [from, to) that
	// affect or impact any of serviceIDs, with their history.
	IncidentsOpened(ctx context.Context, serviceIDs []string, from, to time.Time) ([]Incident, map[string][]HistoryEntry, error)
	// OutageIncidents returns the incidents that took any of serviceIDs
	// down or degraded it and were logged before to and not resolved
	// before from.
	OutageIncidents(ctx context.Context, serviceIDs []string, from, to time.Time) ([]Incident, error)
	// History, Escalations, Communications and Timeline return the trails
	// of many incidents, oldest first, keyed by incident id. Timeline
	// returns only entries of the given kinds.
	History(ctx context.Context, ids []string) (map[string][]HistoryEntry, error)
	Escalations(ctx context.Context, ids []string) (map[string][]Escalation, error)
	Communications(ctx context.Context, ids []string) (map[string][]Communication, error)
	Timeline(ctx context.Context, ids []string, kinds []EntryKind) (map[string][]TimelineEntry, error)
	// PriorityMatrix returns the stored matrix, nil when none was saved.
	PriorityMatrix(ctx context.Context) (Matrix, error)
	// SavePriorityMatrix replaces the stored matrix.
	SavePriorityMatrix(ctx context.Context, m Matrix, actor string, at time.Time) error
}

// EventKeys are what subscribers follow an incident by: its id and its
// assignment group's id. Every write of an incident (created, changed, or
// given a timeline entry or communication) appends its event to the log in
// the same transaction.
func EventKeys(inc Incident) []string { return []string{inc.ID, inc.AssignmentGroupID} }

// Service applies the incident rules. Its clock and id source are injected
// so that tests control them.
type Service struct {
	store  Store
	impact ImpactAnalyzer
	policy Policy
	now    func() time.Time
	newID  func(prefix string) string
}

// NewService returns a Service. impact may be nil: incidents then carry no
// computed impact (and their CIs and services are only checked to exist).
// BAD_USER_INPUT for an invalid policy.
func NewService(store Store, impact ImpactAnalyzer, policy Policy, now func() time.Time, newID func(prefix string) string) (*Service, error) {
	if err := policy.Validate(); err != nil {
		return nil, err
	}
	return &Service{store: store, impact: impact, policy: policy, now: now, newID: newID}, nil
}

// update runs one UpdateIncident.
func (s *Service) update(ctx context.Context, id string, apply func(Incident) (Incident, *Records, error)) (Incident, error) {
	return s.store.UpdateIncident(ctx, id, apply)
}

// AllowedTransitions lists the states p may move inc to now with
// Transition, in lifecycle order (the reopen window of the policy
// applied).
func (s *Service) AllowedTransitions(p auth.Principal, inc Incident) []State {
	now := s.now().UTC()
	var out []State
	for _, to := range NextStates(inc.State) {
		if checkTransition(p, inc, to, now, s.policy, false) == nil {
			out = append(out, to)
		}
	}
	return out
}

// ID prefixes, which let node(id:) tell kinds apart.
const (
	IncidentPrefix      = "inc"
	HistoryPrefix       = "inch"
	EscalationPrefix    = "ince"
	CommunicationPrefix = "incc"
	TimelinePrefix      = "inct"
)

// SystemActor is the actor recorded for automatic changes.
const SystemActor = "system"

// Viewer is who reads: the principal and the groups they belong to, which
// decide what they may see (ScopeOf).
type Viewer struct {
	Principal auth.Principal
	GroupIDs  []string
}

// Matrix returns the priority matrix in force: the saved one, or the
// default.
func (s *Service) Matrix(ctx context.Context) (Matrix, error) {
	m, err := s.store.PriorityMatrix(ctx)
	if err != nil || m != nil {
		return m, err
	}
	return DefaultMatrix(), nil
}

// SetMatrix replaces the priority matrix. FORBIDDEN without ADMIN;
// BAD_USER_INPUT for an incomplete or invalid matrix. Existing incidents
// keep their priority until their impact or urgency changes.
func (s *Service) SetMatrix(ctx context.Context, p auth.Principal, m Matrix) (Matrix, error) {
	if !p.Has(auth.Admin) {
		return nil, apperr.New(apperr.Forbidden, "changing the priority matrix needs the ADMIN role")
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if err := s.store.SavePriorityMatrix(ctx, m, p.Subject, s.now().UTC()); err != nil {
		return nil, err
	}
	return m, nil
}

// CreateInput describes a new incident. Nil pointers take defaults.
type CreateInput struct {
	ShortDescription  string
	Description       string
	CallerID          *string
	Channel           *Channel
	Category          string
	CIIDs             []string
	ServiceIDs        []string
	Impact            Level
	Urgency           Level
	AssignmentGroupID *string
	AssigneeID        *string
	IdempotencyKey    *string
	// Outage is nil for OutageFromGraph; only agents set it.
	Outage *Outage
}

// Create logs an incident for p. Anyone may log one; a requester logs it
// for themself (CallerID must be empty or their own id) and cannot assign
// it. Its priority comes from the matrix, its impact from the graph, and it
// starts NEW (ASSIGNED when a group is given).
//
// With an idempotency key, a repeat of the same request by the same caller
// returns the first incident and created is false. A monitoring alert
// (channel MONITORING) repeated under its key while the incident is open is
// folded into it: the alert count goes up and a work note records it.
//
// BAD_USER_INPUT names the field at fault; FORBIDDEN when a requester logs
// for someone else or assigns; CONFLICT for a key reused for another
// request; NOT_FOUND for unknown references.
func (s *Service) Create(ctx context.Context, p auth.Principal, in CreateInput) (Incident, bool, error) {
	now := s.now().UTC()
	inc := Incident{
		ID:                s.newID(IncidentPrefix),
		ShortDescription:  in.ShortDescription,
		Description:       in.Description,
		CallerID:          deref(in.CallerID),
		OpenedBy:          p.Subject,
		Channel:           ChannelPortal,
		Category:          in.Category,
		CIIDs:             sortedSet(in.CIIDs),
		ServiceIDs:        sortedSet(in.ServiceIDs),
		Impact:            in.Impact,
		Urgency:           in.Urgency,
		AssignmentGroupID: deref(in.AssignmentGroupID),
		AssigneeID:        deref(in.AssigneeID),
		OpeningGroupID:    deref(in.AssignmentGroupID),
		Outage:            OutageFromGraph,
		State:             New,
		AlertCount:        1,
		Version:           1,
		CreatedAt:         now,
		UpdatedAt:         now,
	}
	if in.Channel != nil {
		inc.Channel = *in.Channel
	}
	patch.Set(&inc.Outage, in.Outage)
	if inc.CallerID == "" {
		inc.CallerID = p.Subject
	}
	if !IsAgent(p) {
		if inc.CallerID != p.Subject {
			return Incident{}, false, apperr.New(apperr.Forbidden, "callerId: you may log incidents only for yourself; leave callerId out")
		}
		if inc.AssignmentGroupID != "" || inc.AssigneeID != "" {
			return Incident{}, false, apperr.New(apperr.Forbidden, "assigning an incident needs the AGENT role; leave assignmentGroupId and assigneeId out")
		}
		if in.Outage != nil {
			return Incident{}, false, apperr.New(apperr.Forbidden, "saying whether an incident is an outage needs the AGENT role; leave outage out")
		}
	}
	if err := validateIncident(inc); err != nil {
		return Incident{}, false, err
	}
	if inc.AssigneeID != "" && inc.AssignmentGroupID == "" {
		return Incident{}, false, apperr.Invalid("assigneeId", "an assignee needs an assignment group; give assignmentGroupId too")
	}
	m, err := s.Matrix(ctx)
	if err != nil {
		return Incident{}, false, err
	}
	inc.Priority = m.Priority(inc.Impact, inc.Urgency)
	var key *ids.IdempotencyKey
	if in.IdempotencyKey != nil {
		if err := validate.Text("idempotencyKey", *in.IdempotencyKey, true, MaxIdemKeyLen); err != nil {
			return Incident{}, false, err
		}
		inc.IdempotencyKey = *in.IdempotencyKey
		key = &ids.IdempotencyKey{Scope: p.Subject + "\x1fcreateIncident", Key: *in.IdempotencyKey}
		if inc.Channel != ChannelMonitoring {
			key.Fingerprint = fingerprint(inc)
		}
	}
	if err := s.computeImpact(ctx, &inc); err != nil {
		return Incident{}, false, err
	}
	rec := Records{History: []HistoryEntry{{ID: s.newID(HistoryPrefix), At: now, Actor: p.Subject, Field: FieldState, To: string(New)}}}
	if inc.AssignmentGroupID != "" {
		inc.State = Assigned
		rec.History = append(rec.History, HistoryEntry{ID: s.newID(HistoryPrefix), At: now, Actor: p.Subject, Field: FieldState, From: string(New), To: string(Assigned), Comment: "assigned when logged", CommentVisibility: CustomerVisible},
			handOver(s.newID(HistoryPrefix), now, p.Subject, "", inc.AssignmentGroupID))
	}
	got, created, err := s.store.CreateIncident(ctx, inc, rec, key)
	if err != nil || created || inc.Channel != ChannelMonitoring {
		return got, created, err
	}
	return s.repeatedAlert(ctx, p, got, inc, rec, *key)
}

// errEnded tells repeatedAlert that the incident an alert repeats has
// ended; it never leaves the package.
var errEnded = errors.New("the incident has ended")

// repeatedAlert places a monitoring alert repeated under the key of prev,
// so that no alert is lost: folded into prev while it is open, reopening it
// while it is RESOLVED within the reopen window, and otherwise (CLOSED,
// CANCELLED, or RESOLVED past the window) as a new incident following it,
// which takes over the key so that later repeats fold into it. alert is
// the incident Create built, with rec its records; created reports whether
// it was written.
func (s *Service) repeatedAlert(ctx context.Context, p auth.Principal, prev, alert Incident, rec Records, key ids.IdempotencyKey) (Incident, bool, error) {
	got, err := s.foldAlert(ctx, p, prev.ID, alert)
	if !errors.Is(err, errEnded) {
		return got, false, err
	}
	alert.PreviousIncidentID = prev.ID
	rec.Timeline = append(rec.Timeline, TimelineEntry{ID: s.newID(TimelinePrefix), At: alert.CreatedAt, Author: p.Subject, Kind: WorkNote,
		Body: fmt.Sprintf("The alert of incident %s came back after it ended (%s): this incident follows it.", prev.ID, got.State)})
	next, created, err := s.store.SucceedIncident(ctx, prev.ID, alert, rec, key)
	if err != nil || created {
		return next, created, err
	}
	// A concurrent repeat made the successor first: the alert joins it.
	got, err = s.foldAlert(ctx, p, next.ID, alert)
	if errors.Is(err, errEnded) {
		return s.repeatedAlert(ctx, p, got, alert, rec, key)
	}
	return got, false, err
}

// foldAlert records a repeated monitoring alert on incident id: while it is
// open, and while it is RESOLVED within the reopen window, which reopens
// it (IN_PROGRESS). errEnded, with the incident, when it has ended.
func (s *Service) foldAlert(ctx context.Context, p auth.Principal, id string, alert Incident) (Incident, error) {
	now := s.now().UTC()
	note := TimelineEntry{ID: s.newID(TimelinePrefix), At: now, Author: p.Subject, Kind: WorkNote,
		Body: "Repeated alert: " + alert.ShortDescription}
	if alert.Description != "" {
		note.Body += "\n\n" + alert.Description
	}
	historyID := s.newID(HistoryPrefix)
	var ended Incident
	got, err := s.update(ctx, id, func(cur Incident) (Incident, *Records, error) {
		rec := &Records{Timeline: []TimelineEntry{note}}
		next := cur
		switch {
		case cur.Open():
			next.Version++
			next.UpdatedAt = now
		case cur.State == Resolved && cur.ResolvedAt != nil && now.Sub(*cur.ResolvedAt) <= s.policy.ReopenWindow:
			var err error
			// No principal: a reopen by an alert makes nobody the assignee.
			if next, err = moved(cur, auth.Principal{}, TransitionInput{To: InProgress}, now); err != nil {
				return Incident{}, nil, err
			}
			rec.History = []HistoryEntry{{ID: historyID, At: now, Actor: p.Subject, Field: FieldState, From: string(Resolved), To: string(InProgress),
				Comment: "reopened: its monitoring alert came back", CommentVisibility: CustomerVisible}}
		default:
			ended = cur
			return Incident{}, nil, errEnded
		}
		next.AlertCount++
		return next, rec, nil
	})
	if errors.Is(err, errEnded) {
		return ended, err
	}
	return got, err
}

// computeImpact sets what the graph says inc impacts: the business
// services and units reached from all its items, and the services its
// failed items (see Outage) take down or degrade. The second analysis runs
// only when the failed items are not all the items.
func (s *Service) computeImpact(ctx context.Context, inc *Incident) error {
	inc.ImpactedBusinessServiceIDs, inc.ImpactedBusinessUnitIDs, inc.DownServiceIDs, inc.DegradedServiceIDs = nil, nil, nil, nil
	items := slices.Concat(inc.CIIDs, inc.ServiceIDs)
	if s.impact == nil || len(items) == 0 {
		return nil
	}
	sum, err := s.impact.Impact(ctx, items)
	if err != nil {
		return err
	}
	inc.ImpactedBusinessServiceIDs = sum.BusinessServiceIDs
	inc.ImpactedBusinessUnitIDs = sum.BusinessUnitIDs
	failed := failedItems(*inc)
	switch {
	case len(failed) == 0:
		return nil
	case len(failed) < len(items):
		if sum, err = s.impact.Impact(ctx, failed); err != nil {
			return err
		}
	}
	inc.DownServiceIDs, inc.DegradedServiceIDs = sum.DownServiceIDs, sum.DegradedServiceIDs
	return nil
}

// failedItems returns the items of inc that its outage setting counts as
// failed.
func failedItems(inc Incident) []string {
	switch inc.Outage {
	case OutageNone:
		return nil
	case OutageDeclared:
		return slices.Concat(inc.CIIDs, inc.ServiceIDs)
	default:
		return slices.Clone(inc.CIIDs)
	}
}

// Get returns one incident the viewer may read; NOT_FOUND when it does not
// exist or is out of the viewer's scope (so ids cannot be probed).
func (s *Service) Get(ctx context.Context, v Viewer, id string) (Incident, error) {
	got, err := s.GetMany(ctx, v, []string{id})
	if err != nil {
		return Incident{}, err
	}
	inc, ok := got[id]
	if !ok {
		return Incident{}, notFound(id)
	}
	return inc, nil
}

// GetMany returns the incidents with these ids that the viewer may read,
// keyed by id.
func (s *Service) GetMany(ctx context.Context, v Viewer, ids []string) (map[string]Incident, error) {
	incs, err := s.store.GetIncidents(ctx, ids)
	if err != nil {
		return nil, err
	}
	scope := ScopeOf(v.Principal, v.GroupIDs)
	out := make(map[string]Incident, len(incs))
	for _, i := range incs {
		if scope.Contains(i) {
			out[i.ID] = i
		}
	}
	return out, nil
}

// Filter selects incidents; zero fields match everything.
type Filter struct {
	States            []State
	Priorities        []Priority
	AssignmentGroupID string
	AssigneeID        string
	CallerID          string
	CIID              string
	ServiceID         string
	Major             *bool
	// CausedByChangeID selects the incidents linked as caused by a change.
	CausedByChangeID string
	// Sync bounds the creation and modification times and orders the
	// list (newest created first by default).
	paging.Sync
}

// List returns one page of the incidents the viewer may read that match f,
// in f's order.
func (s *Service) List(ctx context.Context, v Viewer, f Filter, p paging.Request) (paging.Page[Incident], error) {
	if err := f.Check(); err != nil {
		return paging.Page[Incident]{}, err
	}
	for _, st := range f.States {
		if err := validate.Enum("filter.states", st, States()); err != nil {
			return paging.Page[Incident]{}, err
		}
	}
	for _, pr := range f.Priorities {
		if err := validate.Enum("filter.priorities", pr, priorities()); err != nil {
			return paging.Page[Incident]{}, err
		}
	}
	return s.store.ListIncidents(ctx, ScopeOf(v.Principal, v.GroupIDs), f, p)
}

// MaxOpenOn bounds the incidents OpenOn returns.
const MaxOpenOn = 100

// OpenOn returns the open incidents the viewer may read that affect any of
// itemIDs (highest priority first, then newest), at most MaxOpenOn: those
// already on what an impact analysis reaches.
func (s *Service) OpenOn(ctx context.Context, v Viewer, itemIDs []string) ([]Incident, error) {
	if len(itemIDs) == 0 {
		return nil, nil
	}
	return s.store.OpenIncidentsOn(ctx, ScopeOf(v.Principal, v.GroupIDs), itemIDs, MaxOpenOn)
}

// MaxCausedBy bounds the incidents CausedBy returns per change; the list
// filtered by CausedByChangeID pages through any number.
const MaxCausedBy = 100

// CausedBy returns, keyed by change id, the incidents linked as caused by
// each change that v may read, newest first, at most MaxCausedBy each.
func (s *Service) CausedBy(ctx context.Context, v Viewer, changeIDs []string) (map[string][]Incident, error) {
	got, err := s.store.IncidentsCausedBy(ctx, changeIDs, MaxCausedBy)
	if err != nil {
		return nil, err
	}
	for id, incs := range got {
		got[id] = slices.DeleteFunc(incs, func(inc Incident) bool { return !v.CanRead(inc) })
	}
	return got, nil
}

// History returns the state and priority history of each incident, oldest
// first, as the viewer may read it (HistoryFor).
func (s *Service) History(ctx context.Context, v Viewer, ids []string) (map[string][]HistoryEntry, error) {
	m, err := s.store.History(ctx, ids)
	return readAs(v, m, HistoryFor), err
}

// Escalations returns the reassignment trail of each incident as the
// viewer may read it (EscalationsFor).
func (s *Service) Escalations(ctx context.Context, v Viewer, ids []string) (map[string][]Escalation, error) {
	m, err := s.store.Escalations(ctx, ids)
	return readAs(v, m, EscalationsFor), err
}

// Communications returns the major-incident communications of each
// incident that the viewer may read (CommunicationsFor).
func (s *Service) Communications(ctx context.Context, v Viewer, ids []string) (map[string][]Communication, error) {
	m, err := s.store.Communications(ctx, ids)
	return readAs(v, m, CommunicationsFor), err
}

// Timeline returns the timeline entries of each incident that the viewer
// may see (Visible, TimelineFor): callers get comments only.
func (s *Service) Timeline(ctx context.Context, v Viewer, ids []string) (map[string][]TimelineEntry, error) {
	m, err := s.store.Timeline(ctx, ids, VisibleKinds(v.Principal))
	return readAs(v, m, TimelineFor), err
}

// readAs applies a trail's reading rule to the trails of many incidents.
func readAs[T any](v Viewer, trails map[string][]T, rule func(auth.Principal, []T) []T) map[string][]T {
	for id, trail := range trails {
		trails[id] = rule(v.Principal, trail)
	}
	return trails
}

func checkVersion(cur Incident, expected int) error {
	if cur.Version != expected {
		return apperr.Stale("incident", cur.ID, cur.Version, expected)
	}
	return nil
}

func requireAgent(p auth.Principal, what string) error {
	if !IsAgent(p) {
		return apperr.New(apperr.Forbidden, "%s needs the AGENT role", what)
	}
	return nil
}

// fingerprint identifies a create request by its content, leaving out the
// generated id and times.
func fingerprint(inc Incident) string {
	inc.ID, inc.CreatedAt, inc.UpdatedAt = "", time.Time{}, time.Time{}
	return ids.Fingerprint(inc)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
