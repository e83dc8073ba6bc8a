package tests

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/credentials"
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

// TestProtectedOperationsNeedToken: without a bearer token every field but
// login answers UNAUTHENTICATED, and mutations write nothing.
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
			if !r.fieldIsNull(tc.field) {
				t.Errorf("data = %s, want %s null", r.Data, tc.field)
			}
			if got := r.Errors[0].Path; len(got) != 1 || got[0] != tc.field {
				t.Errorf("error path = %v, want [%s]", got, tc.field)
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
				ID      string `json:"id"`
				History struct {
					Edges []struct {
						Node historyEntry `json:"node"`
					} `json:"edges"`
				} `json:"history"`
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

func b64(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestInvalidBearerTokensRejected: a request with a bad token is refused
// whole with HTTP 401 and UNAUTHENTICATED, and writes nothing.
func TestInvalidBearerTokensRejected(t *testing.T) {
	e := newEnv(t, app.Limits{})
	now := time.Now()

	minter := func(cfg credentials.TokenConfig, clock func() time.Time) *credentials.Tokens {
		tk, err := credentials.NewTokens(cfg, clock)
		if err != nil {
			t.Fatalf("NewTokens: %v", err)
		}
		return tk
	}
	mint := func(tk *credentials.Tokens, subject string, roles ...auth.Role) string {
		s, _, err := tk.Mint(subject, roles, time.Hour)
		if err != nil {
			t.Fatalf("Mint: %v", err)
		}
		return s
	}
	past := minter(tokenConfig(), func() time.Time { return now.Add(-3 * time.Hour) })
	future := minter(tokenConfig(), func() time.Time { return now.Add(3 * time.Hour) })
	otherKeyCfg := tokenConfig()
	otherKeyCfg.Secret = []byte("another-secret-of-at-least-32-bytes-long!")
	otherAudCfg := tokenConfig()
	otherAudCfg.Audience = "another-api"
	otherIssCfg := tokenConfig()
	otherIssCfg.Issuer = "https://idp.evil.example"

	claims := map[string]any{
		"sub": subjAdmin, "roles": []string{"ADMIN"}, "iss": testIssuer, "aud": []string{testAudience},
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	algNone := b64(map[string]string{"alg": "none", "typ": "JWT"}) + "." + b64(claims) + "."
	algNoneUpper := b64(map[string]string{"alg": "NONE", "typ": "JWT"}) + "." + b64(claims) + "."

	signed := func(method jwt.SigningMethod, c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, c).SignedString(testSecret)
		if err != nil {
			t.Fatalf("signing: %v", err)
		}
		return s
	}
	noExp := signed(jwt.SigningMethodHS256, jwt.MapClaims{"sub": subjAdmin, "roles": []string{"ADMIN"}, "iss": testIssuer, "aud": testAudience, "iat": now.Unix()})
	hs384 := signed(jwt.SigningMethodHS384, jwt.MapClaims(claims))

	// A REQUESTER token whose payload is swapped for an ADMIN one keeps
	// the REQUESTER signature.
	parts := strings.Split(e.requester, ".")
	tampered := parts[0] + "." + b64(claims) + "." + parts[2]

	cases := []struct {
		name, header string
	}{
		{"expired", "Bearer " + mint(past, subjAdmin, auth.Admin)},
		{"issued in the future", "Bearer " + mint(future, subjAdmin, auth.Admin)},
		{"signed with another key", "Bearer " + mint(minter(otherKeyCfg, time.Now), subjAdmin, auth.Admin)},
		{"wrong audience", "Bearer " + mint(minter(otherAudCfg, time.Now), subjAdmin, auth.Admin)},
		{"wrong issuer", "Bearer " + mint(minter(otherIssCfg, time.Now), subjAdmin, auth.Admin)},
		{"alg none", "Bearer " + algNone},
		{"alg NONE", "Bearer " + algNoneUpper},
		{"HS384 with the right key", "Bearer " + hs384},
		{"no exp claim", "Bearer " + noExp},
		{"no subject", "Bearer " + mint(e.tokens, "", auth.Admin)},
		{"tampered payload", "Bearer " + tampered},
		{"not a JWT", "Bearer not-a-jwt"},
		{"three garbage parts", "Bearer aaa.bbb.ccc"},
		{"bearer without token", "Bearer"},
		{"bearer and spaces", "Bearer    "},
		{"basic credentials", "Basic dXNlcjpwYXNzd29yZA=="},
		{"token without scheme", e.admin},
	}
	send := func(t *testing.T, header, query string, vars map[string]any) *gqlResponse {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url+"/graphql", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", header)
		r, err := e.send(req)
		if err != nil {
			t.Fatal(err)
		}
		checkErrors(t, r)
		return r
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, op := range []struct {
				query string
				vars  map[string]any
			}{
				{meQuery, nil},
				{createCIMutation, map[string]any{"in": map[string]any{"name": "forged-" + tc.name, "type": "SERVER"}}},
				{loginMutation, map[string]any{"in": map[string]any{"username": "nobody", "password": "whatever-password"}}},
			} {
				r := send(t, tc.header, op.query, op.vars)
				if r.Status != http.StatusUnauthorized {
					t.Errorf("HTTP %d, want 401 (body %s)", r.Status, truncate(r.Body))
				}
				if len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "UNAUTHENTICATED" {
					t.Errorf("errors %v, want one UNAUTHENTICATED (body %s)", r.codes(), truncate(r.Body))
				}
				if !r.dataIsNull() {
					t.Errorf("data = %s, want none", r.Data)
				}
			}
		})
	}
	if n := e.ciTotal(t); n != 0 {
		t.Errorf("requests with invalid tokens created %d CIs", n)
	}
	// The server still accepts its own tokens.
	var me meData
	e.ok(t, e.admin, meQuery, nil, &me)
	if me.Me.Subject != subjAdmin {
		t.Errorf("me.subject = %q", me.Me.Subject)
	}
}

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
