package resolvers

import (
	"context"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/request"
	"github.com/itsm-graph/itsm/sla"
)

// requestLoaders batch what request fields refer to: requests by id (for
// RequestApproval.request), their histories and their SLA clocks.
type requestLoaders struct {
	requests *dataloadgen.Loader[string, request.Record]
	history  *dataloadgen.Loader[string, []request.HistoryEntry]
	clocks   *dataloadgen.Loader[string, []sla.TicketClocks]
	// tickets holds, by request id, the SLA ticket of each request whose
	// clocks were asked for: the field has the request already, so the
	// clocks loader reads only the covering SLAs.
	tickets sync.Map
}

func requestLoadersFrom(ctx context.Context) *requestLoaders {
	return loaderSet(ctx, func(r *Resolver, wait dataloadgen.Option) *requestLoaders {
		l := &requestLoaders{}
		*l = requestLoaders{
			requests: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []string) (map[string]request.Record, error) {
				v, err := r.requestViewer(ctx)
				if err != nil {
					return nil, err
				}
				return r.RequestMgmt.GetMany(ctx, v, keys)
			}, wait),
			history: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []string) (map[string][]request.HistoryEntry, error) {
				m, err := r.RequestMgmt.History(ctx, keys)
				return withEmpty(keys, m, err)
			}, wait),
			clocks: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []string) (map[string][]sla.TicketClocks, error) {
				var ts []sla.Ticket
				for _, id := range keys {
					if t, ok := l.tickets.Load(id); ok {
						ts = append(ts, t.(sla.Ticket))
					}
				}
				m, err := r.SLAMgmt.ClocksOf(ctx, ts)
				return withEmpty(keys, m, err)
			}, wait),
		}
		return l
	})
}

// asRequestViewer is the incident rules' reader as the request rules
// see them.
func asRequestViewer(v incident.Viewer) request.Viewer {
	return request.Viewer{Principal: v.Principal, GroupIDs: v.GroupIDs}
}

// requestViewer returns the reader with their groups.
func (r *Resolver) requestViewer(ctx context.Context) (request.Viewer, error) {
	v, err := r.viewer(ctx)
	return asRequestViewer(v), err
}

func hours(d time.Duration) int { return int(d / time.Hour) }

func formModel(form []request.Field) []*model.FormField {
	return mapSlice(form, func(f request.Field) *model.FormField {
		return &model.FormField{Key: f.Key, Label: f.Label, Type: model.FormFieldType(f.Type), Required: f.Required, Min: f.Min, Max: f.Max,
			Pattern: optional(f.Pattern), Options: nonNil(f.Options), Help: optional(f.Help)}
	})
}

func stagesModel(stages []request.Stage) []*model.ApprovalStage {
	return mapSlice(stages, func(s request.Stage) *model.ApprovalStage {
		out := &model.ApprovalStage{Approver: model.ApproverKind(s.Approver), GroupID: optional(s.GroupID), Rule: model.ApprovalRule(s.Rule),
			DefaultApprove: s.DefaultApprove}
		if s.Rule == request.Share {
			out.Percent = &s.Percent
		}
		if s.Timeout > 0 {
			h := hours(s.Timeout)
			out.TimeoutHours = &h
		}
		return out
	})
}

func catalogueItemModel(it request.Item) *model.CatalogueItem {
	p := it.Policy
	return &model.CatalogueItem{ID: it.ID, Name: it.Name, Description: optional(it.Description), Category: optional(it.Category),
		ServiceID: it.ServiceID, Price: it.Price, Currency: it.Currency, OfferedToGroupIds: nonNil(it.OfferedTo), Form: formModel(it.Form),
		ApprovalPolicy: &model.ApprovalPolicy{FinanceThreshold: p.FinanceThreshold, FinanceGroupID: optional(p.FinanceGroupID),
			FinanceRule: enumPtr[model.ApprovalRule](optional(string(p.FinanceRule))), Stages: stagesModel(p.Stages)},
		Plan: mapSlice(it.Plan, func(t request.PlanTask) *model.PlanTask {
			return &model.PlanTask{Name: t.Name, GroupID: t.GroupID, Step: t.Step}
		}),
		FulfilmentTargetHours: hours(it.Target), Retired: it.Retired, Version: it.Version, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt}
}

func approvalModel(a request.Approval) *model.RequestApproval {
	return &model.RequestApproval{ID: a.ID, RequestID: a.RequestID, Stage: a.Stage, Kind: model.ApproverKind(a.Kind), ApproverID: a.ApproverID,
		State: model.ApprovalState(a.State), Reason: optional(a.Reason), OpenedAt: a.OpenedAt, DueAt: a.DueAt, DecidedAt: a.DecidedAt}
}

