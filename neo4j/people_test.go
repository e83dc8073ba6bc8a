package neo4j_test

import (
	"fmt"
	"testing"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/credentials"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/people"
)

func TestPeople(t *testing.T) {
	f := setup(t)
	team, err := f.dir.CreateGroup(f.ctx, auth.Principal{}, people.CreateGroupInput{Name: "Service Desk", Description: "first line", Kind: people.Team})
	if err != nil {
		t.Fatal(err)
	}
	vendor, err := f.dir.CreateGroup(f.ctx, auth.Principal{}, people.CreateGroupInput{Name: "Acme", Kind: people.Vendor})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.dir.CreateGroup(f.ctx, auth.Principal{}, people.CreateGroupInput{Name: "Acme", Kind: people.Team}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("duplicate group: %v", err)
	}
	u, err := f.dir.CreateUser(f.ctx, auth.Principal{}, people.CreateUserInput{Username: "alice", DisplayName: "Alice", Email: "alice@example.com",
		Roles: []auth.Role{auth.Agent, auth.Agent, auth.Analyst}, Password: ptr("a long enough password"), GroupIDs: []string{team.ID}})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := f.store.People().UserByUsername(f.ctx, "alice")
	if err != nil || stored.ID != u.ID || stored.Email != "alice@example.com" || fmt.Sprint(stored.Roles) != "[AGENT ANALYST]" ||
		!stored.Active || stored.Kind != people.Human || !credentials.CheckPassword(stored.PasswordHash, "a long enough password") {
		t.Fatalf("stored user %+v, %v", stored, err)
	}
	refusals := []struct {
		name string
		in   people.CreateUserInput
		code apperr.Code
	}{
		{"taken username", people.CreateUserInput{Username: "alice", DisplayName: "A", Roles: []auth.Role{auth.Agent}}, apperr.Conflict},
		{"unknown group", people.CreateUserInput{Username: "bob", DisplayName: "B", Roles: []auth.Role{auth.Agent}, GroupIDs: []string{"grp_nope"}}, apperr.NotFound},
		{"short password", people.CreateUserInput{Username: "bob", DisplayName: "B", Roles: []auth.Role{auth.Agent}, Password: ptr("short")}, apperr.BadUserInput},
		{"service with password", people.CreateUserInput{Username: "bot", DisplayName: "B", Kind: people.Service, Roles: []auth.Role{auth.Agent}, Password: ptr("a long enough password")}, apperr.BadUserInput},
		{"no roles", people.CreateUserInput{Username: "bob", DisplayName: "B"}, apperr.BadUserInput},
		{"unknown role", people.CreateUserInput{Username: "bob", DisplayName: "B", Roles: []auth.Role{"ROOT"}}, apperr.BadUserInput},
		{"bad username", people.CreateUserInput{Username: "a b", DisplayName: "B", Roles: []auth.Role{auth.Agent}}, apperr.BadUserInput},
		{"bad email", people.CreateUserInput{Username: "bob", DisplayName: "B", Email: "not-an-address", Roles: []auth.Role{auth.Agent}}, apperr.BadUserInput},
	}
	for _, tt := range refusals {
		if _, err := f.dir.CreateUser(f.ctx, auth.Principal{}, tt.in); !apperr.Is(err, tt.code) {
			t.Errorf("%s: got %v, want %s", tt.name, err, tt.code)
		}
	}
	if _, err := f.dir.SetMembership(f.ctx, auth.Principal{}, people.SetMembershipInput{GroupID: vendor.ID, UserID: u.ID, Member: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.dir.SetMembership(f.ctx, auth.Principal{}, people.SetMembershipInput{GroupID: vendor.ID, UserID: u.ID, Member: true}); err != nil {
		t.Fatalf("adding twice: %v", err)
	}
	if _, err := f.dir.SetMembership(f.ctx, auth.Principal{}, people.SetMembershipInput{GroupID: "grp_nope", UserID: u.ID, Member: true}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unknown group: %v", err)
	}
	if _, err := f.dir.SetMembership(f.ctx, auth.Principal{}, people.SetMembershipInput{GroupID: team.ID, UserID: "usr_nope", Member: true}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	groups, err := f.dir.GroupsOf(f.ctx, []string{u.ID})
	if err != nil || len(groups[u.ID]) != 2 || groups[u.ID][0].Name != "Acme" || groups[u.ID][1].Name != "Service Desk" {
		t.Fatalf("groups of alice: %+v %v", groups, err)
	}
	if _, err := f.dir.SetMembership(f.ctx, auth.Principal{}, people.SetMembershipInput{GroupID: vendor.ID, UserID: u.ID, Member: false}); err != nil {
		t.Fatal(err)
	}
	members, err := f.dir.MembersOf(f.ctx, []string{team.ID, vendor.ID})
	if err != nil || len(members[team.ID]) != 1 || members[team.ID][0].ID != u.ID || len(members[vendor.ID]) != 0 {
		t.Fatalf("members: %+v %v", members, err)
	}

	for i := range 5 {
		if _, err := f.dir.CreateUser(f.ctx, auth.Principal{}, people.CreateUserInput{Username: fmt.Sprintf("user%d", i), DisplayName: "U", Roles: []auth.Role{auth.Requester}}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	req := paging.Request{First: 4}
	for {
		p, err := f.dir.ListUsers(f.ctx, req)
		if err != nil || p.Total != 6 {
			t.Fatalf("list users: total %d, %v", p.Total, err)
		}
		for _, u := range p.Items {
			names = append(names, u.Username)
		}
		if !p.HasNext {
			break
		}
		req.After = p.Cursors[len(p.Cursors)-1]
	}
	if fmt.Sprint(names) != "[alice user0 user1 user2 user3 user4]" {
		t.Fatalf("users in pages: %v", names)
	}
	gp, err := f.dir.ListGroups(f.ctx, paging.Request{First: 1})
	if err != nil || gp.Total != 2 || !gp.HasNext || gp.Items[0].Name != "Acme" {
		t.Fatalf("groups page: %+v %v", gp, err)
	}
}

func TestSetPassword(t *testing.T) {
	f := setup(t)
	u, err := f.dir.CreateUser(f.ctx, auth.Principal{}, people.CreateUserInput{Username: "alice", DisplayName: "Alice", Roles: []auth.Role{auth.Agent}, Password: ptr("the first password")})
	if err != nil {
		t.Fatal(err)
	}
	bot, err := f.dir.CreateUser(f.ctx, auth.Principal{}, people.CreateUserInput{Username: "bot", DisplayName: "Bot", Kind: people.Service, Roles: []auth.Role{auth.Agent}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.dir.SetPassword(f.ctx, u.ID, "the second password"); err != nil {
		t.Fatal(err)
	}
	stored, err := f.store.People().UserByUsername(f.ctx, "alice")
	if err != nil || !credentials.CheckPassword(stored.PasswordHash, "the second password") || credentials.CheckPassword(stored.PasswordHash, "the first password") {
		t.Fatalf("after SetPassword: %+v, %v", stored, err)
	}
	for _, tt := range []struct {
		name, id, password string
		code               apperr.Code
	}{
		{"unknown user", "usr_nope", "a long enough password", apperr.NotFound},
		{"short password", u.ID, "short", apperr.BadUserInput},
		{"service account", bot.ID, "a long enough password", apperr.BadUserInput},
	} {
		if err := f.dir.SetPassword(f.ctx, tt.id, tt.password); !apperr.Is(err, tt.code) {
			t.Errorf("%s: got %v, want %s", tt.name, err, tt.code)
		}
	}
	if err := f.store.People().SetPasswordHash(f.ctx, "usr_nope", "x"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("store, unknown user: got %v, want NOT_FOUND", err)
	}
}
