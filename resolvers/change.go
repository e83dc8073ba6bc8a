package resolvers

import (
	"context"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/people"
)

// changeLoaders batch what change fields refer to.
type changeLoaders struct {
	items       *dataloadgen.Loader[string, catalog.Item]
	users       *dataloadgen.Loader[string, people.User]
	changes     *dataloadgen.Loader[string, change.Change]
	transitions *dataloadgen.Loader[string, []change.Transition]
	mods        *dataloadgen.Loader[string, []cmdb.Modification]
	templates   *dataloadgen.Loader[string, change.Template]
	freezes     *dataloadgen.Loader[string, change.FreezeWindow]
}

type changeLoadersKey struct{}

func (r *Resolver) withChangeLoaders(ctx context.Context) context.Context {
	wait := dataloadgen.WithWait(r.LoaderWait)
	l := &changeLoaders{
		items: dataloadgen.NewMappedLoader(r.items, wait),
		users: dataloadgen.NewMappedLoader(r.People.Users, wait),
		changes: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []string) (map[string]change.Change, error) {
			return r.ChangeMgmt.GetMany(ctx, keys)
		}, wait),
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
	return context.WithValue(ctx, changeLoadersKey{}, l)
}

func changeLoadersFrom(ctx context.Context) *changeLoaders {
	l, _ := ctx.Value(changeLoadersKey{}).(*changeLoaders)
	return l
}

// items fetches impact-graph items of any kind: CIs from the CMDB, the rest
// from the catalogue.
func (r *Resolver) items(ctx context.Context, keys []string) (map[string]catalog.Item, error) {
	var cis, others []string
	for _, id := range keys {
		if ids.Kind(id) == cmdb.CIPrefix {
			cis = append(cis, id)
		} else {
			others = append(others, id)
		}
	}
	out, err := r.Catalog.Items(ctx, others)
	if err != nil {
		return nil, err
	}
	if len(cis) > 0 {
		got, err := r.CMDB.GetMany(ctx, cis)
		if err != nil {
			return nil, err
		}
		for id, ci := range got {
			out[id] = ci
		}
	}
	return out, nil
}

// loadItems returns the items that still exist, in the order of ids.
func loadItems(ctx context.Context, itemIDs []string) ([]model.GraphItem, error) {
	got, err := changeLoadersFrom(ctx).items.LoadAll(ctx, itemIDs)
	out := make([]model.GraphItem, 0, len(itemIDs))
	for i, it := range got {
		if err == nil || notFoundAsNull(errAt(err, i)) == nil {
			if it != nil {
				out = append(out, itemModel(it))
			}
			continue
		}
		return nil, errAt(err, i)
	}
	return out, nil
}

// errAt picks the error of key i out of a LoadAll error.
func errAt(err error, i int) error {
	if errs, ok := err.(dataloadgen.ErrorSlice); ok {
		if i < len(errs) {
			return errs[i]
		}
		return nil
	}
	return err
}

func changeModel(c change.Change) *model.Change {
	m := &model.Change{
		ID: c.ID, Title: c.Title, Description: optional(c.Description), Justification: optional(c.Justification),
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
		m.Review = &model.ChangeReview{Outcome: model.ChangeOutcome(rv.Outcome), Notes: rv.Notes, ReviewerID: rv.ReviewerID, At: rv.At}
	}
	return m
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
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
		BackoutPlan: t.BackoutPlan, TestPlan: optional(t.TestPlan), CreatedAt: t.CreatedAt}
}

func freezeModel(f change.FreezeWindow) *model.FreezeWindow {
	return &model.FreezeWindow{ID: f.ID, Name: f.Name, Reason: optional(f.Reason), Start: f.Start, End: f.End,
		Global: len(f.ServiceIDs) == 0, ServiceIDs: f.ServiceIDs}
}

func modificationModel(m cmdb.Modification) *model.CIModification {
	return &model.CIModification{Entry: historyModel(m.Entry), CIIDs: m.CIIDs}
}

// allowedFor lists the states p may move c to with transitionChange.
func allowedFor(c change.Change, p *auth.Principal) []model.ChangeState {
	out := []model.ChangeState{}
	for _, s := range change.AllowedTo(c, *p) {
		out = append(out, model.ChangeState(s))
	}
	return out
}

func optionalTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func principal(ctx context.Context) *auth.Principal {
	if p := auth.FromContext(ctx); p != nil {
		return p
	}
	return &auth.Principal{}
}