func requestModel(rec request.Record) *model.ServiceRequest {
	r := rec.Request
	it := r.Item
	out := &model.ServiceRequest{ID: r.ID, Number: r.Number,
		Item: &model.OrderedItem{ItemID: it.ID, Version: it.Version, Name: it.Name, Category: optional(it.Category), ServiceID: it.ServiceID,
			Price: it.Price, Currency: it.Currency, FulfilmentTargetHours: hours(it.Target), Form: formModel(it.Form)},
		Quantity: r.Quantity,
		Answers: mapSlice(r.Answers, func(a request.Answer) *model.RequestAnswer {
			return &model.RequestAnswer{Key: a.Key, Values: nonNil(a.Values)}
		}),
		Cost: r.Cost, Currency: it.Currency, RequesterID: r.RequesterID, RequestedForID: r.RequestedForID, State: model.RequestState(r.State),
		Stages: stagesModel(r.Stages), Approvals: mapSlice(rec.Approvals, approvalModel),
		Tasks:         mapSlice(rec.Tasks, taskModel),
		SurveyComment: optional(r.SurveyComment), Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		ApprovedAt: r.ApprovedAt, FulfilledAt: r.FulfilledAt, ClosedAt: r.ClosedAt, Domain: rec}
	if r.State == request.PendingApproval {
		out.CurrentStage = &r.Stage
	}
	if r.Satisfaction > 0 {
		out.Satisfaction = &r.Satisfaction
	}
	if r.ApprovedAt != nil {
		out.FulfilmentDueAt = timePtr(r.ApprovedAt.Add(it.Target))
	}
	return out
}

func requestHistoryModel(h request.HistoryEntry) *model.RequestHistoryEntry {
	return &model.RequestHistoryEntry{From: enumPtr[model.RequestState](optional(string(h.From))), To: model.RequestState(h.To),
		Actor: h.Actor, At: h.At, Comment: optional(h.Comment)}
}

func reportRowModel(r request.ReportRow) *model.RequestReportRow {
	return &model.RequestReportRow{ID: r.ID, Name: r.Name, Requests: r.Requests, Surveys: r.Surveys, MeanSatisfaction: r.MeanSatisfaction,
		MeanApprovalHours: r.MeanApprovalHours, MeanFulfilmentHours: r.MeanFulfilmentHours, WithinTarget: r.WithinTarget}
}

func itemFromInput(in model.CatalogueItemInput) request.Item {
	it := request.Item{Name: in.Name, Description: deref(in.Description), Category: deref(in.Category), ServiceID: in.ServiceID,
		Price: in.Price, Currency: in.Currency, OfferedTo: in.OfferedToGroupIds, Target: time.Duration(in.FulfilmentTargetHours) * time.Hour}
	for _, f := range in.Form {
		it.Form = append(it.Form, request.Field{Key: f.Key, Label: f.Label, Type: request.FieldType(f.Type), Required: f.Required != nil && *f.Required,
			Min: f.Min, Max: f.Max, Pattern: deref(f.Pattern), Options: f.Options, Help: deref(f.Help)})
	}
	if p := in.ApprovalPolicy; p != nil {
		it.Policy = request.ApprovalPolicy{FinanceThreshold: p.FinanceThreshold, FinanceGroupID: deref(p.FinanceGroupID), FinanceRule: request.Any}
		if p.FinanceRule != nil {
			it.Policy.FinanceRule = request.Rule(*p.FinanceRule)
		}
		for _, s := range p.Stages {
			st := request.Stage{Approver: request.ApproverKind(s.Approver), GroupID: deref(s.GroupID), Rule: request.Any,
				DefaultApprove: s.DefaultApprove != nil && *s.DefaultApprove}
			if s.Rule != nil {
				st.Rule = request.Rule(*s.Rule)
			}
			if s.Percent != nil {
				st.Percent = *s.Percent
			}
			if s.TimeoutHours != nil {
				st.Timeout = time.Duration(*s.TimeoutHours) * time.Hour
			}
			it.Policy.Stages = append(it.Policy.Stages, st)
		}
	}
	for _, t := range in.Plan {
		step := 1
		if t.Step != nil {
			step = *t.Step
		}
		it.Plan = append(it.Plan, request.PlanTask{Name: t.Name, GroupID: t.GroupID, Step: step})
	}
	return it
}

func requestPayload(rec request.Record, err error) (*model.ServiceRequestPayload, error) {
	if err != nil {
		return nil, err
	}
	return &model.ServiceRequestPayload{Request: requestModel(rec)}, nil
}

func itemPayload(it request.Item, err error) (*model.CatalogueItemPayload, error) {
	if err != nil {
		return nil, err
	}
	return &model.CatalogueItemPayload{Item: catalogueItemModel(it)}, nil
}

// requestFor reads one request the reader may see; NOT_FOUND otherwise.
func (r *Resolver) requestFor(ctx context.Context, id string) (*model.ServiceRequest, error) {
	v, err := r.requestViewer(ctx)
	if err != nil {
		return nil, err
	}
	rec, err := r.RequestMgmt.Get(ctx, v, id)
	if err != nil {
		return nil, err
	}
	return requestModel(rec), nil
}

