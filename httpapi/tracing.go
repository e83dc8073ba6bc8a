package httpapi

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/itsm-graph/itsm/telemetry"
)

// traceOperation puts each GraphQL operation in a span, a child of the
// caller's trace when the request carried a traceparent (accessLog
// extracted it). A query or mutation's span ends with its answer, a
// subscription's when it ends.
func traceOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	op := graphql.GetOperationContext(ctx)
	typ := "unknown"
	if op.Operation != nil {
		typ = string(op.Operation.Operation)
	}
	name := operationName(op)
	ctx, span := telemetry.Start(ctx, "httpapi", typ+" "+name, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("graphql.operation.type", typ), attribute.String("graphql.operation.name", name)))
	if info := infoOf(ctx); info != nil && span.SpanContext().IsValid() {
		info.mu.Lock()
		info.traceID = span.SpanContext().TraceID().String()
		info.mu.Unlock()
	}
	responses := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		resp := responses(ctx)
		if resp == nil || typ != "subscription" {
			if resp != nil && len(resp.Errors) > 0 {
				span.SetAttributes(attribute.Int("graphql.errors", len(resp.Errors)))
			}
			span.End()
		}
		return resp
	}
}

// traceRootField puts the resolution of each root field, with the work
// below it, in a span.
func traceRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	name := graphql.GetRootFieldContext(ctx).Field.Name
	ctx, span := telemetry.Start(ctx, "httpapi", "field "+name, trace.WithAttributes(attribute.String("graphql.field.name", name)))
	defer span.End()
	return next(ctx)
}
