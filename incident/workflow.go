package incident

import (
	"context"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/patch"
	"github.com/itsm-graph/itsm/validate"
)

// UpdateInput changes the description, categorisation and affected items of
// an incident; nil fields are left alone.
type UpdateInput struct {
	ID               string
	ExpectedVersion  int
	ShortDescription *string
	Description      *string
	Category         *string
	CIIDs            []string
	ServiceIDs       []string
	// SetCIs and SetServices say that CIIDs and ServiceIDs replace the
	// current lists (an empty list clears them).
	SetCIs      bool
	SetServices bool
	Impact      *Level
	Urgency     *Level
	// Outage replaces the outage setting (recomputes what is out).
	Outage *Outage
}

// Update applies in with optimistic concurrency. A new impact or urgency
// recomputes the priority (recorded in the history, and moving the SLA due
// times); new CIs, services or outage setting recompute the impact (the
// outage change is recorded in the history).
// FORBIDDEN without AGENT; NOT_FOUND for an incident v may not read;
// CONFLICT when ExpectedVersion is stale; INVALID_TRANSITION on a closed or
// cancelled incident; BAD_USER_INPUT and NOT_FOUND as for Create.
func (s *Service) Update(ctx context.Context, v Viewer, in UpdateInput) (Incident, error) {
	p := v.Principal
	if err := requireAgent(p, "updating an incident"); err != nil {
		return Incident{}, err
	}
	m, err := s.Matrix(ctx)
	if err != nil {
		return Incident{}, err
	}
	now := s.now().UTC()
	var impacted *Incident
	if in.SetCIs || in.SetServices || in.Outage != nil {
		// The graph is read before the write transaction; the result only
		// depends on the ids, so it is computed from the input.
		cur, err := s.store.GetIncidents(ctx, []string{in.ID})
		if err != nil {
			return Incident{}, err
		}
		if len(cur) == 0 {
			return Incident{}, notFound(in.ID)
		}
		if err := workable(v, cur[0]); err != nil {
			return Incident{}, err
		}
		probe := cur[0]
		if in.SetCIs {
			probe.CIIDs = sortedSet(in.CIIDs)
		}
		if in.SetServices {
			probe.ServiceIDs = sortedSet(in.ServiceIDs)
		}
		patch.Set(&probe.Outage, in.Outage)
		if err := validateIncident(probe); err != nil {
			return Incident{}, err
		}
		if err := s.computeImpact(ctx, &probe); err != nil {
			return Incident{}, err
		}
		impacted = &probe
	}
	historyID, outageHistoryID := s.newID(HistoryPrefix), s.newID(HistoryPrefix)
	return s.update(ctx, in.ID, func(cur Incident) (Incident, *Records, error) {
		if err := workable(v, cur); err != nil {
			return Incident{}, nil, err
		}
		if err := checkVersion(cur, in.ExpectedVersion); err != nil {
			return Incident{}, nil, err
		}
		if cur.State == Closed || cur.State == Cancelled {
			return Incident{}, nil, apperr.New(apperr.InvalidTransition, "incident %s is %s and can no longer be changed", cur.ID, cur.State)
		}
		next := cur
		patch.Set(&next.ShortDescription, in.ShortDescription)
		patch.Set(&next.Description, in.Description)
		patch.Set(&next.Category, in.Category)
		patch.Set(&next.Impact, in.Impact)
		patch.Set(&next.Urgency, in.Urgency)
		if impacted != nil {
			next.CIIDs, next.ServiceIDs, next.Outage = impacted.CIIDs, impacted.ServiceIDs, impacted.Outage
			next.ImpactedBusinessServiceIDs = impacted.ImpactedBusinessServiceIDs
			next.ImpactedBusinessUnitIDs = impacted.ImpactedBusinessUnitIDs
			next.DownServiceIDs, next.DegradedServiceIDs = impacted.DownServiceIDs, impacted.DegradedServiceIDs
		}
		if err := validateIncident(next); err != nil {
			return Incident{}, nil, err
		}
		next.Priority = m.Priority(next.Impact, next.Urgency)
		rec := &Records{}
		if next.Priority != cur.Priority {
			rec.History = append(rec.History, HistoryEntry{ID: historyID, At: now, Actor: p.Subject, Field: FieldPriority,
				From: string(cur.Priority), To: string(next.Priority),
				Comment: "impact " + string(next.Impact) + ", urgency " + string(next.Urgency), CommentVisibility: CustomerVisible})
		}
		if next.Outage != cur.Outage {
			rec.History = append(rec.History, HistoryEntry{ID: outageHistoryID, At: now, Actor: p.Subject, Field: FieldOutage,
				From: string(cur.Outage), To: string(next.Outage), CommentVisibility: Internal})
		}
		if sameIncident(cur, next) {
			return cur, nil, nil
		}
		next.Version = cur.Version + 1
		next.UpdatedAt = now
		return next, rec, nil
	})
}

