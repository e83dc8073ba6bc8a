package httpapi

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/itsm-graph/itsm/apperr"
)

// depthLimit refuses operations nested deeper than max fields; gqlgen has
// no depth limit of its own, and a deep query over a graph can fan out far
// beyond what complexity estimates.
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string { return "DepthLimit" }

func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if got := depth(op.Operation.SelectionSet, map[string]bool{}); got > d.max {
		err := gqlerror.Errorf("the query is nested %d levels deep; the limit is %d: split it into several queries", got, d.max)
		err.Extensions = map[string]any{"code": string(apperr.BadUserInput)}
		return err
	}
	return nil
}

// depth counts field levels; fragments add no level of their own. visiting
// guards against fragment cycles, which validation rejects anyway.
func depth(set ast.SelectionSet, visiting map[string]bool) int {
	deepest := 0
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			d = 1 + depth(s.SelectionSet, visiting)
		case *ast.InlineFragment:
			d = depth(s.SelectionSet, visiting)
		case *ast.FragmentSpread:
			if s.Definition == nil || visiting[s.Name] {
				continue
			}
			visiting[s.Name] = true
			d = depth(s.Definition.SelectionSet, visiting)
			delete(visiting, s.Name)
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// noIntrospection refuses __schema and __type when introspection is off,
// before execution, so the caller gets a clear FORBIDDEN instead of a field
// failure.
type noIntrospection struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = noIntrospection{}

func (noIntrospection) ExtensionName() string { return "NoIntrospection" }

func (noIntrospection) Validate(graphql.ExecutableSchema) error { return nil }

func (noIntrospection) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if introspects(op.Operation.SelectionSet, map[string]bool{}) {
		err := gqlerror.Errorf("schema introspection is disabled on this server; the schema is published as schema.graphqls")
		err.Extensions = map[string]any{"code": string(apperr.Forbidden)}
		return err
	}
	return nil
}

func introspects(set ast.SelectionSet, visiting map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				return true
			}
		case *ast.InlineFragment:
			if introspects(s.SelectionSet, visiting) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && !visiting[s.Name] {
				visiting[s.Name] = true
				if introspects(s.Definition.SelectionSet, visiting) {
					return true
				}
			}
		}
	}
	return false
}
