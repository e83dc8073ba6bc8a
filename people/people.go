// Package people manages users, groups and roles (SPEC §2.9) and local logins.
// It declares the Store it needs; package neo4j implements it.
package people

import (
	"context"
	"net/mail"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/validate"
)

// Kind tells people from automation clients.
type Kind string

// The account kinds.
const (
	Human   Kind = "HUMAN"
	Service Kind = "SERVICE"
)

// GroupKind tells internal teams from vendors.
type GroupKind string

// The group kinds.
const (
	Team   GroupKind = "TEAM"
	Vendor GroupKind = "VENDOR"
)

// User is an account. PasswordHash is empty for service accounts and for
// people who log in through an identity provider.
type User struct {
	ID           string
	Username     string
	DisplayName  string
	Email        string
	Kind         Kind
	Roles        []auth.Role
	Active       bool
	PasswordHash string
	// ManagerID is the user's line manager, who approves their requests
	// where an item asks for it.
	ManagerID string
	// BusinessUnitID is the business unit the user works for: the SLAs of
	// that customer apply to the incidents they raise.
	BusinessUnitID string
	CreatedAt      time.Time
}

// Group is a team or vendor.
type Group struct {
	ID          string
	Name        string
	Description string
	Kind        GroupKind
	CreatedAt   time.Time
}

// ID prefixes.
const (
	UserPrefix  = "usr"
	GroupPrefix = "grp"
)

// Store persists people. Each method is one transaction.
type Store interface {
	// CreateUser writes u and its memberships; CONFLICT for a taken
	// username, NOT_FOUND for an unknown group.
	CreateUser(ctx context.Context, u User, groupIDs []string) (User, error)
	// CreateGroup writes g; CONFLICT for a taken name.
	CreateGroup(ctx context.Context, g Group) (Group, error)
	// UserByUsername returns the account; NOT_FOUND when absent.
	UserByUsername(ctx context.Context, username string) (User, error)
	// SetPasswordHash replaces a user's password hash; NOT_FOUND for an
	// unknown user.
	SetPasswordHash(ctx context.Context, userID, hash string) error
	// GetUsers and GetGroups return those that exist, in any order.
	GetUsers(ctx context.Context, ids []string) ([]User, error)
	GetGroups(ctx context.Context, ids []string) ([]Group, error)
	ListUsers(ctx context.Context, p paging.Request) (paging.Page[User], error)
	ListGroups(ctx context.Context, p paging.Request) (paging.Page[Group], error)
	// SetMembership adds or removes a user in a group; NOT_FOUND for an
	// unknown user or group.
	SetMembership(ctx context.Context, groupID, userID string, member bool) error
	// GroupsOf and MembersOf batch the membership lookups of many parents.
	GroupsOf(ctx context.Context, userIDs []string) (map[string][]Group, error)
	MembersOf(ctx context.Context, groupIDs []string) (map[string][]User, error)
}

// TokenMinter issues bearer tokens.
type TokenMinter interface {
	Mint(subject string, roles []auth.Role, ttl time.Duration) (string, time.Time, error)
}

// PasswordHasher hashes local passwords and checks them against a hash.
// Check must cost the same for an empty hash (no account, or no password)
// as for a wrong password, so that a login does not tell which usernames
// exist.
type PasswordHasher interface {
	Hash(password string) (string, error)
	Check(hash, password string) bool
}

// Directory applies the people rules.
type Directory struct {
	store     Store
	tokens    TokenMinter
	passwords PasswordHasher
	now       func() time.Time
	newID     func(prefix string) string
	guard     *loginGuard
}

// NewDirectory returns a Directory.
func NewDirectory(store Store, tokens TokenMinter, passwords PasswordHasher, now func() time.Time, newID func(string) string) *Directory {
	return &Directory{store: store, tokens: tokens, passwords: passwords, now: now, newID: newID, guard: newLoginGuard(LoginLimits{}, now)}
}

