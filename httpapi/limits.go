package httpapi

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/limits"
)

// documentLimits parses each new document with the token limit and measures
// it before gqlgen does anything else with it. Documents that passed are
// remembered, so a repeated query costs a map lookup.
type documentLimits struct {
	limits limits.Request
	passed smallQueries[struct{}]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = documentLimits{}

func newDocumentLimits(l limits.Request) documentLimits {
	return documentLimits{limits: l, passed: newSmallQueries[struct{}]()}
}

func (documentLimits) ExtensionName() string { return "DocumentLimits" }

func (documentLimits) Validate(graphql.ExecutableSchema) error { return nil }

func (d documentLimits) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if _, ok := d.passed.Get(ctx, params.Query); ok {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: params.Query}, d.limits.MaxTokens)
	if err != nil {
		if strings.Contains(err.Error(), "exceeded token limit") {
			return badInput("the query has more than %d tokens, the limit: send a smaller query or split it into several", d.limits.MaxTokens)
		}
		// gqlgen parses again and reports the syntax error itself.
		return nil
	}
	if err := d.measure(doc); err != nil {
		return err
	}
	d.passed.Add(ctx, params.Query, struct{}{})
	return nil
}

// badInput is a GraphQL error refusing the request as BAD_USER_INPUT
// before anything runs.
func badInput(format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	err.Extensions = map[string]any{"code": string(apperr.BadUserInput)}
	return err
}

// measure checks every operation of doc against the limits. Each fragment
// is measured once and its measure reused wherever it is spread, so the
// work is linear in the size of the document however its fragments nest.
func (d documentLimits) measure(doc *ast.QueryDocument) *gqlerror.Error {
	m := &measurer{limits: d.limits, doc: doc, frags: map[string]*shape{}}
	if n := directiveCount(doc); n > d.limits.MaxDirectives {
		return badInput("the query uses %d directives; the limit is %d", n, d.limits.MaxDirectives)
	}
	for _, op := range doc.Operations {
		s, err := m.set(op.SelectionSet)
		if err != nil {
			return err
		}
		switch {
		case s.depth > d.limits.MaxDepth:
			return badInput("the query is nested %d levels deep; the limit is %d: split it into several queries", s.depth, d.limits.MaxDepth)
		case s.aliases > d.limits.MaxAliases:
			return badInput("the query has %s aliased fields (fragments counted where they are spread); the limit is %d: split it into several queries", count(s.aliases), d.limits.MaxAliases)
		case s.fields > d.limits.MaxFields:
			return badInput("the query selects %s fields (fragments counted where they are spread); the limit is %d: split it into several queries", count(s.fields), d.limits.MaxFields)
		}
	}
	return nil
}

// shape is the measure of a selection set with its fragments expanded.
// Counts saturate instead of overflowing; keys counts each response name
// of the set's own level, where validation compares fields pairwise.
type shape struct {
	fields, aliases, depth int
	// lists is the most list fields of the introspection types on one
	// path (only meaningful below __schema and __type).
	lists int
	keys  map[string]int
}

// Introspection answers do not count against the depth limit: the standard
// introspection query of GraphiQL and code generators is 13 to 15 levels
// deep, mostly the ofType chain of a type reference, which costs nothing.
// What an introspection answer costs is its lists nested in one another
// (types → fields → args): the standard query nests three, and each more
// multiplies the answer by the size of the schema, so that is bounded
// instead.
var introspectionRoots = map[string]bool{"__schema": true, "__type": true}

var introspectionLists = map[string]bool{
	"types": true, "fields": true, "args": true, "inputFields": true, "interfaces": true,
	"possibleTypes": true, "enumValues": true, "directives": true,
}

// maxIntrospectionLists is the nesting of the standard introspection query.
const maxIntrospectionLists = 3

func introspectionNesting(sub *shape) *gqlerror.Error {
	if sub.lists > maxIntrospectionLists {
		return badInput("the introspection query nests %d lists (types, fields, args…) in one another; the limit is %d, as in the standard introspection query", sub.lists, maxIntrospectionLists)
	}
	return nil
}

type measurer struct {
	limits limits.Request
	doc    *ast.QueryDocument
	frags  map[string]*shape // nil while a fragment is being measured
}

// set measures a selection set and refuses it when one response name is
// selected more often than MaxFieldRepeats.
func (m *measurer) set(sel ast.SelectionSet) (*shape, *gqlerror.Error) {
	s := &shape{keys: map[string]int{}}
	spread := map[string]bool{}
	if err := m.collect(sel, s, spread); err != nil {
		return nil, err
	}
	for key, n := range s.keys {
		if n > m.limits.MaxFieldRepeats {
			return nil, badInput("the query selects %q %s times in one selection set (fragments included); the limit is %d", key, count(n), m.limits.MaxFieldRepeats)
		}
	}
	return s, nil
}

