// Package apperr is the one error type of the application. Every error that
// reaches a client carries one of the codes of SPEC §3; the GraphQL layer maps
// Code to extensions.code and shows Message, never the wrapped cause.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an error for clients (SPEC §3).
type Code string

// The codes clients can rely on.
const (
	Unauthenticated   Code = "UNAUTHENTICATED"
	Forbidden         Code = "FORBIDDEN"
	BadUserInput      Code = "BAD_USER_INPUT"
	NotFound          Code = "NOT_FOUND"
	Conflict          Code = "CONFLICT"
	InvalidTransition Code = "INVALID_TRANSITION"
	Unavailable       Code = "UNAVAILABLE"
	Internal          Code = "INTERNAL"
)

// Error is an application error. Message is written for the caller: it says
// what was wrong and how to fix it. Cause is for logs only.
type Error struct {
	Code    Code
	Message string
	// Field names the input field at fault, when there is one.
	Field string
	// RetryAfter, when set, is how long the caller should wait before
	// trying again (a throttled request).
	RetryAfter time.Duration
	Cause      error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Cause)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Cause }

// New returns an error with a code and a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with a code and message that keeps cause for logs.
func Wrap(cause error, code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Cause: cause}
}

// Invalid reports a bad value in one input field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: BadUserInput, Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// Stale refuses a write made against an old version of a record: CONFLICT
// with the one message every kind of record uses. what names the kind
// ("CI", "change", …), have is the stored version, want the one the caller
// read.
func Stale(what, id string, have, want int) *Error {
	return New(Conflict, "%s %s is at version %d, not %d: someone changed it since you read it; read it again and reapply your change", what, id, have, want)
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries code.
func Is(err error, code Code) bool {
	return err != nil && CodeOf(err) == code
}

// Throttled refuses a request that may be retried later: UNAVAILABLE
// whose message and RetryAfter give the wait, rounded up to whole seconds
// so that a client waiting that long is never early.
func Throttled(wait time.Duration, reason string) *Error {
	secs := max(1, int64((wait+time.Second-1)/time.Second))
	return &Error{Code: Unavailable, Message: fmt.Sprintf("%s; try again in %d seconds", reason, secs), RetryAfter: time.Duration(secs) * time.Second}
}
