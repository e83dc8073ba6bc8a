package resolvers

import (
	"context"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/knowledge"
)

// maxEventPage bounds one read of the event log.
const maxEventPage = 500

func eventsProcess() process {
	return process{costs: func(_ *Resolver, c *graph.ComplexityRoot) {
		c.Query.EventLog = func(child int, _ string, first *int, _ *model.EventFilter) int {
			return listCost + page(first, 100)*child
		}
	}}
}

// logged is how the event log shows the records of one kind: decoded as
// the write left them, and who may see them beyond the row-level rules.
type logged struct {
	decode func(p auth.Principal, e events.Event) (model.EventRecord, error)
	// viaNode: shown only to those node(id:) would show the record to
	// now (its kind's readers and rules); otherwise see.
	viaNode bool
	see     func(p auth.Principal, rec model.EventRecord) bool
}

// decodeAs reads an event's record as T and converts it.
func decodeAs[T any, M model.EventRecord](conv func(T) M) func(auth.Principal, events.Event) (model.EventRecord, error) {
	return func(_ auth.Principal, e events.Event) (model.EventRecord, error) {
		v, err := events.Decode[T](e)
		if err != nil {
			return nil, err
		}
		return conv(v), nil
	}
}

// loggedKinds are the kinds of the log, each shown as its subscription
// shows it.
func loggedKinds() map[events.Kind]logged {
	return map[events.Kind]logged{
		events.KindCI:       {decode: decodeAs(ciModel), viaNode: true},
		events.KindChange:   {decode: decodeAs(changeModel), viaNode: true},
		events.KindIncident: {decode: decodeAs(incidentModel), viaNode: true},
		events.KindProblem:  {decode: decodeAs(problemModel), viaNode: true},
		events.KindArticle: {viaNode: true, decode: func(p auth.Principal, e events.Event) (model.EventRecord, error) {
			return decodeAs(func(a knowledge.Article) *model.KnowledgeArticle { return articleModel(p, a) })(p, e)
		}},
		events.KindRequest: {decode: decodeAs(requestModel), viaNode: true},
		// An approval is its approver's to hear of (approvalRequested).
		events.KindApproval: {decode: decodeAs(approvalModel), see: func(p auth.Principal, rec model.EventRecord) bool {
			a, _ := rec.(*model.RequestApproval)
			return a != nil && a.ApproverID == p.Subject
		}},
		// SLA events are for the roles that read the SLA event log.
		events.KindSLAEvent: {decode: decodeAs(slaEventModel), see: func(p auth.Principal, _ model.EventRecord) bool {
			return p.HasAny([]auth.Role{auth.Analyst, auth.ServiceOwner})
		}},
	}
}

// eventLog reads the log after a position for the caller: each event's
// record as the write left it, among those the caller may see.
func (r *Resolver) eventLog(ctx context.Context, after string, first *int, filter *model.EventFilter) (*model.EventLogPage, error) {
	from, err := events.ParsePosition("after", after)
	if err != nil {
		return nil, err
	}
	n := 100
	if first != nil {
		if *first < 1 || *first > maxEventPage {
			return nil, apperr.Invalid("first", "must be between 1 and %d (got %d)", maxEventPage, *first)
		}
		n = *first
	}
	if from > 0 {
		if err := events.CheckResume(ctx, r.Events, "after", from); err != nil {
			return nil, err
		}
	}
	var f events.Filter
	if filter != nil {
		f.Kinds, f.RecordIDs = enumList[events.Kind](filter.Kinds), filter.RecordIds
	}
	evs, err := r.Events.After(ctx, from, n, f)
	if err != nil {
		return nil, err
	}
	p := *principal(ctx)
	kinds := loggedKinds()
	out := &model.EventLogPage{Events: []*model.LoggedEvent{}, EndPosition: events.FormatPosition(from), HasMore: len(evs) == n}
	var viaNode []string
	for _, e := range evs {
		if k, ok := kinds[e.Kind]; ok && k.viaNode {
			viaNode = append(viaNode, e.RecordID)
		}
	}
	// Records shown through node(id:) are checked in one read of them all.
	shown := map[string]bool{}
	for i := 0; i < len(viaNode); i += maxNodes {
		some := viaNode[i:min(i+maxNodes, len(viaNode))]
		nodes, err := r.nodes(ctx, some)
		if err != nil {
			return nil, err
		}
		for j, node := range nodes {
			shown[some[j]] = node != nil
		}
	}
	for _, e := range evs {
		out.EndPosition = events.FormatPosition(e.Position)
		k, ok := kinds[e.Kind]
		if !ok || (k.viaNode && !shown[e.RecordID]) {
			continue
		}
		rec, err := k.decode(p, e)
		if err != nil || (k.see != nil && !k.see(p, rec)) {
			continue
		}
		out.Events = append(out.Events, &model.LoggedEvent{Position: events.FormatPosition(e.Position), Kind: model.EventKind(e.Kind),
			At: e.At, RecordID: e.RecordID, Record: rec})
	}
	return out, nil
}
