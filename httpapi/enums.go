package httpapi

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// strictEnums refuses enum values in variables that the schema does not
// spell exactly so. gqlparser's variable validation compares enum values
// ignoring case (and lets numbers through), while the generated decoders
// compare them exactly, so "asc" for a SortDirection would pass validation
// and then fail inside execution as an error without a code.
type strictEnums struct{ schema *ast.Schema }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = strictEnums{}

func (strictEnums) ExtensionName() string { return "StrictEnums" }

func (strictEnums) Validate(graphql.ExecutableSchema) error { return nil }

func (s strictEnums) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	for _, def := range op.Operation.VariableDefinitions {
		v, ok := op.Variables[def.Variable]
		if !ok {
			continue
		}
		if msg := s.badEnum(def.Type, v, "$"+def.Variable); msg != "" {
			return badInput("%s", msg)
		}
	}
	return nil
}

// badEnum describes the first enum value in v (of type t, at path) that is
// not one of its type's values, or returns "" when there is none. Input
// objects and lists are walked; a single value given for a list type is
// checked as an element, as GraphQL coerces it into a list of one.
func (s strictEnums) badEnum(t *ast.Type, v any, path string) string {
	if v == nil {
		return ""
	}
	if t.Elem != nil {
		items, ok := v.([]any)
		if !ok {
			return s.badEnum(t.Elem, v, path)
		}
		for i, item := range items {
			if msg := s.badEnum(t.Elem, item, fmt.Sprintf("%s[%d]", path, i)); msg != "" {
				return msg
			}
		}
		return ""
	}
	def := s.schema.Types[t.NamedType]
	if def == nil {
		return ""
	}
	switch def.Kind {
	case ast.Enum:
		str, _ := v.(string)
		if def.EnumValues.ForName(str) != nil {
			return ""
		}
		names := make([]string, len(def.EnumValues))
		for i, ev := range def.EnumValues {
			names[i] = ev.Name
		}
		return fmt.Sprintf("%s: %v is not a value of %s; use one of %s (in capitals, exactly as written)", path, v, def.Name, strings.Join(names, ", "))
	case ast.InputObject:
		fields, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		for _, f := range def.Fields {
			if msg := s.badEnum(f.Type, fields[f.Name], path+"."+f.Name); msg != "" {
				return msg
			}
		}
	}
	return ""
}
