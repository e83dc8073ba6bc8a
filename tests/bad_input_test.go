package tests

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

const unknownCI = "ci_00000000000000000000000000000000"

// TestBadInputWritesNothing sends invalid requests of every kind and checks
// the exact error code (and the field it names), and that no CI, user or
// group was created or changed.
func TestBadInputWritesNothing(t *testing.T) {
	e := newEnv(t, app.Limits{})
	e.createGroup(t, "Storage Team")
	e.createUser(t, map[string]any{"username": "taken", "displayName": "Taken", "roles": []string{"AGENT"}})
	base := e.createCI(t, map[string]any{"name": "base", "type": "SERVER", "status": "ACTIVE"})
	plain := e.createCI(t, map[string]any{"name": "plain", "type": "SERVER", "status": "ACTIVE"})
	gone := e.createCI(t, map[string]any{"name": "gone", "type": "SERVER", "status": "ACTIVE"})
	e.retireCI(t, gone.ID, 1, "")
	found := e.createCI(t, map[string]any{"name": "discovered", "type": "SERVER", "source": "netbox", "externalId": "x-1"})
	e.relate(t, base.ID, "DEPENDS_ON", plain.ID)

	nameAsc := e.list(t, map[string]any{"first": 1, "orderBy": map[string]any{"field": "NAME"}}).PageInfo.EndCursor
	var hist struct {
		ConfigurationItem struct {
			History struct {
				PageInfo pageInfo `json:"pageInfo"`
			} `json:"history"`
		} `json:"configurationItem"`
	}
	e.ok(t, e.analyst, `query($id: ID!) { configurationItem(id: $id) { history(first: 1) { pageInfo { endCursor } } } }`, map[string]any{"id": base.ID}, &hist)
	historyCursor := hist.ConfigurationItem.History.PageInfo.EndCursor
	if nameAsc == nil || historyCursor == nil {
		t.Fatal("setup: no cursors")
	}

	watched := []string{base.ID, plain.ID, gone.ID, found.ID}
	snapshots := map[string]ciSnapshot{}
	for _, id := range watched {
		snapshots[id] = e.snapshot(t, id)
	}
	cis, users, groups := e.ciTotal(t), e.userTotal(t), e.groupTotal(t)

	type m = map[string]any
	create := func(in m) m {
		out := m{"name": "new-ci", "type": "SERVER"}
		for k, v := range in {
			out[k] = v
		}
		return m{"in": out}
	}
	update := func(id string, version int, in m) m {
		out := m{"id": id, "expectedVersion": version}
		for k, v := range in {
			out[k] = v
		}
		return m{"in": out}
	}
	relate := func(src, typ, dst string) m {
		return m{"in": m{"sourceId": src, "type": typ, "targetId": dst}}
	}
	attrs := func(kv ...any) []m {
		var out []m
		for i := 0; i < len(kv); i += 2 {
			out = append(out, m{"key": kv[i], "value": kv[i+1]})
		}
		return out
	}
	many := make([]m, 101)
	for i := range many {
		many[i] = m{"key": "k" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + string(rune('a'+i/26)), "value": "v"}
	}
	long := func(n int) string { return strings.Repeat("a", n) }
	const (
		listQ = `query($first: Int, $after: String, $filter: ConfigurationItemFilter, $orderBy: ConfigurationItemOrder) {
  configurationItems(first: $first, after: $after, filter: $filter, orderBy: $orderBy) { totalCount edges { node { id } } } }`
		relsQ = `query($id: ID!, $first: Int, $types: [String!]) { configurationItem(id: $id) { relationships(first: $first, types: $types) { id } } }`
		histQ = `query($id: ID!, $first: Int, $after: String) { configurationItem(id: $id) { history(first: $first, after: $after) { totalCount } } }`
	)

	cases := []struct {
		name  string
		token string // CONFIG_MANAGER when empty
		query string
		vars  m
		code  string
		field string // extensions.field, when the API names one
	}{
		// createConfigurationItem
		{name: "unknown CI type in variables", query: createCIMutation, vars: create(m{"type": "SPACESHIP"}), code: "BAD_USER_INPUT"},
		{name: "unknown CI type literal", query: `mutation { createConfigurationItem(input: {name: "x", type: SPACESHIP}) { configurationItem { id } } }`, code: "BAD_USER_INPUT"},
		{name: "CI type as a string literal", query: `mutation { createConfigurationItem(input: {name: "x", type: "SERVER"}) { configurationItem { id } } }`, code: "BAD_USER_INPUT"},
		{name: "missing type", query: createCIMutation, vars: m{"in": m{"name": "x"}}, code: "BAD_USER_INPUT"},
		{name: "unknown input field", query: createCIMutation, vars: create(m{"colour": "red"}), code: "BAD_USER_INPUT"},
		{name: "empty name", query: createCIMutation, vars: create(m{"name": ""}), code: "BAD_USER_INPUT", field: "name"},
		{name: "blank name", query: createCIMutation, vars: create(m{"name": " \t "}), code: "BAD_USER_INPUT", field: "name"},
		{name: "name of 201 characters", query: createCIMutation, vars: create(m{"name": long(201)}), code: "BAD_USER_INPUT", field: "name"},
		{name: "name of 201 multi-byte characters", query: createCIMutation, vars: create(m{"name": strings.Repeat("é", 201)}), code: "BAD_USER_INPUT", field: "name"},
		{name: "description of 4001 characters", query: createCIMutation, vars: create(m{"description": long(4001)}), code: "BAD_USER_INPUT", field: "description"},
		{name: "location of 201 characters", query: createCIMutation, vars: create(m{"location": long(201)}), code: "BAD_USER_INPUT", field: "location"},
		{name: "attribute key starting with a digit", query: createCIMutation, vars: create(m{"attributes": attrs("1os", "linux")}), code: "BAD_USER_INPUT", field: "attributes"},
		{name: "attribute key with a space", query: createCIMutation, vars: create(m{"attributes": attrs("o s", "linux")}), code: "BAD_USER_INPUT", field: "attributes"},
		{name: "attribute key with a quote", query: createCIMutation, vars: create(m{"attributes": attrs("os`) DETACH DELETE c //", "x")}), code: "BAD_USER_INPUT", field: "attributes"},
		{name: "empty attribute key", query: createCIMutation, vars: create(m{"attributes": attrs("", "linux")}), code: "BAD_USER_INPUT", field: "attributes"},
		{name: "attribute key of 65 characters", query: createCIMutation, vars: create(m{"attributes": attrs(long(65), "v")}), code: "BAD_USER_INPUT", field: "attributes"},
		{name: "null attribute value on create", query: createCIMutation, vars: create(m{"attributes": attrs("os", nil)}), code: "BAD_USER_INPUT", field: "attributes"},
		{name: "attribute given twice", query: createCIMutation, vars: create(m{"attributes": attrs("os", "a", "os", "b")}), code: "BAD_USER_INPUT", field: "attributes"},
		{name: "attribute value of 1001 characters", query: createCIMutation, vars: create(m{"attributes": attrs("os", long(1001))}), code: "BAD_USER_INPUT", field: "attributes.os"},
		{name: "101 attributes", query: createCIMutation, vars: create(m{"attributes": many}), code: "BAD_USER_INPUT", field: "attributes"},
		{name: "redundancyMinimumUp 0", query: createCIMutation, vars: create(m{"redundancyMinimumUp": 0}), code: "BAD_USER_INPUT", field: "redundancyMinimumUp"},
		{name: "redundancyMinimumUp negative", query: createCIMutation, vars: create(m{"redundancyMinimumUp": -1}), code: "BAD_USER_INPUT", field: "redundancyMinimumUp"},
		{name: "created RETIRED", query: createCIMutation, vars: create(m{"status": "RETIRED"}), code: "BAD_USER_INPUT", field: "status"},
		{name: "source without externalId", query: createCIMutation, vars: create(m{"source": "netbox"}), code: "BAD_USER_INPUT", field: "externalId"},
		{name: "externalId without source", query: createCIMutation, vars: create(m{"externalId": "x-2"}), code: "BAD_USER_INPUT", field: "externalId"},
		{name: "taken source and externalId", query: createCIMutation, vars: create(m{"source": "netbox", "externalId": "x-1"}), code: "CONFLICT"},
		{name: "idempotencyKey of 201 characters", query: createCIMutation, vars: create(m{"idempotencyKey": long(201)}), code: "BAD_USER_INPUT", field: "idempotencyKey"},
		{name: "blank idempotencyKey", query: createCIMutation, vars: create(m{"idempotencyKey": " "}), code: "BAD_USER_INPUT", field: "idempotencyKey"},
		{name: "unknown ownerGroupId on create", query: createCIMutation, vars: create(m{"ownerGroupId": "grp_00000000000000000000000000000000"}), code: "NOT_FOUND"},
		{name: "a user id as ownerGroupId", query: createCIMutation, vars: create(m{"ownerGroupId": "usr_00000000000000000000000000000000"}), code: "NOT_FOUND"},

		// updateConfigurationItem
		{name: "update of an unknown CI", query: updateCIMutation, vars: update(unknownCI, 1, m{"name": "x"}), code: "NOT_FOUND"},
		{name: "update with unknown ownerGroupId", query: updateCIMutation, vars: update(base.ID, 1, m{"ownerGroupId": "grp_00000000000000000000000000000000"}), code: "NOT_FOUND"},
		{name: "update to an empty name", query: updateCIMutation, vars: update(base.ID, 1, m{"name": ""}), code: "BAD_USER_INPUT", field: "name"},
		{name: "update to a name of 201 characters", query: updateCIMutation, vars: update(base.ID, 1, m{"name": long(201)}), code: "BAD_USER_INPUT", field: "name"},
		{name: "update to a description of 4001 characters", query: updateCIMutation, vars: update(base.ID, 1, m{"description": long(4001)}), code: "BAD_USER_INPUT", field: "description"},
		{name: "update with an invalid attribute key", query: updateCIMutation, vars: update(base.ID, 1, m{"attributes": attrs("-x", "1")}), code: "BAD_USER_INPUT", field: "attributes"},
		{name: "update with an unknown status", query: updateCIMutation, vars: update(base.ID, 1, m{"status": "BROKEN"}), code: "BAD_USER_INPUT"},
		{name: "update without expectedVersion", query: updateCIMutation, vars: m{"in": m{"id": base.ID, "name": "x"}}, code: "BAD_USER_INPUT"},
		{name: "ACTIVE back to PLANNED", query: updateCIMutation, vars: update(base.ID, 1, m{"status": "PLANNED"}), code: "INVALID_TRANSITION"},
		{name: "ACTIVE back to PLANNED with other changes", query: updateCIMutation, vars: update(base.ID, 1, m{"status": "PLANNED", "name": "renamed"}), code: "INVALID_TRANSITION"},
		{name: "RETIRED through update", query: updateCIMutation, vars: update(base.ID, 1, m{"status": "RETIRED"}), code: "BAD_USER_INPUT", field: "status"},
		{name: "redundancyMinimumUp negative on update", query: updateCIMutation, vars: update(base.ID, 1, m{"redundancyMinimumUp": -1}), code: "BAD_USER_INPUT", field: "redundancyMinimumUp"},
		{name: "redundancyMinimumUp above the most on update", query: updateCIMutation, vars: update(base.ID, 1, m{"redundancyMinimumUp": 1001}), code: "BAD_USER_INPUT", field: "redundancyMinimumUp"},
		{name: "update of a retired CI", query: updateCIMutation, vars: update(gone.ID, 2, m{"name": "back"}), code: "INVALID_TRANSITION"},
		{name: "status change of a retired CI", query: updateCIMutation, vars: update(gone.ID, 2, m{"status": "ACTIVE"}), code: "INVALID_TRANSITION"},

		// retireConfigurationItem
		{name: "retire an unknown CI", query: retireCIMutation, vars: m{"in": m{"id": unknownCI, "expectedVersion": 1}}, code: "NOT_FOUND"},
		{name: "retire twice", query: retireCIMutation, vars: m{"in": m{"id": gone.ID, "expectedVersion": 2}}, code: "INVALID_TRANSITION"},
		{name: "retire reason of 4001 characters", query: retireCIMutation, vars: m{"in": m{"id": base.ID, "expectedVersion": 1, "reason": long(4001)}}, code: "BAD_USER_INPUT", field: "reason"},

		// relateConfigurationItems / unrelateConfigurationItems
		{name: "unknown relationship type", query: relateMutation, vars: relate(base.ID, "LIKES", plain.ID), code: "BAD_USER_INPUT", field: "type"},
		{name: "relationship type in lower case", query: relateMutation, vars: relate(base.ID, "depends_on", plain.ID), code: "BAD_USER_INPUT", field: "type"},
		{name: "relationship type with Cypher", query: relateMutation, vars: relate(base.ID, "DEPENDS_ON]->(t) DETACH DELETE t //", plain.ID), code: "BAD_USER_INPUT", field: "type"},
		{name: "self-relationship", query: relateMutation, vars: relate(base.ID, "DEPENDS_ON", base.ID), code: "BAD_USER_INPUT", field: "targetId"},
		{name: "relate from an unknown CI", query: relateMutation, vars: relate(unknownCI, "DEPENDS_ON", plain.ID), code: "NOT_FOUND"},
		{name: "relate to an unknown CI", query: relateMutation, vars: relate(base.ID, "DEPENDS_ON", unknownCI), code: "NOT_FOUND"},
		{name: "MEMBER_OF a CI that is no redundancy group", query: relateMutation, vars: relate(base.ID, "MEMBER_OF", plain.ID), code: "BAD_USER_INPUT", field: "targetId"},
		{name: "relate to a retired CI", query: relateMutation, vars: relate(base.ID, "DEPENDS_ON", gone.ID), code: "BAD_USER_INPUT"},
		{name: "relate from a retired CI", query: relateMutation, vars: relate(gone.ID, "DEPENDS_ON", base.ID), code: "BAD_USER_INPUT"},
		{name: "unrelate an unknown type", query: unrelateMutation, vars: relate(base.ID, "LIKES", plain.ID), code: "BAD_USER_INPUT", field: "type"},
		{name: "unrelate a relationship that does not exist", query: unrelateMutation, vars: relate(plain.ID, "DEPENDS_ON", base.ID), code: "NOT_FOUND"},
		{name: "unrelate with the wrong type", query: unrelateMutation, vars: relate(base.ID, "USES", plain.ID), code: "NOT_FOUND"},
		{name: "unrelate an unknown CI", query: unrelateMutation, vars: relate(unknownCI, "DEPENDS_ON", plain.ID), code: "NOT_FOUND"},

		// reads
		{name: "configurationItems first 0", token: e.analyst, query: listQ, vars: m{"first": 0}, code: "BAD_USER_INPUT", field: "first"},
		{name: "configurationItems first -1", token: e.analyst, query: listQ, vars: m{"first": -1}, code: "BAD_USER_INPUT", field: "first"},
		{name: "configurationItems first 101", token: e.analyst, query: listQ, vars: m{"first": 101}, code: "BAD_USER_INPUT", field: "first"},
		{name: "configurationItems first 1000", token: e.analyst, query: listQ, vars: m{"first": 1000}, code: "BAD_USER_INPUT", field: "first"},
		{name: "configurationItems first not an Int", token: e.analyst, query: listQ, vars: m{"first": "ten"}, code: "BAD_USER_INPUT"},
		{name: "garbage after cursor", token: e.analyst, query: listQ, vars: m{"after": "garbage!"}, code: "BAD_USER_INPUT", field: "after"},
		{name: "after cursor of an empty document", token: e.analyst, query: listQ, vars: m{"after": base64.RawURLEncoding.EncodeToString([]byte(`{}`))}, code: "BAD_USER_INPUT", field: "after"},
		{name: "after cursor with a forged time", token: e.analyst, query: listQ,
			vars: m{"after": base64.RawURLEncoding.EncodeToString([]byte(`{"v":"not-a-time","i":"ci_x","s":"CREATED_AT:asc"}`)), "orderBy": m{"field": "CREATED_AT"}}, code: "BAD_USER_INPUT", field: "after"},
		{name: "after cursor of another order", token: e.analyst, query: listQ, vars: m{"after": *nameAsc, "orderBy": m{"field": "NAME", "direction": "DESC"}}, code: "BAD_USER_INPUT", field: "after"},
		{name: "history cursor on configurationItems", token: e.analyst, query: listQ, vars: m{"after": *historyCursor}, code: "BAD_USER_INPUT", field: "after"},
		{name: "nameContains of 201 characters", token: e.analyst, query: listQ, vars: m{"filter": m{"nameContains": long(201)}}, code: "BAD_USER_INPUT", field: "filter.nameContains"},
		{name: "filter on an invalid attribute key", token: e.analyst, query: listQ, vars: m{"filter": m{"attribute": m{"key": "a b", "value": "x"}}}, code: "BAD_USER_INPUT", field: "filter.attribute"},
		{name: "filter on an unknown type", token: e.analyst, query: listQ, vars: m{"filter": m{"types": []string{"SPACESHIP"}}}, code: "BAD_USER_INPUT"},
		{name: "order by an unknown field", token: e.analyst, query: listQ, vars: m{"orderBy": m{"field": "COLOUR"}}, code: "BAD_USER_INPUT"},
		{name: "unknown CI", token: e.analyst, query: `query($id: ID!) { configurationItem(id: $id) { id } }`, vars: m{"id": unknownCI}, code: "NOT_FOUND"},
		{name: "relationships first 0", token: e.analyst, query: relsQ, vars: m{"id": base.ID, "first": 0}, code: "BAD_USER_INPUT", field: "first"},
		{name: "relationships first 501", token: e.analyst, query: relsQ, vars: m{"id": base.ID, "first": 501}, code: "BAD_USER_INPUT", field: "first"},
		{name: "relationships of an unknown type", token: e.analyst, query: relsQ, vars: m{"id": base.ID, "types": []string{"LIKES"}}, code: "BAD_USER_INPUT", field: "types"},
		{name: "history first 0", token: e.analyst, query: histQ, vars: m{"id": base.ID, "first": 0}, code: "BAD_USER_INPUT", field: "first"},
		{name: "history first 101", token: e.analyst, query: histQ, vars: m{"id": base.ID, "first": 101}, code: "BAD_USER_INPUT", field: "first"},
		{name: "garbage history cursor", token: e.analyst, query: histQ, vars: m{"id": base.ID, "after": "garbage"}, code: "BAD_USER_INPUT", field: "after"},
		{name: "list cursor on history", token: e.analyst, query: histQ, vars: m{"id": base.ID, "after": *nameAsc}, code: "BAD_USER_INPUT", field: "after"},
		{name: "users first 0", token: e.analyst, query: `{ users(first: 0) { totalCount } }`, code: "BAD_USER_INPUT", field: "first"},
		{name: "groups after garbage", token: e.analyst, query: `{ groups(after: "garbage") { totalCount } }`, code: "BAD_USER_INPUT", field: "after"},
		{name: "syntax error", token: e.analyst, query: `{ configurationItems { totalCount `, code: "BAD_USER_INPUT"},
		{name: "unknown field", token: e.analyst, query: `{ configurationItems { total } }`, code: "BAD_USER_INPUT"},
		{name: "undeclared variable", token: e.analyst, query: `{ configurationItem(id: $id) { id } }`, code: "BAD_USER_INPUT"},

		// people
		{name: "password of 11 characters", token: e.admin, query: createUserMutation, vars: m{"in": m{"username": "newbie", "displayName": "N", "roles": []string{"AGENT"}, "password": long(11)}}, code: "BAD_USER_INPUT", field: "password"},
		{name: "password of 129 characters", token: e.admin, query: createUserMutation, vars: m{"in": m{"username": "newbie", "displayName": "N", "roles": []string{"AGENT"}, "password": long(129)}}, code: "BAD_USER_INPUT", field: "password"},
		{name: "password for a service account", token: e.admin, query: createUserMutation, vars: m{"in": m{"username": "bot", "displayName": "Bot", "kind": "SERVICE", "roles": []string{"AGENT"}, "password": long(20)}}, code: "BAD_USER_INPUT", field: "password"},
		{name: "username too short", token: e.admin, query: createUserMutation, vars: m{"in": m{"username": "ab", "displayName": "N", "roles": []string{"AGENT"}}}, code: "BAD_USER_INPUT", field: "username"},
		{name: "username with a space", token: e.admin, query: createUserMutation, vars: m{"in": m{"username": "new bie", "displayName": "N", "roles": []string{"AGENT"}}}, code: "BAD_USER_INPUT", field: "username"},
		{name: "no roles", token: e.admin, query: createUserMutation, vars: m{"in": m{"username": "newbie", "displayName": "N", "roles": []string{}}}, code: "BAD_USER_INPUT", field: "roles"},
		{name: "unknown role", token: e.admin, query: createUserMutation, vars: m{"in": m{"username": "newbie", "displayName": "N", "roles": []string{"ROOT"}}}, code: "BAD_USER_INPUT"},
		{name: "invalid email", token: e.admin, query: createUserMutation, vars: m{"in": m{"username": "newbie", "displayName": "N", "roles": []string{"AGENT"}, "email": "not an address"}}, code: "BAD_USER_INPUT", field: "email"},
		{name: "blank displayName", token: e.admin, query: createUserMutation, vars: m{"in": m{"username": "newbie", "displayName": " ", "roles": []string{"AGENT"}}}, code: "BAD_USER_INPUT", field: "displayName"},
		{name: "taken username", token: e.admin, query: createUserMutation, vars: m{"in": m{"username": "taken", "displayName": "Again", "roles": []string{"AGENT"}}}, code: "CONFLICT"},
		{name: "unknown group for a user", token: e.admin, query: createUserMutation, vars: m{"in": m{"username": "newbie", "displayName": "N", "roles": []string{"AGENT"}, "groupIds": []string{"grp_00000000000000000000000000000000"}}}, code: "NOT_FOUND"},
		{name: "taken group name", token: e.admin, query: `mutation($n: String!) { createGroup(input: {name: $n}) { group { id } } }`, vars: m{"n": "Storage Team"}, code: "CONFLICT"},
		{name: "empty group name", token: e.admin, query: `mutation($n: String!) { createGroup(input: {name: $n}) { group { id } } }`, vars: m{"n": ""}, code: "BAD_USER_INPUT", field: "name"},
		{name: "add a member to an unknown group", token: e.admin, query: `mutation($g: ID!, $u: ID!) { addGroupMember(input: {groupId: $g, userId: $u}) { group { id } } }`,
			vars: m{"g": "grp_00000000000000000000000000000000", "u": "usr_00000000000000000000000000000000"}, code: "NOT_FOUND"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			token := tc.token
			if token == "" {
				token = e.cm
			}
			r := e.fail(t, token, tc.query, tc.vars, tc.code)
			if tc.field != "" && r.Errors[0].Extensions.Field != tc.field {
				t.Errorf("extensions.field = %q, want %q (message %q)", r.Errors[0].Extensions.Field, tc.field, r.Errors[0].Message)
			}
			if n := e.ciTotal(t); n != cis {
				t.Fatalf("CI count changed from %d to %d", cis, n)
			}
			if n := e.userTotal(t); n != users {
				t.Fatalf("user count changed from %d to %d", users, n)
			}
			if n := e.groupTotal(t); n != groups {
				t.Fatalf("group count changed from %d to %d", groups, n)
			}
			for _, id := range watched {
				e.assertUnchanged(t, snapshots[id])
			}
		})
	}

	// The limits are inclusive: exactly at the limit is accepted.
	t.Run("limits are inclusive", func(t *testing.T) {
		c := e.createCI(t, map[string]any{
			"name": strings.Repeat("é", 200), "type": "SERVER", "description": long(4000), "location": long(200),
			"attributes": attrs(long(64), long(1000)), "redundancyMinimumUp": 1000, "idempotencyKey": long(200),
		})
		if len([]rune(c.Name)) != 200 || len(deref(c.Description)) != 4000 || len(c.Attributes) != 1 || c.Redundancy == nil || c.Redundancy.MinimumUp != 1000 {
			t.Errorf("CI at the limits = name %d runes, description %d, attributes %d, redundancy %+v", len([]rune(c.Name)), len(deref(c.Description)), len(c.Attributes), c.Redundancy)
		}
		e.list(t, map[string]any{"first": 100, "filter": map[string]any{"nameContains": long(200)}})
	})
}

