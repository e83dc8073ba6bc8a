package httpapi

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/itsm-graph/itsm/limits"
)

// TestDocumentMeasure: the measure of a document counts fragments where they
// are spread, each measured once, and names the limit a document breaks.
func TestDocumentMeasure(t *testing.T) {
	l := limits.Request{MaxTokens: 200, MaxAliases: 3, MaxFields: 11, MaxFieldRepeats: 2, MaxDirectives: 2, MaxDepth: 3}.WithDefaults()
	cases := []struct {
		name, query, want string // want "" means accepted
	}{
		{"plain", `{ me { subject roles } }`, ""},
		{"depth 3", `{ me { user { id } } }`, ""},
		{"depth 4", `{ me { user { groups { id } } } }`, "nested 4 levels"},
		{"depth through fragments", `{ ...A } fragment A on Query { me { ...B } } fragment B on Viewer { user { groups { id } } }`, "nested 4 levels"},
		{"three aliases", `{ a: me { subject } b: me { subject } c: me { subject } }`, ""},
		{"aliases times spreads", `{ ...A ...B } fragment A on Query { ...C } fragment B on Query { ...C } fragment C on Query { a: me { subject } b: me { subject } }`, "4 aliased"},
		{"fields times spreads", `{ ...A ...B } fragment A on Query { ...C } fragment B on Query { ...C } fragment C on Query { me { subject roles user { id name } } }`, "selects 12 fields"},
		{"repeats", `{ __typename __typename __typename }`, `"__typename" 3 times`},
		{"repeats through inline fragments", `{ __typename ... on Query { __typename ... { __typename } } }`, `"__typename" 3 times`},
		{"a fragment spread twice repeats once", `{ ...A ...A } fragment A on Query { __typename }`, ""},
		{"repeats through fragments", `{ ...A ...B ...C } fragment A on Query { me { subject } } fragment B on Query { me { subject } } fragment C on Query { me { subject } }`, `"me" 3 times`},
		{"directives", `{ me @include(if: true) { subject @skip(if: false) roles @include(if: true) } }`, "3 directives"},
		{"tokens", `{ me { ` + strings.Repeat("subject ", 200) + `} }`, "tokens"},
		{"doubling", doubling(60), "more than"},
		{"cycle", `{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`, "spreads itself"},
		{"unknown fragment is left to validation", `{ ...Nope }`, ""},
		{"syntax errors are left to the parser", `{ me { `, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := newDocumentLimits(l)
			err := d.MutateOperationParameters(context.Background(), &graphql.RawParams{Query: tc.query})
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("accepted, want a refusal naming %q", tc.want)
			case err != nil && !strings.Contains(err.Message, tc.want):
				t.Fatalf("message %q does not say %q", err.Message, tc.want)
			case err != nil && err.Extensions["code"] != "BAD_USER_INPUT":
				t.Fatalf("extensions %v, want code BAD_USER_INPUT", err.Extensions)
			}
		})
	}
}

func doubling(levels int) string {
	var b strings.Builder
	b.WriteString("{ ...F0 }")
	for i := range levels {
		b.WriteString(" fragment F" + itoa(i) + " on Query { ...F" + itoa(i+1) + " ...F" + itoa(i+1) + " }")
	}
	b.WriteString(" fragment F" + itoa(levels) + " on Query { __typename }")
	return b.String()
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestQueryCacheKeepsOnlySmallQueries: padding queries to the body limit
// must not let a thousand of them fill memory through the caches.
func TestQueryCacheKeepsOnlySmallQueries(t *testing.T) {
	ctx := context.Background()
	c := newSmallQueries[int]()
	small, large := "{ me { subject } }", "{ me { subject } }"+strings.Repeat(" ", cacheableQueryBytes)
	c.Add(ctx, small, 1)
	c.Add(ctx, large, 2)
	if v, ok := c.Get(ctx, small); !ok || v != 1 {
		t.Errorf("small query not cached")
	}
	if _, ok := c.Get(ctx, large); ok {
		t.Errorf("a query of %d bytes was cached", len(large))
	}
}
