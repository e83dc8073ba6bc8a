package resolvers

import (
	"context"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/sla"
)

// incidentLoaders batch what incident and SLA fields refer to, and hold the
// reader's Viewer so that it is built once per response.
type incidentLoaders struct {
	incidents      *dataloadgen.Loader[string, incident.Incident]
	history        *dataloadgen.Loader[string, []incident.HistoryEntry]
	escalations    *dataloadgen.Loader[string, []incident.Escalation]
	communications *dataloadgen.Loader[string, []incident.Communication]
	timeline       *dataloadgen.Loader[string, []incident.TimelineEntry]
	clocks         *dataloadgen.Loader[string, []sla.TicketClocks]
	slas           *dataloadgen.Loader[string, sla.SLA]

	viewerOnce sync.Once
	viewer     incident.Viewer
	viewerErr  error
}

type incidentLoadersKey struct{}

func (r *Resolver) withIncidentLoaders(ctx context.Context) context.Context {
	wait := dataloadgen.WithWait(r.LoaderWait)
	l := &incidentLoaders{}
	l.incidents = dataloadgen.NewMappedLoader(func(ctx context.Context, keys []string) (map[string]incident.Incident, error) {
		v, err := r.viewer(ctx)
		if err != nil {
			return nil, err
		}
		return r.IncidentMgmt.GetMany(ctx, v, keys)
	}, wait)
	l.history = dataloadgen.NewMappedLoader(func(ctx context.Context, keys []string) (map[string][]incident.HistoryEntry, error) {
		v, err := r.viewer(ctx)
		if err != nil {
			return nil, err
		}
		m, err := r.IncidentMgmt.History(ctx, v, keys)
		return withEmpty(keys, m, err)
	}, wait)
	l.escalations = dataloadgen.NewMappedLoader(func(ctx context.Context, keys []string) (map[string][]incident.Escalation, error) {
		v, err := r.viewer(ctx)
		if err != nil {
			return nil, err
		}
		m, err := r.IncidentMgmt.Escalations(ctx, v, keys)
		return withEmpty(keys, m, err)
	}, wait)
	l.communications = dataloadgen.NewMappedLoader(func(ctx context.Context, keys []string) (map[string][]incident.Communication, error) {
		v, err := r.viewer(ctx)
		if err != nil {
			return nil, err
		}
		m, err := r.IncidentMgmt.Communications(ctx, v, keys)
		return withEmpty(keys, m, err)
	}, wait)
	l.timeline = dataloadgen.NewMappedLoader(func(ctx context.Context, keys []string) (map[string][]incident.TimelineEntry, error) {
		v, err := r.viewer(ctx)
		if err != nil {
			return nil, err
		}
		m, err := r.IncidentMgmt.Timeline(ctx, v, keys)
		return withEmpty(keys, m, err)
	}, wait)
	l.clocks = dataloadgen.NewMappedLoader(r.clocksOf, wait)
	l.slas = dataloadgen.NewMappedLoader(r.SLAMgmt.GetMany, wait)
	return context.WithValue(ctx, incidentLoadersKey{}, l)
}

func incidentLoadersFrom(ctx context.Context) *incidentLoaders {
	l, _ := ctx.Value(incidentLoadersKey{}).(*incidentLoaders)
	return l
}

// viewer returns the reader as the incident rules see them: the principal
// and the groups they belong to. It is read once per response (per
// subscription when there are no loaders).
func (r *Resolver) viewer(ctx context.Context) (incident.Viewer, error) {
	l := incidentLoadersFrom(ctx)
	if l == nil {
		return r.readViewer(ctx)
	}
	l.viewerOnce.Do(func() { l.viewer, l.viewerErr = r.readViewer(ctx) })
	return l.viewer, l.viewerErr
}

func (r *Resolver) readViewer(ctx context.Context) (incident.Viewer, error) {
	return r.viewerOf(ctx, *principal(ctx))
}

// viewerOf returns p with the groups p belongs to.
func (r *Resolver) viewerOf(ctx context.Context, p auth.Principal) (incident.Viewer, error) {
	v := incident.Viewer{Principal: p}
	if p.Subject == "" {
		return v, nil
	}
	groups, err := r.People.GroupsOf(ctx, []string{p.Subject})
	if err != nil {
		return incident.Viewer{}, err
	}
	for _, g := range groups[p.Subject] {
		v.GroupIDs = append(v.GroupIDs, g.ID)
	}
	return v, nil
}

