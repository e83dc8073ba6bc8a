package tests

import (
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// TestEnumValuesInTheWrongCase: an enum value the schema does not spell
// that way is the caller's mistake, BAD_USER_INPUT naming the type, never
// INTERNAL, whether it comes as a variable (whole or inside an input
// object or list) or as a literal.
func TestEnumValuesInTheWrongCase(t *testing.T) {
	e := newEnv(t, app.Limits{})
	cases := []struct {
		name, query string
		vars        map[string]any
		mention     string
	}{
		{"SortDirection variable", `query($d: SortDirection!) { configurationItems(orderBy: {field: NAME, direction: $d}) { totalCount } }`,
			map[string]any{"d": "asc"}, "SortDirection"},
		{"SortDirection inside an input variable", `query($o: ConfigurationItemOrder) { configurationItems(orderBy: $o) { totalCount } }`,
			map[string]any{"o": map[string]any{"field": "NAME", "direction": "desc"}}, "SortDirection"},
		{"order field inside an input variable", `query($o: ConfigurationItemOrder) { configurationItems(orderBy: $o) { totalCount } }`,
			map[string]any{"o": map[string]any{"field": "name"}}, "ConfigurationItemOrderField"},
		{"CIType in a list variable", `query($f: ConfigurationItemFilter) { configurationItems(filter: $f) { totalCount } }`,
			map[string]any{"f": map[string]any{"types": []any{"SERVER", "application"}}}, "CIType"},
		{"enum variable given a number", `query($d: SortDirection!) { configurationItems(orderBy: {field: NAME, direction: $d}) { totalCount } }`,
			map[string]any{"d": 1}, "SortDirection"},
		{"SortDirection literal", `{ configurationItems(orderBy: {field: NAME, direction: asc}) { totalCount } }`, nil, "SortDirection"},
		{"CIType literal in a mutation", `mutation { createConfigurationItem(input: {name: "x", type: server}) { configurationItem { id } } }`, nil, "CIType"},
		{"CIType variable in a mutation", `mutation($in: CreateConfigurationItemInput!) { createConfigurationItem(input: $in) { configurationItem { id } } }`,
			map[string]any{"in": map[string]any{"name": "x", "type": "server"}}, "CIType"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.fail(t, e.cm, tc.query, tc.vars, "BAD_USER_INPUT")
			if !strings.Contains(r.Errors[0].Message, tc.mention) {
				t.Errorf("message %q does not name %s", r.Errors[0].Message, tc.mention)
			}
		})
	}
	if n := e.ciTotal(t); n != 0 {
		t.Errorf("%d CIs were created by refused mutations", n)
	}
}