// TestFieldErrorsStayOnTheirField: an invalid argument fails only the field
// that has it; sibling fields of the same response that were batched with
// it must still resolve, and no error may name a valid field.
func TestFieldErrorsStayOnTheirField(t *testing.T) {
	e := newEnv(t, app.Limits{})
	a := e.createCI(t, map[string]any{"name": "iso-a", "type": "APPLICATION"})
	b := e.createCI(t, map[string]any{"name": "iso-b", "type": "DATABASE"})
	rel, _ := e.relate(t, a.ID, "DEPENDS_ON", b.ID)

	// Repeated because whether the two loads share a batch depends on timing.
	for i := 0; i < 5; i++ {
		t.Run("relationships of two nodes", func(t *testing.T) {
			r := e.gql(t, e.analyst, `query($a: ID!, $b: ID!) {
  x: node(id: $a) { ... on ConfigurationItem { relationships { id } } }
  y: node(id: $b) { ... on ConfigurationItem { relationships(types: ["LIKES"]) { id } } }
}`, map[string]any{"a": a.ID, "b": b.ID})
			if len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "BAD_USER_INPUT" || pathString(r.Errors[0].Path) != "y.relationships" {
				t.Errorf("errors %s, want one BAD_USER_INPUT at y.relationships", errorsString(r))
			}
			want := `{"x":{"relationships":[{"id":"` + rel.ID + `"}]},"y":null}`
			if string(r.Data) != want {
				t.Errorf("data = %s\nwant   %s", r.Data, want)
			}
		})
	}
	for i := 0; i < 5; i++ {
		t.Run("two histories of one CI", func(t *testing.T) {
			r := e.gql(t, e.analyst, `query($a: ID!) {
  configurationItem(id: $a) { ok: history(first: 1) { totalCount } bad: history(after: "garbage") { totalCount } }
}`, map[string]any{"a": a.ID})
			if len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "BAD_USER_INPUT" || pathString(r.Errors[0].Path) != "configurationItem.bad" {
				t.Errorf("errors %s, want one BAD_USER_INPUT at configurationItem.bad", errorsString(r))
			}
		})
	}
}

func pathString(p []any) string {
	parts := make([]string, len(p))
	for i, v := range p {
		switch x := v.(type) {
		case string:
			parts[i] = x
		case float64:
			parts[i] = strconv.Itoa(int(x))
		default:
			parts[i] = "?"
		}
	}
	return strings.Join(parts, ".")
}

func errorsString(r *gqlResponse) string {
	var parts []string
	for _, e := range r.Errors {
		parts = append(parts, e.Extensions.Code+" at "+pathString(e.Path))
	}
	return "[" + strings.Join(parts, "; ") + "]"
}