func sameIncident(a, b Incident) bool {
	a.UpdatedAt, b.UpdatedAt = time.Time{}, time.Time{}
	return fingerprint(a) == fingerprint(b)
}

// TransitionInput moves an incident to another state.
type TransitionInput struct {
	ID              string
	ExpectedVersion int
	To              State
	Comment         string
	// CommentVisibility is who may read Comment; nil for the default
	// (textVisibility).
	CommentVisibility *Visibility
	// ResolutionCode and ResolutionNotes are required to resolve.
	ResolutionCode  ResolutionCode
	ResolutionNotes string
	// HoldReason is required to put on hold.
	HoldReason HoldReason
}

// Transition moves an incident along the state machine (see transitions
// for who may make which move) and records it in the history.
//
// Moving to ASSIGNED or IN_PROGRESS needs an assignment group (except for a
// reopen); IN_PROGRESS takes the acting agent as assignee when there is
// none. RESOLVED needs a
// resolution code and notes; ON_HOLD a hold reason. The first move by a
// staff member to IN_PROGRESS, ON_HOLD or RESOLVED is the response (see
// acknowledged). A reopen (RESOLVED →
// IN_PROGRESS) is allowed within the policy's window and clears the
// resolution.
//
// NOT_FOUND for an incident v may not read; INVALID_TRANSITION lists the
// allowed next states; FORBIDDEN when v may not make the move; CONFLICT
// when ExpectedVersion is stale; BAD_USER_INPUT for a missing or bad field.
func (s *Service) Transition(ctx context.Context, v Viewer, in TransitionInput) (Incident, error) {
	p := v.Principal
	if err := validate.Enum("to", in.To, States()); err != nil {
		return Incident{}, err
	}
	if err := validate.Text("comment", in.Comment, false, MaxCommentLen); err != nil {
		return Incident{}, err
	}
	visibility, err := textVisibility("commentVisibility", p, in.CommentVisibility)
	if err != nil {
		return Incident{}, err
	}
	switch in.To {
	case Resolved:
		if err := validate.Enum("resolutionCode", in.ResolutionCode, ResolutionCodes()); err != nil {
			return Incident{}, err
		}
		if err := validate.Text("resolutionNotes", in.ResolutionNotes, true, MaxNotesLen); err != nil {
			return Incident{}, err
		}
	case OnHold:
		if err := validate.Enum("holdReason", in.HoldReason, HoldReasons()); err != nil {
			return Incident{}, err
		}
	}
	now := s.now().UTC()
	historyID := s.newID(HistoryPrefix)
	return s.update(ctx, in.ID, func(cur Incident) (Incident, *Records, error) {
		if err := workable(v, cur); err != nil {
			return Incident{}, nil, err
		}
		if err := checkVersion(cur, in.ExpectedVersion); err != nil {
			return Incident{}, nil, err
		}
		if err := checkTransition(p, cur, in.To, now, s.policy, false); err != nil {
			return Incident{}, nil, err
		}
		next, err := moved(cur, p, in, now)
		if err != nil {
			return Incident{}, nil, err
		}
		entry := HistoryEntry{ID: historyID, At: now, Actor: p.Subject, Field: FieldState, From: string(cur.State), To: string(in.To), Comment: in.Comment,
			CommentVisibility: visibility, HoldReason: next.HoldReason}
		return next, &Records{History: []HistoryEntry{entry}}, nil
	})
}

