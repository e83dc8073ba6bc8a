package resolvers

import (
	"context"

	"github.com/vikstrous/dataloadgen"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/problem"
)

// problemLoaders batch what problem fields refer to: problems by id (for
// Incident.problems), their trails and their linked incidents' ids.
type problemLoaders struct {
	problems  *dataloadgen.Loader[string, problem.Problem]
	history   *dataloadgen.Loader[string, []problem.HistoryEntry]
	notes     *dataloadgen.Loader[string, []problem.Note]
	incidents *dataloadgen.Loader[string, []string]
}

func problemLoadersFrom(ctx context.Context) *problemLoaders {
	return loaderSet(ctx, func(r *Resolver, wait dataloadgen.Option) *problemLoaders {
		return &problemLoaders{
			problems: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []string) (map[string]problem.Problem, error) {
				return r.ProblemMgmt.GetMany(ctx, *principal(ctx), keys)
			}, wait),
			history:   problemTrailLoader(r.ProblemMgmt.History, wait),
			notes:     problemTrailLoader(r.ProblemMgmt.Notes, wait),
			incidents: problemTrailLoader(r.ProblemMgmt.LinkedIncidents, wait),
		}
	})
}

// problemTrailLoader batches one list per problem; a problem with none
// gets an empty list.
func problemTrailLoader[V any](read func(context.Context, auth.Principal, []string) (map[string][]V, error), wait dataloadgen.Option) *dataloadgen.Loader[string, []V] {
	return dataloadgen.NewMappedLoader(func(ctx context.Context, keys []string) (map[string][]V, error) {
		m, err := read(ctx, *principal(ctx), keys)
		return withEmpty(keys, m, err)
	}, wait)
}

// problemFor reads one problem; NOT_FOUND when absent or out of reach.
func (r *Resolver) problemFor(ctx context.Context, id string) (*model.Problem, error) {
	p, err := r.ProblemMgmt.Get(ctx, *principal(ctx), id)
	if err != nil {
		return nil, err
	}
	return problemModel(p), nil
}

func problemModel(p problem.Problem) *model.Problem {
	return &model.Problem{
		ID: p.ID, Number: p.Number, Title: p.Title, Description: optional(p.Description), Category: optional(p.Category),
		Impact: model.IncidentLevel(p.Impact), Urgency: model.IncidentLevel(p.Urgency), Priority: model.Priority(p.Priority),
		AssigneeID: optional(p.AssigneeID), RootCause: optional(p.RootCause), Workaround: optional(p.Workaround),
		State: model.ProblemState(p.State), ClosureCode: enumPtr[model.ProblemClosureCode](optional(string(p.ClosureCode))),
		ClosureReason: optional(p.ClosureReason), OpenedBy: optional(p.OpenedBy), Version: p.Version,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, ResolvedAt: optionalTime(p.ResolvedAt), ClosedAt: optionalTime(p.ClosedAt),
		Domain: p,
	}
}

func problemHistoryModel(h problem.HistoryEntry) *model.ProblemHistoryEntry {
	return &model.ProblemHistoryEntry{Field: model.ProblemHistoryField(h.Field), From: optional(h.From), To: optional(h.To),
		Actor: optional(h.Actor), At: h.At, Comment: optional(h.Comment)}
}

func problemNoteModel(n problem.Note) *model.ProblemNote {
	return &model.ProblemNote{Body: n.Body, Author: optional(n.Author), At: n.At}
}

func problemFilter(f *model.ProblemFilter) problem.Filter {
	if f == nil {
		return problem.Filter{}
	}
	return problem.Filter{States: enumList[problem.State](f.States), Priorities: enumList[incident.Priority](f.Priorities),
		AssignmentGroupID: deref(f.AssignmentGroupID), AssigneeID: deref(f.AssigneeID),
		CIID: deref(f.ConfigurationItemID), ServiceID: deref(f.ServiceID), Created: timeRange(f.Created), Updated: timeRange(f.Updated)}
}

func problemOrder(o *model.ProblemOrder) problem.Order {
	if o == nil {
		return problem.Order{}
	}
	return problem.Order{Field: problem.OrderField(o.Field), Desc: o.Direction == model.SortDirectionDesc}
}

func problemPayload(p problem.Problem, err error) (*model.ProblemPayload, error) {
	if err != nil {
		return nil, err
	}
	return &model.ProblemPayload{Problem: problemModel(p)}, nil
}

func problemConnection(ctx context.Context, first *int, after *string, list func(context.Context, paging.Request) (paging.Page[problem.Problem], error)) (*model.ProblemConnection, error) {
	es, info, total, err := connect(ctx, first, after, list, problemModel,
		func(c string, n *model.Problem) *model.ProblemEdge { return &model.ProblemEdge{Cursor: c, Node: n} })
	if err != nil {
		return nil, err
	}
	return &model.ProblemConnection{Edges: es, PageInfo: info, TotalCount: total}, nil
}

// problemProcess registers problem management. Every staff role reads
// problems; requesters see none, however they are reached (node(id:),
// Incident.problems, subscriptions): Guard leaves them out.
func problemProcess() process {
	return process{
		kinds: []kind{
			staffKind(problem.Prefix, "Problem", func(r *Resolver, ctx context.Context, id string) (model.Node, error) {
				return r.problemFor(ctx, id)
			}).batched(batchOf(func(r *Resolver, ctx context.Context, ids []string) (map[string]problem.Problem, error) {
				return r.ProblemMgmt.GetMany(ctx, *principal(ctx), ids)
			}, problemModel)),
		},
		snapshots: []snapshot{nearbyShows(), matchShows()},
		costs: func(r *Resolver, c *graph.ComplexityRoot) {
			c.Query.Problems = func(child int, _ *model.ProblemFilter, _ *model.ProblemOrder, first *int, _ *string) int {
				return connection(child, first)
			}
			c.Query.KnownErrors = func(child int, _ *model.KnownErrorFilter, first *int, _ *string) int { return connection(child, first) }
			hintCosts(r, c)
		},
	}
}

// readableProblems are the problems ids names, when the caller may read
// problems; those that disappeared are left out.
func readableProblems(ctx context.Context, ids []string) ([]*model.Problem, error) {
	out := []*model.Problem{}
	if len(ids) == 0 || !problem.CanRead(*principal(ctx)) {
		return out, nil
	}
	got, err := problemLoadersFrom(ctx).problems.LoadAll(ctx, ids)
	for i, p := range got {
		if e := errAt(err, i); e != nil {
			if notFoundAsNull(e) != nil {
				return nil, e
			}
			continue
		}
		out = append(out, problemModel(p))
	}
	return out, nil
}
