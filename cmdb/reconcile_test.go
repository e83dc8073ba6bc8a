package cmdb

import (
	"slices"
	"testing"
)

func TestRulesMayWrite(t *testing.T) {
	r := Rules{Precedence: []Precedence{
		{Field: "location", Sources: []string{"hardware", "hypervisor"}},
		{Field: DefaultPrecedence, Sources: []string{"cmdb-import"}},
	}}
	for _, c := range []struct {
		field, owner, source string
		want                 bool
	}{
		{"location", "", "anyone", true},
		{"location", "hardware", "hardware", true},
		{"location", "hardware", "hypervisor", false},
		{"location", "hypervisor", "hardware", true},
		{"location", "hardware", "scanner", false},
		{"location", "scanner", "hypervisor", true},
		{"location", "scanner", "other", true}, // both unlisted: the latest wins
		{"name", "cmdb-import", "hardware", false},
		{"name", "hardware", "cmdb-import", true},
		{"attributes.rack", "a", "b", true},
	} {
		if got := r.mayWrite(c.field, c.owner, c.source); got != c.want {
			t.Errorf("%s owned by %q, written by %q: got %v, want %v", c.field, c.owner, c.source, got, c.want)
		}
	}
}

func TestRulesValidate(t *testing.T) {
	for _, c := range []struct {
		name  string
		rules []Precedence
		ok    bool
	}{
		{"empty", nil, true},
		{"fields", []Precedence{{"location", []string{"a"}}, {"attributes.rack", []string{"a", "b"}}, {"*", []string{"c"}}}, true},
		{"unknown field", []Precedence{{"enviroment", []string{"a"}}}, false},
		{"twice", []Precedence{{"location", []string{"a"}}, {"location", []string{"b"}}}, false},
		{"no sources", []Precedence{{"location", nil}}, false},
		{"repeated source", []Precedence{{"location", []string{"a", "a"}}}, false},
		{"blank source", []Precedence{{"location", []string{""}}}, false},
		{"bad key", []Precedence{{"attributes.a b", []string{"a"}}}, false},
	} {
		err := Rules{Precedence: c.rules}.Validate()
		if (err == nil) != c.ok {
			t.Errorf("%s: error %v", c.name, err)
		}
	}
}

func TestFieldOwner(t *testing.T) {
	c := CI{Source: "discovery", Name: "h", Location: "DC1", Attributes: map[string]string{"os": "linux"},
		FieldSources: map[string]string{"location": "hardware", "attributes.os": ""}}
	for field, want := range map[string]string{
		"name":                "discovery", // its creator's, implicitly
		"location":            "hardware",  // recorded
		"attributes.os":       "",          // a person set it
		"attributes.warranty": "",          // nobody has
		"description":         "",
		"redundancyMinimumUp": "",
	} {
		if got := c.FieldOwner(field); got != want {
			t.Errorf("%s: owner %q, want %q", field, got, want)
		}
	}
}

// TestGovernedFieldsRoundTrip: every field the rules may name reads and
// copies.
func TestGovernedFieldsRoundTrip(t *testing.T) {
	src := CI{Name: "n", Type: TypeServer, Status: StatusActive, Environment: EnvTest, Criticality: CriticalityHigh, Description: "d",
		Location: "l", OwnerGroupID: "g", MinimumUp: 2, Attributes: map[string]string{"k": "v"}}
	for _, f := range append(slices.Clone(governedFields), "attributes.k") {
		dst := CI{Attributes: map[string]string{}}
		setField(&dst, src, f)
		if got, want := fieldValue(dst, f), fieldValue(src, f); got != want || got == "" {
			t.Errorf("%s: copied %q, want %q", f, got, want)
		}
	}
}
