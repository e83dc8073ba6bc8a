// Package scalars implements the schema's custom scalars, so that a
// malformed value is the caller's error (BAD_USER_INPUT naming the fix)
// rather than an unexplained failure.
package scalars

import (
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/itsm-graph/itsm/apperr"
)

// MarshalDateTime writes t in RFC 3339 (with fractions when present), UTC.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(time.RFC3339Nano)))
	})
}

// UnmarshalDateTime reads an RFC 3339 string; any offset is kept as the
// same instant and stored in UTC.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, apperr.New(apperr.BadUserInput, "a DateTime is an RFC 3339 string such as 2026-01-31T09:30:00Z, not %T", v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, apperr.New(apperr.BadUserInput, "%q is not an RFC 3339 DateTime; write it like 2026-01-31T09:30:00Z", s)
	}
	return t.UTC(), nil
}