// moved returns cur after the move, with the fields the target state sets.
func moved(cur Incident, p auth.Principal, in TransitionInput, now time.Time) (Incident, error) {
	next := cur
	next.State = in.To
	next.Version = cur.Version + 1
	next.UpdatedAt = now
	next.HoldReason = ""
	switch in.To {
	case Assigned, InProgress:
		// A reopen goes back to whoever had it, or to the triage queue.
		if next.AssignmentGroupID == "" && cur.State != Resolved {
			return Incident{}, apperr.Invalid("assignmentGroupId", "incident %s has no assignment group; reassign it to a group first", cur.ID)
		}
		if in.To == InProgress && next.AssigneeID == "" && IsAgent(p) {
			next.AssigneeID = p.Subject
		}
	case OnHold:
		next.HoldReason = in.HoldReason
	case Resolved:
		next.ResolutionCode, next.ResolutionNotes = in.ResolutionCode, in.ResolutionNotes
		next.ResolvedAt = &now
	case Closed, Cancelled:
		next.ClosedAt = &now
	}
	if cur.State == Resolved && in.To == InProgress {
		next.ResolutionCode, next.ResolutionNotes, next.ResolvedAt = "", "", nil
	}
	if in.To == InProgress || in.To == OnHold || in.To == Resolved {
		acknowledged(&next, p, now)
	}
	return next, nil
}

// acknowledged records the response, when inc has none yet and p is a
// person of the staff (a system move has no principal). The response is a
// human acknowledgement: a staff member taking the incident to work
// (IN_PROGRESS), holding or resolving it, or giving it to a named person.
// Logging it — with a group or not, by a person or by monitoring — and
// routing it to a group's queue do not count: nobody has looked at it yet.
func acknowledged(inc *Incident, p auth.Principal, now time.Time) {
	if inc.RespondedAt == nil && p.Subject != "" && isStaff(p) {
		inc.RespondedAt = &now
	}
}

// ReassignInput passes an incident to another group or assignee.
type ReassignInput struct {
	ID              string
	ExpectedVersion int
	GroupID         string
	// AssigneeID is a member of the group, or empty for the group's queue.
	AssigneeID string
	Reason     string
	// ReasonVisibility is who may read Reason; nil for the default
	// (textVisibility).
	ReasonVisibility *Visibility
}

