package httpapi

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
)

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
		err := gqlerror.Errorf("schema introspection is disabled on this server; the schema is published as schema.graphqls and schema/*.graphqls in the repository")
		err.Extensions = map[string]any{"code": string(apperr.Forbidden)}
		return err
	}
	return nil
}

func introspects(set ast.SelectionSet, visiting map[string]bool) bool {
	return anyRootField(set, visiting, func(f *ast.Field) bool { return f.Name == "__schema" || f.Name == "__type" })
}

// anyRootField reports whether match holds for a field of the selection
// set, looking into its fragments but not into the fields' own selections.
func anyRootField(set ast.SelectionSet, visiting map[string]bool, match func(*ast.Field) bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if match(s) {
				return true
			}
		case *ast.InlineFragment:
			if anyRootField(s.SelectionSet, visiting, match) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && !visiting[s.Name] {
				visiting[s.Name] = true
				if anyRootField(s.Definition.SelectionSet, visiting, match) {
					return true
				}
			}
		}
	}
	return false
}

// signInFirst refuses, before anything runs, an operation without a token
// that asks for more than the fields open to everyone (login, __typename
// and, when it is on, introspection): its answer would be UNAUTHENTICATED
// whatever it asked, and refusing it whole gives it the same answer as an
// invalid token, HTTP 401 (see answers).
type signInFirst struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = signInFirst{}

func (signInFirst) ExtensionName() string { return "SignInFirst" }

func (signInFirst) Validate(graphql.ExecutableSchema) error { return nil }

func (signInFirst) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if auth.FromContext(ctx) != nil {
		return nil
	}
	needsToken := anyRootField(op.Operation.SelectionSet, map[string]bool{}, func(f *ast.Field) bool {
		if strings.HasPrefix(f.Name, "__") {
			return false
		}
		return f.Definition == nil || f.Definition.Directives.ForName("public") == nil
	})
	if !needsToken {
		return nil
	}
	err := gqlerror.Errorf("sign in first: send 'Authorization: Bearer <token>' (the login mutation returns a token)")
	err.Extensions = map[string]any{"code": string(apperr.Unauthenticated)}
	return err
}
