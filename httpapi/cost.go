package httpapi

import (
	"context"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// costLimit refuses an operation whose cost passes the limit before it
// runs. The cost is what the operation could return: each object counts
// one, each list multiplies what it selects by its page size, and graph
// analyses and counts weigh what they cost the database (resolvers/cost.go).
// Scalars and enums cost nothing, so asking for a dozen fields of each item
// costs no more than asking for one.
type costLimit struct {
	max int
	es  graphql.ExecutableSchema
}

var (
	_ graphql.HandlerExtension        = (*costLimit)(nil)
	_ graphql.OperationContextMutator = (*costLimit)(nil)
)

func (*costLimit) ExtensionName() string { return "CostLimit" }

func (c *costLimit) Validate(es graphql.ExecutableSchema) error {
	c.es = es
	return nil
}

func (c *costLimit) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	cost := complexity.Calculate(ctx, c.es, op.Operation, op.Variables, complexity.WithFixedScalarValue(0))
	if cost <= c.max {
		return nil
	}
	return badInput("query complexity: this query could return about %d objects (graph analyses and counts weighed in), "+
		"more than the limit of %d; ask for smaller pages (first), fewer nested lists or shallower analyses, "+
		"or split it into several queries", cost, c.max)
}
