package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/graph/model"
)

// authDirective enforces @auth(roles:) before a root field runs.
func authDirective(ctx context.Context, _ any, next graphql.Resolver, roles []model.Role) (any, error) {
	if _, err := auth.Require(ctx, toRoles(roles)...); err != nil {
		return nil, err
	}
	return next(ctx)
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
