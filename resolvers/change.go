package resolvers

import (
	"cmp"
	"context"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/graph/model"
)

// changeLoaders batch what change fields refer to.
type changeLoaders struct {
	changes     *dataloadgen.Loader[string, change.Change]
	transitions *dataloadgen.Loader[string, []change.Transition]
	mods        *dataloadgen.Loader[string, []cmdb.Modification]
	templates   *dataloadgen.Loader[string, change.Template]
	freezes     *dataloadgen.Loader[string, change.FreezeWindow]
}

func changeLoadersFrom(ctx context.Context) *changeLoaders {
	return loaderSet(ctx, func(r *Resolver, wait dataloadgen.Option) *changeLoaders {
		return &changeLoaders{
			changes: dataloadgen.NewMappedLoader(r.ChangeMgmt.GetMany, wait),
			transitions: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []string) (map[string][]change.Transition, error) {
				m, err := r.ChangeMgmt.Transitions(ctx, keys)
				return withEmpty(keys, m, err)
			}, wait),
			mods: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []string) (map[string][]cmdb.Modification, error) {
				m, err := r.ChangeMgmt.Modifications(ctx, keys)
				return withEmpty(keys, m, err)
			}, wait),
			templates: dataloadgen.NewMappedLoader(r.ChangeMgmt.Templates, wait),
			freezes:   dataloadgen.NewMappedLoader(r.ChangeMgmt.Freezes, wait),
		}
	})
}

// readableChange is the change id names, when the caller may read it and it
// exists; null otherwise.
func readableChange(ctx context.Context, id string) (*model.Change, error) {
	if id == "" || !mayRead(ctx, id) {
		return nil, nil
	}
	c, err := changeLoadersFrom(ctx).changes.Load(ctx, id)
	if err != nil {
		return nil, notFoundAsNull(err)
	}
	return changeModel(c), nil
}

func changeModel(c change.Change) *model.Change {
	m := &model.Change{
		ID: c.ID, Number: c.Number, Title: c.Title, Description: optional(c.Description), Justification: optional(c.Justification),
		Type: model.ChangeType(c.Type), State: model.ChangeState(c.State),
		ImplementationPlan: optional(c.ImplementationPlan), BackoutPlan: optional(c.BackoutPlan), TestPlan: optional(c.TestPlan),
		RequesterID: c.RequesterID, Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		TargetIDs: c.TargetIDs, AssignmentGroupID: c.AssignmentGroupID, TemplateID: c.TemplateID, Domain: c,
		RequiredApprovals: []*model.ApprovalRequirement{}, Approvals: make([]*model.ChangeApproval, len(c.Approvals)),
	}
	m.PlannedStart, m.PlannedEnd = timePtr(c.PlannedStart), timePtr(c.PlannedEnd)
	for i, a := range c.Approvals {
		m.Approvals[i] = &model.ChangeApproval{ApproverID: a.ApproverID, Roles: enumList[model.Role](a.Roles),
			Decision: model.ApprovalDecision(a.Decision), Comment: optional(a.Comment), At: a.At}
	}
	if a := c.Assessment; a != nil {
		m.Assessment = assessmentModel(*a)
		m.Risk = m.Assessment.Risk
		m.RequiredApprovals = m.Assessment.RequiredApprovals
	}
	if rv := c.Review; rv != nil {
		m.Review = &model.ChangeReview{Outcome: model.ChangeOutcome(rv.Outcome), Notes: rv.Notes, ReviewerID: rv.ReviewerID, At: rv.At,
			CausedIncidentIds: nonNil(rv.CausedIncidentIDs)}
	}
	if x := c.WindowException; x != nil {
		m.WindowException = &model.ChangeWindowException{Reason: x.Reason, ActorID: x.ActorID, At: x.At}
	}
	return m
}

func assessmentModel(a change.Assessment) *model.ChangeAssessment {
	m := &model.ChangeAssessment{
		AssessedAt: a.At, MaxDepth: a.Depth, ImpactedCount: len(a.ImpactedIDs), DownCount: a.Down,
		ConfigurationItems: a.Counts[catalog.KindCI], TechnicalServices: a.Counts[catalog.KindTechnicalService],
		BusinessServices: a.Counts[catalog.KindBusinessService], PastChanges: a.PastChanges, PastFailures: a.PastFailures,
		Risk: riskModel(a.Risk), Conflicts: mapSlice(a.Conflicts, conflictModel), FreezeWindowIDs: a.FreezeWindowIDs,
		OpenIncidents: mapSlice(a.OpenIncidents, func(i change.TicketRef) *model.AssessedIncident {
			return &model.AssessedIncident{ID: i.ID, Title: i.Title, State: i.State, Priority: i.Priority}
		}),
		SlasAtRisk: mapSlice(a.SLAs, func(r change.Ref) *model.AssessedSLA { return &model.AssessedSLA{ID: r.ID, Name: r.Name} }),
		RequiredApprovals: mapSlice(a.Required, func(r change.Requirement) *model.ApprovalRequirement {
			return &model.ApprovalRequirement{Role: model.Role(r.Role), Count: r.Count}
		}),
		ImpactedBusinessServices: mapSlice(a.BusinessServices, func(s change.ImpactedService) *model.ChangeImpactedService {
			m := &model.ChangeImpactedService{ServiceID: s.ID, Name: s.Name, Criticality: model.Criticality(s.Criticality), Distance: s.Distance}
			if s.Severity != "" {
				sev := model.Severity(s.Severity)
				m.Severity = &sev
			}
			return m
		}),
	}
	return m
}