// Reassign is functional escalation: the incident passes to another group
// (or assignee), and the trail keeps where it came from. A NEW incident, or
// one IN_PROGRESS that changes group, becomes ASSIGNED (recorded in the
// history). FORBIDDEN without AGENT; NOT_FOUND for an incident v may not
// read, and for an unknown group or assignee; INVALID_TRANSITION unless the
// incident is open; CONFLICT when ExpectedVersion is stale.
func (s *Service) Reassign(ctx context.Context, v Viewer, in ReassignInput) (Incident, error) {
	p := v.Principal
	if err := requireAgent(p, "reassigning an incident"); err != nil {
		return Incident{}, err
	}
	for _, c := range []error{
		validate.Text("groupId", in.GroupID, true, MaxIDLen),
		validate.Text("assigneeId", in.AssigneeID, false, MaxIDLen),
		validate.Text("reason", in.Reason, true, MaxCommentLen),
	} {
		if c != nil {
			return Incident{}, c
		}
	}
	visibility, err := textVisibility("reasonVisibility", p, in.ReasonVisibility)
	if err != nil {
		return Incident{}, err
	}
	now := s.now().UTC()
	escID, historyID, handOverID := s.newID(EscalationPrefix), s.newID(HistoryPrefix), s.newID(HistoryPrefix)
	return s.update(ctx, in.ID, func(cur Incident) (Incident, *Records, error) {
		if err := workable(v, cur); err != nil {
			return Incident{}, nil, err
		}
		if err := checkVersion(cur, in.ExpectedVersion); err != nil {
			return Incident{}, nil, err
		}
		if !cur.Open() {
			return Incident{}, nil, apperr.New(apperr.InvalidTransition, "incident %s is %s; only open incidents can be reassigned (reopen it first)", cur.ID, cur.State)
		}
		if cur.AssignmentGroupID == in.GroupID && cur.AssigneeID == in.AssigneeID {
			return Incident{}, nil, apperr.Invalid("groupId", "incident %s is already with this group and assignee", cur.ID)
		}
		next := cur
		next.AssignmentGroupID, next.AssigneeID = in.GroupID, in.AssigneeID
		if next.OpeningGroupID == "" {
			next.OpeningGroupID = in.GroupID
		}
		next.Version = cur.Version + 1
		next.UpdatedAt = now
		rec := &Records{Escalations: []Escalation{{ID: escID, At: now, Actor: p.Subject,
			FromGroupID: cur.AssignmentGroupID, ToGroupID: in.GroupID,
			FromAssigneeID: cur.AssigneeID, ToAssigneeID: in.AssigneeID, Reason: in.Reason, ReasonVisibility: visibility}}}
		if in.AssigneeID != "" {
			acknowledged(&next, p, now)
		}
		if cur.State == New || cur.State == InProgress && cur.AssignmentGroupID != in.GroupID {
			next.State = Assigned
			rec.History = append(rec.History, HistoryEntry{ID: historyID, At: now, Actor: p.Subject, Field: FieldState,
				From: string(cur.State), To: string(Assigned), Comment: in.Reason, CommentVisibility: visibility})
		}
		if cur.AssignmentGroupID != in.GroupID {
			rec.History = append(rec.History, handOver(handOverID, now, p.Subject, cur.AssignmentGroupID, in.GroupID))
		}
		return next, rec, nil
	})
}

// MajorInput declares or stands down a major incident.
type MajorInput struct {
	ID              string
	ExpectedVersion int
	Major           bool
	// ManagerID is the major incident manager, required when Major.
	ManagerID string
	Reason    string
	// ReasonVisibility is who may read Reason; nil for the default
	// (textVisibility).
	ReasonVisibility *Visibility
}

// SetMajor is hierarchical escalation: the incident becomes a major
// incident with its own manager, or stands down. Recorded in the history.
// FORBIDDEN without AGENT; NOT_FOUND for an incident v may not read, and
// for an unknown manager; INVALID_TRANSITION unless open; CONFLICT when
// stale.
func (s *Service) SetMajor(ctx context.Context, v Viewer, in MajorInput) (Incident, error) {
	p := v.Principal
	if err := requireAgent(p, "declaring a major incident"); err != nil {
		return Incident{}, err
	}
	if err := validate.Text("managerId", in.ManagerID, in.Major, MaxIDLen); err != nil {
		return Incident{}, err
	}
	if err := validate.Text("reason", in.Reason, true, MaxCommentLen); err != nil {
		return Incident{}, err
	}
	visibility, err := textVisibility("reasonVisibility", p, in.ReasonVisibility)
	if err != nil {
		return Incident{}, err
	}
	now := s.now().UTC()
	historyID := s.newID(HistoryPrefix)
	return s.update(ctx, in.ID, func(cur Incident) (Incident, *Records, error) {
		if err := workable(v, cur); err != nil {
			return Incident{}, nil, err
		}
		if err := checkVersion(cur, in.ExpectedVersion); err != nil {
			return Incident{}, nil, err
		}
		if !cur.Open() {
			return Incident{}, nil, apperr.New(apperr.InvalidTransition, "incident %s is %s; only open incidents can be escalated", cur.ID, cur.State)
		}
		next := cur
		next.Major = in.Major
		next.MajorManagerID = ""
		if in.Major {
			next.MajorManagerID = in.ManagerID
		}
		if next.Major == cur.Major && next.MajorManagerID == cur.MajorManagerID {
			return cur, nil, nil
		}
		next.Version = cur.Version + 1
		next.UpdatedAt = now
		entry := HistoryEntry{ID: historyID, At: now, Actor: p.Subject, Field: FieldMajor,
			From: majorText(cur), To: majorText(next), Comment: in.Reason, CommentVisibility: visibility}
		return next, &Records{History: []HistoryEntry{entry}}, nil
	})
}

