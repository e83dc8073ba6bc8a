package neo4j

import (
	"context"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/people"
)

// People implements people.Store.
type People struct{ s *Store }

// People returns the people part of the store.
func (s *Store) People() *People { return &People{s: s} }

var _ people.Store = (*People)(nil)

// peopleMigrations are the constraints of users and groups.
func peopleMigrations() []string {
	return []string{
		"CREATE CONSTRAINT user_id IF NOT EXISTS FOR (u:User) REQUIRE u.id IS UNIQUE",
		"CREATE CONSTRAINT user_username IF NOT EXISTS FOR (u:User) REQUIRE u.username IS UNIQUE",
		"CREATE CONSTRAINT group_id IF NOT EXISTS FOR (g:Group) REQUIRE g.id IS UNIQUE",
		"CREATE INDEX user_created_at IF NOT EXISTS FOR (u:User) ON (u.createdAt)",
		"CREATE INDEX group_created_at IF NOT EXISTS FOR (g:Group) ON (g.createdAt)",
		"CREATE CONSTRAINT group_name IF NOT EXISTS FOR (g:Group) REQUIRE g.name IS UNIQUE",
	}
}

func userFromProps(p map[string]any) people.User {
	u := people.User{
		ID:             str(p, "id"),
		Username:       str(p, "username"),
		DisplayName:    str(p, "displayName"),
		Email:          str(p, "email"),
		Kind:           people.Kind(str(p, "kind")),
		Active:         p["active"] == true,
		PasswordHash:   str(p, "passwordHash"),
		ManagerID:      str(p, "managerId"),
		BusinessUnitID: str(p, "businessUnitId"),
		CreatedAt:      tm(p, "createdAt"),
	}
	for _, r := range strs(p["roles"]) {
		u.Roles = append(u.Roles, auth.Role(r))
	}
	return u
}

func groupFromProps(p map[string]any) people.Group {
	return people.Group{
		ID:          str(p, "id"),
		Name:        str(p, "name"),
		Description: str(p, "description"),
		Kind:        people.GroupKind(str(p, "kind")),
		CreatedAt:   tm(p, "createdAt"),
	}
}

const userExists = `OPTIONAL MATCH (u:User {username: $username}) RETURN u IS NOT NULL AS taken`

const managerExists = `OPTIONAL MATCH (m:User {id: $id}) RETURN m IS NOT NULL AS found`

const unitExists = `OPTIONAL MATCH (u:BusinessUnit {id: $id}) RETURN u IS NOT NULL AS found`

const groupsExist = `MATCH (g:Group) WHERE g.id IN $ids RETURN collect(g.id) AS found`

const createUser = `
CREATE (u:User)
SET u = $props
WITH u
UNWIND $groupIds AS gid
MATCH (g:Group {id: gid})
MERGE (u)-[:MEMBER_OF_GROUP]->(g)`

// CreateUser implements people.Store.
func (p *People) CreateUser(ctx context.Context, u people.User, groupIDs []string) (people.User, error) {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	return write(ctx, p.s, func(tx driver.ManagedTransaction) (people.User, error) {
		recs, err := collect(ctx, tx, userExists, map[string]any{"username": u.Username})
		if err != nil {
			return people.User{}, err
		}
		if taken, _ := recs[0].Get("taken"); taken == true {
			return people.User{}, apperr.New(apperr.Conflict, "username %q is taken; choose another", u.Username)
		}
		if u.ManagerID != "" {
			if recs, err = collect(ctx, tx, managerExists, map[string]any{"id": u.ManagerID}); err != nil {
				return people.User{}, err
			}
			if found, _ := recs[0].Get("found"); found != true {
				return people.User{}, apperr.New(apperr.NotFound, "managerId: no user has id %q", u.ManagerID)
			}
		}
		if u.BusinessUnitID != "" {
			if recs, err = collect(ctx, tx, unitExists, map[string]any{"id": u.BusinessUnitID}); err != nil {
				return people.User{}, err
			}
			if found, _ := recs[0].Get("found"); found != true {
				return people.User{}, apperr.New(apperr.NotFound, "businessUnitId: no business unit has id %q", u.BusinessUnitID)
			}
		}
		recs, err = collect(ctx, tx, groupsExist, map[string]any{"ids": groupIDs})
		if err != nil {
			return people.User{}, err
		}
		found, _ := recs[0].Get("found")
		if got := strs(found); len(got) != len(groupIDs) {
			return people.User{}, apperr.New(apperr.NotFound, "groupIds: some of %v do not exist (found %v)", groupIDs, got)
		}
		_, err = collect(ctx, tx, createUser, map[string]any{"groupIds": groupIDs, "props": map[string]any{
			"id": u.ID, "username": u.Username, "displayName": u.DisplayName, "email": nullable(u.Email),
			"kind": string(u.Kind), "roles": roles, "active": u.Active, "passwordHash": nullable(u.PasswordHash),
			"managerId": nullable(u.ManagerID), "businessUnitId": nullable(u.BusinessUnitID), "createdAt": u.CreatedAt,
		}})
		return u, err
	})
}

