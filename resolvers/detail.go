package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/itsm-graph/itsm/impact"
)

// itemFieldNeed is how much of an item record a field of GraphItem or of
// one of its types needs.
func itemFieldNeed(name string) impact.Detail {
	switch name {
	case "__typename", "id", "name", "kind":
		return impact.Names
	case "type", "status", "serviceKind":
		return impact.Summaries
	}
	return impact.WholeItems
}

// drawingFieldNeed is how much of an item record a field of a drawing's
// node (GraphNode) needs: its type and status come from the record.
func drawingFieldNeed(name string) impact.Detail {
	if name == "type" || name == "status" {
		return impact.Summaries
	}
	return impact.Names
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
func isAnswerType(name string) bool {
	return name == "ImpactAnalysis" || name == "Reach" || name == "NearbyChange"
}

// ItemDetail tells an impact.Analyzer how much of each reached item the
// current field shows. It answers less than whole records only for a field
// returning an impact analysis, a reach or nearby changes, from what its
// selection asks of items (roots, impacted or reached items, the drawing's
// nodes and items); whole records otherwise, so that any other caller (a resolver whose
// domain logic reads the records) and calls outside a GraphQL request get
// whole records. Fragments count whatever their type condition and
// @skip/@include are ignored, so the answer errs towards more.
func ItemDetail(ctx context.Context) impact.Detail {
	if !graphql.HasOperationContext(ctx) {
		return impact.WholeItems
	}
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Definition == nil || !isAnswerType(fc.Field.Definition.Type.Name()) {
		return impact.WholeItems
	}
	return need(graphql.GetOperationContext(ctx), fc.Field.Selections, false)
}

// maxFragmentNesting stops a walk through fragment spreads early; the
// validator already refuses cycles, this only bounds the work.
const maxFragmentNesting = 32

// eachField calls visit with every field of set, looking into inline
// fragments and fragment spreads whatever their type condition
// (@skip/@include are ignored, so a caller errs towards more). It stops
// at the first visit that answers false, and answers false then or when a
// fragment cannot be followed.
func eachField(op *graphql.OperationContext, set ast.SelectionSet, visit func(*ast.Field) bool) bool {
	var walk func(set ast.SelectionSet, depth int) bool
	walk = func(set ast.SelectionSet, depth int) bool {
		if depth > maxFragmentNesting {
			return false
		}
		for _, sel := range set {
			ok := true
			switch s := sel.(type) {
			case *ast.Field:
				ok = visit(s)
			case *ast.InlineFragment:
				ok = walk(s.SelectionSet, depth+1)
			case *ast.FragmentSpread:
				def := s.Definition
				if def == nil && op.Doc != nil {
					def = op.Doc.Fragments.ForName(s.Name)
				}
				ok = def != nil && walk(def.SelectionSet, depth+1)
			}
			if !ok {
				return false
			}
		}
		return true
	}
	return walk(set, 0)
}

// need is the detail a selection set needs, inItem when it selects fields
// of an item.
func need(op *graphql.OperationContext, set ast.SelectionSet, inItem bool) impact.Detail {
	d := impact.Names
	complete := eachField(op, set, func(s *ast.Field) bool {
		switch {
		case inItem:
			d = min(d, itemFieldNeed(s.Name))
		case s.Definition == nil:
			d = impact.WholeItems
		default:
			if s.ObjectDefinition != nil && s.ObjectDefinition.Name == "GraphNode" {
				d = min(d, drawingFieldNeed(s.Name))
			}
			d = min(d, need(op, s.SelectionSet, isItemType(s.Definition.Type.Name())))
		}
		return d != impact.WholeItems
	})
	if !complete {
		return impact.WholeItems
	}
	return d
}

// selects says whether the current field's selection reaches the field at
// path (by field names, through fragments whatever their type condition).
func selects(ctx context.Context, path ...string) bool {
	if !graphql.HasOperationContext(ctx) || graphql.GetFieldContext(ctx) == nil {
		return false
	}
	op := graphql.GetOperationContext(ctx)
	var reaches func(set ast.SelectionSet, path []string) bool
	reaches = func(set ast.SelectionSet, path []string) bool {
		found := false
		eachField(op, set, func(f *ast.Field) bool {
			found = f.Name == path[0] && (len(path) == 1 || reaches(f.SelectionSet, path[1:]))
			return !found
		})
		return found
	}
	return reaches(graphql.GetFieldContext(ctx).Field.Selections, path)
}
