package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/itsm-graph/itsm/apperr"
)

// publicMessage is what a client may read of err: the message of an
// application error, a fixed text for anything else.
func publicMessage(err error) string {
	var app *apperr.Error
	if errors.As(err, &app) {
		return app.Message
	}
	return "internal error"
}

// presentError gives every GraphQL error an extensions.code from SPEC §3.
// Application errors show their message; errors gqlgen raises about the
// query itself (parse, validation, limits) are BAD_USER_INPUT with gqlgen's
// message; anything else is INTERNAL with a fixed message and is logged,
// so that database or driver text never reaches a client.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		presented := graphql.DefaultErrorPresenter(ctx, err)
		var app *apperr.Error
		var gqlErr *gqlerror.Error
		switch {
		case errors.As(err, &app):
			presented.Message = app.Message
			presented.Extensions = map[string]any{"code": string(app.Code)}
			if app.Field != "" {
				presented.Extensions["field"] = app.Field
			}
			if app.RetryAfter > 0 {
				presented.Extensions["retryAfter"] = int(app.RetryAfter / time.Second)
			}
			if app.Code == apperr.Internal || app.Code == apperr.Unavailable {
				log.Error("request failed", "request_id", requestID(ctx), "code", app.Code, "err", err, "path", presented.Path.String())
			}
		case errors.As(err, &gqlErr) && errors.Unwrap(gqlErr) == nil:
			code := gqlErr.Extensions["code"]
			if c, ok := code.(string); ok && isSpecCode(c) {
				presented.Extensions = map[string]any{"code": c}
				break
			}
			presented.Extensions = map[string]any{"code": string(apperr.BadUserInput)}
			if code != nil {
				presented.Extensions["reason"] = code
			}
		default:
			log.Error("unexpected error", "request_id", requestID(ctx), "err", err, "path", presented.Path.String())
			presented.Message = "internal error"
			presented.Extensions = map[string]any{"code": string(apperr.Internal)}
		}
		presented.Err = nil
		return presented
	}
}

// recoverPanic logs a resolver panic with its stack and answers INTERNAL.
func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.Error("panic in resolver", "request_id", requestID(ctx), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return apperr.New(apperr.Internal, "internal error")
	}
}

func isSpecCode(c string) bool {
	switch apperr.Code(c) {
	case apperr.Unauthenticated, apperr.Forbidden, apperr.BadUserInput, apperr.NotFound, apperr.Conflict,
		apperr.InvalidTransition, apperr.Unavailable, apperr.Internal:
		return true
	}
	return false
}

// maxErrorsPerResponse bounds the errors of one response: a document that
// breaks a rule thousands of times (unknown directives, say) would otherwise
// get an answer hundreds of times its own size.
const maxErrorsPerResponse = 100

// capErrors keeps the first maxErrorsPerResponse-1 errors of a response and
// replaces the rest with one error saying how many were left out. Every
// GraphQL response passes through it: validation failures as well as
// execution results and subscription events.
func capErrors(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || len(resp.Errors) <= maxErrorsPerResponse {
		return resp
	}
	kept := resp.Errors[:maxErrorsPerResponse-1]
	left := resp.Errors[len(kept):]
	code := string(apperr.BadUserInput)
	if c, ok := left[0].Extensions["code"].(string); ok {
		code = c
	}
	summary := &gqlerror.Error{
		Message:    fmt.Sprintf("%d more errors were left out; fix those above and send the request again", len(left)),
		Extensions: map[string]any{"code": code},
	}
	resp.Errors = append(kept[:len(kept):len(kept)], summary)
	return resp
}