const groupNameTaken = `OPTIONAL MATCH (g:Group {name: $name}) RETURN g IS NOT NULL AS taken`

const createGroup = `CREATE (g:Group) SET g = $props`

// CreateGroup implements people.Store.
func (p *People) CreateGroup(ctx context.Context, g people.Group) (people.Group, error) {
	return write(ctx, p.s, func(tx driver.ManagedTransaction) (people.Group, error) {
		recs, err := collect(ctx, tx, groupNameTaken, map[string]any{"name": g.Name})
		if err != nil {
			return people.Group{}, err
		}
		if taken, _ := recs[0].Get("taken"); taken == true {
			return people.Group{}, apperr.New(apperr.Conflict, "a group named %q exists; choose another name", g.Name)
		}
		_, err = collect(ctx, tx, createGroup, map[string]any{"props": map[string]any{
			"id": g.ID, "name": g.Name, "description": nullable(g.Description), "kind": string(g.Kind), "createdAt": g.CreatedAt,
		}})
		return g, err
	})
}

const userByUsername = `MATCH (u:User {username: $username}) RETURN properties(u) AS u`

// UserByUsername implements people.Store.
func (p *People) UserByUsername(ctx context.Context, username string) (people.User, error) {
	return read(ctx, p.s, func(tx driver.ManagedTransaction) (people.User, error) {
		recs, err := collect(ctx, tx, userByUsername, map[string]any{"username": username})
		if err != nil {
			return people.User{}, err
		}
		if len(recs) == 0 {
			return people.User{}, apperr.New(apperr.NotFound, "no user is named %q", username)
		}
		return userFromProps(props(recs[0], "u")), nil
	})
}

const setPasswordHash = `MATCH (u:User {id: $id}) SET u.passwordHash = $hash RETURN u.id AS id`

// SetPasswordHash implements people.Store.
func (p *People) SetPasswordHash(ctx context.Context, userID, hash string) error {
	_, err := write(ctx, p.s, func(tx driver.ManagedTransaction) (struct{}, error) {
		recs, err := collect(ctx, tx, setPasswordHash, map[string]any{"id": userID, "hash": hash})
		if err != nil {
			return struct{}{}, err
		}
		if len(recs) == 0 {
			return struct{}{}, apperr.New(apperr.NotFound, "no user has id %q", userID)
		}
		return struct{}{}, nil
	})
	return err
}

const usersByID = `MATCH (u:User) WHERE u.id IN $ids RETURN properties(u) AS u`

// GetUsers implements people.Store.
func (p *People) GetUsers(ctx context.Context, ids []string) ([]people.User, error) {
	return readAll(ctx, p.s, usersByID, map[string]any{"ids": ids}, "u", infallible(userFromProps))
}

const groupsByID = `MATCH (g:Group) WHERE g.id IN $ids RETURN properties(g) AS g`

// GetGroups implements people.Store.
func (p *People) GetGroups(ctx context.Context, ids []string) ([]people.Group, error) {
	return readAll(ctx, p.s, groupsByID, map[string]any{"ids": ids}, "g", infallible(groupFromProps))
}