func majorText(i Incident) string {
	if !i.Major {
		return "NO"
	}
	return "YES:" + i.MajorManagerID
}

// LinkInput replaces an incident's links; nil fields are left alone.
type LinkInput struct {
	ID               string
	ExpectedVersion  int
	ProblemIDs       *[]string
	CausedByChangeID *string
	KnowledgeIDs     *[]string
}

// Link sets the related problems, the change that caused the incident and
// the knowledge articles used. FORBIDDEN without AGENT; NOT_FOUND for an
// incident v may not read; CONFLICT when stale.
func (s *Service) Link(ctx context.Context, v Viewer, in LinkInput) (Incident, error) {
	p := v.Principal
	if err := requireAgent(p, "linking an incident"); err != nil {
		return Incident{}, err
	}
	now := s.now().UTC()
	return s.update(ctx, in.ID, func(cur Incident) (Incident, *Records, error) {
		if err := workable(v, cur); err != nil {
			return Incident{}, nil, err
		}
		if err := checkVersion(cur, in.ExpectedVersion); err != nil {
			return Incident{}, nil, err
		}
		next := cur
		if in.ProblemIDs != nil {
			next.ProblemIDs = sortedSet(*in.ProblemIDs)
		}
		if in.KnowledgeIDs != nil {
			next.KnowledgeIDs = sortedSet(*in.KnowledgeIDs)
		}
		patch.Set(&next.CausedByChange, in.CausedByChangeID)
		if err := validateIncident(next); err != nil {
			return Incident{}, nil, err
		}
		if sameIncident(cur, next) {
			return cur, nil, nil
		}
		next.Version = cur.Version + 1
		next.UpdatedAt = now
		return next, nil, nil
	})
}

// AutoClose closes the resolved incidents whose confirmation period has run
// out (at most AutoCloseBatch per call) and returns them. An incident
// changed meanwhile (reopened, closed by hand) is skipped.
func (s *Service) AutoClose(ctx context.Context) ([]Incident, error) {
	now := s.now().UTC()
	due, err := s.store.ResolvedBefore(ctx, now.Add(-s.policy.AutoCloseAfter), AutoCloseBatch)
	if err != nil {
		return nil, err
	}
	var closed []Incident
	for _, d := range DueForAutoClose(due, now, s.policy) {
		historyID := s.newID(HistoryPrefix)
		inc, err := s.update(ctx, d.ID, func(cur Incident) (Incident, *Records, error) {
			if err := checkTransition(auth.Principal{}, cur, Closed, now, s.policy, true); err != nil {
				return Incident{}, nil, err
			}
			if cur.ResolvedAt == nil || cur.ResolvedAt.Add(s.policy.AutoCloseAfter).After(now) {
				return cur, nil, nil
			}
			next, err := moved(cur, auth.Principal{}, TransitionInput{To: Closed}, now)
			entry := HistoryEntry{ID: historyID, At: now, Actor: SystemActor, Field: FieldState, From: string(cur.State), To: string(Closed),
				Comment: "closed automatically: not reopened within " + s.policy.AutoCloseAfter.String() + " of resolution", CommentVisibility: CustomerVisible}
			return next, &Records{History: []HistoryEntry{entry}}, err
		})
		switch {
		case apperr.Is(err, apperr.InvalidTransition), apperr.Is(err, apperr.NotFound):
			continue
		case err != nil:
			return closed, err
		case inc.State == Closed:
			closed = append(closed, inc)
		}
	}
	return closed, nil
}

// handOver records that the incident passed from one group to another.
func handOver(id string, at time.Time, actor, from, to string) HistoryEntry {
	return HistoryEntry{ID: id, At: at, Actor: actor, Field: FieldAssignmentGroup, From: from, To: to, CommentVisibility: Internal}
}