// incidentFor reads one incident in the reader's scope; NOT_FOUND when it
// is absent or out of reach.
func (r *Resolver) incidentFor(ctx context.Context, id string) (*model.Incident, error) {
	v, err := r.viewer(ctx)
	if err != nil {
		return nil, err
	}
	inc, err := r.IncidentMgmt.Get(ctx, v, id)
	if err != nil {
		return nil, err
	}
	return incidentModel(inc), nil
}

// clocksOf computes the SLA clocks of a batch of incidents: the incidents
// (in the reader's scope), their history and the covering SLAs are three
// reads whatever the batch size.
func (r *Resolver) clocksOf(ctx context.Context, keys []string) (map[string][]sla.TicketClocks, error) {
	v, err := r.viewer(ctx)
	if err != nil {
		return nil, err
	}
	incs, err := r.IncidentMgmt.GetMany(ctx, v, keys)
	if err != nil {
		return nil, err
	}
	// The reader's history suffices: it keeps state and priority changes
	// whole, which is all a ticket's clocks read.
	history, err := r.IncidentMgmt.History(ctx, v, keys)
	if err != nil {
		return nil, err
	}
	ts := make([]sla.Ticket, 0, len(incs))
	for _, id := range keys {
		if inc, ok := incs[id]; ok {
			ts = append(ts, incident.Ticket(inc, history[id]))
		}
	}
	m, err := r.SLAMgmt.ClocksOf(ctx, ts)
	return withEmpty(keys, m, err)
}

