package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// repeated returns head, then item formatted with 0 … n-1, then tail: a
// query that breaks one rule n times.
func repeated(head, item, tail string, n int) string {
	var b strings.Builder
	b.WriteString(head)
	for i := range n {
		fmt.Fprintf(&b, item, i)
	}
	b.WriteString(tail)
	return b.String()
}

// unknownDirectives returns a query whose only field carries n directives
// the schema does not define.
func unknownDirectives(n int) string { return repeated("{ __typename", " @d%d", " }", n) }

// unknownArguments returns a query whose only field takes n arguments it
// does not have: each is one validation error, and the document stays
// small (three tokens an argument).
func unknownArguments(n int) string { return repeated("{ me(", "a%d: 1 ", ") { subject } }", n) }

// TestErrorsPerResponseCapped: a document that breaks a rule many times
// gets at most 100 errors, the last of which says how many were left out,
// so that a small request cannot ask for a megabyte of answer.
func TestErrorsPerResponseCapped(t *testing.T) {
	e := newEnv(t, app.Limits{})
	check := func(t *testing.T, r *gqlResponse) {
		t.Helper()
		if len(r.Body) > 64<<10 {
			t.Errorf("body is %d bytes, want at most 64 KiB", len(r.Body))
		}
		if len(r.Errors) > 100 {
			t.Errorf("%d errors, want at most 100", len(r.Errors))
		}
		for i, er := range r.Errors {
			if er.Extensions.Code != "BAD_USER_INPUT" {
				t.Errorf("errors[%d] code %s, want BAD_USER_INPUT", i, er.Extensions.Code)
			}
		}
	}
	t.Run("3000 unknown directives", func(t *testing.T) {
		check(t, e.gql(t, e.analyst, unknownDirectives(3000), nil))
	})

	cases := []struct {
		name      string
		arguments int
		want      int
	}{
		{"99 errors are all shown", 99, 99},
		{"100 errors are all shown", 100, 100},
		{"101 errors", 101, 100},
		{"150 errors", 150, 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.gql(t, e.analyst, unknownArguments(tc.arguments), nil)
			check(t, r)
			if len(r.Errors) != tc.want {
				t.Fatalf("%d errors, want %d", len(r.Errors), tc.want)
			}
			last := r.Errors[len(r.Errors)-1].Message
			if left := tc.arguments - (tc.want - 1); tc.arguments > tc.want {
				if !strings.Contains(last, fmt.Sprintf("%d more errors", left)) {
					t.Errorf("last message %q does not say that %d more errors were left out", last, left)
				}
			} else if !strings.Contains(last, "Unknown argument") {
				t.Errorf("last message %q, want the last validation error", last)
			}
		})
	}
}
