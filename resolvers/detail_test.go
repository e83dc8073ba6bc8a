package resolvers

import (
	"context"
	"fmt"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/impact"
)

// inField returns a context as a resolver of the first field named name in
// query sees it.
func inField(t *testing.T, query, name string) context.Context {
	t.Helper()
	doc, errs := gqlparser.LoadQueryWithRules(graph.NewExecutableSchema(graph.Config{}).Schema(), query, nil)
	if errs != nil {
		t.Fatalf("%s: %v", query, errs)
	}
	var found *ast.Field
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if s.Name == name && found == nil {
					found = s
				}
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			}
		}
	}
	walk(doc.Operations[0].SelectionSet)
	if found == nil {
		t.Fatalf("no field %s in %s", name, query)
	}
	ctx := graphql.WithOperationContext(context.Background(), &graphql.OperationContext{Doc: doc})
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: found, Selections: found.SelectionSet}})
}

func TestRelationshipEnds(t *testing.T) {
	const frag = ` fragment F on ConfigurationItem { id name environment }`
	cases := []struct {
		rels string
		want cmdb.Ends
	}{
		{`{ type target { id name type status } }`, cmdb.SummaryEnds},
		{`{ id type createdAt }`, cmdb.SummaryEnds},
		{`{ type source { __typename kind } target { id relationships { target { id environment } } } }`, cmdb.SummaryEnds},
		{`{ target { ... on ConfigurationItem { name status } } }`, cmdb.SummaryEnds},
		{`{ target { id environment } }`, cmdb.WholeEnds},
		{`{ source { id ownerGroup { id } } }`, cmdb.WholeEnds},
		{`{ target { ... on ConfigurationItem { attributes { key } } } }`, cmdb.WholeEnds},
		{`{ ... on Relationship { target { ...F } } }`, cmdb.WholeEnds},
	}
	for _, c := range cases {
		query := `query($id: ID!) { node(id: $id) { ... on ConfigurationItem { relationships ` + c.rels + ` } } }`
		if c.rels == cases[len(cases)-1].rels {
			query += frag
		}
		if got := relationshipEnds(inField(t, query, "relationships")); got != c.want {
			t.Errorf("relationships %s: ends %v, want %v", c.rels, got, c.want)
		}
	}
}

func TestItemDetail(t *testing.T) {
	const analysis = `query($id: ID!) { impactAnalysis(input: {ciIds: [$id]}) %s }`
	const near = `query($id: ID!) { changesNear(ciId: $id) %s }`
	cases := []struct {
		query, field, sel string
		want              impact.Detail
	}{
		{analysis, "impactAnalysis", `{ counts { total } impacted { distance item { id name } } }`, impact.Names},
		{analysis, "impactAnalysis", `{ impacted { item { ... on ConfigurationItem { type status } } } }`, impact.Summaries},
		{analysis, "impactAnalysis", `{ graph { nodes { type item { id } } } }`, impact.Summaries},
		{analysis, "impactAnalysis", `{ impacted { item { ... on ConfigurationItem { description } } } }`, impact.WholeItems},
		{analysis, "impactAnalysis", `{ impacted { item { ...F } } } } fragment F on ConfigurationItem { id location`, impact.WholeItems},
		{near, "changesNear", `{ rank item { id name } path { id } }`, impact.Names},
		{near, "changesNear", `{ item { ... on ConfigurationItem { status } } }`, impact.Summaries},
		{near, "changesNear", `{ item { ... on ConfigurationItem { createdAt } } }`, impact.WholeItems},
	}
	for _, c := range cases {
		if got := ItemDetail(inField(t, fmt.Sprintf(c.query, c.sel), c.field)); got != c.want {
			t.Errorf("%s %s: detail %v, want %v", c.field, c.sel, got, c.want)
		}
	}
}