// Limits on people fields.
const (
	MinPasswordLen    = 12
	MaxPasswordLen    = 128
	MaxDisplayNameLen = 200
	MaxEmailLen       = 254
	MaxGroupNameLen   = 200
	MaxDescriptionLen = 4000
)

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9._@-]{3,64}$`)

// CreateUserInput describes an account to create.
type CreateUserInput struct {
	Username    string
	DisplayName string
	Email       string
	Kind        Kind
	Roles       []auth.Role
	Password    *string
	GroupIDs    []string
	ManagerID   string
	// BusinessUnitID is an existing business unit, or empty.
	BusinessUnitID string
}

// CreateUser validates and stores an account. BAD_USER_INPUT names the
// field; CONFLICT for a taken username; NOT_FOUND for an unknown group.
func (d *Directory) CreateUser(ctx context.Context, caller auth.Principal, in CreateUserInput) (User, error) {
	if in.Kind == "" {
		in.Kind = Human
	}
	if !usernamePattern.MatchString(in.Username) {
		return User{}, apperr.Invalid("username", "must be 3 to 64 of letters, digits, '.', '_', '-', '@'")
	}
	if err := validate.Text("displayName", in.DisplayName, true, MaxDisplayNameLen); err != nil {
		return User{}, err
	}
	if in.Email != "" {
		if len(in.Email) > MaxEmailLen {
			return User{}, apperr.Invalid("email", "is longer than %d characters", MaxEmailLen)
		}
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
			return User{}, apperr.Invalid("email", "is not an address like name@example.com")
		}
	}
	if in.Kind != Human && in.Kind != Service {
		return User{}, apperr.Invalid("kind", "must be HUMAN or SERVICE")
	}
	if len(in.Roles) == 0 {
		return User{}, apperr.Invalid("roles", "give at least one role")
	}
	for _, r := range in.Roles {
		if _, err := auth.ParseRole(string(r)); err != nil {
			return User{}, apperr.Invalid("roles", "%s", err.(*apperr.Error).Message)
		}
	}
	u := User{
		ID: d.newID(UserPrefix), Username: in.Username, DisplayName: in.DisplayName, Email: in.Email,
		Kind: in.Kind, Roles: dedupe(in.Roles), Active: true, ManagerID: in.ManagerID, BusinessUnitID: in.BusinessUnitID, CreatedAt: d.now().UTC(),
	}
	if err := validate.Text("managerId", in.ManagerID, false, MaxDisplayNameLen); err != nil {
		return User{}, err
	}
	if err := validate.Text("businessUnitId", in.BusinessUnitID, false, MaxDisplayNameLen); err != nil {
		return User{}, err
	}
	if in.Password != nil {
		if in.Kind == Service {
			return User{}, apperr.Invalid("password", "service accounts do not log in with a password; issue them a token instead")
		}
		h, err := d.hashPassword(*in.Password)
		if err != nil {
			return User{}, err
		}
		u.PasswordHash = h
	}
	return d.store.CreateUser(ctx, u, slices.Compact(slices.Sorted(slices.Values(in.GroupIDs))))
}

// CreateGroupInput describes a group to create; an empty Kind is TEAM.
type CreateGroupInput struct {
	Name        string
	Description string
	Kind        GroupKind
}

// CreateGroup validates and stores a group; CONFLICT for a taken name.
func (d *Directory) CreateGroup(ctx context.Context, caller auth.Principal, in CreateGroupInput) (Group, error) {
	name, description, kind := in.Name, in.Description, in.Kind
	if kind == "" {
		kind = Team
	}
	if err := validate.Text("name", name, true, MaxGroupNameLen); err != nil {
		return Group{}, err
	}
	if err := validate.Text("description", description, false, MaxDescriptionLen); err != nil {
		return Group{}, err
	}
	if kind != Team && kind != Vendor {
		return Group{}, apperr.Invalid("kind", "must be TEAM or VENDOR")
	}
	return d.store.CreateGroup(ctx, Group{ID: d.newID(GroupPrefix), Name: strings.TrimSpace(name), Description: description, Kind: kind, CreatedAt: d.now().UTC()})
}

// SetPassword gives a human account a new password. BAD_USER_INPUT for a
// password of the wrong length or a service account; NOT_FOUND for an
// unknown user.
func (d *Directory) SetPassword(ctx context.Context, userID, password string) error {
	u, err := d.User(ctx, userID)
	if err != nil {
		return err
	}
	if u.Kind == Service {
		return apperr.Invalid("password", "service accounts do not log in with a password; issue them a token instead")
	}
	h, err := d.hashPassword(password)
	if err != nil {
		return err
	}
	return d.store.SetPasswordHash(ctx, userID, h)
}

// hashPassword checks a new password's length and hashes it.
func (d *Directory) hashPassword(password string) (string, error) {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLen || n > MaxPasswordLen {
		return "", apperr.Invalid("password", "must be %d to %d characters long", MinPasswordLen, MaxPasswordLen)
	}
	h, err := d.passwords.Hash(password)
	if err != nil {
		return "", apperr.Wrap(err, apperr.Internal, "could not hash the password")
	}
	return h, nil
}

// SetMembershipInput adds (Member true) or removes a user in a group.
type SetMembershipInput struct {
	GroupID string
	UserID  string
	Member  bool
}

// SetMembership adds or removes a user in a group.
func (d *Directory) SetMembership(ctx context.Context, caller auth.Principal, in SetMembershipInput) (Group, error) {
	if err := d.store.SetMembership(ctx, in.GroupID, in.UserID, in.Member); err != nil {
		return Group{}, err
	}
	return d.Group(ctx, in.GroupID)
}

// Login checks a local account's password and mints a token carrying its
// roles. Every failure is the same UNAUTHENTICATED, so that callers cannot
// probe which usernames exist. Attempts are throttled per username and per
// client address (see LoginLimits): a refused attempt is UNAVAILABLE with
// a retry delay, answered without checking the password.
func (d *Directory) Login(ctx context.Context, username, password string, client netip.Addr) (string, time.Time, User, error) {
	fail := apperr.New(apperr.Unauthenticated, "username or password is wrong (or the account cannot log in)")
	if len(username) > 64 || len(password) > MaxPasswordLen {
		return "", time.Time{}, User{}, fail
	}
	settle, err := d.guard.admit(ctx, username, client)
	if err != nil {
		return "", time.Time{}, User{}, err
	}
	failed := false
	defer func() { settle(failed) }()
	u, err := d.store.UserByUsername(ctx, username)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return "", time.Time{}, User{}, err
	}
	if !d.passwords.Check(u.PasswordHash, password) || !u.Active || u.Kind != Human {
		failed = true
		return "", time.Time{}, User{}, fail
	}
	tok, exp, err := d.tokens.Mint(u.ID, u.Roles, 0)
	if err != nil {
		return "", time.Time{}, User{}, err
	}
	return tok, exp, u, nil
}

// User returns one user; NOT_FOUND when absent.
func (d *Directory) User(ctx context.Context, id string) (User, error) {
	us, err := d.store.GetUsers(ctx, []string{id})
	if err != nil {
		return User{}, err
	}
	if len(us) == 0 {
		return User{}, apperr.New(apperr.NotFound, "no user has id %q", id)
	}
	return us[0], nil
}

// Group returns one group; NOT_FOUND when absent.
func (d *Directory) Group(ctx context.Context, id string) (Group, error) {
	gs, err := d.store.GetGroups(ctx, []string{id})
	if err != nil {
		return Group{}, err
	}
	if len(gs) == 0 {
		return Group{}, apperr.New(apperr.NotFound, "no group has id %q", id)
	}
	return gs[0], nil
}

// Users returns users by id, keyed by id.
func (d *Directory) Users(ctx context.Context, ids []string) (map[string]User, error) {
	us, err := d.store.GetUsers(ctx, ids)
	out := make(map[string]User, len(us))
	for _, u := range us {
		out[u.ID] = u
	}
	return out, err
}

// Groups returns groups by id, keyed by id.
func (d *Directory) Groups(ctx context.Context, ids []string) (map[string]Group, error) {
	gs, err := d.store.GetGroups(ctx, ids)
	out := make(map[string]Group, len(gs))
	for _, g := range gs {
		out[g.ID] = g
	}
	return out, err
}

// ListUsers pages through users by username.
func (d *Directory) ListUsers(ctx context.Context, p paging.Request) (paging.Page[User], error) {
	return d.store.ListUsers(ctx, p)
}

// ListGroups pages through groups by name.
func (d *Directory) ListGroups(ctx context.Context, p paging.Request) (paging.Page[Group], error) {
	return d.store.ListGroups(ctx, p)
}

// GroupsOf returns each user's groups.
func (d *Directory) GroupsOf(ctx context.Context, userIDs []string) (map[string][]Group, error) {
	return d.store.GroupsOf(ctx, userIDs)
}

// MembersOf returns each group's members.
func (d *Directory) MembersOf(ctx context.Context, groupIDs []string) (map[string][]User, error) {
	return d.store.MembersOf(ctx, groupIDs)
}

func dedupe(roles []auth.Role) []auth.Role {
	out := slices.Clone(roles)
	slices.Sort(out)
	return slices.Compact(out)
}
