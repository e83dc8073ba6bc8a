package httpapi

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/itsm-graph/itsm/apperr"
)

// Causality lets a client read its own writes across instances: an
// answer's extensions.bookmark names its writes, and a request that sends
// it back in its extensions.bookmark reads a database that has them.
type Causality interface {
	// Within returns ctx under which the store waits for bookmark ("" for
	// none); BAD_USER_INPUT naming field when it is malformed.
	Within(ctx context.Context, field, bookmark string) (context.Context, error)
	// Bookmark is the bookmark of the writes made under ctx, or "".
	Bookmark(ctx context.Context) string
}

// bookmarks carries bookmarks between answers and requests.
type bookmarks struct{ c Causality }

var (
	_ graphql.HandlerExtension     = bookmarks{}
	_ graphql.OperationInterceptor = bookmarks{}
	_ graphql.ResponseInterceptor  = bookmarks{}
)

func (bookmarks) ExtensionName() string                   { return "Bookmarks" }
func (bookmarks) Validate(graphql.ExecutableSchema) error { return nil }

const bookmarkField = "extensions.bookmark"

// InterceptOperation starts the operation from the bookmark its request
// sent.
func (b bookmarks) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	given, ok := graphql.GetOperationContext(ctx).Extensions["bookmark"]
	s, isString := given.(string)
	if ok && !isString {
		return refuseBookmark("must be the string an earlier answer gave")
	}
	ctx, err := b.c.Within(ctx, bookmarkField, s)
	var bad *apperr.Error
	if errors.As(err, &bad) {
		return refuseBookmark(bad.Message)
	}
	if err != nil {
		return refuseBookmark("cannot be read")
	}
	return next(ctx)
}

// refuseBookmark answers a request whose bookmark cannot be used.
func refuseBookmark(message string) graphql.ResponseHandler {
	err := badInput("%s: %s", bookmarkField, message)
	err.Extensions["field"] = bookmarkField
	return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{err}})
}

// InterceptResponse names the operation's writes in the answer.
func (b bookmarks) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil {
		return nil
	}
	if bm := b.c.Bookmark(ctx); bm != "" {
		if resp.Extensions == nil {
			resp.Extensions = map[string]any{}
		}
		resp.Extensions["bookmark"] = bm
	}
	return resp
}
