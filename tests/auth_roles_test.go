package tests

import (
	"slices"
	"testing"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
)

// TestRoleChecks: each operation answers FORBIDDEN to roles it does not
// grant, and writes nothing; read-only roles may read.
func TestRoleChecks(t *testing.T) {
	e := newEnv(t, app.Limits{})
	groupID := e.createGroup(t, "Platform")
	user := e.createUser(t, map[string]any{"username": "dana", "displayName": "Dana", "roles": []string{"AGENT"}})
	a := e.createCI(t, map[string]any{"name": "role-a", "type": "SERVER", "status": "ACTIVE"})
	b := e.createCI(t, map[string]any{"name": "role-b", "type": "DATABASE"})
	before := e.snapshot(t, a.ID)

	noRoles := e.mint(t, "e2e-nobody")
	unknownRole := e.mint(t, "e2e-root", auth.Role("ROOT"))
	serviceOwner := e.mint(t, "e2e-owner", auth.ServiceOwner)

	newCI := map[string]any{"in": map[string]any{"name": "forbidden-ci", "type": "SERVER"}}
	forbidden := []struct {
		name  string
		token string
		query string
		vars  map[string]any
		field string
	}{
		{"REQUESTER reads configurationItems", e.requester, `{ configurationItems { totalCount } }`, nil, "configurationItems"},
		{"REQUESTER reads configurationItem", e.requester, `query($id: ID!) { configurationItem(id: $id) { id } }`, map[string]any{"id": a.ID}, "configurationItem"},
		{"REQUESTER reads relationshipTypes", e.requester, `{ relationshipTypes { name } }`, nil, "relationshipTypes"},
		{"REQUESTER reads a CI through node", e.requester, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": a.ID}, "node"},
		{"REQUESTER reads a user through node", e.requester, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": user.ID}, "node"},
		{"REQUESTER reads users", e.requester, `{ users { totalCount } }`, nil, "users"},
		{"REQUESTER reads group", e.requester, `query($id: ID!) { group(id: $id) { name } }`, map[string]any{"id": groupID}, "group"},
		{"token without roles reads configurationItems", noRoles, `{ configurationItems { totalCount } }`, nil, "configurationItems"},
		{"unknown role reads configurationItems", unknownRole, `{ configurationItems { totalCount } }`, nil, "configurationItems"},
		{"ANALYST creates a CI", e.analyst, createCIMutation, newCI, "createConfigurationItem"},
		{"SERVICE_OWNER creates a CI", serviceOwner, createCIMutation, newCI, "createConfigurationItem"},
		{"AGENT creates a CI", e.agent, createCIMutation, newCI, "createConfigurationItem"},
		{"ANALYST updates a CI", e.analyst, updateCIMutation, map[string]any{"in": map[string]any{"id": a.ID, "expectedVersion": 1, "name": "renamed"}}, "updateConfigurationItem"},
		{"ANALYST retires a CI", e.analyst, retireCIMutation, map[string]any{"in": map[string]any{"id": a.ID, "expectedVersion": 1}}, "retireConfigurationItem"},
		{"ANALYST relates CIs", e.analyst, relateMutation, map[string]any{"in": map[string]any{"sourceId": a.ID, "type": "DEPENDS_ON", "targetId": b.ID}}, "relateConfigurationItems"},
		{"AGENT creates a user", e.agent, createUserMutation, map[string]any{"in": map[string]any{"username": "eve", "displayName": "Eve", "roles": []string{"ADMIN"}, "password": "a-long-enough-password"}}, "createUser"},
		{"CONFIG_MANAGER creates a user", e.cm, createUserMutation, map[string]any{"in": map[string]any{"username": "eve", "displayName": "Eve", "roles": []string{"ADMIN"}}}, "createUser"},
		{"AGENT creates a group", e.agent, `mutation { createGroup(input: {name: "Shadow"}) { group { id } } }`, nil, "createGroup"},
		{"CONFIG_MANAGER adds a group member", e.cm, `mutation($g: ID!, $u: ID!) { addGroupMember(input: {groupId: $g, userId: $u}) { group { id } } }`, map[string]any{"g": groupID, "u": user.ID}, "addGroupMember"},
	}
	for _, tc := range forbidden {
		t.Run(tc.name, func(t *testing.T) {
			r := e.fail(t, tc.token, tc.query, tc.vars, "FORBIDDEN")
			if got := r.Errors[0].Path; len(got) != 1 || got[0] != tc.field {
				t.Errorf("error path = %v, want [%s]", got, tc.field)
			}
			if !r.fieldIsNull(tc.field) {
				t.Errorf("data = %s, want %s null", r.Data, tc.field)
			}
		})
	}
	if n := e.ciTotal(t); n != 2 {
		t.Errorf("CI count = %d after forbidden writes, want 2", n)
	}
	if n := e.userTotal(t); n != 1 {
		t.Errorf("user count = %d after forbidden writes, want 1", n)
	}
	if n := e.groupTotal(t); n != 1 {
		t.Errorf("group count = %d after forbidden writes, want 1", n)
	}
	e.assertUnchanged(t, before)
	var members struct {
		Group struct {
			Members []struct {
				ID string `json:"id"`
			} `json:"members"`
		} `json:"group"`
	}
	e.ok(t, e.analyst, `query($id: ID!) { group(id: $id) { members { id } } }`, map[string]any{"id": groupID}, &members)
	if len(members.Group.Members) != 0 {
		t.Errorf("group members = %v after a forbidden addGroupMember", members.Group.Members)
	}

	// Read-only and staff roles may read.
	t.Run("ANALYST reads", func(t *testing.T) {
		var out struct {
			ConfigurationItem  named `json:"configurationItem"`
			ConfigurationItems struct {
				TotalCount int `json:"totalCount"`
			} `json:"configurationItems"`
			Node struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"node"`
			RelationshipTypes []struct {
				Name string `json:"name"`
			} `json:"relationshipTypes"`
			Users struct {
				TotalCount int `json:"totalCount"`
			} `json:"users"`
		}
		e.ok(t, e.analyst, `query($id: ID!) {
  configurationItem(id: $id) { id name }
  configurationItems { totalCount }
  node(id: $id) { id ... on ConfigurationItem { name } }
  relationshipTypes { name }
  users { totalCount }
}`, map[string]any{"id": a.ID}, &out)
		if out.ConfigurationItem.Name != "role-a" || out.ConfigurationItems.TotalCount != 2 || out.Node.Name != "role-a" ||
			len(out.RelationshipTypes) == 0 || out.Users.TotalCount != 1 {
			t.Errorf("ANALYST read %+v", out)
		}
	})
	t.Run("AGENT reads configurationItems", func(t *testing.T) {
		var out struct {
			ConfigurationItems struct {
				TotalCount int `json:"totalCount"`
			} `json:"configurationItems"`
		}
		e.ok(t, e.agent, `{ configurationItems { totalCount } }`, nil, &out)
		if out.ConfigurationItems.TotalCount != 2 {
			t.Errorf("totalCount = %d, want 2", out.ConfigurationItems.TotalCount)
		}
	})
	t.Run("REQUESTER may call me", func(t *testing.T) {
		var me meData
		e.ok(t, e.requester, meQuery, nil, &me)
		if me.Me.Subject != subjRequester || !slices.Equal(me.Me.Roles, []string{"REQUESTER"}) {
			t.Errorf("me = %+v", me.Me)
		}
	})
	t.Run("ADMIN may create a CI", func(t *testing.T) {
		c := func() ciData {
			var out struct {
				CreateConfigurationItem struct {
					ConfigurationItem ciData `json:"configurationItem"`
				} `json:"createConfigurationItem"`
			}
			e.ok(t, e.admin, createCIMutation, map[string]any{"in": map[string]any{"name": "admin-ci", "type": "SERVER"}}, &out)
			return out.CreateConfigurationItem.ConfigurationItem
		}()
		if c.Name != "admin-ci" || c.Version != 1 {
			t.Errorf("ADMIN created %+v", c)
		}
		if n := e.ciTotal(t); n != 3 {
			t.Errorf("CI count = %d, want 3", n)
		}
	})
}
