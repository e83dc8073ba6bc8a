package neo4j

import (
	"context"

	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/request"
)

// myRequestsPage reads a page of the requests made by or for $me in the
// order of prop (desc or not): each side's page in order (from its
// (person, createdAt) index when by creation time), the two merged. window
// holds the time ranges' terms.
func myRequestsPage(after bool, window, prop string, desc bool) string {
	cond := window
	if after {
		cond += " AND " + keysetAfter("r", prop, desc)
	}
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	branch := func(person string) string {
		return "MATCH (r:ServiceRequest) WHERE r." + person + " = $me AND r." + prop + " IS NOT NULL" + cond +
			"\nRETURN r ORDER BY r." + person + dir + ", r." + prop + dir + ", r.id" + dir + " LIMIT $limit"
	}
	return "CALL () {\n" + branch("requesterId") + "\nUNION\n" + branch("requestedForId") + "\n}\nRETURN " + withChildren +
		" AS n\nORDER BY r." + prop + dir + ", r.id" + dir + "\nLIMIT $limit"
}

// countMyRequests counts each side from its index, once each request
// (every request has createdAt: saying so lets the composite index serve).
func countMyRequests(window string) string {
	return "RETURN COUNT { MATCH (r:ServiceRequest) WHERE r.requesterId = $me AND r.createdAt IS NOT NULL" + window + " } +\n" +
		"       COUNT { MATCH (r:ServiceRequest) WHERE r.requestedForId = $me AND r.createdAt IS NOT NULL AND r.requesterId <> $me" + window + " } AS total"
}

// MyRequests implements request.Store: newest created first unless the
// request orders otherwise.
func (m *Requests) MyRequests(ctx context.Context, me string, p paging.Request) (paging.Page[request.Record], error) {
	window := newConditions()
	window.between("r", "createdAt", "created", p.Created)
	window.between("r", "updatedAt", "updated", p.Updated)
	terms := ""
	for _, t := range window.terms {
		terms += " AND " + t
	}
	params := window.params
	params["me"] = me
	var o paging.TimeOrder
	if p.Order != nil {
		o = *p.Order
	}
	prop, desc, sortName := timeSort("myRequests", "createdAt", o)
	return listPage(ctx, m.s, myRequestsPage(p.After != "", terms, prop, desc), countMyRequests(terms), sortName,
		params, p, recordFromProps, func(r request.Record) (any, string) {
			return timeKey(o, r.Request.CreatedAt, r.Request.UpdatedAt), r.Request.ID
		})
}

// myApprovalsList lists the approvals pending with $me, oldest first,
// from the (approverId, state, openedAt) index, each with its request.
func myApprovalsList(me string) listSpec {
	where := newConditions()
	where.equal("a", "approverId", "me", me)
	where.add("a.state = 'PENDING'")
	return listSpec{match: "MATCH (a:RequestApproval)", v: "a", where: where, order: "openedAt", sortName: "myApprovals:openedAt" + timeSortSuffix,
		created: "openedAt", countOrdered: true,
		project: "a {.*, request: COLLECT { MATCH (r:ServiceRequest {id: a.requestId}) RETURN " + withChildren + " }}"}
}

func awaitingFromProps(p map[string]any) (request.Awaiting, error) {
	a, _ := approvalFromProps(p)
	out := request.Awaiting{Approval: a}
	if rs := maps(p["request"]); len(rs) > 0 {
		rec, err := recordFromProps(rs[0])
		if err != nil {
			return request.Awaiting{}, err
		}
		out.Request = rec
	}
	return out, nil
}

// MyApprovals implements request.Store.
func (m *Requests) MyApprovals(ctx context.Context, me string, p paging.Request) (paging.Page[request.Awaiting], error) {
	return listBy(ctx, m.s, myApprovalsList(me), p, awaitingFromProps, func(x request.Awaiting) (any, string) {
		if x.Approval.OpenedAt == nil {
			return nil, x.Approval.ID
		}
		return *x.Approval.OpenedAt, x.Approval.ID
	})
}

// taskQueueList lists the tasks of the groups in the states, oldest
// opened first: a branch per group from the (groupId, state, openedAt)
// index.
func taskQueueList(groups []string, states []request.TaskState) listSpec {
	where := newConditions()
	in(where, "t", "groupId", "groups", groups)
	in(where, "t", "state", "states", states)
	return listSpec{match: "MATCH (t:RequestTask)", v: "t", where: where, order: "openedAt", sortName: "taskQueue:openedAt" + timeSortSuffix,
		perValue: &inFilter{prop: "groupId", param: "groups", n: len(groups)},
		created:  "openedAt", countOrdered: true}
}

// TaskQueue implements request.Store.
func (m *Requests) TaskQueue(ctx context.Context, groups []string, states []request.TaskState, p paging.Request) (paging.Page[request.Task], error) {
	return listBy(ctx, m.s, taskQueueList(groups, states), p, taskFromProps, func(t request.Task) (any, string) {
		if t.OpenedAt == nil {
			return nil, t.ID
		}
		return *t.OpenedAt, t.ID
	})
}

// requestList lists every request the filter lets through, in its order:
// by creation time per state from the (state, createdAt) index, or from the
// (itemId, createdAt) or (createdAt) one; by modification time from the
// (updatedAt) one.
func requestList(f request.Filter) listSpec {
	where := newConditions()
	in(where, "r", "state", "states", f.States)
	where.equal("r", "itemId", "itemId", f.ItemID)
	l := synced(listSpec{match: "MATCH (r:ServiceRequest)", v: "r", where: where, project: withChildren}, "serviceRequests", f.Sync)
	l.countOrdered = true
	if len(f.States) > 0 && f.ItemID == "" && !f.Order.Updated() {
		l.perValue = &inFilter{prop: "state", param: "states", n: len(f.States)}
	}
	return l
}

// ListRequests implements request.Store.
func (m *Requests) ListRequests(ctx context.Context, f request.Filter, p paging.Request) (paging.Page[request.Record], error) {
	return listBy(ctx, m.s, requestList(f), p, recordFromProps, func(r request.Record) (any, string) {
		return timeKey(f.Order, r.Request.CreatedAt, r.Request.UpdatedAt), r.Request.ID
	})
}