// catalogueItemFor reads one item the reader may see; NOT_FOUND otherwise.
func (r *Resolver) catalogueItemFor(ctx context.Context, id string) (*model.CatalogueItem, error) {
	v, err := r.requestViewer(ctx)
	if err != nil {
		return nil, err
	}
	got, err := r.RequestMgmt.Items(ctx, v, []string{id})
	if err != nil {
		return nil, err
	}
	it, ok := got[id]
	if !ok {
		return nil, request.ItemNotFound(id)
	}
	return catalogueItemModel(it), nil
}

// requestProcess registers request fulfilment. Catalogue items and
// requests are asked for by every role; SERVICE_OWNER and ANALYST see
// them all, anyone else the items offered to them and the requests
// request.CanSee lets them see, however they are reached.
func requestProcess() process {
	return process{
		kinds: []kind{
			{prefix: request.ItemPrefix, typ: "CatalogueItem", readers: everyone(), own: recordRule, all: request.SeesAll,
				row: func(v incident.Viewer, obj any) bool {
					m, ok := obj.(*model.CatalogueItem)
					return ok && request.Offered(asRequestViewer(v), request.Item{OfferedTo: m.OfferedToGroupIds, Retired: m.Retired})
				},
				fetch: func(r *Resolver, ctx context.Context, id string) (model.Node, error) {
					return r.catalogueItemFor(ctx, id)
				}},
			{prefix: request.Prefix, typ: "ServiceRequest", readers: everyone(), own: recordRule, all: request.SeesAll,
				row: func(v incident.Viewer, obj any) bool {
					m, ok := obj.(*model.ServiceRequest)
					return ok && request.CanSee(asRequestViewer(v), m.Domain)
				},
				fetch: func(r *Resolver, ctx context.Context, id string) (model.Node, error) { return r.requestFor(ctx, id) }},
		},
		costs: func(_ *Resolver, c *graph.ComplexityRoot) {
			c.Query.MyRequests = func(child int, _ *model.TimeOrder, _, _ *model.TimeRange, first *int, _ *string) int {
				return connection(child, first)
			}
			c.Query.MyApprovals = func(child int, _ *model.TimeOrder, _ *model.TimeRange, first *int, _ *string) int {
				return connection(child, first)
			}
			c.Query.RequestTaskQueue = func(child int, _ *string, _ []model.RequestTaskState, _ *model.TimeOrder, _, _ *model.TimeRange, first *int, _ *string) int {
				return connection(child, first)
			}
			c.Query.ServiceRequests = func(child int, _ *model.ServiceRequestFilter, _ *model.TimeOrder, first *int, _ *string) int {
				return connection(child, first)
			}
		},
	}
}

func taskModel(t request.Task) *model.RequestTask {
	return &model.RequestTask{ID: t.ID, RequestID: t.RequestID, Name: t.Name, GroupID: t.GroupID, Step: t.Step, State: model.RequestTaskState(t.State),
		ConfigurationItemID: optional(t.CIID), OpenedAt: t.OpenedAt, DoneAt: t.DoneAt,
		Notes: mapSlice(t.Notes, func(n request.Note) *model.RequestTaskNote {
			return &model.RequestTaskNote{Body: n.Body, Author: n.Author, At: n.At}
		})}
}

func requestConnection(ctx context.Context, first *int, after *string, list func(context.Context, paging.Request) (paging.Page[request.Record], error)) (*model.ServiceRequestConnection, error) {
	es, info, total, err := connect(ctx, first, after, list, requestModel,
		func(c string, n *model.ServiceRequest) *model.ServiceRequestEdge {
			return &model.ServiceRequestEdge{Cursor: c, Node: n}
		})
	if err != nil {
		return nil, err
	}
	return &model.ServiceRequestConnection{Edges: es, PageInfo: info, TotalCount: total}, nil
}

// primeRequests hands the requests read with a page of approvals to the
// request loader, so that showing them costs no further read, and returns
// the approvals.
func primeRequests(ctx context.Context, page paging.Page[request.Awaiting]) paging.Page[request.Approval] {
	l := requestLoadersFrom(ctx)
	out := paging.Page[request.Approval]{Cursors: page.Cursors, HasNext: page.HasNext, HasPrevious: page.HasPrevious, Total: page.Total}
	for _, x := range page.Items {
		if x.Request.Request.ID != "" && l != nil {
			l.requests.Prime(x.Request.Request.ID, x.Request)
		}
		out.Items = append(out.Items, x.Approval)
	}
	return out
}

func approvalConnection(ctx context.Context, first *int, after *string, list func(context.Context, paging.Request) (paging.Page[request.Approval], error)) (*model.RequestApprovalConnection, error) {
	es, info, total, err := connect(ctx, first, after, list, approvalModel,
		func(c string, n *model.RequestApproval) *model.RequestApprovalEdge {
			return &model.RequestApprovalEdge{Cursor: c, Node: n}
		})
	if err != nil {
		return nil, err
	}
	return &model.RequestApprovalConnection{Edges: es, PageInfo: info, TotalCount: total}, nil
}
