package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/itsm-graph/itsm/impact"
)

// isSummaryField reports whether an item field (of GraphItem and its
// types) is filled by an impact.Summaries record.
func isSummaryField(name string) bool {
	switch name {
	case "__typename", "id", "name", "kind", "type", "status", "serviceKind":
		return true
	}
	return false
}

// isItemType reports whether values of a schema type come from
// impact.Node.Item.
func isItemType(name string) bool {
	switch name {
	case "GraphItem", "ConfigurationItem", "Service", "BusinessUnit", "BusinessProcess":
		return true
	}
	return false
}

// isAnswerType reports whether a field of this type maps an analysis
// straight to the answer; only such fields' selections decide the detail.
func isAnswerType(name string) bool { return name == "ImpactAnalysis" || name == "Reach" }

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
	if fc == nil || fc.Field.Definition == nil || !isAnswerType(fc.Field.Definition.Type.Name()) {
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
				if !isSummaryField(s.Name) {
					return false
				}
				continue
			}
			if s.Definition == nil {
				return false
			}
			if !summariesSuffice(op, s.SelectionSet, isItemType(s.Definition.Type.Name()), depth) {
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
