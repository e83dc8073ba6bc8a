package resolvers

import (
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/graph"
)

// Every root field must say who may call it: a field without @auth or
// @public would be callable by anyone holding any token.
func TestEveryRootFieldDeclaresWhoMayCallIt(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &Resolver{}}).Schema()
	roots := []string{"Query", "Mutation", "Subscription"}
	checked := 0
	for _, name := range roots {
		def := schema.Types[name]
		if def == nil {
			t.Fatalf("schema has no %s type", name)
		}
		for _, f := range def.Fields {
			if len(f.Name) > 1 && f.Name[:2] == "__" {
				continue // introspection
			}
			checked++
			auth, public := f.Directives.ForName("auth"), f.Directives.ForName("public")
			switch {
			case auth == nil && public == nil:
				t.Errorf("%s.%s has neither @auth nor @public", name, f.Name)
			case auth != nil && public != nil:
				t.Errorf("%s.%s has both @auth and @public", name, f.Name)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d root fields; is the schema loaded?", checked)
	}
}

// Only login may be called without a token.
func TestOnlyLoginIsPublic(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &Resolver{}}).Schema()
	for _, name := range []string{"Query", "Mutation", "Subscription"} {
		for _, f := range schema.Types[name].Fields {
			if f.Directives.ForName("public") != nil && !(name == "Mutation" && f.Name == "login") {
				t.Errorf("%s.%s is @public; only Mutation.login may be", name, f.Name)
			}
		}
	}
}

// SPEC §3: every type and field of the contract has a description; so do
// input fields and enum values, which clients see just as much.
func TestEverythingIsDescribed(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &Resolver{}}).Schema()
	described := 0
	for name, def := range schema.Types {
		if def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		if def.Description == "" {
			t.Errorf("type %s has no description", name)
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			described++
			if f.Description == "" {
				t.Errorf("%s.%s has no description", name, f.Name)
			}
		}
		for _, v := range def.EnumValues {
			if v.Description == "" {
				t.Errorf("enum value %s.%s has no description", name, v.Name)
			}
		}
	}
	if described < 100 {
		t.Fatalf("checked only %d fields; is the schema loaded?", described)
	}
}
