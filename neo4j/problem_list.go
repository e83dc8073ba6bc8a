package neo4j

import (
	"context"

	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/problem"
)

// ListProblems implements problem.Store.
func (m *Problems) ListProblems(ctx context.Context, f problem.Filter, o problem.Order, p paging.Request) (paging.Page[problem.Problem], error) {
	l := problemList(f, o)
	key := func(pr problem.Problem) (any, string) {
		if o.Field == problem.OrderByUpdatedAt {
			return pr.UpdatedAt, pr.ID
		}
		return pr.CreatedAt, pr.ID
	}
	return listBy(ctx, m.s, l, p, infallible(problemFromProps), key)
}

// problemList is the list of the problems f selects in order o; each
// filter given adds its term, and the order's index serves the rest.
func problemList(f problem.Filter, o problem.Order) listSpec {
	where := newConditions()
	in(where, "p", "state", "states", f.States)
	in(where, "p", "priority", "priorities", f.Priorities)
	where.equal("p", "assignmentGroupId", "groupId", f.AssignmentGroupID)
	where.equal("p", "assigneeId", "assigneeId", f.AssigneeID)
	if f.CIID != "" {
		where.add("($ciId IN p.ciIds OR p.rootCauseCiId = $ciId)", "ciId", f.CIID)
	}
	if f.ServiceID != "" {
		where.add("$serviceId IN p.serviceIds", "serviceId", f.ServiceID)
	}
	where.between("p", "createdAt", "created", f.Created)
	where.between("p", "updatedAt", "updated", f.Updated)
	order, name := "createdAt", "problems:createdAt"
	if o.Field == problem.OrderByUpdatedAt {
		order, name = "updatedAt", "problems:updatedAt"
	}
	if o.Desc {
		name += ":desc"
	}
	return listSpec{match: "MATCH (p:Problem)", v: "p", where: where, order: order, desc: o.Desc, sortName: name + timeSortSuffix}
}

// KnownErrors implements problem.Store.
func (m *Problems) KnownErrors(ctx context.Context, f problem.KnownErrorFilter, p paging.Request) (paging.Page[problem.Problem], error) {
	key := func(pr problem.Problem) (any, string) { return pr.CreatedAt, pr.ID }
	return listBy(ctx, m.s, knownErrorList(f), p, infallible(problemFromProps), key)
}

// knownErrorList lists the known error database (problem.KnownErrorStates,
// with a workaround), newest first, each state's page read in order from
// the (state, createdAt) index; the text filter reads the text index.
func knownErrorList(f problem.KnownErrorFilter) listSpec {
	where := newConditions()
	states := problem.KnownErrorStates()
	in(where, "p", "state", "states", states)
	where.add("p.workaround IS NOT NULL")
	if f.CIID != "" {
		where.add("($ciId IN p.ciIds OR p.rootCauseCiId = $ciId)", "ciId", f.CIID)
	}
	if f.ServiceID != "" {
		where.add("$serviceId IN p.serviceIds", "serviceId", f.ServiceID)
	}
	if f.Text != "" {
		where.add("p.searchText CONTAINS $text", "text", f.Text)
	}
	l := listSpec{match: "MATCH (p:Problem)", v: "p", where: where, order: "createdAt", desc: true,
		sortName: "knownErrors:createdAt:desc" + timeSortSuffix}
	if f.Text == "" {
		l.perValue = &inFilter{prop: "state", param: "states", n: len(states)}
	}
	return l
}