// ListUsers implements people.Store.
func (p *People) ListUsers(ctx context.Context, req paging.Request) (paging.Page[people.User], error) {
	return listBy(ctx, p.s, userList(), req, infallible(userFromProps), func(u people.User) (any, string) { return u.Username, u.ID })
}

// ListGroups implements people.Store.
func (p *People) ListGroups(ctx context.Context, req paging.Request) (paging.Page[people.Group], error) {
	return listBy(ctx, p.s, groupList(), req, infallible(groupFromProps), func(g people.Group) (any, string) { return g.Name, g.ID })
}

// userList lists accounts by username, groupList groups by name.
func userList() listSpec {
	return listSpec{match: "MATCH (u:User)", v: "u", where: newConditions(), order: "username", sortName: "users"}
}

func groupList() listSpec {
	return listSpec{match: "MATCH (g:Group)", v: "g", where: newConditions(), order: "name", sortName: "groups"}
}

const (
	findMembership = `
OPTIONAL MATCH (u:User {id: $userId})
OPTIONAL MATCH (g:Group {id: $groupId})
RETURN u IS NOT NULL AS user, g IS NOT NULL AS grp`
	addMembership = `
MATCH (u:User {id: $userId}), (g:Group {id: $groupId})
MERGE (u)-[:MEMBER_OF_GROUP]->(g)`
	removeMembership = `
MATCH (u:User {id: $userId})-[m:MEMBER_OF_GROUP]->(g:Group {id: $groupId})
DELETE m`
)

// SetMembership implements people.Store.
func (p *People) SetMembership(ctx context.Context, groupID, userID string, member bool) error {
	_, err := write(ctx, p.s, func(tx driver.ManagedTransaction) (struct{}, error) {
		params := map[string]any{"userId": userID, "groupId": groupID}
		recs, err := collect(ctx, tx, findMembership, params)
		if err != nil {
			return struct{}{}, err
		}
		if u, _ := recs[0].Get("user"); u != true {
			return struct{}{}, apperr.New(apperr.NotFound, "userId: no user has id %q", userID)
		}
		if g, _ := recs[0].Get("grp"); g != true {
			return struct{}{}, apperr.New(apperr.NotFound, "groupId: no group has id %q", groupID)
		}
		stmt := removeMembership
		if member {
			stmt = addMembership
		}
		_, err = collect(ctx, tx, stmt, params)
		return struct{}{}, err
	})
	return err
}

const groupsOfUsers = `
UNWIND $ids AS id
MATCH (:User {id: id})-[:MEMBER_OF_GROUP]->(g:Group)
WITH id, g ORDER BY g.name
RETURN id, collect(properties(g)) AS items`

const membersOfGroups = `
UNWIND $ids AS id
MATCH (:Group {id: id})<-[:MEMBER_OF_GROUP]-(u:User)
WITH id, u ORDER BY u.username
RETURN id, collect(properties(u)) AS items`

func grouped[T any](ctx context.Context, s *Store, stmt string, ids []string, decode func(map[string]any) T) (map[string][]T, error) {
	return read(ctx, s, func(tx driver.ManagedTransaction) (map[string][]T, error) {
		recs, err := collect(ctx, tx, stmt, map[string]any{"ids": ids})
		if err != nil {
			return nil, err
		}
		out := make(map[string][]T, len(recs))
		for _, r := range recs {
			id, _ := r.Get("id")
			v, _ := r.Get("items")
			for _, p := range maps(v) {
				out[id.(string)] = append(out[id.(string)], decode(p))
			}
		}
		return out, nil
	})
}

// GroupsOf implements people.Store.
func (p *People) GroupsOf(ctx context.Context, userIDs []string) (map[string][]people.Group, error) {
	return grouped(ctx, p.s, groupsOfUsers, userIDs, groupFromProps)
}

// MembersOf implements people.Store.
func (p *People) MembersOf(ctx context.Context, groupIDs []string) (map[string][]people.User, error) {
	return grouped(ctx, p.s, membersOfGroups, groupIDs, userFromProps)
}
