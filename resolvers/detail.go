package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/itsm-graph/itsm/impact"
)

// summaryFields are the fields of an item (GraphItem and its types) that an
// impact.Summaries record fills.
var summaryFields = map[string]bool{
	"__typename": true, "id": true, "name": true, "kind": true, "type": true, "status": true, "serviceKind": true,
}

// itemTypes are the schema types whose values come from impact.Node.Item.
var itemTypes = map[string]bool{
	"GraphItem": true, "ConfigurationItem": true, "Service": true, "BusinessUnit": true, "BusinessProcess": true,
}

// answerTypes are the types of the fields whose resolvers map an analysis
// straight to the answer; only their selections decide the detail.
var answerTypes = map[string]bool{"ImpactAnalysis": true, "Reach": true}

// ItemDetail tells an impact.Analyzer how much of each reached item the
// current field shows. It answers summaries only for a field returning an
// impact analysis or a reach whose every selected item (roots, impacted or
// reached items, the drawing's items) asks for summary fields only; whole
// records otherwise, so that any other caller (a resolver whose domain
// logic reads the records) and calls outside a GraphQL request get whole
// records. Fragments count whatever their type condition and
// @skip/@include are ignored, so the answer errs towards whole records.
func ItemDetail(ctx context.Context) impact.Detail {
	if !graphql.HasOperationContext(ctx) {
		return impact.WholeItems
	}
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Definition == nil || !answerTypes[fc.Field.Definition.Type.Name()] {
		return impact.WholeItems
	}
	op := graphql.GetOperationContext(ctx)
	if summariesSuffice(op, fc.Field.Selections, false, 0) {
		return impact.Summaries
	}
	return impact.WholeItems
}

// maxFragmentNesting stops a walk through fragment spreads early; the
// validator already refuses cycles, this only bounds the work.
const maxFragmentNesting = 32

func summariesSuffice(op *graphql.OperationContext, set ast.SelectionSet, inItem bool, depth int) bool {
	if depth > maxFragmentNesting {
		return false
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if inItem {
				if !summaryFields[s.Name] {
					return false
				}
				continue
			}
			if s.Definition == nil {
				return false
			}
			if !summariesSuffice(op, s.SelectionSet, itemTypes[s.Definition.Type.Name()], depth) {
				return false
			}
		case *ast.InlineFragment:
			if !summariesSuffice(op, s.SelectionSet, inItem, depth+1) {
				return false
			}
		case *ast.FragmentSpread:
			def := s.Definition
			if def == nil && op.Doc != nil {
				def = op.Doc.Fragments.ForName(s.Name)
			}
			if def == nil || !summariesSuffice(op, def.SelectionSet, inItem, depth+1) {
				return false
			}
		}
	}
	return true
}