func riskModel(r change.Risk) *model.Risk {
	return &model.Risk{Score: r.Score, Level: model.RiskLevel(r.Level), Factors: mapSlice(r.Factors, func(f change.Factor) *model.RiskFactor {
		return &model.RiskFactor{Name: model.RiskFactorName(f.Name), Points: f.Points, Detail: f.Detail}
	})}
}

func conflictModel(c change.Conflict) *model.ChangeConflict {
	return &model.ChangeConflict{Reasons: enumList[model.ConflictReason](c.Reasons), SharedCount: c.SharedCount,
		OverlapStart: c.Overlap.Start, OverlapEnd: c.Overlap.End, ChangeID: c.ChangeID, SharedIDs: c.SharedIDs}
}

func transitionModel(t change.Transition) *model.ChangeTransition {
	m := &model.ChangeTransition{To: model.ChangeState(t.To), Actor: t.Actor, At: t.At, Comment: optional(t.Comment)}
	if t.From != "" {
		from := model.ChangeState(t.From)
		m.From = &from
	}
	return m
}

func templateModel(t change.Template) *model.ChangeTemplate {
	return &model.ChangeTemplate{ID: t.ID, Name: t.Name, Description: optional(t.Description), ImplementationPlan: t.ImplementationPlan,
		BackoutPlan: t.BackoutPlan, TestPlan: optional(t.TestPlan), CreatedAt: t.CreatedAt,
		ConfigurationItemTypes: enumList[model.CIType](t.CITypes), ServiceIds: nonNil(t.ServiceIDs), MaxRiskLevel: model.RiskLevel(cmp.Or(t.MaxRisk, change.Low))}
}

func freezeModel(f change.FreezeWindow) *model.FreezeWindow {
	return &model.FreezeWindow{ID: f.ID, Name: f.Name, Reason: optional(f.Reason), Start: f.Start, End: f.End,
		Global: len(f.ServiceIDs) == 0, ServiceIDs: f.ServiceIDs}
}

func modificationModel(m cmdb.Modification) *model.CIModification {
	return &model.CIModification{Entry: historyModel(m.Entry), CIIDs: m.CIIDs, OutsideWindow: m.OutsideWindow}
}

// allowedFor lists the states p may move c to with transitionChange.
func allowedFor(c change.Change, p *auth.Principal) []model.ChangeState {
	out := []model.ChangeState{}
	for _, s := range change.AllowedTo(c, *p) {
		out = append(out, model.ChangeState(s))
	}
	return out
}

// changeProcess registers change management.
func changeProcess() process {
	return process{
		kinds: []kind{
			staffKind(change.Prefix, "Change", func(r *Resolver, ctx context.Context, id string) (model.Node, error) {
				return asNode(changeModel)(r.ChangeMgmt.Get(ctx, id))
			}).batched(batchOf(func(r *Resolver, ctx context.Context, ids []string) (map[string]change.Change, error) {
				return r.ChangeMgmt.GetMany(ctx, ids)
			}, changeModel)),
			staffKind(change.TemplatePrefix, "ChangeTemplate", func(r *Resolver, ctx context.Context, id string) (model.Node, error) {
				ts, err := r.ChangeMgmt.Templates(ctx, []string{id})
				return oneOf(ts, err, id, "standard change template", templateModel)
			}),
			staffKind(change.FreezePrefix, "FreezeWindow", func(r *Resolver, ctx context.Context, id string) (model.Node, error) {
				fs, err := r.ChangeMgmt.Freezes(ctx, []string{id})
				return oneOf(fs, err, id, "freeze window", freezeModel)
			}),
		},
		// An assessment shows the incidents, SLAs and services it was taken from.
		snapshots: []snapshot{
			shows(func(o *model.AssessedIncident) []string { return []string{o.ID} }),
			shows(func(o *model.AssessedSLA) []string { return []string{o.ID} }),
			shows(func(o *model.ChangeImpactedService) []string { return []string{o.ServiceID} }),
		},
		costs: func(r *Resolver, c *graph.ComplexityRoot) {
			q := &c.Query
			q.Changes = func(child int, _ *model.ChangeFilter, _ *model.TimeOrder, first *int, _ *string) int {
				return connection(child, first)
			}
			q.UnauthorizedChanges = func(child int, _ time.Time, first *int, _ *string) int { return connection(child, first) }
			q.ChangeConflicts = func(child int, _ string) int { return r.analysisCost(child, nil) }
			// A list of changes asking for these runs one analysis per change:
			// lists should read the stored assessment instead.
			c.Change.Impact = func(child int, depth *int) int { return r.analysisCost(child, depth) }
			c.Change.Conflicts = func(child int) int { return r.analysisCost(child, nil) }
		},
	}
}
