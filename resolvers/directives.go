package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/graph/model"
)

// authDirective enforces @auth(roles:, staff:) before a root field runs.
func authDirective(ctx context.Context, _ any, next graphql.Resolver, roles []model.Role, staff bool) (any, error) {
	if _, err := auth.Require(ctx, authRoles(roles, staff)...); err != nil {
		return nil, err
	}
	return next(ctx)
}

// authRoles is the role list an @auth directive stands for: staff adds the
// staff roles after those listed.
func authRoles(roles []model.Role, staff bool) []auth.Role {
	out := toRoles(roles)
	if staff {
		out = append(out, auth.Staff...)
	}
	return out
}

// DirectiveRoles returns the roles a field's @auth directive lets through
// (ADMIN aside): nil when any authenticated principal may call the field.
// Tests that read the contract use it, so they agree with authDirective.
func DirectiveRoles(d *ast.Directive) []auth.Role {
	var roles []model.Role
	if a := d.Arguments.ForName("roles"); a != nil && a.Value != nil {
		for _, c := range a.Value.Children {
			roles = append(roles, model.Role(c.Value.Raw))
		}
	}
	staff := false
	if a := d.Arguments.ForName("staff"); a != nil && a.Value != nil {
		staff = a.Value.Raw == "true"
	}
	if r := authRoles(roles, staff); len(r) > 0 {
		return r
	}
	return nil
}

func toRoles(in []model.Role) []auth.Role {
	out := make([]auth.Role, len(in))
	for i, r := range in {
		out[i] = auth.Role(r)
	}
	return out
}

func fromRoles(in []auth.Role) []model.Role {
	out := make([]model.Role, len(in))
	for i, r := range in {
		out[i] = model.Role(r)
	}
	return out
}
