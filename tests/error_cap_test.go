package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// unknownDirectives returns a query whose only field carries n directives
// the schema does not define: each is one validation error.
func unknownDirectives(n int) string {
	var b strings.Builder
	b.WriteString("{ __typename")
	for i := range n {
		fmt.Fprintf(&b, " @d%d", i)
	}
	b.WriteString(" }")
	return b.String()
}

// TestErrorsPerResponseCapped: a document that breaks a rule thousands of
// times gets at most 100 errors, the last of which says how many were left
// out, so that a small request cannot ask for a megabyte of answer.
func TestErrorsPerResponseCapped(t *testing.T) {
	e := newEnv(t, app.Limits{})
	cases := []struct {
		name       string
		directives int
		want       int
	}{
		{"99 errors are all shown", 99, 99},
		{"100 errors are all shown", 100, 100},
		{"101 errors", 101, 100},
		{"150 errors", 150, 100},
		{"3000 errors", 3000, 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.gql(t, e.analyst, unknownDirectives(tc.directives), nil)
			if len(r.Body) > 64<<10 {
				t.Errorf("body is %d bytes, want at most 64 KiB", len(r.Body))
			}
			if len(r.Errors) != tc.want {
				t.Fatalf("%d errors, want %d", len(r.Errors), tc.want)
			}
			for i, er := range r.Errors {
				if er.Extensions.Code != "BAD_USER_INPUT" {
					t.Errorf("errors[%d] code %s, want BAD_USER_INPUT", i, er.Extensions.Code)
				}
			}
			last := r.Errors[len(r.Errors)-1].Message
			if left := tc.directives - (tc.want - 1); tc.directives > tc.want {
				if !strings.Contains(last, fmt.Sprintf("%d more errors", left)) {
					t.Errorf("last message %q does not say that %d more errors were left out", last, left)
				}
			} else if !strings.Contains(last, "Unknown directive") {
				t.Errorf("last message %q, want the last validation error", last)
			}
		})
	}
}