// itemsOf loads the items with these ids that the reader may see and that
// are of model type T, in the order of ids: a requester reading their
// incident sees its business services, not the CIs or units behind it.
func itemsOf[T model.GraphItem](ctx context.Context, itemIDs []string) ([]T, error) {
	keep, err := mayReadIDs(ctx, itemIDs)
	if err != nil {
		return nil, err
	}
	items, err := loadItems(ctx, keep)
	if err != nil {
		return nil, err
	}
	out := []T{}
	for _, it := range items {
		if v, ok := it.(T); ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// shownPerson is a user id on an incident as the reader may see it
// (incident.ShownPerson): null when hidden.
func shownPerson(ctx context.Context, id string) *string {
	return optional(incident.ShownPerson(*principal(ctx), id))
}

// readableUser loads a user the reader may see; null otherwise, or when
// the subject is no local user (a service account or an outside identity).
func readableUser(ctx context.Context, id string) (*model.User, error) {
	if id == "" || !mayRead(ctx, id) {
		return nil, nil
	}
	u, err := changeLoadersFrom(ctx).users.Load(ctx, id)
	if err != nil {
		return nil, notFoundAsNull(err)
	}
	return userModel(u), nil
}

// readableGroup loads a group the reader may see; null otherwise.
func readableGroup(ctx context.Context, id string) (*model.Group, error) {
	if id == "" || !mayRead(ctx, id) {
		return nil, nil
	}
	g, err := loadersFrom(ctx).groups.Load(ctx, id)
	if err != nil {
		return nil, notFoundAsNull(err)
	}
	return groupModel(g), nil
}

// loadSLA loads an SLA for a reference field; null when it disappeared.
func loadSLA(ctx context.Context, id string) (*model.SLA, error) {
	a, err := incidentLoadersFrom(ctx).slas.Load(ctx, id)
	if err != nil {
		return nil, notFoundAsNull(err)
	}
	return slaModel(a), nil
}

func incidentModel(i incident.Incident) *model.Incident {
	m := &model.Incident{
		ID: i.ID, ShortDescription: i.ShortDescription, Description: optional(i.Description), CallerID: i.CallerID,
		Channel: model.IncidentChannel(i.Channel), Category: optional(i.Category),
		Impact: model.IncidentLevel(i.Impact), Urgency: model.IncidentLevel(i.Urgency), Priority: model.Priority(i.Priority),
		State: model.IncidentState(i.State), ResolutionNotes: optional(i.ResolutionNotes),
		Major: i.Major, ProblemIds: nonNil(i.ProblemIDs),
		CausedByChangeID: optional(i.CausedByChange), KnowledgeArticleIds: nonNil(i.KnowledgeIDs), AlertCount: i.AlertCount,
		Version: i.Version, CreatedAt: i.CreatedAt, UpdatedAt: i.UpdatedAt,
		RespondedAt: optionalTime(i.RespondedAt), ResolvedAt: optionalTime(i.ResolvedAt), ClosedAt: optionalTime(i.ClosedAt),
		AssignmentGroupID: i.AssignmentGroupID, CIIDs: i.CIIDs, ServiceIDs: i.ServiceIDs,
		ImpactedBusinessServiceIDs: i.ImpactedBusinessServiceIDs, ImpactedBusinessUnitIDs: i.ImpactedBusinessUnitIDs,
		DownServiceIDs: i.DownServiceIDs, Domain: i,
	}
	m.HoldReason = enumPtr[model.HoldReason](optional(string(i.HoldReason)))
	m.ResolutionCode = enumPtr[model.ResolutionCode](optional(string(i.ResolutionCode)))
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// slicePtr tells an absent list (leave alone) from a given one (replace).
func slicePtr(s []string) *[]string {
	if s == nil {
		return nil
	}
	return &s
}

func incidentHistoryModel(h incident.HistoryEntry) *model.IncidentHistoryEntry {
	return &model.IncidentHistoryEntry{Field: model.IncidentHistoryField(h.Field), From: optional(h.From), To: h.To,
		Actor: optional(h.Actor), At: h.At, Comment: optional(h.Comment), CommentVisibility: model.TextVisibility(h.CommentVisibility)}
}

func escalationModel(e incident.Escalation) *model.IncidentEscalation {
	return &model.IncidentEscalation{FromGroupID: e.FromGroupID, ToGroupID: e.ToGroupID, FromAssigneeID: optional(e.FromAssigneeID),
		ToAssigneeID: optional(e.ToAssigneeID), Actor: optional(e.Actor), At: e.At, Reason: optional(e.Reason),
		ReasonVisibility: model.TextVisibility(e.ReasonVisibility)}
}

func communicationModel(c incident.Communication) *model.IncidentCommunication {
	return &model.IncidentCommunication{Audience: c.Audience, Channel: c.Channel, Message: c.Message, Actor: optional(c.Actor), At: c.At,
		Visibility: model.TextVisibility(c.Visibility)}
}

func entryModel(e incident.TimelineEntry) *model.IncidentEntry {
	return &model.IncidentEntry{Kind: model.IncidentEntryKind(e.Kind), Body: e.Body, Author: optional(e.Author), At: e.At}
}

func matrixModel(m incident.Matrix) []*model.PriorityMatrixCell {
	return mapSlice(m, func(c incident.MatrixCell) *model.PriorityMatrixCell {
		return &model.PriorityMatrixCell{Impact: model.IncidentLevel(c.Impact), Urgency: model.IncidentLevel(c.Urgency), Priority: model.Priority(c.Priority)}
	})
}

func clockModels(tc sla.TicketClocks) []*model.SLAClock {
	a := slaModel(tc.SLA)
	return mapSlice(tc.Clocks, func(c sla.Clock) *model.SLAClock {
		return &model.SLAClock{SLA: a, Metric: model.SLAMetric(c.Metric), Priority: model.Priority(c.Priority),
			TargetMinutes: int(c.Target / time.Minute), ElapsedSeconds: int(c.Elapsed / time.Second),
			DueAt: optionalTime(c.Due), WarnAt: optionalTime(c.WarnAt), StoppedAt: optionalTime(c.StoppedAt),
			Status: model.SLAClockStatus(c.Status), Warning: c.Warning, Breached: c.Breached()}
	})
}

func slaModel(a sla.SLA) *model.SLA {
	return &model.SLA{
		ID: a.ID, Name: a.Name, Description: optional(a.Description), CustomerID: a.CustomerID, ServiceIDs: a.ServiceIDs,
		Targets: mapSlice(a.Targets, func(t sla.Target) *model.SLATarget {
			return &model.SLATarget{Priority: model.Priority(t.Priority), ResponseMinutes: int(t.Response / time.Minute), ResolutionMinutes: int(t.Resolution / time.Minute)}
		}),
		Availability: a.Availability, Schedule: scheduleModel(a.Schedule), WarningThreshold: a.WarningThreshold,
		ReviewPeriod: model.ReviewPeriod(a.ReviewPeriod), ReviewStart: a.ReviewStart, Version: a.Version,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
}

func scheduleModel(s sla.Schedule) *model.SLASchedule {
	return &model.SLASchedule{Kind: model.ScheduleKind(s.Kind), TimeZone: optional(s.TimeZone),
		Weekdays: mapSlice(s.Weekdays, weekdayModel), StartMinute: s.StartMinute, EndMinute: s.EndMinute, Holidays: nonNil(s.Holidays)}
}

// weekdayModel and weekdayOf map between the schema's Monday-first enum
// and Go's Sunday-first numbering.
func weekdayModel(d time.Weekday) model.Weekday { return model.AllWeekday[(int(d)+6)%7] }

func weekdayOf(d model.Weekday) time.Weekday {
	for i, w := range model.AllWeekday {
		if w == d {
			return time.Weekday((i + 1) % 7)
		}
	}
	return -1 // refused by Schedule.Validate
}

// minutes converts a whole number of minutes, saturating so that absurd
// input reaches the domain's range checks instead of overflowing.
func minutes(n int) time.Duration {
	const most = int(sla.MaxTarget/time.Minute) + 1
	return time.Duration(min(max(n, -1), most)) * time.Minute
}

func slaTerms(in *model.SLATermsInput) sla.Terms {
	t := sla.Terms{
		Name: in.Name, Description: deref(in.Description), CustomerID: in.CustomerID, ServiceIDs: in.ServiceIds,
		Targets: mapSlice(in.Targets, func(t *model.SLATargetInput) sla.Target {
			return sla.Target{Priority: sla.Priority(t.Priority), Response: minutes(t.ResponseMinutes), Resolution: minutes(t.ResolutionMinutes)}
		}),
		Availability: in.Availability, WarningThreshold: in.WarningThreshold, ReviewPeriod: sla.ReviewPeriod(in.ReviewPeriod), ReviewStart: in.ReviewStart,
	}
	if s := in.Schedule; s != nil {
		t.Schedule = sla.Schedule{Kind: sla.ScheduleKind(s.Kind), TimeZone: deref(s.TimeZone), Weekdays: mapSlice(s.Weekdays, weekdayOf), Holidays: s.Holidays}
		if s.StartMinute != nil {
			t.Schedule.StartMinute = *s.StartMinute
		}
		if s.EndMinute != nil {
			t.Schedule.EndMinute = *s.EndMinute
		}
	}
	return t
}

func reviewModel(r sla.Review) *model.SLAReview {
	return &model.SLAReview{ID: r.ID, SLAID: r.SLAID, Date: r.Date, Attendees: r.Attendees, Notes: optional(r.Notes),
		Actions: mapSlice(r.Actions, func(a sla.ReviewAction) *model.SLAReviewAction {
			return &model.SLAReviewAction{Description: a.Description, OwnerID: optional(a.OwnerID), Due: optionalTime(a.Due)}
		}),
		RecordedBy: r.RecordedBy, RecordedAt: r.RecordedAt}
}

func slaEventModel(e sla.Event) *model.SLAEvent {
	return &model.SLAEvent{ID: e.ID, SLAID: e.SLAID, TicketID: e.TicketID, Metric: model.SLAMetric(e.Metric),
		Kind: model.SLAEventKind(e.Kind), Priority: model.Priority(e.Priority), At: e.At, RecordedAt: e.RecordedAt}
}

func incidentFilter(f *model.IncidentFilter) incident.Filter {
	if f == nil {
		return incident.Filter{}
	}
	return incident.Filter{States: enumList[incident.State](f.States), Priorities: enumList[incident.Priority](f.Priorities),
		AssignmentGroupID: deref(f.AssignmentGroupID), AssigneeID: deref(f.AssigneeID), CallerID: deref(f.CallerID),
		CIID: deref(f.ConfigurationItemID), ServiceID: deref(f.ServiceID), Major: f.Major}
}

// incidentPayload wraps the result of an incident write.
func incidentPayload(i incident.Incident, err error) (*model.IncidentPayload, error) {
	if err != nil {
		return nil, err
	}
	return &model.IncidentPayload{Incident: incidentModel(i)}, nil
}

// followIncidents forwards the written incidents the subscriber may read
// (the visibility rules, with s) and the subscription asked for, until ctx
// ends.
func followIncidents(ctx context.Context, s *seer, in <-chan incident.Incident, id, groupID string) <-chan *model.Incident {
	return stream(ctx, s, in, func(inc incident.Incident) bool {
		return (id == "" || inc.ID == id) && (groupID == "" || inc.AssignmentGroupID == groupID)
	}, incidentModel)
}
