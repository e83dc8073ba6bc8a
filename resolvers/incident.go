package resolvers

import (
	"context"
	"sync"

	"github.com/vikstrous/dataloadgen"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/incident"
)

// incidentLoaders batch what incident fields refer to, and hold the
// reader's Viewer so that it is built once per response.
type incidentLoaders struct {
	incidents      *dataloadgen.Loader[string, incident.Incident]
	history        *dataloadgen.Loader[string, []incident.HistoryEntry]
	escalations    *dataloadgen.Loader[string, []incident.Escalation]
	communications *dataloadgen.Loader[string, []incident.Communication]
	timeline       *dataloadgen.Loader[string, []incident.TimelineEntry]
	causedBy       *dataloadgen.Loader[string, []incident.Incident]

	viewerOnce sync.Once
	viewer     incident.Viewer
	viewerErr  error
}

func incidentLoadersFrom(ctx context.Context) *incidentLoaders {
	return loaderSet(ctx, func(r *Resolver, wait dataloadgen.Option) *incidentLoaders {
		return &incidentLoaders{
			incidents: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []string) (map[string]incident.Incident, error) {
				v, err := r.viewer(ctx)
				if err != nil {
					return nil, err
				}
				return r.IncidentMgmt.GetMany(ctx, v, keys)
			}, wait),
			history:        scopedLoader(r, r.IncidentMgmt.History, wait),
			escalations:    scopedLoader(r, r.IncidentMgmt.Escalations, wait),
			communications: scopedLoader(r, r.IncidentMgmt.Communications, wait),
			timeline:       scopedLoader(r, r.IncidentMgmt.Timeline, wait),
			causedBy:       scopedLoader(r, r.IncidentMgmt.CausedBy, wait),
		}
	})
}

// scopedLoader batches one list of records per incident read in the
// reader's scope; an incident with none gets an empty list.
func scopedLoader[V any](r *Resolver, read func(context.Context, incident.Viewer, []string) (map[string][]V, error), wait dataloadgen.Option) *dataloadgen.Loader[string, []V] {
	return dataloadgen.NewMappedLoader(func(ctx context.Context, keys []string) (map[string][]V, error) {
		v, err := r.viewer(ctx)
		if err != nil {
			return nil, err
		}
		m, err := read(ctx, v, keys)
		return withEmpty(keys, m, err)
	}, wait)
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

// shownPerson is a user id on an incident as the reader may see it
// (incident.ShownPerson): null when hidden.
func shownPerson(ctx context.Context, id string) *string {
	return optional(incident.ShownPerson(*principal(ctx), id))
}

func incidentModel(i incident.Incident) *model.Incident {
	m := &model.Incident{
		ID: i.ID, Number: i.Number, ShortDescription: i.ShortDescription, Description: optional(i.Description), CallerID: i.CallerID,
		Channel: model.IncidentChannel(i.Channel), Category: optional(i.Category),
		Impact: model.IncidentLevel(i.Impact), Urgency: model.IncidentLevel(i.Urgency), Priority: model.Priority(i.Priority),
		State: model.IncidentState(i.State), ResolutionNotes: optional(i.ResolutionNotes),
		Major: i.Major, ProblemIds: nonNil(i.ProblemIDs),
		CausedByChangeID: optional(i.CausedByChange), KnowledgeArticleIds: nonNil(i.KnowledgeIDs), AlertCount: i.AlertCount,
		PreviousIncidentID: optional(i.PreviousIncidentID), OpeningGroupID: optional(i.OpeningGroupID),
		Version: i.Version, CreatedAt: i.CreatedAt, UpdatedAt: i.UpdatedAt,
		RespondedAt: optionalTime(i.RespondedAt), ResolvedAt: optionalTime(i.ResolvedAt), ClosedAt: optionalTime(i.ClosedAt),
		AssignmentGroupID: i.AssignmentGroupID, CIIDs: i.CIIDs, ServiceIDs: i.ServiceIDs,
		ImpactedBusinessServiceIDs: i.ImpactedBusinessServiceIDs, ImpactedBusinessUnitIDs: i.ImpactedBusinessUnitIDs,
		DownServiceIDs: i.DownServiceIDs, DegradedServiceIDs: i.DegradedServiceIDs, Outage: model.IncidentOutage(i.Outage), Domain: i,
	}
	m.HoldReason = enumPtr[model.HoldReason](optional(string(i.HoldReason)))
	m.ResolutionCode = enumPtr[model.ResolutionCode](optional(string(i.ResolutionCode)))
	return m
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

func incidentFilter(f *model.IncidentFilter, o *model.TimeOrder) incident.Filter {
	if f == nil {
		return incident.Filter{Sync: syncOf(nil, nil, o)}
	}
	return incident.Filter{States: enumList[incident.State](f.States), Priorities: enumList[incident.Priority](f.Priorities),
		AssignmentGroupID: deref(f.AssignmentGroupID), AssigneeID: deref(f.AssigneeID), CallerID: deref(f.CallerID),
		CIID: deref(f.ConfigurationItemID), ServiceID: deref(f.ServiceID), Major: f.Major, CausedByChangeID: deref(f.CausedByChangeID),
		Sync: syncOf(f.Created, f.Updated, o)}
}

// incidentPayload wraps the result of an incident write.
func incidentPayload(i incident.Incident, err error) (*model.IncidentPayload, error) {
	if err != nil {
		return nil, err
	}
	return &model.IncidentPayload{Incident: incidentModel(i)}, nil
}

// incidentProcess registers incident management.
func incidentProcess() process {
	return process{
		kinds: []kind{
			// Everyone may ask for an incident; its row scope decides (requesters
			// their own, agents their groups', the unassigned and major ones).
			{prefix: incident.IncidentPrefix, typ: "Incident", readers: everyone(), own: incidentScope,
				fetch: func(r *Resolver, ctx context.Context, id string) (model.Node, error) {
					return r.incidentFor(ctx, id)
				},
				fetchMany: batchOf(func(r *Resolver, ctx context.Context, ids []string) (map[string]incident.Incident, error) {
					return r.scopedIncidents(ctx, ids)
				}, incidentModel)},
		},
		costs: func(_ *Resolver, c *graph.ComplexityRoot) {
			c.Query.Incidents = func(child int, _ *model.IncidentFilter, _ *model.TimeOrder, first *int, _ *string) int {
				return connection(child, first)
			}
		},
	}
}

func historicalOf(in *model.ImportIncidentInput) incident.Historical {
	h := incident.Historical{
		SourceKey: in.SourceKey,
		CreateInput: incident.CreateInput{
			ShortDescription: in.ShortDescription, Description: deref(in.Description), CallerID: in.CallerID,
			Channel: enumPtr[incident.Channel](in.Channel), Category: deref(in.Category), CIIDs: in.ConfigurationItemIds,
			ServiceIDs: in.ServiceIds, Impact: incident.Level(in.Impact), Urgency: incident.Level(in.Urgency),
			AssignmentGroupID: in.AssignmentGroupID, AssigneeID: in.AssigneeID,
		},
		OpenedAt: in.OpenedAt, AcknowledgedAt: in.AcknowledgedAt, ResolvedAt: in.ResolvedAt, ClosedAt: in.ClosedAt,
		ResolutionNotes: deref(in.ResolutionNotes),
	}
	if c := enumPtr[incident.ResolutionCode](in.ResolutionCode); c != nil {
		h.ResolutionCode = *c
	}
	return h
}
