package tests

import (
	"slices"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// TestGroupMembership: ADMIN adds and removes members; both are no-ops when
// repeated.
func TestGroupMembership(t *testing.T) {
	e := newEnv(t, app.Limits{})
	g := e.createGroup(t, "Service Desk")
	u := e.createUser(t, map[string]any{"username": "sam", "displayName": "Sam", "roles": []string{"AGENT"}})
	const add = `mutation($g: ID!, $u: ID!) { addGroupMember(input: {groupId: $g, userId: $u}) { group { name members { username } } } }`
	const remove = `mutation($g: ID!, $u: ID!) { removeGroupMember(input: {groupId: $g, userId: $u}) { group { name members { username } } } }`
	members := func(query string) []string {
		var out map[string]struct {
			Group struct {
				Members []struct {
					Username string `json:"username"`
				} `json:"members"`
			} `json:"group"`
		}
		e.ok(t, e.admin, query, map[string]any{"g": g, "u": u.ID}, &out)
		var names []string
		for _, p := range out {
			for _, m := range p.Group.Members {
				names = append(names, m.Username)
			}
		}
		return names
	}
	for _, step := range []struct {
		query string
		want  []string
	}{{add, []string{"sam"}}, {add, []string{"sam"}}, {remove, nil}, {remove, nil}} {
		if got := members(step.query); !slices.Equal(got, step.want) {
			t.Errorf("members = %v, want %v", got, step.want)
		}
	}
	var user struct {
		User struct {
			Groups []struct {
				Name string `json:"name"`
			} `json:"groups"`
		} `json:"user"`
	}
	e.ok(t, e.analyst, `query($id: ID!) { user(id: $id) { groups { name } } }`, map[string]any{"id": u.ID}, &user)
	if len(user.User.Groups) != 0 {
		t.Errorf("user groups = %v after removal", user.User.Groups)
	}
}