// collect adds the selections of one level to s: fields with what they
// select, inline fragments in place, and named fragments from their
// measure. A fragment spread twice on one level adds its keys once, as
// validation compares it once, but its fields twice, as every walk after
// validation expands it again.
func (m *measurer) collect(sel ast.SelectionSet, s *shape, spread map[string]bool) *gqlerror.Error {
	for _, x := range sel {
		switch x := x.(type) {
		case *ast.Field:
			sub, err := m.set(x.SelectionSet)
			if err != nil {
				return err
			}
			s.fields = add(s.fields, add(1, sub.fields))
			s.aliases = add(s.aliases, sub.aliases)
			if x.Alias != "" && x.Alias != x.Name {
				s.aliases = add(s.aliases, 1)
			}
			if introspectionRoots[x.Name] {
				if err := introspectionNesting(sub); err != nil {
					return err
				}
				s.depth = max(s.depth, 1)
			} else {
				s.depth = max(s.depth, 1+sub.depth)
			}
			lists := sub.lists
			if introspectionLists[x.Name] {
				lists = add(lists, 1)
			}
			s.lists = max(s.lists, lists)
			key := x.Alias
			if key == "" {
				key = x.Name
			}
			s.keys[key] = add(s.keys[key], 1)
		case *ast.InlineFragment:
			if err := m.collect(x.SelectionSet, s, spread); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			f, err := m.fragment(x.Name)
			if err != nil || f == nil {
				return err
			}
			s.fields = add(s.fields, f.fields)
			s.aliases = add(s.aliases, f.aliases)
			s.depth = max(s.depth, f.depth)
			s.lists = max(s.lists, f.lists)
			if !spread[x.Name] {
				spread[x.Name] = true
				for k, n := range f.keys {
					s.keys[k] = add(s.keys[k], n)
				}
			}
		}
	}
	return nil
}

// fragment returns the measure of a named fragment, nil when the document
// does not define it (validation reports that).
func (m *measurer) fragment(name string) (*shape, *gqlerror.Error) {
	if f, seen := m.frags[name]; seen {
		if f == nil {
			return nil, badInput("fragment %s spreads itself; remove the cycle", name)
		}
		return f, nil
	}
	def := m.doc.Fragments.ForName(name)
	if def == nil {
		return nil, nil
	}
	m.frags[name] = nil
	f, err := m.set(def.SelectionSet)
	if err != nil {
		return nil, err
	}
	m.frags[name] = f
	return f, nil
}

// directiveCount counts the directives written in the document; each is
// written once and validated once, so fragments are not expanded.
func directiveCount(doc *ast.QueryDocument) int {
	n := 0
	var walk func(ast.SelectionSet)
	walk = func(sel ast.SelectionSet) {
		for _, x := range sel {
			switch x := x.(type) {
			case *ast.Field:
				n += len(x.Directives)
				walk(x.SelectionSet)
			case *ast.InlineFragment:
				n += len(x.Directives)
				walk(x.SelectionSet)
			case *ast.FragmentSpread:
				n += len(x.Directives)
			}
		}
	}
	for _, op := range doc.Operations {
		n += len(op.Directives)
		for _, v := range op.VariableDefinitions {
			n += len(v.Directives)
		}
		walk(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		n += len(f.Directives)
		walk(f.SelectionSet)
	}
	return n
}

// add is saturating addition: doubling fragments reach huge counts.
func add(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

// count prints a saturated count as what it means.
func count(n int) string {
	if n == math.MaxInt {
		return "more than " + fmt.Sprint(math.MaxInt32)
	}
	return fmt.Sprint(n)
}

// wsConn counts the operations active on one WebSocket connection; wsInit
// puts one in the connection's context, which also tells operations that
// they arrived over a WebSocket.
type wsConn struct{ active atomic.Int64 }

type wsConnKey struct{}

func withWSConn(ctx context.Context) context.Context {
	return context.WithValue(ctx, wsConnKey{}, &wsConn{})
}

// operationLimits refuses subscriptions that did not arrive over a
// WebSocket (over POST or GET a subscription would hold the request open
// with nothing to send) and caps the operations one connection runs at
// once: each costs goroutines and a broker subscription for as long as it
// lives.
type operationLimits struct{ maxPerConn int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = operationLimits{}

func (operationLimits) ExtensionName() string { return "OperationLimits" }

func (operationLimits) Validate(graphql.ExecutableSchema) error { return nil }

func (o operationLimits) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	conn, _ := ctx.Value(wsConnKey{}).(*wsConn)
	if conn == nil {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation == ast.Subscription {
			return refuse("subscriptions are served over WebSocket only: connect to /graphql with the graphql-transport-ws protocol")
		}
		return next(ctx)
	}
	if conn.active.Add(1) > int64(o.maxPerConn) {
		conn.active.Add(-1)
		return refuse(fmt.Sprintf("this connection already runs %d operations, the limit: complete a subscription before starting another, or open another connection", o.maxPerConn))
	}
	context.AfterFunc(ctx, func() { conn.active.Add(-1) })
	return next(ctx)
}

func refuse(message string) graphql.ResponseHandler {
	return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{badInput("%s", message)}})
}

// withBudget gives each response (a query, a mutation, or one event of a
// subscription) its own database budget.
func withBudget(l limits.Request) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		return next(limits.WithBudget(ctx, limits.NewBudget(l.MaxTransactions, l.MaxConcurrentTransactions)))
	}
}

// cacheableQueryBytes is the longest query kept in the query caches: a
// cache of 1000 documents of up to MAX_BODY_BYTES each, with their syntax
// trees, would hold gigabytes. Longer queries are parsed on every request.
const cacheableQueryBytes = 32 << 10

// smallQueries is a query cache that keeps only queries of at most
// cacheableQueryBytes.
type smallQueries[T any] struct{ lru *lru.LRU[T] }

func newSmallQueries[T any]() smallQueries[T] { return smallQueries[T]{lru: lru.New[T](1000)} }

func (c smallQueries[T]) Get(ctx context.Context, query string) (T, bool) {
	return c.lru.Get(ctx, query)
}

func (c smallQueries[T]) Add(ctx context.Context, query string, v T) {
	if len(query) <= cacheableQueryBytes {
		c.lru.Add(ctx, query, v)
	}
}
