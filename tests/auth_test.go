package tests

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
)

const meQuery = `{ me { subject roles user { id username displayName groups { name } } } }`

type meData struct {
	Me struct {
		Subject string   `json:"subject"`
		Roles   []string `json:"roles"`
		User    *struct {
			ID          string `json:"id"`
			Username    string `json:"username"`
			DisplayName string `json:"displayName"`
			Groups      []struct {
				Name string `json:"name"`
			} `json:"groups"`
		} `json:"user"`
	} `json:"me"`
}

const createUserMutation = `
mutation($in: CreateUserInput!) {
  createUser(input: $in) { user { id username displayName email kind roles active groups { name } } }
}`

type userData struct {
	ID          string   `json:"id"`
	Username    string   `json:"username"`
	DisplayName string   `json:"displayName"`
	Email       *string  `json:"email"`
	Kind        string   `json:"kind"`
	Roles       []string `json:"roles"`
	Active      bool     `json:"active"`
	Groups      []struct {
		Name string `json:"name"`
	} `json:"groups"`
}

func (e *env) createUser(t testing.TB, in map[string]any) userData {
	t.Helper()
	var out struct {
		CreateUser struct {
			User userData `json:"user"`
		} `json:"createUser"`
	}
	e.ok(t, e.admin, createUserMutation, map[string]any{"in": in}, &out)
	return out.CreateUser.User
}

const loginMutation = `
mutation($in: LoginInput!) { login(input: $in) { token expiresAt user { id username roles } } }`

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestProtectedOperationsNeedToken: without a bearer token an operation
// asking for any field but login is refused whole, as an invalid token is
// (HTTP 401, UNAUTHENTICATED), and mutations write nothing.
func TestProtectedOperationsNeedToken(t *testing.T) {
	e := newEnv(t, app.Limits{})
	cases := []struct {
		name  string
		query string
		vars  map[string]any
		field string
	}{
		{"me", meQuery, nil, "me"},
		{"node", `{ node(id: "ci_0123") { id } }`, nil, "node"},
		{"configurationItem", `{ configurationItem(id: "ci_0123") { id } }`, nil, "configurationItem"},
		{"configurationItems", `{ configurationItems { totalCount } }`, nil, "configurationItems"},
		{"relationshipTypes", `{ relationshipTypes { name } }`, nil, "relationshipTypes"},
		{"users", `{ users { totalCount } }`, nil, "users"},
		{"groups", `{ groups { totalCount } }`, nil, "groups"},
		{"createConfigurationItem", createCIMutation, map[string]any{"in": map[string]any{"name": "anon-ci", "type": "SERVER"}}, "createConfigurationItem"},
		{"createUser", createUserMutation, map[string]any{"in": map[string]any{
			"username": "anon.user", "displayName": "Anon", "roles": []string{"ADMIN"}, "password": "a-long-enough-password",
		}}, "createUser"},
		{"createGroup", `mutation { createGroup(input: {name: "anon-group"}) { group { id } } }`, nil, "createGroup"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.fail(t, "", tc.query, tc.vars, "UNAUTHENTICATED")
			if r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") != "Bearer" {
				t.Errorf("HTTP %d, WWW-Authenticate %q; want 401 and Bearer", r.Status, r.Header.Get("WWW-Authenticate"))
			}
			if !r.dataIsNull() || len(r.Errors[0].Path) != 0 {
				t.Errorf("data = %s, error path %v; want the operation refused whole", r.Data, r.Errors[0].Path)
			}
		})
	}
	if n := e.ciTotal(t); n != 0 {
		t.Errorf("anonymous mutations created %d CIs", n)
	}
	if n := e.userTotal(t); n != 0 {
		t.Errorf("anonymous mutations created %d users", n)
	}
	if n := e.groupTotal(t); n != 0 {
		t.Errorf("anonymous mutations created %d groups", n)
	}
}

