package resolvers

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/events"
)

// Positions puts the position of each subscription message's event in
// the message's extensions.position. A subscription's stream reads one
// value per message, in order, so the positions its resolver queued
// before sending (stream) are taken off the queue one per message.
type Positions struct{}

var (
	_ graphql.HandlerExtension     = Positions{}
	_ graphql.OperationInterceptor = Positions{}
	_ graphql.ResponseInterceptor  = Positions{}
)

// ExtensionName implements graphql.HandlerExtension.
func (Positions) ExtensionName() string { return "EventPositions" }

// Validate implements graphql.HandlerExtension.
func (Positions) Validate(graphql.ExecutableSchema) error { return nil }

type positionsKey struct{}

// mark is the position of one message, or the notice that the subscriber
// lost events after it.
type mark struct {
	position int64
	lost     bool
}

// positions is one subscription's queue of marks.
type positions struct {
	mu    sync.Mutex
	marks []mark
}

func (q *positions) push(m mark) {
	if q == nil {
		return
	}
	q.mu.Lock()
	q.marks = append(q.marks, m)
	q.mu.Unlock()
}

func (q *positions) pop() (mark, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.marks) == 0 {
		return mark{}, false
	}
	m := q.marks[0]
	q.marks = q.marks[1:]
	return m, true
}

func positionsOf(ctx context.Context) *positions {
	q, _ := ctx.Value(positionsKey{}).(*positions)
	return q
}

// InterceptOperation gives each subscription its queue.
func (Positions) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if op := graphql.GetOperationContext(ctx); op.Operation == nil || op.Operation.Operation != ast.Subscription {
		return next(ctx)
	}
	return next(context.WithValue(ctx, positionsKey{}, &positions{}))
}

// InterceptResponse adds the position of the message's event, or turns
// the message telling of lost events into the error that says where to
// resume.
func (Positions) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	q := positionsOf(ctx)
	if resp == nil || q == nil {
		return resp
	}
	m, ok := q.pop()
	if !ok {
		return resp
	}
	pos := events.FormatPosition(m.position)
	if m.lost {
		return &graphql.Response{Errors: gqlerror.List{{
			Message:    "the subscriber fell too far behind and missed events; subscribe again with after: " + pos,
			Extensions: map[string]any{"code": string(apperr.Unavailable), "reason": "SUBSCRIBER_TOO_SLOW", "position": pos},
		}}}
	}
	if resp.Extensions == nil {
		resp.Extensions = map[string]any{}
	}
	resp.Extensions["position"] = pos
	return resp
}