// TestLoginThenMe: an ADMIN creates a HUMAN account with a password; login
// works without a token, and its token identifies the account and carries
// its roles.
func TestLoginThenMe(t *testing.T) {
	e := newEnv(t, app.Limits{})
	groupID := e.createGroup(t, "Operations")
	u := e.createUser(t, map[string]any{
		"username": "alice.ops", "displayName": "Alice Ops", "email": "alice@example.com",
		"roles": []string{"CONFIG_MANAGER", "ANALYST"}, "password": "correct-horse-battery", "groupIds": []string{groupID},
	})
	if u.ID == "" || u.Username != "alice.ops" || u.DisplayName != "Alice Ops" || deref(u.Email) != "alice@example.com" ||
		u.Kind != "HUMAN" || !u.Active || len(u.Groups) != 1 || u.Groups[0].Name != "Operations" ||
		!slices.Equal(sorted(u.Roles), []string{"ANALYST", "CONFIG_MANAGER"}) {
		t.Fatalf("createUser returned %+v", u)
	}

	before := time.Now().UTC().Truncate(time.Second)
	var login struct {
		Login struct {
			Token     string `json:"token"`
			ExpiresAt string `json:"expiresAt"`
			User      struct {
				ID       string   `json:"id"`
				Username string   `json:"username"`
				Roles    []string `json:"roles"`
			} `json:"user"`
		} `json:"login"`
	}
	e.ok(t, "", loginMutation, map[string]any{"in": map[string]any{"username": "alice.ops", "password": "correct-horse-battery"}}, &login)
	after := time.Now().UTC()
	if login.Login.Token == "" || login.Login.User.ID != u.ID || login.Login.User.Username != "alice.ops" {
		t.Fatalf("login returned %+v", login.Login)
	}
	exp, err := time.Parse(time.RFC3339, login.Login.ExpiresAt)
	if err != nil {
		t.Fatalf("expiresAt %q is not RFC 3339: %v", login.Login.ExpiresAt, err)
	}
	if exp.Before(before.Add(testTTL)) || exp.After(after.Add(testTTL)) {
		t.Errorf("expiresAt = %s, want now + %s (between %s and %s)", exp, testTTL, before.Add(testTTL), after.Add(testTTL))
	}

	var me meData
	e.ok(t, login.Login.Token, meQuery, nil, &me)
	if me.Me.Subject != u.ID {
		t.Errorf("me.subject = %q, want the user id %q", me.Me.Subject, u.ID)
	}
	if !slices.Equal(sorted(me.Me.Roles), []string{"ANALYST", "CONFIG_MANAGER"}) {
		t.Errorf("me.roles = %v, want [ANALYST CONFIG_MANAGER]", me.Me.Roles)
	}
	if me.Me.User == nil || me.Me.User.ID != u.ID || me.Me.User.Username != "alice.ops" || me.Me.User.DisplayName != "Alice Ops" ||
		len(me.Me.User.Groups) != 1 || me.Me.User.Groups[0].Name != "Operations" {
		t.Errorf("me.user = %+v", me.Me.User)
	}

	// The login token carries CONFIG_MANAGER: it may create a CI, recorded
	// in history under the account's id.
	var created struct {
		CreateConfigurationItem struct {
			ConfigurationItem struct {
				ID      string      `json:"id"`
				History historyConn `json:"history"`
			} `json:"configurationItem"`
		} `json:"createConfigurationItem"`
	}
	e.ok(t, login.Login.Token, `mutation { createConfigurationItem(input: {name: "alice-box", type: SERVER}) {
  configurationItem { id history { edges { node { actor action } } } } } }`, nil, &created)
	h := created.CreateConfigurationItem.ConfigurationItem.History.Edges
	if len(h) != 1 || h[0].Node.Actor != u.ID || h[0].Node.Action != "CREATED" {
		t.Errorf("history of a CI created with the login token = %+v, want one CREATED by %s", h, u.ID)
	}

	// A token minted for a subject with no local account: me.user is null.
	var anon meData
	e.ok(t, e.agent, meQuery, nil, &anon)
	if anon.Me.Subject != subjAgent || !slices.Equal(anon.Me.Roles, []string{"AGENT"}) || anon.Me.User != nil {
		t.Errorf("me for an external subject = %+v", anon.Me)
	}
}

// TestLoginRejected: every failed login is the same UNAUTHENTICATED, with
// no token, so that usernames cannot be probed.
func TestLoginRejected(t *testing.T) {
	e := newEnv(t, app.Limits{})
	e.createUser(t, map[string]any{
		"username": "bob", "displayName": "Bob", "roles": []string{"AGENT"}, "password": "bobs-secret-password",
	})
	e.createUser(t, map[string]any{
		"username": "monitor-bot", "displayName": "Monitoring", "kind": "SERVICE", "roles": []string{"AGENT"},
	})
	cases := []struct {
		name, username, password string
	}{
		{"wrong password", "bob", "bobs-secret-passwore"},
		{"empty password", "bob", ""},
		{"password of another case", "bob", "BOBS-SECRET-PASSWORD"},
		{"unknown username", "carol", "bobs-secret-password"},
		{"username of another case", "BOB", "bobs-secret-password"},
		{"service account", "monitor-bot", ""},
		{"password over 128 characters", "bob", strings.Repeat("x", 129)},
		{"username over 64 characters", strings.Repeat("b", 65), "bobs-secret-password"},
	}
	var message string
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.fail(t, "", loginMutation, map[string]any{"in": map[string]any{"username": tc.username, "password": tc.password}}, "UNAUTHENTICATED")
			if !r.dataIsNull() {
				t.Errorf("data = %s, want null", r.Data)
			}
			if message == "" {
				message = r.Errors[0].Message
			} else if r.Errors[0].Message != message {
				t.Errorf("message %q differs from %q: failed logins must not tell causes apart", r.Errors[0].Message, message)
			}
		})
	}
	// The right password still works afterwards.
	e.ok(t, "", loginMutation, map[string]any{"in": map[string]any{"username": "bob", "password": "bobs-secret-password"}}, nil)
}
